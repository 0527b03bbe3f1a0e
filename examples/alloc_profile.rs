//! Diagnostics: heap allocations of the pure steps of one `request()` (grant mode, the
//! overhead benchmark's payloads), counted natively with a counting global allocator.
//!   cargo run --release --example alloc_profile --features alloc-stats
use alter_edge::alloc_stats::counts;
use alter_edge::plan::{self, BackendRequestParts, ClientDefaults};
use alter_protocol::audit::{self, AuditInput, AuditOutcome, AuditRequestBody};
use alter_protocol::signing::PreparedKey;
use alter_protocol::token::{self, GrantTarget, TokenRequest};
use alter_protocol::{inject, keys, url};

fn measure<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let (a, b) = counts();
    let out = f();
    let (a2, b2) = counts();
    println!("{what:<28} {:>4} allocs {:>7} bytes", a2 - a, b2 - b);
    out
}

const KEY: &str = "alter_rk_demoappallscopesaaaaaa_hoz64e";
const TOKEN_BODY: &str = r#"{"access_token":"ya29.a0AfB_overhead-benchmark-token","token_type":"Bearer","expires_in":3599,"expires_at":"2026-01-01T00:59:59Z","scopes":["https://www.googleapis.com/auth/calendar.readonly"],"grant_id":"3f2c1a9e-8b7d-4c6e-9f01-23456789abcd","provider_id":"google","token_generation":"0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e","scope_mismatch":false,"injection_header":"Authorization","injection_format":"Bearer {token}"}"#;
const PROVIDER_BODY: &[u8] = br#"{"items":[{"id":"e1","summary":"standup"}]}"#;

fn main() {
    let signing_key = PreparedKey::new(&keys::derive_signing_key(KEY));
    let defaults = ClientDefaults {
        api_key: KEY.into(),
        user_agent: "alter-edge/0.1.0".into(),
        caller: None,
        caller_type: "service".into(),
    };
    let url0 = "https://www.googleapis.com/calendar/v3/calendars/primary/events";
    let total0 = counts().0;
    let url_q = measure("url checks + query", || {
        let t = url::apply_path_params(url0, &[]).unwrap();
        url::validate_provider_url(&t).unwrap();
        let q = url::append_query(&t, &[("maxResults".into(), "10".into())]);
        url::check_url_length(&q).unwrap();
        q
    });
    let body = measure("token request body", || {
        token::token_request_body(&TokenRequest {
            target: GrantTarget::Grant {
                grant_id: "3f2c1a9e-8b7d-4c6e-9f01-23456789abcd".into(),
            },
            reason: None,
            method: "GET".into(),
            url: url0.into(),
            user_token: None,
        })
    });
    let sign = |path: &str, body: &[u8]| {
        let parts = BackendRequestParts {
            method: "POST",
            path,
            body: Some(body),
            actor: Some(Default::default()),
            traceparent: None,
            extra_headers: &[],
            scope_constraints: "",
            request_rule: None,
        };
        plan::backend_headers(
            &defaults,
            &signing_key,
            &parts,
            1_760_000_000,
            "00112233445566778899aabbccddeeff",
        )
    };
    measure("token headers", || {
        sign("/sdk/token", body.as_bytes())
    });
    let resp_headers: Vec<(String, String)> = vec![
        ("content-type".into(), "application/json".into()),
        ("content-length".into(), "420".into()),
    ];
    let tok = measure("parse token response", || {
        token::parse_token_response(TOKEN_BODY.as_bytes()).unwrap()
    });
    let base = measure("provider headers", || {
        plan::provider_headers(Vec::new(), &defaults.user_agent)
    });
    let inj = measure("inject", || {
        inject::inject_credential(&tok, base.clone(), &url_q).unwrap()
    });
    let row = measure("audit row", || {
        audit::audit_row_body(&AuditInput {
            token: &tok,
            method: "GET",
            url: url0,
            request_headers: &base,
            request_body: AuditRequestBody::None,
            outcome: AuditOutcome::Response {
                status: 200,
                headers: &resp_headers,
                body: PROVIDER_BODY,
            },
            latency_ms: 3,
            reason: None,
            context: None,
            injected_header_names: &inj.injected_header_names,
        })
    });
    println!("audit row: {} bytes", row.len());
    measure("audit headers + block", || {
        sign("/sdk/oauth/audit/api-call", row.as_bytes())
    });
    println!("total pure steps: {} allocs", counts().0 - total0);
}
