//! Backend error responses → [`ProtocolError`]: the error-body rules of §7.1, the canonical mapper
//! of §7.2 (status dispatch order of `api-surface.md` §3.3), the agents mapper (`api-surface.md`
//! §3.4) and the `/sdk/proxy` / approval-result mapper (`api-surface.md` §2.1, §2.2.2).
//!
//! Every class attribute goes into `ProtocolError.fields` (snake_case); `details` is the parsed body
//! (FastAPI `detail` object unwrapped) plus `status_code`, as the official SDK exposes it. Raw
//! non-JSON bytes are never kept.

use serde_json::{Map, Value};

use crate::error::{codes, ErrorClass as C, ProtocolError};
use crate::retry::{
    coerce_count, joined_header, parse_retry_after, QUOTA_RETRY_CEILING, RATE_LIMIT_RETRY_CEILING,
};
use crate::HeaderList;

/// §7.2: fixed message of a 429 whose body is not JSON (an intermediary's throttle).
pub const NON_JSON_RATE_LIMIT_MESSAGE: &str =
    "Rate limited by an intermediary (HTTP 429 with a non-JSON body); retry after the indicated delay.";
/// §7.2: fixed message of `BlockedDestinationError` (the backend message is never used).
pub const BLOCKED_DESTINATION_MESSAGE: &str =
    "Destination is not permitted. Check the provider host and URL.";
/// Local code of the non-JSON 429 (no backend `error` exists).
pub const RATE_LIMITED_CODE: &str = "rate_limited";

/// §7.1: the non-JSON body summary message.
fn non_json_message(status: u16) -> String {
    format!("Backend returned a non-JSON error (HTTP {status})")
}

/// Parse bytes as JSON the way the official client does (a UTF-8 BOM is tolerated). `None` when
/// the body is not JSON at all (empty, HTML, truncated, nested beyond serde_json's depth limit).
fn parse_json(body: &[u8]) -> Option<Value> {
    let b = body.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(body);
    serde_json::from_slice::<Value>(b).ok()
}

/// The parsed body and whether the bytes were JSON at all (the out-of-band non-JSON signal: it
/// is decided from the bytes, never from a key a JSON body could carry).
struct ErrorBody {
    data: Map<String, Value>,
    non_json: bool,
}

fn read_error_body(status: u16, body: &[u8]) -> ErrorBody {
    let mut data = Map::new();
    let parsed = match parse_json(body) {
        None => {
            data.insert("message".into(), Value::from(non_json_message(status)));
            data.insert("status_code".into(), Value::from(status));
            return ErrorBody {
                data,
                non_json: true,
            };
        }
        Some(v) => v,
    };
    let mut obj = match parsed {
        Value::Object(o) => o,
        _ => {
            data.insert("message".into(), Value::from("Unknown error"));
            data.insert("status_code".into(), Value::from(status));
            return ErrorBody {
                data,
                non_json: false,
            };
        }
    };
    // FastAPI envelope: a `detail` object replaces the whole body; a `detail` string stays.
    if let Some(Value::Object(_)) = obj.get("detail") {
        if let Some(Value::Object(inner)) = obj.remove("detail") {
            obj = inner;
        }
    }
    obj.insert("status_code".into(), Value::from(status));
    ErrorBody {
        data: obj,
        non_json: false,
    }
}

/// §7.1 error-body parsing: non-JSON → fixed message; JSON non-object → "Unknown error"; a
/// `detail` object replaces the body; `status_code` always added.
pub fn parse_error_body(status: u16, body: &[u8]) -> Map<String, Value> {
    read_error_body(status, body).data
}

// ---- small coercions (the table's strictness rules) ----------------------------------------

/// The `error` discriminator when it is a string.
fn error_code(data: &Map<String, Value>) -> Option<&str> {
    data.get("error").and_then(Value::as_str)
}

/// `message` if it is a non-empty string, else the branch fallback.
fn message_or(data: &Map<String, Value>, fallback: &str) -> String {
    match data.get("message") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => fallback.to_string(),
    }
}

/// A string value, or null.
fn str_or_null(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(s)) => Value::from(s.clone()),
        _ => Value::Null,
    }
}

/// A non-empty string value, or null.
fn nonempty_str_or_null(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(s)) if !s.is_empty() => Value::from(s.clone()),
        _ => Value::Null,
    }
}

/// A list of strings: a non-list is `[]`, non-string elements are dropped.
fn str_list(v: Option<&Value>) -> Value {
    match v {
        Some(Value::Array(items)) => {
            Value::Array(items.iter().filter(|x| x.is_string()).cloned().collect())
        }
        _ => Value::Array(Vec::new()),
    }
}

/// `true` only for the JSON literal `true`.
fn strict_true(v: Option<&Value>) -> Value {
    Value::Bool(matches!(v, Some(Value::Bool(true))))
}

/// A JSON integer (not a bool, not a float such as `3.0` or `3.5`), or null.
fn int_or_null(v: Option<&Value>) -> Value {
    match v {
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Value::Number(n.clone()),
        _ => Value::Null,
    }
}

/// A non-negative integral number (`60` or `60.0`), or null (bools, strings, `60.5`, negatives).
fn count_or_null(v: Option<&Value>) -> Value {
    v.and_then(coerce_count)
        .map(Value::from)
        .unwrap_or(Value::Null)
}

/// Nested `details` merged under the top-level keys (top level wins), for PolicyViolationError
/// and GrantExpiredError (§7.1).
fn merged_payload(data: &Map<String, Value>) -> Map<String, Value> {
    match data.get("details") {
        Some(Value::Object(nested)) => {
            let mut out = nested.clone();
            for (k, v) in data {
                out.insert(k.clone(), v.clone());
            }
            out
        }
        _ => data.clone(),
    }
}

/// The local code used when the body carries no string `error` (mirrors the JS class defaults).
fn default_code(class: C) -> &'static str {
    match class {
        C::GrantDeletedError => "grant_deleted",
        C::GrantNotFoundError | C::AgentDelegationMissingError => "grant_not_found",
        C::PolicyViolationError => "policy_violation",
        C::ReAuthRequiredError => "reauth_required",
        C::InsufficientScopeError => "insufficient_scope",
        C::ConnectConfigError => "connect_config_error",
        C::ScopeReauthRequiredError => "scope_mismatch",
        C::RateLimitError => "rate_limit_exceeded",
        C::QuotaExceededError => "quota_exceeded",
        C::ApprovalDeniedError => "approval_denied",
        C::ApprovalExpiredError => "approval_expired",
        C::ApprovalExecutionFailedError => "approval_execution_failed",
        _ => codes::BACKEND_ERROR,
    }
}

/// `AgentError` subclasses carry their backend code as a class constant (`api-surface.md` §3.1):
/// `AgentNotFoundError.code` is `agent_not_found` even when the wire said
/// `caller_agent_unresolved` (that stays readable in `details.error`).
fn agent_class_code(class: C) -> Option<&'static str> {
    Some(match class {
        C::InvalidKeyError => "invalid_key",
        C::AgentNotFoundError => "agent_not_found",
        C::CallerAgentMismatchError => "caller_agent_mismatch",
        C::CallerAgentResolutionError => "caller_agent_resolution_error",
        C::AgentNameExistsError => "agent_name_exists",
        C::AgentConcurrentUpdateError => "agent_concurrent_update",
        C::MeRequiresAgentKeyError => "me_requires_agent_key",
        C::KeyRevokedError | C::KeyAlreadyRevokedError => "key_revoked",
        C::KeyExpiredError => "key_expired",
        C::KeyRotationExpiredError => "key_rotated_grace_expired",
        C::KeyInactiveError => "key_not_active",
        C::KeyAppNotFoundError => "app_not_found_for_key",
        C::AgentInactiveError => "agent_inactive",
        C::AgentRevokedError => "agent_revoked",
        C::IdempotencyKeyBodyMismatchError => "idempotency_key_body_mismatch",
        C::IdempotencyKeyAgentRevokedError => "idempotency_key_agent_revoked",
        C::IdempotencyKeyAgentInactiveError => "idempotency_key_agent_inactive",
        C::AgentCannotMintSubagentsError => "agent_cannot_mint_subagents",
        C::KeyNotFoundError => "key_not_found",
        C::LastActiveKeyError => "last_active_key",
        C::AgentKeyLimitError => "agent_key_limit_reached",
        _ => return None,
    })
}

/// Build the error: code = the AgentError class constant, else the backend `error` string, else
/// the class default; `status` = the HTTP status.
fn build(
    class: C,
    status: u16,
    data: &Map<String, Value>,
    message: String,
    details: Map<String, Value>,
) -> ProtocolError {
    let code = match agent_class_code(class) {
        Some(c) => c.to_string(),
        None => match error_code(data) {
            Some(e) if !e.is_empty() => e.to_string(),
            _ => default_code(class).to_string(),
        },
    };
    let mut e = ProtocolError::new(class, code, message).with_status(status);
    e.details = details;
    e
}

fn set(e: &mut ProtocolError, key: &str, v: Value) {
    e.fields.insert(key.to_string(), v);
}

/// `provider_id`, `agent_id`, `app_user_id` as strings or null.
fn set_recovery_ids(e: &mut ProtocolError, data: &Map<String, Value>) {
    set(e, "provider_id", str_or_null(data.get("provider_id")));
    set(e, "agent_id", str_or_null(data.get("agent_id")));
    set(e, "app_user_id", str_or_null(data.get("app_user_id")));
}

// ---- per-class builders shared by the mappers --------------------------------------------

/// `InsufficientScopeError` from its 403 body (one factory for the canonical and agents mappers).
fn insufficient_scope(status: u16, data: &Map<String, Value>) -> ProtocolError {
    let mut e = build(
        C::InsufficientScopeError,
        status,
        data,
        message_or(data, "Insufficient scope"),
        data.clone(),
    );
    set(&mut e, "required", str_list(data.get("required")));
    set(&mut e, "granted", str_list(data.get("granted")));
    set(&mut e, "missing", str_list(data.get("missing")));
    set(
        &mut e,
        "scope_version",
        int_or_null(data.get("scope_version")),
    );
    set(
        &mut e,
        "current_scope_version",
        int_or_null(data.get("current_scope_version")),
    );
    set(
        &mut e,
        "scope_version_mismatch",
        strict_true(data.get("scope_version_mismatch")),
    );
    set(
        &mut e,
        "documentation_url",
        str_or_null(data.get("documentation_url")),
    );
    set(
        &mut e,
        "required_any_of",
        strict_true(data.get("required_any_of")),
    );
    e
}

/// The typed throttle of a non-JSON 429, identical on every surface: details exactly
/// `{"status_code": 429}`, `retry_after` from the header only, scope/limit/window null.
fn non_json_rate_limit(headers: &HeaderList) -> ProtocolError {
    let retry = parse_retry_after(
        joined_header(headers, "Retry-After").as_deref(),
        None,
        RATE_LIMIT_RETRY_CEILING,
    );
    let mut e = ProtocolError::new(
        C::RateLimitError,
        RATE_LIMITED_CODE,
        NON_JSON_RATE_LIMIT_MESSAGE,
    )
    .with_status(429)
    .with_detail("status_code", 429);
    set(
        &mut e,
        "retry_after",
        retry.map(Value::from).unwrap_or(Value::Null),
    );
    set(&mut e, "scope", Value::Null);
    set(&mut e, "limit", Value::Null);
    set(&mut e, "window_seconds", Value::Null);
    e
}

/// `RateLimitError` from a JSON `rate_limit_exceeded` body (header over body, clamp 3,600 s).
fn rate_limited(status: u16, headers: &HeaderList, data: &Map<String, Value>) -> ProtocolError {
    let retry = parse_retry_after(
        joined_header(headers, "Retry-After").as_deref(),
        data.get("retry_after"),
        RATE_LIMIT_RETRY_CEILING,
    );
    let mut e = build(
        C::RateLimitError,
        status,
        data,
        message_or(data, "Rate limit exceeded — retry after the window resets."),
        data.clone(),
    );
    set(
        &mut e,
        "retry_after",
        retry.map(Value::from).unwrap_or(Value::Null),
    );
    set(&mut e, "scope", str_or_null(data.get("scope")));
    set(&mut e, "limit", count_or_null(data.get("limit")));
    set(
        &mut e,
        "window_seconds",
        count_or_null(data.get("window_seconds")),
    );
    e
}

/// An `AgentError` subclass with its `hint`.
fn agent_error(
    class: C,
    status: u16,
    data: &Map<String, Value>,
    message: String,
    hint: Value,
) -> ProtocolError {
    let mut e = build(class, status, data, message, data.clone());
    set(&mut e, "hint", hint);
    e
}

/// The same class, message fallback and details for a row without structured fields.
fn plain(class: C, status: u16, data: &Map<String, Value>, fallback: &str) -> ProtocolError {
    build(
        class,
        status,
        data,
        message_or(data, fallback),
        data.clone(),
    )
}

fn grant_revoked(status: u16, data: &Map<String, Value>) -> ProtocolError {
    let mut e = plain(
        C::GrantRevokedError,
        status,
        data,
        "Grant has been revoked. User must re-authorize.",
    );
    set(&mut e, "grant_id", str_or_null(data.get("grant_id")));
    e
}

fn credential_revoked(status: u16, data: &Map<String, Value>) -> ProtocolError {
    let mut e = plain(
        C::CredentialRevokedError,
        status,
        data,
        "Underlying OAuth connection has been revoked. User must re-authorize.",
    );
    set(&mut e, "grant_id", str_or_null(data.get("grant_id")));
    set(&mut e, "provider_id", str_or_null(data.get("provider_id")));
    set(&mut e, "app_user_id", str_or_null(data.get("app_user_id")));
    e
}

fn no_delegated_grant(status: u16, data: &Map<String, Value>) -> ProtocolError {
    let mut e = plain(
        C::NoDelegatedGrantError,
        status,
        data,
        "Agent has no active delegation or managed-secret grant for this provider.",
    );
    set_recovery_ids(&mut e, data);
    e
}

// ---- the canonical mapper ---------------------------------------------------------------

fn map_403(data: &Map<String, Value>) -> ProtocolError {
    let status = 403;
    match error_code(data) {
        Some("insufficient_scope") => insufficient_scope(status, data),
        Some("grant_expired") => {
            let mut e = build(
                C::GrantExpiredError,
                status,
                data,
                message_or(data, "Grant expired per TTL policy"),
                merged_payload(data),
            );
            set_recovery_ids(&mut e, data);
            e
        }
        Some("grant_revoked") => grant_revoked(status, data),
        Some("credential_revoked") => credential_revoked(status, data),
        Some("restricted_grant_requires_proxy") => plain(
            C::RestrictedGrantRequiresProxyError,
            status,
            data,
            "This grant carries method/endpoint restrictions and can only be used through the proxy. Use proxy_request().",
        ),
        Some("grant_not_delegable") => {
            let mut e = plain(
                C::GrantNotDelegableError,
                status,
                data,
                "This grant is not delegable — the user must allow onward sharing (delegable=True on the Connect session, or in the wallet), within the credential's operator ceiling.",
            );
            set(&mut e, "detail_reason", nonempty_str_or_null(data.get("detail_reason")));
            e
        }
        Some("scope_mismatch") => {
            // details = the nested `details` object + the SDK-owned `source` marker (no
            // status_code: the official SDK passes only these), status 403.
            let mut details = match data.get("details") {
                Some(Value::Object(n)) => n.clone(),
                _ => Map::new(),
            };
            details.insert("source".into(), Value::from("backend_flag"));
            let grant_id = str_or_null(details.get("grant_id"));
            let provider_id = str_or_null(details.get("provider_id"));
            let mut e = build(
                C::ScopeReauthRequiredError,
                status,
                data,
                message_or(data, "Grant is missing required scopes"),
                details,
            );
            set(&mut e, "grant_id", grant_id);
            set(&mut e, "provider_id", provider_id);
            set(&mut e, "missing_scopes", Value::Null);
            set(&mut e, "response_body", Value::Null);
            e
        }
        Some("step_up_required") => {
            let mut e = plain(
                C::StepUpRequiredError,
                status,
                data,
                "This request requires a fresh (stepped-up) session — re-authenticate the user and retry.",
            );
            set(&mut e, "policy_error", Value::from("step_up_required"));
            set(&mut e, "max_session_age_seconds", int_or_null(data.get("max_session_age_seconds")));
            e
        }
        Some("redact_discharge_failed") => {
            let mut e = plain(
                C::RedactDischargeFailedError,
                status,
                data,
                "The redact obligation could not be applied to the request body, so the request was denied.",
            );
            set(&mut e, "policy_error", Value::from("redact_discharge_failed"));
            e
        }
        _ => {
            let mut e = build(
                C::PolicyViolationError,
                status,
                data,
                message_or(data, "Access denied by policy"),
                merged_payload(data),
            );
            set(&mut e, "policy_error", str_or_null(data.get("error")));
            e
        }
    }
}

fn ambiguous_grant(data: &Map<String, Value>) -> ProtocolError {
    let mut e = plain(
        C::AmbiguousGrantError,
        409,
        data,
        "JWT identity resolved to multiple grants. Pass the 'account' parameter to disambiguate.",
    );
    let mut candidates = Vec::new();
    if let Some(Value::Array(items)) = data.get("candidates") {
        for item in items {
            let o = match item.as_object() {
                Some(o) => o,
                None => continue,
            };
            let gid = match o.get("grant_id") {
                Some(Value::String(s)) => s.clone(),
                _ => continue,
            };
            let mut c = Map::new();
            c.insert("grant_id".into(), Value::from(gid));
            c.insert("label".into(), str_or_null(o.get("label")));
            c.insert(
                "account_identifier".into(),
                str_or_null(o.get("account_identifier")),
            );
            c.insert(
                "account_display_name".into(),
                str_or_null(o.get("account_display_name")),
            );
            candidates.push(Value::Object(c));
        }
    }
    set(&mut e, "provider_id", str_or_null(data.get("provider_id")));
    set(
        &mut e,
        "account_identifiers",
        str_list(data.get("account_identifiers")),
    );
    set(
        &mut e,
        "account_was_provided",
        strict_true(data.get("account_was_provided")),
    );
    set(&mut e, "app_user_ids", str_list(data.get("app_user_ids")));
    set(&mut e, "grant_ids", str_list(data.get("grant_ids")));
    set(&mut e, "candidates", Value::Array(candidates));
    set(
        &mut e,
        "candidates_truncated",
        strict_true(data.get("candidates_truncated")),
    );
    e
}

fn credential_id_required(data: &Map<String, Value>) -> ProtocolError {
    let mut e = plain(
        C::CredentialIdRequiredError,
        409,
        data,
        "This managed-secret provider holds several developer credentials; pass credential_id to choose the one the grant serves.",
    );
    let mut choices = Vec::new();
    let raw = data
        .get("details")
        .and_then(Value::as_object)
        .and_then(|d| d.get("credentials"));
    if let Some(Value::Array(items)) = raw {
        for item in items {
            let o = match item.as_object() {
                Some(o) => o,
                None => continue,
            };
            if let (Some(Value::String(id)), Some(Value::String(label))) =
                (o.get("id"), o.get("label"))
            {
                let mut c = Map::new();
                c.insert("credential_id".into(), Value::from(id.clone()));
                c.insert("label".into(), Value::from(label.clone()));
                choices.push(Value::Object(c));
            }
        }
    }
    set(&mut e, "credentials", Value::Array(choices));
    e
}

// Decision §14.6: the official Python SDK re-wraps the ConnectConfigError rows as
// `BackendError("Failed to retrieve token: …")` on the /sdk/token path. We do not: the typed
// ConnectConfigError (⊂ ConnectFlowError, not a BackendError) surfaces directly on every path, so
// callers branch on the class the table names.
fn connect_config(status: u16, data: &Map<String, Value>, fallback: &str) -> ProtocolError {
    plain(C::ConnectConfigError, status, data, fallback)
}

fn map_409(data: &Map<String, Value>) -> ProtocolError {
    let s = 409;
    match error_code(data) {
        Some("managed_oauth_scope_approval_required") => connect_config(
            s,
            data,
            "The requested permissions require managed OAuth approval.",
        ),
        Some("idp_signin_not_configured") => connect_config(
            s,
            data,
            "The application's identity provider is not set up for delegation approval sign-in.",
        ),
        Some("no_eligible_grants") => connect_config(
            s,
            data,
            "The user has no managed-secret grant this agent can be delegated from.",
        ),
        Some("binding_hosts_required") => connect_config(
            s,
            data,
            "This managed-secret provider needs host patterns before a user can enter a key.",
        ),
        Some("provider_contract_repair_required") => connect_config(
            s,
            data,
            "This managed-secret provider's developer credential must be rotated once before a user can enter a key.",
        ),
        Some("token_refresh_in_progress") => {
            let mut e = plain(
                C::TokenRefreshInProgressError,
                s,
                data,
                "Token refresh in progress. Retry after a short delay.",
            );
            set(&mut e, "grant_id", str_or_null(data.get("grant_id")));
            e
        }
        Some("ambiguous_grant") => ambiguous_grant(data),
        Some("sibling_label_conflict") => {
            let mut e = plain(
                C::SiblingLabelConflictError,
                s,
                data,
                "An active sibling grant with this label already exists on this credential. Pick a different label or revoke the existing grant first.",
            );
            set(&mut e, "label", str_or_null(data.get("label")));
            e
        }
        Some("credential_id_required") => credential_id_required(data),
        Some("end_user_credential_not_assignable") => plain(
            C::EndUserCredentialNotAssignableError,
            s,
            data,
            "That credential is an end user's own key; it has one grant (the user's) and is never assigned.",
        ),
        Some("no_delegated_grant") => no_delegated_grant(s, data),
        _ => plain(C::BackendError, s, data, "Conflict (HTTP 409)"),
    }
}

fn map_404(data: &Map<String, Value>) -> ProtocolError {
    let s = 404;
    match error_code(data) {
        Some("no_delegated_grant") => no_delegated_grant(s, data),
        Some("caller_agent_unresolved") => agent_error(
            C::AgentNotFoundError,
            s,
            data,
            message_or(
                data,
                "caller does not name an active managed agent for this app",
            ),
            Value::Null,
        ),
        Some("agent_not_found") => agent_error(
            C::AgentNotFoundError,
            s,
            data,
            message_or(
                data,
                "No active managed agent matches the requested agent in this app",
            ),
            Value::Null,
        ),
        Some("secret_not_found") => connect_config(
            s,
            data,
            "No active managed-secret provider of this app has the requested slug.",
        ),
        _ => {
            let mut e = plain(
                C::GrantNotFoundError,
                s,
                data,
                "OAuth grant not found for the given grant_id",
            );
            set_recovery_ids(&mut e, data);
            e
        }
    }
}

fn map_400_502(status: u16, data: &Map<String, Value>) -> ProtocolError {
    match error_code(data) {
        Some("caller_agent_mismatch") => agent_error(
            C::CallerAgentMismatchError,
            status,
            data,
            message_or(data, "Caller agent identity does not match the API key."),
            Value::Null,
        ),
        Some("grant_revoked") => grant_revoked(status, data),
        Some("credential_revoked") => credential_revoked(status, data),
        Some(
            "restricted_grant_requires_proxy"
            | "delegated_grant_requires_proxy"
            | "hitl_grant_requires_proxy"
            | "user_limits_require_proxy",
        ) => plain(
            C::RestrictedGrantRequiresProxyError,
            status,
            data,
            "This grant is proxy-only (it is restricted, delegated, scope-narrowed, requires approval, or its user set a usage limit) and can only be used through the proxy. Use proxy_request() instead of request().",
        ),
        _ => plain(C::BackendError, status, data, &format!("Backend error {status}")),
    }
}

fn map_401(data: &Map<String, Value>) -> ProtocolError {
    let s = 401;
    if error_code(data) == Some("jwt_validation_error") {
        return plain(
            C::ReAuthRequiredError,
            s,
            data,
            "user_token validation failed",
        );
    }
    let hint = nonempty_str_or_null(data.get("hint"));
    let (class, fallback) = match error_code(data) {
        Some("invalid_key") => (C::InvalidKeyError, "Invalid API key"),
        Some("key_revoked") => (C::KeyRevokedError, "API key has been revoked"),
        Some("key_expired") => (C::KeyExpiredError, "API key has expired"),
        Some("key_rotated_grace_expired") => (
            C::KeyRotationExpiredError,
            "API key rotation grace period has expired",
        ),
        Some("key_not_active") => (C::KeyInactiveError, "API key is not active"),
        Some("agent_inactive") => (C::AgentInactiveError, "Agent is inactive"),
        Some("agent_revoked") => (C::AgentRevokedError, "Agent is revoked"),
        _ => {
            return plain(
                C::BackendError,
                s,
                data,
                "Unauthorized — check your API key",
            )
        }
    };
    agent_error(class, s, data, message_or(data, fallback), hint)
}

/// 429: `None` when the JSON body names neither `quota_exceeded` nor `rate_limit_exceeded` (the
/// caller then falls through to the catch-all).
fn map_429(headers: &HeaderList, eb: &ErrorBody) -> Option<ProtocolError> {
    if eb.non_json {
        return Some(non_json_rate_limit(headers));
    }
    let data = &eb.data;
    match error_code(data) {
        Some("quota_exceeded") => {
            let retry = parse_retry_after(
                joined_header(headers, "Retry-After").as_deref(),
                data.get("retry_after"),
                QUOTA_RETRY_CEILING,
            );
            let mut e = plain(
                C::QuotaExceededError,
                429,
                data,
                "Request quota exceeded for the current window.",
            );
            set(
                &mut e,
                "retry_after",
                retry.map(Value::from).unwrap_or(Value::Null),
            );
            Some(e)
        }
        Some("rate_limit_exceeded") => Some(rate_limited(429, headers, data)),
        _ => None,
    }
}

/// 500/503: `details.retry_after_seconds` from the `Retry-After` header (clamp 3,600) when
/// parseable, for every class of the branch.
fn add_retry_after_seconds(headers: &HeaderList, data: &mut Map<String, Value>) {
    let r = parse_retry_after(
        joined_header(headers, "Retry-After").as_deref(),
        None,
        RATE_LIMIT_RETRY_CEILING,
    );
    if let Some(r) = r {
        data.insert("retry_after_seconds".into(), Value::from(r));
    }
}

fn map_500_503(status: u16, headers: &HeaderList, mut data: Map<String, Value>) -> ProtocolError {
    add_retry_after_seconds(headers, &mut data);
    match error_code(&data) {
        Some("caller_agent_resolution_error") => agent_error(
            C::CallerAgentResolutionError,
            status,
            &data,
            message_or(&data, "Managed-agent identity could not be resolved"),
            Value::Null,
        ),
        Some("app_not_found_for_key") => agent_error(
            C::KeyAppNotFoundError,
            status,
            &data,
            message_or(&data, "App not found for API key"),
            Value::Null,
        ),
        _ => plain(
            C::BackendError,
            status,
            &data,
            &format!("Backend unavailable (HTTP {status})"),
        ),
    }
}

fn map_catch_all(status: u16, headers: &HeaderList, mut data: Map<String, Value>) -> ProtocolError {
    match error_code(&data) {
        Some("secret_template_mismatch") => connect_config(
            status,
            &data,
            "The provider slug names a managed-secret provider that is not of the requested template.",
        ),
        Some("blocked_destination") => {
            if let Some(rid) = joined_header(headers, "X-Request-ID") {
                if !rid.is_empty() {
                    data.insert("request_id".into(), Value::from(rid));
                }
            }
            let details = data.clone();
            build(
                C::BlockedDestinationError,
                status,
                &data,
                BLOCKED_DESTINATION_MESSAGE.to_string(),
                details,
            )
        }
        _ => plain(
            C::BackendError,
            status,
            &data,
            &format!("Unexpected backend error (HTTP {status})"),
        ),
    }
}

/// The canonical mapper (§7.2), status dispatch 403 → 409 → 410 → 404 → 400/502 → 401 → 429 →
/// 500/503 → any other. Meant for statuses ≥ 400; anything else lands in the catch-all.
pub fn map_backend_error(status: u16, headers: &HeaderList, body: &[u8]) -> ProtocolError {
    let eb = read_error_body(status, body);
    match status {
        403 => map_403(&eb.data),
        409 => map_409(&eb.data),
        410 => plain(
            C::GrantDeletedError,
            410,
            &eb.data,
            "Grant has been deleted. A new grant_id will be issued on re-authorization.",
        ),
        404 => map_404(&eb.data),
        400 | 502 => map_400_502(status, &eb.data),
        401 => map_401(&eb.data),
        429 => match map_429(headers, &eb) {
            Some(e) => e,
            None => map_catch_all(status, headers, eb.data),
        },
        500 | 503 => map_500_503(status, headers, eb.data),
        _ => map_catch_all(status, headers, eb.data),
    }
}

// ---- the agents mapper ------------------------------------------------------------------

/// The code table of the agents mapper (`api-surface.md` §3.3 "A" entries), any status.
fn agents_code_class(code: &str) -> Option<C> {
    Some(match code {
        "invalid_key" => C::InvalidKeyError,
        "agent_not_found" | "caller_agent_unresolved" => C::AgentNotFoundError,
        "caller_agent_mismatch" => C::CallerAgentMismatchError,
        "caller_agent_resolution_error" => C::CallerAgentResolutionError,
        "agent_name_exists" => C::AgentNameExistsError,
        "me_requires_agent_key" => C::MeRequiresAgentKeyError,
        "key_revoked" => C::KeyRevokedError,
        "key_expired" => C::KeyExpiredError,
        "key_rotated_grace_expired" => C::KeyRotationExpiredError,
        "key_not_active" => C::KeyInactiveError,
        "app_not_found_for_key" => C::KeyAppNotFoundError,
        "key_not_found" => C::KeyNotFoundError,
        "last_active_key" => C::LastActiveKeyError,
        "agent_key_limit_reached" => C::AgentKeyLimitError,
        "agent_inactive" => C::AgentInactiveError,
        "agent_revoked" => C::AgentRevokedError,
        "idempotency_key_body_mismatch" => C::IdempotencyKeyBodyMismatchError,
        "idempotency_key_agent_revoked" => C::IdempotencyKeyAgentRevokedError,
        "idempotency_key_agent_inactive" => C::IdempotencyKeyAgentInactiveError,
        "agent_cannot_mint_subagents" => C::AgentCannotMintSubagentsError,
        _ => return None,
    })
}

/// The agents mapper (`api-surface.md` §3.4, used by `agents.*` and `Agent.me`). Unlike the
/// canonical mapper a non-JSON or non-object body becomes `{}` + `status_code`, the message falls
/// back to `"Backend error <status>"`, and grant/policy codes are not mapped.
pub fn map_agents_error(status: u16, headers: &HeaderList, body: &[u8]) -> ProtocolError {
    let parsed = parse_json(body);
    let non_json = parsed.is_none();
    let mut data = match parsed {
        Some(Value::Object(o)) => o,
        _ => Map::new(),
    };
    if let Some(Value::Object(_)) = data.get("detail") {
        if let Some(Value::Object(inner)) = data.remove("detail") {
            data = inner;
        }
    }
    data.insert("status_code".into(), Value::from(status));
    let code = error_code(&data).unwrap_or("").to_string();
    let message = message_or(&data, &format!("Backend error {status}"));
    let hint = str_or_null(data.get("hint"));

    if code == "insufficient_scope" {
        return insufficient_scope(status, &data);
    }
    if non_json && status == 429 {
        return non_json_rate_limit(headers);
    }
    if code == "rate_limit_exceeded" {
        return rate_limited(status, headers, &data);
    }
    if status == 500 || status == 503 {
        add_retry_after_seconds(headers, &mut data);
    }
    let class = if code == "agent_concurrent_update" && status == 409 {
        Some(C::AgentConcurrentUpdateError)
    } else if code == "key_revoked" && status == 409 {
        Some(C::KeyAlreadyRevokedError)
    } else {
        agents_code_class(&code)
    };
    match class {
        Some(class) => agent_error(class, status, &data, message, hint),
        None => build(C::BackendError, status, &data, message, data.clone()),
    }
}

// ---- the /sdk/proxy and approval-result mapper ---------------------------------------------

/// `/sdk/proxy` (and approval-result) errors (`api-surface.md` §2.1, §2.2.2): `approval_denied`,
/// `approval_expired`, `approval_execution_failed` → the approval class (message from the body,
/// fallback `"/sdk/proxy returned <status>"`, `approval_id` null: the caller sets it when it knows
/// it); anything else → the canonical mapper. `details.status_code` is always present.
pub fn map_proxy_error(status: u16, headers: &HeaderList, body: &[u8]) -> ProtocolError {
    let payload = match parse_json(body) {
        Some(Value::Object(o)) => o,
        _ => Map::new(),
    };
    let detail = match payload.get("detail") {
        Some(Value::Object(d)) => d,
        _ => &payload,
    };
    let class = match error_code(detail) {
        Some("approval_denied") => Some(C::ApprovalDeniedError),
        Some("approval_expired") => Some(C::ApprovalExpiredError),
        Some("approval_execution_failed") => Some(C::ApprovalExecutionFailedError),
        _ => None,
    };
    if let Some(class) = class {
        let msg = message_or(detail, &format!("/sdk/proxy returned {status}"));
        let mut e = ProtocolError::new(class, default_code(class), msg)
            .with_status(status)
            .with_detail("status_code", status);
        set(&mut e, "approval_id", Value::Null);
        return e;
    }
    let mut e = map_backend_error(status, headers, body);
    if !e.details.contains_key("status_code") {
        e.details.insert("status_code".into(), Value::from(status));
    }
    e
}

// ---- transport errors and the Agent re-raise -----------------------------------------------

/// `NetworkError` for a backend transport failure; `details.base_url` when given.
pub fn network_error(message: &str, base_url: Option<&str>) -> ProtocolError {
    let mut e = ProtocolError::new(C::NetworkError, codes::NETWORK_ERROR, message);
    if let Some(b) = base_url {
        e.details.insert("base_url".into(), Value::from(b));
    }
    e
}

/// `TimeoutError` (⊂ NetworkError) for a transport timeout.
pub fn timeout_error(message: &str) -> ProtocolError {
    ProtocolError::new(C::TimeoutError, codes::TIMEOUT, message)
}

/// `Agent.request` / `Agent.proxy_request` re-raise a `GrantNotFoundError` as
/// `AgentDelegationMissingError` (its subclass), keeping message, code, status, details, fields.
/// Any other error is returned unchanged.
pub fn as_agent_delegation_missing(mut e: ProtocolError) -> ProtocolError {
    if e.class == C::GrantNotFoundError {
        e.class = C::AgentDelegationMissingError;
    }
    e
}
