//! The audit row of `POST /sdk/oauth/audit/api-call` (§5.3) and the refusal-message sanitiser of
//! its warning log line (§5.4).

use serde_json::{Map, Value};

use crate::json::to_json_ascii;
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
pub const REDACTED: &str = "[REDACTED]";

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
fn strip_set(token: &TokenResponse, injected: &[String]) -> Vec<String> {
    let mut set: Vec<String> = SENSITIVE_HEADERS.iter().map(|s| s.to_string()).collect();
    let mut add = |name: &str| {
        let lower = name.to_ascii_lowercase();
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

fn stripped(set: &[String], name: &str) -> bool {
    set.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// Every credential value the token carries (longest first, so overlapping values redact fully).
fn secrets(token: &TokenResponse) -> Vec<&str> {
    let mut out: Vec<&str> = vec![token.access_token.as_str()];
    if let Some(creds) = &token.additional_credentials {
        out.extend(creds.iter().map(|(_, v)| v.as_str()));
    }
    out.retain(|s| !s.is_empty());
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

fn scrub_str(s: &str, secrets: &[&str]) -> String {
    let mut out = s.to_string();
    for secret in secrets {
        if out.contains(secret) {
            out = out.replace(secret, REDACTED);
        }
    }
    out
}

/// Replace every credential occurrence in every string (object keys included) of the row.
fn scrub(v: Value, secrets: &[&str]) -> Value {
    match v {
        Value::String(s) => Value::String(scrub_str(&s, secrets)),
        Value::Array(items) => Value::Array(items.into_iter().map(|x| scrub(x, secrets)).collect()),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                out.insert(scrub_str(&k, secrets), scrub(x, secrets));
            }
            Value::Object(out)
        }
        // A number in the caller's JSON body that spells a (numeric) credential.
        Value::Number(n) if secrets.iter().any(|s| n.to_string().contains(s)) => {
            Value::String(REDACTED.to_string())
        }
        other => other,
    }
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
/// row (a caller header or URL query that happens to carry it, a provider echoing it back) is
/// replaced by `[REDACTED]`, so the credential never reaches an audit row.
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
        AuditOutcome::NetworkFailure => (0, Value::Null, "<transport error: network>".to_string()),
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
    let secrets = secrets(token);
    let clean = |v: Value| scrub(v, &secrets);
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

    to_json_ascii(&Value::Object(row))
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
