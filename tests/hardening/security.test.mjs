// Security tests (issue 7): the credential and the API key stay where they belong.
// * the provider credential never appears in errors (message, JSON, util.inspect, stack), logs
//   (every level), audit rows, or anything reachable from the returned objects and the client;
// * redirects are returned as-is, never followed with the credential;
// * the API key and X-Alter-* headers never reach a provider;
// * the dev vault refuses tampered and replayed signed requests (captured from our own SDK).
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { startVault, loadSdk, countingFetch, recordingLogger, GRANTS, KEYS } from "./common.mjs";

const E = await loadSdk();
const { App, Agent } = E;
let vault;
let mock;
const T = { timeout: 30000 };

before(async () => {
  vault = await startVault();
  mock = `${vault.url}/mock`;
});
after(async () => vault?.stop());
beforeEach(async () => vault.reset());

function setup(extra = {}, Cls = App) {
  const spy = countingFetch(vault.url);
  const log = recordingLogger();
  const c = new Cls({ apiKey: KEYS.full, baseUrl: vault.url, fetch: spy.fetch, logger: log.logger, ...extra });
  return { c, spy, log };
}

/** The values that must never leak: every credential seen on a provider call, and the API key. */
function secretsOf(spy, apiKey = KEYS.full) {
  const s = [...spy.secrets].filter((x) => x.length >= 8);
  assert.ok(s.length > 0, "the spy saw at least one credential (else the test proves nothing)");
  return [...s, apiKey];
}

function assertClean(secrets, text, where) {
  for (const s of secrets) assert.ok(!String(text).includes(s), `a secret appears in ${where}`);
}

/** Every string reachable from `root` through own properties (enumerable or not, symbols too),
 * Map/Set entries and array items, functions' own props included; prototypes are not followed. */
function reachableStrings(root, limit = 20000) {
  const out = [];
  const seen = new Set();
  const stack = [root];
  while (stack.length && seen.size < limit) {
    const v = stack.pop();
    if (typeof v === "string") {
      out.push(v);
      continue;
    }
    if (v === null || (typeof v !== "object" && typeof v !== "function") || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    if (v instanceof Set) for (const x of v) stack.push(x);
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      try {
        out.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("latin1"));
      } catch {}
      continue;
    }
    for (const key of Reflect.ownKeys(v)) {
      if (typeof key === "string") out.push(key);
      let d;
      try {
        d = Object.getOwnPropertyDescriptor(v, key);
      } catch {
        continue;
      }
      if (!d) continue;
      if ("value" in d) stack.push(d.value);
      else if (d.get && typeof v !== "function") {
        try {
          stack.push(d.get.call(v));
        } catch {}
      }
    }
  }
  return out;
}

test("the credential never appears in errors, logs, audit rows or reachable objects", T, async () => {
  const { c, spy, log } = setup({ timeout: 1500 });
  const errors = [];
  const grab = async (p) => {
    try {
      await p;
    } catch (e) {
      errors.push(e);
    }
  };
  await grab(c.request("GET", `${mock}/google/status/401`, { grantId: GRANTS.systemGoogle }));
  await grab(c.request("GET", `${mock}/google/status/500`, { grantId: GRANTS.systemGoogle }));
  await grab(c.request("POST", `${mock}/stripe-production/status/402`, { grantId: GRANTS.stripe, json: { a: 1 } }));
  await grab(c.request("GET", `${mock}/resend/status/422`, { grantId: GRANTS.resend }));
  await grab(c.request("GET", `${mock}/weather-api/status/403`, { grantId: GRANTS.weather }));
  await grab(c.request("GET", `${mock}/google/slow?ms=5000`, { grantId: GRANTS.systemGoogle }));
  await grab(c.request("GET", `${mock}/google/insufficient-scope`, { grantId: GRANTS.systemGoogle }));
  await vault.fault("/mock/weather-api/*", { drop_connection: true }, 1);
  await grab(c.request("GET", `${mock}/weather-api/drop`, { grantId: GRANTS.weather }));
  // A provider call with the credential in the query: the runtime's error (whose text may quote
  // the URL) is not the NetworkError's cause.
  assert.ok(errors.at(-1) instanceof E.NetworkError && errors.at(-1).cause === undefined, `${errors.at(-1)?.name} cause ${errors.at(-1)?.cause}`);
  const ok = await c.request("GET", `${mock}/weather-api/ok`, { grantId: GRANTS.weather, queryParams: { q: "x" } });
  assert.equal(ok.status, 200);
  // The weather grant injects its credential as a query parameter: the Response's url is the
  // caller's URL, not the one fetch used.
  assert.equal(ok.url, `${mock}/weather-api/ok?q=x`);
  assert.equal(errors.length, 8);
  const secrets = secretsOf(spy);
  assert.ok(spy.secrets.size >= 4, "credentials of google, stripe, resend and weather were seen");
  for (const e of errors) {
    assert.ok(e instanceof E.AlterSDKError, `${e?.name}`);
    const texts = [e.message, String(e), e.stack, JSON.stringify(e), inspect(e, { showHidden: true, depth: 20 }),
      JSON.stringify(e.details), ...reachableStrings(e)];
    for (const t of texts) assertClean(secrets, t, `${e.name}`);
  }
  // The Response wrapper the caller gets, and the client object itself.
  for (const t of reachableStrings(ok)) assertClean(secrets, t, "the returned Response: " + t.slice(0, 300));
  assertClean(secrets, inspect(ok, { showHidden: true, depth: 10 }), "inspect(Response)");
  const fromClient = reachableStrings(c);
  // The walk does reach the client's hidden state (its symbol-keyed state holds the base URL).
  assert.ok(fromClient.includes(vault.url), "the walk reached the client's internal state");
  assert.ok(reachableStrings(ok).includes("retryInfo"));
  for (const t of fromClient) assertClean(secrets, t, "the client object");
  assertClean(secrets, inspect(c, { showHidden: true, depth: 10 }), "inspect(client)");
  await c.close();
  const rows = await vault.auditRows();
  assert.equal(rows.length, 9);
  assertClean(secrets, JSON.stringify(rows), "audit rows");
  assertClean(secrets, log.lines.join("\n"), "log lines");
});

test("logs at every level carry no credential or key (deprecated key, failing audit, retries, insecure URL)", T, async () => {
  const runs = [
    { apiKey: "alter_rk_demoappdeprecatedaaaaa_psamog" },
    { apiKey: KEYS.noAudit }, // the audit POST is refused → logged
  ];
  for (const extra of runs) {
    const { c, spy, log } = setup(extra);
    await vault.fault("/sdk/token", { status: 503 }, 1); // a retry → debug line
    const r = await c.request("GET", `${mock}/google/x?a=1`, { grantId: GRANTS.systemGoogle });
    assert.equal(r.status, 200);
    await c.request("GET", `${mock}/weather-api/x`, { grantId: GRANTS.weather });
    await c.close();
    assert.ok(log.lines.length >= 1, "something was logged");
    assertClean(secretsOf(spy, extra.apiKey), log.lines.join("\n"), "log lines");
  }
});

test("redirects are returned as-is; the redirect target is never called with the credential", T, async () => {
  const { c, spy } = setup();
  const r = await c.request("GET", `${mock}/google/redirect`, { grantId: GRANTS.systemGoogle });
  assert.equal(r.status, 302);
  assert.equal(r.headers.get("location"), "http://127.0.0.1:1/elsewhere");
  assert.equal(spy.calls.filter((x) => x.url.includes("127.0.0.1:1/")).length, 0, "target never fetched");
  assert.equal(spy.providerCalls(), 1);
  for (const x of spy.calls) assert.equal(x.init?.redirect, "manual", `${x.url} uses redirect: manual`);
  await c.close();
  const rows = await vault.auditRows();
  assert.equal(rows.length, 1);
  assert.equal(rows[0].row.response_status, 302);
  assert.equal((await vault.mockCalls()).length, 1);
});

test("the API key, the signature and X-Alter-* headers never reach a provider", T, async () => {
  for (const [Cls, key] of [[App, KEYS.full], [Agent, KEYS.emailAssistant]]) {
    const { c, spy } = setup({ apiKey: key, caller: "bot-1" }, Cls);
    const grant = Cls === Agent ? "6d000000-0000-4000-8000-000000000003" : GRANTS.systemGoogle;
    const url = Cls === Agent ? `${mock}/resend/emails` : `${mock}/google/x`;
    const r = await c.request("POST", url, { grantId: grant, json: { a: 1 }, context: { run: "r1" }, reason: "test" });
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.equal(body.credential_ok, true);
    const provider = spy.calls.filter(spy.isProvider);
    assert.equal(provider.length, 1);
    for (const p of provider) {
      const names = Object.keys(p.headers);
      assert.deepEqual(names.filter((n) => n.startsWith("x-alter-")), [], "no X-Alter-* header to the provider");
      for (const [n, v] of Object.entries(p.headers)) {
        assert.ok(!v.includes(key), `API key in provider header ${n}`);
      }
      assert.ok(!p.url.includes(key));
    }
    // Vault calls do carry the key (sanity: the spy sees headers at all).
    const vaultCall = spy.calls.find((x) => !spy.isProvider(x));
    assert.equal(vaultCall.headers["x-api-key"], key);
    await c.close();
  }
  // The mock saw only injected credentials in the expected places.
  const calls = await vault.mockCalls();
  assert.equal(calls.length, 2);
  assert.ok(calls.every((x) => x.credential_ok));
});

test("the dev vault refuses tampered and replayed signatures captured from our SDK", T, async () => {
  const { c, spy } = setup();
  await (await c.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle })).text();
  await c.close();
  const signed = spy.calls.find((x) => x.url.endsWith("/sdk/token"));
  assert.ok(signed, "captured the signed token request");
  const body = Buffer.from(signed.init.body);
  const send = (url, headers, b) => fetch(url, { method: "POST", headers, body: b });
  const errorOf = async (res) => {
    const j = await res.json().catch(() => ({}));
    return j?.detail?.error ?? j?.error;
  };
  // Replay, byte for byte.
  const replay = await send(signed.url, signed.headers, body);
  assert.equal(replay.status, 401);
  assert.equal(await errorOf(replay), "replayed_nonce");
  // Tampered body (one byte), same headers.
  const tampered = Buffer.from(body);
  tampered[tampered.length - 2] ^= 1;
  const t1 = await send(signed.url, signed.headers, tampered);
  assert.equal(t1.status, 401);
  assert.ok(["content_hash_mismatch", "invalid_signature", "replayed_nonce"].includes(await errorOf(t1)));
  // Each signed header changed in turn (new nonce too, so a replay is not what is refused).
  const sigNames = Object.keys(signed.headers).filter((n) => n.startsWith("x-alter-"));
  assert.ok(sigNames.length >= 3, `signed headers: ${sigNames}`);
  for (const n of sigNames) {
    const h = { ...signed.headers };
    const v = h[n];
    h[n] = /^\d+$/.test(v) ? String(Number(v) - 1) : v.slice(0, -1) + (v.endsWith("a") ? "b" : "a");
    if (n !== "x-alter-nonce" && h["x-alter-nonce"]) {
      const nn = h["x-alter-nonce"];
      h["x-alter-nonce"] = nn.slice(0, -1) + (nn.endsWith("0") ? "1" : "0");
    }
    const res = await send(signed.url, h, body);
    assert.equal(res.status, 401, `changing ${n} must be refused`);
  }
  // A different path with the same signature.
  const res = await send(signed.url.replace("/sdk/token", "/sdk/grants/list"), signed.headers, body);
  assert.equal(res.status, 401);
  // No provider call and no token came out of any of these.
  assert.equal((await vault.mockCalls()).length, 1);
});

test("logLevel debug: no credential, API key or user JWT in any line, with a query-credential grant and a getter", T, async () => {
  const jwt = await vault.token("alice");
  const apiKey = "alter_rk_demoappdeprecatedaaaaa_psamog"; // deprecated: a warning too
  for (const logLevel of ["debug", "info", "warn", "error"]) {
    // One logger for two clients: the query-credential grant is the system's (the vault refuses
    // it with a user token), the getter's JWT goes with a provider call by user.
    const { c, spy, log } = setup({ apiKey, logLevel });
    const u = new App({ apiKey, baseUrl: vault.url, fetch: spy.fetch, logger: log.logger, logLevel, userTokenGetter: async () => jwt });
    await vault.fault("/sdk/token", { status: 503 }, 1); // a retry
    const r = await c.request("GET", `${mock}/weather-api/x`, { grantId: GRANTS.weather, queryParams: { q: "x" } });
    assert.equal(r.status, 200);
    const g = await u.request("GET", `${mock}/google/x`, { provider: "google" });
    assert.equal(g.status, 200);
    await vault.fault("/mock/weather-api/*", { drop_connection: true }, 1);
    await c.request("GET", `${mock}/weather-api/drop`, { grantId: GRANTS.weather }).catch(() => {});
    await u.request("GET", `${mock}/github/x`, { provider: "github" }).catch(() => {});
    await c.listGrants().catch(() => {});
    await Promise.all([c.close(), u.close()]);
    if (logLevel === "debug") {
      assert.ok(log.lines.filter((l) => l.startsWith("debug alter: request GET")).length >= 3, log.lines.join("\n"));
      assert.ok(log.lines.some((l) => l.startsWith("debug alter: vault POST /sdk/grants/list")), log.lines.join("\n"));
    } else {
      assert.ok(!log.lines.some((l) => l.startsWith("debug")), `${logLevel}: ${log.lines.join("\n")}`);
    }
    assertClean([...secretsOf(spy, apiKey), jwt], log.lines.join("\n"), `log lines at ${logLevel}`);
  }
});
