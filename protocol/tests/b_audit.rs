//! §5.3 audit row and §5.4 refusal-message sanitising; the credential never reaches a row.

mod b_common;

use alter_protocol::audit::*;
use alter_protocol::inject::inject_credential;
use b_common::*;
use serde_json::{json, Value};

fn row(input: &AuditInput) -> Value {
    serde_json::from_str(&audit_row_body(input)).expect("row is JSON")
}

#[test]
fn example_flow_audit_body_is_byte_identical() {
    let flow = &vectors()["example_flow"];
    let t = token(json!({}));
    let provider = &flow["exchanges"][1];
    let req_headers = h(&[("User-Agent", "alter-sdk-python/0.29.0")]);
    let injected = inject_credential(
        &t,
        req_headers.clone(),
        "https://www.googleapis.com/calendar/v3/calendars/primary/events?maxResults=10",
    )
    .unwrap();
    // The provider's headers as httpx reported them (content-length added by the transport).
    let resp_headers = h(&[
        ("Content-Type", "application/json"),
        ("Set-Cookie", "s=1"),
        ("X-Provider", "yes"),
        ("Content-Length", "12"),
    ]);
    let body = provider["response"]["body_utf8"]
        .as_str()
        .unwrap()
        .as_bytes();
    let input = AuditInput {
        token: &t,
        method: "GET",
        url: "https://www.googleapis.com/calendar/v3/calendars/primary/events",
        request_headers: &injected.headers,
        request_body: AuditRequestBody::None,
        outcome: AuditOutcome::Response {
            status: 200,
            headers: &resp_headers,
            body,
        },
        latency_ms: 0,
        reason: None,
        context: None,
        injected_header_names: &injected.injected_header_names,
    };
    assert_eq!(
        audit_row_body(&input),
        flow["exchanges"][2]["body_utf8"].as_str().unwrap()
    );
}

#[test]
fn audit_vector_body_is_byte_identical() {
    let v = vector("audit_caller_context_scoped");
    let t = token(json!({"provider_id": "github", "token_generation": null}));
    let ctx = h(&[("tool", "gh")]);
    let input = AuditInput {
        token: &t,
        method: "get",
        url: "https://api.github.com/user",
        request_headers: &h(&[
            ("User-Agent", "alter-sdk-python/0.29.0"),
            ("Authorization", "Bearer ya29.TEST-ACCESS-TOKEN"),
        ]),
        request_body: AuditRequestBody::None,
        outcome: AuditOutcome::Response {
            status: 200,
            headers: &h(&[("content-type", "application/json")]),
            body: br#"{"login":"octocat"}"#,
        },
        latency_ms: 87,
        reason: None,
        context: Some(&ctx),
        injected_header_names: &[],
    };
    assert_eq!(
        audit_row_body(&input),
        v["inputs"]["body_utf8"].as_str().unwrap()
    );
}

#[test]
fn headers_are_stripped_and_joined() {
    let t = token(json!({
        "injection_header": "X-Api-Key", "injection_format": "{token}",
        "additional_injections": [{"target": "header", "key": "X-Extra", "value_source": "token"}]
    }));
    let req = h(&[
        ("Accept", "a"),
        ("x-api-key", "k"),
        ("x-EXTRA", "e"),
        ("Cookie", "c"),
        ("X-Auth-Token", "t"),
        ("authorization", "z"),
        ("X-Amz-Date", "d"),
        ("x-custom", "1"),
    ]);
    let resp = h(&[
        ("Vary", "Accept"),
        ("vary", "Origin"),
        ("Set-Cookie", "a=1"),
        ("set-cookie", "b=2"),
        ("X-Extra", "echo"),
        ("WWW-Authenticate", "Bearer"),
    ]);
    let r = row(&AuditInput {
        token: &t,
        method: "POST",
        url: "https://a.test/x",
        request_headers: &req,
        request_body: AuditRequestBody::Json(&json!({"n": [1, 2]})),
        outcome: AuditOutcome::Response {
            status: 503,
            headers: &resp,
            body: b"",
        },
        latency_ms: 12,
        reason: Some("why"),
        context: Some(&[]),
        injected_header_names: &[],
    });
    assert_eq!(
        r["request_headers"],
        json!({"Accept": "a", "x-custom": "1"})
    );
    assert_eq!(
        r["response_headers"],
        json!({"vary": "Accept, Origin", "www-authenticate": "Bearer"})
    );
    assert_eq!(r["request_body"], json!({"n": [1, 2]}));
    assert_eq!(
        (r["response_status"].clone(), r["response_body"].clone()),
        (json!(503), json!(""))
    );
    assert_eq!(
        (
            r["reason"].clone(),
            r["context"].clone(),
            r["latency_ms"].clone()
        ),
        (json!("why"), json!({}), json!(12))
    );
    let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "grant_id",
            "provider_id",
            "token_generation",
            "method",
            "url",
            "request_headers",
            "request_body",
            "response_status",
            "response_headers",
            "response_body",
            "latency_ms",
            "reason",
            "context"
        ]
    );
}

#[test]
fn sigv4_strip_set() {
    let t = token(
        json!({"injection_format": "AWS4-HMAC-SHA256", "injection_header": "X-Not-Used", "additional_credentials": {"secret_key": "S"}}),
    );
    let r = row(&AuditInput {
        token: &t,
        method: "GET",
        url: "https://s3.amazonaws.com/b",
        request_headers: &h(&[
            ("x-amz-content-sha256", "h"),
            ("Content-Type", "application/json"),
            ("X-Amz-Security-Token", "st"),
        ]),
        request_body: AuditRequestBody::None,
        outcome: AuditOutcome::NetworkFailure,
        latency_ms: 3,
        reason: None,
        context: None,
        injected_header_names: &[],
    });
    assert_eq!(
        r["request_headers"],
        json!({"Content-Type": "application/json"})
    );
}

#[test]
fn body_capture_placeholders() {
    assert_eq!(capture_response_body(b""), "");
    assert_eq!(capture_response_body("é ok".as_bytes()), "é ok");
    let max = vec![b'a'; AUDIT_BODY_CAPTURE_LIMIT];
    assert_eq!(capture_response_body(&max).len(), AUDIT_BODY_CAPTURE_LIMIT);
    assert_eq!(
        capture_response_body(&vec![b'a'; 10_001]),
        "<response too large: 10001 bytes>"
    );
    assert_eq!(
        capture_response_body(&[0xff, 0xfe, 0x00]),
        "<binary response: 3 bytes>"
    );
    assert_eq!(capture_request_body(b""), "");
    assert_eq!(capture_request_body(b"raw text"), "raw text");
    assert_eq!(
        capture_request_body(&vec![b'a'; 10_001]),
        "<binary body: 10001 bytes>"
    );
    assert_eq!(capture_request_body(&[0xc3]), "<binary body: 1 bytes>");
}

#[test]
fn transport_failure_rows() {
    let t = token(json!({}));
    let base = |outcome| AuditInput {
        token: &t,
        method: "GET",
        url: "https://a.test/x",
        request_headers: &[],
        request_body: AuditRequestBody::Raw(b""),
        outcome,
        latency_ms: 30_000,
        reason: None,
        context: None,
        injected_header_names: &[],
    };
    let r = row(&base(AuditOutcome::Timeout { after_ms: 30_000 }));
    assert_eq!(r["response_status"], json!(0));
    assert_eq!(r["response_headers"], Value::Null);
    assert_eq!(
        r["response_body"],
        json!("<transport error: timeout after 30000ms>")
    );
    assert_eq!(r["request_body"], json!(""));
    assert_eq!(r["request_headers"], json!({}));
    let r = row(&base(AuditOutcome::NetworkFailure));
    assert_eq!(r["response_body"], json!("<transport error: network>"));
    assert_eq!(r["response_status"], json!(0));
}

#[test]
fn the_credential_never_reaches_a_row() {
    let secret = "ya29.TEST-ACCESS-TOKEN";
    let t = token(json!({
        "additional_credentials": {"client_secret": "CLIENT-SECRET-42"},
        "additional_injections": [{"target": "query_param", "key": "key", "value_source": "token"}]
    }));
    // The caller (mis)uses the credential in a custom header, a header name, its URL query, the
    // JSON body; the provider echoes it in a header and the body.
    let caller = h(&[
        ("X-Debug", &format!("tok={secret}")),
        (secret, "v"),
        ("X-Other", "CLIENT-SECRET-42"),
    ]);
    let url = format!("https://a.test/x?leak={secret}");
    let injected = inject_credential(&t, caller, &url).unwrap();
    assert!(injected.url.contains(secret), "the wire URL does carry it");
    let echo_headers = h(&[("X-Echo", secret), ("Authorization", secret)]);
    let echo_body = format!(r#"{{"headers":{{"Authorization":"Bearer {secret}"}}}}"#);
    let body_json = json!({"token": secret, "nested": [secret, {"k": "CLIENT-SECRET-42"}]});
    for outcome in [
        AuditOutcome::Response {
            status: 200,
            headers: &echo_headers,
            body: echo_body.as_bytes(),
        },
        AuditOutcome::Timeout { after_ms: 5 },
    ] {
        let text = audit_row_body(&AuditInput {
            token: &t,
            method: "POST",
            url: &url,
            request_headers: &injected.headers,
            request_body: AuditRequestBody::Json(&body_json),
            outcome,
            latency_ms: 1,
            reason: Some(secret),
            context: Some(&h(&[("k", secret)])),
            injected_header_names: &injected.injected_header_names,
        });
        assert!(!text.contains(secret), "{text}");
        assert!(!text.contains("CLIENT-SECRET-42"), "{text}");
        assert!(!text.contains("ya29"), "{text}");
        assert!(text.contains(REDACTED));
    }
    // A raw body carrying it, too.
    let raw = format!("token={secret}");
    let text = audit_row_body(&AuditInput {
        token: &t,
        method: "POST",
        url: "https://a.test/x",
        request_headers: &[],
        request_body: AuditRequestBody::Raw(raw.as_bytes()),
        outcome: AuditOutcome::NetworkFailure,
        latency_ms: 1,
        reason: None,
        context: None,
        injected_header_names: &[],
    });
    assert!(!text.contains(secret), "{text}");
}

#[test]
fn refusal_message_sanitising() {
    let m = |b: &str| sanitize_refusal_message(b.as_bytes());
    assert_eq!(
        m(r#"{"error":"insufficient_scope","message":"needs audit:emit"}"#).as_deref(),
        Some("needs audit:emit")
    );
    assert_eq!(
        m(r#"{"detail":"plain detail"}"#).as_deref(),
        Some("plain detail")
    );
    assert_eq!(
        m(r#"{"message":"","detail":{"message":"inner"}}"#).as_deref(),
        Some("inner")
    );
    assert_eq!(
        m(r#"{"message":"a\u001b[31mb\u0085c\nd"}"#).as_deref(),
        Some("a [31mb c d")
    );
    assert_eq!(m(r#"{"detail":{"error":"x"}}"#), None);
    assert_eq!(m(r#"{"detail":""}"#), None);
    assert_eq!(m("not json"), None);
    assert_eq!(m("[1]"), None);
    let long = format!(r#"{{"message":"{}"}}"#, "é".repeat(400));
    assert_eq!(m(&long), Some(format!("{}…", "é".repeat(300))));
    let exact = format!(r#"{{"message":"{}"}}"#, "x".repeat(300));
    assert_eq!(m(&exact), Some("x".repeat(300)));
    let huge = format!(r#"{{"message":"m","pad":"{}"}}"#, "x".repeat(65_536));
    assert_eq!(m(&huge), None);
}

#[test]
fn a_short_credential_does_not_garble_the_identifiers() {
    // A one-character test credential that occurs inside the grant UUID: the identifiers stay
    // intact, caller-supplied fields are still scrubbed.
    let t = token(json!({"access_token": "3"}));
    let r = row(&AuditInput {
        token: &t,
        method: "GET",
        url: "https://a.test/3",
        request_headers: &[],
        request_body: AuditRequestBody::None,
        outcome: AuditOutcome::NetworkFailure,
        latency_ms: 3,
        reason: None,
        context: None,
        injected_header_names: &[],
    });
    assert_eq!(r["grant_id"], json!(GRANT));
    assert_eq!(r["url"], json!(format!("https://a.test/{REDACTED}")));
    assert_eq!(r["latency_ms"], json!(3));
}
