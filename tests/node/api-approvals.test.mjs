// Issue 5: proxyRequest, getApprovalStatus, awaitApproval against the dev vault (api-surface §2.1,
// §2.2): success, every terminal status and its error, the transient-retry rule, local checks.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { loadSdk } from "./helpers/sdk.mjs";
import { startVault } from "./helpers/vault.mjs";
import { AGENTS, GRANTS, KEYS } from "./helpers/demo.mjs";

const PAYOUTS = "6a000000-0000-4000-8000-000000000013";
let sdk, vault;
before(async () => {
  sdk = await loadSdk();
  vault = await startVault();
});
after(async () => vault?.stop());

const app = (extra = {}) => new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, ...extra });

test("proxyRequest runs inline: ApprovalResult with body helpers and snake_case toJSON", async () => {
  const a = app();
  const r = await a.proxyRequest("GET", `${vault.url}/mock/google/calendar/{cal}/events`, {
    grantId: GRANTS.aliceGoogle, pathParams: { cal: "primary one" }, queryParams: { a: "1", n: 2 }, reason: "test",
  });
  assert.ok(r instanceof sdk.ApprovalResult);
  assert.ok(!(r instanceof sdk.PendingApproval));
  assert.equal(r.statusCode, 200);
  assert.equal(r.approvalId, null);
  const body = r.bodyJson();
  assert.equal(body.grant_id, GRANTS.aliceGoogle);
  assert.equal(body.credential_ok, true);
  assert.equal(body.path, "/calendar/primary%20one/events");
  assert.deepEqual(body.query, { a: "1", n: "2" });
  assert.equal(r.bodyText(), new TextDecoder().decode(r.bodyBytes()));
  const wire = r.toJSON();
  assert.equal(wire.status_code, 200);
  assert.equal(typeof wire.body_b64, "string");
  assert.equal(new sdk.ApprovalResult(wire).bodyText(), r.bodyText());
  assert.ok(Object.isFrozen(r));
  const rows = (await vault.auditRows()).filter((x) => x.source === "proxy");
  assert.ok(rows.length >= 1, "the vault audited its upstream call");
  await a.close();
});

test("proxyRequest POST with json, headers and query on a proxy-only grant; both call shapes", async () => {
  const a = app();
  const r = await a.proxyRequest("POST", `${vault.url}/mock/asana/tasks`, {
    grantId: GRANTS.proxyOnly, json: { name: "t", n: 1 }, extraHeaders: { "X-Trace": "abc" }, queryParams: { opt: "x" },
  });
  assert.equal(r.statusCode, 200);
  const body = r.bodyJson();
  assert.equal(body.method, "POST");
  assert.equal(body.grant_id, GRANTS.proxyOnly);
  assert.deepEqual(body.query, { opt: "x" });
  const r2 = await a.proxyRequest({ method: "get", url: `${vault.url}/mock/asana/me`, grantId: GRANTS.proxyOnly });
  assert.equal(r2.bodyJson().method, "GET");
  // the provider's own error status arrives as data
  const r3 = await a.proxyRequest("GET", `${vault.url}/mock/google/status/404`, { grantId: GRANTS.aliceGoogle });
  assert.equal(r3.statusCode, 404);
  assert.deepEqual(r3.bodyJson(), { error: "mock_404" });
  await a.close();
});

test("proxyRequest local checks (AlterValueError) and backend errors (canonical classes)", async () => {
  const a = app();
  const url = `${vault.url}/mock/google/x`;
  for (const [opts, re] of [
    [{}, /exactly one of grantId or provider/],
    [{ grantId: GRANTS.aliceGoogle, provider: "google" }, /not both/],
    [{ grantId: GRANTS.aliceGoogle, extraHeaders: { Authorization: "Bearer x" } }, /set by the backend/],
    [{ grantId: GRANTS.aliceGoogle, extraHeaders: { " cookie ": "a" } }, /./],
    [{ grantId: GRANTS.aliceGoogle, body: "raw" }, /no raw body/],
    [{ grantId: GRANTS.aliceGoogle, json: { x: NaN } }, /non-finite/],
    [{ grantId: GRANTS.aliceGoogle, account: "a" }, /require provider/],
  ]) {
    await assert.rejects(a.proxyRequest("GET", url, opts), (e) => e instanceof sdk.AlterValueError && re.test(e.message), JSON.stringify(Object.keys(opts)));
  }
  await assert.rejects(a.proxyRequest("GET", `${url}/{missing}`, { grantId: GRANTS.aliceGoogle }), sdk.AlterValueError);
  await assert.rejects(a.proxyRequest("GET", url, { grantId: "6a000000-0000-4000-8000-0000000000ff" }), sdk.GrantNotFoundError);
  await assert.rejects(a.proxyRequest("GET", url, { grantId: GRANTS.revoked }), sdk.GrantRevokedError);
  await assert.rejects(a.proxyRequest("GET", url, { grantId: GRANTS.denied }), sdk.PolicyViolationError);
  const carol = await vault.token("carol");
  await assert.rejects(a.proxyRequest("GET", url, { provider: "google", userToken: carol }), sdk.AmbiguousGrantError);
  const sys = await a.proxyRequest("GET", url, { provider: "google" });
  assert.equal(sys.bodyJson().grant_id, GRANTS.systemGoogle);
  const agent = new sdk.Agent({ apiKey: KEYS.researchAgent, baseUrl: vault.url, logger: null });
  await assert.rejects(agent.proxyRequest("GET", url, { grantId: GRANTS.aliceGoogle }), sdk.AgentDelegationMissingError);
  const ea = new sdk.Agent({ apiKey: KEYS.emailAssistant, baseUrl: vault.url, logger: null });
  const ok = await ea.proxyRequest("GET", url, { grantId: GRANTS.aliceGoogle });
  assert.equal(ok.bodyJson().grant_id, GRANTS.aliceGoogle);
  await Promise.all([a.close(), agent.close(), ea.close()]);
  await assert.rejects(a.proxyRequest("GET", url, { grantId: GRANTS.aliceGoogle }), (e) => e.code === "client_closed");
});

async function pending(a, url = `${vault.url}/mock/stripe-payouts/payouts`) {
  const p = await a.proxyRequest("POST", url, { grantId: PAYOUTS, json: { amount: 5 }, reason: "payout" });
  assert.ok(p instanceof sdk.PendingApproval, "202 → PendingApproval");
  assert.equal(p.status, "pending");
  assert.match(p.approvalUrl, /\/approvals\//);
  assert.ok(p.gates.length >= 1);
  return p;
}

test("pending → approved: getApprovalStatus, awaitApproval with the server-side wait → ApprovalResult", async () => {
  const a = app();
  const p = await pending(a);
  const st = await a.getApprovalStatus(p.approvalId);
  assert.ok(st instanceof sdk.ApprovalStatus);
  assert.equal(st.status, "pending");
  assert.equal(st.isTerminal, false);
  assert.equal(st.hasResult, false);
  const listed = (await vault.admin("GET", "/admin/approvals")).approvals.map((x) => x.approval_id);
  assert.ok(listed.includes(p.approvalId));
  setTimeout(() => vault.admin("POST", `/admin/approvals/${p.approvalId}/approve`, { reason: "ok" }).catch(() => {}), 300);
  const res = await a.awaitApproval(p.approvalId, { timeoutMs: 20_000, pollIntervalMs: 50 });
  assert.ok(res instanceof sdk.ApprovalResult);
  assert.equal(res.approvalId, p.approvalId);
  assert.equal(res.statusCode, 200);
  assert.equal(res.bodyJson().method, "POST");
  const after = await a.getApprovalStatus(p.approvalId, { wait: 1 });
  assert.equal(after.status, "executed");
  assert.equal(after.isTerminal, true);
  await a.close();
});

test("pending → denied: ApprovalDeniedError with the approver's reason", async () => {
  const a = app();
  const p = await pending(a);
  await vault.admin("POST", `/admin/approvals/${p.approvalId}/deny`, { reason: "not today" });
  await assert.rejects(a.awaitApproval(p.approvalId, { timeoutMs: 10_000, pollIntervalMs: 50 }), (e) => {
    assert.ok(e instanceof sdk.ApprovalDeniedError && e instanceof sdk.ApprovalError);
    assert.equal(e.approvalId, p.approvalId);
    assert.match(e.message, /not today/);
    return true;
  });
  await a.close();
});

test("pending → approved but the upstream fails: ApprovalExecutionFailedError", async () => {
  const a = app();
  const p = await pending(a, "https://unreachable.invalid/payouts");
  const decided = await vault.admin("POST", `/admin/approvals/${p.approvalId}/approve`, {});
  assert.equal(decided.status, "failed");
  await assert.rejects(a.awaitApproval(p.approvalId, { timeoutMs: 10_000, pollIntervalMs: 50 }), sdk.ApprovalExecutionFailedError);
  await a.close();
});

test("status expired (rewritten by a fetch wrapper): ApprovalExpiredError", async () => {
  const a0 = app();
  const p = await pending(a0);
  await a0.close();
  const real = await (await fetch(`${vault.url}/admin/approvals`, { headers: { authorization: "Bearer dev-admin-token" } })).json();
  const row = real.approvals.find((x) => x.approval_id === p.approvalId);
  assert.ok(row, "pending approval listed");
  let polls = 0;
  const fetchWrap = async (input, init) => {
    const u = typeof input === "string" ? input : input.url;
    if (!u.includes(`/sdk/approvals/${p.approvalId}`)) return fetch(input, init);
    polls++;
    const j = { ...row, status: "expired", has_result: false };
    return new Response(JSON.stringify(j), { status: 200, headers: { "content-type": "application/json" } });
  };
  const a = app({ fetch: fetchWrap });
  await assert.rejects(a.awaitApproval(p.approvalId, { timeoutMs: 10_000, pollIntervalMs: 50 }), sdk.ApprovalExpiredError);
  assert.equal(polls, 1, "a terminal status ends the wait at once");
  await a.close();
});

test("awaitApproval: local timeout, timeoutMs <= 0, option checks", async () => {
  const a = app();
  const p = await pending(a);
  await assert.rejects(a.awaitApproval(p.approvalId, { timeoutMs: 0 }), sdk.ApprovalTimeoutError);
  await assert.rejects(a.awaitApproval(p.approvalId, { timeoutMs: 1200, pollIntervalMs: 100 }), (e) => {
    assert.ok(e instanceof sdk.ApprovalTimeoutError);
    assert.match(e.message, /still pending/);
    return true;
  });
  await assert.rejects(a.awaitApproval(p.approvalId, { pollIntervalMs: 0 }), sdk.AlterValueError);
  await assert.rejects(a.awaitApproval(p.approvalId, { timeoutMs: "1" }), sdk.AlterValueError);
  await assert.rejects(a.getApprovalStatus(p.approvalId, { wait: Infinity }), sdk.AlterValueError);
  await assert.rejects(a.getApprovalStatus(""), sdk.AlterValueError);
  await a.close();
});

test("awaitApproval retries 503 and dropped connections, not 4xx; getApprovalStatus non-200 is BackendError", async () => {
  const a = app();
  const p = await pending(a);
  await vault.fault("/sdk/approvals/*", { status: 503 }, 2);
  await vault.fault("/sdk/approvals/*", { drop_connection: true }, 1);
  await vault.admin("POST", `/admin/approvals/${p.approvalId}/approve`, {});
  const res = await a.awaitApproval(p.approvalId, { timeoutMs: 20_000, pollIntervalMs: 30 });
  assert.equal(res.statusCode, 200);
  await vault.clearFaults();
  const unknown = "a0a0a0a0-0000-4000-8000-000000000000";
  await assert.rejects(a.getApprovalStatus(unknown), (e) => {
    assert.equal(e.constructor, sdk.BackendError, `got ${e.name}`);
    assert.equal(e.statusCode, 404);
    assert.match(e.message, /^GET \/sdk\/approvals\/.* returned 404/);
    return true;
  });
  await assert.rejects(a.awaitApproval(unknown, { timeoutMs: 5000 }), (e) => e.constructor === sdk.BackendError);
  await a.close();
});

test("Agent and getAgent can use proxyRequest and the approval methods", async () => {
  const a = app();
  const imp = a.getAgent(AGENTS.emailAssistant);
  const r = await imp.proxyRequest("GET", `${vault.url}/mock/google/x`, { grantId: GRANTS.aliceGoogle });
  assert.equal(r.statusCode, 200);
  assert.equal(typeof imp.getApprovalStatus, "function");
  assert.equal(typeof imp.awaitApproval, "function");
  await imp.close();
  await a.close();
});
