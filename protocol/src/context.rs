//! Actor and trace inputs: `caller` / `caller_type` (§1.5), the `X-Alter-Context` header (§8.1),
//! reserved trace keys (§8.2), `traceparent` (§8.3) and the attenuation headers of
//! `with_constraints` (§2.8).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::error::{ProtocolError, Result};
use crate::json::{to_json_ascii, to_json_utf8};

/// §8.1 / §13: at most 20 keys.
pub const MAX_CONTEXT_KEYS: usize = 20;
/// §8.1: each key at most 64 characters (code points).
pub const MAX_CONTEXT_KEY_LEN: usize = 64;
/// §8.1: each value at most 512 characters (code points).
pub const MAX_CONTEXT_VALUE_LEN: usize = 512;
/// §8.1: the serialised header at most 4,096 characters (it is pure ASCII, so also bytes).
pub const MAX_CONTEXT_LEN: usize = 4_096;
/// §1.5 / §13: caller labels are 1–255 printable ASCII characters.
pub const MAX_CALLER_LEN: usize = 255;
/// §2.8 / §13: the encoded `X-Alter-Request-Rule` value is at most 4,096 characters.
pub const MAX_REQUEST_RULE_LEN: usize = 4_096;
/// §1.5: the accepted caller types.
pub const CALLER_TYPES: &[&str] = &["agent", "service"];
/// §8.2: keys the trace layer owns; user metadata may not use them.
pub const RESERVED_TRACE_KEYS: &[&str] = &[
    "agent",
    "parent_agent",
    "run_id",
    "thread_id",
    "tool",
    "tool_call_id",
    "framework",
];

/// A key quoted the way the Python SDK's messages quote it (`'key'`), falling back to Rust's
/// escaped form when the key holds quotes, backslashes or control characters.
fn quoted(s: &str) -> String {
    if s.contains(['\'', '\\']) || s.chars().any(char::is_control) {
        format!("{s:?}")
    } else {
        format!("'{s}'")
    }
}

/// First `n` characters of `s` (for messages), never splitting a character.
fn prefix(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// §8.1: validate the context map and serialise it as compact JSON with non-ASCII escaped
/// (`{"k":"Zo\u00eb"}`), insertion order. `None` when the map is empty (no header is sent).
/// Violations are `AlterValueError`. Lengths are counted in code points, as the Python SDK does.
/// A repeated key keeps its first position and its last value (a JSON object has one value per key).
pub fn encode_context(ctx: &[(String, String)]) -> Result<Option<String>> {
    if ctx.is_empty() {
        return Ok(None);
    }
    let mut map = Map::new();
    for (k, v) in ctx {
        map.insert(k.clone(), Value::String(v.clone()));
    }
    if map.len() > MAX_CONTEXT_KEYS {
        return Err(ProtocolError::value(format!(
            "context has too many keys ({}); max is {MAX_CONTEXT_KEYS}",
            map.len()
        )));
    }
    for (k, v) in &map {
        let klen = k.chars().count();
        if klen > MAX_CONTEXT_KEY_LEN {
            return Err(ProtocolError::value(format!(
                "context key {} exceeds max length ({klen} > {MAX_CONTEXT_KEY_LEN})",
                quoted(prefix(k, 32))
            )));
        }
        let vlen = v.as_str().map(|s| s.chars().count()).unwrap_or(0);
        if vlen > MAX_CONTEXT_VALUE_LEN {
            return Err(ProtocolError::value(format!(
                "context value for key {} exceeds max length ({vlen} > {MAX_CONTEXT_VALUE_LEN})",
                quoted(k)
            )));
        }
    }
    let encoded = to_json_ascii(&Value::Object(map));
    if encoded.len() > MAX_CONTEXT_LEN {
        return Err(ProtocolError::value(format!(
            "context serialized to {} bytes, exceeds {MAX_CONTEXT_LEN} byte limit",
            encoded.len()
        )));
    }
    Ok(Some(encoded))
}

/// §1.5: a caller label (or per-call override) is 1–255 printable ASCII characters (0x20–0x7E).
pub fn validate_caller(caller: &str) -> Result<()> {
    let len = caller.chars().count();
    if len > MAX_CALLER_LEN {
        return Err(ProtocolError::value(format!(
            "caller exceeds max length ({MAX_CALLER_LEN}): {len}"
        )));
    }
    if caller.is_empty() || !caller.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(ProtocolError::value(
            "caller contains invalid characters (only printable ASCII allowed)",
        ));
    }
    // HTTP drops spaces at either end of a header value, so such a caller is signed as given but
    // received without them: the signature could never verify.
    if caller.starts_with(' ') || caller.ends_with(' ') {
        return Err(ProtocolError::value(
            "caller must not start or end with a space",
        ));
    }
    Ok(())
}

/// §1.5: `caller_type` is `agent` or `service`.
pub fn validate_caller_type(t: &str) -> Result<()> {
    if CALLER_TYPES.contains(&t) {
        Ok(())
    } else {
        Err(ProtocolError::value(format!(
            "caller_type must be 'agent' or 'service', got {t:?}"
        )))
    }
}

fn hex_field(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// §8.3: `vv-<32 hex>-<16 hex>-ff` (either case), version not `ff`, non-zero trace and span ids.
/// A trailing newline is refused (the Python regex's `$` lets one through).
pub fn validate_traceparent(tp: &str) -> Result<()> {
    let parts: Vec<&str> = tp.split('-').collect();
    let ok = match parts.as_slice() {
        [version, trace, span, flags] => {
            hex_field(version, 2)
                && hex_field(trace, 32)
                && hex_field(span, 16)
                && hex_field(flags, 2)
                && !version.eq_ignore_ascii_case("ff")
                && trace.bytes().any(|b| b != b'0')
                && span.bytes().any(|b| b != b'0')
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(ProtocolError::value(
            "traceparent must be a valid W3C traceparent (version-traceid-spanid-flags)",
        ))
    }
}

/// §2.8: `X-Alter-Scope-Constraints` = the scopes joined by `,` in the caller's order. The list is
/// non-empty, every entry non-empty and not `*`. Decision: entries with control characters are
/// refused too (they cannot travel in a header).
pub fn scope_constraints_header(scopes: &[String]) -> Result<String> {
    if scopes.is_empty() {
        return Err(ProtocolError::value(
            "with_constraints: scopes must be a non-empty list of scope strings",
        ));
    }
    for s in scopes {
        if s.is_empty() || s.chars().any(|c| c.is_control()) {
            return Err(ProtocolError::value(format!(
                "with_constraints: scope entries must be non-empty strings; got {s:?}"
            )));
        }
        // The value travels in a header and is signed: only visible ASCII arrives as it was
        // signed (HTTP drops edge spaces; a non-ASCII character travels as other bytes).
        if !s.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(ProtocolError::value(format!(
                "with_constraints: scope entries must be visible ASCII without spaces; got {s:?}"
            )));
        }
        if s == "*" {
            return Err(ProtocolError::value(
                "with_constraints: scopes cannot include the wildcard '*' (attenuation can only narrow, never widen)",
            ));
        }
    }
    Ok(scopes.join(","))
}

/// §2.8: `X-Alter-Request-Rule` = base64url without padding of the compact raw-UTF-8 JSON
/// `{"rule_type":…,"rule_body":…}`. `rule_type` non-empty, `rule_body` an object, encoded ≤ 4,096.
/// (`serde_json::Value` cannot hold NaN/Infinity, so the finite-number rule holds by construction.)
pub fn request_rule_header(rule_type: &str, rule_body: &Value) -> Result<String> {
    if rule_type.is_empty() || !rule_body.is_object() {
        return Err(ProtocolError::value(
            "with_constraints: rule must be a plain dict with a non-empty 'rule_type' string and a plain 'rule_body' dict",
        ));
    }
    let mut m = Map::new();
    m.insert("rule_type".into(), Value::String(rule_type.to_string()));
    m.insert("rule_body".into(), rule_body.clone());
    let encoded = URL_SAFE_NO_PAD.encode(to_json_utf8(&Value::Object(m)).as_bytes());
    if encoded.len() > MAX_REQUEST_RULE_LEN {
        return Err(ProtocolError::value(format!(
            "with_constraints: encoded rule exceeds the {MAX_REQUEST_RULE_LEN}-byte request-rule header limit ({} bytes); use a smaller rule_body or a stored policy rule",
            encoded.len()
        )));
    }
    Ok(encoded)
}

/// §8.2: the reserved keys present in user trace metadata (sorted), empty when none.
pub fn reserved_keys_in(metadata: &[(String, String)]) -> Vec<String> {
    let mut found: Vec<String> = metadata
        .iter()
        .filter(|(k, _)| RESERVED_TRACE_KEYS.contains(&k.as_str()))
        .map(|(k, _)| k.clone())
        .collect();
    found.sort();
    found.dedup();
    found
}
