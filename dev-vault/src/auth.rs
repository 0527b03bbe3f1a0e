//! Authentication of every `/sdk/*` request: key lookup, signature check with the shared verifier
//! (§2.6), key and agent status (§7.2 401 codes), caller resolution (§1.5) and actor ids (§8.4).

use std::sync::Arc;

use alter_protocol::signing::{H_ACTOR_ID, H_CALLER, H_CALLER_TYPE, H_CONTEXT, H_REQUEST_RULE, H_SCOPE_CONSTRAINTS};
use alter_protocol::grammar::is_uuid_any_case;
use alter_protocol::verify::{verify_request, IncomingRequest, VerifyPolicy, H_API_KEY};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::state::Key;
use crate::util::{now_secs, stable_uuid, ApiError};
use crate::vault::Vault;

/// The advisory per-key limit reported in `X-RateLimit-*` (§7.6, §12.8); not enforced (use a
/// fault for a 429).
pub const RATE_LIMIT_PER_MINUTE: u64 = 6000;

/// The authenticated request, handed to every `/sdk` handler.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub key: Key,
    pub app: String,
    pub app_id: String,
    /// The effective agent principal: the key's agent, or a managed agent named by a UUID caller.
    pub agent_id: Option<String>,
    /// True when the key itself is an agent key (not impersonation through an app key).
    pub agent_key: bool,
    pub caller: Option<String>,
    pub caller_type: Option<String>,
    /// `X-Alter-Actor-ID` sent by the client, or the one registered for its caller label.
    pub actor_id: Option<String>,
    pub context: Option<String>,
    pub body: Bytes,
}

impl Ctx {
    /// §5.2 / api-surface §2.0: a key scope check; refusal is 403 top-level `insufficient_scope`.
    pub fn require(&self, scope: &str) -> Result<(), ApiError> {
        if self.key.has_scope(scope) {
            return Ok(());
        }
        Err(self.missing(&[scope]))
    }

    /// Any-of scope check (approvals: `approvals:read` or `proxy:execute`).
    pub fn require_any(&self, scopes: &[&str]) -> Result<(), ApiError> {
        if scopes.iter().any(|s| self.key.has_scope(s)) {
            return Ok(());
        }
        Err(self.missing(scopes).with("required_any_of", true))
    }

    fn missing(&self, scopes: &[&str]) -> ApiError {
        ApiError::top(403, "insufficient_scope", format!("API key lacks the required scope {}", scopes.join(" or ")))
            .with("required", scopes.to_vec())
            .with("granted", self.key.scopes.clone())
            .with("missing", scopes.to_vec())
    }

    /// `"app:<name>"` or `"agent:<name>"` for audit entries.
    pub fn principal_label(&self, vault: &Vault) -> String {
        match &self.agent_id {
            Some(id) => format!("agent:{}", vault.lock().agent_name(id)),
            None => format!("app:{}", self.app),
        }
    }

    /// The parsed `X-Alter-Context` (a string→string object), if any.
    pub fn context_pairs(&self) -> Option<Vec<(String, String)>> {
        let raw = self.context.as_deref()?;
        let v: Value = serde_json::from_str(raw).ok()?;
        let m = v.as_object()?;
        Some(m.iter().map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))).collect())
    }

    pub fn context_value(&self) -> Value {
        self.context.as_deref().and_then(|c| serde_json::from_str::<Value>(c).ok()).filter(Value::is_object).unwrap_or(Value::Null)
    }
}

fn single_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    alter_protocol::header(headers, name)
}

/// Paths whose responses carry no `X-Alter-Actor-ID` (§8.4: scope report and approval polls).
fn actor_header_suppressed(path: &str) -> bool {
    path.starts_with("/sdk/approvals/") || path.ends_with("/report-scope-mismatch")
}

pub async fn authenticate(State(v): State<Arc<Vault>>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let limit = v.cfg.server.max_body_bytes;
    let declared = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|h| h.to_str().ok())
        .and_then(|s| s.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(limit);
    }
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => return too_large(limit),
    };
    let path_and_query = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| parts.uri.path().to_string());
    let path = parts.uri.path().to_string();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, val)| (k.as_str().to_string(), String::from_utf8_lossy(val.as_bytes()).into_owned()))
        .collect();

    let ctx = match check(&v, parts.method.as_str(), &path_and_query, &path, &headers, &bytes) {
        Ok(ctx) => ctx,
        Err(e) => return e.into_response(),
    };
    let deprecated = ctx.key.status == "deprecated";
    let (remaining, reset) = v.lock().count_request(&ctx.key.id, now_secs(), RATE_LIMIT_PER_MINUTE);
    let label_caller = ctx.caller.as_deref().is_some_and(|c| !is_uuid_any_case(c));
    let actor_out = if label_caller && !actor_header_suppressed(&path) { ctx.actor_id.clone() } else { None };
    let mut req = Request::from_parts(parts, Body::from(bytes));
    req.extensions_mut().insert(ctx);
    let mut resp = next.run(req).await;
    if let Some(actor) = actor_out {
        if let Ok(hv) = HeaderValue::from_str(&actor) {
            resp.headers_mut().insert(H_ACTOR_ID, hv);
        }
    }
    for (name, value) in [("X-RateLimit-Limit", RATE_LIMIT_PER_MINUTE), ("X-RateLimit-Remaining", remaining), ("X-RateLimit-Reset", reset)] {
        if let Ok(hv) = HeaderValue::from_str(&value.to_string()) {
            resp.headers_mut().insert(name, hv);
        }
    }
    if deprecated {
        resp.headers_mut().insert("X-Alter-Key-Deprecated", HeaderValue::from_static("true"));
    }
    resp
}

fn too_large(limit: usize) -> Response {
    ApiError::detail(413, "payload_too_large", format!("Request body exceeds {limit} bytes")).into_response()
}

fn unauthorized(code: &str, message: &str) -> ApiError {
    ApiError::detail(401, code, message)
}

pub fn check(v: &Vault, method: &str, path_and_query: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Result<Ctx, ApiError> {
    let api_key = match single_header(headers, H_API_KEY) {
        Some(k) if !k.is_empty() => k.to_string(),
        _ => return Err(unauthorized("missing_api_key", "Missing x-api-key header")),
    };
    let now = now_secs();
    let window = v.cfg.server.signature_window_secs;
    let found = v.lock().keys.iter().find(|k| k.key == api_key).cloned();
    let Some(key) = found else {
        return Err(unauthorized("invalid_key", "API key not recognised").with("hint", "check the key, or register it in the dev-vault config"));
    };
    // §2.6: the shared verifier (outside the state lock); the nonce hook records nonces of
    // authentic requests only.
    let req = IncomingRequest { method, path_and_query, headers, body };
    let policy = VerifyPolicy { max_skew_secs: window };
    let mut seen = |nonce: &str, ts: u64| v.lock().nonce_seen(nonce, ts, now, window);
    if let Err(f) = verify_request(&req, &api_key, now, &policy, &mut seen) {
        return Err(unauthorized(f.code(), &f.message()));
    }
    let mut st = v.lock();
    match key.status.as_str() {
        "revoked" => return Err(unauthorized("key_revoked", "API key has been revoked").with("hint", "mint a new key")),
        "expired" => return Err(unauthorized("key_expired", "API key has expired").with("hint", "mint a new key")),
        "inactive" => return Err(unauthorized("key_not_active", "API key is not active")),
        "rotated" => return Err(unauthorized("key_rotated_grace_expired", "API key was rotated and its grace period ended")),
        _ => {}
    }
    if key.expires_at.is_some_and(|t| t <= now) {
        return Err(unauthorized("key_expired", "API key has expired").with("hint", "derive a new key"));
    }
    if key.grace_until.is_some_and(|t| t <= now) {
        return Err(unauthorized("key_rotated_grace_expired", "API key was rotated and its grace period ended"));
    }
    // §2.8: a request rule must decode and validate (400 otherwise); it is not evaluated.
    if let Some(raw) = single_header(headers, H_REQUEST_RULE).filter(|r| !r.is_empty()) {
        if let Err(m) = crate::rules::parse_request_rule(raw) {
            return Err(ApiError::detail(400, "invalid_request_rule", m));
        }
    }
    // §2.8: an attenuated client narrows the key's scopes for this request; widening is refused.
    let mut key = key;
    if let Some(raw) = single_header(headers, H_SCOPE_CONSTRAINTS) {
        let wanted: Vec<String> = raw.split(',').map(str::to_string).collect();
        if wanted.iter().any(|s| s.is_empty() || s == "*") {
            return Err(ApiError::detail(400, "invalid_scope_constraints", "X-Alter-Scope-Constraints must list non-empty scopes"));
        }
        if let Some(extra) = wanted.iter().find(|s| !key.has_scope(s)) {
            return Err(ApiError::detail(400, "constraint_not_narrowing", format!("scope {extra} is not granted to this key")));
        }
        key.scopes = wanted;
    }
    let app_id = v.cfg.apps.iter().find(|a| a.name == key.app).map(|a| a.id.clone()).unwrap_or_default();
    // Paused agents may still diagnose themselves and emit spans (api-surface §2.6, §2.8).
    let is_me = path == "/sdk/agents/me" || path == "/sdk/spans";
    let mut agent_id = key.agent_id.clone();
    if let Some(aid) = &agent_id {
        match st.agent(aid).map(|a| a.status.as_str()) {
            Some("revoked") | None => return Err(unauthorized("agent_revoked", "The agent of this key has been revoked")),
            Some("inactive") if !is_me => {
                return Err(unauthorized("agent_inactive", "The agent of this key is paused").with("hint", "resume the agent"))
            }
            _ => {}
        }
    }
    let caller = single_header(headers, H_CALLER).filter(|c| !c.is_empty()).map(str::to_string);
    let caller_type = single_header(headers, H_CALLER_TYPE).filter(|c| !c.is_empty()).map(str::to_string);
    let mut actor_id = single_header(headers, H_ACTOR_ID).filter(|c| !c.is_empty()).map(str::to_string);
    let agent_key = agent_id.is_some();
    if let Some(c) = &caller {
        if is_uuid_any_case(c) {
            // §1.5: a UUID caller names a managed agent; no actor row, no actor id.
            let wanted = c.to_ascii_lowercase();
            if let Some(own) = &agent_id {
                if *own != wanted {
                    return Err(ApiError::detail(400, "caller_agent_mismatch", "X-Alter-Caller names another agent than the key's"));
                }
            } else {
                match st.agents.iter().find(|a| a.id == wanted && a.app == key.app) {
                    Some(a) if a.status == "revoked" => {
                        return Err(ApiError::detail(404, "caller_agent_unresolved", "X-Alter-Caller names a revoked agent"))
                    }
                    Some(a) if a.status == "inactive" && !is_me => {
                        return Err(unauthorized("agent_inactive", "The agent named by X-Alter-Caller is paused"))
                    }
                    Some(a) => agent_id = Some(a.id.clone()),
                    None => {
                        return Err(ApiError::detail(404, "caller_agent_unresolved", "X-Alter-Caller names no managed agent of this app"))
                    }
                }
            }
        } else if actor_id.is_none() {
            // §8.4 (emulator rule): a caller label gets a stable actor row per (app, caller, type).
            actor_id = Some(stable_uuid(&format!("actor|{}|{}|{}", app_id, c, caller_type.as_deref().unwrap_or(""))));
        }
    }
    if let Some(k) = st.keys.iter_mut().find(|k| k.id == key.id) {
        k.last_used_at = Some(now);
    }
    if let Some(aid) = &agent_id {
        if let Some(a) = st.agents.iter_mut().find(|a| &a.id == aid) {
            a.last_used_at = Some(now);
        }
    }
    drop(st);
    Ok(Ctx {
        app: key.app.clone(),
        key,
        app_id,
        agent_id,
        agent_key,
        caller,
        caller_type,
        actor_id,
        context: single_header(headers, H_CONTEXT).map(str::to_string),
        body: Bytes::copy_from_slice(body),
    })
}
