//! §3.4 token-response contract (`parse_token_response`), fed as JSON text or generated:
//! * first byte 0x01..=0x08: a structured generator that starts from a valid payload (the §3.6 example, or
//!   a managed-secret variant) and applies field edits drawn from values that sit on the contract's
//!   edges (non-canonical UUIDs, forbidden headers, CR/LF, bad dates, wrong types...);
//! * anything else: the whole input is the body (seeds are plain JSON; the fuzzer mutates it).
//!
//! Checked on every input: no panic; a failure is a `BackendError` whose message, details and
//! fields never contain the access token. On success: access_token non-empty without CR/LF/NUL,
//! grant_id canonical, injection header (and header-target extra injections) not forbidden, the
//! format free of CR/LF/NUL, and `Debug` never prints the token.
#![no_main]

use alter_protocol::error::ErrorClass;
use alter_protocol::json::to_json_ascii;
use alter_protocol::grammar::is_canonical_uuid;
use alter_protocol::token::{parse_token_response, InjectionTarget, FORBIDDEN_INJECTION_HEADERS};
use arbitrary::{Result as ArbResult, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};

/// The marker access token of the structured seeds; long and plain so a leak is unambiguous.
const TOKEN: &str = "ya29.FUZZ-ACCESS-TOKEN-0123456789";

fn seed(u: &mut Unstructured) -> ArbResult<Value> {
    Ok(match u.int_in_range(0..=2u8)? {
        // protocol-core.md §3.6
        0 => json!({"access_token":TOKEN,"token_type":"Bearer","expires_in":3599,
            "expires_at":"2026-01-01T00:59:59Z","scopes":["https://www.googleapis.com/auth/calendar.readonly"],
            "grant_id":"3f2c1a9e-8b7d-4c6e-9f01-23456789abcd","provider_id":"google",
            "token_generation":"0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e","scope_mismatch":false,
            "injection_header":"Authorization","injection_format":"Bearer {token}"}),
        // §3.6 managed-secret style with a query-param extra injection
        1 => json!({"access_token":TOKEN,"grant_id":"3f2c1a9e-8b7d-4c6e-9f01-23456789abcd",
            "injection_header":"X-Api-Key","injection_format":"{token}",
            "additional_injections":[{"target":"query_param","key":"api_key","value_source":"token"}]}),
        // minimal payload with the optional structures present
        _ => json!({"access_token":TOKEN,"grant_id":"00000000-0000-4000-8000-000000000000",
            "additional_credentials":{"secret_key":"s3cr3t-value","region":"us-east-1"},
            "additional_injections":[{"target":"header","key":"X-Region","value_source":"additional_credentials.region"}],
            "retry_info":{"total_attempts":2,"successful_attempt":2,"errors":[{"attempt":1,"error":"timeout","error_type":"TimeoutError","delay_s":0.5,"permanent":false}]}}),
    })
}

const FIELDS: &[&str] = &[
    "access_token", "token_type", "expires_in", "expires_at", "scopes", "grant_id", "provider_id",
    "token_generation", "scope_mismatch", "injection_header", "injection_format",
    "additional_credentials", "additional_injections", "retry_info", "unknown_field",
];

const EDGE_STRINGS: &[&str] = &[
    "", " ", "Bearer", " Bearer", "Bearer {token}", "{token}", "Token {token}\r\nX: y",
    "AWS4-HMAC-SHA256 Credential={token}", "AWS4-HMAC-SHA256",
    "3f2c1a9e-8b7d-4c6e-9f01-23456789abcd", "3F2C1A9E-8B7D-4C6E-9F01-23456789ABCD",
    "{3f2c1a9e-8b7d-4c6e-9f01-23456789abcd}", "urn:uuid:3f2c1a9e-8b7d-4c6e-9f01-23456789abcd",
    "3f2c1a9e8b7d4c6e9f0123456789abcd", "3f2c1a9e-8b7d-4c6e-9f01-23456789abcg",
    "Authorization", "authorization", "X-Api-Key", "Host", "hOsT", "Content-Length", "Cookie",
    "X-Forwarded-For", "Te", "1Bad", "X_Under", "token", "additional_credentials.region",
    "additional_credentials.Region", "additional_credentials.", "header", "query_param", "body",
    "2026-01-01T00:59:59Z", "2026-01-01T00:59:59.123456789+05:30", "2026-02-29T00:00:00Z",
    "2024-02-29T23:59:59-00:00", "2026-01-01t00:59:59z", "2026-01-01T24:00:00Z",
    "2026-01-01T00:59:59+05:60", "2026-01-01T00:59:59.1234567890Z", "2026-01-01 00:59:59Z",
    "a\nb", "a\rb", "a\u{0}b", "a\u{7f}", "\u{85}", "日本語", "é", "\u{FEFF}x", "google",
];

fn edge_string(u: &mut Unstructured) -> ArbResult<String> {
    if u.ratio(3u8, 4u8)? {
        Ok(u.choose(EDGE_STRINGS)?.to_string())
    } else {
        u.arbitrary::<String>()
    }
}

fn gen_value(u: &mut Unstructured, depth: u32) -> ArbResult<Value> {
    let max = if depth == 0 { 6 } else { 9 };
    Ok(match u.int_in_range(0..=max)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::from(u.arbitrary::<i64>()?),
        3 => Value::from(u.arbitrary::<u64>()?),
        4 => serde_json::Number::from_f64(u.arbitrary::<f64>()?).map_or(Value::Null, Value::Number),
        5 | 6 => Value::String(edge_string(u)?),
        7 => {
            let n = u.int_in_range(0..=12usize)?;
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                v.push(gen_value(u, depth - 1)?);
            }
            Value::Array(v)
        }
        8 => {
            // An injection-rule-shaped object.
            let mut m = Map::new();
            for key in ["target", "key", "value_source", "extra"] {
                if u.ratio(3u8, 4u8)? {
                    let v = if u.ratio(3u8, 4u8)? { Value::String(edge_string(u)?) } else { gen_value(u, depth - 1)? };
                    m.insert(key.to_string(), v);
                }
            }
            Value::Object(m)
        }
        _ => {
            let n = u.int_in_range(0..=12usize)?;
            let mut m = Map::new();
            for _ in 0..n {
                m.insert(edge_string(u)?, gen_value(u, depth - 1)?);
            }
            Value::Object(m)
        }
    })
}

fn structured(u: &mut Unstructured) -> ArbResult<Vec<u8>> {
    let mut v = seed(u)?;
    let Value::Object(obj) = &mut v else { unreachable!() };
    let edits = u.int_in_range(0..=4u8)?;
    for _ in 0..edits {
        let field = u.choose(FIELDS)?.to_string();
        match u.int_in_range(0..=3u8)? {
            0 => {
                obj.remove(&field);
            }
            1 => {
                obj.insert(field, Value::String(edge_string(u)?));
            }
            _ => {
                let value = gen_value(u, 2)?;
                obj.insert(field, value);
            }
        }
    }
    // Python-style ASCII JSON or raw UTF-8: both are valid JSON the backend might send.
    Ok(if u.arbitrary()? { to_json_ascii(&v) } else { v.to_string() }.into_bytes())
}

fn is_forbidden(name: &str) -> bool {
    FORBIDDEN_INJECTION_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

fn count_in_strings(v: &Value, needle: &str) -> usize {
    match v {
        Value::String(s) => usize::from(s.contains(needle)),
        Value::Array(a) => a.iter().map(|x| count_in_strings(x, needle)).sum(),
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| usize::from(k.contains(needle)) + count_in_strings(x, needle))
            .sum(),
        _ => 0,
    }
}

/// The access token as the body states it, when it is distinctive enough that finding it in an
/// output proves a leak: ≥ 16 chars of `[A-Za-z0-9.-]` (no Debug/JSON escape or field name can
/// produce such a run), appearing once in the raw body and in exactly one decoded string.
fn distinctive_token(body: &[u8], parsed: &Value) -> Option<String> {
    let t = parsed.get("access_token")?.as_str()?;
    let plain = t.len() >= 16 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if !plain || count_in_strings(parsed, t) != 1 {
        return None;
    }
    let raw_hits = body.windows(t.len()).filter(|w| *w == t.as_bytes()).count();
    (raw_hits == 1).then(|| t.to_string())
}

fn check(body: &[u8]) {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let token = parsed.as_ref().and_then(|p| distinctive_token(body, p));
    match parse_token_response(body) {
        Ok(r) => {
            assert!(!r.access_token.is_empty(), "empty access_token accepted");
            assert!(!r.access_token.contains(['\r', '\n', '\0']), "CR/LF/NUL access_token accepted");
            assert!(is_canonical_uuid(&r.grant_id), "non-canonical grant_id accepted: {:?}", r.grant_id);
            if let Some(g) = &r.token_generation {
                assert!(is_canonical_uuid(g), "non-canonical token_generation accepted");
            }
            assert!(!is_forbidden(&r.injection_header), "forbidden injection_header accepted: {}", r.injection_header);
            assert!(!r.injection_header.is_empty());
            assert!(!r.injection_format.contains(['\r', '\n', '\0']), "CR/LF/NUL injection_format accepted");
            for rule in &r.additional_injections {
                if rule.target == InjectionTarget::Header {
                    assert!(!is_forbidden(&rule.key), "forbidden extra injection header accepted: {}", rule.key);
                }
            }
            if let Some(creds) = &r.additional_credentials {
                for (_, v) in creds {
                    assert!(!v.contains(['\r', '\n', '\0']), "CR/LF/NUL additional credential accepted");
                }
            }
            if let Some(t) = &token {
                assert_eq!(&r.access_token, t);
                let dbg = format!("{r:?}");
                assert!(!dbg.contains(t.as_str()), "Debug of TokenResponse prints the access token");
            }
        }
        Err(e) => {
            assert_eq!(e.class, ErrorClass::BackendError, "token response failure of class {}", e.class.name());
            assert!(e.message.starts_with("Backend returned"), "unexpected message {:?}", e.message);
            if let Some(t) = &token {
                let all = format!("{} {}", e.message, to_json_ascii(&e.to_json()));
                assert!(!all.contains(t.as_str()), "error for a rejected token response contains the token");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((1..=8, rest)) => {
            if let Ok(body) = structured(&mut Unstructured::new(rest)) {
                check(&body);
            }
        }
        _ => check(data),
    }
});
