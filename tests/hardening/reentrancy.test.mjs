// Re-entrancy of the engine and its driver: a JS callback that calls into the SDK while the driver
// is between two steps of another call (a `fetch` option, a logger) completes, calls keep their
// own values under heavy interleaving (the engine's table of calls in flight), the first exchange
// starts before request() returns, and every provider call still has exactly one audit row.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startVault, loadSdk, GRANTS, KEYS } from "./common.mjs";

const E = await loadSdk();
let vault;
let mock;

before(async () => {
  vault = await startVault();
  mock = `${vault.url}/mock`;
});
after(async () => {
  await vault?.stop();
});

async function audited(n) {
  await vault.waitForAuditRows(n);
  return (await vault.auditRows()).filter((r) => r.source !== "proxy");
}

test("a request started from inside the `fetch` option (a task running) completes, as does the outer one", { timeout: 30000 }, async () => {
  await vault.reset();
  let app;
  const nested = [];
  const fetchOption = (url, init) => {
    // The provider call of the outer request starts a second request from inside the running
    // task, synchronously, and does not wait for it.
    if (String(url).includes("/google/outer/") && nested.length < 3) {
      nested.push(app.request("GET", `${mock}/google/inner/${nested.length}`, { grantId: GRANTS.systemGoogle }));
    }
    return fetch(url, init);
  };
  app = new E.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, fetch: fetchOption });
  const outer = await Promise.all([0, 1, 2].map((i) =>
    app.request("GET", `${mock}/google/outer/${i}`, { grantId: GRANTS.systemGoogle })));
  for (const r of outer) assert.equal((await r.json()).credential_ok, true);
  assert.equal(nested.length, 3);
  const inner = await Promise.all(nested);
  const bodies = await Promise.all(inner.map((r) => r.json()));
  assert.deepEqual(bodies.map((b) => b.credential_ok), [true, true, true]);
  await app.flush();
  const rows = await audited(6);
  assert.equal(rows.length, 6);
  assert.deepEqual(rows.map((r) => new URL(r.row.url).pathname).sort(), [
    "/mock/google/inner/0", "/mock/google/inner/1", "/mock/google/inner/2",
    "/mock/google/outer/0", "/mock/google/outer/1", "/mock/google/outer/2",
  ]);
  await app.close();
});

test("a logger that starts a request while the core logs from a task: both finish", { timeout: 30000 }, async () => {
  await vault.reset();
  let app;
  const started = [];
  const lines = [];
  const logger = {
    debug: (m) => lines.push(["debug", m]),
    info: (m) => lines.push(["info", m]),
    warn: (m) => {
      lines.push(["warn", m]);
      // The audit task logs this warning while it runs; a request made right here re-enters the
      // core from inside that task.
      if (started.length === 0) {
        started.push(app.request("GET", `${mock}/google/from-logger`, { grantId: GRANTS.systemGoogle }));
      }
    },
    error: (m) => lines.push(["error", m]),
  };
  app = new E.App({ apiKey: KEYS.full, baseUrl: vault.url, logger, maxRetries: 0 });
  // The audit POST of the first request fails once (vault 500): the core warns.
  await vault.fault("/sdk/oauth/audit/api-call", { status: 500 }, 1);
  const first = await app.request("GET", `${mock}/google/first`, { grantId: GRANTS.systemGoogle });
  assert.equal((await first.json()).credential_ok, true);
  await app.flush();
  assert.ok(lines.some(([l, m]) => l === "warn" && /Audit log/.test(m)), JSON.stringify(lines));
  assert.equal(started.length, 1);
  const second = await started[0];
  assert.equal((await second.json()).credential_ok, true);
  await app.flush();
  // Two provider calls; the first one's row was refused by the injected fault.
  const rows = await audited(1);
  assert.deepEqual(rows.map((r) => new URL(r.row.url).pathname), ["/mock/google/from-logger"]);
  await app.close();
});

test("the first exchange starts before request() returns control (no queue hop before the token call)", async () => {
  let calls = 0;
  const app = new E.App({
    apiKey: KEYS.full,
    baseUrl: vault.url,
    logger: null,
    fetch: (url, init) => {
      calls++;
      return fetch(url, init);
    },
  });
  const pending = app.request("GET", `${mock}/google/sync-start`, { grantId: GRANTS.systemGoogle });
  // No getter: the JS layer calls the core synchronously, and the core's task sends the token
  // request in its first poll.
  const callsAtReturn = calls;
  // Finished either way, so that no audit row of this test lands during the next one.
  const body = await (await pending).json();
  await app.close();
  assert.equal(callsAtReturn, 1);
  assert.equal(body.credential_ok, true);
});

test("500 interleaved requests from 50 clients: each response carries its own request's path, one row each", { timeout: 60000 }, async () => {
  await vault.reset();
  const apps = Array.from({ length: 50 }, () => new E.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null }));
  const results = await Promise.all(Array.from({ length: 500 }, async (_, i) => {
    const r = await apps[i % 50].request("GET", `${mock}/google/mix/${i}`, { grantId: GRANTS.systemGoogle });
    return [i, r.status, await r.json()];
  }));
  for (const [i, status, body] of results) {
    assert.equal(status, 200);
    assert.equal(body.credential_ok, true);
    assert.equal(body.path, `/mix/${i}`, `response ${i}`);
  }
  await Promise.all(apps.map((a) => a.close()));
  const rows = await audited(500);
  assert.equal(rows.length, 500);
  assert.equal(new Set(rows.map((r) => r.row.url)).size, 500);
});
