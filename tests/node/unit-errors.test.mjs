// js/errors.js: the class tree (same as the protocol crate's ErrorClass, api-surface.md §3.2) and
// the createAlterError factory the driver calls with the engine's structured errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ROOT } from "./helpers/js-under-test.mjs";

const E = await import(new URL("js/errors.js", `file://${ROOT}`).href);

test("every class of the protocol crate's tree exists with the same parent", () => {
  const src = readFileSync(`${ROOT}/protocol/src/error.rs`, "utf8");
  const rows = [...src.matchAll(/^\s+(\w+) => (None|Some\(C::(\w+)\)),$/gm)];
  assert.ok(rows.length >= 60, `parsed ${rows.length} classes from error.rs`);
  for (const [, name, , parent] of rows) {
    const cls = E[name];
    assert.equal(typeof cls, "function", `${name} exported`);
    assert.equal(cls.prototype.name, name);
    if (parent) assert.equal(Object.getPrototypeOf(cls), E[parent], `${name} extends ${parent}`);
    else assert.equal(Object.getPrototypeOf(cls), Error);
    const e = new cls("m");
    assert.ok(e instanceof E.AlterSDKError && e instanceof Error);
    assert.equal(e.name, name);
    assert.equal(typeof e.code, "string");
    assert.ok(e.code.length > 0);
  }
  assert.equal(Object.keys(E.ERROR_CLASSES).length, rows.length);
});

test("factory builds the named class with code, status, details and camelCased fields", () => {
  const e = E.createAlterError({
    class: "AmbiguousGrantError", code: "ambiguous_grant", message: "Multiple grants match", status: 409,
    details: { error: "ambiguous_grant", status_code: 409 },
    fields: {
      provider_id: "google", account_identifiers: ["a@x", "b@x"], account_was_provided: false,
      candidates: [{ grant_id: "g1", account_identifier: "a@x", account_display_name: "A" }],
      candidates_truncated: false,
    },
  });
  assert.ok(e instanceof E.AmbiguousGrantError);
  assert.ok(e instanceof E.BackendError);
  assert.equal(e.name, "AmbiguousGrantError");
  assert.equal(e.message, "Multiple grants match");
  assert.equal(e.code, "ambiguous_grant");
  assert.equal(e.status, 409);
  assert.equal(e.statusCode, 409);
  assert.deepEqual(e.details, { error: "ambiguous_grant", status_code: 409 });
  assert.equal(e.providerId, "google");
  assert.deepEqual(e.accountIdentifiers, ["a@x", "b@x"]);
  assert.deepEqual(e.candidates, [{ grantId: "g1", accountIdentifier: "a@x", accountDisplayName: "A" }]);
  assert.deepEqual(e.grantIds, []); // class default
  const j = JSON.parse(JSON.stringify(e));
  assert.equal(j.name, "AmbiguousGrantError");
  assert.equal(j.code, "ambiguous_grant");
  assert.equal(j.candidates[0].grantId, "g1");
  assert.equal(j.stack, undefined);
});

test("factory: retryAfter, policyError, hint, missingScopes, responseBody", () => {
  const r = E.createAlterError({ class: "RateLimitError", code: "rate_limit_exceeded", message: "slow down", status: 429, details: {}, fields: { retry_after: 7, scope: "api_key" } });
  assert.ok(r instanceof E.RateLimitError);
  assert.equal(r.retryAfter, 7);
  assert.equal(r.scope, "api_key");
  assert.equal(r.windowSeconds, null);
  const p = E.createAlterError({ class: "PolicyViolationError", code: "policy_denied", message: "no", status: 403, details: {}, fields: { policy_error: "policy_denied" } });
  assert.equal(p.policyError, "policy_denied");
  const k = E.createAlterError({ class: "KeyRevokedError", code: "key_revoked", message: "", status: 401, details: {}, fields: { hint: "mint a new key" } });
  assert.ok(k instanceof E.AgentError);
  assert.equal(k.message, "key_revoked", "AgentError message falls back to the code");
  assert.equal(k.hint, "mint a new key");
  const s = E.createAlterError({ class: "ScopeReauthRequiredError", code: "insufficient_scope", message: "m", status: 403, details: {}, fields: { missing_scopes: ["a", "b"], grant_id: "g" } });
  assert.ok(s instanceof E.ProviderAPIError);
  assert.deepEqual(s.missingScopes, ["a", "b"]);
  assert.equal(s.grantId, "g");
  const i = new E.InsufficientScopeError("m", {}, { fields: { required: ["x"], documentation_url: "u" } });
  assert.deepEqual(i.requiredScopes, ["x"]);
  assert.equal(i.docsUrl, "u");
});

test("factory accepts Maps and JSON text, falls back to AlterSDKError, never throws", () => {
  const m = E.createAlterError(new Map([["class", "GrantNotFoundError"], ["code", "grant_not_found"], ["message", "gone"], ["status", 404], ["details", new Map([["error", "grant_not_found"]])], ["fields", new Map()]]));
  assert.ok(m instanceof E.GrantNotFoundError);
  assert.deepEqual(m.details, { error: "grant_not_found" });
  const j = E.createAlterError(JSON.stringify({ class: "TimeoutError", code: "timeout", message: "t" }));
  assert.ok(j instanceof E.TimeoutError && j instanceof E.NetworkError);
  for (const bad of [null, undefined, 42, "not json", [], { class: "constructor" }, { class: "__proto__", code: "x" }, { class: "Nope", code: "weird_code", message: "m" }]) {
    const e = E.createAlterError(bad);
    assert.equal(e.constructor, E.AlterSDKError, `fallback for ${String(bad)}`);
  }
  assert.equal(E.createAlterError({ class: "Nope", code: "weird_code" }).code, "weird_code");
});

test("fields never overwrite the core properties", () => {
  const e = E.createAlterError({ class: "BackendError", code: "c", message: "safe", status: 500, details: [], fields: { message: "evil", name: "X", code: "y", details: { a: 1 }, __proto__x: 1, constructor: 1, stack: "s" } });
  assert.equal(e.message, "safe");
  assert.equal(e.name, "BackendError");
  assert.equal(e.code, "c");
  assert.deepEqual(e.details, {});
  assert.equal(e.constructor, E.BackendError);
});

test("status from details.status_code when the plain status is absent; bogus statuses ignored", () => {
  assert.equal(new E.BackendError("m", { status_code: 502 }).statusCode, 502);
  assert.equal(E.createAlterError({ class: "BackendError", code: "c", message: "m", status: "500" }).status, null);
});
