// `response.auditDone`: each request's own audit row, for `ctx.waitUntil` (unlike flush(), it
// does not wait for the other calls in flight), against the dev vault.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { startVault } from "./helpers/vault.mjs";
import { loadSdk } from "./helpers/sdk.mjs";
import { GRANTS, KEYS } from "./helpers/demo.mjs";

const E = await loadSdk();
let vault;

before(async () => {
  vault = await startVault();
});
after(async () => vault?.stop());
beforeEach(async () => vault.reset());

test("auditDone settles once this call's row is written, without waiting for a slow call in flight", async () => {
  const app = new E.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
  // A slow provider call that stays in flight the whole time.
  const slow = app.request("GET", `${vault.url}/mock/google/slow?ms=3000`, { grantId: GRANTS.systemGoogle, reason: "slow" });
  const res = await app.request("GET", `${vault.url}/mock/google/fast`, { grantId: GRANTS.systemGoogle, reason: "fast" });
  assert.equal(res.status, 200);
  assert.ok(res.auditDone instanceof Promise);
  assert.ok(!Object.keys(res).includes("auditDone"), "not enumerable");
  let slowDone = false;
  slow.then(() => { slowDone = true; }, () => { slowDone = true; });
  await res.auditDone;
  assert.equal(slowDone, false, "the slow call is still in flight");
  const rows = await vault.auditRows();
  assert.deepEqual(rows.map((r) => r.row.reason), ["fast"], "this call's row is written");
  await slow;
  await app.close();
  assert.equal((await vault.auditRows()).length, 2);
});

test("a rejected request carries auditDone for the row of its provider attempt", async () => {
  const app = new E.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, maxRetries: 0 });
  const err = await app.request("GET", `${vault.url}/mock/google/status/500`, { grantId: GRANTS.systemGoogle }).then(() => null, (e) => e);
  assert.ok(err instanceof E.ProviderAPIError, String(err));
  await err.auditDone;
  const rows = await vault.auditRows();
  assert.equal(rows.length, 1);
  assert.equal(rows[0].row.response_status, 500);
  await app.close();
});
