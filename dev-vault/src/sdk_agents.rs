//! Agents namespace (api-surface §2.6): list / get / by name / create / update / delete, keys,
//! and `GET /sdk/agents/me`. App keys only, except `me` (agent keys only).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Extension;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::auth::Ctx;
use crate::sdk_core::parse_object;
use crate::state::{Agent, Key};
use crate::util::{hex, json_response, new_uuid, now_secs, ok_json, random_bytes, rfc3339, ApiError, ApiResult};
use crate::vault::Vault;

/// A managed-agent key is minted in the legacy syntax (§1.1).
fn mint_legacy_key() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let raw = random_bytes::<40>();
    let body: String = raw.iter().map(|b| char::from(ALPHABET[(*b & 63) as usize])).collect();
    format!("alter_key_{body}")
}

fn ts(t: Option<u64>) -> Value {
    t.map(|x| Value::from(rfc3339(x))).unwrap_or(Value::Null)
}

pub fn agent_info(a: &Agent) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), Value::from(a.id.clone()));
    m.insert("name".into(), Value::from(a.name.clone()));
    m.insert("display_name".into(), a.display_name.clone().map(Value::from).unwrap_or(Value::Null));
    m.insert("type".into(), Value::from(a.kind.clone()));
    m.insert("status".into(), Value::from(a.status.clone()));
    // Staged scopes that are due read as applied (the state is promoted on the next update).
    let due = a.scopes_applies_at.is_some_and(|t| t <= crate::util::now_secs());
    match (&a.scopes_pending, due) {
        (Some(p), true) => m.insert("scopes".into(), p.clone()),
        _ => m.insert("scopes".into(), a.scopes.clone()),
    };
    if !due {
        if let (Some(p), Some(t)) = (&a.scopes_pending, a.scopes_applies_at) {
            m.insert("scopes_pending".into(), p.clone());
            m.insert("scopes_applies_at".into(), Value::from(rfc3339(t)));
        }
    }
    m.insert("policy".into(), a.policy.clone());
    m.insert("metadata".into(), a.metadata.clone());
    m.insert("version".into(), Value::from(a.version));
    m.insert("created_at".into(), Value::from(rfc3339(a.created_at)));
    m.insert("last_used_at".into(), ts(a.last_used_at));
    m.insert("parent_agent_id".into(), Value::Null);
    m.insert("stored_legacy_managed_secret_names".into(), Value::from(Vec::<String>::new()));
    m
}

fn key_info(k: &Key) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("key_id".into(), Value::from(k.id.clone()));
    m.insert("key_prefix".into(), Value::from(k.prefix()));
    m.insert("name".into(), Value::from(k.name.clone()));
    m.insert("created_at".into(), Value::from(rfc3339(k.created_at)));
    m.insert("deprecated_at".into(), ts(k.deprecated_at));
    m.insert("revoked_at".into(), ts(k.revoked_at));
    m.insert("last_used_at".into(), ts(k.last_used_at));
    m
}

fn app_only(ctx: &Ctx) -> Result<(), ApiError> {
    if ctx.agent_key {
        return Err(ApiError::detail(403, "app_key_required", "The agents namespace needs an app key"));
    }
    Ok(())
}

fn agent_not_found() -> ApiError {
    ApiError::detail(404, "agent_not_found", "No such agent")
}

fn query_pairs(q: &Option<String>) -> Vec<(String, String)> {
    q.as_deref().map(alter_protocol::canonical::form_decode).unwrap_or_default()
}

/// `GET /sdk/agents?include_revoked&limit&offset` and `?name=`.
pub async fn list(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, RawQuery(q): RawQuery) -> ApiResult {
    app_only(&ctx)?;
    let pairs = query_pairs(&q);
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let include_revoked = get("include_revoked") == Some("true");
    let limit: u64 = match get("limit") {
        None => 100,
        Some(s) => s.parse().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| ApiError::invalid("limit must be 1..1000"))?,
    };
    let offset: u64 = match get("offset") {
        None => 0,
        Some(s) => s.parse().map_err(|_| ApiError::invalid("offset must be a non-negative integer"))?,
    };
    let name = get("name").map(str::to_string);
    let st = v.lock();
    let all: Vec<Value> = st
        .agents
        .iter()
        .filter(|a| a.app == ctx.app)
        .filter(|a| include_revoked || name.is_some() || a.status != "revoked")
        .filter(|a| name.as_deref().is_none_or(|n| a.name == n && a.status != "revoked"))
        .map(|a| Value::Object(agent_info(a)))
        .collect();
    let total = all.len() as u64;
    let items: Vec<Value> = all.into_iter().skip(offset.min(usize::MAX as u64) as usize).take(limit as usize).collect();
    let has_more = offset.saturating_add(items.len() as u64) < total;
    Ok(ok_json(serde_json::json!({"items": items, "total": total, "limit": limit, "offset": offset, "has_more": has_more})))
}

fn find_agent<'a>(st: &'a crate::state::State, ctx: &Ctx, id: &str) -> Result<&'a Agent, ApiError> {
    st.agents.iter().find(|a| a.app == ctx.app && a.id.eq_ignore_ascii_case(id)).ok_or_else(agent_not_found)
}

pub async fn get(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path(id): Path<String>) -> ApiResult {
    app_only(&ctx)?;
    let st = v.lock();
    Ok(ok_json(Value::Object(agent_info(find_agent(&st, &ctx, &id)?))))
}

/// `POST /sdk/agents` (optional `Idempotency-Key`; a replay returns `api_key: null`).
pub async fn create(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, headers: axum::http::HeaderMap) -> ApiResult {
    if ctx.agent_key {
        return Err(ApiError::detail(403, "agent_cannot_mint_subagents", "Agents cannot create agents"));
    }
    let b = parse_object(&ctx.body)?;
    let name = b.get("name").and_then(Value::as_str).filter(|s| !s.trim().is_empty()).ok_or_else(|| ApiError::invalid("name must be a non-empty string"))?.to_string();
    let kind = match b.get("type") {
        None | Some(Value::Null) => "agent".to_string(),
        Some(Value::String(s)) if s == "agent" || s == "service" => s.clone(),
        _ => return Err(ApiError::invalid("type must be agent or service")),
    };
    let scopes = match b.get("scopes") {
        Some(Value::Object(m)) => {
            check_agent_scopes(m)?;
            Value::Object(m.clone())
        }
        _ => return Err(ApiError::invalid("scopes must be an object")),
    };
    let obj_or_empty = |k: &str| -> Result<Value, ApiError> {
        match b.get(k) {
            None | Some(Value::Null) => Ok(Value::Object(Map::new())),
            Some(Value::Object(m)) => Ok(Value::Object(m.clone())),
            _ => Err(ApiError::invalid(format!("{k} must be an object"))),
        }
    };
    let metadata = obj_or_empty("metadata")?;
    let policy = obj_or_empty("policy")?;
    let display_name = match b.get("display_name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        _ => return Err(ApiError::invalid("display_name must be a string")),
    };
    let idem = headers.get("idempotency-key").and_then(|h| h.to_str().ok()).map(|s| format!("{}|{s}", ctx.app));
    let body_hash = hex(&Sha256::digest(&ctx.body));
    let now = now_secs();
    let mut st = v.lock();
    if let Some(k) = &idem {
        if let Some((hash, agent_id, key_id)) = st.idempotency.get(k).cloned() {
            if hash != body_hash {
                return Err(ApiError::detail(422, "idempotency_key_body_mismatch", "Idempotency-Key reused with a different body"));
            }
            let a = st.agent(&agent_id).ok_or_else(agent_not_found)?;
            if a.status == "revoked" {
                return Err(ApiError::detail(409, "idempotency_key_agent_revoked", "The agent created with this key was revoked"));
            }
            let mut m = agent_info(a);
            m.insert("api_key".into(), Value::Null);
            m.insert("key_id".into(), Value::from(key_id));
            return Ok(ok_json(Value::Object(m)));
        }
    }
    if st.agents.iter().any(|a| a.app == ctx.app && a.name == name && a.status != "revoked") {
        return Err(ApiError::detail(409, "agent_name_exists", format!("An agent named {name} already exists")));
    }
    let agent = Agent {
        id: new_uuid(),
        name: name.clone(),
        app: ctx.app.clone(),
        display_name,
        kind,
        status: "active".into(),
        scopes,
        policy,
        metadata,
        version: 1,
        created_at: now,
        last_used_at: None,
        key_counter: 1,
        scopes_pending: None,
        scopes_applies_at: None,
    };
    let key = new_agent_key(&ctx.app, &agent.id, format!("{name}-1"), now);
    let mut m = agent_info(&agent);
    m.insert("api_key".into(), Value::from(key.key.clone()));
    m.insert("key_id".into(), Value::from(key.id.clone()));
    if let Some(k) = idem {
        st.idempotency.insert(k, (body_hash, agent.id.clone(), key.id.clone()));
    }
    st.agents.push(agent);
    st.keys.push(key);
    Ok(json_response(StatusCode::CREATED, &Value::Object(m)))
}

/// `update(grace_seconds)` bounds and default (api-surface §2.6).
const MAX_GRACE_SECS: u64 = 7 * 86_400;
const DEFAULT_GRACE_SECS: u64 = 86_400;

/// Entries as a list of strings (a non-list value is one opaque entry).
fn scope_entries(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string())).collect(),
        other => vec![other.to_string()],
    }
}

/// True when `new` drops a provider or a scope that `old` holds.
fn narrows(old: &Value, new: &Value) -> bool {
    let (Some(o), Some(n)) = (old.as_object(), new.as_object()) else { return true };
    o.iter().any(|(k, ov)| match n.get(k) {
        None => true,
        Some(nv) => {
            let have = scope_entries(nv);
            scope_entries(ov).iter().any(|s| !have.contains(s))
        }
    })
}

/// Server-side checks of an agent's scope map: the legacy `managed_secrets` key takes no new
/// entries (422 `legacy_managed_secret_name_rejected`).
fn check_agent_scopes(sc: &Map<String, Value>) -> Result<(), ApiError> {
    if sc.get("managed_secrets").is_some_and(|v| v.as_array().is_none_or(|a| !a.is_empty())) {
        return Err(ApiError::detail(422, "legacy_managed_secret_name_rejected", "Use managed_secret_slugs; managed_secrets takes no new entries"));
    }
    Ok(())
}

/// `PATCH /sdk/agents/{id}[?grace_seconds&expected_version]`.
pub async fn update(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path(id): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    app_only(&ctx)?;
    let b = parse_object(&ctx.body)?;
    const KEYS: &[&str] = &["display_name", "metadata", "scopes", "policy", "status"];
    if let Some(k) = b.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(ApiError::invalid(format!("unexpected field {k}")));
    }
    let pairs = query_pairs(&q);
    let expected: Option<u64> = match pairs.iter().find(|(k, _)| k == "expected_version") {
        None => None,
        Some((_, s)) => Some(s.parse().map_err(|_| ApiError::invalid("expected_version must be an integer"))?),
    };
    if b.contains_key("scopes") && expected.is_none() {
        return Err(ApiError::detail(422, "expected_version_required", "expected_version is required when scopes change"));
    }
    let grace: Option<u64> = match pairs.iter().find(|(k, _)| k == "grace_seconds") {
        None => None,
        Some((_, s)) => Some(s.parse().ok().filter(|n| *n <= MAX_GRACE_SECS).ok_or_else(|| ApiError::invalid(format!("grace_seconds must be an integer in 0..={MAX_GRACE_SECS}")))?),
    };
    if grace.is_some() && !b.contains_key("scopes") {
        return Err(ApiError::invalid("grace_seconds needs scopes"));
    }
    if let Some(Value::Object(sc)) = b.get("scopes") {
        check_agent_scopes(sc)?;
    }
    let now = now_secs();
    let mut st = v.lock();
    let a = st.agents.iter_mut().find(|a| a.app == ctx.app && a.id.eq_ignore_ascii_case(&id)).ok_or_else(agent_not_found)?;
    a.promote_scopes(now);
    if let Some(e) = expected {
        if e != a.version {
            return Err(ApiError::detail(409, "agent_concurrent_update", "The agent changed since expected_version").with("current_version", a.version));
        }
    }
    if a.status == "revoked" {
        return Err(ApiError::detail(409, "agent_revoked", "The agent has been revoked"));
    }
    let mut changed = false;
    for (k, val) in &b {
        match (k.as_str(), val) {
            ("display_name", Value::String(s)) => a.display_name = Some(s.clone()),
            ("display_name", Value::Null) => a.display_name = None,
            ("metadata", Value::Object(_)) => a.metadata = val.clone(),
            ("scopes", Value::Object(_)) => {
                // Widening applies at once; narrowing is staged for the grace period (default 24 h).
                let g = grace.unwrap_or(DEFAULT_GRACE_SECS);
                if g == 0 || !narrows(&a.scopes, val) {
                    a.scopes = val.clone();
                    a.scopes_pending = None;
                    a.scopes_applies_at = None;
                } else {
                    a.scopes_pending = Some(val.clone());
                    a.scopes_applies_at = Some(now + g);
                }
            }
            ("policy", Value::Object(_)) => a.policy = val.clone(),
            ("status", Value::String(s)) if s == "active" || s == "inactive" => a.status = s.clone(),
            _ => return Err(ApiError::invalid(format!("invalid value for {k}"))),
        }
        changed = true;
    }
    if changed {
        a.version += 1;
    }
    Ok(ok_json(Value::Object(agent_info(a))))
}

/// `DELETE /sdk/agents/{id}`: revoked, keys revoked, idempotent.
pub async fn delete(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path(id): Path<String>) -> ApiResult {
    app_only(&ctx)?;
    let now = now_secs();
    let mut st = v.lock();
    let a = st.agents.iter_mut().find(|a| a.app == ctx.app && a.id.eq_ignore_ascii_case(&id)).ok_or_else(agent_not_found)?;
    if a.status != "revoked" {
        a.status = "revoked".into();
        a.version += 1;
    }
    let info = agent_info(a);
    let aid = a.id.clone();
    for k in st.keys.iter_mut().filter(|k| k.agent_id.as_deref() == Some(&aid) && k.status != "revoked") {
        k.status = "revoked".into();
        k.revoked_at = Some(now);
    }
    Ok(ok_json(Value::Object(info)))
}

pub async fn list_keys(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path(id): Path<String>) -> ApiResult {
    app_only(&ctx)?;
    let st = v.lock();
    let a = find_agent(&st, &ctx, &id)?;
    let items: Vec<Value> = st.keys.iter().filter(|k| k.agent_id.as_deref() == Some(&a.id)).map(|k| Value::Object(key_info(k))).collect();
    Ok(ok_json(serde_json::json!({"items": items})))
}

/// A new active key of an agent (all scopes; the agent's own scopes bound it), as `create` and
/// `mint_key` make them.
fn new_agent_key(app: &str, agent_id: &str, name: String, now: u64) -> Key {
    Key {
        id: new_uuid(),
        name,
        key: mint_legacy_key(),
        app: app.to_string(),
        agent_id: Some(agent_id.to_string()),
        scopes: vec!["*".into()],
        status: "active".into(),
        created_at: now,
        deprecated_at: None,
        revoked_at: None,
        last_used_at: None,
        ..Key::default()
    }
}

pub async fn mint_key(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path(id): Path<String>) -> ApiResult {
    app_only(&ctx)?;
    // The SDK sends `{}` (api-surface §2.6).
    parse_object(&ctx.body)?;
    let now = now_secs();
    let mut st = v.lock();
    let a = st.agents.iter_mut().find(|a| a.app == ctx.app && a.id.eq_ignore_ascii_case(&id)).ok_or_else(agent_not_found)?;
    if a.status == "revoked" {
        return Err(ApiError::detail(409, "agent_revoked", "The agent has been revoked"));
    }
    a.key_counter += 1;
    let key = new_agent_key(&ctx.app, &a.id, format!("{}-{}", a.name, a.key_counter), now);
    let mut m = key_info(&key);
    m.insert("api_key".into(), Value::from(key.key.clone()));
    st.keys.push(key);
    Ok(json_response(StatusCode::CREATED, &Value::Object(m)))
}

/// `PATCH /sdk/agents/{id}/keys/{key_id}/deprecate|undeprecate`.
pub async fn key_deprecation(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path((id, key_id, action)): Path<(String, String, String)>) -> ApiResult {
    app_only(&ctx)?;
    let deprecate = match action.as_str() {
        "deprecate" => true,
        "undeprecate" => false,
        _ => return Err(ApiError::detail(404, "not_found", "Unknown key action")),
    };
    parse_object(&ctx.body)?;
    let now = now_secs();
    let mut st = v.lock();
    let aid = find_agent(&st, &ctx, &id)?.id.clone();
    let k = st.keys.iter_mut().find(|k| k.agent_id.as_deref() == Some(&aid) && k.id.eq_ignore_ascii_case(&key_id)).ok_or_else(|| ApiError::detail(404, "key_not_found", "No such key"))?;
    if k.status == "revoked" {
        return Err(ApiError::detail(409, "key_revoked", "The key has been revoked"));
    }
    if deprecate && k.status != "deprecated" {
        k.status = "deprecated".into();
        k.deprecated_at = Some(now);
    } else if !deprecate && k.status == "deprecated" {
        k.status = "active".into();
        k.deprecated_at = None;
    }
    Ok(ok_json(Value::Object(key_info(k))))
}

/// `DELETE /sdk/agents/{id}/keys/{key_id}[?force=true]`.
pub async fn revoke_key(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path((id, key_id)): Path<(String, String)>, RawQuery(q): RawQuery) -> ApiResult {
    app_only(&ctx)?;
    let force = query_pairs(&q).iter().any(|(k, v)| k == "force" && v == "true");
    let now = now_secs();
    let mut st = v.lock();
    let aid = find_agent(&st, &ctx, &id)?.id.clone();
    let live = st.keys.iter().filter(|k| k.agent_id.as_deref() == Some(&aid) && k.status != "revoked").count();
    let k = st.keys.iter_mut().find(|k| k.agent_id.as_deref() == Some(&aid) && k.id.eq_ignore_ascii_case(&key_id)).ok_or_else(|| ApiError::detail(404, "key_not_found", "No such key"))?;
    if k.status != "revoked" {
        if live <= 1 && !force {
            return Err(ApiError::detail(409, "last_active_key", "Refusing to revoke the agent's last active key without force=true"));
        }
        k.status = "revoked".into();
        k.revoked_at = Some(now);
    }
    Ok(ok_json(Value::Object(key_info(k))))
}

/// `GET /sdk/agents/me`.
pub async fn me(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    let (true, Some(aid)) = (ctx.agent_key, &ctx.agent_id) else {
        return Err(ApiError::detail(403, "me_requires_agent_key", "GET /sdk/agents/me needs an agent key"));
    };
    let st = v.lock();
    let a = st.agent(aid).ok_or_else(agent_not_found)?;
    Ok(ok_json(Value::Object(agent_info(a))))
}
