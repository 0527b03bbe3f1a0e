//! Small helpers: clock, random ids, RFC 3339 timestamps, the JSON error response type.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub fn now_millis() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    if getrandom::fill(&mut b).is_err() {
        // Fall back to a time-and-counter hash; ids only need to be unique in a dev vault.
        use std::sync::atomic::{AtomicU64, Ordering};
        static CTR: AtomicU64 = AtomicU64::new(0);
        let seed = format!("{}-{}", now_millis(), CTR.fetch_add(1, Ordering::Relaxed));
        let h = Sha256::digest(seed.as_bytes());
        for (i, x) in b.iter_mut().enumerate() {
            *x = h[i % 32];
        }
    }
    b
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn random_hex(n_bytes: usize) -> String {
    let mut out = String::new();
    while out.len() < n_bytes * 2 {
        out.push_str(&hex(&random_bytes::<16>()));
    }
    out.truncate(n_bytes * 2);
    out
}

fn uuid_from(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// A random v4 UUID, canonical lowercase.
pub fn new_uuid() -> String {
    uuid_from(random_bytes::<16>())
}

/// A stable UUID (v4 layout) derived from a string, e.g. the actor id of (app, caller, type).
pub fn stable_uuid(seed: &str) -> String {
    let h = Sha256::digest(seed.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    uuid_from(b)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds (§3.4 expires_at form).
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

// Howard Hinnant's days → civil date algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// An error answer: status, JSON body, extra headers.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Value,
    pub headers: Vec<(String, String)>,
}

impl ApiError {
    /// The FastAPI envelope `{"detail":{"error":code,"message":msg}}` (§7.1 emulator advice).
    pub fn detail(status: u16, code: &str, message: impl Into<String>) -> ApiError {
        let mut d = Map::new();
        d.insert("error".into(), Value::from(code));
        d.insert("message".into(), Value::from(message.into()));
        let mut top = Map::new();
        top.insert("detail".into(), Value::Object(d));
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body: Value::Object(top),
            headers: vec![],
        }
    }

    /// A top-level body `{"error":code,"message":msg}` (used for insufficient_scope, §7.1).
    pub fn top(status: u16, code: &str, message: impl Into<String>) -> ApiError {
        let mut d = Map::new();
        d.insert("error".into(), Value::from(code));
        d.insert("message".into(), Value::from(message.into()));
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body: Value::Object(d),
            headers: vec![],
        }
    }

    /// Adds a field next to `error`/`message` (inside `detail` when enveloped).
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> ApiError {
        let target = match self.body.get_mut("detail") {
            Some(Value::Object(_)) => self.body.get_mut("detail"),
            _ => Some(&mut self.body),
        };
        if let Some(Value::Object(m)) = target {
            m.insert(key.to_string(), value.into());
        }
        self
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> ApiError {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::detail(422, "invalid_request", message)
    }

    pub fn code(&self) -> Option<&str> {
        self.body
            .get("detail")
            .and_then(|d| d.get("error"))
            .or_else(|| self.body.get("error"))
            .and_then(Value::as_str)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = json_response(self.status, &self.body);
        for (k, v) in &self.headers {
            if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
                resp.headers_mut().append(n, v);
            }
        }
        resp
    }
}

pub fn json_response(status: StatusCode, v: &Value) -> Response {
    let body = serde_json::to_vec(v).unwrap_or_else(|_| b"{}".to_vec());
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

pub fn ok_json(v: Value) -> Response {
    json_response(StatusCode::OK, &v)
}

pub fn no_content() -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    resp
}

pub type ApiResult = Result<Response, ApiError>;

/// Builds a JSON object from (key, value) pairs, keeping the order.
pub fn obj<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.to_string(), v);
    }
    Value::Object(m)
}

pub fn opt_str(s: &Option<String>) -> Value {
    s.as_ref().map(|x| Value::from(x.clone())).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_values() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_767_229_199), "2026-01-01T00:59:59Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn uuids_are_canonical() {
        let u = new_uuid();
        assert!(alter_protocol::grammar::is_canonical_uuid(&u), "{u}");
        assert_ne!(u, new_uuid());
        let s = stable_uuid("demo|bot|agent");
        assert!(alter_protocol::grammar::is_canonical_uuid(&s));
        assert_eq!(s, stable_uuid("demo|bot|agent"));
    }

    #[test]
    fn error_shapes() {
        let e = ApiError::detail(404, "grant_not_found", "no").with("grant_id", "x");
        assert_eq!(e.body["detail"]["grant_id"], "x");
        assert_eq!(e.code(), Some("grant_not_found"));
        let t = ApiError::top(403, "insufficient_scope", "m").with("missing", vec!["a"]);
        assert_eq!(t.body["missing"][0], "a");
        assert_eq!(t.code(), Some("insufficient_scope"));
    }
}
