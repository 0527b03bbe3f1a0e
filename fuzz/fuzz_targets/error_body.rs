//! Error-response handling (§6.2, §7.1-§7.3, §7.6; api-surface.md §2.1, §3.4) on arbitrary status,
//! headers and body: `map_backend_error`, `map_agents_error`, `map_proxy_error`,
//! `parse_error_body`, `parse_rate_limit`, `parse_retry_after`, `parse_bearer_challenge`.
//!
//! Inputs starting with a digit are read as text (`STATUS\nName: value\n\nbody`, the seed format);
//! others drive a generator whose body is either raw bytes or JSON built from the §7.2 error codes and field names (top level
//! or inside a FastAPI `detail` envelope). Checked: no panic; every mapped error is an
//! `AlterSDKError` with a non-empty message and the response status; `parse_error_body` carries `status_code` = status and the
//! proxy mapper's details always have a `status_code`; retry hints never exceed their ceilings and agree with a
//! reference reading of a plain digits header; challenge parameter names are lower-case.
#![no_main]

use alter_protocol::error::ErrorClass;
use alter_protocol::json::to_json_ascii;
use alter_protocol::mapping::{
    as_agent_delegation_missing, map_agents_error, map_backend_error, map_proxy_error,
    parse_error_body,
};
use alter_protocol::retry::{
    parse_rate_limit, parse_retry_after, QUOTA_RETRY_CEILING, RATE_LIMIT_RETRY_CEILING,
};
use alter_protocol::challenge::parse_bearer_challenge;
use alter_protocol::ProtocolError;
use arbitrary::{Result, Unstructured};
use fuzz_common::{gen_value, parse_text, pick_string, Vocab};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

const STATUSES: &[u16] = &[
    400, 401, 403, 404, 409, 410, 422, 429, 500, 502, 503, 504, 200, 0, 399, 599, 999, 65535,
];

/// `error` codes of protocol-core.md §7.2 and api-surface.md §2.1/§3.
const CODES: &[&str] = &[
    "insufficient_scope", "grant_expired", "grant_revoked", "credential_revoked",
    "restricted_grant_requires_proxy", "grant_not_delegable", "scope_mismatch", "step_up_required",
    "redact_discharge_failed", "token_refresh_in_progress", "ambiguous_grant", "no_delegated_grant",
    "sibling_label_conflict", "credential_id_required", "end_user_credential_not_assignable",
    "managed_oauth_scope_approval_required", "idp_signin_not_configured", "no_eligible_grants",
    "binding_hosts_required", "provider_contract_repair_required", "caller_agent_unresolved",
    "agent_not_found", "secret_not_found", "caller_agent_mismatch", "delegated_grant_requires_proxy",
    "hitl_grant_requires_proxy", "user_limits_require_proxy", "jwt_validation_error", "invalid_key",
    "key_revoked", "key_expired", "key_rotated_grace_expired", "key_not_active", "agent_inactive",
    "agent_revoked", "quota_exceeded", "rate_limit_exceeded", "billing_quota_exceeded",
    "caller_agent_resolution_error", "app_not_found_for_key", "blocked_destination",
    "secret_template_mismatch", "agent_name_exists", "me_requires_agent_key", "key_not_found",
    "last_active_key", "agent_key_limit_reached", "agent_concurrent_update",
    "idempotency_key_body_mismatch", "agent_cannot_mint_subagents", "approval_denied",
    "approval_expired", "approval_execution_failed", "", "unknown_code",
];

/// Body fields the mappers read (§7.2 "extra fields" column) plus the envelope keys.
const FIELDS: &[&str] = &[
    "error", "message", "detail", "details", "status_code", "required", "granted", "missing",
    "scope_version", "current_scope_version", "scope_version_mismatch", "documentation_url",
    "required_any_of", "provider_id", "agent_id", "app_user_id", "grant_id", "detail_reason",
    "max_session_age_seconds", "account_identifiers", "app_user_ids", "grant_ids",
    "account_was_provided", "candidates", "candidates_truncated", "label", "credentials", "hint",
    "retry_after", "scope", "limit", "window_seconds", "source", "id", "account_identifier",
    "account_display_name",
];

const STRINGS: &[&str] = &[
    "", "x", "repo", "read:user write:repo", "ip", "api_key", "organization", "google", "60",
    "3f2c1a9e-8b7d-4c6e-9f01-23456789abcd", "Some message", "\u{0}", "日本", "a\r\nb",
];

const HEADER_NAMES: &[&str] = &[
    "Retry-After", "retry-after", "X-RateLimit-Limit", "X-RateLimit-Remaining",
    "X-RateLimit-Reset", "RateLimit", "RateLimit-Policy", "X-Request-ID", "WWW-Authenticate",
    "X-Alter-Rate-Limited-Scope",
];

const HEADER_VALUES: &[&str] = &[
    "", "0", "60", " 120 ", "007", "3600", "3601", "99999999999999999999999", "-1", "1.5", "٣",
    "Wed, 21 Oct 2015 07:28:00 GMT", "1000", "999999999999", "1000000000000", "253402300799",
    "253402300800", "\"default\";q=100;w=60", "\"default\";r=42;t=30",
    "\"a\";q=1, \"b\";q=2;w=1", "\"b\";r=0;t=18446744073709551615, \"a\";r=1;t=1",
    "Bearer error=\"insufficient_scope\", scope=\"read write\"", "Bearer realm=x,Scope=\"a\\\"b\"",
    "bearer", "Basic realm=x", "Bearer  ,", "Bearer a=\"unterminated",
];

fn gen_headers(u: &mut Unstructured) -> Result<Vec<(String, String)>> {
    let n = u.int_in_range(0..=6usize)?;
    let mut h = Vec::with_capacity(n);
    for _ in 0..n {
        h.push((pick_string(u, HEADER_NAMES)?, pick_string(u, HEADER_VALUES)?));
    }
    Ok(h)
}

fn gen_body(u: &mut Unstructured) -> Result<Vec<u8>> {
    if u.ratio(1u8, 3u8)? {
        return Ok(u.arbitrary::<Vec<u8>>()?);
    }
    let vocab = Vocab { strings: STRINGS, keys: FIELDS };
    let mut obj = Map::new();
    if u.ratio(7u8, 8u8)? {
        obj.insert("error".into(), Value::String(pick_string(u, CODES)?));
    }
    if u.ratio(3u8, 4u8)? {
        let m = if u.arbitrary()? { Value::String(pick_string(u, STRINGS)?) } else { gen_value(u, &vocab, 0)? };
        obj.insert("message".into(), m);
    }
    let extra = u.int_in_range(0..=5usize)?;
    for _ in 0..extra {
        let k = u.choose(FIELDS)?.to_string();
        let v = gen_value(u, &vocab, 2)?;
        obj.insert(k, v);
    }
    let body = if u.arbitrary()? {
        let mut outer = Map::new();
        outer.insert("detail".into(), Value::Object(obj));
        Value::Object(outer)
    } else if u.ratio(1u8, 8u8)? {
        gen_value(u, &vocab, 2)? // any JSON, often not an object
    } else {
        Value::Object(obj)
    };
    Ok(if u.arbitrary()? { to_json_ascii(&body) } else { body.to_string() }.into_bytes())
}

fn check_error(e: &ProtocolError, status: u16, who: &str) {
    assert!(e.class.is_a(ErrorClass::AlterSDKError), "{who}: class {} outside the tree", e.class.name());
    assert!(!e.message.is_empty(), "{who}: empty message ({})", e.class.name());
    assert_eq!(e.status, Some(status), "{who}: status not carried ({})", e.class.name());
    let ceiling = match e.class {
        ErrorClass::QuotaExceededError => QUOTA_RETRY_CEILING,
        _ => RATE_LIMIT_RETRY_CEILING,
    };
    if let Some(r) = e.fields.get("retry_after").and_then(Value::as_u64) {
        assert!(r <= ceiling, "{who}: retry_after {r} above ceiling {ceiling}");
    }
    if let Some(r) = e.details.get("retry_after_seconds").and_then(Value::as_u64) {
        assert!(r <= RATE_LIMIT_RETRY_CEILING, "{who}: retry_after_seconds {r} above 3600");
    }
    let _ = to_json_ascii(&e.to_json());
}

/// §7.3 reference for a header of ASCII digits only: strip leading zeros, clamp to the ceiling.
fn reference_retry_after(h: &str, ceiling: u64) -> Option<u64> {
    if h.is_empty() || !h.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sig = h.trim_start_matches('0');
    if sig.len() > 20 {
        return Some(ceiling);
    }
    let v: u128 = if sig.is_empty() { 0 } else { sig.parse().ok()? };
    Some(v.min(u128::from(ceiling)) as u64)
}

/// One response: status, headers, body, clock.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    now: u64,
}

fn generated(u: &mut Unstructured) -> Result<Response> {
    let status = if u.ratio(3u8, 4u8)? { *u.choose(STATUSES)? } else { u.arbitrary()? };
    let headers = gen_headers(u)?;
    let body = gen_body(u)?;
    let now: u64 = if u.arbitrary()? { NOW } else { u.arbitrary()? };
    Ok(Response { status, headers, body, now })
}

/// The seed format: `STATUS\nName: value\n...\n\nbody` (see `fuzz_common::parse_text`).
fn from_text(data: &[u8]) -> Response {
    let m = parse_text(data);
    let digits: String = m.first_line.chars().take_while(char::is_ascii_digit).collect();
    let status = digits.parse::<u16>().unwrap_or(u16::MAX);
    Response { status, headers: m.headers, body: m.body, now: NOW }
}

const NOW: u64 = 1_767_225_600;

fn run(resp: Response, u: &mut Unstructured) -> Result<()> {
    let Response { status, headers, body, now } = resp;

    let parsed = parse_error_body(status, &body);
    assert_eq!(parsed.get("status_code").and_then(Value::as_u64), Some(u64::from(status)), "parse_error_body lost status_code");

    let e = map_backend_error(status, &headers, &body);
    check_error(&e, status, "map_backend_error");
    let e2 = as_agent_delegation_missing(e.clone());
    assert!(e2.class.is_a(ErrorClass::AlterSDKError));
    if e.class == ErrorClass::GrantNotFoundError {
        assert_eq!(e2.class, ErrorClass::AgentDelegationMissingError);
    }

    let e = map_agents_error(status, &headers, &body);
    check_error(&e, status, "map_agents_error");

    let e = map_proxy_error(status, &headers, &body);
    check_error(&e, status, "map_proxy_error");
    // Present, not necessarily equal to the HTTP status: like the Python SDK (setdefault), a
    // `scope_mismatch` body's own nested `details.status_code` (any JSON value) is kept.
    assert!(e.details.contains_key("status_code"), "map_proxy_error without details.status_code: status {status}, class {}, details {:?}, body {:?}", e.class.name(), e.details, String::from_utf8_lossy(&body));

    let _ = parse_rate_limit(&headers, now);

    let ceiling = match u.int_in_range(0..=2u8)? {
        0 => RATE_LIMIT_RETRY_CEILING,
        1 => QUOTA_RETRY_CEILING,
        _ => u.arbitrary()?,
    };
    let header = headers.first().map(|(_, v)| v.as_str());
    let body_retry = parsed.get("retry_after");
    let r = parse_retry_after(header, body_retry, ceiling);
    if let Some(r) = r {
        assert!(r <= ceiling, "parse_retry_after {r} above ceiling {ceiling}");
    }
    if let Some(h) = header {
        if let Some(want) = reference_retry_after(h, ceiling) {
            assert_eq!(r, Some(want), "parse_retry_after({h:?}, ceiling {ceiling})");
        }
    }

    for (_, v) in &headers {
        for (name, _) in parse_bearer_challenge(v) {
            assert!(!name.bytes().any(|b| b.is_ascii_uppercase()), "challenge name {name:?} not lower-cased");
        }
    }
    let _ = parse_bearer_challenge(&String::from_utf8_lossy(&body));
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    if data.first().is_some_and(u8::is_ascii_digit) {
        // The extra choices (retry ceiling) come from the same bytes in text mode.
        let _ = run(from_text(data), &mut Unstructured::new(data));
    } else {
        let mut u = Unstructured::new(data);
        if let Ok(resp) = generated(&mut u) {
            let _ = run(resp, &mut u);
        }
    }
});
