// Issue 5: the models of js/ns/models.js without a backend (the JS layer over the fake core):
// runtime classes, frozen, camelCase from snake_case (or camelCase) wire, toJSON round trip,
// strict fields, ApprovalResult body helpers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadWithFakeCore } from "./helpers/js-under-test.mjs";

const { api } = await loadWithFakeCore();

test("models: camelCase fields, frozen, toJSON gives the snake_case wire back", () => {
  const wire = {
    approval_id: "a1", approval_group_id: "g1", status: "pending", expires_at: "2030-01-01T00:00:00Z", expires_in: 600,
    approval_url: "https://x/approvals/a1", gates: [{ approval_id: "a1", expires_at: "2030-01-01T00:00:00Z", expires_in: 600, approval_url: "https://x" }],
  };
  const p = new api.PendingApproval(wire);
  assert.equal(p.approvalId, "a1");
  assert.equal(p.approvalUrl, "https://x/approvals/a1");
  assert.ok(p.gates[0] instanceof api.ApprovalGate);
  assert.ok(Object.isFrozen(p) && Object.isFrozen(p.gates));
  assert.deepEqual(p.toJSON(), wire);
  assert.deepEqual(new api.PendingApproval(p.toJSON()).toJSON(), wire);
  const camel = new api.ConnectSession({ sessionToken: "t", connectUrl: "https://c", expiresIn: 5 });
  assert.equal(camel.sessionToken, "t");
  assert.deepEqual(camel.scopeConstraintWarnings, []);
  assert.equal(camel.toJSON().session_token, "t");
  assert.throws(() => { camel.sessionToken = "x"; }, TypeError);
});

test("models: required fields and wrong shapes are BackendError (malformed response)", () => {
  assert.throws(() => new api.PendingApproval({ approval_url: "u" }), api.BackendError);
  assert.throws(() => new api.ApprovalStatus({ approval_id: "a", status: "pending" }), /has_result/);
  assert.throws(() => new api.ApprovalResult({ status_code: 200, body_b64: "not base64!" }), api.BackendError);
  assert.throws(() => new api.AgentInfo(null), api.BackendError);
  assert.throws(() => new api.DelegationResult({ grant_id: "g" }), api.BackendError);
});

test("ApprovalResult body helpers: bytes, text (UTF-8), JSON; empty body", () => {
  const bytes = new Uint8Array([0x7b, 0x22, 0x6b, 0x22, 0x3a, 0x22, 0xc3, 0xa9, 0x22, 0x7d]); // {"k":"é"}
  const b64 = Buffer.from(bytes).toString("base64");
  const r = new api.ApprovalResult({ status_code: 201, headers: { "content-type": "application/json" }, body_b64: b64, duration_ms: 12 });
  assert.deepEqual([...r.bodyBytes()], [...bytes]);
  assert.equal(r.bodyText(), '{"k":"é"}');
  assert.deepEqual(r.bodyJson(), { k: "é" });
  assert.equal(r.approvalId, null);
  assert.equal(r.bodyTruncated, false);
  const empty = new api.ApprovalResult({ status_code: 204 });
  assert.equal(empty.bodyBytes().length, 0);
  assert.equal(empty.bodyText(), "");
  assert.throws(() => empty.bodyJson(), SyntaxError);
});

test("grant list items are discriminated by grant_kind; derived statuses; unknown managed-secret path → null", () => {
  const list = new api.UnifiedGrantListResult({
    grants: [{ grant_kind: "oauth", grant_id: "g1", provider_id: "google" }, { grant_kind: "managed_secret", grant_id: "g2", managed_secret_slug: "resend" }],
    total: 2, limit: 100, offset: 0, has_more: false,
  });
  assert.ok(list.grants[0] instanceof api.OAuthGrantItem);
  assert.ok(list.grants[1] instanceof api.ManagedSecretGrantItem);
  assert.equal(list.grants[1].managedSecretSlug, "resend");
  assert.equal(new api.AgentKey({ key_id: "k", deprecated_at: "2030-01-01T00:00:00Z" }).status, "deprecated");
  assert.equal(new api.AgentKey({ key_id: "k", revoked_at: "x", deprecated_at: "y" }).status, "revoked");
  assert.equal(new api.APIKeyInfo({ id: "k", deprecated_at: "y" }).status, "rotated");
  assert.equal(new api.ManagedSecretConnectSession({ session_token: "t", connect_url: "u", path: "teleport" }).path, null);
  const agents = new api.AgentListResult({ items: [{ id: "a", name: "n" }], total: 1, limit: 1, offset: 0, has_more: false });
  assert.ok(agents.agents[0] instanceof api.AgentInfo);
  const minted = new api.MintedKey({ id: "k", api_key: "alter_dk_secret", revoked_at: "x" });
  assert.equal(String(minted).includes("alter_dk_secret"), false);
  assert.ok(minted instanceof api.APIKeyInfo && minted.status === "revoked");
  assert.ok(new api.AgentCreateResult({ id: "a", name: "n", api_key: null }) instanceof api.AgentInfo);
  assert.ok(new api.AgentKeyMintResult({ key_id: "k", api_key: "x" }) instanceof api.AgentKey);
});

test("methods are absent where the official SDK leaves them out (api-surface §1.4)", () => {
  const appOnly = ["revokeGrant", "mintGrant", "createManagedSecretGrant", "createAuthSession", "pollAuthSession", "verifyUserToken", "agents", "getAgent"];
  const agentOnly = ["delegate", "me", "trace"];
  const both = ["proxyRequest", "getApprovalStatus", "awaitApproval", "listGrants", "revokeDelegation", "createConnectSession",
    "pollConnectSession", "createConnectSessionForError", "createManagedSecretConnectSession", "withConstraints", "keys", "scopes", "oauthProviders", "lastRateLimit"];
  const has = (proto, n) => n in proto;
  for (const n of appOnly) assert.ok(has(api.App.prototype, n) && !has(api.Agent.prototype, n), n);
  for (const n of agentOnly) assert.ok(has(api.Agent.prototype, n) && !has(api.App.prototype, n), n);
  for (const n of both) assert.ok(has(api.App.prototype, n) && has(api.Agent.prototype, n), n);
  assert.notEqual(api.App.prototype.revokeDelegation, api.Agent.prototype.revokeDelegation, "two forms");
});
