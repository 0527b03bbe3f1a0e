//! Part C: provider response classification in retrieve mode (§4.6).

use alter_protocol::provider::{
    classify_provider_response, ProviderErrorContext, ProviderOutcome, BACKEND_FLAG_SCOPE_MESSAGE,
    PROVIDER_INSUFFICIENT_SCOPE_MESSAGE, PROVIDER_UNAUTHORIZED_MESSAGE,
};
use alter_protocol::token::TokenResponse;
use alter_protocol::{ErrorClass as C, ProtocolError};
use serde_json::{json, Value};

const SECRET: &str = "ya29.SECRET-ACCESS-TOKEN";
const EXTRA_SECRET: &str = "EXTRA-SECRET-VALUE";

fn token(scope_mismatch: bool) -> TokenResponse {
    TokenResponse {
        access_token: SECRET.into(),
        grant_id: "11111111-2222-4333-8444-555555555555".into(),
        token_type: "Bearer".into(),
        expires_in: Some(3600),
        expires_at: None,
        scopes: vec!["openid".into()],
        provider_id: "google".into(),
        token_generation: None,
        scope_mismatch,
        injection_header: "Authorization".into(),
        injection_format: "Bearer {token}".into(),
        additional_credentials: Some(vec![("secret".into(), EXTRA_SECRET.into())]),
        additional_injections: vec![],
        retry_info: None,
        allowed_hosts: None,
    }
}

fn hdrs(h: &[(&str, &str)]) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const CTX: ProviderErrorContext<'static> = ProviderErrorContext {
    grant_id_arg: Some("11111111-2222-4333-8444-555555555555"),
    method: "GET",
    url: "https://api.example.com/v1/items",
};

fn classify(
    status: u16,
    h: &[(&str, &str)],
    body: &[u8],
    t: &TokenResponse,
    ctx: &ProviderErrorContext,
) -> ProviderOutcome {
    classify_provider_response(status, &hdrs(h), body, t, ctx, "AAECAwQFBgcICQoLDA0ODw")
}

fn failure(o: ProviderOutcome) -> (ProtocolError, Option<String>) {
    match o {
        ProviderOutcome::Failure {
            error,
            scope_report,
        } => {
            let dump = format!("{:?} {} {:?}", error, error.to_json(), scope_report);
            assert!(
                !dump.contains(SECRET) && !dump.contains(EXTRA_SECRET),
                "credential leaked: {dump}"
            );
            (error, scope_report)
        }
        ProviderOutcome::Success => panic!("expected a failure"),
    }
}

#[test]
fn below_400_is_success() {
    for s in [200, 204, 301, 304, 399] {
        assert_eq!(
            classify(s, &[], b"x", &token(true), &CTX),
            ProviderOutcome::Success
        );
    }
}

#[test]
fn forbidden_insufficient_scope_challenge_reports_and_raises() {
    let www = r#"Bearer error="insufficient_scope", scope="calendar.read  drive""#;
    let (e, report) = failure(classify(
        403,
        &[("www-authenticate", www)],
        b"{\"e\":1}",
        &token(false),
        &CTX,
    ));
    assert_eq!(e.class, C::ScopeReauthRequiredError);
    assert_eq!(e.message, PROVIDER_INSUFFICIENT_SCOPE_MESSAGE);
    assert_eq!(e.status, Some(403));
    assert_eq!(
        e.fields.get("missing_scopes"),
        Some(&json!(["calendar.read", "drive"]))
    );
    assert_eq!(
        e.fields.get("grant_id"),
        Some(&json!("11111111-2222-4333-8444-555555555555"))
    );
    assert_eq!(e.fields.get("provider_id"), Some(&json!("google")));
    assert_eq!(e.fields.get("response_body"), Some(&json!("{\"e\":1}")));
    assert_eq!(
        Value::Object(e.details.clone()),
        json!({
            "grant_id": "11111111-2222-4333-8444-555555555555", "provider_id": "google",
            "method": "GET", "url": "https://api.example.com/v1/items",
            "source": "provider_insufficient_scope",
            "missing_scopes": ["calendar.read", "drive"], "www_authenticate": www
        })
    );
    let report: Value = serde_json::from_str(&report.expect("report due")).unwrap();
    assert_eq!(report["missing_scopes"], json!(["calendar.read", "drive"]));
    assert_eq!(
        report["api_endpoint"],
        json!("https://api.example.com/v1/items")
    );
    assert_eq!(report["raw_www_authenticate"], json!(www));
    assert_eq!(
        report["sdk_correlation_id"],
        json!("AAECAwQFBgcICQoLDA0ODw")
    );
    // Without a scope param, missing_scopes is null (even when the backend flag is also set).
    let (e, report) = failure(classify(
        403,
        &[("WWW-Authenticate", "Bearer error=insufficient_scope")],
        b"",
        &token(true),
        &CTX,
    ));
    assert_eq!(e.fields.get("missing_scopes"), Some(&Value::Null));
    assert_eq!(
        e.details.get("source"),
        Some(&json!("provider_insufficient_scope"))
    );
    assert!(report.is_some());
}

#[test]
fn forbidden_with_backend_flag() {
    let (e, report) = failure(classify(
        403,
        &[("WWW-Authenticate", "Bearer error=\"invalid_token\"")],
        b"no",
        &token(true),
        &CTX,
    ));
    assert_eq!(e.class, C::ScopeReauthRequiredError);
    assert_eq!(e.message, BACKEND_FLAG_SCOPE_MESSAGE);
    assert!(report.is_none());
    assert_eq!(e.fields.get("missing_scopes"), Some(&Value::Null));
    assert_eq!(e.details.get("source"), Some(&json!("backend_flag")));
    assert_eq!(e.details.get("provider_id"), Some(&json!("google")));
    assert!(!e.details.contains_key("missing_scopes"));
}

#[test]
fn forbidden_plain_is_provider_api_error() {
    let ctx = ProviderErrorContext {
        grant_id_arg: None,
        method: "POST",
        url: "https://api.example.com/x",
    };
    let (e, report) = failure(classify(403, &[], b"denied", &token(false), &ctx));
    assert_eq!(e.class, C::ProviderAPIError);
    assert_eq!(e.code, "provider_error");
    assert_eq!(e.message, "Provider API returned error 403");
    assert!(report.is_none());
    assert_eq!(
        Value::Object(e.details.clone()),
        json!({"grant_id": null, "method": "POST", "url": "https://api.example.com/x"})
    );
}

#[test]
fn unauthorized_without_insufficient_scope() {
    for www in [
        None,
        Some("Bearer error=\"invalid_token\""),
        Some("Basic realm=x"),
    ] {
        let h: Vec<(&str, &str)> = www
            .map(|w| vec![("WWW-Authenticate", w)])
            .unwrap_or_default();
        let (e, report) = failure(classify(401, &h, b"expired", &token(false), &CTX));
        assert_eq!(e.class, C::ProviderUnauthorizedError);
        assert_eq!(e.message, PROVIDER_UNAUTHORIZED_MESSAGE);
        assert_eq!(e.status, Some(401));
        assert!(report.is_none());
        assert_eq!(
            e.details.get("source"),
            Some(&json!("provider_unauthorized"))
        );
        assert_eq!(e.fields.get("provider_id"), Some(&json!("google")));
        assert_eq!(e.fields.get("response_body"), Some(&json!("expired")));
    }
}

#[test]
fn unauthorized_with_insufficient_scope_is_generic() {
    let (e, report) = failure(classify(
        401,
        &[("WWW-Authenticate", "Bearer error=\"insufficient_scope\"")],
        b"",
        &token(true),
        &CTX,
    ));
    assert_eq!(e.class, C::ProviderAPIError);
    assert_eq!(e.message, "Provider API returned error 401");
    assert!(report.is_none());
}

#[test]
fn other_statuses_generic_with_capped_body() {
    let big = vec![b'a'; 10_001];
    let (e, _) = failure(classify(500, &[], &big, &token(false), &CTX));
    assert_eq!(e.message, "Provider API returned error 500");
    assert_eq!(e.status, Some(500));
    assert_eq!(
        e.fields.get("response_body"),
        Some(&json!("<response too large: 10001 bytes>"))
    );
    let (e, _) = failure(classify(404, &[], &[0xff, 0xfe], &token(false), &CTX));
    assert_eq!(
        e.fields.get("response_body"),
        Some(&json!("<binary response: 2 bytes>"))
    );
    let (e, _) = failure(classify(429, &[], b"", &token(false), &CTX));
    assert_eq!(e.fields.get("response_body"), Some(&json!("")));
}
