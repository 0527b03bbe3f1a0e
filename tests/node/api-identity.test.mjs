// `resolveIdentity()` against the dev vault (api-surface.md §2.12): the app alone, the user of a
// token (explicit or from an App's getter, never an Agent's), the trace run, and the failures.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startVault } from "./helpers/vault.mjs";
import { loadSdk } from "./helpers/sdk.mjs";
import { KEYS } from "./helpers/demo.mjs";

const sdk = await loadSdk();
let vault;
let alice;
before(async () => {
  vault = await startVault();
  alice = await vault.token("alice");
});
after(async () => vault?.stop());

test("resolveIdentity: app alone, a user's token, the getter, the profile", async () => {
  const plain = new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
  const appOnly = await plain.resolveIdentity();
  assert.ok(appOnly instanceof sdk.IdentityContext);
  assert.ok(appOnly.appId);
  assert.equal(appOnly.externalSubjectId ?? null, null);
  const user = await plain.resolveIdentity({ userToken: alice, includeProfile: true });
  assert.equal(user.externalSubjectId, "alice");
  assert.equal(user.userStatus, "active");
  const withGetter = new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, userTokenGetter: () => alice });
  assert.equal((await withGetter.resolveIdentity()).externalSubjectId, "alice", "an App falls back to its getter");
  await Promise.all([plain.close(), withGetter.close()]);
});

test("resolveIdentity: an Agent sees its trace run and never uses a getter; bad input before I/O", async () => {
  const agent = new sdk.Agent({ apiKey: KEYS.emailAssistant, baseUrl: vault.url, logger: null, userTokenGetter: () => { throw new Error("must not run"); } });
  const id = await agent.trace({ runId: "run-7", threadId: "t-1" }, () => agent.resolveIdentity());
  assert.ok(id.agentId, "the agent is named");
  assert.equal(id.trace?.runId, "run-7");
  assert.equal(id.externalSubjectId ?? null, null);
  const app = new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
  await assert.rejects(app.resolveIdentity({ appUserId: "u" }), sdk.AlterValueError);
  await assert.rejects(app.resolveIdentity({ userToken: "x".repeat(8193) }), sdk.AlterValueError);
  await assert.rejects(app.resolveIdentity({ includeProfile: "yes" }), sdk.AlterValueError);
  await assert.rejects(app.resolveIdentity({ user_token: alice }), sdk.AlterValueError);
  await assert.rejects(app.resolveIdentity({ userToken: "not-a-jwt" }), sdk.ReAuthRequiredError);
  await Promise.all([agent.close(), app.close()]);
});
