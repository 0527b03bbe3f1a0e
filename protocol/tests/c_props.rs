//! Part C property tests: the mappers and parsers never panic on hostile input (arbitrary status,
//! headers and body bytes; deep nesting, huge numbers, wrong types) and keep their invariants.

use alter_protocol::challenge::{parse_bearer_challenge, scope_report_body};
use alter_protocol::mapping::{
    map_agents_error, map_backend_error, map_proxy_error, parse_error_body,
};
use alter_protocol::provider::{classify_provider_response, ProviderErrorContext, ProviderOutcome};
use alter_protocol::retry::{
    parse_rate_limit, parse_retry_after, parse_retry_info, RATE_LIMIT_RETRY_CEILING,
};
use alter_protocol::token::TokenResponse;
use alter_protocol::ErrorClass;
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

const HEADER_NAMES: &[&str] = &[
    "Retry-After",
    "retry-after",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "RateLimit-Policy",
    "RateLimit",
    "WWW-Authenticate",
    "X-Request-ID",
    "Content-Type",
];

const KEYS: &[&str] = &[
    "error",
    "message",
    "detail",
    "details",
    "status_code",
    "retry_after",
    "scope",
    "limit",
    "window_seconds",
    "required",
    "granted",
    "missing",
    "scope_version",
    "candidates",
    "grant_id",
    "label",
    "credentials",
    "id",
    "hint",
    "max_session_age_seconds",
    "provider_id",
    "account_was_provided",
    "total_attempts",
    "successful_attempt",
    "errors",
    "attempt",
    "error_type",
    "delay_s",
    "permanent",
    "detail_reason",
];

const CODES: &[&str] = &[
    "insufficient_scope",
    "grant_expired",
    "scope_mismatch",
    "ambiguous_grant",
    "credential_id_required",
    "rate_limit_exceeded",
    "quota_exceeded",
    "blocked_destination",
    "step_up_required",
    "key_revoked",
    "agent_concurrent_update",
    "approval_denied",
    "no_delegated_grant",
    "caller_agent_unresolved",
    "secret_template_mismatch",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        Just(Value::from(1e308)),
        Just(Value::from(-0.0)),
        prop::sample::select(CODES).prop_map(Value::from),
        ".{0,20}".prop_map(Value::from),
    ]
}

fn hostile_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|kv| {
                let mut m = Map::new();
                for (k, v) in kv {
                    m.insert(k.to_string(), v);
                }
                Value::Object(m)
            }),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200),
        hostile_json().prop_map(|v| v.to_string().into_bytes()),
        hostile_json().prop_map(|v| serde_json::json!({"detail": v}).to_string().into_bytes()),
        (1usize..3000).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes()),
        (1usize..3000)
            .prop_map(|n| format!("{}1{}", "{\"detail\":".repeat(n), "}".repeat(n)).into_bytes()),
        "[0-9]{1,400}".prop_map(|s| format!(
            "{{\"error\":\"rate_limit_exceeded\",\"retry_after\":{s},\"limit\":{s}e99}}"
        )
        .into_bytes()),
    ]
}

fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,40}",
        "[0-9 ]{0,30}",
        "[0-9]{1,5000}",
        "(\"[a-z]{1,4}\";[a-z]=[0-9]{1,14}(;[a-z]=[0-9]{1,14})?, ?){0,4}",
        "[Bb]earer( [a-z_]{1,6}=(\"[^\"]{0,8}\"|[a-z]{0,5}),?){0,4}.{0,6}",
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        (
            prop_oneof![
                prop::sample::select(HEADER_NAMES).prop_map(str::to_string),
                "[A-Za-z-]{1,12}"
            ],
            header_value(),
        ),
        0..8,
    )
}

fn token(scope_mismatch: bool) -> TokenResponse {
    TokenResponse {
        access_token: "SECRET-TOKEN-VALUE".into(),
        grant_id: "g".into(),
        token_type: "Bearer".into(),
        expires_in: None,
        expires_at: None,
        scopes: vec![],
        provider_id: "p".into(),
        token_generation: None,
        scope_mismatch,
        injection_header: "Authorization".into(),
        injection_format: "Bearer {token}".into(),
        additional_credentials: None,
        additional_injections: vec![],
        retry_info: None,
        allowed_hosts: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn mappers_never_panic(status in any::<u16>(), h in headers(), b in body()) {
        let e = map_backend_error(status, &h, &b);
        prop_assert!(e.class.is_a(ErrorClass::AlterSDKError));
        prop_assert_eq!(e.status, Some(status));
        prop_assert!(!e.message.is_empty());
        prop_assert!(!e.code.is_empty());
        let a = map_agents_error(status, &h, &b);
        prop_assert_eq!(a.details.get("status_code"), Some(&Value::from(status)));
        prop_assert!(!a.message.is_empty());
        let p = map_proxy_error(status, &h, &b);
        prop_assert_eq!(p.details.get("status_code"), Some(&Value::from(status)));
        let m = parse_error_body(status, &b);
        prop_assert_eq!(m.get("status_code"), Some(&Value::from(status)));
    }

    #[test]
    fn parsers_never_panic(h in headers(), now in any::<u64>(), v in hostile_json(), s in header_value()) {
        if let Some(snap) = parse_rate_limit(&h, now) {
            prop_assert!(snap.reset_at <= 253_402_300_799);
        }
        let _ = parse_bearer_challenge(&s);
        for (k, _) in parse_bearer_challenge(&s) {
            prop_assert_eq!(k.clone(), k.to_ascii_lowercase());
        }
        if let Some(ri) = parse_retry_info(&v) {
            prop_assert!(ri.successful_attempt <= ri.total_attempts && ri.total_attempts >= 1);
            prop_assert_eq!(parse_retry_info(&ri.to_json()), Some(ri));
        }
        if let Some(r) = parse_retry_after(Some(&s), Some(&v), RATE_LIMIT_RETRY_CEILING) {
            prop_assert!(r <= RATE_LIMIT_RETRY_CEILING);
        }
    }

    #[test]
    fn bearer_never_panics_on_any_string(s in any::<String>()) {
        let _ = parse_bearer_challenge(&s);
        let _ = parse_bearer_challenge(&format!("Bearer {s}"));
        let body = scope_report_body(Some(std::slice::from_ref(&s)), &s, &s, "c");
        prop_assert!(body.is_ascii());
    }

    #[test]
    fn provider_classification_never_panics_or_leaks(status in any::<u16>(), h in headers(), b in body(), flag in any::<bool>()) {
        let t = token(flag);
        let ctx = ProviderErrorContext { grant_id_arg: None, method: "GET", url: "https://x.example/y" };
        match classify_provider_response(status, &h, &b, &t, &ctx, "cid") {
            ProviderOutcome::Success => prop_assert!(status < 400),
            ProviderOutcome::Failure { error, scope_report } => {
                prop_assert!(status >= 400);
                prop_assert!(error.class.is_a(ErrorClass::ProviderAPIError));
                let dump = format!("{:?} {:?}", error, scope_report);
                prop_assert!(!dump.contains("SECRET-TOKEN-VALUE"));
            }
        }
    }
}
