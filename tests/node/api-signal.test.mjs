// Per-call AbortSignal on the namespace methods (grants, connect, agents, keys, approvals, …):
// a wrong type is an AlterValueError before any I/O; an aborted signal makes no call; aborting
// during a slow vault answer or a polling wait rejects at once with the signal's reason, unchanged.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { loadSdk } from "./helpers/sdk.mjs";
import { startVault } from "./helpers/vault.mjs";
import { KEYS } from "./helpers/demo.mjs";

const PAYOUTS = "6a000000-0000-4000-8000-000000000013";
let sdk, vault;
before(async () => {
  sdk = await loadSdk();
  vault = await startVault();
});
after(async () => vault?.stop());

/** An App whose fetch counts the vault calls it makes. */
function countingApp() {
  const calls = [];
  const fetch = (input, init) => {
    calls.push(String(input));
    return globalThis.fetch(input, init);
  };
  return { app: new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, fetch }), calls };
}

/** Every namespace method that takes an options object, called with `extra` merged in. */
const METHODS = [
  ["listGrants", (a, x) => a.listGrants({ ...x })],
  ["revokeGrant", (a, x) => a.revokeGrant("6a000000-0000-4000-8000-000000000001", { ...x })],
  ["mintGrant", (a, x) => a.mintGrant("6a000000-0000-4000-8000-000000000001", { label: "copy", ...x })],
  ["createConnectSession", (a, x) => a.createConnectSession({ ...x })],
  ["pollConnectSession", (a, x) => a.pollConnectSession("tok", { timeout: 1, ...x })],
  ["getApprovalStatus", (a, x) => a.getApprovalStatus("ap-1", { ...x })],
  ["awaitApproval", (a, x) => a.awaitApproval("ap-1", { ...x })],
  ["proxyRequest", (a, x) => a.proxyRequest("GET", `${vault.url}/mock/google/x`, { grantId: PAYOUTS, ...x })],
  ["proxyRequest(object)", (a, x) => a.proxyRequest({ method: "GET", url: `${vault.url}/mock/google/x`, grantId: PAYOUTS, ...x })],
  ["agents.list", (a, x) => a.agents.list({ ...x })],
  ["keys.derive", (a, x) => a.keys.derive({ scopes: ["grants:read"], expiresIn: 60, ...x })],
  ["oauthProviders.list", (a, x) => a.oauthProviders.list({ forceRefresh: true, ...x })],
];

test("a signal that is not an AbortSignal is an AlterValueError, before any call", async () => {
  const { app, calls } = countingApp();
  for (const [name, call] of METHODS) {
    for (const bad of [{}, "abort", 1, { aborted: true }]) {
      await assert.rejects(call(app, { signal: bad }), (e) => e instanceof sdk.AlterValueError && /signal must be an AbortSignal/.test(e.message), name);
    }
  }
  assert.equal(calls.length, 0);
  await app.close();
});

test("an already-aborted signal rejects with its reason and makes no call", async () => {
  const { app, calls } = countingApp();
  for (const [name, call] of METHODS) {
    const reason = new Error(`stop ${name}`);
    const ctrl = new AbortController();
    ctrl.abort(reason);
    await assert.rejects(call(app, { signal: ctrl.signal }), (e) => e === reason, name);
  }
  assert.deepEqual(calls, []);
  await app.close();
});

test("aborting during a slow vault answer rejects at once with the reason", async () => {
  const { app, calls } = countingApp();
  await vault.fault("/sdk/grants/list", { delay_ms: 5000 }, 1);
  const ctrl = new AbortController();
  const reason = new Error("user went away");
  const started = Date.now();
  const p = app.listGrants({ signal: ctrl.signal });
  setTimeout(() => ctrl.abort(reason), 100);
  await assert.rejects(p, (e) => e === reason);
  // Not a timing assertion on the SDK's speed: only that it did not wait for the 5 s answer.
  assert.ok(Date.now() - started < 4000, "the call did not wait for the slow answer");
  assert.equal(calls.filter((u) => u.endsWith("/sdk/grants/list")).length, 1, "no retry after the abort");
  await vault.clearFaults();
  await app.close();
});

test("awaitApproval stops polling when its signal fires", async () => {
  const { app, calls } = countingApp();
  const p = await app.proxyRequest("POST", `${vault.url}/mock/stripe-payouts/payouts`, { grantId: PAYOUTS, json: { amount: 5 }, reason: "payout" });
  assert.ok(p instanceof sdk.PendingApproval);
  const ctrl = new AbortController();
  const reason = new Error("no longer waiting");
  const started = Date.now();
  const waiting = app.awaitApproval(p.approvalId, { timeoutMs: 60_000, pollIntervalMs: 50, signal: ctrl.signal });
  setTimeout(() => ctrl.abort(reason), 300);
  await assert.rejects(waiting, (e) => e === reason);
  assert.ok(Date.now() - started < 20_000, "awaitApproval returned long before its 60 s timeout");
  const polls = calls.filter((u) => u.includes(`/sdk/approvals/${p.approvalId}`)).length;
  assert.ok(polls >= 1, "it polled before the abort");
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(calls.filter((u) => u.includes(`/sdk/approvals/${p.approvalId}`)).length, polls, "no poll after the abort");
  await app.close();
});
