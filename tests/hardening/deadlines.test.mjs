// Deadlines under load, through the runtime's own fetch (no `fetch` option): each exchange gets its
// own deadline, and a timeout stops the exchange it belongs to and nothing else (not a Response
// the caller is still reading); no listener pile-up warning; every provider call has one audit row.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startVault, loadSdk, rejectsWith, GRANTS, KEYS } from "./common.mjs";

const E = await loadSdk();
let vault;
let mock;
const warnings = [];
const onWarning = (w) => warnings.push(`${w.name}: ${w.message}`);

before(async () => {
  vault = await startVault();
  mock = `${vault.url}/mock`;
  process.on("warning", onWarning);
});
after(async () => {
  process.off("warning", onWarning);
  await vault?.stop();
});

const get = (c, path) => c.request("GET", `${mock}${path}`, { grantId: GRANTS.systemGoogle });

async function audited(n) {
  await vault.waitForAuditRows(n);
  return (await vault.auditRows()).filter((r) => r.source !== "proxy");
}

test("1,000 requests (16 at a time) through the global fetch: all succeed, one row each, no listener warning", { timeout: 60000 }, async () => {
  await vault.reset();
  const c = new E.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
  let next = 0;
  const statuses = [];
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < 1000) {
      const i = next++;
      const r = await get(c, `/google/reuse/${i}`);
      statuses.push(r.status);
      assert.equal((await r.json()).credential_ok, true);
    }
  }));
  await c.flush();
  assert.equal(statuses.length, 1000);
  assert.ok(statuses.every((s) => s === 200));
  const rows = await audited(1000);
  assert.equal(rows.length, 1000);
  assert.equal(new Set(rows.map((r) => r.row.url)).size, 1000, "one row per provider call");
  assert.deepEqual(warnings.filter((w) => /Listener|listener/.test(w)), []);
  await c.close();
});

test("a timeout stops only its own exchange: a streamed Response read afterwards is whole", { timeout: 60000 }, async () => {
  await vault.reset();
  const c = new E.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, timeout: 1000 });
  // Traffic first, so the exchanges below run on kept-alive connections.
  for (let i = 0; i < 40; i++) await (await get(c, `/google/warm/${i}`)).text();
  // A body declared larger than the audit capture limit is not read by the SDK: the caller
  // streams it from the original Response, which no later timeout may cut.
  const big = await get(c, "/google/large");
  assert.equal(big.status, 200);
  // Timeouts on the vault exchange and on the provider exchange, while `big` is unread.
  await vault.fault("/sdk/token", { delay_ms: 3000 }, 1);
  await rejectsWith(E, () => c.request("GET", `${mock}/google/a`, { grantId: GRANTS.systemGoogle }), E.TimeoutError);
  await rejectsWith(E, () => get(c, "/google/slow?ms=3000"), E.TimeoutError);
  // More traffic, some of it timing out again.
  const more = await Promise.allSettled(Array.from({ length: 20 }, (_, i) =>
    get(c, i % 5 === 0 ? "/google/slow?ms=3000" : `/google/after/${i}`).then((r) => r.text())));
  assert.equal(more.filter((r) => r.status === "fulfilled").length, 16);
  for (const r of more.filter((x) => x.status === "rejected")) assert.ok(r.reason instanceof E.TimeoutError);
  const text = await big.text();
  assert.equal(text.length, 20000);
  assert.ok(text.startsWith("abcdefghijklmnopqrstuvwxyz"));
  // The client is fine afterwards.
  const ok = await get(c, "/google/final");
  assert.equal((await ok.json()).credential_ok, true);
  await c.flush();
  // Provider attempts: 40 warm-up + large + slow + 20 + final (the token timeout made none).
  const rows = await audited(63);
  assert.equal(rows.length, 63);
  assert.equal(rows.filter((r) => r.row.response_status === 0).length, 5, "the five provider timeouts");
  await c.close();
});
