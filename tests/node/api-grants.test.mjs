// Issue 5: listGrants, revokeGrant, mintGrant, createManagedSecretGrant, delegate, revokeDelegation
// against the dev vault (api-surface §2.3): success paths and the documented errors.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { loadSdk } from "./helpers/sdk.mjs";
import { startVault } from "./helpers/vault.mjs";
import { AGENTS, GRANTS, KEYS } from "./helpers/demo.mjs";

const DROPBOX = "6a000000-0000-4000-8000-000000000008";
const RESEND_MS = "5e000000-0000-4000-8000-000000000002";
const ALICE_DELEGATION = "6d000000-0000-4000-8000-000000000001";
const BOB_DELEGATION = "6d000000-0000-4000-8000-000000000002";
let sdk, vault;
before(async () => {
  sdk = await loadSdk();
  vault = await startVault();
});
beforeEach(async () => vault.reset());
after(async () => vault?.stop());

const app = (extra = {}) => new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, ...extra });
const agent = (key) => new sdk.Agent({ apiKey: key, baseUrl: vault.url, logger: null });

test("listGrants: paging, filters, kinds, getter scoping, Agent view, local checks", async () => {
  const a = app();
  const all = await a.listGrants({ limit: 1000 });
  assert.ok(all instanceof sdk.UnifiedGrantListResult);
  assert.ok(all.total > 10);
  assert.equal(all.hasMore, false);
  assert.ok(all.grants.some((g) => g instanceof sdk.ManagedSecretGrantItem && g.grantKind === "managed_secret"));
  assert.ok(all.grants.some((g) => g instanceof sdk.OAuthGrantItem && g.grantKind === "oauth"));
  // paging walks every grant exactly once
  const seen = [];
  for (let offset = 0; ; offset += 7) {
    const page = await a.listGrants({ limit: 7, offset });
    assert.equal(page.limit, 7);
    seen.push(...page.grants.map((g) => g.grantId));
    if (!page.hasMore) break;
  }
  assert.deepEqual([...seen].sort(), all.grants.map((g) => g.grantId).sort());
  const google = await a.listGrants({ providerId: "google", account: "carol@home.example" });
  assert.deepEqual(google.grants.map((g) => g.grantId), [GRANTS.carolHome]);
  assert.equal(google.grants[0].toJSON().grant_kind, "oauth");
  // a userTokenGetter scopes the list to that user (App)
  const aliceJwt = await vault.token("alice");
  const scoped = app({ userTokenGetter: () => aliceJwt });
  const mine = await scoped.listGrants();
  assert.deepEqual(mine.grants.map((g) => g.grantId).sort(), [GRANTS.aliceGoogle, GRANTS.aliceGithub].sort());
  const failing = app({ userTokenGetter: () => { throw new Error("no user"); } });
  await assert.rejects(failing.listGrants(), (e) => e.code === "user_token_getter_failed");
  await assert.rejects(a.listGrants({ endUserToken: "not-a-jwt" }), sdk.ReAuthRequiredError);
  for (const bad of [{ limit: 0 }, { limit: 1001 }, { limit: true }, { offset: -1 }, { providerId: "" }]) {
    await assert.rejects(a.listGrants(bad), sdk.AlterValueError, JSON.stringify(bad));
  }
  const ea = agent(KEYS.emailAssistant);
  const delegated = await ea.listGrants();
  assert.ok(delegated.grants.some((g) => g.grantId === ALICE_DELEGATION));
  const noScope = new sdk.App({ apiKey: KEYS.noAudit, baseUrl: vault.url, logger: null });
  assert.ok((await noScope.listGrants()).total > 0, "grants:read is enough");
  await Promise.all([a.close(), scoped.close(), failing.close(), ea.close(), noScope.close()]);
});

test("revokeGrant (App only): success, then GrantRevokedError; not found; UUID check", async () => {
  const a = app();
  const r = await a.revokeGrant(DROPBOX, { reason: "test" });
  assert.ok(r instanceof sdk.RevokeGrantResult);
  assert.equal(r.success, true);
  assert.equal(r.grantId, DROPBOX);
  assert.equal(typeof r.revokedAt, "string");
  await assert.rejects(a.request("GET", `${vault.url}/mock/dropbox/x`, { grantId: DROPBOX }), sdk.GrantRevokedError);
  await assert.rejects(a.revokeGrant("6a000000-0000-4000-8000-0000000000ff"), sdk.GrantNotFoundError);
  await assert.rejects(a.revokeGrant("not-a-uuid"), sdk.AlterValueError);
  await assert.rejects(a.revokeGrant("{6a000000-0000-4000-8000-000000000008}"), sdk.AlterValueError);
  assert.equal(agent(KEYS.emailAssistant).revokeGrant, undefined, "Agent has no revokeGrant");
  await a.close();
});

test("mintGrant (App only): sibling on the same credential; label conflict; rules; policy checks", async () => {
  const a = app();
  const g = await a.mintGrant(GRANTS.aliceGoogle, { label: "sibling-1", grantPolicy: { maxTtlSeconds: 3600 }, grantTags: ["t1"] });
  assert.ok(g instanceof sdk.GrantInfo);
  assert.notEqual(g.grantId, GRANTS.aliceGoogle);
  assert.equal(g.label, "sibling-1");
  assert.equal(g.providerId, "google");
  const res = await a.request("GET", `${vault.url}/mock/google/x`, { grantId: g.grantId });
  assert.equal((await res.json()).grant_id, GRANTS.aliceGoogle, "same credential as the source");
  await assert.rejects(a.mintGrant(GRANTS.aliceGoogle, { label: "sibling-1" }), (e) => e instanceof sdk.SiblingLabelConflictError && e.label === "sibling-1");
  await assert.rejects(a.mintGrant(GRANTS.proxyOnly, { label: "x" }), sdk.PolicyViolationError);
  await assert.rejects(a.mintGrant("6a000000-0000-4000-8000-0000000000ff", { label: "x" }), sdk.GrantNotFoundError);
  await assert.rejects(a.mintGrant(GRANTS.aliceGoogle, { label: "y", grantPolicy: { defaultTtlSeconds: 60 } }), sdk.AlterValueError);
  await assert.rejects(a.mintGrant(GRANTS.aliceGoogle, { label: "" }), sdk.AlterValueError);
  await assert.rejects(a.mintGrant(GRANTS.aliceGoogle, { label: "z", grantPolicy: { color: "red" } }), sdk.AlterValueError);
  const r2 = await a.mintGrant(GRANTS.aliceGoogle, { label: "sibling-2", grantPolicy: { requiresApproval: false, restrictions: {} } });
  assert.equal(r2.label, "sibling-2");
  assert.equal(agent(KEYS.emailAssistant).mintGrant, undefined, "Agent has no mintGrant");
  await a.close();
});

test("createManagedSecretGrant (App only): user, group and system principals; agent refused; bad JWT", async () => {
  const a = app();
  const aliceJwt = await vault.token("alice");
  const u = await a.createManagedSecretGrant(RESEND_MS, { principal: { type: "user", userToken: aliceJwt, label: "alice-resend" } });
  assert.ok(u instanceof sdk.CreateGrantResult);
  assert.equal(u.principalType, "user");
  assert.equal(u.label, "alice-resend");
  const grp = await a.createManagedSecretGrant(RESEND_MS, {
    principal: { type: "group", externalGroupId: "00g-eng", idpId: "1d000000-0000-4000-8000-000000000001", label: "eng" },
  });
  assert.equal(grp.principalType, "group");
  const sys = await a.createManagedSecretGrant(RESEND_MS, { principal: { type: "system", label: "ops" }, grantPolicy: { maxTtlSeconds: 600 } });
  assert.equal(sys.principalType, "system");
  const listed = await a.listGrants({ limit: 1000 });
  assert.ok([u.grantId, grp.grantId, sys.grantId].every((id) => listed.grants.some((x) => x.grantId === id)));
  await assert.rejects(a.createManagedSecretGrant(RESEND_MS, { principal: { type: "agent" } }), (e) => e instanceof sdk.BackendError && e.statusCode === 422);
  const expired = await vault.token("alice", { ttl_secs: -60 });
  await assert.rejects(a.createManagedSecretGrant(RESEND_MS, { principal: { type: "user", userToken: expired, label: "x" } }), sdk.ReAuthRequiredError);
  await assert.rejects(a.createManagedSecretGrant("5e000000-0000-4000-8000-0000000000ff", { principal: { type: "system" } }), sdk.GrantNotFoundError);
  for (const principal of [
    { type: "user", userToken: aliceJwt }, { type: "group", externalGroupId: "g", label: "l" }, { type: "robot" },
    { type: "system", extra: 1 }, null,
  ]) {
    await assert.rejects(a.createManagedSecretGrant(RESEND_MS, { principal }), sdk.AlterValueError, JSON.stringify(principal));
  }
  await assert.rejects(a.createManagedSecretGrant(RESEND_MS, { principal: { type: "system" }, grantPolicy: { maxTtlSeconds: 0 } }), sdk.AlterValueError);
  await assert.rejects(a.createManagedSecretGrant(RESEND_MS, { principal: { type: "system" }, grantPolicy: { color: "red" } }), sdk.AlterValueError);
  assert.equal(agent(KEYS.emailAssistant).createManagedSecretGrant, undefined, "0.29.0: App only");
  await a.close();
});

test("delegate (Agent only): onward delegation; not delegable; unknown agent; not held", async () => {
  const ea = agent(KEYS.emailAssistant);
  const d = await ea.delegate(ALICE_DELEGATION, AGENTS.researchAgent, { delegable: false, ttlSeconds: 3600 });
  assert.ok(d instanceof sdk.DelegationResult);
  assert.equal(d.grantKind, "oauth");
  assert.equal(d.depth, 2);
  assert.equal(d.delegable, false);
  const ra = agent(KEYS.researchAgent);
  const res = await ra.request("GET", `${vault.url}/mock/google/x`, { grantId: d.grantId });
  assert.equal((await res.json()).grant_id, GRANTS.aliceGoogle);
  await assert.rejects(ea.delegate(BOB_DELEGATION, AGENTS.researchAgent), sdk.GrantNotDelegableError);
  await assert.rejects(ea.delegate(ALICE_DELEGATION, "a9e00000-0000-4000-8000-0000000000ff"), sdk.AgentNotFoundError);
  await assert.rejects(ra.delegate(GRANTS.bobGoogle, AGENTS.emailAssistant), sdk.GrantNotFoundError);
  await assert.rejects(ea.delegate(ALICE_DELEGATION, AGENTS.researchAgent, { scopeConstraint: ["*"] }), sdk.AlterValueError);
  await assert.rejects(ea.delegate(ALICE_DELEGATION, AGENTS.researchAgent, { delegable: "yes" }), sdk.AlterValueError);
  assert.equal(app().delegate, undefined, "App has no delegate");
  await Promise.all([ea.close(), ra.close()]);
});

test("revokeDelegation: App (grantId, agentId | { agentId }), Agent self-revoke; wrong principal errors", async () => {
  const a = app();
  const ea = agent(KEYS.emailAssistant);
  assert.equal(await a.revokeDelegation(GRANTS.bobGoogle, AGENTS.emailAssistant), undefined);
  await assert.rejects(ea.request("GET", `${vault.url}/mock/google/x`, { grantId: BOB_DELEGATION }), sdk.AgentDelegationMissingError);
  assert.equal(await a.revokeDelegation(GRANTS.bobGoogle, { agentId: AGENTS.emailAssistant }), undefined, "idempotent");
  assert.equal(await ea.revokeDelegation(GRANTS.aliceGoogle), undefined);
  await assert.rejects(ea.request("GET", `${vault.url}/mock/google/x`, { grantId: ALICE_DELEGATION }), sdk.AgentDelegationMissingError);
  await assert.rejects(a.revokeDelegation("nope", AGENTS.emailAssistant), sdk.AlterValueError);
  await assert.rejects(ea.revokeDelegation(GRANTS.aliceGoogle, AGENTS.emailAssistant), sdk.AlterValueError);
  // an impersonating Agent (app key + agent UUID caller) self-revokes as that agent
  const imp = a.getAgent(AGENTS.emailAssistant);
  assert.equal(await imp.revokeDelegation(GRANTS.resend), undefined);
  await assert.rejects(imp.request("GET", `${vault.url}/mock/resend/x`, { grantId: "6d000000-0000-4000-8000-000000000003" }), sdk.AgentDelegationMissingError);
  await Promise.all([a.close(), ea.close(), imp.close()]);
});
