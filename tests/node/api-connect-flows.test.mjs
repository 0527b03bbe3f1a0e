// Issue 5: the remaining Connect-poll outcomes and managed-secret credential errors against the dev
// vault (api-surface §2.4.2, §2.3.4): declined providers (onEvent), config errors, completion with
// failed grants only, credential choice errors with their camel-cased fields.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { loadSdk } from "./helpers/sdk.mjs";
import { startVault } from "./helpers/vault.mjs";
import { KEYS } from "./helpers/demo.mjs";

const OPENAI = "5e000000-0000-4000-8000-000000000005";
const cred = (n) => `c7000000-0000-4000-8000-00000000000${n}`;
let sdk, vault;
before(async () => {
  sdk = await loadSdk();
  vault = await startVault();
});
beforeEach(async () => vault.reset());
after(async () => vault?.stop());

const app = () => new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
const admin = (s, action, body = {}) => vault.admin("POST", `/admin/connect/${encodeURIComponent(s.sessionToken)}/${action}`, body);

test("pollConnectSession: declined providers fire onEvent once each, then the session completes", async () => {
  const a = app();
  const s = await a.createConnectSession({ allowedProviders: ["google", "github"] });
  await admin(s, "decline", { provider_id: "github" });
  const events = [];
  setTimeout(() => admin(s, "complete", { provider_id: "google" }).catch(() => {}), 400);
  const results = await a.pollConnectSession(s.sessionToken, { timeout: 10_000, pollInterval: 50, onEvent: (e) => events.push(e) });
  assert.equal(results.length, 1);
  assert.equal(events.length, 1, "each declined provider is reported once");
  assert.equal(events[0].type, "provider_declined");
  assert.equal(events[0].providerId, "github");
  assert.equal(events[0].errorCode, "access_denied");
  // a throwing callback never breaks the poll
  const s2 = await a.createConnectSession({ allowedProviders: ["google", "github"] });
  await admin(s2, "decline", { provider_id: "google", error_code: "user_cancelled" });
  setTimeout(() => admin(s2, "complete", { provider_id: "github" }).catch(() => {}), 300);
  const r2 = await a.pollConnectSession(s2.sessionToken, { timeout: 10_000, pollInterval: 50, onEvent: () => { throw new Error("boom"); } });
  assert.equal(r2[0].providerId, "github");
  // a deadline after a decline lists the declined providers
  const s3 = await a.createConnectSession({ allowedProviders: ["google", "github"] });
  await admin(s3, "decline", { provider_id: "google" });
  await assert.rejects(a.pollConnectSession(s3.sessionToken, { timeout: 300, pollInterval: 50 }), (e) => {
    assert.ok(e instanceof sdk.ConnectTimeoutError);
    assert.deepEqual(e.details.declined_providers, ["google"]);
    return true;
  });
  await a.close();
});

test("pollConnectSession: error codes map to ConnectConfigError / BackendError / ConnectFlowError", async () => {
  const a = app();
  for (const [code, check] of [
    ["connect_config_error", (e) => e instanceof sdk.ConnectConfigError],
    ["invalid_client", (e) => e instanceof sdk.ConnectConfigError],
    ["service_unavailable", (e) => e.constructor === sdk.BackendError && e.statusCode === 503],
    ["identity_provider_inactive", (e) => e.constructor === sdk.BackendError && e.statusCode === 409],
    ["something_else", (e) => e.constructor === sdk.ConnectFlowError && e.details.error_code === "something_else"],
  ]) {
    const s = await a.createConnectSession({ allowedProviders: ["google"] });
    await admin(s, "deny", { error_code: code, error_message: `because ${code}` });
    await assert.rejects(a.pollConnectSession(s.sessionToken, { timeout: 5000, pollInterval: 50 }), (e) => check(e) && e.message.includes(code), code);
  }
  await a.close();
});

test("pollConnectSession: completed with failed grants only → ConnectFlowError with the failures; partial failures ride on each result", async () => {
  const a = app();
  const s = await a.createConnectSession({ allowedProviders: ["google"] });
  await admin(s, "complete", { no_grant: true, failed_grants: [{ provider_id: "google", reason: "activation_failed", message: "nope" }] });
  await assert.rejects(a.pollConnectSession(s.sessionToken, { timeout: 5000, pollInterval: 50 }), (e) => {
    assert.equal(e.constructor, sdk.ConnectFlowError);
    assert.equal(e.details.error_code, "grant_activation_failed");
    assert.equal(e.details.failed_grants[0].provider_id, "google");
    return true;
  });
  const s2 = await a.createConnectSession({ allowedProviders: ["google"] });
  await admin(s2, "complete", { no_grant: true, failed_grants: [{ provider_id: "google", reason: "usage_limit", message: "over" }] });
  await assert.rejects(a.pollConnectSession(s2.sessionToken, { timeout: 5000, pollInterval: 50 }), (e) => e.details.error_code === "grant_policy_application_failed");
  const s3 = await a.createConnectSession({ allowedProviders: ["google", "github"] });
  await admin(s3, "complete", { provider_id: "google", failed_grants: [{ provider_id: "github", reason: "not_selected", message: "skipped" }] });
  const [r] = await a.pollConnectSession(s3.sessionToken, { timeout: 5000, pollInterval: 50 });
  assert.equal(r.failedGrants.length, 1);
  assert.ok(r.failedGrants[0] instanceof sdk.ConnectFailedGrant);
  assert.equal(r.failedGrants[0].providerId, "github");
  assert.equal(r.toJSON().failed_grants[0].provider_id, "github");
  await a.close();
});

test("createManagedSecretGrant: credential choice errors with camel-cased fields; a chosen credential works", async () => {
  const a = app();
  await assert.rejects(a.createManagedSecretGrant(OPENAI, { principal: { type: "system" } }), (e) => {
    assert.ok(e instanceof sdk.CredentialIdRequiredError, e.name);
    assert.deepEqual(e.credentials.map((c) => c.credentialId).sort(), [cred(1), cred(2)]);
    assert.ok(e.credentials.every((c) => typeof c.label === "string"));
    return true;
  });
  await assert.rejects(a.createManagedSecretGrant(OPENAI, { principal: { type: "system" }, credentialId: cred(3) }), sdk.EndUserCredentialNotAssignableError);
  await assert.rejects(a.createManagedSecretGrant(OPENAI, { principal: { type: "system" }, credentialId: "c7000000-0000-4000-8000-0000000000ff" }), sdk.GrantNotFoundError);
  const ok = await a.createManagedSecretGrant(OPENAI, { principal: { type: "system", label: "ops" }, credentialId: cred(2) });
  assert.equal(ok.credentialId ?? cred(2), cred(2));
  await a.close();
});
