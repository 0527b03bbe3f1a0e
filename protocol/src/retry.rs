//! Backoff and retry signals: `Retry-After` (§7.3), the rate-limit snapshot (§7.6) and the
//! server-side refresh `retry_info` (§7.7).

use serde_json::{Map, Value};

use crate::HeaderList;

/// §7.3 ceiling for rate limits, 500/503 hints and non-JSON 429s (seconds).
pub const RATE_LIMIT_RETRY_CEILING: u64 = 3_600;
/// §7.3 ceiling for quota 429s: 31 days (seconds).
pub const QUOTA_RETRY_CEILING: u64 = 2_678_400;
/// §7.6: the largest accepted reset instant, 9999-12-31T23:59:59Z (Unix seconds).
pub const MAX_RATE_LIMIT_RESET: u64 = 253_402_300_799;
/// §7.6: budget headers carry at most this many significant digits (the digits of the reset cap).
pub const MAX_HEADER_INT_DIGITS: usize = 12;
/// §7.7: `errors[].error` is at most this many characters.
pub const RETRY_ERROR_MAX_CHARS: usize = 500;

/// All values of header `name` joined by `", "` (how `fetch`/httpx expose a repeated header),
/// or `None` when absent.
pub(crate) fn joined_header(headers: &HeaderList, name: &str) -> Option<String> {
    let mut out: Option<String> = None;
    for (k, v) in headers {
        if k.eq_ignore_ascii_case(name) {
            match out.as_mut() {
                None => out = Some(v.clone()),
                Some(s) => {
                    s.push_str(", ");
                    s.push_str(v);
                }
            }
        }
    }
    out
}

/// Trimmed, ASCII digits only (`[0-9]+`), returned with leading zeros stripped (`"0"` for zeros).
fn significant_digits(raw: &str) -> Option<&str> {
    let t = raw.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let s = t.trim_start_matches('0');
    Some(if s.is_empty() { "0" } else { s })
}

/// A JSON value accepted as a non-negative integral count: an integer ≥ 0, or an integral float
/// ≥ 0 (`60.0`). Not a bool, not a string, not `60.5`.
pub(crate) fn coerce_count(v: &Value) -> Option<u64> {
    let n = match v {
        Value::Number(n) => n,
        _ => return None,
    };
    if let Some(u) = n.as_u64() {
        return Some(u);
    }
    if n.is_i64() {
        return None; // negative integer
    }
    let f = n.as_f64()?;
    if f.is_finite() && f >= 0.0 && f.fract() == 0.0 {
        // Saturate values beyond u64 (they are clamped to a ceiling anyway).
        if f >= 18_446_744_073_709_551_615.0 {
            return Some(u64::MAX);
        }
        return Some(f as u64);
    }
    None
}

/// §7.3: the header wins when it is valid delta-seconds; else the body `retry_after` when it is a
/// non-negative integral number; both clamped to `ceiling`. `None` when neither is usable.
pub fn parse_retry_after(
    header: Option<&str>,
    body_value: Option<&Value>,
    ceiling: u64,
) -> Option<u64> {
    if let Some(h) = header {
        if let Some(sig) = significant_digits(h) {
            if sig.len() > ceiling.to_string().len() {
                return Some(ceiling);
            }
            // At most as many digits as the ceiling (≤ 20), so this parse cannot overflow
            // except at 20 digits; saturate then.
            let v = sig.parse::<u64>().unwrap_or(u64::MAX);
            return Some(v.min(ceiling));
        }
    }
    body_value.and_then(coerce_count).map(|v| v.min(ceiling))
}

/// The last known request budget (§7.6). `reset_at` is absolute Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSnapshot {
    pub limit: u64,
    pub remaining: u64,
    pub reset_at: u64,
}

/// A budget header integer: ASCII digits after trim, at most 12 significant digits.
fn header_int(raw: Option<&str>) -> Option<u64> {
    let sig = significant_digits(raw?)?;
    if sig.len() > MAX_HEADER_INT_DIGITS {
        return None;
    }
    sig.parse::<u64>().ok()
}

fn is_item_name(s: &str) -> bool {
    let inner = match s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(i) => i,
        None => return false,
    };
    (1..=64).contains(&inner.len())
        && inner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'))
}

fn parse_param(part: &str) -> Option<(&str, &str)> {
    let (k, v) = part.split_once('=')?;
    let mut kb = k.bytes();
    let first_ok = kb.next().is_some_and(|b| b.is_ascii_lowercase());
    let key_ok = first_ok
        && kb.all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'*' | b'-')
        });
    let val_ok = !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
    if key_ok && val_ok {
        Some((k, v))
    } else {
        None
    }
}

/// Items of a draft-11 `RateLimit` / `RateLimit-Policy` field: `"name";k=digits;...` separated by
/// `,`. An item with a bad name or any bad parameter is skipped.
fn rate_limit_items(raw: Option<&str>) -> Vec<(&str, Vec<(&str, &str)>)> {
    let mut items = Vec::new();
    let raw = match raw {
        Some(r) => r,
        None => return items,
    };
    for candidate in raw.split(',') {
        let mut parts = candidate.trim().split(';').map(str::trim);
        let name = match parts.next() {
            Some(n) if is_item_name(n) => n,
            _ => continue,
        };
        let mut params = Vec::new();
        let mut valid = true;
        for part in parts {
            match parse_param(part) {
                Some(p) => params.push(p),
                None => {
                    valid = false;
                    break;
                }
            }
        }
        if valid {
            // Strip the quotes (ASCII, so byte slicing is on char boundaries).
            let bare = name.get(1..name.len().saturating_sub(1)).unwrap_or("");
            items.push((bare, params));
        }
    }
    items
}

/// Last value of `key` (a later duplicate overrides, as a dict would).
fn param<'a>(params: &[(&str, &'a str)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .rev()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)
}

/// §7.6: the legacy `X-RateLimit-*` triple first, else the draft-11 pair. `None` when the set is
/// partial or malformed (the caller then keeps its previous snapshot).
pub fn parse_rate_limit(headers: &HeaderList, now_secs: u64) -> Option<RateLimitSnapshot> {
    let limit = header_int(joined_header(headers, "X-RateLimit-Limit").as_deref());
    let remaining = header_int(joined_header(headers, "X-RateLimit-Remaining").as_deref());
    let reset = header_int(joined_header(headers, "X-RateLimit-Reset").as_deref());
    if let (Some(limit), Some(remaining), Some(reset_at)) = (limit, remaining, reset) {
        if reset_at <= MAX_RATE_LIMIT_RESET {
            return Some(RateLimitSnapshot {
                limit,
                remaining,
                reset_at,
            });
        }
    }

    let policy_raw = joined_header(headers, "RateLimit-Policy");
    let limit_raw = joined_header(headers, "RateLimit");
    let policies = rate_limit_items(policy_raw.as_deref());
    for (name, service) in rate_limit_items(limit_raw.as_deref()) {
        // A later policy with the same name overrides an earlier one (dict semantics).
        let policy = match policies.iter().rev().find(|(n, _)| *n == name) {
            Some((_, p)) => p,
            None => continue,
        };
        let limit = header_int(param(policy, "q"));
        let remaining = header_int(param(&service, "r"));
        let reset_after = header_int(param(&service, "t"));
        let (limit, remaining, reset_after) = match (limit, remaining, reset_after) {
            (Some(l), Some(r), Some(t)) => (l, r, t),
            _ => continue,
        };
        let reset_at = now_secs.saturating_add(reset_after);
        if reset_at > MAX_RATE_LIMIT_RESET {
            continue;
        }
        return Some(RateLimitSnapshot {
            limit,
            remaining,
            reset_at,
        });
    }
    None
}

/// One failed attempt of a server-side refresh (§7.7).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryErrorInfo {
    pub attempt: u64,
    pub error: String,
    pub error_type: String,
    pub delay_s: f64,
    pub permanent: bool,
}

/// Server-side refresh retries reported with a token (§7.7).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryInfo {
    pub total_attempts: u64,
    pub successful_attempt: u64,
    pub errors: Vec<RetryErrorInfo>,
}

/// A strict JSON integer (not a bool, not a float such as `1.0`), non-negative.
fn strict_uint(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn parse_retry_error(v: &Value) -> Option<RetryErrorInfo> {
    let o = v.as_object()?;
    let attempt = strict_uint(o.get("attempt")).filter(|&a| a >= 1)?;
    let error = match o.get("error")? {
        Value::String(s) if s.chars().count() <= RETRY_ERROR_MAX_CHARS => s.clone(),
        _ => return None,
    };
    let error_type = o.get("error_type")?.as_str()?.to_string();
    // A float field accepts any JSON number (ints included), not bools; must be ≥ 0.
    let delay_s = match o.get("delay_s")? {
        Value::Number(n) => n.as_f64().filter(|f| f.is_finite() && *f >= 0.0)?,
        _ => return None,
    };
    let permanent = match o.get("permanent") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return None,
    };
    Some(RetryErrorInfo {
        attempt,
        error,
        error_type,
        delay_s,
        permanent,
    })
}

/// §7.7 strict parse; anything malformed (including an empty object) gives `None`.
pub fn parse_retry_info(v: &Value) -> Option<RetryInfo> {
    let o = v.as_object()?;
    if o.is_empty() {
        return None;
    }
    let total_attempts = strict_uint(o.get("total_attempts")).filter(|&t| t >= 1)?;
    let successful_attempt =
        strict_uint(o.get("successful_attempt")).filter(|&s| s <= total_attempts)?;
    let errors = match o.get("errors") {
        None => Vec::new(),
        Some(Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len().min(64));
            for item in items {
                out.push(parse_retry_error(item)?);
            }
            out
        }
        Some(_) => return None,
    };
    Some(RetryInfo {
        total_attempts,
        successful_attempt,
        errors,
    })
}

impl RetryErrorInfo {
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("attempt".into(), Value::from(self.attempt));
        m.insert("error".into(), Value::from(self.error.clone()));
        m.insert("error_type".into(), Value::from(self.error_type.clone()));
        // Finite by construction; a non-finite value would become null.
        m.insert("delay_s".into(), Value::from(self.delay_s));
        m.insert("permanent".into(), Value::from(self.permanent));
        Value::Object(m)
    }
}

impl RetryInfo {
    /// `{total_attempts, successful_attempt, errors: [...]}`, snake_case.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("total_attempts".into(), Value::from(self.total_attempts));
        m.insert(
            "successful_attempt".into(),
            Value::from(self.successful_attempt),
        );
        m.insert(
            "errors".into(),
            Value::Array(self.errors.iter().map(RetryErrorInfo::to_json).collect()),
        );
        Value::Object(m)
    }
}
