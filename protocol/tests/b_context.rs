//! §1.5 caller, §8.1 context header, §8.2 reserved keys, §8.3 traceparent, §2.8 attenuation headers.

mod b_common;

use alter_protocol::context::*;
use alter_protocol::ErrorClass;
use b_common::{h, vector};
use serde_json::json;

#[test]
fn context_header_encoding() {
    assert_eq!(encode_context(&[]).unwrap(), None);
    assert_eq!(
        encode_context(&h(&[("k", "Zo\u{eb} \u{2713}"), ("n", "1")]))
            .unwrap()
            .as_deref(),
        Some(r#"{"k":"Zo\u00eb \u2713","n":"1"}"#)
    );
    // The V2 vector's context header, insertion order kept.
    let v = vector("token_provider_mode_v2_identity");
    assert_eq!(
        encode_context(&h(&[("run_id", "run_1"), ("tool", "sync")]))
            .unwrap()
            .unwrap(),
        v["inputs"]["context_header"].as_str().unwrap()
    );
    // Astral characters become surrogate pairs; the header stays ASCII.
    let enc = encode_context(&h(&[("e", "\u{1F600}")])).unwrap().unwrap();
    assert_eq!(enc, r#"{"e":"\ud83d\ude00"}"#);
}

#[test]
fn context_limits_in_code_points() {
    let twenty: Vec<(String, String)> = (0..20).map(|i| (format!("k{i}"), "v".into())).collect();
    assert!(encode_context(&twenty).is_ok());
    let mut twenty_one = twenty.clone();
    twenty_one.push(("k20".into(), "v".into()));
    let e = encode_context(&twenty_one).unwrap_err();
    assert_eq!(e.class, ErrorClass::AlterValueError);
    assert_eq!(e.message, "context has too many keys (21); max is 20");

    assert!(encode_context(&[("é".repeat(64), "v".into())]).is_ok());
    assert!(encode_context(&[("k".repeat(65), "v".into())]).is_err());
    assert!(encode_context(&[("k".into(), "é".repeat(512))]).is_ok());
    assert!(encode_context(&[("k".into(), "v".repeat(513))]).is_err());
    // Serialised length (ASCII-escaped) over 4,096: eight 512-char values of 'é' escape to 6 each.
    let big: Vec<(String, String)> = (0..2).map(|i| (format!("k{i}"), "é".repeat(512))).collect();
    let e = encode_context(&big).unwrap_err();
    assert!(
        e.message.contains("exceeds 4096 byte limit"),
        "{}",
        e.message
    );
    let fits: Vec<(String, String)> = (0..7).map(|i| (format!("k{i}"), "v".repeat(512))).collect();
    assert!(encode_context(&fits).unwrap().unwrap().len() <= 4096);
    let over: Vec<(String, String)> = (0..8).map(|i| (format!("k{i}"), "v".repeat(512))).collect();
    assert!(encode_context(&over).is_err());
}

#[test]
fn caller_and_type() {
    for ok in ["a", "email-assistant", &"x".repeat(255), "~ !"] {
        assert!(validate_caller(ok).is_ok(), "{ok}");
    }
    // Edge spaces: HTTP drops them, so the signed caller would never verify.
    for bad in ["", "a\n", "tab\t", "caf\u{e9}", &"x".repeat(256), "\u{7f}", " ~!", "billing "] {
        assert_eq!(
            validate_caller(bad).unwrap_err().class,
            ErrorClass::AlterValueError,
            "{bad:?}"
        );
    }
    assert!(validate_caller_type("agent").is_ok() && validate_caller_type("service").is_ok());
    for bad in ["", "Agent", "user"] {
        assert!(validate_caller_type(bad).is_err());
    }
}

#[test]
fn traceparent_rules() {
    for ok in [
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "FE-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-00",
    ] {
        assert!(validate_traceparent(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\n",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    ] {
        assert_eq!(
            validate_traceparent(bad).unwrap_err().class,
            ErrorClass::AlterValueError,
            "{bad:?}"
        );
    }
}

#[test]
fn attenuation_headers_match_the_vector() {
    let v = vector("constraints_and_request_rule");
    let scopes = vec!["grants:read".to_string(), "tokens:retrieve".to_string()];
    assert_eq!(
        scope_constraints_header(&scopes).unwrap(),
        v["inputs"]["scope_constraints"].as_str().unwrap()
    );
    let rule = request_rule_header(
        "json_match",
        &json!({"when": {"method": "POST"}, "effect": "deny"}),
    )
    .unwrap();
    assert_eq!(rule, v["inputs"]["request_rule"].as_str().unwrap());
    assert!(!rule.contains('=') && !rule.contains('+') && !rule.contains('/'));
}

#[test]
fn attenuation_input_rules() {
    assert!(scope_constraints_header(&[]).is_err());
    for bad in [
        vec!["".to_string()],
        vec!["a".to_string(), "*".to_string()],
        vec!["a\r\nb".to_string()],
    ] {
        assert_eq!(
            scope_constraints_header(&bad).unwrap_err().class,
            ErrorClass::AlterValueError
        );
    }
    assert!(request_rule_header("", &json!({})).is_err());
    assert!(request_rule_header("t", &json!([])).is_err());
    assert!(request_rule_header("t", &json!("x")).is_err());
    // Raw UTF-8 inside (not \u escapes): decode and compare.
    use base64::Engine as _;
    let enc = request_rule_header("t", &json!({"name": "Zo\u{eb}"})).unwrap();
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(enc)
        .unwrap();
    assert_eq!(
        String::from_utf8(raw).unwrap(),
        "{\"rule_type\":\"t\",\"rule_body\":{\"name\":\"Zo\u{eb}\"}}"
    );
    // Encoded length cap 4,096.
    let fits = request_rule_header("t", &json!({"x": "a".repeat(3000)}));
    assert!(fits.is_ok());
    let e = request_rule_header("t", &json!({"x": "a".repeat(3100)})).unwrap_err();
    assert_eq!(e.class, ErrorClass::AlterValueError);
}

#[test]
fn reserved_trace_keys() {
    assert_eq!(RESERVED_TRACE_KEYS.len(), 7);
    assert_eq!(
        reserved_keys_in(&h(&[
            ("tool", "x"),
            ("ok", "1"),
            ("agent", "a"),
            ("tool", "y")
        ])),
        vec!["agent", "tool"]
    );
    assert!(reserved_keys_in(&h(&[("customer", "1")])).is_empty());
}
