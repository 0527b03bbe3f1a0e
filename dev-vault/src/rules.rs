//! `X-Alter-Request-Rule` (protocol-core §2.8, api-surface §1.9): decoding and validation.
//!
//! The header is base64url (unpadded) of the compact JSON `{"rule_type", "rule_body"}`. The dev
//! vault validates it like the backend's pre-decode gate and body validator (400 on a bad rule)
//! but does not evaluate it: `content_match` needs the provider's operation catalogue to classify a
//! request, which the dev vault does not have (README: validated, not enforced).

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{Map, Value};

/// §2.8 / limits table: the encoded header is at most this long (checked before decoding).
pub const MAX_ENCODED_LEN: usize = 4096;

/// Rule types the dev vault knows (api-surface §1.9: the typed builder `content_match_rule`).
pub const KNOWN_RULE_TYPES: &[&str] = &["content_match"];

// content_match bounds (api-surface §1.9).
const MAX_MATCH_ENTRIES: usize = 100;
const MAX_OPERATION_ID_LEN: usize = 255;
const FAMILIES: &[&str] = &["send", "read", "write", "delete", "admin", "payment"];
const EFFECTS: &[&str] = &["deny", "redact", "step_up"];
const MAX_PARAM_CONDITIONS: usize = 20;
const MAX_PARAM_NAME_LEN: usize = 120;
const PARAM_OPS: &[&str] = &["equals", "any_in", "not_subset_of", "gt", "gte", "lt", "lte", "outside_windows"];
const NUMERIC_OPS: &[&str] = &["gt", "gte", "lt", "lte"];
const MAX_VALUE_ENTRIES: usize = 200;
const MAX_VALUE_LEN: usize = 512;
const MAX_REDACT_FIELDS: usize = 50;
const MAX_REDACT_FIELD_LEN: usize = 120;
const STEP_UP_RANGE: std::ops::RangeInclusive<u64> = 1..=86_400;
const MAX_TIME_WINDOWS: usize = 20;
const DAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A decoded, validated rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRule {
    pub rule_type: String,
    pub rule_body: Map<String, Value>,
}

/// Decodes and validates the header value. `Err` carries the message of the 400 answer.
pub fn parse_request_rule(raw: &str) -> Result<RequestRule, String> {
    if raw.len() > MAX_ENCODED_LEN {
        return Err(format!("X-Alter-Request-Rule exceeds {MAX_ENCODED_LEN} characters"));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(raw.as_bytes())
        .or_else(|_| URL_SAFE.decode(raw.as_bytes()))
        .map_err(|_| "X-Alter-Request-Rule is not base64url".to_string())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| "X-Alter-Request-Rule does not decode to JSON".to_string())?;
    let Value::Object(m) = v else {
        return Err("the request rule must be a JSON object".into());
    };
    if let Some(k) = m.keys().find(|k| *k != "rule_type" && *k != "rule_body") {
        return Err(format!("unexpected key {k:?} in the request rule"));
    }
    let rule_type = match m.get("rule_type") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => return Err("rule_type must be a non-empty string".into()),
    };
    let rule_body = match m.get("rule_body") {
        Some(Value::Object(b)) => b.clone(),
        _ => return Err("rule_body must be an object".into()),
    };
    match rule_type.as_str() {
        "content_match" => validate_content_match(&rule_body)?,
        other => return Err(format!("unknown rule_type {other:?} (known: {})", KNOWN_RULE_TYPES.join(", "))),
    }
    Ok(RequestRule { rule_type, rule_body })
}

fn str_list<'a>(v: &'a Value, what: &str, max_entries: usize, max_len: usize) -> Result<Vec<&'a str>, String> {
    let a = v.as_array().ok_or_else(|| format!("{what} must be a list"))?;
    if a.len() > max_entries {
        return Err(format!("{what} has more than {max_entries} entries"));
    }
    a.iter()
        .map(|x| match x.as_str() {
            Some(s) if !s.is_empty() && s.chars().count() <= max_len => Ok(s),
            _ => Err(format!("{what} entries must be strings of 1..={max_len} characters")),
        })
        .collect()
}

fn only_keys(m: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), String> {
    match m.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!("unexpected key {k:?} in {what}")),
        None => Ok(()),
    }
}

fn validate_content_match(b: &Map<String, Value>) -> Result<(), String> {
    only_keys(b, &["match", "params", "effect", "redact", "step_up"], "rule_body")?;
    let m = b.get("match").and_then(Value::as_object).ok_or("rule_body.match must be an object")?;
    only_keys(m, &["operations", "families"], "rule_body.match")?;
    let ops = match m.get("operations") {
        None | Some(Value::Null) => vec![],
        Some(v) => str_list(v, "match.operations", MAX_MATCH_ENTRIES, MAX_OPERATION_ID_LEN)?,
    };
    let fams = match m.get("families") {
        None | Some(Value::Null) => vec![],
        Some(v) => str_list(v, "match.families", MAX_MATCH_ENTRIES, 32)?,
    };
    if ops.is_empty() && fams.is_empty() {
        return Err("match needs at least one operation or family".into());
    }
    if ops.len() + fams.len() > MAX_MATCH_ENTRIES {
        return Err(format!("match has more than {MAX_MATCH_ENTRIES} entries"));
    }
    if let Some(f) = fams.iter().find(|f| !FAMILIES.contains(f)) {
        return Err(format!("unknown family {f:?}"));
    }
    let effect = b.get("effect").and_then(Value::as_str).ok_or("rule_body.effect must be a string")?;
    if !EFFECTS.contains(&effect) {
        return Err(format!("unknown effect {effect:?}"));
    }
    match (effect, b.get("redact")) {
        ("redact", Some(Value::Object(r))) => {
            only_keys(r, &["fields"], "redact")?;
            let fields = str_list(r.get("fields").unwrap_or(&Value::Null), "redact.fields", MAX_REDACT_FIELDS, MAX_REDACT_FIELD_LEN)?;
            if fields.is_empty() {
                return Err("redact.fields must not be empty".into());
            }
        }
        ("redact", _) => return Err("effect redact needs redact.fields".into()),
        (_, None | Some(Value::Null)) => {}
        (_, Some(_)) => return Err("redact is only allowed with effect redact".into()),
    }
    match (effect, b.get("step_up")) {
        ("step_up", Some(Value::Object(s))) => {
            only_keys(s, &["max_session_age_seconds"], "step_up")?;
            let n = s.get("max_session_age_seconds").and_then(Value::as_u64);
            if !n.is_some_and(|n| STEP_UP_RANGE.contains(&n)) {
                return Err("step_up.max_session_age_seconds must be an integer in 1..=86400".into());
            }
        }
        ("step_up", _) => return Err("effect step_up needs step_up.max_session_age_seconds".into()),
        (_, None | Some(Value::Null)) => {}
        (_, Some(_)) => return Err("step_up is only allowed with effect step_up".into()),
    }
    match b.get("params") {
        None | Some(Value::Null) => {}
        Some(Value::Array(ps)) => {
            if ps.len() > MAX_PARAM_CONDITIONS {
                return Err(format!("params has more than {MAX_PARAM_CONDITIONS} conditions"));
            }
            for p in ps {
                validate_param(p)?;
            }
        }
        Some(_) => return Err("params must be a list".into()),
    }
    Ok(())
}

fn validate_param(p: &Value) -> Result<(), String> {
    let p = p.as_object().ok_or("each params entry must be an object")?;
    only_keys(p, &["name", "op", "value"], "a params entry")?;
    match p.get("name").and_then(Value::as_str) {
        Some(n) if !n.is_empty() && n.chars().count() <= MAX_PARAM_NAME_LEN => {}
        _ => return Err(format!("params name must be a string of 1..={MAX_PARAM_NAME_LEN} characters")),
    }
    let op = p.get("op").and_then(Value::as_str).ok_or("params op must be a string")?;
    if !PARAM_OPS.contains(&op) {
        return Err(format!("unknown params op {op:?}"));
    }
    let value = p.get("value").ok_or("params value is required")?;
    if NUMERIC_OPS.contains(&op) {
        if !value.is_number() {
            return Err(format!("op {op} needs a number"));
        }
        return Ok(());
    }
    match op {
        "outside_windows" => validate_windows(value),
        _ => match value {
            Value::String(s) if s.chars().count() <= MAX_VALUE_LEN => Ok(()),
            Value::Number(_) if op == "equals" => Ok(()),
            Value::Array(_) => str_list(value, "params value", MAX_VALUE_ENTRIES, MAX_VALUE_LEN).map(|_| ()),
            _ => Err(format!("op {op} needs a string or a list of strings (each ≤ {MAX_VALUE_LEN} characters)")),
        },
    }
}

fn is_hhmm(s: &str, allow_24: bool) -> bool {
    if allow_24 && s == "24:00" {
        return true;
    }
    let b = s.as_bytes();
    b.len() == 5
        && b[2] == b':'
        && b.iter().enumerate().all(|(i, c)| i == 2 || c.is_ascii_digit())
        && matches!((b[0], b[1]), (b'0' | b'1', _) | (b'2', b'0'..=b'3'))
        && b[3] <= b'5'
}

fn validate_windows(v: &Value) -> Result<(), String> {
    let o = v.as_object().ok_or("outside_windows needs {windows, timezone}")?;
    only_keys(o, &["windows", "timezone"], "the outside_windows value")?;
    match o.get("timezone").and_then(Value::as_str) {
        Some(tz) if !tz.is_empty() => {}
        _ => return Err("outside_windows needs an IANA timezone".into()),
    }
    let ws = o.get("windows").and_then(Value::as_array).ok_or("outside_windows.windows must be a list")?;
    if ws.is_empty() || ws.len() > MAX_TIME_WINDOWS {
        return Err(format!("outside_windows.windows needs 1..={MAX_TIME_WINDOWS} windows"));
    }
    for w in ws {
        let w = w.as_object().ok_or("each window must be an object")?;
        only_keys(w, &["days", "start", "end"], "a window")?;
        let days = str_list(w.get("days").unwrap_or(&Value::Null), "window days", 7, 3)?;
        if days.is_empty() || days.iter().any(|d| !DAYS.contains(d)) {
            return Err("window days must be non-empty and among mon..sun".into());
        }
        let start = w.get("start").and_then(Value::as_str).unwrap_or("");
        let end = w.get("end").and_then(Value::as_str).unwrap_or("");
        if !is_hhmm(start, false) || !is_hhmm(end, true) {
            return Err("window start/end must be HH:MM (end may be 24:00)".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap_or_default())
    }

    #[test]
    fn accepts_builder_shapes() {
        let ok = [
            serde_json::json!({"rule_type":"content_match","rule_body":{"match":{"families":["send"]},"effect":"deny"}}),
            serde_json::json!({"rule_type":"content_match","rule_body":{"match":{"operations":["gmail.send"]},"params":[{"name":"recipients","op":"not_subset_of","value":["*@acme.com"]},{"name":"amount","op":"gt","value":100}],"effect":"deny"}}),
            serde_json::json!({"rule_type":"content_match","rule_body":{"match":{"families":["write"]},"effect":"redact","redact":{"fields":["body"]}}}),
            serde_json::json!({"rule_type":"content_match","rule_body":{"match":{"families":["payment"]},"effect":"step_up","step_up":{"max_session_age_seconds":300}}}),
            serde_json::json!({"rule_type":"content_match","rule_body":{"match":{"families":["write"]},"params":[{"name":"event_time","op":"outside_windows","value":{"windows":[{"days":["mon","fri"],"start":"09:00","end":"24:00"}],"timezone":"Europe/Paris"}}],"effect":"deny"}}),
        ];
        for v in ok {
            let r = parse_request_rule(&enc(&v)).unwrap_or_else(|e| panic!("{v}: {e}"));
            assert_eq!(r.rule_type, "content_match");
        }
    }

    #[test]
    fn refuses_bad_rules() {
        let bad = [
            serde_json::json!({"rule_type":"deny_all","rule_body":{}}),
            serde_json::json!({"rule_type":"","rule_body":{}}),
            serde_json::json!({"rule_type":"content_match"}),
            serde_json::json!({"rule_type":"content_match","rule_body":[]}),
            serde_json::json!({"rule_type":"content_match","rule_body":{"match":{"families":["send"]},"effect":"deny"},"x":1}),
            serde_json::json!({"rule_type":"content_match","rule_body":{"match":{},"effect":"deny"}}),
            serde_json::json!({"rule_type":"content_match","rule_body":{"match":{"families":["mail"]},"effect":"deny"}}),
            serde_json::json!({"rule_type":"content_match","rule_body":{"match":{"families":["send"]},"effect":"allow"}}),
            serde_json::json!({"rule_type":"content_match","rule_body":{"match":{"families":["send"]},"effect":"redact"}}),
            serde_json::json!({"rule_type":"content_match","rule_body":{"match":{"families":["send"]},"effect":"step_up","step_up":{"max_session_age_seconds":0}}}),
            serde_json::json!({"rule_type":"content_match","rule_body":{"match":{"families":["send"]},"effect":"deny","params":[{"name":"n","op":"gt","value":"5"}]}}),
            serde_json::json!({"rule_type":"content_match","rule_body":{"match":{"families":["send"]},"effect":"deny","params":[{"name":"n","op":"like","value":"5"}]}}),
            serde_json::json!({"rule_type":"content_match","rule_body":{"match":{"families":["send"]},"effect":"deny","params":[{"name":"t","op":"outside_windows","value":{"windows":[{"days":["mon"],"start":"25:00","end":"10:00"}],"timezone":"UTC"}}]}}),
        ];
        for v in bad {
            assert!(parse_request_rule(&enc(&v)).is_err(), "accepted {v}");
        }
        assert!(parse_request_rule("%%%").is_err());
        assert!(parse_request_rule(&URL_SAFE_NO_PAD.encode(b"not json")).is_err());
        assert!(parse_request_rule(&"A".repeat(MAX_ENCODED_LEN + 1)).is_err());
        // Non-ASCII input never panics.
        assert!(parse_request_rule("é✓").is_err());
    }
}
