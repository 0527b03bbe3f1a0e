// Credential leaks through what a provider sends back (design rule 4), against a local provider
// that echoes the credential it received (helpers/echo.mjs): raw, percent-encoded (both hex
// cases), JSON-escaped, as UTF-8 read as Latin-1, in the bodies and headers of its 401/403/500
// answers. No form of any secret of the token response (the access token, the additional
// credential) may reach an error (JSON, responseBody, details, util.inspect, stack), a log line
// or the audit row the vault recorded. Also: the custom injection headers are dropped from both
// header maps of the row; the SDK's own capture limit at exactly 10,000 / 10,001 bytes of a
// chunked body; a network error on a query-credential grant; and the caller's Response never
// reaching the URL that carried the query credential. Every client here uses the default
// transport (no `fetch` option).
import { test, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { startVault, loadSdk, recordingLogger, rejectsWith, closedPort, KEYS } from "./common.mjs";
import {
  startEchoProvider, echoVaultConfig, leaks, ECHO_GRANTS, CUSTOM_HEADERS, SECRET, EXTRA, SECRET_H,
} from "./helpers/echo.mjs";

const E = await loadSdk();
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");
const T = { timeout: 60000 };
let provider;
let vault;
let deadPort;

before(async () => {
  provider = await startEchoProvider();
  deadPort = await closedPort();
  vault = await startVault({ config: echoVaultConfig([provider.port, deadPort]) });
});
after(async () => {
  await vault?.stop();
  await provider?.close();
});
let clients = [];
beforeEach(async () => {
  await vault.reset();
  provider.seen.length = 0;
});
// A failed test's audit rows must not land in the next test's vault state.
afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  clients = [];
});

function client(extra = {}) {
  const log = recordingLogger();
  const c = new E.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: log.logger, ...extra });
  clients.push(c);
  return { c, log };
}

function assertNoLeak(text, where) {
  const found = leaks(text);
  assert.deepEqual(found, [], `${where} holds a form of a credential: ${JSON.stringify(found)}\n${String(text).slice(0, 3000)}`);
}

/** Every way a caller may look at an error. */
function errorTexts(e) {
  return {
    "JSON.stringify(err)": JSON.stringify(e),
    "err.responseBody": e.responseBody,
    "JSON.stringify(err.details)": JSON.stringify(e.details),
    "err.details.www_authenticate": e.details?.www_authenticate,
    "err.missingScopes": JSON.stringify(e.missingScopes),
    "util.inspect(err)": inspect(e),
    "util.inspect(err, deep)": inspect(e, { showHidden: true, depth: 20 }),
    "String(err)": String(e),
    "err.stack": e.stack,
  };
}

/** The audit rows as the vault recorded them: their JSON text and every string inside. */
function assertRowsClean(rows) {
  assertNoLeak(JSON.stringify(rows), "the audit rows");
  const walk = (v, path) => {
    if (typeof v === "string") assertNoLeak(v, `audit ${path}`);
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) {
      assertNoLeak(k, `audit key at ${path}`);
      walk(x, `${path}.${k}`);
    }
  };
  walk(rows, "rows");
}

test("an echoing provider's 401/403/500: no form of any credential in errors, logs or audit rows", T, async () => {
  const { c, log } = client();
  const callerHeaders = { "X-Echo-Auth": "caller-value", "x-echo-second": "caller-2", Accept: "text/plain" };
  const cases = [
    ["/echo/401", ECHO_GRANTS.query, E.ProviderUnauthorizedError],
    ["/echo/403", ECHO_GRANTS.flagged, E.ScopeReauthRequiredError],
    ["/echo/403", ECHO_GRANTS.query, E.ProviderAPIError],
    ["/echo/500", ECHO_GRANTS.query, E.ProviderAPIError],
    ["/echo/401", ECHO_GRANTS.header, E.ProviderUnauthorizedError],
    ["/echo/500", ECHO_GRANTS.header, E.ProviderAPIError],
    // Last: its scope report makes the vault flag the grant (later tokens: 403 scope_mismatch).
    ["/echo/403-scope", ECHO_GRANTS.query, E.ScopeReauthRequiredError],
  ];
  for (const [path, grantId, cls] of cases) {
    // The caller's own values of the custom injection headers (replaced by the injected ones).
    const extraHeaders = grantId === ECHO_GRANTS.header ? {} : callerHeaders;
    const e = await rejectsWith(E, () => c.request("GET", `${provider.url}${path}`, { grantId, extraHeaders }), cls);
    const where = `${path} (${grantId.slice(-2)}) ${e.name}`;
    assert.equal(e.name, cls.name, where);
    for (const [how, text] of Object.entries(errorTexts(e))) assertNoLeak(text ?? "", `${where}: ${how}`);
    // The provider did echo (else the test proves nothing), and only the secrets were cut out.
    assert.equal(typeof e.responseBody, "string", `${where}: responseBody ${e.responseBody}`);
    const lines = e.responseBody.split("\n");
    assert.ok(lines.length >= 10, `${where}: ${e.responseBody}`);
    assert.ok(lines.every((l) => l.includes("[REDACTED]")), `${where}: ${e.responseBody}`);
    if (path === "/echo/403-scope") {
      assert.equal(e.missingScopes[0], "read");
      assert.ok(e.missingScopes.slice(1).every((s) => s.includes("[REDACTED]")), JSON.stringify(e.missingScopes));
      assert.ok(e.details.www_authenticate.includes("[REDACTED]"));
    }
  }
  // The provider received the credentials in every form the test looks for.
  const received = new Set(provider.seen.flatMap((s) => s.received));
  for (const s of [SECRET, EXTRA, SECRET_H]) assert.ok(received.has(s), `provider received ${s}`);
  await c.close();
  const rows = (await vault.auditRows()).filter((r) => r.source === "sdk");
  assert.equal(rows.length, cases.length);
  assertRowsClean(rows);
  for (const { row } of rows) {
    assert.ok(row.response_body.includes("[REDACTED]"));
    assert.ok(Object.values(row.response_headers).some((v) => v.includes("[REDACTED]")));
  }
  // The scope report of the insufficient_scope answer went to the vault too; nothing to read back,
  // but the log lines (every level) must be clean.
  assertNoLeak(log.lines.join("\n"), "log lines");
});

test("custom injection headers: dropped from both header maps of the audit row, their value redacted elsewhere", T, async () => {
  const { c } = client();
  const r = await c.request("GET", `${provider.url}/echo/200`, {
    grantId: ECHO_GRANTS.query, extraHeaders: { "X-Echo-Auth": "caller-value", "X-ECHO-SECOND": "caller-2", "X-Kept": "1" },
  });
  assert.equal(r.status, 200);
  await r.text();
  // What the provider got: the injected values, not the caller's.
  const got = provider.seen[0].headers;
  assert.equal(got["x-echo-auth"], `Key ${SECRET}`);
  assert.equal(got["x-echo-second"], SECRET);
  await c.close();
  const rows = await vault.auditRows();
  assert.equal(rows.length, 1);
  const { row } = rows[0];
  assert.equal(row.grant_id, ECHO_GRANTS.query);
  const reqNames = Object.keys(row.request_headers).map((k) => k.toLowerCase());
  const respNames = Object.keys(row.response_headers);
  for (const name of CUSTOM_HEADERS) {
    assert.ok(!reqNames.includes(name), `request_headers keeps ${name}: ${JSON.stringify(row.request_headers)}`);
    assert.ok(!respNames.includes(name), `response_headers keeps ${name}`);
  }
  assert.equal(row.request_headers["X-Kept"], "1");
  // The same values under names the SDK does not know: kept, with the credential redacted.
  assert.equal(row.response_headers["x-echo-auth-copy"], "Key [REDACTED]");
  assert.equal(row.response_headers["x-echo-second-copy"], "[REDACTED]");
  assertRowsClean([row]);
});

test("capture limit at exactly 10,000 and 10,001 bytes of a chunked provider body", T, async () => {
  const { c } = client();
  const placeholder = "<response too large: over 10000 bytes>";
  const calls = [];
  for (const grantId of [ECHO_GRANTS.query, ECHO_GRANTS.header]) {
    for (const n of [10000, 10001]) {
      const r = await c.request("GET", `${provider.url}/chunked/${n}`, { grantId });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get("content-length"), null, "no declared length");
      assert.equal((await r.text()).length, n, "the caller gets the whole body");
      calls.push({ n, status: 200 });
      const e = await rejectsWith(E, () => c.request("GET", `${provider.url}/chunked/${n}?status=500`, { grantId }), E.ProviderAPIError);
      assert.equal(e.responseBody, n === 10000 ? "x".repeat(10000) : placeholder);
      calls.push({ n, status: 500 });
    }
  }
  await c.close();
  const rows = (await vault.auditRows()).map((r) => r.row);
  assert.equal(rows.length, calls.length);
  rows.forEach((row, i) => {
    const { n, status } = calls[i];
    assert.equal(row.response_status, status);
    assert.equal(row.response_body, n === 10000 ? "x".repeat(10000) : placeholder, `row ${i}: ${n} bytes, ${status}`);
  });
});

test("provider network error on a query-credential grant: no form of the credential anywhere", T, async () => {
  const { c, log } = client({ maxRetries: 0 });
  const url = `http://127.0.0.1:${deadPort}/nothing`;
  // Control: the runtime's own error for this URL quotes it (so the check below means something).
  let raw;
  try {
    await fetch(`${url}?k=${encodeURIComponent(EXTRA)}`);
  } catch (err) {
    raw = err;
  }
  assert.ok(raw, "a connection to a closed port fails");
  const e = await rejectsWith(E, () => c.request("GET", url, { grantId: ECHO_GRANTS.query, queryParams: { q: "1" } }), E.NetworkError);
  assert.equal(e.message, "Failed to call provider API");
  for (const [how, text] of Object.entries(errorTexts(e))) assertNoLeak(text ?? "", `NetworkError: ${how}`);
  assert.equal(e.cause, undefined);
  await c.close();
  const rows = await vault.auditRows();
  assert.equal(rows.length, 1);
  assert.equal(rows[0].row.response_status, 0);
  assertRowsClean(rows);
  assertNoLeak(log.lines.join("\n"), "log lines");
});

test("query credential: the caller's Response never reaches the URL that carried it (chunked, gzip, > 10 KB)", T, async () => {
  const { c } = client();
  const getUrl = Object.getOwnPropertyDescriptor(Response.prototype, "url").get;
  const bodies = [
    ["/chunked/500", 500], ["/chunked/20000", 20000], ["/gzip/300", 300], ["/gzip/20000", 20000],
    ["/sized/300", 300], ["/sized/20000", 20000],
  ];
  for (const [path, n] of bodies) {
    const r = await c.request("GET", `${provider.url}${path}`, { grantId: ECHO_GRANTS.query, queryParams: { q: "1" } });
    const last = provider.seen.at(-1);
    assert.equal(new URLSearchParams(last.url.split("?")[1]).get("k"), EXTRA, "the provider got the query credential");
    assert.equal(r.status, 200);
    // The fetch Response the caller's was rebuilt from is out of the caller's reach: a garbage
    // collection must not cut the caller's body (Node's fetch cancels a collected Response's body).
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((res) => setTimeout(res, 30));
    }
    assert.equal(r.bodyUsed, false, `${path}: body not used after a GC`);
    assert.equal(r.url, `${provider.url}${path}?q=1`, path);
    const views = {
      "r.url": r.url,
      "r.clone().url": r.clone().url,
      "Response.prototype url getter": getUrl.call(r),
      "util.inspect(r)": inspect(r),
      "util.inspect(r.clone())": inspect(r.clone()),
      "util.inspect(r, deep)": inspect(r, { showHidden: true, depth: 6 }),
      "JSON.stringify(r)": JSON.stringify(r),
    };
    for (const [how, text] of Object.entries(views)) assertNoLeak(text ?? "", `${path}: ${how}`);
    assert.equal((await r.text()).length, n, `${path}: the caller reads the whole body`);
  }
  await c.close();
  assert.equal((await vault.auditRows()).length, bodies.length);
});
