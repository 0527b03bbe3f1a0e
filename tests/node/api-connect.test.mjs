// Issue 5: Connect sessions, managed-secret Connect sessions, auth sessions and verifyUserToken
// against the dev vault (api-surface §2.4, §2.5).
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { loadSdk } from "./helpers/sdk.mjs";
import { startVault } from "./helpers/vault.mjs";
import { AGENTS, GRANTS, KEYS } from "./helpers/demo.mjs";

let sdk, vault;
before(async () => {
  sdk = await loadSdk();
  vault = await startVault();
});
beforeEach(async () => vault.reset());
after(async () => vault?.stop());

const app = (extra = {}) => new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, ...extra });

test("createConnectSession with every option, completed through the admin API, pollConnectSession → ConnectResult[]", async () => {
  const a = app();
  const alice = await vault.token("alice");
  const s = await a.createConnectSession({
    allowedProviders: ["google"], returnUrl: "https://app.example/done", allowedOrigin: "https://app.example",
    metadata: { ipAddress: "203.0.113.5", userAgent: "test" }, grantPolicy: { maxTtlSeconds: 86400, defaultTtlSeconds: 3600 },
    requiredScopes: { google: ["https://www.googleapis.com/auth/calendar.readonly"] }, agent: AGENTS.emailAssistant, userToken: alice,
    requestedGrant: { label: "cal", restrictions: { allowedMethods: ["GET"], allowedEndpoints: ["/calendar/*"] } },
    delegable: true, scopeConstraint: ["https://www.googleapis.com/auth/calendar.readonly"], switchAccount: false,
    allowUserPolicyRules: false, direct: true,
  });
  assert.ok(s instanceof sdk.ConnectSession);
  assert.equal(typeof s.sessionToken, "string");
  assert.match(s.connectUrl, /\/connect\//);
  assert.equal(s.toJSON().session_token, s.sessionToken);
  const done = await vault.admin("POST", `/admin/connect/${encodeURIComponent(s.sessionToken)}/complete`, {});
  assert.equal(done.status, "completed");
  const results = await a.pollConnectSession(s.sessionToken, { timeout: 10_000, pollInterval: 50 });
  assert.equal(results.length, 1);
  assert.ok(results[0] instanceof sdk.ConnectResult);
  assert.equal(results[0].providerId, "google");
  assert.ok(["creation", "reauth"].includes(results[0].operation));
  assert.deepEqual(results[0].failedGrants, []);
  await a.close();
});

test("createConnectSession local checks, unbound session, getter-bound session", async () => {
  const a = app();
  for (const bad of [
    { allowedProviders: [] }, { allowedProviders: [""] }, { direct: true }, { direct: "yes" },
    { metadata: { ip: "x" } }, { repairGrantId: "not-a-uuid", allowedProviders: ["google"] },
    { repairGrantId: GRANTS.aliceGoogle, allowedProviders: ["google"], agent: "x" }, { requestedGrant: { label: "" } },
    { grantPolicy: { expiresAt: "2030-01-01T00:00:00Z" } }, { scopeConstraint: [] },
  ]) {
    await assert.rejects(a.createConnectSession(bad), sdk.AlterValueError, JSON.stringify(bad));
  }
  const unbound = await a.createConnectSession();
  assert.equal(typeof unbound.sessionToken, "string");
  const bob = await vault.token("bob");
  const bound = app({ userTokenGetter: async () => bob });
  const s = await bound.createConnectSession({ allowedProviders: ["github"] });
  await vault.admin("POST", `/admin/connect/${encodeURIComponent(s.sessionToken)}/complete`, { provider_id: "github" });
  const [r] = await bound.pollConnectSession(s.sessionToken, { timeout: 5000, pollInterval: 50 });
  assert.equal(r.providerId, "github");
  const mine = await bound.listGrants({ providerId: "github" });
  assert.ok(mine.grants.some((g) => g.grantId === r.grantId), "the new grant belongs to bob");
  await Promise.all([a.close(), bound.close()]);
});

test("pollConnectSession: denied, unknown token, deadline; option checks", async () => {
  const a = app();
  const s = await a.createConnectSession({ allowedProviders: ["google"] });
  await vault.admin("POST", `/admin/connect/${encodeURIComponent(s.sessionToken)}/deny`, {});
  await assert.rejects(a.pollConnectSession(s.sessionToken, { timeout: 5000, pollInterval: 50 }), (e) => e instanceof sdk.ConnectDeniedError && e instanceof sdk.ConnectFlowError);
  await assert.rejects(a.pollConnectSession("unknown-session", { timeout: 2000, pollInterval: 50 }), (e) => e.constructor === sdk.ConnectFlowError);
  const s2 = await a.createConnectSession({ allowedProviders: ["google"] });
  await assert.rejects(a.pollConnectSession(s2.sessionToken, { timeout: 300, pollInterval: 50 }), (e) => {
    assert.ok(e instanceof sdk.ConnectTimeoutError);
    assert.equal(e.details.reason, "poll_deadline_elapsed");
    return true;
  });
  await assert.rejects(a.pollConnectSession(""), sdk.AlterValueError);
  await assert.rejects(a.pollConnectSession("x", { timeout: -1 }), sdk.AlterValueError);
  await assert.rejects(a.pollConnectSession("x", { onEvent: 5 }), sdk.AlterValueError);
  // 429 is not terminal: it is waited out
  const s3 = await a.createConnectSession({ allowedProviders: ["google"] });
  await vault.fault("/sdk/oauth/connect/session/poll", { status: 429, body: { detail: { error: "rate_limit_exceeded", message: "slow" } }, headers: { "Retry-After": "0" } }, 1);
  await vault.admin("POST", `/admin/connect/${encodeURIComponent(s3.sessionToken)}/complete`, {});
  const r3 = await a.pollConnectSession(s3.sessionToken, { timeout: 10_000, pollInterval: 50 });
  assert.equal(r3.length, 1);
  await a.close();
});

test("createConnectSessionForError recovers from NoDelegatedGrantError; refuses errors without a provider", async () => {
  const a = app();
  const ra = new sdk.Agent({ apiKey: KEYS.researchAgent, baseUrl: vault.url, logger: null });
  let caught;
  try {
    await ra.request("GET", `${vault.url}/mock/google/x`, { provider: "google", appUserId: "1e000000-0000-4000-8000-000000000001" });
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof sdk.NoDelegatedGrantError, `got ${caught?.name}`);
  assert.equal(caught.providerId, "google");
  const alice = await vault.token("alice");
  const s = await a.createConnectSessionForError(caught, { userToken: alice, returnUrl: "https://app.example/back" });
  assert.ok(s instanceof sdk.ConnectSession);
  await vault.admin("POST", `/admin/connect/${encodeURIComponent(s.sessionToken)}/complete`, {});
  const [r] = await a.pollConnectSession(s.sessionToken, { timeout: 5000, pollInterval: 50 });
  assert.equal(r.providerId, "google");
  assert.equal(r.delegation?.agentId, AGENTS.researchAgent);
  const res = await ra.request("GET", `${vault.url}/mock/google/x`, { provider: "google", appUserId: "1e000000-0000-4000-8000-000000000001" });
  assert.equal((await res.json()).user, "alice", "the agent now holds alice's delegation");
  let notFound;
  try {
    await a.request("GET", `${vault.url}/mock/google/x`, { grantId: "6a000000-0000-4000-8000-0000000000ff" });
  } catch (e) {
    notFound = e;
  }
  await assert.rejects(a.createConnectSessionForError(notFound), sdk.AlterValueError);
  await assert.rejects(a.createConnectSessionForError(null), sdk.AlterValueError);
  await Promise.all([a.close(), ra.close()]);
});

test("createManagedSecretConnectSession: key_entry / fast_path, agent targeting, errors; Agent variant", async () => {
  const a = app();
  const alice = await vault.token("alice");
  const s = await a.createManagedSecretConnectSession({ provider: "resend", userToken: alice, requestedGrant: { label: "mine" }, allowedOrigin: "https://app.example" });
  assert.ok(s instanceof sdk.ManagedSecretConnectSession);
  assert.equal(s.path, "key_entry");
  assert.equal(s.secretSlug, "resend");
  const done = await vault.admin("POST", `/admin/connect/${encodeURIComponent(s.sessionToken)}/complete`, {});
  assert.equal(done.grant.operation, "creation");
  const again = await a.createManagedSecretConnectSession({ provider: "resend", userToken: alice, requestedGrant: { label: "mine" } });
  assert.equal(again.path, "fast_path");
  assert.equal(again.existingGrantId, done.grant.grant_id);
  const toAgent = await a.createManagedSecretConnectSession({ provider: "resend", userToken: alice, agent: "email-assistant", delegable: true });
  assert.equal(toAgent.agentId, AGENTS.emailAssistant);
  assert.equal(toAgent.delegableRequested, true);
  await assert.rejects(a.createManagedSecretConnectSession({ provider: "no-such-secret", userToken: alice }), sdk.ConnectConfigError);
  await assert.rejects(a.createManagedSecretConnectSession({ provider: "resend", userToken: alice, agent: "nobody" }), sdk.AgentNotFoundError);
  await assert.rejects(a.createManagedSecretConnectSession({ provider: "resend", userToken: "bad.jwt.value" }), sdk.ReAuthRequiredError);
  await assert.rejects(a.createManagedSecretConnectSession({ provider: "resend", userToken: alice, allowedOrigin: "https://x.example/path" }), sdk.BackendError);
  await assert.rejects(a.createManagedSecretConnectSession({ provider: "Resend", userToken: alice }), sdk.AlterValueError);
  await assert.rejects(a.createManagedSecretConnectSession({ provider: "resend" }), sdk.AlterValueError);
  await assert.rejects(a.createManagedSecretConnectSession({ provider: "resend", userToken: alice, grantPolicy: { maxTtlSeconds: 5 }, requestedTtlSeconds: 5 }), sdk.AlterValueError);
  const ea = new sdk.Agent({ apiKey: KEYS.emailAssistant, baseUrl: vault.url, logger: null });
  const own = await ea.createManagedSecretConnectSession({ provider: "resend", userToken: alice });
  assert.equal(own.agentId, AGENTS.emailAssistant);
  await assert.rejects(ea.createManagedSecretConnectSession({ provider: "resend", userToken: alice, agent: AGENTS.researchAgent }), sdk.AlterValueError);
  const imp = a.getAgent(AGENTS.researchAgent);
  const impS = await imp.createManagedSecretConnectSession({ provider: "resend", userToken: alice });
  assert.equal(impS.agentId, AGENTS.researchAgent, "an impersonating Agent names its own UUID");
  await Promise.all([a.close(), ea.close(), imp.close()]);
});

test("verifyUserToken (App only): sub for a valid JWT, null for anything else, never throws", async () => {
  // maxRetries: 0 (where the package has client-side retries) so each injected fault reaches the call.
  const a = app({ maxRetries: 0 });
  assert.equal(await a.verifyUserToken(await vault.token("bob")), "bob");
  assert.equal(await a.verifyUserToken(await vault.token("bob", { ttl_secs: -60 })), null);
  const good = await vault.token("alice");
  assert.equal(await a.verifyUserToken(`${good.slice(0, -4)}AAAA`), null);
  for (const v of ["", "   ", "garbage", undefined, null, 42, {}]) assert.equal(await a.verifyUserToken(v), null);
  await vault.fault("/sdk/auth/verify-token", { status: 503 }, 1);
  assert.equal(await a.verifyUserToken(good), null);
  await vault.fault("/sdk/auth/verify-token", { malformed_body: true }, 1);
  assert.equal(await a.verifyUserToken(good), null);
  await vault.fault("/sdk/auth/verify-token", { drop_connection: true }, 1);
  assert.equal(await a.verifyUserToken(good), null);
  assert.equal(await a.verifyUserToken(good), "alice");
  await a.close();
  assert.equal(await a.verifyUserToken(good), null, "closed client → null");
  assert.equal(new sdk.Agent({ apiKey: KEYS.emailAssistant, baseUrl: vault.url, logger: null }).verifyUserToken, undefined);
});

test("createAuthSession / pollAuthSession (App only): completed, denied", async () => {
  const a = app();
  const s = await a.createAuthSession();
  assert.ok(s instanceof sdk.AuthSession);
  assert.match(s.authUrl, /\/auth\//);
  setTimeout(() => vault.admin("POST", `/admin/auth/${encodeURIComponent(s.sessionToken)}/complete`, { sub: "alice" }).catch(() => {}), 200);
  const r = await a.pollAuthSession(s.sessionToken, { timeout: 10_000, pollInterval: 50 });
  assert.ok(r instanceof sdk.AuthResult);
  assert.equal(r.userInfo.sub, "alice");
  assert.equal(await a.verifyUserToken(r.userToken), "alice");
  assert.doesNotMatch(String(r), /eyJ/, "toString never shows the JWT");
  const s2 = await a.createAuthSession();
  await vault.admin("POST", `/admin/auth/${encodeURIComponent(s2.sessionToken)}/deny`, {});
  await assert.rejects(a.pollAuthSession(s2.sessionToken, { timeout: 5000, pollInterval: 50 }), (e) => e.constructor === sdk.AlterSDKError && /Authentication failed/.test(e.message));
  await assert.rejects(a.pollAuthSession("unknown", { timeout: 5000, pollInterval: 50 }), /expired/);
  await a.close();
});
