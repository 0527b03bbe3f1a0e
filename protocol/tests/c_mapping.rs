//! Part C: the canonical mapper, one test per row of the protocol-core §7.2 table, plus the §7.1
//! body shapes, the agents mapper (api-surface §3.4) and the proxy mapper (api-surface §2.1).

use alter_protocol::mapping::{
    as_agent_delegation_missing, map_agents_error, map_backend_error, map_proxy_error,
    network_error, parse_error_body, timeout_error, BLOCKED_DESTINATION_MESSAGE,
    NON_JSON_RATE_LIMIT_MESSAGE,
};
use alter_protocol::{ErrorClass as C, ProtocolError};
use serde_json::{json, Value};

fn hdrs(h: &[(&str, &str)]) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Map a JSON body in the FastAPI `detail` envelope (the emulator's default).
fn map_detail(status: u16, inner: Value) -> ProtocolError {
    let body = json!({ "detail": inner }).to_string();
    map_backend_error(status, &[], body.as_bytes())
}

/// Map a top-level JSON body.
fn map_top(status: u16, body: Value) -> ProtocolError {
    map_backend_error(status, &[], body.to_string().as_bytes())
}

fn map_h(status: u16, h: &[(&str, &str)], body: &str) -> ProtocolError {
    map_backend_error(status, &hdrs(h), body.as_bytes())
}

fn f<'a>(e: &'a ProtocolError, k: &str) -> &'a Value {
    e.fields
        .get(k)
        .unwrap_or_else(|| panic!("field {k} missing on {}", e.class.name()))
}

fn check(e: &ProtocolError, class: C, code: &str, message: &str, status: u16) {
    assert_eq!(e.class, class, "class; got {:?}", e);
    assert_eq!(e.code, code, "code");
    assert_eq!(e.message, message, "message");
    assert_eq!(e.status, Some(status), "status");
}

// ---- §7.1 body parsing ---------------------------------------------------------------------

#[test]
fn body_non_json_summary_keeps_no_raw_bytes() {
    let m = parse_error_body(502, b"<html>secret upstream page</html>");
    assert_eq!(
        Value::Object(m),
        json!({"message": "Backend returned a non-JSON error (HTTP 502)", "status_code": 502})
    );
    let e = map_backend_error(502, &[], b"<html>secret upstream page</html>");
    check(
        &e,
        C::BackendError,
        "backend_error",
        "Backend returned a non-JSON error (HTTP 502)",
        502,
    );
    assert!(!format!("{:?}", e).contains("secret upstream"));
    // Empty body is non-JSON too.
    let m = parse_error_body(500, b"");
    assert_eq!(
        m.get("message"),
        Some(&json!("Backend returned a non-JSON error (HTTP 500)"))
    );
}

#[test]
fn body_json_non_object_is_unknown_error() {
    for body in ["[1,2]", "\"oops\"", "42", "null", "true"] {
        let m = parse_error_body(418, body.as_bytes());
        assert_eq!(
            Value::Object(m),
            json!({"message": "Unknown error", "status_code": 418}),
            "{body}"
        );
    }
    let e = map_backend_error(403, &[], b"[]");
    check(
        &e,
        C::PolicyViolationError,
        "policy_violation",
        "Unknown error",
        403,
    );
}

#[test]
fn body_detail_object_replaces_body() {
    let m = parse_error_body(
        409,
        br#"{"other":"dropped","detail":{"error":"x","message":"m","status_code":1}}"#,
    );
    assert_eq!(
        Value::Object(m),
        json!({"error": "x", "message": "m", "status_code": 409})
    );
}

#[test]
fn body_detail_string_left_in_place() {
    let m = parse_error_body(422, br#"{"detail":"Not Found","error":"e"}"#);
    assert_eq!(
        Value::Object(m),
        json!({"detail": "Not Found", "error": "e", "status_code": 422})
    );
    let e = map_backend_error(422, &[], br#"{"detail":"Not Found"}"#);
    check(
        &e,
        C::BackendError,
        "backend_error",
        "Unexpected backend error (HTTP 422)",
        422,
    );
    assert_eq!(e.details.get("detail"), Some(&json!("Not Found")));
}

#[test]
fn body_top_level_and_detail_envelopes_map_alike() {
    let inner = json!({"error": "grant_revoked", "message": "gone", "grant_id": "g1"});
    let a = map_detail(403, inner.clone());
    let b = map_top(403, inner);
    assert_eq!(a, b);
}

#[test]
fn body_bom_is_tolerated() {
    let mut body = vec![0xEF, 0xBB, 0xBF];
    body.extend_from_slice(br#"{"error":"grant_revoked"}"#);
    let e = map_backend_error(403, &[], &body);
    assert_eq!(e.class, C::GrantRevokedError);
}

#[test]
fn message_fallback_when_not_a_nonempty_string() {
    for m in [json!(""), json!(null), json!(5), json!(["x"])] {
        let e = map_detail(410, json!({"error": "grant_deleted", "message": m}));
        assert_eq!(
            e.message,
            "Grant has been deleted. A new grant_id will be issued on re-authorization."
        );
    }
}

// ---- 403 rows ----------------------------------------------------------------------------

#[test]
fn row_403_insufficient_scope() {
    let e = map_top(
        403,
        json!({
            "error": "insufficient_scope", "message": "needs scope",
            "required": ["a", 1, "b"], "granted": "nope", "missing": ["b", null],
            "scope_version": 3, "current_scope_version": true,
            "scope_version_mismatch": true, "documentation_url": "https://d",
            "required_any_of": "true"
        }),
    );
    check(
        &e,
        C::InsufficientScopeError,
        "insufficient_scope",
        "needs scope",
        403,
    );
    assert_eq!(f(&e, "required"), &json!(["a", "b"]));
    assert_eq!(f(&e, "granted"), &json!([]));
    assert_eq!(f(&e, "missing"), &json!(["b"]));
    assert_eq!(f(&e, "scope_version"), &json!(3));
    assert_eq!(f(&e, "current_scope_version"), &Value::Null);
    assert_eq!(f(&e, "scope_version_mismatch"), &json!(true));
    assert_eq!(f(&e, "documentation_url"), &json!("https://d"));
    assert_eq!(f(&e, "required_any_of"), &json!(false));
    assert_eq!(e.details.get("status_code"), Some(&json!(403)));
    // Fallback message; float versions rejected.
    let e = map_top(
        403,
        json!({"error": "insufficient_scope", "scope_version": 3.0}),
    );
    assert_eq!(e.message, "Insufficient scope");
    assert_eq!(f(&e, "scope_version"), &Value::Null);
    assert_eq!(f(&e, "scope_version_mismatch"), &json!(false));
}

#[test]
fn row_403_grant_expired() {
    let e = map_detail(
        403,
        json!({"error": "grant_expired", "provider_id": "google", "agent_id": 7,
               "details": {"expired_at": "t", "error": "nested_loses"}}),
    );
    check(
        &e,
        C::GrantExpiredError,
        "grant_expired",
        "Grant expired per TTL policy",
        403,
    );
    assert!(e.class.is_a(C::ReAuthRequiredError));
    assert_eq!(f(&e, "provider_id"), &json!("google"));
    assert_eq!(f(&e, "agent_id"), &Value::Null);
    assert_eq!(f(&e, "app_user_id"), &Value::Null);
    // Nested details merged under the top level; top level wins.
    assert_eq!(e.details.get("expired_at"), Some(&json!("t")));
    assert_eq!(e.details.get("error"), Some(&json!("grant_expired")));
    assert_eq!(e.details.get("status_code"), Some(&json!(403)));
}

#[test]
fn row_403_grant_revoked() {
    let e = map_detail(403, json!({"error": "grant_revoked", "grant_id": "g-1"}));
    check(
        &e,
        C::GrantRevokedError,
        "grant_revoked",
        "Grant has been revoked. User must re-authorize.",
        403,
    );
    assert_eq!(f(&e, "grant_id"), &json!("g-1"));
}

#[test]
fn row_403_credential_revoked() {
    let e = map_detail(
        403,
        json!({"error": "credential_revoked", "message": "conn revoked", "grant_id": "g",
               "provider_id": "slack", "app_user_id": ["x"]}),
    );
    check(
        &e,
        C::CredentialRevokedError,
        "credential_revoked",
        "conn revoked",
        403,
    );
    assert_eq!(f(&e, "grant_id"), &json!("g"));
    assert_eq!(f(&e, "provider_id"), &json!("slack"));
    assert_eq!(f(&e, "app_user_id"), &Value::Null);
    let e = map_detail(403, json!({"error": "credential_revoked"}));
    assert_eq!(
        e.message,
        "Underlying OAuth connection has been revoked. User must re-authorize."
    );
}

#[test]
fn row_403_restricted_grant_requires_proxy() {
    let e = map_detail(403, json!({"error": "restricted_grant_requires_proxy"}));
    check(
        &e,
        C::RestrictedGrantRequiresProxyError,
        "restricted_grant_requires_proxy",
        "This grant carries method/endpoint restrictions and can only be used through the proxy. Use proxy_request().",
        403,
    );
}

#[test]
fn row_403_grant_not_delegable() {
    let e = map_detail(
        403,
        json!({"error": "grant_not_delegable", "detail_reason": "ceiling_off"}),
    );
    assert_eq!(e.class, C::GrantNotDelegableError);
    assert_eq!(e.code, "grant_not_delegable");
    assert!(e
        .message
        .starts_with("This grant is not delegable — the user must allow onward sharing"));
    assert_eq!(f(&e, "detail_reason"), &json!("ceiling_off"));
    let e = map_detail(
        403,
        json!({"error": "grant_not_delegable", "detail_reason": ""}),
    );
    assert_eq!(f(&e, "detail_reason"), &Value::Null);
}

#[test]
fn row_403_scope_mismatch() {
    let e = map_detail(
        403,
        json!({"error": "scope_mismatch", "message": "drifted",
               "details": {"grant_id": "g9", "provider_id": "google", "extra": 1}}),
    );
    check(
        &e,
        C::ScopeReauthRequiredError,
        "scope_mismatch",
        "drifted",
        403,
    );
    assert!(e.class.is_a(C::ProviderAPIError));
    assert!(!e.class.is_a(C::BackendError));
    assert_eq!(f(&e, "grant_id"), &json!("g9"));
    assert_eq!(f(&e, "provider_id"), &json!("google"));
    assert_eq!(f(&e, "missing_scopes"), &Value::Null);
    assert_eq!(
        Value::Object(e.details.clone()),
        json!({"grant_id": "g9", "provider_id": "google", "extra": 1, "source": "backend_flag"})
    );
    // No nested details: ids null, fixed fallback message.
    let e = map_detail(403, json!({"error": "scope_mismatch", "grant_id": "top"}));
    assert_eq!(e.message, "Grant is missing required scopes");
    assert_eq!(f(&e, "grant_id"), &Value::Null);
    assert_eq!(
        Value::Object(e.details.clone()),
        json!({"source": "backend_flag"})
    );
}

#[test]
fn row_403_step_up_required() {
    let e = map_detail(
        403,
        json!({"error": "step_up_required", "max_session_age_seconds": 300}),
    );
    check(
        &e,
        C::StepUpRequiredError,
        "step_up_required",
        "This request requires a fresh (stepped-up) session — re-authenticate the user and retry.",
        403,
    );
    assert!(e.class.is_a(C::PolicyViolationError));
    assert_eq!(f(&e, "max_session_age_seconds"), &json!(300));
    assert_eq!(f(&e, "policy_error"), &json!("step_up_required"));
    for bad in [json!(true), json!(1.5), json!("300")] {
        let e = map_detail(
            403,
            json!({"error": "step_up_required", "max_session_age_seconds": bad}),
        );
        assert_eq!(f(&e, "max_session_age_seconds"), &Value::Null);
    }
}

#[test]
fn row_403_redact_discharge_failed() {
    let e = map_detail(403, json!({"error": "redact_discharge_failed"}));
    check(
        &e,
        C::RedactDischargeFailedError,
        "redact_discharge_failed",
        "The redact obligation could not be applied to the request body, so the request was denied.",
        403,
    );
    assert_eq!(f(&e, "policy_error"), &json!("redact_discharge_failed"));
}

#[test]
fn row_403_other_is_policy_violation() {
    let e = map_detail(
        403,
        json!({"error": "agents_cannot_mint", "message": "no", "details": {"rule": "r1", "error": "inner"}}),
    );
    check(&e, C::PolicyViolationError, "agents_cannot_mint", "no", 403);
    assert_eq!(f(&e, "policy_error"), &json!("agents_cannot_mint"));
    assert_eq!(e.details.get("rule"), Some(&json!("r1")));
    assert_eq!(e.details.get("error"), Some(&json!("agents_cannot_mint")));
    // No error at all.
    let e = map_detail(403, json!({}));
    check(
        &e,
        C::PolicyViolationError,
        "policy_violation",
        "Access denied by policy",
        403,
    );
    assert_eq!(f(&e, "policy_error"), &Value::Null);
}

// ---- 409 rows ----------------------------------------------------------------------------

#[test]
fn row_409_token_refresh_in_progress() {
    let e = map_detail(
        409,
        json!({"error": "token_refresh_in_progress", "grant_id": "g"}),
    );
    check(
        &e,
        C::TokenRefreshInProgressError,
        "token_refresh_in_progress",
        "Token refresh in progress. Retry after a short delay.",
        409,
    );
    assert_eq!(f(&e, "grant_id"), &json!("g"));
}

#[test]
fn row_409_ambiguous_grant() {
    let e = map_detail(
        409,
        json!({
            "error": "ambiguous_grant", "provider_id": "google",
            "account_identifiers": ["a@x", 3, "b@x"], "app_user_ids": "u1",
            "grant_ids": ["g1", {"x": 1}], "account_was_provided": "true",
            "candidates": [
                {"grant_id": "g1", "label": "work", "account_identifier": "a@x", "account_display_name": 5},
                {"label": "no id"},
                "junk",
                {"grant_id": 12},
                {"grant_id": "g2"}
            ],
            "candidates_truncated": true
        }),
    );
    check(
        &e,
        C::AmbiguousGrantError,
        "ambiguous_grant",
        "JWT identity resolved to multiple grants. Pass the 'account' parameter to disambiguate.",
        409,
    );
    assert_eq!(f(&e, "provider_id"), &json!("google"));
    assert_eq!(f(&e, "account_identifiers"), &json!(["a@x", "b@x"]));
    assert_eq!(f(&e, "app_user_ids"), &json!([]));
    assert_eq!(f(&e, "grant_ids"), &json!(["g1"]));
    assert_eq!(f(&e, "account_was_provided"), &json!(false));
    assert_eq!(f(&e, "candidates_truncated"), &json!(true));
    assert_eq!(
        f(&e, "candidates"),
        &json!([
            {"grant_id": "g1", "label": "work", "account_identifier": "a@x", "account_display_name": null},
            {"grant_id": "g2", "label": null, "account_identifier": null, "account_display_name": null}
        ])
    );
}

#[test]
fn row_409_no_delegated_grant() {
    let e = map_detail(
        409,
        json!({"error": "no_delegated_grant", "provider_id": "p", "agent_id": "a", "app_user_id": "u"}),
    );
    check(
        &e,
        C::NoDelegatedGrantError,
        "no_delegated_grant",
        "Agent has no active delegation or managed-secret grant for this provider.",
        409,
    );
    assert_eq!(f(&e, "provider_id"), &json!("p"));
    assert_eq!(f(&e, "agent_id"), &json!("a"));
    assert_eq!(f(&e, "app_user_id"), &json!("u"));
}

#[test]
fn row_409_sibling_label_conflict() {
    let e = map_detail(
        409,
        json!({"error": "sibling_label_conflict", "message": "taken", "label": "work"}),
    );
    check(
        &e,
        C::SiblingLabelConflictError,
        "sibling_label_conflict",
        "taken",
        409,
    );
    assert_eq!(f(&e, "label"), &json!("work"));
    let e = map_detail(409, json!({"error": "sibling_label_conflict", "label": 1}));
    assert_eq!(f(&e, "label"), &Value::Null);
    assert!(e
        .message
        .starts_with("An active sibling grant with this label already exists"));
}

#[test]
fn row_409_credential_id_required() {
    let e = map_detail(
        409,
        json!({"error": "credential_id_required", "details": {"credentials": [
            {"id": "c1", "label": "prod"}, {"id": "c2"}, {"id": 3, "label": "x"}, "junk",
            {"id": "c4", "label": "dev", "extra": true}
        ]}}),
    );
    check(
        &e,
        C::CredentialIdRequiredError,
        "credential_id_required",
        "This managed-secret provider holds several developer credentials; pass credential_id to choose the one the grant serves.",
        409,
    );
    assert_eq!(
        f(&e, "credentials"),
        &json!([{"credential_id": "c1", "label": "prod"}, {"credential_id": "c4", "label": "dev"}])
    );
    let e = map_detail(
        409,
        json!({"error": "credential_id_required", "credentials": [{"id": "top", "label": "l"}]}),
    );
    assert_eq!(f(&e, "credentials"), &json!([]));
}

#[test]
fn row_409_end_user_credential_not_assignable() {
    let e = map_detail(409, json!({"error": "end_user_credential_not_assignable"}));
    check(
        &e,
        C::EndUserCredentialNotAssignableError,
        "end_user_credential_not_assignable",
        "That credential is an end user's own key; it has one grant (the user's) and is never assigned.",
        409,
    );
}

#[test]
fn row_409_connect_config_codes() {
    let rows = [
        ("managed_oauth_scope_approval_required", "The requested permissions require managed OAuth approval."),
        ("idp_signin_not_configured", "The application's identity provider is not set up for delegation approval sign-in."),
        ("no_eligible_grants", "The user has no managed-secret grant this agent can be delegated from."),
        ("binding_hosts_required", "This managed-secret provider needs host patterns before a user can enter a key."),
        ("provider_contract_repair_required", "This managed-secret provider's developer credential must be rotated once before a user can enter a key."),
    ];
    for (code, msg) in rows {
        let e = map_detail(409, json!({"error": code}));
        check(&e, C::ConnectConfigError, code, msg, 409);
        // Typed, not re-wrapped, and not a BackendError (decision §14.6).
        assert!(e.class.is_a(C::ConnectFlowError));
        assert!(!e.class.is_a(C::BackendError));
        assert_eq!(e.details.get("error"), Some(&json!(code)));
    }
}

#[test]
fn row_409_other() {
    let e = map_detail(409, json!({"error": "something_else"}));
    check(
        &e,
        C::BackendError,
        "something_else",
        "Conflict (HTTP 409)",
        409,
    );
    let e = map_backend_error(409, &[], b"not json");
    check(
        &e,
        C::BackendError,
        "backend_error",
        "Backend returned a non-JSON error (HTTP 409)",
        409,
    );
}

// ---- 410 ---------------------------------------------------------------------------------

#[test]
fn row_410_any() {
    let e = map_detail(410, json!({"error": "whatever", "message": "deleted!"}));
    check(&e, C::GrantDeletedError, "whatever", "deleted!", 410);
    assert!(e.class.is_a(C::ReAuthRequiredError));
    let e = map_detail(410, json!({}));
    check(
        &e,
        C::GrantDeletedError,
        "grant_deleted",
        "Grant has been deleted. A new grant_id will be issued on re-authorization.",
        410,
    );
}

// ---- 404 rows ----------------------------------------------------------------------------

#[test]
fn row_404_no_delegated_grant() {
    let e = map_detail(
        404,
        json!({"error": "no_delegated_grant", "provider_id": "p", "agent_id": null}),
    );
    check(
        &e,
        C::NoDelegatedGrantError,
        "no_delegated_grant",
        "Agent has no active delegation or managed-secret grant for this provider.",
        404,
    );
    assert_eq!(f(&e, "provider_id"), &json!("p"));
    assert_eq!(f(&e, "agent_id"), &Value::Null);
}

#[test]
fn row_404_caller_agent_unresolved_and_agent_not_found() {
    let e = map_detail(404, json!({"error": "caller_agent_unresolved"}));
    check(
        &e,
        C::AgentNotFoundError,
        "agent_not_found",
        "caller does not name an active managed agent for this app",
        404,
    );
    assert_eq!(
        e.details.get("error"),
        Some(&json!("caller_agent_unresolved"))
    );
    assert_eq!(f(&e, "hint"), &Value::Null);
    let e = map_detail(404, json!({"error": "agent_not_found"}));
    check(
        &e,
        C::AgentNotFoundError,
        "agent_not_found",
        "No active managed agent matches the requested agent in this app",
        404,
    );
    assert!(e.class.is_a(C::AgentError));
}

#[test]
fn row_404_secret_not_found() {
    let e = map_detail(404, json!({"error": "secret_not_found"}));
    check(
        &e,
        C::ConnectConfigError,
        "secret_not_found",
        "No active managed-secret provider of this app has the requested slug.",
        404,
    );
}

#[test]
fn row_404_anything_else_is_grant_not_found() {
    let e = map_detail(
        404,
        json!({"error": "grant_not_found", "provider_id": "google", "agent_id": "a1", "app_user_id": 5}),
    );
    check(
        &e,
        C::GrantNotFoundError,
        "grant_not_found",
        "OAuth grant not found for the given grant_id",
        404,
    );
    assert_eq!(f(&e, "provider_id"), &json!("google"));
    assert_eq!(f(&e, "agent_id"), &json!("a1"));
    assert_eq!(f(&e, "app_user_id"), &Value::Null);
    let e = map_backend_error(404, &[], b"");
    check(
        &e,
        C::GrantNotFoundError,
        "grant_not_found",
        "Backend returned a non-JSON error (HTTP 404)",
        404,
    );
    // Agent.request re-raise.
    let d = as_agent_delegation_missing(e.clone());
    assert_eq!(d.class, C::AgentDelegationMissingError);
    assert!(d.class.is_a(C::GrantNotFoundError));
    assert_eq!(
        (d.code.as_str(), &d.message, &d.fields),
        (e.code.as_str(), &e.message, &e.fields)
    );
    let other = map_detail(410, json!({}));
    assert_eq!(as_agent_delegation_missing(other.clone()), other);
}

// ---- 400 / 502 rows ------------------------------------------------------------------------

#[test]
fn row_400_502_caller_agent_mismatch() {
    for s in [400, 502] {
        let e = map_detail(s, json!({"error": "caller_agent_mismatch"}));
        check(
            &e,
            C::CallerAgentMismatchError,
            "caller_agent_mismatch",
            "Caller agent identity does not match the API key.",
            s,
        );
    }
}

#[test]
fn row_400_502_grant_and_credential_revoked() {
    for s in [400, 502] {
        let e = map_detail(s, json!({"error": "grant_revoked", "grant_id": "g"}));
        check(
            &e,
            C::GrantRevokedError,
            "grant_revoked",
            "Grant has been revoked. User must re-authorize.",
            s,
        );
        assert_eq!(f(&e, "grant_id"), &json!("g"));
        let e = map_detail(
            s,
            json!({"error": "credential_revoked", "provider_id": "p"}),
        );
        assert_eq!(e.class, C::CredentialRevokedError);
        assert_eq!(f(&e, "provider_id"), &json!("p"));
        assert_eq!(e.status, Some(s));
    }
}

#[test]
fn row_400_502_requires_proxy_codes() {
    let msg = "This grant is proxy-only (it is restricted, delegated, scope-narrowed, requires approval, or its user set a usage limit) and can only be used through the proxy. Use proxy_request() instead of request().";
    for s in [400, 502] {
        for code in [
            "restricted_grant_requires_proxy",
            "delegated_grant_requires_proxy",
            "hitl_grant_requires_proxy",
            "user_limits_require_proxy",
        ] {
            let e = map_detail(s, json!({"error": code}));
            check(&e, C::RestrictedGrantRequiresProxyError, code, msg, s);
        }
    }
}

#[test]
fn row_400_502_other() {
    let e = map_detail(400, json!({"error": "bad_thing"}));
    check(&e, C::BackendError, "bad_thing", "Backend error 400", 400);
    let e = map_detail(502, json!({"message": "upstream"}));
    check(&e, C::BackendError, "backend_error", "upstream", 502);
    assert_eq!(e.details.get("status_code"), Some(&json!(502)));
}

// ---- 401 rows ----------------------------------------------------------------------------

#[test]
fn row_401_jwt_validation_error() {
    let e = map_detail(401, json!({"error": "jwt_validation_error"}));
    check(
        &e,
        C::ReAuthRequiredError,
        "jwt_validation_error",
        "user_token validation failed",
        401,
    );
}

#[test]
fn row_401_key_codes() {
    let rows = [
        ("invalid_key", C::InvalidKeyError, "Invalid API key"),
        (
            "key_revoked",
            C::KeyRevokedError,
            "API key has been revoked",
        ),
        ("key_expired", C::KeyExpiredError, "API key has expired"),
        (
            "key_rotated_grace_expired",
            C::KeyRotationExpiredError,
            "API key rotation grace period has expired",
        ),
        (
            "key_not_active",
            C::KeyInactiveError,
            "API key is not active",
        ),
    ];
    for (code, class, msg) in rows {
        let e = map_detail(401, json!({"error": code, "hint": "make a new key"}));
        check(&e, class, code, msg, 401);
        assert!(e.class.is_a(C::AgentError));
        assert_eq!(f(&e, "hint"), &json!("make a new key"));
        let e = map_detail(401, json!({"error": code, "hint": ""}));
        assert_eq!(f(&e, "hint"), &Value::Null);
    }
}

#[test]
fn row_401_agent_inactive_and_revoked() {
    let e = map_detail(401, json!({"error": "agent_inactive", "hint": "resume it"}));
    check(
        &e,
        C::AgentInactiveError,
        "agent_inactive",
        "Agent is inactive",
        401,
    );
    assert_eq!(f(&e, "hint"), &json!("resume it"));
    let e = map_detail(
        401,
        json!({"error": "agent_revoked", "message": "gone", "hint": 3}),
    );
    check(&e, C::AgentRevokedError, "agent_revoked", "gone", 401);
    assert_eq!(f(&e, "hint"), &Value::Null);
}

#[test]
fn row_401_other() {
    let e = map_detail(401, json!({"error": "invalid_signature"}));
    check(
        &e,
        C::BackendError,
        "invalid_signature",
        "Unauthorized — check your API key",
        401,
    );
}

// ---- 429 rows ----------------------------------------------------------------------------

#[test]
fn row_429_non_json() {
    let e = map_h(429, &[("retry-after", " 0042 ")], "<html>Too Many</html>");
    check(
        &e,
        C::RateLimitError,
        "rate_limited",
        NON_JSON_RATE_LIMIT_MESSAGE,
        429,
    );
    assert_eq!(
        Value::Object(e.details.clone()),
        json!({"status_code": 429})
    );
    assert_eq!(f(&e, "retry_after"), &json!(42));
    assert_eq!(f(&e, "scope"), &Value::Null);
    assert_eq!(f(&e, "limit"), &Value::Null);
    assert_eq!(f(&e, "window_seconds"), &Value::Null);
    // Header ceiling 3600; no header → null.
    let e = map_h(429, &[("Retry-After", "99999")], "x");
    assert_eq!(f(&e, "retry_after"), &json!(3600));
    let e = map_h(429, &[], "");
    assert_eq!(f(&e, "retry_after"), &Value::Null);
}

#[test]
fn row_429_quota_exceeded() {
    let e = map_h(
        429,
        &[("Retry-After", "2600000")],
        r#"{"detail":{"error":"quota_exceeded","retry_after":5}}"#,
    );
    check(
        &e,
        C::QuotaExceededError,
        "quota_exceeded",
        "Request quota exceeded for the current window.",
        429,
    );
    assert_eq!(f(&e, "retry_after"), &json!(2_600_000));
    // Body fallback, clamp 31 days.
    let e = map_h(
        429,
        &[],
        r#"{"error":"quota_exceeded","retry_after":99999999.0}"#,
    );
    assert_eq!(f(&e, "retry_after"), &json!(2_678_400));
    let e = map_h(
        429,
        &[("Retry-After", "soon")],
        r#"{"error":"quota_exceeded","retry_after":true}"#,
    );
    assert_eq!(f(&e, "retry_after"), &Value::Null);
}

#[test]
fn row_429_rate_limit_exceeded() {
    let e = map_h(
        429,
        &[("Retry-After", "7")],
        r#"{"detail":{"error":"rate_limit_exceeded","message":"slow down","retry_after":30,"scope":"api_key","limit":60,"window_seconds":60.0}}"#,
    );
    check(
        &e,
        C::RateLimitError,
        "rate_limit_exceeded",
        "slow down",
        429,
    );
    assert_eq!(f(&e, "retry_after"), &json!(7));
    assert_eq!(f(&e, "scope"), &json!("api_key"));
    assert_eq!(f(&e, "limit"), &json!(60));
    assert_eq!(f(&e, "window_seconds"), &json!(60));
    let e = map_h(
        429,
        &[],
        r#"{"error":"rate_limit_exceeded","retry_after":7200,"scope":5,"limit":true,"window_seconds":-1}"#,
    );
    assert_eq!(
        e.message,
        "Rate limit exceeded — retry after the window resets."
    );
    assert_eq!(f(&e, "retry_after"), &json!(3600));
    assert_eq!(f(&e, "scope"), &Value::Null);
    assert_eq!(f(&e, "limit"), &Value::Null);
    assert_eq!(f(&e, "window_seconds"), &Value::Null);
}

#[test]
fn row_429_other_falls_through_to_catch_all() {
    let e = map_h(
        429,
        &[("Retry-After", "5")],
        r#"{"error":"billing_quota_exceeded"}"#,
    );
    check(
        &e,
        C::BackendError,
        "billing_quota_exceeded",
        "Unexpected backend error (HTTP 429)",
        429,
    );
    assert!(e.fields.is_empty());
    // A JSON 429 carrying blocked_destination reaches the catch-all's typed row.
    let e = map_h(429, &[], r#"{"error":"blocked_destination"}"#);
    assert_eq!(e.class, C::BlockedDestinationError);
}

// ---- 500 / 503 rows ------------------------------------------------------------------------

#[test]
fn row_500_503_caller_agent_resolution_error() {
    let e = map_h(
        503,
        &[("Retry-After", "2")],
        r#"{"detail":{"error":"caller_agent_resolution_error"}}"#,
    );
    check(
        &e,
        C::CallerAgentResolutionError,
        "caller_agent_resolution_error",
        "Managed-agent identity could not be resolved",
        503,
    );
    assert_eq!(e.details.get("retry_after_seconds"), Some(&json!(2)));
}

#[test]
fn row_500_503_app_not_found_for_key() {
    let e = map_h(500, &[], r#"{"error":"app_not_found_for_key"}"#);
    check(
        &e,
        C::KeyAppNotFoundError,
        "app_not_found_for_key",
        "App not found for API key",
        500,
    );
    assert!(!e.details.contains_key("retry_after_seconds"));
}

#[test]
fn row_500_503_other() {
    let e = map_h(
        503,
        &[("Retry-After", "86400")],
        r#"{"error":"maintenance"}"#,
    );
    check(
        &e,
        C::BackendError,
        "maintenance",
        "Backend unavailable (HTTP 503)",
        503,
    );
    assert_eq!(e.details.get("retry_after_seconds"), Some(&json!(3600)));
    // The body's retry_after is not a source for this hint.
    let e = map_h(
        500,
        &[("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT")],
        r#"{"retry_after":5}"#,
    );
    check(
        &e,
        C::BackendError,
        "backend_error",
        "Backend unavailable (HTTP 500)",
        500,
    );
    assert!(!e.details.contains_key("retry_after_seconds"));
    let e = map_h(503, &[("Retry-After", "3")], "<html>");
    assert_eq!(e.message, "Backend returned a non-JSON error (HTTP 503)");
    assert_eq!(e.details.get("retry_after_seconds"), Some(&json!(3)));
}

// ---- other ≥ 400 rows ----------------------------------------------------------------------

#[test]
fn row_other_blocked_destination() {
    let e = map_h(
        422,
        &[("x-request-id", "req-123")],
        r#"{"detail":{"error":"blocked_destination","message":"internal detail"}}"#,
    );
    check(
        &e,
        C::BlockedDestinationError,
        "blocked_destination",
        BLOCKED_DESTINATION_MESSAGE,
        422,
    );
    assert_eq!(e.details.get("request_id"), Some(&json!("req-123")));
    let e = map_h(504, &[], r#"{"error":"blocked_destination"}"#);
    assert_eq!(e.class, C::BlockedDestinationError);
    assert!(!e.details.contains_key("request_id"));
}

#[test]
fn row_other_secret_template_mismatch() {
    let e = map_detail(422, json!({"error": "secret_template_mismatch"}));
    check(
        &e,
        C::ConnectConfigError,
        "secret_template_mismatch",
        "The provider slug names a managed-secret provider that is not of the requested template.",
        422,
    );
}

#[test]
fn row_other_anything_else() {
    let e = map_detail(422, json!({"error": "query_too_long"}));
    check(
        &e,
        C::BackendError,
        "query_too_long",
        "Unexpected backend error (HTTP 422)",
        422,
    );
    assert_eq!(e.details.get("error"), Some(&json!("query_too_long")));
    let e = map_detail(504, json!({"message": "gateway timeout"}));
    check(&e, C::BackendError, "backend_error", "gateway timeout", 504);
}

// ---- agents mapper (api-surface §3.4) ------------------------------------------------------

fn agents(status: u16, h: &[(&str, &str)], body: &str) -> ProtocolError {
    map_agents_error(status, &hdrs(h), body.as_bytes())
}

#[test]
fn agents_code_table_regardless_of_status() {
    let e = agents(
        400,
        &[],
        r#"{"detail":{"error":"agent_name_exists","message":"dup","hint":""}}"#,
    );
    check(&e, C::AgentNameExistsError, "agent_name_exists", "dup", 400);
    assert_eq!(f(&e, "hint"), &json!(""));
    let e = agents(404, &[], r#"{"error":"caller_agent_unresolved"}"#);
    check(
        &e,
        C::AgentNotFoundError,
        "agent_not_found",
        "Backend error 404",
        404,
    );
    let e = agents(401, &[], r#"{"error":"key_revoked","hint":"rotate"}"#);
    check(
        &e,
        C::KeyRevokedError,
        "key_revoked",
        "Backend error 401",
        401,
    );
    assert_eq!(f(&e, "hint"), &json!("rotate"));
    for (code, class) in [
        (
            "idempotency_key_body_mismatch",
            C::IdempotencyKeyBodyMismatchError,
        ),
        (
            "agent_cannot_mint_subagents",
            C::AgentCannotMintSubagentsError,
        ),
        ("last_active_key", C::LastActiveKeyError),
        ("agent_key_limit_reached", C::AgentKeyLimitError),
        ("me_requires_agent_key", C::MeRequiresAgentKeyError),
        ("key_not_found", C::KeyNotFoundError),
    ] {
        let e = agents(422, &[], &json!({"error": code}).to_string());
        assert_eq!((e.class, e.code.as_str()), (class, code));
    }
}

#[test]
fn agents_status_aware_rows() {
    let e = agents(409, &[], r#"{"error":"key_revoked"}"#);
    check(
        &e,
        C::KeyAlreadyRevokedError,
        "key_revoked",
        "Backend error 409",
        409,
    );
    let e = agents(
        409,
        &[],
        r#"{"error":"agent_concurrent_update","message":"stale"}"#,
    );
    check(
        &e,
        C::AgentConcurrentUpdateError,
        "agent_concurrent_update",
        "stale",
        409,
    );
    let e = agents(400, &[], r#"{"error":"agent_concurrent_update"}"#);
    check(
        &e,
        C::BackendError,
        "agent_concurrent_update",
        "Backend error 400",
        400,
    );
}

#[test]
fn agents_cross_cutting_and_fallbacks() {
    let e = agents(
        403,
        &[],
        r#"{"detail":{"error":"insufficient_scope","missing":["agents:write"]}}"#,
    );
    assert_eq!(e.class, C::InsufficientScopeError);
    assert_eq!(f(&e, "missing"), &json!(["agents:write"]));
    let e = agents(429, &[("Retry-After", "9")], "busy");
    check(
        &e,
        C::RateLimitError,
        "rate_limited",
        NON_JSON_RATE_LIMIT_MESSAGE,
        429,
    );
    assert_eq!(f(&e, "retry_after"), &json!(9));
    let e = agents(
        400,
        &[("Retry-After", "9")],
        r#"{"error":"rate_limit_exceeded","limit":10}"#,
    );
    check(
        &e,
        C::RateLimitError,
        "rate_limit_exceeded",
        "Rate limit exceeded — retry after the window resets.",
        400,
    );
    assert_eq!(f(&e, "retry_after"), &json!(9));
    assert_eq!(f(&e, "limit"), &json!(10));
    // Grant/policy codes are not mapped here.
    let e = agents(403, &[], r#"{"error":"grant_revoked"}"#);
    check(
        &e,
        C::BackendError,
        "grant_revoked",
        "Backend error 403",
        403,
    );
    // Non-JSON / non-object: {} + status_code.
    let e = agents(502, &[], "<html>");
    check(
        &e,
        C::BackendError,
        "backend_error",
        "Backend error 502",
        502,
    );
    assert_eq!(
        Value::Object(e.details.clone()),
        json!({"status_code": 502})
    );
    let e = agents(418, &[], "[1]");
    assert_eq!(
        Value::Object(e.details.clone()),
        json!({"status_code": 418})
    );
    // 500/503 retry hint, then the code table.
    let e = agents(
        503,
        &[("Retry-After", "4")],
        r#"{"error":"caller_agent_resolution_error"}"#,
    );
    assert_eq!(e.class, C::CallerAgentResolutionError);
    assert_eq!(e.details.get("retry_after_seconds"), Some(&json!(4)));
}

// ---- proxy mapper (api-surface §2.1, §2.2.2) -----------------------------------------------

#[test]
fn proxy_approval_codes() {
    let rows = [
        ("approval_denied", C::ApprovalDeniedError),
        ("approval_expired", C::ApprovalExpiredError),
        ("approval_execution_failed", C::ApprovalExecutionFailedError),
    ];
    for (code, class) in rows {
        let body = json!({"detail": {"error": code, "message": "why"}}).to_string();
        let e = map_proxy_error(403, &[], body.as_bytes());
        check(&e, class, code, "why", 403);
        assert!(e.class.is_a(C::ApprovalError));
        assert_eq!(f(&e, "approval_id"), &Value::Null);
        assert_eq!(e.details.get("status_code"), Some(&json!(403)));
        let body = json!({"error": code, "message": ""}).to_string();
        let e = map_proxy_error(410, &[], body.as_bytes());
        assert_eq!(e.class, class);
        assert_eq!(e.message, "/sdk/proxy returned 410");
    }
}

#[test]
fn proxy_other_goes_to_canonical_with_status_code() {
    let e = map_proxy_error(404, &[], br#"{"detail":{"error":"grant_not_found"}}"#);
    assert_eq!(e.class, C::GrantNotFoundError);
    assert_eq!(e.details.get("status_code"), Some(&json!(404)));
    // scope_mismatch's canonical details carry no status_code; the proxy mapper adds it.
    let e = map_proxy_error(
        403,
        &[],
        br#"{"detail":{"error":"scope_mismatch","details":{"grant_id":"g"}}}"#,
    );
    assert_eq!(e.class, C::ScopeReauthRequiredError);
    assert_eq!(e.details.get("status_code"), Some(&json!(403)));
    assert_eq!(e.details.get("source"), Some(&json!("backend_flag")));
    let e = map_proxy_error(503, &[], b"<html>");
    assert_eq!(e.class, C::BackendError);
    assert_eq!(e.details.get("status_code"), Some(&json!(503)));
    let e = map_proxy_error(422, &[], br#"{"detail":{"error":"query_too_long"}}"#);
    assert_eq!(e.details.get("error"), Some(&json!("query_too_long")));
}

// ---- transport errors ------------------------------------------------------------------------

#[test]
fn network_and_timeout_errors() {
    let e = network_error(
        "Failed to reach Alter Vault backend: refused",
        Some("https://b.example"),
    );
    assert_eq!(e.class, C::NetworkError);
    assert_eq!(e.code, "network_error");
    assert_eq!(e.details.get("base_url"), Some(&json!("https://b.example")));
    assert_eq!(e.status, None);
    let e = network_error("Failed to call provider API", None);
    assert!(e.details.is_empty());
    let e = timeout_error("Provider API request timed out");
    assert_eq!(e.class, C::TimeoutError);
    assert!(e.class.is_a(C::NetworkError));
    assert_eq!(e.code, "timeout");
    assert_eq!(e.message, "Provider API request timed out");
}
