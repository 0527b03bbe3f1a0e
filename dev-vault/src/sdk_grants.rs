//! Grant namespace endpoints (api-surface §2.3, §2.4): list, revoke, delegate / revoke
//! delegation, managed-secret grants, OAuth connect sessions and their poll.

use std::sync::Arc;

use alter_protocol::grammar::is_uuid_any_case;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Extension;
use serde_json::{Map, Value};

use crate::auth::Ctx;
use crate::resolve::verify_user_token;
use crate::sdk_core::parse_object;
use crate::state::{ConnectSession, Delegation, Grant, GrantStatus, Mismatch, NewManagedSecretGrant, Principal, State as World};
use crate::util::{json_response, new_uuid, no_content, now_secs, ok_json, opt_str, random_hex, rfc3339, stable_uuid, ApiError, ApiResult};
use crate::vault::Vault;

fn opt_filter(m: &Map<String, Value>, k: &str) -> Result<Option<String>, ApiError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        _ => Err(ApiError::invalid(format!("{k} must be a non-empty string"))),
    }
}

fn int_field(m: &Map<String, Value>, k: &str, default: u64, min: u64, max: u64) -> Result<u64, ApiError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => match v.as_u64() {
            Some(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::invalid(format!("{k} must be an integer in {min}..={max}"))),
        },
    }
}

fn ts(t: Option<u64>) -> Value {
    t.map(|x| Value::from(rfc3339(x))).unwrap_or(Value::Null)
}

fn oauth_item(st: &World, g: &Grant, agent_view: Option<&Delegation>) -> Value {
    let mut m = Map::new();
    let is_ms = g.managed_secret.is_some();
    m.insert("grant_kind".into(), Value::from(if is_ms { "managed_secret" } else { "oauth" }));
    m.insert("grant_id".into(), Value::from(agent_view.map(|d| d.id.clone()).unwrap_or_else(|| g.id.clone())));
    if let Some(ms) = &g.managed_secret {
        m.insert("managed_secret_id".into(), Value::from(ms.id.clone()));
        m.insert("managed_secret_slug".into(), Value::from(ms.slug.clone()));
        m.insert("managed_secret_name".into(), Value::from(ms.name.clone()));
        m.insert("agent_id".into(), match &g.principal {
            Principal::Agent(a) => Value::from(a.clone()),
            _ => agent_view.map(|d| Value::from(d.agent_id.clone())).unwrap_or(Value::Null),
        });
    } else {
        m.insert("provider_id".into(), Value::from(g.provider.clone()));
        m.insert("scopes".into(), Value::from(g.scopes.clone()));
        m.insert("account_display_name".into(), opt_str(&g.account_display_name));
        m.insert("api_base_url".into(), Value::Null);
        m.insert("scope_mismatch".into(), Value::from(g.scope_mismatch != Mismatch::None));
        m.insert("needs_reconnect".into(), Value::from(matches!(g.status, GrantStatus::Expired | GrantStatus::Revoked)));
    }
    m.insert("account_identifier".into(), opt_str(&g.account));
    m.insert("status".into(), Value::from(g.status.as_str()));
    m.insert("expires_at".into(), ts(g.token_expires_at));
    m.insert("grant_expires_at".into(), ts(agent_view.and_then(|d| d.expires_at)));
    m.insert("created_at".into(), Value::from(rfc3339(g.created_at)));
    m.insert("last_used_at".into(), ts(g.last_used_at));
    m.insert("principal_type".into(), Value::from(g.principal.kind()));
    let via = match (agent_view, is_ms) {
        (None, _) => "ownership",
        (Some(_), false) => "oauth_delegation",
        (Some(_), true) => "ms_delegation",
    };
    m.insert("access_via".into(), Value::from(via));
    m.insert("delegated_at".into(), ts(agent_view.map(|d| d.created_at)));
    if agent_view.is_none() {
        let ids: Vec<String> = g.delegations.iter().filter(|d| !d.revoked).map(|d| d.agent_id.clone()).collect();
        m.insert("delegated_agent_ids".into(), Value::from(ids));
    }
    m.insert("label".into(), opt_str(&g.label));
    m.insert("credential_id".into(), opt_str(&g.credential_id));
    m.insert("grant_policy".into(), g.grant_policy.clone().unwrap_or(Value::Null));
    m.insert("parent_grant_id".into(), agent_view.map(|d| Value::from(d.parent_id.clone())).unwrap_or(Value::Null));
    m.insert("depth".into(), Value::from(agent_view.map(|d| d.depth).unwrap_or(0)));
    m.insert("delegable".into(), Value::from(agent_view.map(|d| d.delegable).unwrap_or(false)));
    m.insert(
        "scope_constraint".into(),
        agent_view.and_then(|d| d.scope_constraint.clone()).map(Value::from).unwrap_or(Value::Null),
    );
    let _ = st;
    Value::Object(m)
}

/// `POST /sdk/grants/list`.
pub async fn list(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    ctx.require("grants:read")?;
    let b = parse_object(&ctx.body)?;
    let limit = int_field(&b, "limit", 100, 1, 1000)?;
    let offset = int_field(&b, "offset", 0, 0, u64::MAX)?;
    let provider = opt_filter(&b, "provider_id")?;
    let status = opt_filter(&b, "status")?;
    let account = opt_filter(&b, "account")?;
    let label = opt_filter(&b, "label")?;
    let user = match opt_filter(&b, "user_token")? {
        Some(t) => Some(verify_user_token(&v, &t)?.sub),
        None => None,
    };
    let st = v.lock();
    let mut items = Vec::new();
    for g in st.grants.iter().filter(|g| g.app == ctx.app && g.status != GrantStatus::Deleted) {
        let provider_key = g.managed_secret.as_ref().map(|m| m.slug.as_str()).unwrap_or(&g.provider);
        if provider.as_deref().is_some_and(|p| p != provider_key)
            || status.as_deref().is_some_and(|s| s != g.status.as_str())
            || account.as_deref().is_some_and(|a| Some(a) != g.account.as_deref())
            || label.as_deref().is_some_and(|l| Some(l) != g.label.as_deref())
        {
            continue;
        }
        let user_ok = |g: &Grant| user.as_deref().is_none_or(|u| g.principal == Principal::User(u.to_string()));
        match &ctx.agent_id {
            None => {
                if user_ok(g) {
                    items.push(oauth_item(&st, g, None));
                }
            }
            Some(aid) => {
                if g.principal == Principal::Agent(aid.clone()) {
                    items.push(oauth_item(&st, g, None));
                } else if user_ok(g) {
                    for d in g.delegations.iter().filter(|d| d.agent_id == *aid && !d.revoked) {
                        items.push(oauth_item(&st, g, Some(d)));
                    }
                }
            }
        }
    }
    let total = items.len() as u64;
    let page: Vec<Value> = items.into_iter().skip(offset.min(usize::MAX as u64) as usize).take(limit as usize).collect();
    let has_more = offset.saturating_add(page.len() as u64) < total;
    Ok(ok_json(serde_json::json!({"grants": page, "total": total, "limit": limit, "offset": offset, "has_more": has_more})))
}

/// `POST /sdk/oauth/grants/{grant_id}/revoke`.
pub async fn revoke(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path(grant_id): Path<String>) -> ApiResult {
    ctx.require("grants:write")?;
    let b = parse_object(&ctx.body)?;
    let reason = opt_filter(&b, "reason")?;
    let user = match opt_filter(&b, "user_token")? {
        Some(t) => Some(verify_user_token(&v, &t)?.sub),
        None => None,
    };
    let gid = grant_id.to_ascii_lowercase();
    let now = now_secs();
    let mut st = v.lock();
    let agent = ctx.agent_id.clone();
    let g = st.grants.iter_mut().find(|g| {
        g.app == ctx.app
            && g.id == gid
            && g.status == GrantStatus::Active
            && user.as_deref().is_none_or(|u| g.principal == Principal::User(u.to_string()))
            && agent.as_deref().is_none_or(|a| g.principal == Principal::Agent(a.to_string()))
    });
    let Some(g) = g else {
        return Err(ApiError::detail(404, "grant_not_found", "No active grant with this id for this caller").with("grant_id", grant_id));
    };
    g.status = GrantStatus::Revoked;
    g.revoked_at = Some(now);
    let _ = reason;
    Ok(ok_json(serde_json::json!({"success": true, "message": "Grant revoked", "grant_id": g.id, "revoked_at": rfc3339(now)})))
}

pub(crate) fn parse_scope_constraint(v: Option<&Value>) -> Result<Option<Vec<String>>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) if !a.is_empty() && a.len() <= 100 => {
            let mut out = Vec::new();
            for s in a {
                let s = s.as_str().map(str::trim).unwrap_or("");
                let grammar = !s.is_empty() && s != "*" && s.len() <= 512 && s.bytes().all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b));
                if !grammar {
                    return Err(ApiError::detail(422, "invalid_scope_constraint", "scope_constraint entries must be RFC 6749 scope tokens"));
                }
                out.push(s.to_string());
            }
            Ok(Some(out))
        }
        _ => Err(ApiError::detail(422, "invalid_scope_constraint", "scope_constraint must be a non-empty list of ≤ 100 strings")),
    }
}

/// `POST /sdk/grants/{grant_id}/delegate` (agent → agent onward delegation).
pub async fn delegate(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path(grant_id): Path<String>) -> ApiResult {
    ctx.require("grants:write")?;
    let Some(me) = ctx.agent_id.clone() else {
        return Err(ApiError::detail(403, "agent_key_required", "Only an agent can delegate a grant it holds"));
    };
    let b = parse_object(&ctx.body)?;
    let to = b.get("to_agent_id").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| ApiError::invalid("to_agent_id must be a non-empty string"))?.to_ascii_lowercase();
    let delegable = match b.get("delegable") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(x)) => *x,
        _ => return Err(ApiError::invalid("delegable must be a boolean")),
    };
    let ttl = match b.get("ttl_seconds") {
        None | Some(Value::Null) => None,
        Some(x) => Some(x.as_u64().filter(|n| *n > 0).ok_or_else(|| ApiError::detail(422, "invalid_ttl", "ttl_seconds must be a positive integer"))?),
    };
    let scope_constraint = parse_scope_constraint(b.get("scope_constraint"))?;
    let gid = grant_id.to_ascii_lowercase();
    let now = now_secs();
    let mut st = v.lock();
    let Some(target) = st.agents.iter().find(|a| a.id == to && a.app == ctx.app && a.status != "revoked").map(|a| a.id.clone()) else {
        return Err(ApiError::detail(404, "agent_not_found", "No such agent").with("agent_id", to));
    };
    let Some(g) = st.grants.iter_mut().find(|g| g.app == ctx.app && (g.id == gid || g.delegations.iter().any(|d| d.id == gid))) else {
        return Err(ApiError::detail(404, "grant_not_found", "Grant not found").with("grant_id", grant_id));
    };
    let holder = g.delegations.iter().find(|d| d.agent_id == me && !d.revoked && d.expires_at.is_none_or(|e| e > now)).cloned();
    let Some(holder) = holder else {
        return Err(ApiError::detail(404, "grant_not_found", "This agent does not hold the grant").with("grant_id", grant_id));
    };
    if !holder.delegable {
        return Err(ApiError::detail(403, "grant_not_delegable", "The held delegation is not delegable").with("detail_reason", "holder_not_delegable"));
    }
    if g.managed_secret.is_some() && scope_constraint.is_some() {
        return Err(ApiError::detail(422, "invalid_scope_constraint", "A managed-secret delegation cannot carry a scope constraint"));
    }
    if g.delegations.iter().any(|d| d.agent_id == target && !d.revoked) {
        return Err(ApiError::detail(409, "delegation_exists", "The target agent already holds a delegation of this grant"));
    }
    let expires_at = match (ttl.map(|t| now + t), holder.expires_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let d = Delegation {
        id: new_uuid(),
        agent_id: target,
        delegable,
        proxy_only: holder.proxy_only || scope_constraint.is_some(),
        parent_id: holder.id.clone(),
        depth: holder.depth + 1,
        scope_constraint,
        expires_at,
        revoked: false,
        created_at: now,
    };
    let out = serde_json::json!({
        "grant_id": d.id,
        "grant_kind": if g.managed_secret.is_some() { "managed_secret" } else { "oauth" },
        "parent_grant_id": d.parent_id,
        "depth": d.depth,
        "delegable": d.delegable,
        "status": "active",
        "expires_at": ts(d.expires_at),
    });
    g.delegations.push(d);
    Ok(ok_json(out))
}

/// Revokes a delegation and everything delegated onward from it.
fn revoke_chain(g: &mut Grant, first: &str) {
    let mut frontier = vec![first.to_string()];
    while let Some(id) = frontier.pop() {
        for d in g.delegations.iter_mut() {
            if d.id == id && !d.revoked {
                d.revoked = true;
            }
            if d.parent_id == id && !d.revoked {
                frontier.push(d.id.clone());
            }
        }
    }
}

/// `DELETE /sdk/grants/{grant_id}/delegations/{agent_id}` and `/delegations/me`.
pub async fn revoke_delegation(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path((grant_id, who)): Path<(String, String)>) -> ApiResult {
    let agent = if who == "me" {
        match &ctx.agent_id {
            Some(a) => a.clone(),
            None => return Err(ApiError::detail(403, "agent_key_required", "The self-revoke path needs an agent key")),
        }
    } else {
        if ctx.agent_key {
            return Err(ApiError::detail(403, "use_self_revoke_path", "Agents revoke their own delegation with /delegations/me"));
        }
        if !is_uuid_any_case(&who) {
            return Err(ApiError::invalid("agent_id must be a UUID"));
        }
        who.to_ascii_lowercase()
    };
    if !is_uuid_any_case(&grant_id) {
        return Err(ApiError::invalid("grant_id must be a UUID"));
    }
    let gid = grant_id.to_ascii_lowercase();
    let mut st = v.lock();
    if let Some(g) = st.grants.iter_mut().find(|g| g.app == ctx.app && (g.id == gid || g.delegations.iter().any(|d| d.id == gid))) {
        let ids: Vec<String> = g.delegations.iter().filter(|d| d.agent_id == agent && !d.revoked).map(|d| d.id.clone()).collect();
        for id in ids {
            revoke_chain(g, &id);
        }
    }
    Ok(no_content())
}

/// `POST /sdk/managed-secrets/{managed_secret_id}/grants`.
pub async fn create_managed_secret_grant(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path(ms_id): Path<String>) -> ApiResult {
    ctx.require("grants:write")?;
    let b = parse_object(&ctx.body)?;
    let ms = v.cfg.managed_secrets.iter().find(|m| m.id.eq_ignore_ascii_case(&ms_id)).cloned();
    let Some(ms) = ms else {
        return Err(ApiError::detail(404, "grant_not_found", "No managed secret with this id"));
    };
    let p = b.get("principal").and_then(Value::as_object).ok_or_else(|| ApiError::invalid("principal must be an object"))?;
    let label = match p.get("label") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= 255 => Some(s.clone()),
        _ => return Err(ApiError::invalid("principal.label must be a string of 1..255 chars")),
    };
    let principal = match p.get("type").and_then(Value::as_str) {
        Some("system") => Principal::System,
        Some("user") => {
            let t = p.get("user_token").and_then(Value::as_str).ok_or_else(|| ApiError::invalid("principal.user_token is required"))?;
            if label.is_none() {
                return Err(ApiError::invalid("principal.label is required for a user principal"));
            }
            Principal::User(verify_user_token(&v, t)?.sub)
        }
        Some("group") => {
            let s = |k: &str| p.get(k).and_then(Value::as_str).filter(|x| !x.is_empty()).map(str::to_string);
            match (s("external_group_id"), s("idp_id"), &label) {
                (Some(external_group_id), Some(idp_id), Some(_)) => Principal::Group { external_group_id, idp_id },
                _ => return Err(ApiError::invalid("group principal needs external_group_id, idp_id and label")),
            }
        }
        Some("agent") => return Err(ApiError::detail(422, "agent_principal_not_supported", "Agent-bound grants are created in the portal")),
        _ => return Err(ApiError::invalid("principal.type must be user, group, system or agent")),
    };
    let grant_policy = match b.get("grant_policy") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) if m.keys().all(|k| ["expires_at", "max_ttl_seconds", "default_ttl_seconds"].contains(&k.as_str())) => {
            if m.is_empty() { None } else { Some(Value::Object(m.clone())) }
        }
        _ => return Err(ApiError::detail(422, "invalid_grant_policy", "grant_policy accepts only expires_at, max_ttl_seconds, default_ttl_seconds")),
    };
    let credential_id = match b.get("credential_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => return Err(ApiError::invalid("credential_id must be a non-empty string")),
    };
    // §2.3.4: with several developer credentials the caller must choose one; an end user's own key
    // is never assigned; a credential of another provider is not found.
    let developer: Vec<&crate::config::CredentialCfg> = ms.credentials.iter().filter(|c| c.kind == "developer").collect();
    match &credential_id {
        Some(cid) => match ms.credentials.iter().find(|c| c.id.eq_ignore_ascii_case(cid)) {
            Some(c) if c.kind == "end_user" => {
                return Err(ApiError::detail(409, "end_user_credential_not_assignable", "That credential is an end user's own key"))
            }
            Some(_) => {}
            None => return Err(ApiError::detail(404, "grant_not_found", "credential_id is not a credential of this managed secret")),
        },
        None if developer.len() > 1 => {
            let list: Vec<Value> = developer.iter().map(|c| serde_json::json!({"id": c.id, "label": c.label})).collect();
            return Err(ApiError::detail(409, "credential_id_required", "This managed secret holds several developer credentials; pass credential_id")
                .with("details", serde_json::json!({"credentials": list})));
        }
        None => {}
    }
    let now = now_secs();
    let mut st = v.lock();
    if label.is_some() && st.grants.iter().any(|g| g.app == ctx.app && g.provider == ms.slug && g.principal == principal && g.label == label && g.status == GrantStatus::Active) {
        return Err(ApiError::detail(409, "sibling_label_conflict", "A grant with this label already exists").with("label", label.clone().unwrap_or_default()));
    }
    let who = st.principal_label(&principal);
    let grant = Grant::new_managed_secret(NewManagedSecretGrant {
        ms: &ms,
        app: &ctx.app,
        principal: principal.clone(),
        label: label.clone(),
        grant_policy,
        who: &who.replace(':', "-"),
        credential_id: credential_id.clone(),
        now,
    });
    let id = grant.id.clone();
    st.grants.push(grant);
    let mut out = serde_json::json!({"grant_id": id, "principal_type": principal.kind(), "label": label, "created_at": rfc3339(now)});
    if let (Some(c), Some(m)) = (credential_id, out.as_object_mut()) {
        m.insert("credential_id".into(), Value::from(c));
    }
    Ok(json_response(StatusCode::CREATED, &out))
}

/// Connect sessions live this long.
const CONNECT_TTL: u64 = 600;

/// `POST /sdk/oauth/connect/session`.
pub async fn connect_session(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    ctx.require("connect:initiate")?;
    let b = parse_object(&ctx.body)?;
    let providers = match b.get("allowed_providers") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) if !a.is_empty() => Some(
            a.iter()
                .map(|x| x.as_str().filter(|s| !s.trim().is_empty()).map(|s| s.trim().to_ascii_lowercase()))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| ApiError::invalid("allowed_providers entries must be non-empty strings"))?,
        ),
        _ => return Err(ApiError::invalid("allowed_providers must be null or a non-empty list")),
    };
    let direct = matches!(b.get("direct"), Some(Value::Bool(true)));
    let user = match opt_filter(&b, "user_token")? {
        Some(t) => Some(verify_user_token(&v, &t)?.sub),
        None => None,
    };
    let agent_id = match opt_filter(&b, "agent")? {
        None => None,
        Some(a) => {
            let st = v.lock();
            let found = st.agents.iter().find(|x| x.app == ctx.app && x.status != "revoked" && (x.id.eq_ignore_ascii_case(&a) || x.name == a)).map(|x| x.id.clone());
            let Some(id) = found else {
                return Err(ApiError::detail(404, "agent_not_found", "No such agent"));
            };
            if user.is_none() {
                return Err(ApiError::detail(400, "agent_requires_user_token", "Delegating to an agent needs a user token"));
            }
            Some(id)
        }
    };
    let opts = crate::sdk_more::oauth_connect_options(&v, &ctx, &b, providers.as_deref(), user.as_deref(), agent_id.is_some())?;
    let delegable = matches!(b.get("delegable"), Some(Value::Bool(true)));
    let now = now_secs();
    let token = format!("cs_{}", random_hex(16));
    let single = providers.as_ref().is_some_and(|p| {
        let mut q = p.clone();
        q.dedup();
        q.len() == 1
    });
    let s = ConnectSession {
        token: token.clone(),
        app: ctx.app.clone(),
        user,
        providers,
        agent_id,
        delegable,
        created_at: now,
        expires_at: now + CONNECT_TTL,
        status: "pending".into(),
        result: vec![],
        polled: false,
        managed_secret: None,
        requested_label: opts.requested_label,
        grant_policy: opts.grant_policy,
        existing_grant_id: opts.repair_grant_id,
        restricted: opts.restricted,
        scope_constraint: opts.scope_constraint,
        declined: vec![],
        failed: vec![],
        error: None,
    };
    v.lock().connect_sessions.push(s);
    Ok(ok_json(serde_json::json!({
        "session_token": token,
        "connect_url": format!("{}/connect/{}", v.public_url(), token),
        "expires_in": CONNECT_TTL,
        "expires_at": rfc3339(now + CONNECT_TTL),
        "scope_constraint_warnings": [],
        "single_provider": single,
        "direct": direct,
    })))
}

/// `POST /sdk/oauth/connect/session/poll`.
pub async fn connect_poll(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    let b = parse_object(&ctx.body)?;
    let token = b.get("session_token").and_then(Value::as_str).filter(|s| !s.trim().is_empty()).ok_or_else(|| ApiError::invalid("session_token must be a non-empty string"))?;
    let now = now_secs();
    let mut st = v.lock();
    let Some(s) = st.connect_sessions.iter_mut().find(|s| s.token == token && s.app == ctx.app) else {
        return Ok(ok_json(serde_json::json!({"status": "expired"})));
    };
    s.polled = true;
    let out = match s.status.as_str() {
        "completed" => serde_json::json!({"status": "completed", "grants": s.result, "failed_grants": s.failed}),
        "denied" => {
            let err = s.error.clone().unwrap_or_else(|| serde_json::json!({"error_code": "connect_denied", "error_message": "The user denied the connection"}));
            serde_json::json!({"status": "error", "error": err})
        }
        _ if now >= s.expires_at => serde_json::json!({"status": "expired"}),
        _ if !s.declined.is_empty() => serde_json::json!({"status": "pending", "declined_providers": s.declined}),
        _ => serde_json::json!({"status": "pending"}),
    };
    Ok(ok_json(out))
}

/// What the admin API asks of a connect-session completion.
#[derive(Debug, Clone, Default)]
pub struct Completion {
    pub sub: Option<String>,
    pub provider: Option<String>,
    pub account: Option<String>,
    /// `failed_grants` entries of the completed poll.
    pub failed: Vec<Value>,
    /// Complete without creating a grant (with `failed` only: the SDK's `ConnectFlowError`).
    pub no_grant: bool,
}

/// The connect session `token` names, with its index, if it is still pending (404 / 409 otherwise).
pub(crate) fn pending_connect_session(st: &World, token: &str) -> Result<(usize, ConnectSession), ApiError> {
    let Some(pos) = st.connect_sessions.iter().position(|s| s.token == token) else {
        return Err(ApiError::detail(404, "session_not_found", "No such connect session"));
    };
    let s = st.connect_sessions[pos].clone();
    if s.status != "pending" {
        return Err(ApiError::detail(409, "session_not_pending", format!("session is {}", s.status)));
    }
    Ok((pos, s))
}

/// Admin: completes a pending connect session. OAuth: creates the grant (label, proxy-only
/// restrictions and grant policy from the session; a delegation with its scope constraint when an
/// agent was named), or re-authorises the `repair_grant_id` grant (`operation: "reauth"`).
pub fn complete_connect(v: &Vault, token: &str, c: Completion) -> Result<Value, ApiError> {
    let now = now_secs();
    let mut st = v.lock();
    let (pos, s) = pending_connect_session(&st, token)?;
    if s.managed_secret.is_some() {
        drop(st);
        return crate::sdk_more::complete_managed_secret_connect(v, token, c.sub);
    }
    if c.no_grant {
        let sess = &mut st.connect_sessions[pos];
        sess.status = "completed".into();
        sess.result = vec![];
        sess.failed = c.failed;
        return Ok(Value::Null);
    }
    let user = c.sub.or(s.user.clone());
    if let Some(u) = &user {
        if v.user(u).is_none() {
            return Err(ApiError::invalid(format!("unknown user {u}")));
        }
    }
    let who = user.clone().unwrap_or_else(|| "system".into());
    let policy_json = s.grant_policy.as_ref().map(|p| {
        let mut m = Map::new();
        if let Some(ttl) = p.get("default_ttl_seconds").or_else(|| p.get("max_ttl_seconds")).and_then(Value::as_u64) {
            m.insert("expires_at".into(), Value::from(rfc3339(now + ttl)));
        }
        m.insert("created_by".into(), Value::from("developer"));
        m.insert("created_at".into(), Value::from(rfc3339(now)));
        Value::Object(m)
    });
    // A repair re-authorises the existing grant in place.
    let repair = s.existing_grant_id.as_deref().and_then(|id| st.grants.iter().position(|g| g.id == id));
    let (id, provider, account, operation) = match repair {
        Some(i) => {
            let g = &mut st.grants[i];
            g.access_token = World::generate_token(&g.provider, &who);
            g.status = GrantStatus::Active;
            g.revoked_at = None;
            g.scope_mismatch = Mismatch::None;
            g.token_expires_at = Some(now + 3600);
            g.token_ttl = Some(3600);
            (g.id.clone(), g.provider.clone(), g.account.clone(), "reauth")
        }
        None => {
            let provider = c.provider.or_else(|| s.providers.as_ref().and_then(|p| p.first().cloned())).unwrap_or_else(|| "google".into());
            let principal = user.clone().map(Principal::User).unwrap_or(Principal::System);
            let account = c.account.or_else(|| user.as_deref().and_then(|u| v.user(u)).and_then(|u| u.email.clone()));
            let id = new_uuid();
            st.grants.push(Grant {
                id: id.clone(),
                app: s.app.clone(),
                managed_secret: None,
                provider: provider.clone(),
                principal,
                account: account.clone(),
                account_display_name: None,
                label: s.requested_label.clone(),
                scopes: vec![],
                access_token: World::generate_token(&provider, &who),
                token_expires_at: Some(now + 3600),
                token_ttl: Some(3600),
                status: GrantStatus::Active,
                scope_mismatch: Mismatch::None,
                injection_header: "Authorization".into(),
                injection_format: "Bearer {token}".into(),
                additional_injections: vec![],
                additional_credentials: None,
                proxy_only: s.restricted,
                token_generation: stable_uuid(&format!("generation|{id}")),
                created_at: now,
                revoked_at: None,
                last_used_at: None,
                grant_policy: policy_json.clone(),
                credential_id: None,
                delegations: vec![],
            });
            (id, provider, account, "creation")
        }
    };
    let mut item = serde_json::json!({"grant_id": id, "provider_id": provider, "scopes": [], "account_identifier": account, "operation": operation});
    if let (Some(p), Some(m)) = (&policy_json, item.as_object_mut()) {
        m.insert("grant_policy".into(), p.clone());
    }
    if let Some(agent) = &s.agent_id {
        if let Some(g) = st.grants.iter_mut().find(|g| g.id == id) {
            g.delegations.push(Delegation {
                id: new_uuid(),
                agent_id: agent.clone(),
                delegable: s.delegable,
                proxy_only: s.scope_constraint.is_some(),
                parent_id: id.clone(),
                depth: 1,
                scope_constraint: s.scope_constraint.clone(),
                expires_at: None,
                revoked: false,
                created_at: now,
            });
        }
        if let Some(m) = item.as_object_mut() {
            m.insert("delegation".into(), serde_json::json!({"agent_id": agent, "delegable": s.delegable, "policy_refused": false}));
        }
    }
    let sess = &mut st.connect_sessions[pos];
    sess.status = "completed".into();
    sess.result = vec![item.clone()];
    sess.failed = c.failed;
    Ok(item)
}

/// Admin: the next poll answers `{"status":"error","error":{error_code, error_message}}`
/// (default `connect_denied`).
pub fn deny_connect(v: &Vault, token: &str, error_code: Option<String>, message: Option<String>) -> Result<(), ApiError> {
    let mut st = v.lock();
    let Some(s) = st.connect_sessions.iter_mut().find(|s| s.token == token) else {
        return Err(ApiError::detail(404, "session_not_found", "No such connect session"));
    };
    if s.status != "pending" {
        return Err(ApiError::detail(409, "session_not_pending", format!("session is {}", s.status)));
    }
    s.status = "denied".into();
    s.error = Some(serde_json::json!({
        "error_code": error_code.unwrap_or_else(|| "connect_denied".into()),
        "error_message": message.unwrap_or_else(|| "The user denied the connection".into()),
    }));
    Ok(())
}

/// Admin: the user declined one provider of a multi-provider picker; the session stays pending
/// and its polls list it in `declined_providers`.
pub fn decline_connect(v: &Vault, token: &str, provider_id: String, error_code: Option<String>) -> Result<Value, ApiError> {
    let mut st = v.lock();
    let Some(s) = st.connect_sessions.iter_mut().find(|s| s.token == token) else {
        return Err(ApiError::detail(404, "session_not_found", "No such connect session"));
    };
    if s.status != "pending" {
        return Err(ApiError::detail(409, "session_not_pending", format!("session is {}", s.status)));
    }
    let entry = serde_json::json!({
        "provider_id": provider_id,
        "error_code": error_code.unwrap_or_else(|| "access_denied".into()),
        "declined_at": rfc3339(now_secs()),
    });
    s.declined.push(entry.clone());
    Ok(entry)
}
