//! Property tests: the part-B parsers and validators never panic on arbitrary input, and a few
//! invariants hold for every input.

mod b_common;

use alter_protocol::audit::{capture_response_body, sanitize_refusal_message};
use alter_protocol::context::{encode_context, validate_traceparent};
use alter_protocol::token::{parse_token_request_body, parse_token_response};
use alter_protocol::url::*;
use proptest::prelude::*;

fn url_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z]{0,6}://[^/]{0,20}(/.{0,20})?",
        "(https?|HTTP)://(\\[[0-9a-fA-F:.]{0,20}\\]|[a-z0-9.%@:_-]{0,20})(:[0-9]{0,7})?[/?#{}]{0,3}.{0,10}",
    ]
}

fn json_like() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<Vec<u8>>(),
        "\\{(\"[a-z_]{1,16}\":(null|true|-?[0-9]{1,4}(\\.[0-9])?|\"[^\"]{0,12}\"|\\[\\]|\\{\\}),?){0,8}\\}"
            .prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn token_response_never_panics(body in json_like()) {
        let _ = parse_token_response(&body);
        let _ = parse_token_request_body(&body);
        let _ = sanitize_refusal_message(&body);
        let _ = capture_response_body(&body);
    }

    #[test]
    fn token_response_fields_never_panic(
        at in any::<String>(), ea in any::<String>(), ih in any::<String>(), f in any::<String>(),
        g in "[0-9a-fA-F{}-]{0,40}", ei in any::<f64>(),
    ) {
        let v = serde_json::json!({
            "access_token": at, "grant_id": g, "expires_at": ea, "injection_header": ih,
            "injection_format": f, "expires_in": ei,
        });
        let _ = parse_token_response(v.to_string().as_bytes());
    }

    #[test]
    fn url_functions_never_panic(url in url_like(), k in "[A-Za-z_]{1,4}", v in any::<String>()) {
        let _ = validate_base_url(&url);
        let _ = validate_provider_url(&url);
        let _ = redact_url_for_log(&url);
        let _ = append_query(&url, &[(k.clone(), v.clone())]);
        let _ = set_query_param(&url, &k, &v);
        let _ = check_url_length(&url);
        let _ = validate_traceparent(&url);
        let _ = apply_path_params(&url, &[(k, v)]);
    }

    #[test]
    fn templated_urls_have_no_braces(url in any::<String>(), k in "[A-Za-z_][A-Za-z0-9_]{0,3}", v in any::<String>()) {
        if let Ok(out) = apply_path_params(&url, &[(k, v)]) {
            prop_assert!(!out.contains(['{', '}']), "braces left in {}", out);
        }
    }

    #[test]
    fn accepted_base_urls_are_http_s_without_trailing_slash(url in url_like()) {
        if let Ok(b) = validate_base_url(&url) {
            prop_assert!(!b.url.ends_with('/'));
            let lower = b.url.to_ascii_lowercase();
            prop_assert!(lower.starts_with("https://") || (lower.starts_with("http://") && b.insecure_loopback));
        }
    }

    #[test]
    fn redaction_keeps_only_scheme_and_host(url in url_like()) {
        let r = redact_url_for_log(&url);
        prop_assert!(r == "<unparseable-url>" || (r.contains("://") && !r.contains('?') && !r.contains('#') && !r.contains('@')));
    }

    #[test]
    fn context_never_panics(pairs in proptest::collection::vec((any::<String>(), any::<String>()), 0..25)) {
        if let Ok(Some(h)) = encode_context(&pairs) {
            prop_assert!(h.is_ascii() && h.len() <= 4096);
        }
    }
}

mod credential_never_in_audit {
    use super::b_common::{h, token};
    use alter_protocol::audit::{audit_row_body, AuditInput, AuditOutcome, AuditRequestBody};
    use alter_protocol::inject::inject_credential;
    use proptest::prelude::*;
    use serde_json::json;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// For any credential of realistic shape, wherever the caller or the provider puts it, the
        /// serialised audit row does not contain it.
        #[test]
        fn row_never_contains_the_credential(
            secret in "[A-Za-z0-9._~+/=-]{8,40}",
            numeric in "[1-9][0-9]{9,15}", // longer than any digit run of the grant UUID
            prefix in "[a-z ]{0,5}", suffix in "[a-z ]{0,5}",
            header_name in "X-[A-Za-z]{1,8}",
        ) {
            let t = token(json!({
                "access_token": secret,
                "additional_credentials": {"num": numeric},
                "additional_injections": [{"target": "query_param", "key": "k", "value_source": "token"}]
            }));
            let spiced = format!("{prefix}{secret}{suffix}");
            let caller = h(&[(&header_name, &spiced), ("Accept", &numeric)]);
            let url = format!("https://a.test/{spiced}?q={secret}");
            let injected = inject_credential(&t, caller, &url).unwrap();
            let num: u64 = numeric.parse().unwrap();
            let body = json!({"a": spiced, "n": num, "list": [secret.clone()]});
            let resp = h(&[("x-echo", &spiced), (&secret, "v")]);
            let text = audit_row_body(&AuditInput {
                token: &t,
                method: "POST",
                url: &url,
                request_headers: &injected.headers,
                request_body: AuditRequestBody::Json(&body),
                outcome: AuditOutcome::Response { status: 200, headers: &resp, body: spiced.as_bytes() },
                latency_ms: 1,
                reason: Some(&spiced),
                context: Some(&h(&[("k", &spiced)])),
                injected_header_names: &injected.injected_header_names,
            });
            prop_assert!(!text.contains(&secret), "{}", text);
            prop_assert!(!text.contains(&numeric), "{}", text);
        }
    }
}
