//! RFC 6750 Bearer challenge parsing (§6.2) and the scope-mismatch report body (§6.1).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::json::to_json_ascii;

/// §6.1 clamps, mirroring the backend's request-model bounds (an over-long report would be 422'd).
pub const MAX_MISSING_SCOPES: usize = 50;
pub const MAX_MISSING_SCOPE_CHARS: usize = 256;
pub const MAX_RAW_WWW_AUTHENTICATE_CHARS: usize = 4096;
pub const MAX_REPORT_API_ENDPOINT_CHARS: usize = 2048;
/// §6.1: the only detection source.
pub const DETECTION_SOURCE: &str = "www_authenticate_rfc6750";

/// Whitespace as the reference parser's regex `\s` sees it (Unicode White_Space plus the
/// ASCII separators U+001C..U+001F).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn skip_space(s: &str, mut i: usize) -> usize {
    while let Some(c) = s.get(i..).and_then(|r| r.chars().next()) {
        if !is_space(c) {
            break;
        }
        i += c.len_utf8();
    }
    i
}

/// One auth-param at byte offset `i` of `s`: `\s* name \s* = \s* ("quoted" | bare)`.
/// Returns (lower-cased name, value, end offset).
fn parse_param(s: &str, i: usize) -> Option<(String, String, usize)> {
    let bytes = s.as_bytes();
    let mut i = skip_space(s, i);
    // name = [A-Za-z_][A-Za-z0-9_-]*
    let start = i;
    match bytes.get(i) {
        Some(b) if b.is_ascii_alphabetic() || *b == b'_' => i += 1,
        _ => return None,
    }
    while let Some(b) = bytes.get(i) {
        if b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-' {
            i += 1;
        } else {
            break;
        }
    }
    let name = s.get(start..i)?.to_ascii_lowercase();
    i = skip_space(s, i);
    if bytes.get(i) != Some(&b'=') {
        return None;
    }
    i = skip_space(s, i + 1);

    // Quoted string: `"` ( [^"\\] | \\ <any char but LF> )* `"`, escapes removed.
    if bytes.get(i) == Some(&b'"') {
        let mut value = String::new();
        let mut j = i + 1;
        let mut closed = None;
        let rest = s.get(j..).unwrap_or("");
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => {
                    closed = Some(j + 1);
                    break;
                }
                '\\' => match chars.clone().next() {
                    Some(n) if n != '\n' => {
                        chars.next();
                        value.push(n);
                        j += 1 + n.len_utf8();
                    }
                    _ => break, // a backslash before LF or at the end: not a quoted-string
                },
                _ => {
                    value.push(c);
                    j += c.len_utf8();
                }
            }
        }
        if let Some(end) = closed {
            return Some((name, value, end));
        }
        // Not a valid quoted-string: the reference regex falls back to a bare token here.
    }

    // Bare token: one or more chars that are neither ',' nor whitespace.
    let vstart = i;
    let mut j = i;
    while let Some(c) = s.get(j..).and_then(|r| r.chars().next()) {
        if c == ',' || is_space(c) {
            break;
        }
        j += c.len_utf8();
    }
    if j == vstart {
        return None;
    }
    Some((name, s.get(vstart..j)?.to_string(), j))
}

/// §6.2: the auth-params of the first challenge of a `WWW-Authenticate` value when its scheme is
/// `Bearer` (case-insensitive, followed by whitespace). Names are lower-cased; a repeated name
/// keeps its first position and takes the last value. Never fails: parsing stops at the first
/// thing that is not an auth-param and keeps what it has.
pub fn parse_bearer_challenge(value: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let bytes = value.as_bytes();
    let mut i = skip_space(value, 0);
    let start = i;
    match bytes.get(i) {
        Some(b) if b.is_ascii_alphabetic() => i += 1,
        _ => return out,
    }
    while let Some(b) = bytes.get(i) {
        if b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-' {
            i += 1;
        } else {
            break;
        }
    }
    let scheme = value.get(start..i).unwrap_or("");
    let after = skip_space(value, i);
    if after == i || !scheme.eq_ignore_ascii_case("bearer") {
        return out;
    }
    let mut pos = after;
    while let Some((name, val, end)) = parse_param(value, pos) {
        match out.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = val,
            None => out.push((name, val)),
        }
        // Separator: \s* , \s*
        let p = skip_space(value, end);
        if bytes.get(p) != Some(&b',') {
            break;
        }
        pos = skip_space(value, p + 1);
    }
    out
}

/// The first `n` characters of `s`.
fn truncate_chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// §6.1 report body, fields in the order sent, clamped so the backend never rejects it for size.
pub fn scope_report_body(
    missing_scopes: Option<&[String]>,
    raw_www_authenticate: &str,
    api_endpoint: &str,
    correlation_id: &str,
) -> String {
    let mut m = Map::new();
    m.insert("provider_status_code".into(), Value::from(403));
    m.insert(
        "provider_error_code".into(),
        Value::from("insufficient_scope"),
    );
    let missing = match missing_scopes {
        Some(list) => Value::Array(
            list.iter()
                .take(MAX_MISSING_SCOPES)
                .map(|s| Value::from(truncate_chars(s, MAX_MISSING_SCOPE_CHARS)))
                .collect(),
        ),
        None => Value::Null,
    };
    m.insert("missing_scopes".into(), missing);
    m.insert(
        "raw_www_authenticate".into(),
        Value::from(truncate_chars(
            raw_www_authenticate,
            MAX_RAW_WWW_AUTHENTICATE_CHARS,
        )),
    );
    m.insert(
        "api_endpoint".into(),
        Value::from(truncate_chars(api_endpoint, MAX_REPORT_API_ENDPOINT_CHARS)),
    );
    m.insert("detection_source".into(), Value::from(DETECTION_SOURCE));
    m.insert("sdk_correlation_id".into(), Value::from(correlation_id));
    to_json_ascii(&Value::Object(m))
}

/// §6.1 `sdk_correlation_id`: 16 random bytes, base64url without padding (22 characters).
pub fn correlation_id(random16: &[u8; 16]) -> String {
    URL_SAFE_NO_PAD.encode(random16)
}
