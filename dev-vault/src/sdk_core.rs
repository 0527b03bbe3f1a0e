//! The core-path endpoints: `/sdk/token` (§3), audit (§5), scope report (§6.1), verify-token
//! (§9.2), scopes catalog (api-surface §2.9).

use std::sync::Arc;

use alter_protocol::token::{parse_token_request_body, GrantTarget};
use alter_protocol::grammar::is_canonical_uuid;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::response::IntoResponse;
use axum::Extension;
use serde_json::{Map, Value};

use crate::auth::Ctx;
use crate::resolve::{check_usable, refresh_if_needed, resolve, token_payload, verify_user_token, Endpoint};
use crate::state::Mismatch;
use crate::util::{no_content, now_secs, ok_json, rfc3339, ApiError, ApiResult};
use crate::vault::Vault;

pub fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::invalid(format!("Request body is not valid JSON: {e}")))
}

pub fn parse_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match parse_json(body)? {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::invalid("Request body must be a JSON object")),
    }
}

/// `POST /sdk/token`.
pub async fn token(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    ctx.require("tokens:retrieve")?;
    let req = parse_token_request_body(&ctx.body).map_err(|e| ApiError::invalid(e.message))?;
    let user = match &req.user_token {
        Some(t) => Some(verify_user_token(&v, t)?.sub),
        None => None,
    };
    let now = now_secs();
    let mut st = v.lock();
    let r = resolve(&v, &st, &ctx, &req.target, user.as_deref())?;
    let user_sub = user.clone().or_else(|| match &req.target {
        GrantTarget::Provider { app_user_id: Some(id), .. } => v.user_by_id(id).map(|u| u.sub.clone()),
        _ => None,
    });
    check_usable(&v, &st, &r, &ctx, &req.method, &req.url, Endpoint::Token, user_sub.as_deref())?;
    // Last, after every refusal of the grant itself: the credential goes only where its provider allows.
    v.check_destination(&st.grants[r.idx].provider, &req.url)?;
    let g = &mut st.grants[r.idx];
    refresh_if_needed(g, now);
    g.last_used_at = Some(now);
    let payload = token_payload(g, &r.reported_id, now);
    Ok(ok_json(payload))
}

const AUDIT_FIELDS: &[(&str, &str)] = &[
    ("grant_id", "string"),
    ("provider_id", "string"),
    ("token_generation", "string|null"),
    ("method", "string"),
    ("url", "string"),
    ("request_headers", "object|null"),
    ("request_body", "any"),
    ("response_status", "int"),
    ("response_headers", "object|null"),
    ("response_body", "string"),
    ("latency_ms", "int"),
    ("reason", "string|null"),
    ("context", "object|null"),
];

/// §5.3: every key present with its type, no other key; header maps and context are string maps.
pub fn validate_audit_row(v: &Value) -> Result<(), String> {
    let m = v.as_object().ok_or("audit row must be a JSON object")?;
    for (name, kind) in AUDIT_FIELDS {
        let Some(val) = m.get(*name) else { return Err(format!("missing field {name}")) };
        let ok = match *kind {
            "string" => val.is_string(),
            "string|null" => val.is_string() || val.is_null(),
            "object|null" => val.is_null() || val.as_object().is_some_and(|o| o.values().all(Value::is_string)),
            "int" => val.is_u64(),
            _ => true,
        };
        if !ok {
            return Err(format!("field {name} must be {kind}"));
        }
    }
    if let Some(extra) = m.keys().find(|k| !AUDIT_FIELDS.iter().any(|(n, _)| n == k)) {
        return Err(format!("unexpected field {extra}"));
    }
    if m.get("grant_id").and_then(Value::as_str).is_none_or(|g| !is_canonical_uuid(g)) {
        return Err("grant_id must be a canonical UUID".into());
    }
    if m.get("token_generation").and_then(Value::as_str).is_some_and(|g| !is_canonical_uuid(g)) {
        return Err("token_generation must be a canonical UUID or null".into());
    }
    if m.get("response_status").and_then(Value::as_u64).is_some_and(|s| s > 999) {
        return Err("response_status out of range".into());
    }
    Ok(())
}

/// `POST /sdk/oauth/audit/api-call`.
pub async fn audit(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    ctx.require("audit:emit")?;
    let row = parse_json(&ctx.body)?;
    validate_audit_row(&row).map_err(|m| ApiError::detail(422, "invalid_audit_row", m))?;
    let mut e = Map::new();
    e.insert("source".into(), Value::from("sdk"));
    e.insert("received_at".into(), Value::from(rfc3339(now_secs())));
    e.insert("api_key_principal".into(), Value::from(ctx.principal_label(&v)));
    e.insert("key_name".into(), Value::from(ctx.key.name.clone()));
    e.insert("caller".into(), ctx.caller.clone().map(Value::from).unwrap_or(Value::Null));
    e.insert("actor_id".into(), ctx.actor_id.clone().map(Value::from).unwrap_or(Value::Null));
    e.insert("row".into(), row);
    v.append_audit(e).map_err(|m| ApiError::detail(500, "audit_write_failed", m))?;
    Ok(no_content())
}

/// `POST /sdk/grants/{grant_id}/report-scope-mismatch` (§6.1).
pub async fn report_scope_mismatch(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path(grant_id): Path<String>) -> ApiResult {
    let body = parse_object(&ctx.body)?;
    let bad = |m: &str| ApiError::detail(422, "invalid_scope_report", m.to_string());
    let expected = ["provider_status_code", "provider_error_code", "missing_scopes", "raw_www_authenticate", "api_endpoint", "detection_source", "sdk_correlation_id"];
    if let Some(k) = body.keys().find(|k| !expected.contains(&k.as_str())) {
        return Err(bad(&format!("unexpected field {k}")));
    }
    if !body.get("provider_status_code").is_some_and(Value::is_u64) {
        return Err(bad("provider_status_code must be an integer"));
    }
    if !body.get("provider_error_code").is_some_and(Value::is_string) {
        return Err(bad("provider_error_code must be a string"));
    }
    match body.get("missing_scopes") {
        Some(Value::Null) => {}
        Some(Value::Array(a)) if a.len() <= 50 && a.iter().all(|s| s.as_str().is_some_and(|s| s.chars().count() <= 256)) => {}
        _ => return Err(bad("missing_scopes must be null or ≤ 50 strings of ≤ 256 chars")),
    }
    let str_max = |k: &str, max: usize| body.get(k).and_then(Value::as_str).is_some_and(|s| s.chars().count() <= max);
    if !str_max("raw_www_authenticate", 4096) || !str_max("api_endpoint", 2048) {
        return Err(bad("raw_www_authenticate (≤ 4096) and api_endpoint (≤ 2048) must be strings"));
    }
    if body.get("detection_source").and_then(Value::as_str) != Some(alter_protocol::challenge::DETECTION_SOURCE) {
        return Err(bad("detection_source must be www_authenticate_rfc6750"));
    }
    let corr = body.get("sdk_correlation_id").and_then(Value::as_str).filter(|s| !s.is_empty() && s.len() <= 64).map(str::to_string);
    let Some(corr) = corr else { return Err(bad("sdk_correlation_id must be a non-empty string")) };
    let gid = grant_id.to_ascii_lowercase();
    let mut st = v.lock();
    let Some(g) = st.grants.iter_mut().find(|g| g.app == ctx.app && (g.id == gid || g.delegations.iter().any(|d| d.id == gid))) else {
        return Err(ApiError::detail(404, "grant_not_found", "Grant not found").with("grant_id", grant_id));
    };
    g.scope_mismatch = Mismatch::Flagged;
    let mut rec = body.clone();
    rec.insert("grant_id".into(), Value::from(gid));
    st.scope_reports.push(Value::Object(rec));
    drop(st);
    let mut resp = no_content();
    if let Ok(h) = HeaderValue::from_str(&corr) {
        resp.headers_mut().insert("X-Correlation-ID", h);
    }
    Ok(resp)
}

/// `POST /sdk/auth/verify-token` (§9.2): 200 `{"sub"}` only, 401 otherwise, 400 without an IdP.
pub async fn verify_token(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    let body = parse_object(&ctx.body)?;
    let Some(token) = body.get("token").and_then(Value::as_str) else {
        return Err(ApiError::invalid("token must be a string"));
    };
    if v.idp.is_none() {
        return Err(ApiError::detail(400, "idp_not_configured", "No identity provider is configured"));
    }
    let jwt = verify_user_token(&v, token)?;
    let mut m = Map::new();
    m.insert("sub".into(), Value::from(jwt.sub));
    Ok(ok_json(Value::Object(m)))
}

/// The scope catalog (`GET /sdk/scopes`).
pub const SCOPE_CATALOG: &[(&str, &[&str])] = &[
    ("tokens", &["retrieve"]),
    ("audit", &["emit"]),
    ("proxy", &["execute"]),
    ("approvals", &["read"]),
    ("grants", &["read", "write"]),
    ("connect", &["initiate"]),
    ("secrets", &["write"]),
    ("keys", &["derive", "admin"]),
    ("spans", &["emit"]),
    ("providers", &["read"]),
    ("idp_users", &["read", "write"]),
];

pub async fn scopes(Extension(_ctx): Extension<Ctx>) -> impl IntoResponse {
    let mut resources = Map::new();
    for (name, verbs) in SCOPE_CATALOG {
        let mut r = Map::new();
        r.insert("verbs".into(), Value::from(verbs.to_vec()));
        resources.insert(name.to_string(), Value::Object(r));
    }
    let mut m = Map::new();
    m.insert("scope_version".into(), Value::from(1));
    m.insert("resources".into(), Value::Object(resources));
    m.insert("action_verbs".into(), Value::from(vec!["retrieve", "emit", "execute", "read", "write", "initiate", "derive", "admin"]));
    m.insert("deprecated".into(), Value::from(Vec::<String>::new()));
    ok_json(Value::Object(m))
}
