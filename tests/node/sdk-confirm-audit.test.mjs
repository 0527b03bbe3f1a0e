// `confirmAudit` (the official TS docs: the row is written before the response returns and a
// failed write fails the request), against the dev vault.
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

const url = () => `${vault.url}/mock/google/calendar/v3/x`;

test("confirmAudit: the row is in the vault when request() resolves", async () => {
  const app = new E.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, confirmAudit: true });
  // A slow audit answer: without confirmAudit request() would resolve before the row is stored.
  await vault.fault("/sdk/oauth/audit/api-call", { delay_ms: 300 });
  const res = await app.request("GET", url(), { grantId: GRANTS.systemGoogle, reason: "confirmed" });
  assert.equal(res.status, 200);
  assert.deepEqual((await vault.auditRows()).map((r) => r.row.reason), ["confirmed"]);
  await app.close();
});

test("confirmAudit: a refused row rejects with AuditNotConfirmedError carrying the provider Response; per-call option both ways", async () => {
  const app = new E.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
  await vault.fault("/sdk/oauth/audit/api-call", { status: 503 }, 2);
  const err = await app.request("GET", url(), { grantId: GRANTS.systemGoogle, confirmAudit: true }).then(() => null, (e) => e);
  assert.ok(err instanceof E.AuditNotConfirmedError, String(err));
  assert.ok(err instanceof E.BackendError);
  assert.equal(err.code, "audit_not_confirmed");
  assert.equal(err.response.status, 200);
  assert.ok((await err.response.json()) !== null, "the provider's body is still readable");
  // The default (fire and forget): the same refusal is only a warning.
  const res = await app.request("GET", url(), { grantId: GRANTS.systemGoogle });
  assert.equal(res.status, 200);
  await app.close();
  const strict = new E.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, confirmAudit: true });
  const relaxed = await strict.request("GET", url(), { grantId: GRANTS.systemGoogle, confirmAudit: false });
  assert.equal(relaxed.status, 200);
  await strict.close();
  assert.throws(() => new E.App({ apiKey: KEYS.full, confirmAudit: "yes" }), E.AlterValueError);
});
