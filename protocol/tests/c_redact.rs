//! Design rule 4 over everything a provider sends back: no form of any credential the token
//! response carries (the access token and every additional credential) reaches a provider error
//! (§4.6: body, headers, details), the scope report (§6.1) or the audit row (§5.3). A provider or
//! an intermediary may echo a secret as is, percent-encoded (either hex case, `+` for a space,
//! with more or fewer characters kept) or JSON-escaped (`\uXXXX` in either case, surrogate
//! pairs, `\/`), and nested (a JSON-escaped URL, a doubly escaped JSON text).

use alter_protocol::audit::{audit_row_body, AuditInput, AuditOutcome, AuditRequestBody, REDACTED};
use alter_protocol::provider::{classify_provider_response, ProviderErrorContext, ProviderOutcome};
use alter_protocol::token::{parse_token_response, TokenResponse};
use serde_json::{json, Value};

/// `/`, `"`, `+`, a space, `%`, a backslash, Latin-1, a BMP character and an astral one.
const SECRET: &str = "ak/9\"x+y z%é\\Ω😀-tok";
/// An additional credential (`additional_credentials`), with characters of its own.
const EXTRA: &str = "ex/tra\"ü+1 2&=?#Z";
const GRANT: &str = "3f2c1a9e-8b7d-4c6e-9f01-23456789abcd";

fn token(scope_mismatch: bool) -> TokenResponse {
    let body = json!({
        "access_token": SECRET, "token_type": "Bearer", "expires_in": 60,
        "grant_id": GRANT, "provider_id": "echo", "scope_mismatch": scope_mismatch,
        "injection_header": "X-Echo-Auth", "injection_format": "Key {token}",
        "additional_credentials": {"extra": EXTRA},
        "additional_injections": [{"target": "query_param", "key": "k", "value_source": "additional_credentials.extra"}],
    });
    parse_token_response(body.to_string().as_bytes()).expect("valid token response")
}

fn pct(s: &str, keep: &str, upper: bool, plus: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || keep.as_bytes().contains(&b) {
            out.push(b as char);
        } else if plus && b == b' ' {
            out.push('+');
        } else if upper {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

fn json_escaped(s: &str, ascii: bool, upper: bool, slash: bool) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if slash => out.push_str("\\/"),
            c if ascii && !c.is_ascii() => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    if upper {
                        out.push_str(&format!("\\u{u:04X}"));
                    } else {
                        out.push_str(&format!("\\u{u:04x}"));
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Every form of `s` a provider may echo (the test's own encoders, independent of the crate's).
fn forms(s: &str) -> Vec<String> {
    let mut v = vec![
        s.to_string(),
        pct(s, "-._~", true, false),      // RFC 3986 unreserved only
        pct(s, "-._~", false, false),     // lower-case hex
        pct(s, "-_.!~*'()", true, false), // encodeURIComponent
        pct(s, "-_.!~*'()", false, false),
        pct(s, "*-._", true, true),   // application/x-www-form-urlencoded
        pct(s, "/-._~", true, false), // Python quote() (keeps "/")
        json_escaped(s, false, false, false), // JSON.stringify / serde_json
        json_escaped(s, true, false, false), // ASCII-only JSON, lower-case hex
        json_escaped(s, true, true, false), // upper-case hex
        json_escaped(s, true, false, true), // PHP json_encode (also escapes "/")
        json_escaped(&pct(s, "/-._~", true, false), false, false, true), // quoted, then PHP JSON
        json_escaped(&json_escaped(s, true, false, false), false, false, false), // JSON in JSON
    ];
    v.sort();
    v.dedup();
    v
}

fn all_forms() -> Vec<String> {
    let mut v = forms(SECRET);
    v.extend(forms(EXTRA));
    v
}

/// A provider answer that quotes every form of both secrets.
fn echo_body() -> String {
    let mut s = String::from("{\"seen\":[");
    for (i, f) in all_forms().iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!("\"<{f}>\""));
    }
    s.push_str("]}");
    s
}

fn assert_clean(text: &str, where_: &str) {
    for f in all_forms() {
        assert!(!text.contains(&f), "{where_} holds the form {f:?}: {text}");
    }
}

/// Every string inside a JSON value (keys too), and its JSON text.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.iter().for_each(|(k, x)| {
            out.push(k.clone());
            strings(x, out)
        }),
        _ => {}
    }
}

fn assert_value_clean(v: &Value, where_: &str) {
    let mut all = vec![v.to_string()];
    strings(v, &mut all);
    for s in all {
        assert_clean(&s, where_);
    }
}

const CTX: ProviderErrorContext<'static> = ProviderErrorContext {
    grant_id_arg: Some(GRANT),
    method: "GET",
    url: "https://api.example.com/v1/items",
};

/// A provider answer's status, headers, and whether the backend flagged a scope mismatch.
type Case = (u16, Vec<(String, String)>, bool);

fn hdrs(h: &[(&str, String)]) -> Vec<(String, String)> {
    h.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

#[test]
fn the_test_forms_differ_from_the_raw_secret() {
    // Otherwise the cases below would only test the raw form.
    assert!(forms(SECRET).len() >= 10, "{:?}", forms(SECRET));
    assert!(forms(EXTRA).len() >= 8, "{:?}", forms(EXTRA));
}

#[test]
fn provider_errors_carry_no_form_of_any_credential() {
    let body = echo_body();
    let www_scope = format!(
        "Bearer error=\"insufficient_scope\", scope=\"read {} {}\", error_description=\"{}\"",
        pct(SECRET, "-._~", false, false),
        pct(EXTRA, "-._~", true, true),
        json_escaped(SECRET, true, true, true).replace('"', "'"),
    );
    let www_invalid = format!(
        "Bearer error=\"invalid_token\", error_description=\"{}\"",
        pct(SECRET, "", true, false)
    );
    let cases: Vec<Case> = vec![
        (
            401,
            hdrs(&[("WWW-Authenticate", www_invalid.clone())]),
            false,
        ),
        (403, hdrs(&[("WWW-Authenticate", www_scope.clone())]), false),
        (
            403,
            hdrs(&[("WWW-Authenticate", www_invalid.clone())]),
            true,
        ),
        (
            403,
            hdrs(&[("WWW-Authenticate", www_invalid.clone())]),
            false,
        ),
        (401, hdrs(&[("WWW-Authenticate", www_scope.clone())]), false),
        (500, hdrs(&[("X-Echo", body.clone())]), false),
        (422, vec![], false),
    ];
    for (status, headers, flag) in cases {
        let t = token(flag);
        let outcome = classify_provider_response(
            status,
            &headers,
            body.as_bytes(),
            &t,
            &CTX,
            "AAECAwQFBgcICQoLDA0ODw",
        );
        let ProviderOutcome::Failure {
            error,
            scope_report,
        } = outcome
        else {
            panic!("{status}: expected a failure");
        };
        let where_ = format!("{status} {}", error.class.name());
        assert_value_clean(&error.to_json(), &where_);
        assert_clean(&format!("{error:?}"), &where_);
        let response_body = error.fields["response_body"].as_str().unwrap();
        assert!(
            response_body.contains(REDACTED),
            "{where_}: {response_body}"
        );
        // The JSON around each secret survives: only the secrets are replaced.
        let parsed: Value = serde_json::from_str(response_body).expect("still JSON");
        assert_eq!(
            parsed["seen"][0],
            json!(format!("<{REDACTED}>")),
            "{where_}"
        );
        // The identifiers are kept.
        assert_eq!(error.details["grant_id"], json!(GRANT));
        if let Some(report) = scope_report {
            let v: Value = serde_json::from_str(&report).expect("report is JSON");
            assert_value_clean(&v, "scope report");
            assert_eq!(v["missing_scopes"][0], json!("read"));
        }
    }
}

#[test]
fn the_audit_row_carries_no_form_of_any_credential() {
    let t = token(false);
    let body = echo_body();
    let mut resp = Vec::new();
    for (i, f) in all_forms().iter().enumerate() {
        resp.push((format!("X-Echo-{i}"), format!("v={f};")));
    }
    let caller = hdrs(&[("X-Caller", pct(SECRET, "", false, false))]);
    let url = format!(
        "https://api.example.com/v1?q={}",
        pct(EXTRA, "*-._", true, true)
    );
    let json_body = json!({"copy": format!("a {} b", pct(SECRET, "-._~", true, false))});
    let reason = json_escaped(EXTRA, true, false, true);
    for outcome in [
        AuditOutcome::Response {
            status: 500,
            headers: &resp,
            body: body.as_bytes(),
        },
        AuditOutcome::Response {
            status: 200,
            headers: &resp,
            body: body.as_bytes(),
        },
        AuditOutcome::NetworkFailure,
    ] {
        let text = audit_row_body(&AuditInput {
            token: &t,
            method: "POST",
            url: &url,
            request_headers: &caller,
            request_body: AuditRequestBody::Json(&json_body),
            outcome,
            latency_ms: 1,
            reason: Some(&reason),
            context: Some(&hdrs(&[("k", pct(SECRET, "-._~", false, false))])),
            injected_header_names: &[],
        });
        let row: Value = serde_json::from_str(&text).expect("row is JSON");
        assert_clean(&text, "audit row text");
        assert_value_clean(&row, "audit row");
        assert_eq!(row["grant_id"], json!(GRANT));
        assert_eq!(
            row["url"],
            json!(format!("https://api.example.com/v1?q={REDACTED}"))
        );
    }
}

#[test]
fn errors_and_the_audit_row_scrub_a_body_alike() {
    let t = token(false);
    let body = echo_body();
    let ProviderOutcome::Failure { error, .. } = classify_provider_response(
        500,
        &[],
        body.as_bytes(),
        &t,
        &CTX,
        "AAECAwQFBgcICQoLDA0ODw",
    ) else {
        panic!("expected a failure");
    };
    let row: Value = serde_json::from_str(&audit_row_body(&AuditInput {
        token: &t,
        method: "GET",
        url: CTX.url,
        request_headers: &[],
        request_body: AuditRequestBody::None,
        outcome: AuditOutcome::Response {
            status: 500,
            headers: &[],
            body: body.as_bytes(),
        },
        latency_ms: 1,
        reason: None,
        context: None,
        injected_header_names: &[],
    }))
    .unwrap();
    assert_eq!(error.fields["response_body"], row["response_body"]);
}

#[test]
fn a_short_credential_does_not_garble_an_errors_identifiers() {
    let body = json!({
        "access_token": "3", "grant_id": GRANT, "provider_id": "p3", "injection_header": "X-K", "injection_format": "{token}",
    });
    let t = parse_token_response(body.to_string().as_bytes()).unwrap();
    let ProviderOutcome::Failure { error, .. } =
        classify_provider_response(401, &[], b"a3b", &t, &CTX, "AAECAwQFBgcICQoLDA0ODw")
    else {
        panic!("expected a failure");
    };
    assert_eq!(
        error.fields["response_body"],
        json!(format!("a{REDACTED}b"))
    );
    assert_eq!(error.fields["grant_id"], json!(GRANT));
    assert_eq!(error.fields["provider_id"], json!("p3"));
    assert_eq!(error.details["grant_id"], json!(GRANT));
    assert_eq!(error.details["provider_id"], json!("p3"));
}
