// Issue 5: app.agents.*, agent.me(), keys.derive/rotate/revoke, scopes.list, oauthProviders.list,
// withConstraints and isValidKey against the dev vault (api-surface §1.9, §2.6, §2.7, §2.9, §2.10).
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { loadSdk } from "./helpers/sdk.mjs";
import { startVault } from "./helpers/vault.mjs";
import { AGENTS, GRANTS, KEYS } from "./helpers/demo.mjs";

const PAUSED = "alter_ak_pausedbotaaaaaaaaaaaaa_4g6q7k";
let sdk, vault;
before(async () => {
  sdk = await loadSdk();
  vault = await startVault();
});
beforeEach(async () => vault.reset());
after(async () => vault?.stop());

const app = (extra = {}) => new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, ...extra });
const agentOf = (key, extra = {}) => new sdk.Agent({ apiKey: key, baseUrl: vault.url, logger: null, ...extra });

test("agents: create (idempotent replay), list, get, getByName, update, suspend/resume, delete; errors", async () => {
  const a = app();
  const c = await a.agents.create({ name: "triage-bot", displayName: "Triage", scopes: { google: ["gmail.readonly"] }, metadata: { team: "x" }, idempotencyKey: "k-1" });
  assert.ok(c instanceof sdk.AgentCreateResult);
  assert.ok(sdk.isValidKey(c.apiKey));
  assert.equal(c.name, "triage-bot");
  assert.equal(c.displayName, "Triage");
  assert.equal(c.type, "agent");
  assert.doesNotMatch(String(c), /alter_/, "toString hides the key");
  const replay = await a.agents.create({ name: "triage-bot", displayName: "Triage", scopes: { google: ["gmail.readonly"] }, metadata: { team: "x" }, idempotencyKey: "k-1" });
  assert.equal(replay.id, c.id);
  assert.equal(replay.apiKey, null);
  await assert.rejects(a.agents.create({ name: "triage-bot", scopes: {} }), sdk.AgentNameExistsError);
  const own = agentOf(c.apiKey);
  const me = await own.me();
  assert.ok(me instanceof sdk.AgentInfo);
  assert.equal(me.id, c.id);
  const list = await a.agents.list({ limit: 2 });
  assert.ok(list instanceof sdk.AgentListResult);
  assert.equal(list.agents.length, 2);
  assert.equal(list.hasMore, true);
  assert.ok(list.agents.every((x) => x instanceof sdk.AgentInfo));
  assert.ok(list.toJSON().agents.length === 2);
  const got = await a.agents.get(c.id);
  assert.equal(got.name, "triage-bot");
  assert.equal((await a.agents.getByName("email-assistant")).id, AGENTS.emailAssistant);
  assert.equal(await a.agents.getByName("no-such-agent"), null);
  await assert.rejects(a.agents.get("a9e00000-0000-4000-8000-0000000000ff"), sdk.AgentNotFoundError);
  const up = await a.agents.update(c.id, { displayName: "Triage 2" });
  assert.equal(up.displayName, "Triage 2");
  await assert.rejects(a.agents.update(c.id, { scopes: { google: ["a"] } }), sdk.AlterValueError, "expectedVersion required");
  await assert.rejects(a.agents.update(c.id, { scopes: { google: ["a"] }, expectedVersion: up.version + 5 }), sdk.AgentConcurrentUpdateError);
  const widened = await a.agents.update(c.id, { scopes: { google: ["gmail.readonly", "calendar"] }, expectedVersion: up.version });
  assert.ok(widened.version > up.version);
  assert.equal((await a.agents.suspend(c.id)).status, "inactive");
  await assert.rejects(own.listGrants(), sdk.AgentInactiveError);
  assert.equal((await own.me()).status, "inactive", "me() works while paused");
  assert.equal((await a.agents.resume(c.id)).status, "active");
  const gone = await a.agents.delete(c.id);
  assert.equal(gone.status, "revoked");
  await assert.rejects(own.me(), sdk.AgentError);
  for (const bad of [{ name: "" }, { name: "x", type: "robot" }, { name: "x", scopes: { google: [] } }, { name: "x", scopes: { " g": ["a"] } }, { name: "x", idempotencyKey: "a\nb" }]) {
    await assert.rejects(a.agents.create(bad), sdk.AlterValueError, JSON.stringify(bad));
  }
  await assert.rejects(a.agents.list({ limit: 0 }), sdk.AlterValueError);
  await Promise.all([a.close(), own.close()]);
});

test("agent keys: mint, list, deprecate/undeprecate, revoke (last key needs force)", async () => {
  const a = app();
  const c = await a.agents.create({ name: "key-bot", scopes: {} });
  const m = await a.agents.mintKey(c.id);
  assert.ok(m instanceof sdk.AgentKeyMintResult);
  assert.ok(sdk.isValidKey(m.apiKey));
  assert.equal(m.status, "active");
  const keys = await a.agents.listKeys(c.id);
  assert.ok(keys instanceof sdk.AgentKeyList);
  assert.equal(keys.items.length, 2);
  const dep = await a.agents.deprecateKey(c.id, m.keyId);
  assert.ok(dep instanceof sdk.AgentKey);
  assert.equal(dep.status, "deprecated");
  assert.equal((await a.agents.undeprecateKey(c.id, m.keyId)).status, "active");
  const revoked = await a.agents.revokeKey(c.id, c.keyId);
  assert.equal(revoked.status, "revoked");
  await assert.rejects(a.agents.revokeKey(c.id, m.keyId), sdk.LastActiveKeyError);
  assert.equal((await a.agents.revokeKey(c.id, m.keyId, { force: true })).status, "revoked");
  await assert.rejects(a.agents.deprecateKey(c.id, m.keyId), sdk.KeyAlreadyRevokedError);
  await assert.rejects(a.agents.deprecateKey(c.id, "4b000000-0000-4000-8000-0000000000ff"), sdk.KeyNotFoundError);
  await a.close();
});

test("agents namespace and me(): availability and principal errors", async () => {
  const a = app();
  const ea = agentOf(KEYS.emailAssistant);
  assert.equal(ea.agents, undefined, "Agent has no agents namespace");
  assert.equal(a.me, undefined, "App has no me()");
  const imp = a.getAgent(AGENTS.emailAssistant);
  await assert.rejects(imp.me(), sdk.MeRequiresAgentKeyError);
  assert.equal((await ea.me()).name, "email-assistant");
  const paused = agentOf(PAUSED);
  assert.equal((await paused.me()).status, "inactive");
  await Promise.all([a.close(), ea.close(), imp.close(), paused.close()]);
});

test("keys: derive (a working alter_dk_ key), rotate, revoke; documented errors", async () => {
  const a = app();
  const dk = await a.keys.derive({ scopes: ["tokens:retrieve", "audit:emit"], expiresIn: 600, name: "plugin", metadata: { p: 1 } });
  assert.ok(dk instanceof sdk.MintedKey);
  assert.match(dk.apiKey, /^alter_dk_/);
  assert.ok(sdk.isValidKey(dk.apiKey));
  assert.equal(dk.keyType, "dk");
  assert.deepEqual([...dk.scopes], ["tokens:retrieve", "audit:emit"]);
  const derived = new sdk.App({ apiKey: dk.apiKey, baseUrl: vault.url, logger: null });
  const res = await derived.request("GET", `${vault.url}/mock/google/x`, { grantId: GRANTS.aliceGoogle });
  assert.equal(res.status, 200);
  await assert.rejects(derived.listGrants(), sdk.InsufficientScopeError);
  await assert.rejects(a.keys.derive({ scopes: ["keys:derive"], expiresIn: 60 }), sdk.AlterValueError);
  await assert.rejects(a.keys.derive({ scopes: ["no:such"], expiresIn: 60 }), (e) => e instanceof sdk.BackendError && e.code === "unknown_scope");
  await assert.rejects(a.keys.derive({ scopes: [], expiresIn: 60 }), sdk.AlterValueError);
  await assert.rejects(a.keys.derive({ scopes: ["tokens:retrieve"], expiresIn: 0 }), sdk.AlterValueError);
  await assert.rejects(derived.keys.derive({ scopes: ["grants:read"], expiresIn: 60 }), sdk.InsufficientScopeError);
  await assert.rejects(a.keys.rotate({ keyId: dk.id }), (e) => e instanceof sdk.BackendError && e.code === "derived_key_not_rotatable");
  const revoked = await a.keys.revoke({ keyId: dk.id });
  assert.ok(revoked instanceof sdk.APIKeyInfo);
  assert.equal(revoked.status, "revoked");
  await assert.rejects(derived.request("GET", `${vault.url}/mock/google/x`, { grantId: GRANTS.aliceGoogle }), sdk.AgentError);
  // rotate an agent's own key: the successor works, the old one is deprecated until the overlap ends
  const c = await a.agents.create({ name: "rot-bot", scopes: {} });
  const bot = agentOf(c.apiKey);
  const next = await bot.keys.rotate({ keyId: c.keyId, overlapDays: 1 });
  assert.ok(next instanceof sdk.MintedKey);
  assert.equal(next.parentKeyId, c.keyId);
  assert.equal((await agentOf(next.apiKey).me()).id, c.id);
  assert.equal((await bot.me()).id, c.id, "old key valid during the overlap");
  await assert.rejects(bot.keys.rotate(c.keyId), (e) => e instanceof sdk.BackendError && e.statusCode === 409);
  await assert.rejects(a.keys.revoke({ keyId: "4b000000-0000-4000-8000-0000000000ff" }), sdk.BackendError);
  await assert.rejects(a.keys.rotate({ keyId: c.keyId, overlapDays: 31 }), sdk.AlterValueError);
  await assert.rejects(a.keys.revoke({}), sdk.AlterValueError);
  await Promise.all([a.close(), derived.close(), bot.close()]);
});

test("scopes.list and oauthProviders.list (cached 5 min unless forceRefresh)", async () => {
  let catalogCalls = 0;
  const counting = (input, init) => {
    if (String(typeof input === "string" ? input : input.url).includes("/sdk/oauth/provider-catalog")) catalogCalls++;
    return fetch(input, init);
  };
  const a = app({ fetch: counting });
  const sc = await a.scopes.list();
  assert.ok(sc instanceof sdk.ScopeCatalog);
  assert.ok(Object.keys(sc.resources).length > 0);
  assert.ok(Object.values(sc.resources).every((r) => r instanceof sdk.ResourceScopes));
  assert.equal(typeof sc.scopeVersion, "number");
  const cat = await a.oauthProviders.list();
  assert.ok(cat instanceof sdk.OAuthProviderCatalog);
  assert.ok(cat.providers.google instanceof sdk.OAuthProviderCatalogItem);
  assert.ok(cat.getDefaultScopes("google").length > 0);
  assert.deepEqual(cat.getDefaultScopes("nope"), []);
  assert.equal(await a.oauthProviders.list(), cat, "served from the cache");
  assert.equal(catalogCalls, 1);
  await a.oauthProviders.list({ forceRefresh: true });
  assert.equal(catalogCalls, 2);
  const ea = agentOf(KEYS.emailAssistant);
  assert.ok((await ea.oauthProviders.list()).providers.github);
  assert.ok((await ea.scopes.list()) instanceof sdk.ScopeCatalog);
  await Promise.all([a.close(), ea.close()]);
});

test("withConstraints: narrowed scopes, widening refused, rules, nesting, lifecycle", async () => {
  const a = app();
  const narrow = a.withConstraints({ scopes: ["tokens:retrieve", "audit:emit"] });
  assert.ok(narrow instanceof sdk.App);
  assert.notEqual(narrow, a);
  const res = await narrow.request("GET", `${vault.url}/mock/google/x`, { grantId: GRANTS.aliceGoogle });
  assert.equal(res.status, 200);
  await narrow.flush();
  await assert.rejects(narrow.listGrants(), sdk.InsufficientScopeError);
  assert.ok((await a.listGrants()).total > 0, "the parent is not constrained");
  const noAudit = new sdk.App({ apiKey: KEYS.noAudit, baseUrl: vault.url, logger: null });
  await assert.rejects(noAudit.withConstraints({ scopes: ["grants:read", "audit:emit"] }).listGrants(), (e) => e instanceof sdk.BackendError && e.code === "constraint_not_narrowing");
  const badRule = a.withConstraints({ rule: { ruleType: "unknown", ruleBody: {} } });
  await assert.rejects(badRule.request("GET", `${vault.url}/mock/google/x`, { grantId: GRANTS.aliceGoogle }), (e) => e instanceof sdk.BackendError && e.code === "invalid_request_rule");
  const rule = { ruleType: "content_match", ruleBody: { match: { families: ["delete"] }, effect: "deny" } };
  const ruled = a.withConstraints({ scopes: ["proxy:execute"], rule });
  const pr = await ruled.proxyRequest("GET", `${vault.url}/mock/google/x`, { grantId: GRANTS.aliceGoogle });
  assert.equal(pr.statusCode, 200, "a valid rule is accepted (validated, not enforced by the dev vault)");
  for (const bad of [{}, { scopes: [] }, { scopes: ["*"] }, { scopes: [""] }, { rule: { ruleType: "", ruleBody: {} } }, { rule: { ruleType: "x", ruleBody: [] } }, { rule: { ruleType: "x", ruleBody: { n: NaN } } }, { rule: { ruleType: "x", ruleBody: { big: "x".repeat(5000) } } }]) {
    assert.throws(() => a.withConstraints(bad), sdk.AlterValueError, JSON.stringify(bad).slice(0, 60));
  }
  assert.throws(() => narrow.withConstraints({ scopes: ["tokens:retrieve"] }), sdk.AlterValueError, "no nesting");
  assert.throws(() => narrow.getAgent(AGENTS.emailAssistant), sdk.AlterValueError);
  const ea = agentOf(KEYS.emailAssistant);
  const narrowAgent = ea.withConstraints({ scopes: ["grants:read"] });
  assert.ok(narrowAgent instanceof sdk.Agent);
  assert.equal(typeof narrowAgent.me, "function");
  assert.ok((await narrowAgent.listGrants()).total > 0);
  // closing a sibling marks only the sibling; closing the parent makes siblings fail closed
  await narrowAgent.close();
  assert.equal(narrowAgent.closed, true);
  assert.equal(ea.closed, false);
  assert.ok((await ea.listGrants()).total > 0);
  const sib = a.withConstraints({ scopes: ["grants:read"] });
  await a.close();
  assert.equal(sib.closed, true);
  await assert.rejects(sib.listGrants(), (e) => e.code === "client_closed");
  await assert.rejects(sib.request("GET", `${vault.url}/mock/google/x`, { grantId: GRANTS.aliceGoogle }), (e) => e.code === "client_closed");
  assert.throws(() => a.withConstraints({ scopes: ["grants:read"] }), (e) => e.code === "client_closed");
  await Promise.all([noAudit.close(), ea.close()]);
});

test("lastRateLimit: null until a metered response, then the vault's advisory budget (shared with siblings)", async () => {
  const a = app();
  assert.equal(a.lastRateLimit, null);
  await a.listGrants();
  const rl = a.lastRateLimit;
  assert.ok(rl instanceof sdk.RateLimitSnapshot);
  assert.equal(rl.limit, 6000);
  assert.ok(rl.remaining < 6000);
  assert.ok(rl.resetAt instanceof Date && rl.resetAt.getTime() > Date.now() - 120_000);
  assert.equal(rl.toJSON().limit, 6000);
  const sib = a.withConstraints({ scopes: ["grants:read"] });
  assert.equal(sib.lastRateLimit.limit, 6000);
  await a.close();
});

test("isValidKey: the protocol's key grammar", () => {
  for (const k of Object.values(KEYS)) assert.equal(sdk.isValidKey(k), true, k);
  for (const k of ["", "alter_rk_demoappallscopesaaaaaa_hoz64f", "alter_xx_demoappallscopesaaaaaa_hoz64e", "alter_key_short", null, 42, undefined]) {
    assert.equal(sdk.isValidKey(k), false, String(k));
  }
});
