//! §3.2 token request body, §4.2 addressing rules, §3.4 strict token-response contract.

mod b_common;

use alter_protocol::grammar::{is_canonical_uuid, is_uuid_any_case};
use alter_protocol::token::*;
use alter_protocol::url::apply_path_params;
use alter_protocol::ErrorClass;
use b_common::*;
use serde_json::{json, Value};

fn grant_req(user_token: Option<&str>) -> TokenRequest {
    TokenRequest {
        target: GrantTarget::Grant {
            grant_id: GRANT.into(),
        },
        reason: None,
        method: "GET".into(),
        url: "https://www.googleapis.com/calendar/v3/calendars/primary/events".into(),
        user_token: user_token.map(Into::into),
    }
}

#[test]
fn example_flow_token_body_is_byte_identical() {
    let flow = &vectors()["example_flow"];
    let call = &flow["sdk_call"];
    let params: Vec<(String, String)> = call["path_params"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let url = apply_path_params(call["url"].as_str().unwrap(), &params).unwrap();
    let req = TokenRequest {
        target: GrantTarget::Grant {
            grant_id: call["grant_id"].as_str().unwrap().into(),
        },
        reason: None,
        method: call["method"].as_str().unwrap().into(),
        url,
        user_token: None,
    };
    let expected = flow["exchanges"][0]["body_utf8"].as_str().unwrap();
    assert_eq!(token_request_body(&req), expected);
}

#[test]
fn provider_mode_vector_body_is_byte_identical() {
    let v = vector("token_provider_mode_v2_identity");
    let req = TokenRequest {
        target: GrantTarget::Provider {
            provider_id: "stripe-production".into(),
            account: Some("ops@example.com".into()),
            label: None,
            app_user_id: None,
        },
        reason: Some("sync \u{2713} f\u{fc}r Zo\u{eb}".into()),
        method: "post".into(), // upper-cased into the body
        url: "https://api.example.com/v1/items".into(),
        user_token: Some("eyJhbGciOi.TEST.JWT".into()),
    };
    assert_eq!(
        token_request_body(&req),
        v["inputs"]["body_utf8"].as_str().unwrap()
    );
}

#[test]
fn body_key_order_and_optional_fields() {
    assert_eq!(
        token_request_body(&grant_req(Some("jwt"))),
        format!(
            r#"{{"grant_id":"{GRANT}","reason":null,"request":{{"method":"GET","url":"https://www.googleapis.com/calendar/v3/calendars/primary/events"}},"user_token":"jwt"}}"#
        )
    );
    let req = TokenRequest {
        target: GrantTarget::Provider {
            provider_id: "google".into(),
            account: Some("a@b.c".into()),
            label: Some("work".into()),
            app_user_id: Some("u1".into()),
        },
        reason: Some("r".into()),
        method: "GET".into(),
        url: "https://x.test/".into(),
        user_token: Some("t".into()),
    };
    assert_eq!(
        token_request_body(&req),
        r#"{"provider_id":"google","reason":"r","request":{"method":"GET","url":"https://x.test/"},"user_token":"t","app_user_id":"u1","account":"a@b.c","label":"work"}"#
    );
    // An empty account is not sent; no user_token key without a resolved token.
    let req = TokenRequest {
        target: GrantTarget::Provider {
            provider_id: "google".into(),
            account: Some(String::new()),
            label: None,
            app_user_id: None,
        },
        user_token: None,
        ..req
    };
    assert_eq!(
        token_request_body(&req),
        r#"{"provider_id":"google","reason":"r","request":{"method":"GET","url":"https://x.test/"}}"#
    );
}

#[test]
fn request_body_parser_round_trips_and_is_strict() {
    for req in [grant_req(None), grant_req(Some("jwt"))] {
        let body = token_request_body(&req);
        assert_eq!(parse_token_request_body(body.as_bytes()).unwrap(), req);
    }
    let v = vector("token_provider_mode_v2_identity");
    let parsed =
        parse_token_request_body(v["inputs"]["body_utf8"].as_str().unwrap().as_bytes()).unwrap();
    assert_eq!(
        parsed.reason.as_deref(),
        Some("sync \u{2713} f\u{fc}r Zo\u{eb}")
    );
    assert!(
        matches!(parsed.target, GrantTarget::Provider { ref account, .. } if account.as_deref() == Some("ops@example.com"))
    );

    let bad: &[&str] = &[
        "",
        "[]",
        "not json",
        r#"{"reason":null,"request":{"method":"GET","url":"u"}}"#,
        r#"{"grant_id":"g","provider_id":"p","reason":null,"request":{"method":"GET","url":"u"}}"#,
        r#"{"grant_id":"g","request":{"method":"GET","url":"u"}}"#,
        r#"{"grant_id":"g","reason":1,"request":{"method":"GET","url":"u"}}"#,
        r#"{"grant_id":"g","reason":null}"#,
        r#"{"grant_id":"g","reason":null,"request":{"method":"GET"}}"#,
        r#"{"grant_id":"g","reason":null,"request":{"method":"GET","url":"u","x":1}}"#,
        r#"{"grant_id":"g","reason":null,"request":{"method":"GET","url":"u"},"account":"a"}"#,
        r#"{"grant_id":"g","reason":null,"request":{"method":"GET","url":"u"},"label":"l"}"#,
        r#"{"grant_id":"g","reason":null,"request":{"method":"GET","url":"u"},"user_token":""}"#,
        r#"{"grant_id":"g","reason":null,"request":{"method":"GET","url":"u"},"extra":1}"#,
        r#"{"grant_id":7,"reason":null,"request":{"method":"GET","url":"u"}}"#,
        r#"{"provider_id":"p","reason":null,"request":{"method":"GET","url":"u"},"label":""}"#,
    ];
    for b in bad {
        let e = parse_token_request_body(b.as_bytes()).expect_err(b);
        assert_eq!(e.class, ErrorClass::AlterValueError, "{b}");
    }
}

#[test]
fn addressing_rules() {
    let ok = build_target(&TargetArgs {
        grant_id: Some("g"),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        ok,
        GrantTarget::Grant {
            grant_id: "g".into()
        }
    );

    let e = build_target(&TargetArgs::default()).unwrap_err();
    assert_eq!(
        (e.class, e.message.as_str()),
        (ErrorClass::AlterSDKError, "Provide grant_id or provider")
    );
    let e = build_target(&TargetArgs {
        grant_id: Some("g"),
        provider: Some("p"),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.message, "Cannot provide both grant_id and provider");
    assert_eq!(e.class, ErrorClass::AlterSDKError);

    // §14.4 decision: account with grant_id is an AlterValueError.
    for args in [
        TargetArgs {
            grant_id: Some("g"),
            account: Some("a@b"),
            ..Default::default()
        },
        TargetArgs {
            grant_id: Some("g"),
            label: Some("l"),
            ..Default::default()
        },
        TargetArgs {
            grant_id: Some("g"),
            app_user_id: Some("u"),
            ..Default::default()
        },
        TargetArgs {
            provider: Some("p"),
            label: Some(""),
            ..Default::default()
        },
        TargetArgs {
            provider: Some("p"),
            app_user_id: Some(""),
            ..Default::default()
        },
        // Step-1 checks run before the step-2 mode check.
        TargetArgs {
            label: Some("l"),
            ..Default::default()
        },
    ] {
        assert_eq!(
            build_target(&args).unwrap_err().class,
            ErrorClass::AlterValueError,
            "{args:?}"
        );
    }
    let t = build_target(&TargetArgs {
        provider: Some("p"),
        account: Some(""),
        label: Some("l"),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        t,
        GrantTarget::Provider {
            provider_id: "p".into(),
            account: None,
            label: Some("l".into()),
            app_user_id: None
        }
    );
    assert!(validate_target(&GrantTarget::Provider {
        provider_id: "p".into(),
        account: None,
        label: Some(String::new()),
        app_user_id: None
    })
    .is_err());
    assert!(validate_user_token(Some("")).is_err());
    assert!(validate_user_token(Some("x")).is_ok() && validate_user_token(None).is_ok());
}

#[test]
fn example_response_parses_with_defaults() {
    let t = parse_token_response(EXAMPLE_TOKEN_RESPONSE.as_bytes()).unwrap();
    assert_eq!(t.access_token, "ya29.TEST-ACCESS-TOKEN");
    assert_eq!(t.grant_id, GRANT);
    assert_eq!(t.expires_in, Some(3599));
    assert_eq!(t.provider_id, "google");
    assert_eq!(
        t.token_generation.as_deref(),
        Some("0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e")
    );
    assert_eq!(
        t.scopes,
        vec!["https://www.googleapis.com/auth/calendar.readonly"]
    );
    assert!(!t.scope_mismatch && !is_sigv4(&t));

    let min = parse_token_response(
        format!(r#"{{"access_token":"a","grant_id":"{GRANT}","unknown":[1]}}"#).as_bytes(),
    )
    .unwrap();
    assert_eq!(min.token_type, "Bearer");
    assert_eq!(min.injection_header, "Authorization");
    assert_eq!(min.injection_format, "Bearer {token}");
    assert_eq!(min.provider_id, "");
    assert!(min.scopes.is_empty() && min.additional_injections.is_empty());
    assert!(min.additional_credentials.is_none() && min.retry_info.is_none());
    assert_eq!(
        (
            min.expires_in,
            min.expires_at.as_deref(),
            min.token_generation.as_deref()
        ),
        (None, None, None)
    );
}

fn fails_with(patch: Value, message: &str) {
    match token_with(patch.clone(), &[]) {
        Ok(_) => panic!("accepted {patch}"),
        Err(e) => {
            assert_eq!(e.message, message, "patch {patch}");
            assert_eq!(e.class, ErrorClass::BackendError);
        }
    }
}

fn passes(patch: Value) {
    if let Err(e) = token_with(patch.clone(), &[]) {
        panic!("rejected {patch}: {}", e.message);
    }
}

#[test]
fn non_object_and_missing_fields_are_malformed() {
    for body in ["", "null", "[]", "\"x\"", "{", "1"] {
        let e = parse_token_response(body.as_bytes()).unwrap_err();
        assert_eq!(e.message, messages::MALFORMED);
        assert_eq!(e.class, ErrorClass::BackendError);
    }
    let e = parse_token_response(b"{}").unwrap_err();
    assert_eq!(e.message, "Backend returned a malformed token response");
    assert_eq!(
        e.details["missing_fields"],
        json!(["access_token", "grant_id"])
    );
    let e = token_with(json!({}), &["grant_id"]).unwrap_err();
    assert_eq!(e.details["missing_fields"], json!(["grant_id"]));
    // Present-but-null is not missing: it fails its field check.
    fails_with(
        json!({"access_token": null}),
        "Backend returned an invalid access_token",
    );
}

#[test]
fn every_field_message() {
    use serde_json::json as j;
    fails_with(
        j!({"access_token": ""}),
        "Backend returned an invalid access_token",
    );
    fails_with(
        j!({"access_token": "a\nb"}),
        "Backend returned an invalid access_token",
    );
    fails_with(
        j!({"access_token": "a\u{0}"}),
        "Backend returned an invalid access_token",
    );
    fails_with(
        j!({"access_token": 5}),
        "Backend returned an invalid access_token",
    );
    passes(j!({"access_token": "tab\tok"}));

    for tt in [
        j!(""),
        j!("  "),
        j!(" Bearer"),
        j!("Bear\u{7f}er"),
        j!(null),
        j!("x".repeat(256)),
    ] {
        fails_with(
            j!({ "token_type": tt }),
            "Backend returned an invalid token_type",
        );
    }
    passes(j!({"token_type": "x".repeat(255)}));

    for ei in [j!(3600.0), j!(true), j!(-1), j!("3600"), j!(1.5)] {
        fails_with(
            j!({ "expires_in": ei }),
            "Backend returned an invalid expires_in",
        );
    }
    passes(j!({"expires_in": null}));
    passes(j!({"expires_in": 0}));

    for ea in [
        "2026-01-01T00:59:59",
        "2026-01-01 00:59:59Z",
        "2026-01-01t00:59:59Z",
        "2026-01-01T00:59:59z",
        "2026-01-01T00:59:59+01:60",
        "2026-01-01T00:59:59.1234567890Z",
        "2026-01-01T00:59:59.Z",
        "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T00:00:60Z",
        "26-01-01T00:00:00Z",
        "2026-01-01T00:00:00+0100",
        "2026-01-01T00:00:00+24:00",
        "",
    ] {
        fails_with(
            j!({ "expires_at": ea }),
            "Backend returned an invalid expires_at",
        );
    }
    fails_with(
        j!({"expires_at": 5}),
        "Backend returned an invalid expires_at",
    );
    for ea in [
        "2026-01-01T00:59:59Z",
        "2024-02-29T23:59:59.123456789-05:30",
        "2026-01-01T00:00:00+00:59",
    ] {
        passes(j!({ "expires_at": ea }));
    }
    passes(j!({"expires_at": null}));

    for sc in [
        j!(null),
        j!("a b"),
        j!([""]),
        j!([" a"]),
        j!(["a\u{1}"]),
        j!([1]),
    ] {
        fails_with(j!({ "scopes": sc }), "Backend returned invalid scopes");
    }
    passes(j!({"scopes": ["read write inner-space"]}));

    for g in [
        j!(null),
        j!(1),
        j!("nope"),
        j!("3f2c1a9e8b7d4c6e9f0123456789abcdX"),
    ] {
        fails_with(
            j!({ "grant_id": g }),
            "Backend returned an invalid grant_id",
        );
    }
    for g in [
        "3F2C1A9E-8B7D-4C6E-9F01-23456789ABCD",
        "3f2c1a9e8b7d4c6e9f0123456789abcd",
        "{3f2c1a9e-8b7d-4c6e-9f01-23456789abcd}",
        "urn:uuid:3f2c1a9e-8b7d-4c6e-9f01-23456789abcd",
    ] {
        fails_with(
            j!({ "grant_id": g }),
            "Backend returned a non-canonical grant_id",
        );
    }

    for p in [
        j!(null),
        j!(" google"),
        j!("goo\u{7f}gle"),
        j!("x".repeat(256)),
        j!(1),
    ] {
        fails_with(
            j!({ "provider_id": p }),
            "Backend returned an invalid provider_id",
        );
    }
    passes(j!({"provider_id": ""}));

    for s in [j!(null), j!(0), j!("false")] {
        fails_with(
            j!({ "scope_mismatch": s }),
            "Backend returned invalid scope_mismatch",
        );
    }
    assert!(token(j!({"scope_mismatch": true})).scope_mismatch);

    for ih in [
        j!(null),
        j!("1Auth"),
        j!("X_Api"),
        j!("X Api"),
        j!(""),
        j!("A".repeat(61)),
    ] {
        fails_with(
            j!({ "injection_header": ih }),
            "Backend returned an invalid injection_header",
        );
    }
    for forbidden in FORBIDDEN_INJECTION_HEADERS {
        let mixed: String = forbidden
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        fails_with(
            j!({ "injection_header": mixed }),
            "Backend returned an invalid injection_header",
        );
    }
    passes(j!({"injection_header": "A".repeat(60)}));

    for f in [
        j!(null),
        j!("Bearer"),
        j!("Bearer {token}\r\n"),
        j!(format!("{{token}}{}", "x".repeat(194))),
    ] {
        fails_with(
            j!({ "injection_format": f }),
            "Backend returned an invalid injection_format",
        );
    }
    passes(j!({"injection_format": format!("{{token}}{}", "x".repeat(193))}));
    passes(j!({"injection_format": "AWS4-HMAC-SHA256"}));

    let eleven: serde_json::Map<String, Value> =
        (0..11).map(|i| (format!("k{i}"), j!("v"))).collect();
    for c in [
        j!([]),
        j!("x"),
        j!({"k": ""}),
        j!({"k": "  "}),
        j!({"k": 1}),
        j!({"k": "a\nb"}),
        j!({"k": "x".repeat(8193)}),
        j!({ "k".repeat(51): "v" }),
        Value::Object(eleven),
    ] {
        fails_with(
            j!({ "additional_credentials": c }),
            "Backend returned invalid additional_credentials",
        );
    }
    passes(j!({"additional_credentials": {"secret_key": "x".repeat(8192)}}));
    passes(j!({"additional_credentials": null}));

    let rule = |t: &str, k: &str, s: &str| j!({"target": t, "key": k, "value_source": s});
    let twelve: Vec<Value> = (0..11).map(|_| rule("header", "X-A", "token")).collect();
    for inj in [
        j!({}),
        j!("x"),
        j!([1]),
        Value::Array(twelve),
        j!([rule("body", "X-A", "token")]),
        j!([rule("header", "_X", "token")]),
        j!([rule("header", &"X".repeat(101), "token")]),
        j!([rule("header", "X-A", "Token")]),
        j!([rule("header", "X-A", "additional_credentials.Key")]),
        j!([rule("header", "X-A", "additional_credentials.")]),
        j!([rule("header", "Cookie", "token")]),
        j!([{"target": "header", "key": "X-A"}]),
    ] {
        fails_with(
            j!({ "additional_injections": inj }),
            "Backend returned invalid additional_injections",
        );
    }
    passes(
        j!({"additional_injections": [rule("query_param", "cookie", "token"), rule("header", "X_B-c", "additional_credentials.api_key2")]}),
    );
}

#[test]
fn schema_pass_failures_are_malformed() {
    // A rule with a key beyond {target, key, value_source}: malformed, as Python's strict model.
    fails_with(
        json!({"additional_injections": [{"target": "header", "key": "X-A", "value_source": "token", "extra": 1}]}),
        "Backend returned a malformed token response",
    );
    for tg in [
        json!("0B9C8D7E-6F5A-4B3C-8D2E-1F0A9B8C7D6E"),
        json!("x"),
        json!(5),
    ] {
        fails_with(
            json!({ "token_generation": tg }),
            "Backend returned a malformed token response",
        );
    }
    passes(json!({"token_generation": null}));
    // retry_info is best effort: a malformed one is dropped, a good one kept.
    assert!(token(json!({"retry_info": "junk"})).retry_info.is_none());
    assert!(token(
        json!({"retry_info": {"total_attempts": 2, "successful_attempt": 2, "errors": []}})
    )
    .retry_info
    .is_some());
}

#[test]
fn first_failing_field_decides_the_message() {
    // access_token is checked before grant_id, grant_id before injection_header.
    fails_with(
        json!({"access_token": "", "grant_id": "x"}),
        messages::ACCESS_TOKEN,
    );
    fails_with(
        json!({"grant_id": "x", "injection_header": "Host"}),
        messages::GRANT_ID,
    );
}

#[test]
fn debug_redacts_credentials() {
    let t = token(json!({"additional_credentials": {"secret_key": "SUPER-SECRET-VALUE"}}));
    let dbg = format!("{t:?}");
    assert!(!dbg.contains("ya29.TEST-ACCESS-TOKEN"), "{dbg}");
    assert!(!dbg.contains("SUPER-SECRET-VALUE"), "{dbg}");
    assert!(dbg.contains("secret_key") && dbg.contains(GRANT));
    let pretty = format!("{t:#?}");
    assert!(!pretty.contains("ya29.TEST-ACCESS-TOKEN") && !pretty.contains("SUPER-SECRET-VALUE"));
}

#[test]
fn sigv4_recognition() {
    assert!(is_sigv4(&token(
        json!({"injection_format": "AWS4-HMAC-SHA256", "additional_credentials": {"secret_key": "s"}})
    )));
    assert!(is_sigv4(&token(
        json!({"injection_format": "AWS4-HMAC-SHA256 x", "additional_credentials": {}})
    )));
    assert!(!is_sigv4(&token(
        json!({"injection_format": "AWS4-HMAC-SHA256"})
    )));
    assert!(!is_sigv4(&token(
        json!({"additional_credentials": {"secret_key": "s"}})
    )));
}

#[test]
fn uuid_shapes() {
    assert!(is_canonical_uuid(GRANT));
    assert!(!is_canonical_uuid("3F2C1A9E-8B7D-4C6E-9F01-23456789ABCD"));
    assert!(is_uuid_any_case("3F2C1A9E-8B7D-4C6E-9F01-23456789ABCD"));
    for bad in [
        "",
        "3f2c1a9e8b7d4c6e9f0123456789abcd",
        "3f2c1a9e-8b7d-4c6e-9f01-23456789abc",
        "3f2c1a9e-8b7d-4c6e-9f01-23456789abcg",
        "3f2c1a9e_8b7d-4c6e-9f01-23456789abcd",
    ] {
        assert!(!is_uuid_any_case(bad) && !is_canonical_uuid(bad), "{bad}");
    }
}

/// The `allowed_hosts` extension: absent or null means no list; a list of strings is kept as sent;
/// anything else fails closed (a restriction the SDK cannot read must not be ignored).
#[test]
fn allowed_hosts_extension() {
    assert_eq!(token(json!({})).allowed_hosts, None);
    assert_eq!(token(json!({"allowed_hosts": null})).allowed_hosts, None);
    assert_eq!(
        token(json!({"allowed_hosts": ["*.googleapis.com", "api.example.com:8443"]})).allowed_hosts,
        Some(vec!["*.googleapis.com".to_string(), "api.example.com:8443".to_string()])
    );
    for bad in [json!("x"), json!([1]), json!([""]), json!(["a\nb"]), json!({"a": 1})] {
        let e = token_with(json!({ "allowed_hosts": bad }), &[]).unwrap_err();
        assert_eq!(e.class, ErrorClass::BackendError, "{bad}");
    }
}
