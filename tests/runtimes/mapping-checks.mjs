// The whole error → HTTP table of the adapters (js/adapters/http-map.js), on errors built by the
// package's own factory exactly as the wasm core builds them. Includes the rows the dev vault
// cannot easily produce (key errors, network errors, scope re-consent). Imports nothing.
const SECRET = "ya29.secret-never-in-a-body";

export function runMappingChecks({ sdk, httpErrorOf, runtime }) {
  const make = (cls, code, status, fields = {}) =>
    sdk.createAlterError(JSON.stringify({ class: cls, code, message: `msg ${SECRET}`, status, details: { access_token: SECRET, error: code }, fields }));
  const rows = [
    ["InvalidKeyError", "invalid_key", 401, {}, 401, "unauthorized"],
    ["KeyRevokedError", "key_revoked", 401, {}, 401, "unauthorized"],
    ["AgentInactiveError", "agent_inactive", 401, {}, 401, "unauthorized"],
    ["GrantExpiredError", "grant_expired", 403, { provider_id: "google" }, 401, "reauthorization_required"],
    ["GrantDeletedError", "grant_deleted", 410, {}, 401, "reauthorization_required"],
    ["ReAuthRequiredError", "jwt_validation_error", 401, {}, 401, "invalid_token"],
    ["AlterSDKError", "user_token_getter_failed", null, {}, 401, "missing_bearer"],
    ["PolicyViolationError", "policy_violation", 403, { policy_error: SECRET }, 403, "forbidden"],
    ["StepUpRequiredError", "step_up_required", 403, {}, 403, "forbidden"],
    ["InsufficientScopeError", "insufficient_scope", 403, { required: ["a"] }, 403, "forbidden"],
    ["ScopeReauthRequiredError", "scope_mismatch", 403, { provider_id: "google", grant_id: "g" }, 409, "reauthorization_required"],
    ["AmbiguousGrantError", "ambiguous_grant", 409, { provider_id: "google", candidates: [{ grant_id: "g1", label: "work", account_identifier: "a@x", account_display_name: "A", secret: SECRET }] }, 409, "ambiguous_grant"],
    ["TokenRefreshInProgressError", "token_refresh_in_progress", 409, {}, 409, "token_refresh_in_progress"],
    ["NoDelegatedGrantError", "no_delegated_grant", 404, { provider_id: "google" }, 409, "connection_required"],
    ["NoDelegatedGrantError", "no_delegated_grant", 404, {}, 409, "reauthorization_required"],
    ["GrantNotFoundError", "grant_not_found", 404, { provider_id: "google" }, 409, "connection_required"],
    ["ProviderAPIError", "provider_error", 500, { response_body: SECRET }, 502, "credential_unavailable"],
    ["BackendError", "backend_error", 503, {}, 502, "credential_unavailable"],
    ["GrantNotFoundError", "grant_not_found", 404, {}, 502, "credential_unavailable"],
    ["NetworkError", "network_error", null, {}, 502, "credential_unavailable"],
    ["TimeoutError", "timeout", null, {}, 502, "credential_unavailable"],
    ["RateLimitError", "rate_limit_exceeded", 429, {}, 502, "credential_unavailable"],
  ];
  const results = rows.map(([cls, code, status, fields, wantStatus, wantError]) => {
    const err = make(cls, code, status, fields);
    const m = httpErrorOf(err);
    const problems = [];
    if (!(err instanceof sdk[cls])) problems.push(`factory gave ${err?.name}`);
    if (!m) problems.push("not mapped");
    else {
      if (m.status !== wantStatus) problems.push(`status ${m.status}`);
      if (m.body.error !== wantError) problems.push(`error ${m.body.error}`);
      if (JSON.stringify(m).includes("secret")) problems.push("a secret / message reached the body");
      if (cls === "AmbiguousGrantError" && JSON.stringify(m.body.candidates) !== JSON.stringify([{ grantId: "g1", label: "work", accountIdentifier: "a@x", accountDisplayName: "A" }])) problems.push(`candidates ${JSON.stringify(m.body.candidates)}`);
      if (fields.provider_id && (wantError === "reauthorization_required" || wantError === "connection_required") && m.body.providerId !== "google") problems.push("providerId");
    }
    const mode = cls === "GrantNotFoundError" || cls === "NoDelegatedGrantError" ? (fields.provider_id ? "_by_provider" : "_by_grant") : "";
    return { name: `map_${cls}${code === "jwt_validation_error" || code === "user_token_getter_failed" ? `_${code}` : ""}${mode}`, ok: problems.length === 0, detail: problems.length ? problems.join("; ") : `${wantStatus} ${wantError}` };
  });
  const plain = httpErrorOf(new Error("not ours"));
  results.push({ name: "map_foreign_error", ok: plain === null, detail: plain === null ? "not mapped (framework decides)" : JSON.stringify(plain) });
  return { runtime, results };
}
