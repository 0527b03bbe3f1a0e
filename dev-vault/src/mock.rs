//! Mock providers on `/mock/{provider}/...`: they identify the grant whose credential they
//! received (never echoing it) and offer special paths for error, redirect, large, binary and
//! slow answers. Every call is counted for `GET /admin/mock/calls`.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::util::{hex, ApiError};
use crate::vault::Vault;

pub struct MockResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl MockResponse {
    fn json(status: u16, v: &Value) -> MockResponse {
        MockResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_vec(v).unwrap_or_default(),
        }
    }

    pub fn into_response(self) -> Response {
        let mut resp = Response::new(Body::from(self.body));
        *resp.status_mut() = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        for (k, v) in self.headers {
            if let (Ok(n), Ok(v)) = (axum::http::HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(&v)) {
                resp.headers_mut().append(n, v);
            }
        }
        resp
    }
}

/// Finds the grant whose injected credential is on this request: (grant id, principal label,
/// locations such as `header:authorization` / `query:api_key`).
fn identify(v: &Vault, headers: &[(String, String)], query: &[(String, String)]) -> Option<(String, String, Vec<String>)> {
    let st = v.lock();
    for g in &st.grants {
        let mut locations = Vec::new();
        let injected = g.injection_format.replacen("{token}", &g.access_token, 1);
        if headers.iter().any(|(k, val)| k.eq_ignore_ascii_case(&g.injection_header) && *val == injected) {
            locations.push(format!("header:{}", g.injection_header.to_ascii_lowercase()));
        }
        for rule in &g.additional_injections {
            let (Some(target), Some(key), Some(src)) = (
                rule.get("target").and_then(Value::as_str),
                rule.get("key").and_then(Value::as_str),
                rule.get("value_source").and_then(Value::as_str),
            ) else {
                continue;
            };
            let value = match src.strip_prefix("additional_credentials.") {
                None => Some(g.access_token.clone()),
                Some(f) => g.additional_credentials.as_ref().and_then(|c| c.get(f).cloned()),
            };
            let Some(value) = value.filter(|x| !x.is_empty()) else { continue };
            let hit = match target {
                "query_param" => query.iter().any(|(k, val)| k == key && *val == value),
                _ => headers.iter().any(|(k, val)| k.eq_ignore_ascii_case(key) && *val == value),
            };
            if hit {
                locations.push(match target {
                    "query_param" => format!("query:{key}"),
                    _ => format!("header:{}", key.to_ascii_lowercase()),
                });
            }
        }
        if !locations.is_empty() {
            return Some((g.id.clone(), st.principal_label(&g.principal), locations));
        }
    }
    None
}

/// Handles one mock call. `rest` is the path after `/mock/{provider}` (may be empty).
#[allow(clippy::too_many_arguments)]
pub async fn handle(
    v: &Arc<Vault>,
    via: &str,
    method: &str,
    provider: &str,
    rest: &str,
    raw_query: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> MockResponse {
    let query = alter_protocol::canonical::form_decode(raw_query);
    let found = identify(v, headers, &query);
    let (grant_id, user, locations) = match &found {
        Some((g, u, l)) => (Value::from(g.clone()), Value::from(u.clone()), l.clone()),
        None => (Value::Null, Value::Null, vec![]),
    };
    let credential_ok = found.is_some();
    {
        let mut st = v.lock();
        let seq = st.mock_calls.len() as u64 + 1;
        let mut c = Map::new();
        c.insert("seq".into(), Value::from(seq));
        c.insert("provider".into(), Value::from(provider));
        c.insert("method".into(), Value::from(method));
        c.insert("path".into(), Value::from(rest));
        c.insert("grant_id".into(), grant_id.clone());
        c.insert("user".into(), user.clone());
        c.insert("credential_ok".into(), Value::from(credential_ok));
        c.insert("via".into(), Value::from(via));
        st.mock_calls.push(Value::Object(c));
    }
    // Special paths answer without a credential.
    if let Some(code) = rest.strip_prefix("/status/") {
        let code: u16 = match code.trim_end_matches('/').parse() {
            Ok(c) if (100..=599).contains(&c) => c,
            _ => return MockResponse::json(400, &serde_json::json!({"error": "mock_bad_status"})),
        };
        return MockResponse::json(code, &serde_json::json!({"error": format!("mock_{code}")}));
    }
    match rest {
        "/insufficient-scope" => {
            let mut r = MockResponse::json(403, &serde_json::json!({"error": "insufficient_scope"}));
            r.headers.push(("www-authenticate".into(), "Bearer error=\"insufficient_scope\", scope=\"a b\"".into()));
            return r;
        }
        "/redirect" => {
            let mut r = MockResponse::json(302, &serde_json::json!({"redirect": true}));
            r.headers.push(("location".into(), "http://127.0.0.1:1/elsewhere".into()));
            return r;
        }
        "/large" => {
            let body: Vec<u8> = (0..20_000).map(|i| b'a' + (i % 26) as u8).collect();
            return MockResponse { status: 200, headers: vec![("content-type".into(), "text/plain".into())], body };
        }
        "/binary" => {
            let body: Vec<u8> = (0..=255u8).map(|b| b.wrapping_mul(7) | 0x80).collect();
            return MockResponse { status: 200, headers: vec![("content-type".into(), "application/octet-stream".into())], body };
        }
        "/set-cookie" => {
            let mut r = MockResponse::json(200, &serde_json::json!({"cookie": "set"}));
            r.headers.push(("set-cookie".into(), "mock_session=1; Path=/".into()));
            return r;
        }
        "/slow" => {
            let ms = query.iter().find(|(k, _)| k == "ms").and_then(|(_, v)| v.parse::<u64>().ok()).unwrap_or(1000).min(60_000);
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        _ => {}
    }
    // The query is echoed, except the value of a parameter that carried the credential: like a
    // real provider, the mock never sends a credential back.
    let mut q = Map::new();
    for (k, val) in &query {
        let carried = locations.iter().any(|l| l.strip_prefix("query:") == Some(k.as_str()));
        let shown = if carried { "<credential>".to_string() } else { val.clone() };
        q.insert(k.clone(), Value::from(shown));
    }
    let answer = serde_json::json!({
        "provider": provider,
        "method": method,
        "path": rest,
        "query": Value::Object(q),
        "grant_id": grant_id,
        "user": user,
        "credential_ok": credential_ok,
        "credential_locations": locations,
        "body_sha256": hex(&Sha256::digest(body)),
    });
    MockResponse::json(if credential_ok { 200 } else { 401 }, &answer)
}

/// The axum entry point for `/mock/{provider}` and `/mock/{provider}/{*rest}`.
pub async fn route(State(v): State<Arc<Vault>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, v.cfg.server.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => return axum::response::IntoResponse::into_response(ApiError::detail(413, "payload_too_large", "mock request body too large")),
    };
    let path = parts.uri.path();
    let after = path.strip_prefix("/mock/").unwrap_or("");
    let (provider, rest) = match after.find('/') {
        Some(i) => (after.get(..i).unwrap_or(""), after.get(i..).unwrap_or("")),
        None => (after, ""),
    };
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, val)| (k.as_str().to_string(), String::from_utf8_lossy(val.as_bytes()).into_owned()))
        .collect();
    let raw_query = parts.uri.query().unwrap_or("");
    handle(&v, "http", parts.method.as_str(), provider, rest, raw_query, &headers, &bytes).await.into_response()
}
