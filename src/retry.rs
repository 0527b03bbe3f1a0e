//! Client-side retries of calls to the Alter vault.
//!
//! DELIBERATE DIVERGENCE from protocol-core §7.4, which says the official SDK retries nothing on
//! its own. alter-edge retries calls *to the vault only*, a bounded number of times
//! (`maxRetries`, default [`DEFAULT_MAX_RETRIES`], 0 = the official behaviour):
//!
//! * `409 token_refresh_in_progress`, `429` that maps to `RateLimitError` (`rate_limit_exceeded`
//!   or a non-JSON 429; never `quota_exceeded`, a policy denial), `502`, `503`, `504`, and
//!   network errors (connection refused / reset / dropped);
//! * for requests that are not safe to repeat (a POST other than `/sdk/token` and
//!   `/sdk/grants/list` without an `Idempotency-Key` header, PATCH), only the answers that say
//!   the vault did not act on the request: 409 refresh, 429 rate limit, 503 — never a network
//!   error, 502 or 504, after which the vault may have acted;
//! * never `/sdk/proxy` (the vault calls the provider for it), never the audit row or the scope
//!   report, and never the provider call itself (a provider call is sent at most once).
//!
//! Delays: exponential backoff with full jitter (`random(0, min(cap, base·2^(n-1)))`), or the
//! vault's `Retry-After` (delta-seconds) plus up to one base delay of jitter when it sent one. A
//! `Retry-After` above [`MAX_RETRY_AFTER_S`] is not waited for (the error goes to the caller with
//! its `retryAfter`). The call's timeout is one budget for all attempts and sleeps: a retry whose
//! delay would end past it is not made. The driver sleeps, and ends a sleep early when the
//! caller's AbortSignal fires.

use alter_protocol::error::{codes, ErrorClass};
use alter_protocol::{json, mapping, retry, HeaderList};
use serde_json::{Map, Value};

/// Default `maxRetries` of App / Agent.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Largest accepted `maxRetries`.
pub const MAX_MAX_RETRIES: u32 = 10;
/// First backoff ceiling; doubles per retry.
const BASE_DELAY_MS: f64 = 500.0;
/// Backoff ceiling.
const MAX_BACKOFF_MS: f64 = 8_000.0;
/// The longest `Retry-After` the SDK waits for by itself.
pub const MAX_RETRY_AFTER_S: u64 = 30;
/// The 409 code that means another refresher holds the grant's lock (§7.2).
const TOKEN_REFRESH_IN_PROGRESS: &str = "token_refresh_in_progress";

/// POST endpoints that only read (credential retrieval, the grant listing).
const READ_ONLY_POSTS: &[&str] = &["/sdk/token", "/sdk/grants/list"];

/// Whether repeating the request can never make the vault act twice.
pub fn idempotent(method: &str, path: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE")
        || (method == "POST" && READ_ONLY_POSTS.contains(&path.split('?').next().unwrap_or(path)))
}

/// Calls that are never retried: the vault's own provider call and anything under it.
pub fn never_retried(path: &str) -> bool {
    path == "/sdk/proxy" || path.starts_with("/sdk/proxy/") || path.starts_with("/sdk/proxy?")
}

/// One failed attempt that was retried.
pub struct ClientRetry {
    pub attempt: u32,
    /// The error code the attempt would have raised (`rate_limit_exceeded`, `network_error`, …).
    pub error_type: String,
    /// HTTP status, `None` for a network error.
    pub status: Option<u16>,
    /// How long the SDK waited before the next attempt.
    pub delay_ms: f64,
}

/// What a failed attempt means for retrying.
pub enum Verdict {
    /// Give up: the error goes to the caller.
    Final,
    /// Retry; `retry_after_s` when the vault asked for a delay.
    Retry {
        error_type: String,
        status: Option<u16>,
        retry_after_s: Option<u64>,
    },
}

/// Judges a non-2xx vault answer.
pub fn judge_status(status: u16, headers: &HeaderList, body: &[u8], safe: bool) -> Verdict {
    let header_after = || {
        retry::parse_retry_after(
            alter_protocol::header(headers, "retry-after"),
            None,
            retry::RATE_LIMIT_RETRY_CEILING,
        )
    };
    match status {
        409 | 429 => {
            let e = mapping::map_backend_error(status, headers, body);
            let retryable = (status == 409 && e.code == TOKEN_REFRESH_IN_PROGRESS)
                || (status == 429 && e.class == ErrorClass::RateLimitError);
            if !retryable {
                return Verdict::Final;
            }
            let from_field = e.fields.get("retry_after").and_then(Value::as_u64);
            Verdict::Retry {
                error_type: e.code,
                status: Some(status),
                retry_after_s: from_field.or_else(header_after),
            }
        }
        503 => Verdict::Retry {
            error_type: "service_unavailable".into(),
            status: Some(status),
            retry_after_s: header_after(),
        },
        502 | 504 if safe => Verdict::Retry {
            error_type: if status == 502 {
                "bad_gateway"
            } else {
                "gateway_timeout"
            }
            .into(),
            status: Some(status),
            retry_after_s: header_after(),
        },
        _ => Verdict::Final,
    }
}

/// Judges a transport failure already mapped to a protocol error (timeouts are final: the
/// budget is spent).
pub fn judge_error(code: &str, safe: bool) -> Verdict {
    if safe && code == codes::NETWORK_ERROR {
        Verdict::Retry {
            error_type: code.to_string(),
            status: None,
            retry_after_s: None,
        }
    } else {
        Verdict::Final
    }
}

/// The delay before retry number `retry` (1-based), or `None` when the vault asked for a wait
/// longer than the SDK takes on by itself. `jitter` is uniform in [0, 1).
pub fn delay_ms(retry: u32, retry_after_s: Option<u64>, jitter: f64) -> Option<f64> {
    match retry_after_s {
        Some(s) if s > MAX_RETRY_AFTER_S => None,
        Some(s) => Some(s as f64 * 1000.0 + jitter * BASE_DELAY_MS),
        None => {
            let exp = BASE_DELAY_MS * 2f64.powi(retry.saturating_sub(1).min(16) as i32);
            Some(jitter * exp.min(MAX_BACKOFF_MS))
        }
    }
}

/// The `retryInfo` wire object (snake_case) of one `request()`: the backend's `retry_info` fields
/// exactly as received (§7.7: `total_attempts`, `successful_attempt`, `errors`), plus, only when
/// the SDK itself retried the token call, `client_attempts` (number of `/sdk/token` attempts made,
/// ≥ 2) and `client_retries` (`[{attempt, error_type, status, delay_ms}]`, one per failed attempt
/// that was retried). `None` when there is neither.
pub fn report(backend: Option<Value>, attempts: u32, retries: &[ClientRetry]) -> Option<String> {
    if retries.is_empty() {
        return backend.map(|b| json::to_json_utf8(&b));
    }
    let mut m = match backend {
        Some(Value::Object(o)) => o,
        _ => Map::new(),
    };
    m.insert("client_attempts".into(), Value::from(attempts));
    let list = retries
        .iter()
        .map(|r| {
            let mut o = Map::new();
            o.insert("attempt".into(), Value::from(r.attempt));
            o.insert("error_type".into(), Value::from(r.error_type.clone()));
            o.insert(
                "status".into(),
                r.status.map(Value::from).unwrap_or(Value::Null),
            );
            o.insert(
                "delay_ms".into(),
                Value::from(r.delay_ms.round().max(0.0) as u64),
            );
            Value::Object(o)
        })
        .collect();
    m.insert("client_retries".into(), Value::Array(list));
    Some(json::to_json_utf8(&Value::Object(m)))
}
