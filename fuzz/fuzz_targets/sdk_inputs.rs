//! The rest of the SDK's input surface on fuzz-chosen values: keys (§1.1), the `/sdk/token` request
//! body the dev vault parses (§3.2), URLs (§1.3, §4.3, §5.4), context and constraint headers
//! (§2.8, §8.1), credential injection (§3.5) and the audit row (§5.3-§5.4).
//!
//! Checked: no panic anywhere, and
//! * `is_valid_key` agrees with `validate_api_key`; `make_scoped_key` output always validates;
//! * a parsed token request re-serialises to a body that parses to the same request (method
//!   upper-cased) and is a fixed point;
//! * a validated base URL has no trailing `/`; a log-redacted URL is `scheme://host` only;
//! * request-rule and context headers respect their 4,096-byte limits;
//! * injection leaves exactly one header of the injected name, and the audit row built after it
//!   is JSON and never contains the access token, even when the caller's headers, URL, body,
//!   reason, context or the provider's echo carry it.
#![no_main]

use alter_protocol::audit::{
    audit_row_body, capture_response_body, sanitize_refusal_message, AuditInput, AuditOutcome,
    AuditRequestBody,
};
use alter_protocol::context::{
    encode_context, request_rule_header, scope_constraints_header, validate_caller,
    validate_caller_type, validate_traceparent,
};
use alter_protocol::inject::inject_credential;
use alter_protocol::keys::{is_valid_key, make_scoped_key, validate_api_key};
use alter_protocol::token::{parse_token_request_body, parse_token_response, token_request_body};
use alter_protocol::url::{
    append_query, apply_path_params, check_url_length, redact_url_for_log, validate_base_url,
    validate_provider_url,
};
use arbitrary::{Result, Unstructured};
use fuzz_common::{gen_value, pick_string, Vocab};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

const BASE32: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";

const URLS: &[&str] = &[
    "https://backend.alterauth.com", "https://backend.alterauth.com/", "http://127.0.0.1:8080//",
    "http://localhost", "http://[::1]:9/x", "https://user:pw@api.example.com:443/a?b=c#d",
    "https://api.example.com/v1/{id}/items?x={id}", "https://[fe80::1%25eth0]/", "https:///x",
    "https://exa mple.com", "https://a.com:99999", "https://a.com:-1", "http://example.com",
    "https://a\\b.com", "ftp://a.com", "https://a.com/?q=1&q=2", "HTTPS://A.COM", "", "//a.com",
];

const STRINGS: &[&str] = &[
    "", "x", "{id}", "{", "}", "a/b", "é", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "agent", "service", "billing-bot", "*", "repo", "read:user", "run_id", "thread_id", "\u{7f}",
];

fn key_checks(u: &mut Unstructured) -> Result<()> {
    let key = pick_string(u, &["alter_key_A1b2C3d4E5f6G7h8I9j0-_KlMnOpQrStUvWxYz01", "alter_rk_abcdefghijklmnopqrstuv_iwpykn"])?;
    assert_eq!(is_valid_key(&key), validate_api_key(&key).is_ok());
    let t = *u.choose(&["rk", "ak", "dk", "pk"])?;
    let random: String = (0..22)
        .map(|_| u.choose(BASE32).map(|&b| char::from(b)))
        .collect::<Result<_>>()?;
    let k = make_scoped_key(t, &random);
    assert!(is_valid_key(&k), "make_scoped_key produced an invalid key {k}");
    Ok(())
}

fn token_request_checks(u: &mut Unstructured) -> Result<()> {
    let vocab = Vocab {
        strings: &["3f2c1a9e-8b7d-4c6e-9f01-23456789abcd", "google", "GET", "post", "https://a.com/x", "", "u1"],
        keys: &["grant_id", "provider_id", "reason", "request", "method", "url", "user_token", "app_user_id", "account", "label"],
    };
    let body = if u.arbitrary()? {
        let mut v = json!({"grant_id":"3f2c1a9e-8b7d-4c6e-9f01-23456789abcd","reason":null,"request":{"method":"GET","url":"https://a.com/x"}});
        if u.arbitrary()? {
            v = json!({"provider_id":"google","reason":"sync","request":{"method":"post","url":"https://a.com/x"},"user_token":"jwt","app_user_id":"u1","account":"a@x","label":"work"});
        }
        for _ in 0..u.int_in_range(0..=3u8)? {
            let k = pick_string(u, vocab.keys)?;
            let val = gen_value(u, &vocab, 2)?;
            if let Some(o) = v.as_object_mut() {
                if u.ratio(1u8, 4u8)? { o.remove(&k); } else { o.insert(k, val); }
            }
        }
        v.to_string().into_bytes()
    } else {
        u.arbitrary::<Vec<u8>>()?
    };
    if let Ok(r1) = parse_token_request_body(&body) {
        let b1 = token_request_body(&r1);
        let r2 = parse_token_request_body(b1.as_bytes()).expect("a serialised token request must parse");
        assert_eq!(r2.method, r1.method.to_ascii_uppercase());
        assert_eq!((&r2.target, &r2.reason, &r2.url, &r2.user_token), (&r1.target, &r1.reason, &r1.url, &r1.user_token));
        assert_eq!(token_request_body(&r2), b1, "token request body is not a fixed point");
    }
    Ok(())
}

fn url_checks(u: &mut Unstructured) -> Result<()> {
    let url = pick_string(u, URLS)?;
    if let Ok(b) = validate_base_url(&url) {
        assert!(!b.url.ends_with('/'), "base URL kept a trailing slash: {}", b.url);
    }
    let _ = validate_provider_url(&url);
    let _ = check_url_length(&url);
    let red = redact_url_for_log(&url);
    if red != "<unparseable-url>" {
        let (scheme, host) = red.split_once("://").expect("redacted URL is scheme://host");
        assert!(!scheme.is_empty(), "redacted URL without scheme: {red}");
        assert!(!host.contains(['@', '/', '?', '#']), "redacted URL keeps more than the host: {red}");
    }
    let params: Vec<(String, String)> = (0..u.int_in_range(0..=3u8)?)
        .map(|_| Ok((pick_string(u, &["id", "q", "", "a b"])?, pick_string(u, STRINGS)?)))
        .collect::<Result<_>>()?;
    if let Ok(resolved) = apply_path_params(&url, &params) {
        assert!(!resolved.contains(['{', '}']), "placeholder left after apply_path_params");
    }
    let _ = append_query(&url, &params);
    Ok(())
}

fn header_checks(u: &mut Unstructured) -> Result<()> {
    let s = pick_string(u, STRINGS)?;
    let _ = (validate_caller(&s), validate_caller_type(&s), validate_traceparent(&s));
    let scopes: Vec<String> = (0..u.int_in_range(0..=4u8)?).map(|_| pick_string(u, STRINGS)).collect::<Result<_>>()?;
    if let Ok(h) = scope_constraints_header(&scopes) {
        assert!(!h.contains(['\r', '\n', '\0']));
    }
    let vocab = Vocab { strings: STRINGS, keys: STRINGS };
    let body = gen_value(u, &vocab, 3)?;
    if let Ok(h) = request_rule_header(&s, &body) {
        assert!(h.len() <= 4096 && h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }
    let ctx: Vec<(String, String)> = (0..u.int_in_range(0..=24u8)?)
        .map(|_| Ok((pick_string(u, STRINGS)?, u.arbitrary::<String>()?)))
        .collect::<Result<_>>()?;
    if let Ok(Some(c)) = encode_context(&ctx) {
        assert!(c.len() <= 4096 && c.is_ascii(), "context header over the limit or not ASCII");
    }
    Ok(())
}

/// A distinctive token (≥ 16 chars of [A-Za-z0-9.-]) so any occurrence in the row is a leak.
fn inject_and_audit(u: &mut Unstructured) -> Result<()> {
    let token: String = format!("tok.{}", (0..u.int_in_range(12..=40usize)?)
        .map(|_| u.choose(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-").map(|&b| char::from(b)))
        .collect::<Result<String>>()?);
    let header = pick_string(u, &["Authorization", "X-Api-Key", "x-goog-api-key", "Api-Key"])?;
    let format = pick_string(u, &["Bearer {token}", "{token}", "Token token={token}", "{token}{token}"])?;
    let mut payload = json!({"access_token": token, "grant_id": "3f2c1a9e-8b7d-4c6e-9f01-23456789abcd",
        "provider_id": "google", "injection_header": header, "injection_format": format});
    if u.arbitrary()? {
        payload["additional_injections"] = json!([{"target": pick_string(u, &["header", "query_param"])?,
            "key": pick_string(u, &["api_key", "X-Extra", "authorization", "Key"])?, "value_source": "token"}]);
    }
    let Ok(t) = parse_token_response(payload.to_string().as_bytes()) else { return Ok(()) };

    // Caller headers, possibly clashing with the injected name in another case or carrying the token.
    let pick = |u: &mut Unstructured| -> Result<String> {
        Ok(match u.int_in_range(0..=3u8)? {
            0 => token.clone(),
            1 => format!("x{token}y"),
            _ => pick_string(u, STRINGS)?,
        })
    };
    let headers: Vec<(String, String)> = (0..u.int_in_range(0..=4u8)?)
        .map(|_| Ok((pick_string(u, &["authorization", "AUTHORIZATION", "x-api-key", "Accept", "Cookie", "X-Custom"])?, pick(u)?)))
        .collect::<Result<_>>()?;
    let url = format!("{}{}", pick_string(u, &["https://api.example.com/v1", "https://api.example.com/v1?api_key=old&x=1"])?,
        if u.arbitrary()? { format!("&leak={}", pick(u)?) } else { String::new() });
    let Ok(inj) = inject_credential(&t, headers.clone(), &url) else { return Ok(()) };
    let n = inj.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(&t.injection_header)).count();
    assert_eq!(n, 1, "injection left {n} headers named {}", t.injection_header);
    assert!(inj.injected_header_names.iter().all(|h| *h == h.to_ascii_lowercase()));

    let resp_headers: Vec<(String, String)> = (0..u.int_in_range(0..=3u8)?)
        .map(|_| Ok((pick_string(u, &["set-cookie", "Content-Type", "X-Echo", "authorization"])?, pick(u)?)))
        .collect::<Result<_>>()?;
    let resp_body = match u.int_in_range(0..=2u8)? {
        0 => format!("{{\"echo\":\"{}\"}}", pick(u)?).into_bytes(),
        1 => u.arbitrary::<Vec<u8>>()?,
        _ => Vec::new(),
    };
    let json_body = json!({"k": pick(u)?, pick(u)?: [pick(u)?]});
    let raw_body = pick(u)?.into_bytes();
    let reason = pick(u)?;
    let ctx = vec![("run_id".to_string(), pick(u)?), (pick(u)?, "v".to_string())];
    let outcome = match u.int_in_range(0..=2u8)? {
        0 => AuditOutcome::Response { status: u.arbitrary()?, headers: &resp_headers, body: &resp_body },
        1 => AuditOutcome::Timeout { after_ms: u.arbitrary()? },
        _ => AuditOutcome::NetworkFailure,
    };
    let request_body = match u.int_in_range(0..=2u8)? {
        0 => AuditRequestBody::Json(&json_body),
        1 => AuditRequestBody::Raw(&raw_body),
        _ => AuditRequestBody::None,
    };
    let row = audit_row_body(&AuditInput {
        token: &t,
        method: "get",
        url: &url,
        request_headers: &headers,
        request_body,
        outcome,
        latency_ms: u.arbitrary()?,
        reason: Some(&reason),
        context: Some(&ctx),
        injected_header_names: &inj.injected_header_names,
    });
    assert!(serde_json::from_str::<Value>(&row).is_ok(), "audit row is not JSON");
    assert!(!row.contains(token.as_str()), "audit row contains the access token: {row}");

    let _ = capture_response_body(&resp_body);
    if let Some(m) = sanitize_refusal_message(&resp_body) {
        assert!(m.chars().count() <= 301 && !m.chars().any(|c| matches!(c as u32, 0..=0x1f | 0x7f..=0x9f)));
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let mut u = Unstructured::new(rest);
    let _ = match mode % 5 {
        0 => key_checks(&mut u),
        1 => token_request_checks(&mut u),
        2 => url_checks(&mut u),
        3 => header_checks(&mut u),
        _ => inject_and_audit(&mut u),
    };
});
