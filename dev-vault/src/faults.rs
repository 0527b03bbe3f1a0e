//! Fault injection: the next N requests to an endpoint get a status, a delay, a malformed body, a
//! §3.4-violating token payload, or a dropped connection instead of normal handling.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use tokio::sync::Notify;

use crate::util::{json_response, ApiError};
use crate::vault::Vault;

/// Marks a response produced by a fault, so the error normaliser leaves it exactly as injected.
#[derive(Clone, Copy)]
pub struct Injected;

/// Per-connection handle: notifying it makes the connection task drop the socket unanswered.
#[derive(Clone)]
pub struct ConnAbort(pub Arc<Notify>);

/// The fields `token_contract_violation` can break (README "Fault injection").
pub const VIOLATIONS: &[&str] = &[
    "access_token",
    "grant_id",
    "missing_grant_id",
    "token_type",
    "expires_in",
    "expires_at",
    "scopes",
    "provider_id",
    "scope_mismatch",
    "injection_header",
    "injection_format",
    "additional_credentials",
    "additional_injections",
];

/// Checks a fault spec at `POST /admin/faults` time.
pub fn validate_fault(f: &Value) -> Result<(), String> {
    let m = f.as_object().ok_or("fault must be an object")?;
    if let Some(s) = m.get("status") {
        let ok = s.as_u64().is_some_and(|c| (100..=599).contains(&c));
        if !ok {
            return Err("fault.status must be an integer 100..=599".into());
        }
        if m.get("raw_body").is_some_and(|b| !b.is_string()) {
            return Err("fault.raw_body must be a string".into());
        }
        if let Some(h) = m.get("headers") {
            if !h.as_object().is_some_and(|o| o.iter().all(|(k, v)| v.is_string() && HeaderName::from_bytes(k.as_bytes()).is_ok())) {
                return Err("fault.headers must be an object of header names to strings".into());
            }
        }
        return Ok(());
    }
    if m.get("delay_ms").is_some_and(Value::is_u64) {
        return Ok(());
    }
    if m.get("malformed_body") == Some(&Value::Bool(true)) || m.get("drop_connection") == Some(&Value::Bool(true)) {
        return Ok(());
    }
    if let Some(field) = m.get("token_contract_violation").and_then(Value::as_str) {
        if VIOLATIONS.contains(&field) {
            return Ok(());
        }
        return Err(format!("token_contract_violation must be one of {VIOLATIONS:?}"));
    }
    Err("fault must have one of status, delay_ms, malformed_body, token_contract_violation, drop_connection".into())
}

/// A 200 token payload that breaks §3.4 for one field.
pub fn violating_payload(field: &str) -> Value {
    let mut m = Map::new();
    m.insert("access_token".into(), Value::from("dev-fault-token"));
    m.insert("token_type".into(), Value::from("Bearer"));
    m.insert("expires_in".into(), Value::from(3600));
    m.insert("expires_at".into(), Value::from("2030-01-01T00:00:00Z"));
    m.insert("scopes".into(), Value::from(Vec::<String>::new()));
    m.insert("grant_id".into(), Value::from("6a000000-0000-4000-8000-000000000006"));
    m.insert("provider_id".into(), Value::from("google"));
    m.insert("scope_mismatch".into(), Value::from(false));
    m.insert("injection_header".into(), Value::from("Authorization"));
    m.insert("injection_format".into(), Value::from("Bearer {token}"));
    let bad = match field {
        "access_token" => Some(Value::from("dev-fault\r\ntoken")),
        "grant_id" => Some(Value::from("6A000000-0000-4000-8000-000000000006")),
        "token_type" => Some(Value::from("  ")),
        "expires_in" => serde_json::from_str("3600.0").ok(),
        "expires_at" => Some(Value::from("2030-01-01T00:00:00")),
        "scopes" => Some(Value::Null),
        "provider_id" => Some(Value::Null),
        "scope_mismatch" => Some(Value::from("no")),
        "injection_header" => Some(Value::from("Host")),
        "injection_format" => Some(Value::from("Bearer")),
        "additional_credentials" => {
            let mut c = Map::new();
            for i in 0..11 {
                c.insert(format!("k{i}"), Value::from("v"));
            }
            Some(Value::Object(c))
        }
        "additional_injections" => Some(serde_json::json!([{"target": "header", "key": "X-Extra", "value_source": "token", "extra": 1}])),
        _ => None,
    };
    if field == "missing_grant_id" {
        m.shift_remove("grant_id");
    } else if let Some(b) = bad {
        m.insert(field.to_string(), b);
    }
    Value::Object(m)
}

/// A body that fails on first poll: the client sees the connection end mid-response.
struct BrokenBody;

impl http_body::Body for BrokenBody {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "injected drop_connection"))))
    }
}

fn take_fault(v: &Vault, path: &str) -> Option<Value> {
    let mut st = v.lock();
    let pos = st.faults.iter().position(|f| f.remaining > 0 && f.matches(path))?;
    let f = &mut st.faults[pos];
    f.remaining -= 1;
    let spec = f.fault.clone();
    if f.remaining == 0 {
        st.faults.remove(pos);
    }
    Some(spec)
}

pub async fn apply(State(v): State<Arc<Vault>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/admin/") || path.starts_with("/idp/") || path.starts_with("/approvals/") || path.starts_with("/connect/") || path.starts_with("/auth/") {
        return next.run(req).await;
    }
    let Some(f) = take_fault(&v, &path) else {
        return next.run(req).await;
    };
    if let Some(ms) = f.get("delay_ms").and_then(Value::as_u64) {
        tokio::time::sleep(Duration::from_millis(ms.min(300_000))).await;
        return next.run(req).await;
    }
    if f.get("drop_connection") == Some(&Value::Bool(true)) {
        if let Some(abort) = req.extensions().get::<ConnAbort>().cloned() {
            abort.0.notify_one();
            std::future::pending::<()>().await;
        }
        let mut resp = Response::new(Body::new(BrokenBody));
        resp.headers_mut().insert(axum::http::header::CONTENT_LENGTH, HeaderValue::from_static("100"));
        return resp;
    }
    if f.get("malformed_body") == Some(&Value::Bool(true)) {
        let mut resp = Response::new(Body::from("{\"access_token\": \"truncated"));
        resp.headers_mut().insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        resp.extensions_mut().insert(Injected);
        return resp;
    }
    if let Some(field) = f.get("token_contract_violation").and_then(Value::as_str) {
        return json_response(StatusCode::OK, &violating_payload(field));
    }
    let status = f.get("status").and_then(Value::as_u64).and_then(|s| u16::try_from(s).ok()).unwrap_or(503);
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut resp = match f.get("raw_body").and_then(Value::as_str) {
        // A non-JSON error body (an intermediary's HTML page, §7.1 non-JSON paths).
        Some(raw) => {
            let mut r = Response::new(Body::from(raw.to_string()));
            *r.status_mut() = code;
            r.headers_mut().insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            r
        }
        None => {
            let body = f.get("body").cloned().unwrap_or_else(|| {
                ApiError::detail(status, "injected_fault", format!("fault injected by the dev vault (HTTP {status})")).body
            });
            json_response(code, &body)
        }
    };
    if let Some(h) = f.get("headers").and_then(Value::as_object) {
        for (k, val) in h {
            if let (Ok(n), Some(Ok(hv))) = (HeaderName::from_bytes(k.as_bytes()), val.as_str().map(HeaderValue::from_str)) {
                resp.headers_mut().insert(n, hv);
            }
        }
    }
    resp.extensions_mut().insert(Injected);
    resp.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_violation_is_refused_by_the_protocol_contract() {
        let ok = violating_payload("none");
        assert!(alter_protocol::token::parse_token_response(ok.to_string().as_bytes()).is_ok(), "base payload must be valid");
        for f in VIOLATIONS {
            let p = violating_payload(f);
            let r = alter_protocol::token::parse_token_response(p.to_string().as_bytes());
            assert!(r.is_err(), "violation {f} was accepted");
        }
    }

    #[test]
    fn fault_specs_are_validated() {
        assert!(validate_fault(&serde_json::json!({"status": 503})).is_ok());
        assert!(validate_fault(&serde_json::json!({"status": 99})).is_err());
        assert!(validate_fault(&serde_json::json!({"delay_ms": 10})).is_ok());
        assert!(validate_fault(&serde_json::json!({"token_contract_violation": "nope"})).is_err());
        assert!(validate_fault(&serde_json::json!({"drop_connection": true})).is_ok());
        assert!(validate_fault(&serde_json::json!({})).is_err());
        assert!(validate_fault(&serde_json::json!("x")).is_err());
    }
}
