//! The admin API (outside `/sdk`), protected by `Authorization: Bearer <admin_token>`, and the
//! test IdP's public endpoints.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::faults::validate_fault;
use crate::sdk_proxy::{approval_status_json, decide, refresh_expiry};
use crate::state::Fault;
use crate::util::{new_uuid, now_secs, ok_json, ApiError, ApiResult};
use crate::vault::Vault;

fn authorize(v: &Vault, headers: &HeaderMap) -> Result<(), ApiError> {
    let presented = headers.get(axum::http::header::AUTHORIZATION).and_then(|h| h.to_str().ok()).and_then(|s| s.strip_prefix("Bearer "));
    let expected = v.cfg.server.admin_token.as_bytes();
    let ok = presented.is_some_and(|p| {
        p.len() == expected.len() && p.bytes().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::detail(401, "admin_unauthorized", "Admin API needs Authorization: Bearer <admin_token>"))
    }
}

fn body_object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ApiError::invalid("body must be a JSON object")),
    }
}

pub async fn health() -> Response {
    ok_json(serde_json::json!({"status": "ok"}))
}

pub async fn approvals(State(v): State<Arc<Vault>>, headers: HeaderMap) -> ApiResult {
    authorize(&v, &headers)?;
    let now = now_secs();
    let mut st = v.lock();
    let mut out = Vec::new();
    for a in st.approvals.iter_mut() {
        refresh_expiry(a, now);
        if a.status != "pending" {
            continue;
        }
        let mut j = approval_status_json(a);
        if let Some(m) = j.as_object_mut() {
            m.insert("method".into(), Value::from(a.call.method.clone()));
            m.insert("url".into(), Value::from(a.call.url.clone()));
            m.insert("grant_id".into(), Value::from(a.call.reported_grant_id.clone()));
            m.insert("reason".into(), a.call.reason.clone().map(Value::from).unwrap_or(Value::Null));
            m.insert("policy".into(), Value::from(a.policy.clone()));
        }
        out.push(j);
    }
    Ok(ok_json(serde_json::json!({"approvals": out})))
}

pub async fn decide_approval(State(v): State<Arc<Vault>>, headers: HeaderMap, Path((id, action)): Path<(String, String)>, body: Bytes) -> ApiResult {
    authorize(&v, &headers)?;
    let b = body_object(&body)?;
    let reason = b.get("reason").and_then(Value::as_str).map(str::to_string);
    let approve = match action.as_str() {
        "approve" => true,
        "deny" => false,
        _ => return Err(ApiError::detail(404, "not_found", "use /approve or /deny")),
    };
    let status = decide(&v, &id, approve, reason).await?;
    Ok(ok_json(serde_json::json!({"status": status})))
}

pub async fn audit(State(v): State<Arc<Vault>>, headers: HeaderMap) -> ApiResult {
    authorize(&v, &headers)?;
    let rows = v.lock().audit.clone();
    Ok(ok_json(serde_json::json!({"rows": rows})))
}

pub async fn mock_calls(State(v): State<Arc<Vault>>, headers: HeaderMap) -> ApiResult {
    authorize(&v, &headers)?;
    let calls = v.lock().mock_calls.clone();
    Ok(ok_json(serde_json::json!({"calls": calls})))
}

pub async fn idp_token(State(v): State<Arc<Vault>>, headers: HeaderMap, body: Bytes) -> ApiResult {
    authorize(&v, &headers)?;
    let b = body_object(&body)?;
    let Some(idp) = &v.idp else {
        return Err(ApiError::detail(400, "idp_not_configured", "No [idp] in the config"));
    };
    let sub = b.get("sub").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| ApiError::invalid("sub must be a non-empty string"))?;
    let ttl = match b.get("ttl_secs") {
        None | Some(Value::Null) => None,
        Some(t) => Some(t.as_i64().ok_or_else(|| ApiError::invalid("ttl_secs must be an integer"))?),
    };
    let claims = match b.get("claims") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m.clone()),
        _ => return Err(ApiError::invalid("claims must be an object")),
    };
    let mut defaults = Map::new();
    if let Some(u) = v.user(sub) {
        if let Some(e) = &u.email {
            defaults.insert("email".into(), Value::from(e.clone()));
        }
        if let Some(n) = &u.name {
            defaults.insert("name".into(), Value::from(n.clone()));
        }
    }
    let token = idp.mint(sub, ttl, now_secs(), defaults, claims.as_ref());
    Ok(ok_json(serde_json::json!({"token": token})))
}

pub async fn add_fault(State(v): State<Arc<Vault>>, headers: HeaderMap, body: Bytes) -> ApiResult {
    authorize(&v, &headers)?;
    let b = body_object(&body)?;
    let endpoint = b.get("endpoint").and_then(Value::as_str).filter(|s| s.starts_with('/')).ok_or_else(|| ApiError::invalid("endpoint must be a path starting with /"))?;
    let count = match b.get("count") {
        None | Some(Value::Null) => 1,
        Some(c) => c.as_u64().filter(|n| *n > 0).ok_or_else(|| ApiError::invalid("count must be a positive integer"))?,
    };
    let fault = b.get("fault").cloned().unwrap_or(Value::Null);
    validate_fault(&fault).map_err(ApiError::invalid)?;
    let id = new_uuid();
    v.lock().faults.push(Fault { endpoint: endpoint.to_string(), remaining: count, fault, id: id.clone() });
    Ok(ok_json(serde_json::json!({"id": id})))
}

pub async fn clear_faults(State(v): State<Arc<Vault>>, headers: HeaderMap) -> ApiResult {
    authorize(&v, &headers)?;
    v.lock().faults.clear();
    Ok(ok_json(serde_json::json!({"cleared": true})))
}

pub async fn connect_action(State(v): State<Arc<Vault>>, headers: HeaderMap, Path((token, action)): Path<(String, String)>, body: Bytes) -> ApiResult {
    authorize(&v, &headers)?;
    let b = body_object(&body)?;
    let s = |k: &str| b.get(k).and_then(Value::as_str).filter(|x| !x.is_empty()).map(str::to_string);
    match action.as_str() {
        "complete" => {
            let failed = match b.get("failed_grants") {
                None | Some(Value::Null) => vec![],
                Some(Value::Array(a)) => {
                    let ok = a.iter().all(|f| ["provider_id", "reason", "message"].iter().all(|k| f.get(*k).and_then(Value::as_str).is_some_and(|x| !x.is_empty())));
                    if !ok {
                        return Err(ApiError::invalid("failed_grants entries need non-empty provider_id, reason and message"));
                    }
                    a.clone()
                }
                Some(_) => return Err(ApiError::invalid("failed_grants must be a list")),
            };
            let no_grant = matches!(b.get("no_grant"), Some(Value::Bool(true)));
            let c = crate::sdk_grants::Completion { sub: s("sub"), provider: s("provider_id"), account: s("account"), failed, no_grant };
            let grant = crate::sdk_grants::complete_connect(&v, &token, c)?;
            Ok(ok_json(serde_json::json!({"status": "completed", "grant": grant})))
        }
        "deny" => {
            crate::sdk_grants::deny_connect(&v, &token, s("error_code"), s("error_message"))?;
            Ok(ok_json(serde_json::json!({"status": "denied"})))
        }
        "decline" => {
            let p = s("provider_id").ok_or_else(|| ApiError::invalid("provider_id is required"))?;
            let entry = crate::sdk_grants::decline_connect(&v, &token, p, s("error_code"))?;
            Ok(ok_json(serde_json::json!({"status": "pending", "declined": entry})))
        }
        _ => Err(ApiError::detail(404, "not_found", "use /complete, /deny or /decline")),
    }
}

/// `POST /admin/auth/{session_token}/complete` `{"sub"}` or `/deny`: decides an auth session.
pub async fn auth_action(State(v): State<Arc<Vault>>, headers: HeaderMap, Path((token, action)): Path<(String, String)>, body: Bytes) -> ApiResult {
    authorize(&v, &headers)?;
    let b = body_object(&body)?;
    let sub = b.get("sub").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    Ok(ok_json(crate::sdk_more::decide_auth(&v, &token, &action, sub)?))
}

pub async fn auth_page(State(v): State<Arc<Vault>>, Path(token): Path<String>) -> Response {
    match crate::sdk_more::auth_page(&v, &token) {
        Ok(j) => ok_json(j),
        Err(e) => e.into_response(),
    }
}

/// `GET /admin/spans` → `{"spans":[…]}` as received (plus the generated `span_id` and `principal`).
pub async fn spans(State(v): State<Arc<Vault>>, headers: HeaderMap) -> ApiResult {
    authorize(&v, &headers)?;
    let spans = v.lock().spans.clone();
    Ok(ok_json(serde_json::json!({"spans": spans})))
}

pub async fn reset(State(v): State<Arc<Vault>>, headers: HeaderMap) -> ApiResult {
    authorize(&v, &headers)?;
    v.reset().map_err(|m| ApiError::detail(500, "reset_failed", m))?;
    Ok(ok_json(serde_json::json!({"status": "reset"})))
}

pub async fn jwks(State(v): State<Arc<Vault>>) -> Response {
    match &v.idp {
        Some(i) => ok_json(i.jwks()),
        None => ApiError::detail(404, "idp_not_configured", "No [idp] in the config").into_response(),
    }
}

pub async fn openid_configuration(State(v): State<Arc<Vault>>) -> Response {
    match &v.idp {
        Some(i) => ok_json(serde_json::json!({
            "issuer": i.issuer(),
            "jwks_uri": format!("{}/idp/.well-known/jwks.json", v.public_url()),
            "id_token_signing_alg_values_supported": ["EdDSA"],
        })),
        None => ApiError::detail(404, "idp_not_configured", "No [idp] in the config").into_response(),
    }
}

/// `GET /approvals/{id}`: where `approval_url` points. The dev vault has no approver UI; this
/// page says how to decide (it never decides by itself).
pub async fn approval_page(State(v): State<Arc<Vault>>, Path(id): Path<String>) -> Response {
    let now = now_secs();
    let mut st = v.lock();
    let Some(a) = st.approvals.iter_mut().find(|a| a.id == id) else {
        return ApiError::detail(404, "approval_not_found", "Approval not found").into_response();
    };
    refresh_expiry(a, now);
    ok_json(serde_json::json!({
        "approval_id": a.id,
        "status": a.status,
        "method": a.call.method,
        "url": a.call.url,
        "grant_id": a.call.reported_grant_id,
        "reason": a.call.reason,
        "policy": a.policy,
        "approve": format!("POST /admin/approvals/{}/approve with Authorization: Bearer <admin_token>", a.id),
        "deny": format!("POST /admin/approvals/{}/deny with Authorization: Bearer <admin_token>", a.id),
    }))
}

/// `GET /connect/{token}`: where `connect_url` points; says how to complete the session.
pub async fn connect_page(State(v): State<Arc<Vault>>, Path(token): Path<String>) -> Response {
    let st = v.lock();
    let Some(s) = st.connect_sessions.iter().find(|s| s.token == token) else {
        return ApiError::detail(404, "session_not_found", "No such connect session").into_response();
    };
    ok_json(serde_json::json!({
        "status": s.status,
        "allowed_providers": s.providers,
        "complete": format!("POST /admin/connect/{}/complete with Authorization: Bearer <admin_token>", s.token),
        "deny": format!("POST /admin/connect/{}/deny with Authorization: Bearer <admin_token>", s.token),
    }))
}
