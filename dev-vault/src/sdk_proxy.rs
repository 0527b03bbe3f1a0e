//! `/sdk/proxy` (§11, api-surface §2.1): the vault resolves the grant, injects the credential
//! itself (with the protocol crate's injection), calls the upstream, writes the audit row, and
//! answers 200 `ApprovalResult` or 202 `PendingApproval`. Approvals (§2.2) live here too.

use std::sync::Arc;
use std::time::{Duration, Instant};

use alter_protocol::audit::{audit_row_body, AuditInput, AuditOutcome, AuditRequestBody};
use alter_protocol::inject::inject_credential;
use alter_protocol::token::{parse_token_response, GrantTarget, TokenResponse};
use alter_protocol::url::{append_query, check_url_length, validate_provider_url};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Extension;
use base64::Engine;
use http_body_util::{BodyExt, Full};
use serde_json::{Map, Value};

use crate::auth::Ctx;
use crate::dest::Route;
use crate::resolve::{check_usable, refresh_if_needed, resolve, token_payload, verify_user_token, Endpoint};
use crate::sdk_core::parse_object;
use crate::state::{Approval, ProxyCall};
use crate::util::{json_response, new_uuid, now_secs, ok_json, opt_str, rfc3339, ApiError, ApiResult};
use crate::vault::Vault;

/// Largest upstream body kept in an `ApprovalResult` (bigger bodies are truncated and flagged).
pub const MAX_PROXY_BODY: usize = 10 * 1024 * 1024;
/// Upstream timeout for real HTTP calls.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);
/// Server-side long-poll ceiling (`MAX_LONG_POLL_SECONDS`).
pub const MAX_WAIT_SECS: u64 = 25;

fn opt_nonempty(m: &Map<String, Value>, k: &str) -> Result<Option<String>, ApiError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        _ => Err(ApiError::invalid(format!("{k} must be a non-empty string"))),
    }
}

/// A query value as httpx renders it (protocol-core §4.4): `true`/`false` for booleans, an empty
/// string for null.
fn scalar_to_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "true".into() } else { "false".into() }),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

/// `POST /sdk/proxy`.
pub async fn proxy(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    ctx.require("proxy:execute")?;
    let b = parse_object(&ctx.body)?;
    const KEYS: &[&str] = &["method", "url", "grant_id", "provider_id", "account", "label", "user_token", "app_user_id", "body", "headers", "query_params", "reason"];
    if let Some(k) = b.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(ApiError::invalid(format!("unexpected field {k}")));
    }
    let method = opt_nonempty(&b, "method")?.ok_or_else(|| ApiError::invalid("method is required"))?.to_ascii_uppercase();
    let url = opt_nonempty(&b, "url")?.ok_or_else(|| ApiError::invalid("url is required"))?;
    let grant_id = opt_nonempty(&b, "grant_id")?;
    let provider_id = opt_nonempty(&b, "provider_id")?;
    let account = opt_nonempty(&b, "account")?;
    let label = opt_nonempty(&b, "label")?;
    let app_user_id = opt_nonempty(&b, "app_user_id")?;
    let user_token = opt_nonempty(&b, "user_token")?;
    let target = match (grant_id, provider_id) {
        (Some(g), None) => {
            if account.is_some() || label.is_some() || app_user_id.is_some() {
                return Err(ApiError::invalid("account, label and app_user_id are only valid with provider_id"));
            }
            GrantTarget::Grant { grant_id: g }
        }
        (None, Some(p)) => GrantTarget::Provider { provider_id: p, account, label, app_user_id },
        _ => return Err(ApiError::invalid("Provide exactly one of grant_id or provider_id")),
    };
    let headers: Vec<(String, String)> = match b.get("headers") {
        None | Some(Value::Null) => vec![],
        Some(Value::Object(h)) => h
            .iter()
            .map(|(k, val)| val.as_str().map(|s| (k.clone(), s.to_string())).ok_or_else(|| ApiError::invalid("headers values must be strings")))
            .collect::<Result<_, _>>()?,
        _ => return Err(ApiError::invalid("headers must be an object")),
    };
    let mut query_params = Vec::new();
    match b.get("query_params") {
        None | Some(Value::Null) => {}
        Some(Value::Object(q)) => {
            for (k, val) in q {
                match val {
                    Value::Array(items) => {
                        for it in items {
                            query_params.push((k.clone(), scalar_to_string(it).ok_or_else(|| ApiError::invalid("query_params values must be scalars"))?));
                        }
                    }
                    other => query_params.push((k.clone(), scalar_to_string(other).ok_or_else(|| ApiError::invalid("query_params values must be scalars"))?)),
                }
            }
        }
        _ => return Err(ApiError::invalid("query_params must be an object")),
    }
    let reason = match b.get("reason") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        _ => return Err(ApiError::invalid("reason must be a string")),
    };
    let body = b.get("body").cloned().filter(|x| !x.is_null());
    validate_provider_url(&url).map_err(|e| ApiError::detail(422, "blocked_destination", e.message).header("X-Request-ID", new_uuid()))?;
    let full_url = append_query(&url, &query_params);
    if check_url_length(&full_url).is_err() {
        return Err(ApiError::detail(422, "query_too_long", "The final URL exceeds 65,536 characters"));
    }
    let user = match &user_token {
        Some(t) => Some(verify_user_token(&v, t)?.sub),
        None => None,
    };
    let user_sub = user.clone().or_else(|| match &target {
        GrantTarget::Provider { app_user_id: Some(id), .. } => v.user_by_id(id).map(|u| u.sub.clone()),
        _ => None,
    });
    let principal_label = ctx.principal_label(&v);
    let now = now_secs();
    let (call, approval_policy) = {
        let st = v.lock();
        let r = resolve(&v, &st, &ctx, &target, user.as_deref())?;
        let approval = check_usable(&v, &st, &r, &ctx, &method, &url, Endpoint::Proxy, user_sub.as_deref())?;
        // Before any approval is queued: a call that could never be sent is refused now.
        v.check_destination(&st.grants[r.idx].provider, &url)?;
        let call = ProxyCall {
            grant_id: st.grants[r.idx].id.clone(),
            reported_grant_id: r.reported_id.clone(),
            method,
            url,
            headers,
            body,
            query_params,
            reason,
            context: ctx.context_pairs(),
            principal_label,
            caller: ctx.caller.clone(),
            actor_id: ctx.actor_id.clone(),
        };
        (call, approval)
    };
    if let Some(policy) = approval_policy {
        let ttl = v.cfg.server.approval_ttl_secs;
        let a = Approval {
            id: new_uuid(),
            group_id: new_uuid(),
            app: ctx.app.clone(),
            status: "pending".into(),
            created_at: now,
            expires_at: now + ttl,
            decided_at: None,
            decision_reason: None,
            executed_at: None,
            execution_error: None,
            result: None,
            call,
            policy,
        };
        let url = format!("{}/approvals/{}", v.public_url(), a.id);
        let gate = serde_json::json!({"approval_id": a.id, "expires_at": rfc3339(a.expires_at), "expires_in": ttl, "approval_url": url});
        let pending = serde_json::json!({
            "approval_id": a.id,
            "approval_group_id": a.group_id,
            "status": "pending",
            "expires_at": rfc3339(a.expires_at),
            "expires_in": ttl,
            "approval_url": url,
            "gates": [gate],
        });
        v.lock().approvals.push(a);
        v.changed.notify_waiters();
        return Ok(json_response(StatusCode::ACCEPTED, &pending));
    }
    match execute(&v, &call, None).await {
        Ok(result) => Ok(ok_json(result)),
        Err(e) => Err(e),
    }
}

struct Upstream {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Calls the upstream: the grant's own mock in-process, an allowed loopback `http://` host over
/// HTTP. Allowed `https://` hosts cannot be reached offline (no TLS client).
async fn call_upstream(v: &Arc<Vault>, provider: &str, route: &Route, method: &str, url: &str, headers: &[(String, String)], body: Vec<u8>) -> Result<Upstream, String> {
    match route {
        Route::OwnMock { rest, query } => {
            let r = crate::mock::handle(v, "proxy", method, provider, rest, query, headers, &body).await;
            Ok(Upstream { status: r.status, headers: r.headers, body: r.body })
        }
        Route::Allowed(d) if !d.https => {
            let uri: axum::http::Uri = url.parse().map_err(|_| "unparseable upstream URL".to_string())?;
            http_call(method, &uri, headers, body).await
        }
        Route::Allowed(_) => Err(format!(
            "upstream {} is not reachable from the dev vault (only mock providers and loopback http)",
            alter_protocol::url::redact_url_for_log(url)
        )),
    }
}

async fn http_call(method: &str, uri: &axum::http::Uri, headers: &[(String, String)], body: Vec<u8>) -> Result<Upstream, String> {
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let client: Client<_, Full<axum::body::Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut req = axum::http::Request::builder()
        .method(axum::http::Method::from_bytes(method.as_bytes()).map_err(|_| "bad method".to_string())?)
        .uri(uri.clone());
    for (k, val) in headers {
        req = req.header(k.as_str(), val.as_str());
    }
    let req = req.body(Full::new(axum::body::Bytes::from(body))).map_err(|_| "cannot build upstream request".to_string())?;
    let resp = tokio::time::timeout(UPSTREAM_TIMEOUT, client.request(req))
        .await
        .map_err(|_| "upstream timeout".to_string())?
        .map_err(|e| format!("upstream connection failed: {e}"))?;
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, val)| (k.as_str().to_string(), String::from_utf8_lossy(val.as_bytes()).into_owned()))
        .collect();
    let body = tokio::time::timeout(UPSTREAM_TIMEOUT, resp.into_body().collect())
        .await
        .map_err(|_| "upstream timeout".to_string())?
        .map_err(|e| format!("upstream body failed: {e}"))?
        .to_bytes()
        .to_vec();
    Ok(Upstream { status, headers, body })
}

/// The §3.4 view of the grant as the vault would hand it out, parsed by the protocol crate so
/// injection uses the exact same rules as the SDK.
fn token_for_call(v: &Vault, call: &ProxyCall) -> Result<(TokenResponse, String), ApiError> {
    let now = now_secs();
    let (payload, provider) = {
        let mut st = v.lock();
        let Some(g) = st.grants.iter_mut().find(|g| g.id == call.grant_id) else {
            return Err(ApiError::detail(404, "grant_not_found", "Grant not found"));
        };
        refresh_if_needed(g, now);
        g.last_used_at = Some(now);
        (token_payload(g, &call.reported_grant_id, now), g.provider.clone())
    };
    let bytes = serde_json::to_vec(&payload).unwrap_or_default();
    let tok = parse_token_response(&bytes).map_err(|e| ApiError::detail(500, "grant_misconfigured", e.message))?;
    Ok((tok, provider))
}

/// Runs one upstream call for the proxy (or an approved approval), writes its audit row and
/// returns the `ApprovalResult` JSON.
pub async fn execute(v: &Arc<Vault>, call: &ProxyCall, approval_id: Option<&str>) -> Result<Value, ApiError> {
    let (tok, provider) = token_for_call(v, call)?;
    let full_url = append_query(&call.url, &call.query_params);
    let mut headers = call.headers.clone();
    let body_bytes = match &call.body {
        Some(b) => {
            if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
                headers.push(("Content-Type".into(), "application/json".into()));
            }
            serde_json::to_vec(b).unwrap_or_default()
        }
        None => vec![],
    };
    let injected = inject_credential(&tok, headers, &full_url).map_err(|e| ApiError::detail(502, "credential_injection_failed", e.message))?;
    // Checked again on the final URL: nothing but the grant's own mock or allowed hosts is called.
    let route = v.check_destination(&provider, &injected.url)?;
    let started = Instant::now();
    let outcome = call_upstream(v, &provider, &route, &call.method, &injected.url, &injected.headers, body_bytes).await;
    let latency = started.elapsed().as_millis() as u64;
    let (audit_outcome, up) = match &outcome {
        Ok(u) => (AuditOutcome::Response { status: u.status, headers: &u.headers, body: &u.body }, Some(u)),
        Err(_) => (AuditOutcome::NetworkFailure, None),
    };
    let request_body = match &call.body {
        Some(b) => AuditRequestBody::Json(b),
        None => AuditRequestBody::None,
    };
    let row_text = audit_row_body(&AuditInput {
        token: &tok,
        method: &call.method,
        url: &call.url,
        request_headers: &call.headers,
        request_body,
        outcome: audit_outcome,
        latency_ms: latency,
        reason: call.reason.as_deref(),
        context: call.context.as_deref(),
        injected_header_names: &injected.injected_header_names,
    });
    let row: Value = serde_json::from_str(&row_text).unwrap_or(Value::Null);
    let mut e = Map::new();
    e.insert("source".into(), Value::from("proxy"));
    e.insert("received_at".into(), Value::from(rfc3339(now_secs())));
    e.insert("api_key_principal".into(), Value::from(call.principal_label.clone()));
    e.insert("caller".into(), opt_str(&call.caller));
    e.insert("actor_id".into(), opt_str(&call.actor_id));
    e.insert("approval_id".into(), approval_id.map(Value::from).unwrap_or(Value::Null));
    e.insert("row".into(), row);
    v.append_audit(e).map_err(|m| ApiError::detail(500, "audit_write_failed", m))?;
    let Some(u) = up else {
        let msg = outcome.err().unwrap_or_default();
        return Err(ApiError::detail(502, "upstream_unreachable", msg));
    };
    Ok(approval_result(approval_id, u, latency))
}

fn approval_result(approval_id: Option<&str>, u: &Upstream, latency: u64) -> Value {
    let mut hm: Map<String, Value> = Map::new();
    for (k, val) in &u.headers {
        let k = k.to_ascii_lowercase();
        let joined = match hm.get(&k).and_then(Value::as_str) {
            Some(prev) => format!("{prev}, {val}"),
            None => val.clone(),
        };
        hm.insert(k, Value::from(joined));
    }
    let truncated = u.body.len() > MAX_PROXY_BODY;
    let body = u.body.get(..MAX_PROXY_BODY.min(u.body.len())).unwrap_or(&[]);
    serde_json::json!({
        "approval_id": approval_id,
        "status_code": u.status,
        "headers": Value::Object(hm),
        "body_b64": base64::engine::general_purpose::STANDARD.encode(body),
        "body_truncated": truncated,
        "duration_ms": latency,
        "credential_hint": Value::Null,
    })
}

// ── approvals ─────────────────────────────────────────────────────────────────────────────────

/// Marks a pending approval expired once its window has passed.
pub fn refresh_expiry(a: &mut Approval, now: u64) {
    if a.status == "pending" && now >= a.expires_at {
        a.status = "expired".into();
    }
}

pub fn approval_status_json(a: &Approval) -> Value {
    let gate_status = match a.status.as_str() {
        "pending" => "pending",
        "denied" => "denied",
        "expired" => "expired",
        _ => "approved",
    };
    let ts = |t: Option<u64>| t.map(|x| Value::from(rfc3339(x))).unwrap_or(Value::Null);
    serde_json::json!({
        "approval_id": a.id,
        "status": a.status,
        "approval_group_id": a.group_id,
        "gates": [{"approval_id": a.id, "status": gate_status, "expires_at": rfc3339(a.expires_at), "decided_at": ts(a.decided_at)}],
        "expires_at": rfc3339(a.expires_at),
        "decided_at": ts(a.decided_at),
        "decision_reason": opt_str(&a.decision_reason),
        "executed_at": ts(a.executed_at),
        "execution_error": opt_str(&a.execution_error),
        "has_result": a.result.is_some(),
    })
}

fn parse_wait(raw: Option<&str>) -> Result<u64, ApiError> {
    let Some(q) = raw else { return Ok(0) };
    let pairs = alter_protocol::canonical::form_decode(q);
    let Some((_, w)) = pairs.iter().find(|(k, _)| k == "wait") else { return Ok(0) };
    let n: i64 = w.parse().map_err(|_| ApiError::detail(422, "invalid_wait", "wait must be an integer"))?;
    if n > MAX_WAIT_SECS as i64 {
        return Err(ApiError::detail(422, "invalid_wait", format!("wait must be at most {MAX_WAIT_SECS}")));
    }
    Ok(n.max(0) as u64)
}

fn approval_not_found() -> ApiError {
    ApiError::detail(404, "approval_not_found", "Approval not found")
}

/// `GET /sdk/approvals/{id}[?wait=N]`: returns at once, or when the status changes, or after N s.
pub async fn approval_status(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path(id): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    ctx.require_any(&["approvals:read", "proxy:execute"])?;
    let wait = parse_wait(q.as_deref())?;
    let deadline = Instant::now() + Duration::from_secs(wait);
    let mut initial: Option<String> = None;
    loop {
        let notified = v.changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let (json, status, expires_at) = {
            let mut st = v.lock();
            let now = now_secs();
            let Some(a) = st.approvals.iter_mut().find(|a| a.id == id && a.app == ctx.app) else {
                return Err(approval_not_found());
            };
            refresh_expiry(a, now);
            (approval_status_json(a), a.status.clone(), a.expires_at)
        };
        let first = initial.get_or_insert_with(|| status.clone()).clone();
        let terminal = matches!(status.as_str(), "denied" | "expired" | "executed" | "failed");
        if wait == 0 || terminal || status != first {
            return Ok(ok_json(json));
        }
        let now_i = Instant::now();
        if now_i >= deadline {
            return Ok(ok_json(json));
        }
        let until_expiry = Duration::from_secs(expires_at.saturating_sub(now_secs())).max(Duration::from_millis(50));
        let sleep_for = (deadline - now_i).min(until_expiry + Duration::from_millis(10));
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep(sleep_for) => {}
        }
    }
}

/// `GET /sdk/approvals/{id}/result`.
pub async fn approval_result_route(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path(id): Path<String>) -> ApiResult {
    ctx.require_any(&["approvals:read", "proxy:execute"])?;
    let mut st = v.lock();
    let Some(a) = st.approvals.iter_mut().find(|a| a.id == id && a.app == ctx.app) else {
        return Err(approval_not_found());
    };
    refresh_expiry(a, now_secs());
    match (a.status.as_str(), &a.result) {
        ("executed", Some(r)) => Ok(ok_json(r.clone())),
        ("denied", _) => Err(ApiError::detail(403, "approval_denied", a.decision_reason.clone().unwrap_or_else(|| "approver denied the request".into()))
            .with("approval_id", a.id.clone())),
        ("expired", _) => Err(ApiError::detail(410, "approval_expired", "approval window elapsed without a decision").with("approval_id", a.id.clone())),
        ("failed", _) => Err(ApiError::detail(502, "approval_execution_failed", a.execution_error.clone().unwrap_or_else(|| "backend proxy execution failed".into()))
            .with("approval_id", a.id.clone())),
        _ => Err(ApiError::detail(409, "approval_not_ready", format!("approval is {}; no result yet", a.status)).with("approval_id", a.id.clone())),
    }
}

/// Admin decision. Approve runs the upstream call before answering.
pub async fn decide(v: &Arc<Vault>, id: &str, approve: bool, reason: Option<String>) -> Result<String, ApiError> {
    let now = now_secs();
    let call = {
        let mut st = v.lock();
        let Some(a) = st.approvals.iter_mut().find(|a| a.id == id) else {
            return Err(approval_not_found());
        };
        refresh_expiry(a, now);
        if a.status != "pending" {
            return Err(ApiError::detail(409, "approval_not_pending", format!("approval is already {}", a.status)));
        }
        a.decided_at = Some(now);
        a.decision_reason = reason;
        if !approve {
            a.status = "denied".into();
            drop(st);
            v.changed.notify_waiters();
            return Ok("denied".into());
        }
        a.status = "executing".into();
        a.call.clone()
    };
    v.changed.notify_waiters();
    let outcome = execute(v, &call, Some(id)).await;
    let status = {
        let mut st = v.lock();
        let Some(a) = st.approvals.iter_mut().find(|a| a.id == id) else {
            return Err(approval_not_found());
        };
        a.executed_at = Some(now_secs());
        match outcome {
            Ok(r) => {
                a.result = Some(r);
                a.status = "executed".into();
            }
            Err(e) => {
                a.execution_error = Some(
                    e.body.get("detail").and_then(|d| d.get("message")).and_then(Value::as_str).unwrap_or("upstream call failed").to_string(),
                );
                a.status = "failed".into();
            }
        }
        a.status.clone()
    };
    v.changed.notify_waiters();
    Ok(status)
}
