//! The audit row of `POST /sdk/oauth/audit/api-call` (§5.3) and the refusal-message sanitiser of
//! its warning log line (§5.4).

use serde_json::Value;
use std::borrow::Cow;
use std::fmt::Write as _;

use crate::json::{write_string, write_value};
use crate::redact::Redactor;
use crate::token::{is_sigv4, InjectionTarget, TokenResponse};
use crate::HeaderList;

/// §5.3 / §13: response bodies and raw request bodies are captured up to 10,000 bytes.
pub const AUDIT_BODY_CAPTURE_LIMIT: usize = 10_000;
/// §5.4 / §13: a refusal body is parsed for its message only up to 65,536 bytes.
pub const AUDIT_REFUSAL_PARSE_LIMIT: usize = 65_536;
/// §5.4: a refusal message is cut to 300 characters (plus `…`).
pub const REFUSAL_MESSAGE_MAX_CHARS: usize = 300;
/// §5.3: removed from both header maps on every row (case-insensitive).
pub const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "x-auth-token",
    "x-amz-date",
    "x-amz-content-sha256",
    "x-amz-security-token",
];
/// §5.3: on the SigV4 path these replace the injection header in the strip set.
pub const SIGV4_INJECTED_HEADERS: &[&str] = &[
    "authorization",
    "x-amz-date",
    "x-amz-content-sha256",
    "x-amz-security-token",
];
/// What any credential value found inside a row is replaced with (design rule 4).
pub use crate::redact::REDACTED;

/// The provider request body as the audit row records it.
pub enum AuditRequestBody<'a> {
    None,
    /// The `json` value as given (recorded as JSON, no size cap).
    Json(&'a Value),
    /// Raw `body` bytes (captured by [`capture_request_body`]).
    Raw(&'a [u8]),
}

/// How the provider call ended.
pub enum AuditOutcome<'a> {
    Response {
        status: u16,
        headers: &'a HeaderList,
        body: &'a [u8],
    },
    Timeout {
        after_ms: u64,
    },
    NetworkFailure,
}

/// Everything one audit row is built from.
pub struct AuditInput<'a> {
    pub token: &'a TokenResponse,
    pub method: &'a str,
    /// The templated URL without `query_params` or injected query credentials (§4.4).
    pub url: &'a str,
    /// The headers the SDK built for the provider call (caller headers + `User-Agent`).
    pub request_headers: &'a HeaderList,
    pub request_body: AuditRequestBody<'a>,
    pub outcome: AuditOutcome<'a>,
    pub latency_ms: u64,
    pub reason: Option<&'a str>,
    /// The effective context map (explicit or ambient); `None` → `null`.
    pub context: Option<&'a [(String, String)]>,
    /// From [`crate::inject::Injected::injected_header_names`].
    pub injected_header_names: &'a [String],
}

/// §5.3 `response_body`: `""` if empty; the text if ≤ 10,000 bytes and valid UTF-8;
/// `<response too large: N bytes>` if larger; `<binary response: N bytes>` if not UTF-8.
pub fn capture_response_body(body: &[u8]) -> String {
    let n = body.len();
    if n == 0 {
        return String::new();
    }
    if n > AUDIT_BODY_CAPTURE_LIMIT {
        return format!("<response too large: {n} bytes>");
    }
    match std::str::from_utf8(body) {
        Ok(s) => s.to_string(),
        Err(_) => format!("<binary response: {n} bytes>"),
    }
}

/// §5.3 `request_body` for a raw body: `""` if empty; the text if ≤ 10,000 bytes and valid UTF-8;
/// else `<binary body: N bytes>` (oversize and non-UTF-8 share the placeholder, as in Python).
pub fn capture_request_body(body: &[u8]) -> String {
    let n = body.len();
    if n == 0 {
        return String::new();
    }
    match std::str::from_utf8(body) {
        Ok(s) if n <= AUDIT_BODY_CAPTURE_LIMIT => s.to_string(),
        _ => format!("<binary body: {n} bytes>"),
    }
}

/// The lower-cased header names removed from both maps: the injected header(s) (taken from the
/// token itself as well as from `injected`, so a caller cannot forget one), then the fixed set.
fn strip_set<'a>(token: &'a TokenResponse, injected: &'a [String]) -> Vec<Cow<'a, str>> {
    let mut set: Vec<Cow<'a, str>> = SENSITIVE_HEADERS
        .iter()
        .map(|s| Cow::Borrowed(*s))
        .collect();
    let mut add = |name: &'a str| {
        let lower = lower(name);
        if !set.contains(&lower) {
            set.push(lower);
        }
    };
    if is_sigv4(token) {
        SIGV4_INJECTED_HEADERS.iter().for_each(|h| add(h));
    } else {
        add(&token.injection_header);
        token
            .additional_injections
            .iter()
            .filter(|r| r.target == InjectionTarget::Header)
            .for_each(|r| add(&r.key));
    }
    injected.iter().for_each(|h| add(h));
    set
}

fn stripped(set: &[Cow<str>], name: &str) -> bool {
    set.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// §5.3: the audit row, every key present, in this order: `grant_id, provider_id,
/// token_generation, method, url, request_headers, request_body, response_status,
/// response_headers, response_body, latency_ms, reason, context`; compact ASCII-escaped JSON.
///
/// Header rules: request headers keep their names; response header names are lower-cased and
/// repeats joined by `", "`. Both maps drop the injected header(s) and the sensitive set
/// (case-insensitive). Decision: the injected names are removed from the response map too, as
/// §5.3 says "both header maps" (Python strips them only from the request map).
///
/// Design rule 4: any occurrence of the access token or an additional credential anywhere in the
/// row (a caller header or URL query that happens to carry it, a provider echoing it back), in any
/// form [`Redactor`] knows (percent-encoded, JSON-escaped, ...), is replaced by `[REDACTED]`, so
/// the credential never reaches an audit row.
pub fn audit_row_body(input: &AuditInput) -> String {
    let token = input.token;
    let strip = strip_set(token, input.injected_header_names);
    // The identifiers from the token response are not scrubbed (a short test credential must not
    // garble the grant UUID); every caller- or provider-supplied field is.
    let redact = Redactor::new(token);

    // Written straight to the output, field by field, in the order and with the escaping of
    // `to_json_ascii` over the equivalent map (no intermediate `Value`: this runs once per call).
    let body_hint = match &input.outcome {
        AuditOutcome::Response { body, .. } => body.len().min(AUDIT_BODY_CAPTURE_LIMIT),
        _ => 0,
    };
    let mut out = String::with_capacity(512 + body_hint);
    out.push_str("{\"grant_id\":");
    write_string(&mut out, &token.grant_id, true);
    out.push_str(",\"provider_id\":");
    write_string(&mut out, &token.provider_id, true);
    out.push_str(",\"token_generation\":");
    write_opt_string(&mut out, token.token_generation.as_deref());
    out.push_str(",\"method\":");
    let method = input.method.to_ascii_uppercase();
    write_string(&mut out, &redact.scrub(&method), true);
    out.push_str(",\"url\":");
    write_string(&mut out, &redact.scrub(input.url), true);

    // Request headers keep their names; a repeated name keeps its first place and its last value.
    out.push_str(",\"request_headers\":");
    let mut req: Vec<(&str, Cow<str>)> = Vec::with_capacity(input.request_headers.len());
    for (k, v) in input.request_headers {
        if !stripped(&strip, k) {
            put(&mut req, k.as_str(), Cow::Borrowed(v.as_str()));
        }
    }
    write_scrubbed_map(&mut out, req, &redact);

    out.push_str(",\"request_body\":");
    match input.request_body {
        AuditRequestBody::None => out.push_str("null"),
        AuditRequestBody::Json(v) => write_value(&mut out, &redact.scrub_value(v.clone()), true),
        AuditRequestBody::Raw(b) => {
            let text = capture_request_body(b);
            write_string(&mut out, &redact.scrub(&text), true);
        }
    }

    match &input.outcome {
        AuditOutcome::Response {
            status,
            headers,
            body,
        } => {
            let _ = write!(out, ",\"response_status\":{status},\"response_headers\":");
            // Names lower-cased; repeats joined by ", " in the place of the first.
            let mut resp: Vec<(Cow<str>, Cow<str>)> = Vec::with_capacity(headers.len());
            for (k, v) in headers.iter() {
                if stripped(&strip, k) {
                    continue;
                }
                let name = lower(k);
                match resp.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, prev)) => *prev = Cow::Owned(format!("{prev}, {v}")),
                    None => resp.push((name, Cow::Borrowed(v.as_str()))),
                }
            }
            write_scrubbed_map(&mut out, resp, &redact);
            out.push_str(",\"response_body\":");
            let text = capture_response_body(body);
            write_string(&mut out, &redact.scrub(&text), true);
        }
        AuditOutcome::Timeout { after_ms } => {
            out.push_str(",\"response_status\":0,\"response_headers\":null,\"response_body\":");
            let text = format!("<transport error: timeout after {after_ms}ms>");
            write_string(&mut out, &redact.scrub(&text), true);
        }
        AuditOutcome::NetworkFailure => {
            out.push_str(",\"response_status\":0,\"response_headers\":null,\"response_body\":");
            write_string(&mut out, &redact.scrub("<transport error: network>"), true);
        }
    }
    let _ = write!(out, ",\"latency_ms\":{}", input.latency_ms);
    out.push_str(",\"reason\":");
    match input.reason {
        Some(r) => write_string(&mut out, &redact.scrub(r), true),
        None => out.push_str("null"),
    }
    out.push_str(",\"context\":");
    match input.context {
        None => out.push_str("null"),
        Some(pairs) => {
            let mut m: Vec<(&str, Cow<str>)> = Vec::with_capacity(pairs.len());
            for (k, v) in pairs {
                put(&mut m, k.as_str(), Cow::Borrowed(v.as_str()));
            }
            write_scrubbed_map(&mut out, m, &redact);
        }
    }
    out.push('}');
    out
}

fn write_opt_string(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => write_string(out, s, true),
        None => out.push_str("null"),
    }
}

fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// Map insertion with `serde_json::Map` semantics (preserve_order): a key already present keeps
/// its place and takes the new value.
fn put<'a, K: PartialEq>(m: &mut Vec<(K, Cow<'a, str>)>, k: K, v: Cow<'a, str>) {
    match m.iter_mut().find(|(x, _)| *x == k) {
        Some((_, slot)) => *slot = v,
        None => m.push((k, v)),
    }
}

/// Writes a string map as a JSON object after scrubbing its keys and values, as `scrub_value`
/// would over the map: scrubbed keys that coincide merge (first place, last value).
fn write_scrubbed_map<K: AsRef<str>>(out: &mut String, m: Vec<(K, Cow<str>)>, redact: &Redactor) {
    let mut clean: Vec<(Cow<str>, Cow<str>)> = Vec::with_capacity(m.len());
    for (k, v) in &m {
        let key = redact.scrub(k.as_ref());
        let value = redact.scrub(v);
        put(&mut clean, key, value);
    }
    out.push('{');
    for (i, (k, v)) in clean.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, k, true);
        out.push(':');
        write_string(out, v, true);
    }
    out.push('}');
}

fn is_refusal_control(c: char) -> bool {
    matches!(c as u32, 0x00..=0x1f | 0x7f..=0x9f)
}

/// §5.4: the `message` of a non-2xx audit response, for the warning log line. Taken from the top
/// level, else from a `detail` string or `detail.message`; only parsed when the body is at most
/// 65,536 bytes. C0/C1 control characters become spaces; more than 300 characters are cut to 300
/// plus `…`. `None` when there is no non-empty message.
pub fn sanitize_refusal_message(body: &[u8]) -> Option<String> {
    if body.len() > AUDIT_REFUSAL_PARSE_LIMIT {
        return None;
    }
    let v: Value = serde_json::from_slice(body).ok()?;
    let obj = v.as_object()?;
    let message = match obj
        .get("message")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        Some(m) => m,
        None => match obj.get("detail") {
            Some(Value::String(s)) => s.as_str(),
            Some(Value::Object(d)) => d.get("message").and_then(Value::as_str)?,
            _ => return None,
        },
    };
    if message.is_empty() {
        return None;
    }
    let cleaned: String = message
        .chars()
        .map(|c| if is_refusal_control(c) { ' ' } else { c })
        .collect();
    if cleaned.chars().count() > REFUSAL_MESSAGE_MAX_CHARS {
        let cut: String = cleaned.chars().take(REFUSAL_MESSAGE_MAX_CHARS).collect();
        return Some(format!("{cut}…"));
    }
    Some(cleaned)
}

/// The row as the first implementation built it (a `serde_json::Map` serialised at the end): the
/// oracle the streaming writer is compared against, byte for byte.
#[cfg(test)]
mod reference {
    use super::*;
    use serde_json::Map;

    pub fn audit_row_body(input: &AuditInput) -> String {
        let token = input.token;
        let strip = strip_set(token, input.injected_header_names);

        let mut req_headers = Map::new();
        for (k, v) in input.request_headers {
            if !stripped(&strip, k) {
                req_headers.insert(k.clone(), Value::String(v.clone()));
            }
        }

        let request_body = match input.request_body {
            AuditRequestBody::None => Value::Null,
            AuditRequestBody::Json(v) => v.clone(),
            AuditRequestBody::Raw(b) => Value::String(capture_request_body(b)),
        };

        let (status, response_headers, response_body) = match &input.outcome {
            AuditOutcome::Response {
                status,
                headers,
                body,
            } => {
                let mut m = Map::new();
                for (k, v) in headers.iter() {
                    if stripped(&strip, k) {
                        continue;
                    }
                    let name = k.to_ascii_lowercase();
                    let joined = match m.get(&name).and_then(Value::as_str) {
                        Some(prev) => format!("{prev}, {v}"),
                        None => v.clone(),
                    };
                    m.insert(name, Value::String(joined));
                }
                (*status, Value::Object(m), capture_response_body(body))
            }
            AuditOutcome::Timeout { after_ms } => (
                0,
                Value::Null,
                format!("<transport error: timeout after {after_ms}ms>"),
            ),
            AuditOutcome::NetworkFailure => {
                (0, Value::Null, "<transport error: network>".to_string())
            }
        };

        let context = match input.context {
            None => Value::Null,
            Some(pairs) => {
                let mut m = Map::new();
                for (k, v) in pairs {
                    m.insert(k.clone(), Value::String(v.clone()));
                }
                Value::Object(m)
            }
        };

        // The identifiers from the token response are not scrubbed (a short test credential must not
        // garble the grant UUID); every caller- or provider-supplied field is.
        let redact = Redactor::new(token);
        let clean = |v: Value| redact.scrub_value(v);
        let opt = |s: &Option<String>| s.clone().map(Value::String).unwrap_or(Value::Null);
        let mut row = Map::new();
        row.insert("grant_id".into(), Value::String(token.grant_id.clone()));
        row.insert(
            "provider_id".into(),
            Value::String(token.provider_id.clone()),
        );
        row.insert("token_generation".into(), opt(&token.token_generation));
        row.insert(
            "method".into(),
            clean(Value::String(input.method.to_ascii_uppercase())),
        );
        row.insert("url".into(), clean(Value::String(input.url.to_string())));
        row.insert("request_headers".into(), clean(Value::Object(req_headers)));
        row.insert("request_body".into(), clean(request_body));
        row.insert("response_status".into(), Value::from(status));
        row.insert("response_headers".into(), clean(response_headers));
        row.insert("response_body".into(), clean(Value::String(response_body)));
        row.insert("latency_ms".into(), Value::from(input.latency_ms));
        row.insert(
            "reason".into(),
            clean(input.reason.map(Value::from).unwrap_or(Value::Null)),
        );
        row.insert("context".into(), clean(context));

        crate::json::to_json_ascii(&Value::Object(row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::parse_token_response;
    use proptest::prelude::*;

    fn token(secret: &str, header: &str, extra_key: &str) -> TokenResponse {
        let body = serde_json::json!({
            "access_token": secret, "token_type": "Bearer", "expires_in": 60,
            "grant_id": "3f2c1a9e-8b7d-4c6e-9f01-23456789abcd", "provider_id": "google",
            "token_generation": "0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e", "scope_mismatch": false,
            "injection_header": header, "injection_format": "Bearer {token}",
            "additional_credentials": {"api_secret": format!("{secret}-2")},
            "additional_injections": [
                {"target": "header", "key": extra_key, "value_source": "additional_credentials.api_secret"}
            ],
        });
        parse_token_response(body.to_string().as_bytes()).expect("valid token response")
    }

    fn pairs(v: &[(String, String)]) -> Vec<(String, String)> {
        v.to_vec()
    }

    // Names and values drawn from a small alphabet so that repeats, case variants, stripped names
    // and the credential (inside names too) all occur often.
    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("Accept".to_string()),
            Just("accept".to_string()),
            Just("Authorization".to_string()),
            Just("X-Key".to_string()),
            Just("x-key".to_string()),
            Just("Set-Cookie".to_string()),
            Just("X-S3cr3t".to_string()),
            Just("X-s3cr3t-2".to_string()),
            // Names that "s3cr3t", "s3cr3t-2" and "X-s3cr3t-2" become once scrubbed (merging keys).
            Just("[REDACTED]".to_string()),
            Just("X-[REDACTED]".to_string()),
            "[A-Za-z-]{1,6}",
            "[a-z]{0,3}s3cr3t[a-z]{0,3}",
        ]
    }
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            "[ -~]{0,12}",
            "[a-z]{0,3}s3cr3t[a-z-2]{0,3}",
            "[\\u{0}-\\u{7f}\\u{e9}\\u{1f600}]{0,8}",
        ]
    }
    fn header_list() -> impl Strategy<Value = Vec<(String, String)>> {
        proptest::collection::vec((name(), value()), 0..7)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The streaming writer produces exactly the bytes of the map-based reference.
        #[test]
        fn streaming_row_equals_reference(
            req in header_list(),
            resp in header_list(),
            ctx in proptest::option::of(header_list()),
            method in "[a-zA-Z]{1,7}",
            url_tail in value(),
            reason in proptest::option::of(value()),
            body in proptest::collection::vec(any::<u8>(), 0..40),
            text_body in value(),
            which in 0u8..6,
            status in 100u16..600,
            latency in any::<u64>(),
            injected in proptest::collection::vec(name(), 0..3),
        ) {
            let t = token("s3cr3t", "X-Key", "X-S3cr3t");
            let url = format!("https://a.test/{url_tail}");
            let json = serde_json::json!({"s3cr3t": text_body, "n": 12, "l": [url_tail, null, true]});
            let request_body = match which {
                0 => AuditRequestBody::None,
                1 => AuditRequestBody::Json(&json),
                _ => AuditRequestBody::Raw(&body),
            };
            let resp = pairs(&resp);
            let outcome = match which {
                3 => AuditOutcome::Timeout { after_ms: latency % 100_000 },
                4 => AuditOutcome::NetworkFailure,
                5 => AuditOutcome::Response { status, headers: &resp, body: text_body.as_bytes() },
                _ => AuditOutcome::Response { status, headers: &resp, body: &body },
            };
            let input = AuditInput {
                token: &t,
                method: &method,
                url: &url,
                request_headers: &req,
                request_body,
                outcome,
                latency_ms: latency,
                reason: reason.as_deref(),
                context: ctx.as_deref(),
                injected_header_names: &injected,
            };
            prop_assert_eq!(audit_row_body(&input), reference::audit_row_body(&input));
        }
    }
}
