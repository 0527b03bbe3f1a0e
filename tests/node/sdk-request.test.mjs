// The built package against the dev vault: every request() option, both identity modes, the
// Response contract and the audit row of each call (protocol-core.md §3-§5, ts-api.md §5.1).
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { AsyncLocalStorage } from "node:async_hooks";
import { startVault } from "./helpers/vault.mjs";
import { loadSdk } from "./helpers/sdk.mjs";
import { GRANTS, KEYS, AGENTS } from "./helpers/demo.mjs";
import { spyFetch, assertNoSecret, recordingLogger } from "./helpers/spy.mjs";

const sdk = await loadSdk();
const { App, Agent, HttpMethod } = sdk;
let vault;
let mock; // base URL of the mock providers

before(async () => {
  vault = await startVault();
  mock = `${vault.url}/mock`;
});
after(async () => vault?.stop());
beforeEach(async () => vault.reset());

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
/** The mock's query echo as [key, value] pairs whatever its exact shape. */
function queryPairs(q) {
  if (Array.isArray(q)) return q.map((p) => (Array.isArray(p) ? p : [p.key ?? p.name, p.value]));
  const out = [];
  for (const [k, v] of Object.entries(q ?? {})) for (const x of [].concat(v)) out.push([k, x]);
  return out;
}

function newApp(extra = {}) {
  const spy = spyFetch();
  const log = recordingLogger();
  const app = new App({ apiKey: KEYS.full, baseUrl: vault.url, fetch: spy.fetch, logger: log.logger, ...extra });
  return { app, spy, log };
}

/** close() the client, then return the audit rows (close flushes them). */
async function closeAndAudit(app) {
  await app.close();
  return vault.auditRows();
}

test("grantId mode: the provider's real Response, its body and headers, one audit row", async () => {
  const { app, spy, log } = newApp();
  const res = await app.request(HttpMethod.GET, `${mock}/google/calendar/v3/calendars/primary/events`, { grantId: GRANTS.systemGoogle });
  assert.ok(res instanceof Response);
  const fetched = spy.calls.find((c) => c.url.includes("/calendar/v3/"));
  // The mock declares a Content-Length within the audit capture limit, so the SDK read the body
  // once and handed back a Response rebuilt around those bytes (js/core/fetch.js): everything the
  // caller can observe is the provider's.
  const original = fetched.response;
  assert.notEqual(res, original);
  assert.ok(original.bodyUsed, "the provider's body was read once, by the SDK");
  for (const k of ["status", "statusText", "url", "type", "redirected", "ok"]) assert.equal(res[k], original[k], k);
  assert.deepEqual([...res.headers], [...original.headers]);
  assert.equal(res.status, 200);
  assert.equal(res.retryInfo, null);
  assert.match(res.headers.get("content-type") ?? "", /json/);
  const body = await res.json();
  assert.equal(body.provider, "google");
  assert.equal(body.method, "GET");
  assert.equal(body.grant_id, GRANTS.systemGoogle);
  assert.equal(body.credential_ok, true);
  assert.ok(spy.secrets.size > 0, "the spy saw the injected credential");
  const rows = await closeAndAudit(app);
  assert.equal(rows.length, 1);
  const row = rows[0].row;
  assert.equal(row.grant_id, GRANTS.systemGoogle);
  assert.equal(row.method, "GET");
  assert.equal(row.url, `${mock}/google/calendar/v3/calendars/primary/events`);
  assert.equal(row.response_status, 200);
  assertNoSecret(spy, JSON.stringify(rows), "audit rows");
  assertNoSecret(spy, log.lines.join("\n"), "logger output");
});

test("json body: compact JSON, Content-Type set, audit row holds the value", async () => {
  const { app, spy } = newApp();
  const value = { subject: "hi", n: 3, list: [true, null, "é"] };
  const res = await app.request("POST", `${mock}/google/gmail/v1/send`, { grantId: GRANTS.systemGoogle, json: value });
  const body = await res.json();
  assert.equal(body.body_sha256, sha256(Buffer.from(JSON.stringify(value))));
  const sent = spy.calls.find((c) => c.url.includes("/gmail/v1/send"));
  assert.match(sent.headers["content-type"] ?? "", /application\/json/);
  const [row] = (await closeAndAudit(app)).map((r) => r.row);
  assert.deepEqual(row.request_body, value);
});

test("raw body: string as UTF-8 and Uint8Array bytes reach the provider unchanged", async () => {
  const { app } = newApp();
  const text = "plain text body — ünïcode";
  const r1 = await (await app.request("PUT", `${mock}/google/upload`, { grantId: GRANTS.systemGoogle, body: text })).json();
  assert.equal(r1.body_sha256, sha256(Buffer.from(text, "utf8")));
  const bytes = new Uint8Array([0, 1, 2, 250, 251, 255]);
  const r2 = await (await app.request("PUT", `${mock}/google/upload`, { grantId: GRANTS.systemGoogle, body: bytes })).json();
  assert.equal(r2.body_sha256, sha256(bytes));
  const rows = (await closeAndAudit(app)).map((r) => r.row);
  assert.equal(rows[0].request_body, text);
  assert.equal(rows[1].request_body, "<binary body: 6 bytes>");
});

test("extraHeaders: sent and audited; the injected credential header always wins", async () => {
  const { app, spy } = newApp();
  const res = await app.request("GET", `${mock}/google/x`, {
    grantId: GRANTS.systemGoogle,
    extraHeaders: { "X-Trace-Me": "yes", Authorization: "Bearer not-the-credential" },
  });
  const body = await res.json();
  assert.equal(body.credential_ok, true, "the caller's Authorization was replaced");
  const sent = spy.calls.find((c) => c.url.includes("/mock/google/x"));
  assert.equal(sent.headers["x-trace-me"], "yes");
  assert.notEqual(sent.headers.authorization, "Bearer not-the-credential");
  const [row] = (await closeAndAudit(app)).map((r) => r.row);
  const hdrs = Object.fromEntries(Object.entries(row.request_headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  assert.equal(hdrs["x-trace-me"], "yes");
  assert.equal(hdrs.authorization, undefined, "authorization is stripped from the audit row");
});

test("extraHeaders: names a plain object would not keep (digit first, __proto__, case variants) reach fetch intact", async () => {
  const { app, spy } = newApp();
  // JSON.parse gives an own "__proto__" key, as a header map read from config would. Each odd
  // name in its own request: one alone must be enough for the headers to survive.
  const cases = [
    ['{"__proto__": "p"}', "__proto__", "p"],
    ['{"1st-Hop": "one"}', "1st-hop", "one"],
    ['{"X-Case": "a", "x-case": "b"}', "x-case", "a, b"],
    ['{"Constructor": "c"}', "constructor", "c"],
  ];
  for (const [i, [json, name, value]] of cases.entries()) {
    const res = await app.request("GET", `${mock}/google/odd/${i}`, { grantId: GRANTS.systemGoogle, extraHeaders: JSON.parse(json) });
    assert.equal((await res.json()).credential_ok, true);
    const sent = spy.calls.find((c) => c.url.includes(`/mock/google/odd/${i}`));
    assert.ok(Object.hasOwn(sent.headers, name), `${name} was sent`);
    assert.equal(sent.headers[name], value);
    assert.ok(sent.headers.authorization, "the credential header is still there");
    assert.ok(sent.headers["user-agent"], "the other headers too");
  }
  await app.close();
});

test("queryParams: appended to the URL's own query, repeated keys, booleans, numbers, null", async () => {
  const { app, spy } = newApp();
  const res = await app.request("GET", `${mock}/google/search?keep=1`, {
    grantId: GRANTS.systemGoogle,
    queryParams: { q: "a b&c", tag: ["x", "y"], on: true, off: false, n: 10, empty: null },
  });
  const body = await res.json();
  assert.equal(body.credential_ok, true);
  assert.ok(queryPairs(body.query).some(([k, v]) => k === "q" && v === "a b&c"), "the mock decoded q");
  // The URL as sent (the mock's echo keeps one value per key, so read the repeated key here).
  const sent = new URL(spy.calls.find((c) => c.url.includes("/google/search")).url);
  assert.deepEqual([...sent.searchParams].sort(), [
    ["empty", ""], ["keep", "1"], ["n", "10"], ["off", "false"], ["on", "true"], ["q", "a b&c"], ["tag", "x"], ["tag", "y"],
  ].sort());
  const [row] = (await closeAndAudit(app)).map((r) => r.row);
  assert.equal(row.url, `${mock}/google/search?keep=1`, "audit url excludes queryParams (§4.4)");
});

test("query-parameter credential injection (weather-api) never reaches the audit row", async () => {
  const { app, spy } = newApp();
  const res = await app.request("GET", `${mock}/weather-api/forecast`, { grantId: GRANTS.weather, queryParams: { city: "Oslo" } });
  const body = await res.json();
  assert.equal(body.credential_ok, true);
  assert.ok(queryPairs(body.query).some(([k, v]) => k === "city" && v === "Oslo"));
  const rows = await closeAndAudit(app);
  assertNoSecret(spy, JSON.stringify(rows), "audit rows");
  assert.ok(!rows[0].row.url.includes("api_key"));
});

test("pathParams: every {name} replaced and percent-encoded", async () => {
  const { app } = newApp();
  const res = await app.request("GET", `${mock}/google/users/{user}/files/{file}`, {
    grantId: GRANTS.systemGoogle, pathParams: { user: "a b/c", file: "ü.txt" },
  });
  const body = await res.json();
  assert.match(body.path, /users\/(a%20b%2Fc|a b\/c)\/files\//);
  const [row] = (await closeAndAudit(app)).map((r) => r.row);
  assert.equal(row.url, `${mock}/google/users/a%20b%2Fc/files/%C3%BC.txt`);
});

test("reason and context land in the audit row; context also in the signed header", async () => {
  const { app } = newApp();
  await app.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle, reason: "weekly sync", context: { tool: "calendar", step: "2" } });
  const [r] = await closeAndAudit(app);
  assert.equal(r.row.reason, "weekly sync");
  assert.deepEqual(r.row.context, { tool: "calendar", step: "2" });
});

test("caller: constructor caller and per-call override reach the backend", async () => {
  const { app } = newApp({ caller: "billing-service" });
  await app.request("GET", `${mock}/google/a`, { grantId: GRANTS.systemGoogle });
  await app.request("GET", `${mock}/google/b`, { grantId: GRANTS.systemGoogle, caller: "one-off-job" });
  await app.close();
  const calls = await vault.mockCalls();
  assert.equal(calls.length, 2);
  const rows = await vault.auditRows();
  assert.equal(rows.length, 2);
  assert.equal(rows[0].caller, "billing-service");
  // §5.2: the audit row is attributed to the constructor caller even for an override.
  assert.equal(rows[1].caller, "billing-service");
});

test("identity mode: userTokenGetter (sync and async) picks the user's own grant", async () => {
  const alice = await vault.token("alice");
  const bob = await vault.token("bob");
  const { app } = newApp({ userTokenGetter: () => alice });
  const a = await (await app.request("GET", `${mock}/google/me`, { provider: "google" })).json();
  assert.equal(a.user, "alice");
  assert.equal(a.grant_id, GRANTS.aliceGoogle);
  const { app: app2 } = newApp({ userTokenGetter: async () => { await new Promise((r) => setTimeout(r, 5)); return bob; } });
  const b = await (await app2.request("GET", `${mock}/google/me`, { provider: "google" })).json();
  assert.equal(b.user, "bob");
  assert.equal(b.grant_id, GRANTS.bobGoogle);
  await app.close();
  await app2.close();
});

test("identity mode: per-call userToken wins over the getter (which is not called)", async () => {
  const alice = await vault.token("alice");
  const bob = await vault.token("bob");
  let called = 0;
  const { app } = newApp({ userTokenGetter: () => { called++; return alice; } });
  const body = await (await app.request("GET", `${mock}/google/me`, { provider: "google", userToken: bob })).json();
  assert.equal(body.user, "bob");
  assert.equal(called, 0);
  await app.close();
});

test("identity mode: account picks one of several grants; label too", async () => {
  const carol = await vault.token("carol");
  const { app } = newApp({ userTokenGetter: () => carol });
  const home = await (await app.request("GET", `${mock}/google/me`, { provider: "google", account: "carol@home.example" })).json();
  assert.equal(home.grant_id, GRANTS.carolHome);
  const work = await (await app.request("GET", `${mock}/google/me`, { provider: "google", label: "work" })).json();
  assert.equal(work.grant_id, GRANTS.carolWork);
  await app.close();
});

test("provider mode for a managed secret (resend, X-Api-Key injection) with an agent key", async () => {
  const spy = spyFetch();
  const agent = new Agent({ apiKey: KEYS.emailAssistant, baseUrl: vault.url, fetch: spy.fetch });
  const body = await (await agent.request("POST", `${mock}/resend/emails`, { provider: "resend", json: { to: "x@example.com" } })).json();
  assert.equal(body.credential_ok, true);
  assert.equal(body.grant_id, GRANTS.resend);
  const rows = await closeAndAudit(agent);
  assert.equal(rows.length, 1);
  assertNoSecret(spy, JSON.stringify(rows), "audit rows");
});

test("getAgent: app key with caller = agent UUID, attributed to the agent", async () => {
  const { app } = newApp();
  const agent = app.getAgent(AGENTS.emailAssistant.toUpperCase());
  assert.ok(agent instanceof Agent);
  const body = await (await agent.request("GET", `${mock}/google/me`, { grantId: GRANTS.aliceGoogle })).json();
  assert.equal(body.credential_ok, true);
  await agent.close();
  const rows = await vault.auditRows();
  assert.equal(rows.length, 1);
  assert.equal(rows[0].caller, AGENTS.emailAssistant);
  await app.close();
});

test("retryInfo/lastRetryInfo are null without a server retry; actorId and baseUrl", async () => {
  const { app } = newApp({ caller: "actor-label" });
  assert.equal(app.actorId, null);
  assert.equal(app.baseUrl, vault.url);
  const res = await app.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle });
  assert.equal(res.retryInfo, null);
  assert.equal(app.lastRetryInfo, null);
  // §8.4: a non-UUID caller gets an actor row; its id is cached from the token response.
  assert.match(app.actorId ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  await app.close();
  const rows = await vault.auditRows();
  assert.equal(rows[0].actor_id, app.actorId, "the audit call carried the cached actor id");
});

test("3xx is returned unchanged (no redirect following); non-UTF-8 bodies pass through", async () => {
  const { app } = newApp();
  const r = await app.request("GET", `${mock}/google/redirect`, { grantId: GRANTS.systemGoogle });
  assert.ok(r.status >= 300 && r.status < 400, `status ${r.status}`);
  const bin = await app.request("GET", `${mock}/google/binary`, { grantId: GRANTS.systemGoogle });
  const bytes = new Uint8Array(await bin.arrayBuffer());
  assert.ok(bytes.length > 0);
  const rows = await closeAndAudit(app);
  assert.equal(rows.length, 2);
});

test("ALTER_BASE_URL is used when baseUrl is not given", async () => {
  const old = process.env.ALTER_BASE_URL;
  process.env.ALTER_BASE_URL = vault.url;
  try {
    const app = new App({ apiKey: KEYS.full });
    assert.equal(app.baseUrl, vault.url);
    const body = await (await app.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle })).json();
    assert.equal(body.credential_ok, true);
    await app.close();
  } finally {
    if (old === undefined) delete process.env.ALTER_BASE_URL;
    else process.env.ALTER_BASE_URL = old;
  }
});

test("retryInfo: a token response with retry_info fills response.retryInfo and lastRetryInfo", async () => {
  const { app, spy } = newApp();
  const fakeToken = "ya29.injected-by-fault-0123456789";
  await vault.fault("/sdk/token", {
    status: 200,
    body: {
      access_token: fakeToken, token_type: "Bearer", expires_in: 3600, grant_id: GRANTS.systemGoogle,
      provider_id: "google", injection_header: "Authorization", injection_format: "Bearer {token}",
      retry_info: { total_attempts: 3, successful_attempt: 3, errors: [
        { attempt: 1, error: "upstream 503", error_type: "HTTPStatusError", delay_s: 0.5, permanent: false },
        { attempt: 2, error: "timeout", error_type: "TimeoutException", delay_s: 1 },
      ] },
    },
  });
  // /status/200 answers 200 whatever credential it receives (the fault's token is not a real grant's).
  const res = await app.request("GET", `${mock}/google/status/200`, { grantId: GRANTS.systemGoogle });
  assert.equal(res.status, 200);
  assert.ok(res.retryInfo instanceof sdk.RetryInfo);
  assert.equal(res.retryInfo.totalAttempts, 3);
  assert.equal(res.retryInfo.successfulAttempt, 3);
  assert.deepEqual(res.retryInfo.errors.map((e) => [e.attempt, e.errorType, e.delayS, e.permanent]), [[1, "HTTPStatusError", 0.5, false], [2, "TimeoutException", 1, false]]);
  assert.deepEqual(app.lastRetryInfo.toJSON(), res.retryInfo.toJSON());
  assert.ok(spy.secrets.has(fakeToken));
  // The next call without a retry resets it.
  await app.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle });
  assert.equal(app.lastRetryInfo, null);
  const rows = await closeAndAudit(app);
  assert.equal(rows.length, 2);
  assertNoSecret(spy, JSON.stringify(rows), "audit rows");
});

test("traceparent: the active OpenTelemetry span is sent to the backend, never to the provider", async () => {
  const key = Symbol.for("opentelemetry.js.api.1");
  const spanKey = Symbol.for("OpenTelemetry Context Key SPAN");
  const als = new AsyncLocalStorage();
  globalThis[key] = { context: { active: () => ({ getValue: (k) => (k === spanKey ? als.getStore() : undefined) }) } };
  try {
    const { app, spy } = newApp();
    const span = { spanContext: () => ({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: 1 }) };
    await als.run(span, () => app.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle }));
    await app.close();
    const token = spy.calls.find((c) => c.url.endsWith("/sdk/token"));
    assert.equal(token.headers.traceparent, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    const provider = spy.calls.find((c) => c.url.includes("/mock/google/x"));
    assert.equal(provider.headers.traceparent, undefined);
  } finally {
    delete globalThis[key];
  }
});

test("large and binary provider bodies: the caller gets every byte, the audit row a marker", async () => {
  const { app } = newApp();
  const large = await app.request("GET", `${mock}/google/large`, { grantId: GRANTS.systemGoogle });
  assert.equal((await large.arrayBuffer()).byteLength, 20000);
  const bin = await app.request("GET", `${mock}/google/binary`, { grantId: GRANTS.systemGoogle });
  assert.equal((await bin.arrayBuffer()).byteLength, 256);
  const rows = (await closeAndAudit(app)).map((r) => r.row);
  assert.equal(rows[0].response_body, "<response too large: 20000 bytes>");
  assert.equal(rows[1].response_body, "<binary response: 256 bytes>");
});
