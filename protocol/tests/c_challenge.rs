//! Part C: the Bearer challenge parser (§6.2) and the scope-mismatch report body (§6.1).

use alter_protocol::challenge::{correlation_id, parse_bearer_challenge, scope_report_body};
use serde_json::{json, Value};

fn p(v: &str) -> Vec<(String, String)> {
    parse_bearer_challenge(v)
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn spec_example_only_first_challenge() {
    assert_eq!(
        p(r#"Bearer error="invalid_token", Basic realm="x", error="insufficient_scope""#),
        pairs(&[("error", "invalid_token")])
    );
}

#[test]
fn spec_example_stops_at_junk_keeps_parsed() {
    assert_eq!(p(r#"Bearer error="x", %%%"#), pairs(&[("error", "x")]));
}

#[test]
fn spec_example_lowercase_scheme_bare_token() {
    assert_eq!(
        p(r#"bearer realm="x",error=insufficient_scope"#),
        pairs(&[("realm", "x"), ("error", "insufficient_scope")])
    );
}

#[test]
fn no_params_cases() {
    for v in [
        "",
        "   ",
        "Bearer",
        "  bearer  ",
        "Basic realm=\"x\"",
        "Bearer=x",
        "Bearerx error=\"y\"",
        "1Bearer error=x",
        "Bearer ,error=x",
    ] {
        assert!(p(v).is_empty(), "{v:?} → {:?}", p(v));
    }
}

#[test]
fn quoted_values_unescape_and_names_lowercase() {
    assert_eq!(
        p(
            r#"Bearer ERROR="insufficient_scope", Scope="a b\"c\\d", error_description = "no, really""#
        ),
        pairs(&[
            ("error", "insufficient_scope"),
            ("scope", "a b\"c\\d"),
            ("error_description", "no, really")
        ])
    );
    // Repeated name: last value wins, first position kept.
    assert_eq!(p("Bearer a=1, b=2, a=3"), pairs(&[("a", "3"), ("b", "2")]));
    // Whitespace before the separator and Unicode in values.
    assert_eq!(
        p("Bearer\tscope=\"日本 é\" ,  realm=r"),
        pairs(&[("scope", "日本 é"), ("realm", "r")])
    );
    // No comma between params: only the first is read.
    assert_eq!(p("Bearer a=1 b=2"), pairs(&[("a", "1")]));
}

#[test]
fn unterminated_quote_falls_back_to_bare_token() {
    assert_eq!(p(r#"Bearer error="abc"#), pairs(&[("error", "\"abc")]));
    assert_eq!(p("Bearer error=\"a\\"), pairs(&[("error", "\"a\\")]));
    assert_eq!(
        p("Bearer error=\"a\\\nb\", x=1"),
        pairs(&[("error", "\"a\\")])
    );
}

#[test]
fn report_body_exact_bytes_and_order() {
    let missing = vec![
        "https://www.googleapis.com/auth/calendar".to_string(),
        "é".to_string(),
    ];
    let body = scope_report_body(
        Some(&missing),
        "Bearer error=\"insufficient_scope\"",
        "https://api.example.com/v1/x",
        "AAECAwQFBgcICQoLDA0ODw",
    );
    assert_eq!(
        body,
        r#"{"provider_status_code":403,"provider_error_code":"insufficient_scope","missing_scopes":["https://www.googleapis.com/auth/calendar","\u00e9"],"raw_www_authenticate":"Bearer error=\"insufficient_scope\"","api_endpoint":"https://api.example.com/v1/x","detection_source":"www_authenticate_rfc6750","sdk_correlation_id":"AAECAwQFBgcICQoLDA0ODw"}"#
    );
    let body = scope_report_body(None, "", "u", "c");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["missing_scopes"], Value::Null);
}

#[test]
fn report_body_clamps() {
    let missing: Vec<String> = (0..60).map(|i| format!("{i}{}", "s".repeat(300))).collect();
    let www = "ü".repeat(5000);
    let url = format!("https://h/{}", "p".repeat(3000));
    let body = scope_report_body(Some(&missing), &www, &url, "c");
    let v: Value = serde_json::from_str(&body).unwrap();
    let ms = v["missing_scopes"].as_array().unwrap();
    assert_eq!(ms.len(), 50);
    assert!(ms
        .iter()
        .all(|s| s.as_str().unwrap().chars().count() == 256));
    assert_eq!(ms[49].as_str().unwrap(), format!("49{}", "s".repeat(254)));
    assert_eq!(
        v["raw_www_authenticate"].as_str().unwrap().chars().count(),
        4096
    );
    assert_eq!(v["api_endpoint"].as_str().unwrap().chars().count(), 2048);
    assert!(body.is_ascii());
    assert_eq!(v["provider_status_code"], json!(403));
}

#[test]
fn correlation_id_is_22_url_safe_chars() {
    let id = correlation_id(&[0xff; 16]);
    assert_eq!(id, "_____________________w");
    assert_eq!(correlation_id(&[0u8; 16]), "AAAAAAAAAAAAAAAAAAAAAA");
    let id = correlation_id(&[0xfb; 16]);
    assert_eq!(id.len(), 22);
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
}
