//! §3.5 credential injection with the §14.1 / §14.2 decisions.

mod b_common;

use alter_protocol::error::codes;
use alter_protocol::inject::inject_credential;
use alter_protocol::ErrorClass;
use b_common::*;
use serde_json::json;

fn names(headers: &[(String, String)], name: &str) -> Vec<String> {
    headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
        .collect()
}

#[test]
fn example_flow_bearer_injection() {
    let t = token(json!({}));
    let out = inject_credential(
        &t,
        h(&[("User-Agent", "ua")]),
        "https://a.test/x?maxResults=10",
    )
    .unwrap();
    assert_eq!(
        out.headers,
        h(&[
            ("User-Agent", "ua"),
            ("Authorization", "Bearer ya29.TEST-ACCESS-TOKEN")
        ])
    );
    assert_eq!(out.url, "https://a.test/x?maxResults=10");
    assert_eq!(out.injected_header_names, vec!["authorization"]);
}

#[test]
fn only_the_first_placeholder_is_replaced() {
    let t = token(json!({"injection_header": "X-Api-Key", "injection_format": "{token}|{token}"}));
    let out = inject_credential(&t, vec![], "https://a.test/").unwrap();
    assert_eq!(
        names(&out.headers, "x-api-key"),
        vec!["ya29.TEST-ACCESS-TOKEN|{token}"]
    );
    assert_eq!(out.injected_header_names, vec!["x-api-key"]);
}

#[test]
fn caller_header_of_any_case_is_replaced_once() {
    // §14.2: exactly one credential header, whatever case the caller used.
    let t = token(json!({}));
    let caller = h(&[
        ("authorization", "Basic caller"),
        ("X-Keep", "1"),
        ("AUTHORIZATION", "other"),
    ]);
    let out = inject_credential(&t, caller, "https://a.test/").unwrap();
    assert_eq!(
        names(&out.headers, "authorization"),
        vec!["Bearer ya29.TEST-ACCESS-TOKEN"]
    );
    assert_eq!(names(&out.headers, "x-keep"), vec!["1"]);
}

#[test]
fn additional_injections_in_order_skipping_empty_sources() {
    let t = token(json!({
        "additional_credentials": {"client_id": "CID", "account": "ACC"},
        "additional_injections": [
            {"target": "header", "key": "X-Client", "value_source": "additional_credentials.client_id"},
            {"target": "header", "key": "X-Missing", "value_source": "additional_credentials.nope"},
            {"target": "query_param", "key": "api_key", "value_source": "token"},
            {"target": "header", "key": "x-client", "value_source": "additional_credentials.account"},
            {"target": "query_param", "key": "acct", "value_source": "additional_credentials.account"}
        ]
    }));
    let out = inject_credential(
        &t,
        h(&[("X-CLIENT", "caller")]),
        "https://a.test/p?keep=1#frag",
    )
    .unwrap();
    // The later header rule overrides the earlier one (case-insensitively), the caller's is gone.
    assert_eq!(names(&out.headers, "x-client"), vec!["ACC"]);
    assert!(names(&out.headers, "x-missing").is_empty());
    assert_eq!(
        out.url,
        "https://a.test/p?keep=1&api_key=ya29.TEST-ACCESS-TOKEN&acct=ACC#frag"
    );
    assert_eq!(
        out.injected_header_names,
        vec!["authorization", "x-client", "x-missing"]
    );
}

#[test]
fn injected_query_param_replaces_the_callers() {
    // §14.1: append to the URL's query; a same-named field typed by the caller is replaced.
    let t = token(json!({
        "additional_injections": [{"target": "query_param", "key": "api_key", "value_source": "token"}]
    }));
    let out = inject_credential(
        &t,
        vec![],
        "https://a.test/p?a=1&api_key=CALLER&api%5Fkey=X&b=2",
    )
    .unwrap();
    assert_eq!(
        out.url,
        "https://a.test/p?a=1&b=2&api_key=ya29.TEST-ACCESS-TOKEN"
    );
    let out = inject_credential(&t, vec![], "https://a.test/p").unwrap();
    assert_eq!(out.url, "https://a.test/p?api_key=ya29.TEST-ACCESS-TOKEN");
}

#[test]
fn sigv4_is_refused_as_unsupported() {
    let t = token(
        json!({"injection_format": "AWS4-HMAC-SHA256", "additional_credentials": {"secret_key": "SECRET"}}),
    );
    let e = inject_credential(&t, vec![], "https://s3.amazonaws.com/b")
        .err()
        .expect("refused");
    assert_eq!(e.class, ErrorClass::BackendError);
    assert_eq!(e.code, codes::UNSUPPORTED);
    assert!(e.message.contains("SigV4"));
    assert!(!e.message.contains("SECRET") && !e.message.contains("ya29"));
}

#[test]
fn url_too_long_after_injection_is_refused() {
    let t = token(json!({
        "additional_injections": [{"target": "query_param", "key": "k", "value_source": "token"}]
    }));
    let long = format!("https://a.test/{}", "x".repeat(65_536 - 20));
    let e = inject_credential(&t, vec![], &long)
        .err()
        .expect("too long");
    assert_eq!(e.class, ErrorClass::AlterValueError);
    assert!(!e.message.contains("ya29"));
}
