//! The keys namespace (api-surface §2.7): `POST /sdk/keys/derive`, `POST /sdk/keys/{id}/rotate`,
//! `DELETE /sdk/keys/{id}[?force=true]`. Minted keys use the scoped syntax with a valid checksum
//! (`alter_dk_…` for derived keys; a rotation successor keeps its predecessor's type).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Extension;
use serde_json::{Map, Value};

use crate::auth::{Ctx, RATE_LIMIT_PER_MINUTE};
use crate::sdk_core::parse_object;
use crate::state::{Key, State as World};
use crate::util::{json_response, new_uuid, now_secs, ok_json, random_bytes, rfc3339, ApiError, ApiResult};
use crate::vault::Vault;

/// Derived keys live at most this long (the org cap of §2.7, default 24 h).
pub const MAX_DERIVED_TTL_SECS: u64 = 24 * 3600;
/// `rotate(overlap_days)` range (§2.7).
pub const MAX_OVERLAP_DAYS: u64 = 30;
const SCOPE_DERIVE: &str = "keys:derive";
const SCOPE_ADMIN: &str = "keys:admin";

/// 22 random characters of the lowercase base32 alphabet of §1.1.
fn random22() -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    random_bytes::<22>().iter().map(|b| char::from(ALPHABET[(b & 31) as usize])).collect()
}

/// A fresh scoped key `alter_<type>_<random>_<checksum>`.
pub fn mint_scoped_key(key_type: &str) -> String {
    alter_protocol::keys::make_scoped_key(key_type, &random22())
}

fn ts(t: Option<u64>) -> Value {
    t.map(|x| Value::from(rfc3339(x))).unwrap_or(Value::Null)
}

/// `APIKeyInfo` (api-surface §4). Never contains the key itself.
pub fn api_key_info(k: &Key) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), Value::from(k.id.clone()));
    m.insert("name".into(), Value::from(k.name.clone()));
    m.insert("key_prefix".into(), Value::from(k.prefix()));
    m.insert("key_type".into(), Value::from(k.key_type()));
    m.insert("scopes".into(), Value::from(k.scopes.clone()));
    m.insert("scope_version".into(), Value::from(1));
    m.insert("cidr_allowlist".into(), k.cidr_allowlist.clone().map(Value::from).unwrap_or(Value::Null));
    m.insert("rate_limit_rpm".into(), Value::Null);
    m.insert("effective_rate_limit_rpm".into(), Value::from(RATE_LIMIT_PER_MINUTE));
    m.insert("rate_limit_source".into(), Value::from("platform_default"));
    m.insert("expires_at".into(), ts(k.expires_at));
    m.insert("deprecated_at".into(), ts(k.deprecated_at));
    m.insert("revoked_at".into(), ts(k.revoked_at));
    m.insert("parent_key_id".into(), k.parent_key_id.clone().map(Value::from).unwrap_or(Value::Null));
    m.insert("created_at".into(), Value::from(rfc3339(k.created_at)));
    m.insert("last_used_at".into(), ts(k.last_used_at));
    if let Some(md) = &k.metadata {
        m.insert("metadata".into(), md.clone());
    }
    m
}

fn minted(k: &Key) -> Value {
    let mut m = api_key_info(k);
    m.insert("api_key".into(), Value::from(k.key.clone()));
    Value::Object(m)
}

fn key_not_found() -> ApiError {
    ApiError::detail(404, "key_not_found", "No such API key")
}

/// The target of rotate / revoke: a key of the caller's app; an agent key reaches only keys of its
/// own agent.
fn target_index(st: &World, ctx: &Ctx, key_id: &str) -> Result<usize, ApiError> {
    let own_agent = if ctx.agent_key { ctx.key.agent_id.clone() } else { None };
    st.keys
        .iter()
        .position(|k| k.id.eq_ignore_ascii_case(key_id) && k.app == ctx.app && (own_agent.is_none() || k.agent_id == own_agent))
        .ok_or_else(key_not_found)
}

fn str_list(v: &Value, what: &str) -> Result<Vec<String>, ApiError> {
    let a = v.as_array().ok_or_else(|| ApiError::invalid(format!("{what} must be a list of strings")))?;
    a.iter()
        .map(|x| x.as_str().filter(|s| !s.is_empty()).map(str::to_string))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| ApiError::invalid(format!("{what} entries must be non-empty strings")))
}

/// `POST /sdk/keys/derive`: `{scopes, expires_in, cidr_allowlist?, name?, metadata?}` → 201 `MintedKey`.
pub async fn derive(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    ctx.require(SCOPE_DERIVE)?;
    let b = parse_object(&ctx.body)?;
    let scopes = str_list(b.get("scopes").unwrap_or(&Value::Null), "scopes")?;
    if scopes.is_empty() {
        return Err(ApiError::invalid("scopes must not be empty"));
    }
    if scopes.iter().any(|s| s == SCOPE_DERIVE || s == "*") {
        return Err(ApiError::detail(400, "invalid_scope_for_derived_key", "A derived key cannot hold keys:derive or *"));
    }
    let known = |s: &str| {
        s.split_once(':').is_some_and(|(r, v)| crate::sdk_core::SCOPE_CATALOG.iter().any(|(res, verbs)| *res == r && verbs.contains(&v)))
    };
    if let Some(s) = scopes.iter().find(|s| !known(s)) {
        return Err(ApiError::detail(400, "unknown_scope", format!("{s} is not a scope of GET /sdk/scopes")));
    }
    if let Some(s) = scopes.iter().find(|s| !ctx.key.has_scope(s)) {
        return Err(ApiError::detail(400, "scope_not_subset", format!("scope {s} is not held by the calling key"))
            .with("granted", ctx.key.scopes.clone()));
    }
    let expires_in = match b.get("expires_in") {
        Some(Value::Number(n)) => n.as_u64().filter(|n| *n > 0).ok_or_else(|| ApiError::invalid("expires_in must be a positive integer"))?,
        _ => return Err(ApiError::invalid("expires_in must be a positive integer")),
    };
    let cidr = match b.get("cidr_allowlist") {
        None | Some(Value::Null) => ctx.key.cidr_allowlist.clone(),
        Some(x) => {
            let list = str_list(x, "cidr_allowlist")?;
            if let Some(parent) = &ctx.key.cidr_allowlist {
                if let Some(c) = list.iter().find(|c| !parent.contains(c)) {
                    return Err(ApiError::detail(400, "cidr_not_subset", format!("{c} is not in the calling key's allowlist")));
                }
            }
            Some(list)
        }
    };
    let name = match b.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= 255 => Some(s.clone()),
        _ => return Err(ApiError::invalid("name must be a string of 1..=255 characters")),
    };
    let metadata = match b.get("metadata") {
        None | Some(Value::Null) => None,
        Some(m @ Value::Object(_)) => Some(m.clone()),
        _ => return Err(ApiError::invalid("metadata must be an object")),
    };
    let now = now_secs();
    // Capped by the org cap and by the caller's own remaining lifetime.
    let mut ttl = expires_in.min(MAX_DERIVED_TTL_SECS);
    if let Some(parent_exp) = ctx.key.expires_at {
        ttl = ttl.min(parent_exp.saturating_sub(now));
    }
    let stamp = rfc3339(now);
    let default_name = format!("derived-{}-{}", stamp.get(0..10).unwrap_or("").replace('-', ""), stamp.get(11..19).unwrap_or("").replace(':', ""));
    let key = Key {
        id: new_uuid(),
        name: name.unwrap_or(default_name),
        key: mint_scoped_key("dk"),
        app: ctx.app.clone(),
        agent_id: ctx.key.agent_id.clone(),
        scopes,
        status: "active".into(),
        created_at: now,
        expires_at: Some(now + ttl),
        parent_key_id: Some(ctx.key.id.clone()),
        cidr_allowlist: cidr,
        metadata,
        ..Key::default()
    };
    let out = minted(&key);
    v.lock().keys.push(key);
    Ok(json_response(StatusCode::CREATED, &out))
}

/// `POST /sdk/keys/{key_id}/rotate`: `{overlap_days}` → 201 `MintedKey` (the successor). The old
/// key is deprecated (still works, with `X-Alter-Key-Deprecated: true`) for `overlap_days` days,
/// then answers 401 `key_rotated_grace_expired`.
pub async fn rotate(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path(key_id): Path<String>) -> ApiResult {
    ctx.require(SCOPE_ADMIN)?;
    let b = parse_object(&ctx.body)?;
    let overlap = match b.get("overlap_days") {
        None | Some(Value::Null) => 7,
        Some(Value::Number(n)) => n
            .as_u64()
            .filter(|d| *d <= MAX_OVERLAP_DAYS)
            .ok_or_else(|| ApiError::invalid(format!("overlap_days must be an integer in 0..={MAX_OVERLAP_DAYS}")))?,
        Some(_) => return Err(ApiError::invalid(format!("overlap_days must be an integer in 0..={MAX_OVERLAP_DAYS}"))),
    };
    let now = now_secs();
    let mut st = v.lock();
    let idx = target_index(&st, &ctx, &key_id)?;
    let old = st.keys[idx].clone();
    if old.status == "revoked" || old.status == "expired" || old.expires_at.is_some_and(|t| t <= now) {
        return Err(ApiError::detail(409, "key_not_active", "Only an active key can be rotated"));
    }
    if old.key_type() == "dk" {
        return Err(ApiError::detail(400, "derived_key_not_rotatable", "Derived keys cannot be rotated; derive a new one"));
    }
    if old.deprecated_at.is_some() || old.grace_until.is_some() {
        return Err(ApiError::detail(409, "key_already_rotated", "This key was already rotated or deprecated"));
    }
    let successor = Key {
        id: new_uuid(),
        name: format!("{}-rotated", old.name),
        key: mint_scoped_key(old.key_type()),
        app: old.app.clone(),
        agent_id: old.agent_id.clone(),
        scopes: old.scopes.clone(),
        status: "active".into(),
        created_at: now,
        parent_key_id: Some(old.id.clone()),
        cidr_allowlist: old.cidr_allowlist.clone(),
        metadata: old.metadata.clone(),
        ..Key::default()
    };
    let k = &mut st.keys[idx];
    k.status = "deprecated".into();
    k.deprecated_at = Some(now);
    k.grace_until = Some(now + overlap * 86_400);
    let out = minted(&successor);
    st.keys.push(successor);
    Ok(json_response(StatusCode::CREATED, &out))
}

/// `DELETE /sdk/keys/{key_id}[?force=true]` → `APIKeyInfo` of the revoked key. Cascades to derived
/// (`dk`) descendants; rotation successors survive. Revoking the last active key of an agent
/// (cascade included) needs `force=true` (409 `last_active_key`).
pub async fn revoke(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path(key_id): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    ctx.require(SCOPE_ADMIN)?;
    let force = q.as_deref().unwrap_or("").split('&').any(|p| p == "force=true");
    let now = now_secs();
    let mut st = v.lock();
    let idx = target_index(&st, &ctx, &key_id)?;
    let target = st.keys[idx].clone();
    if target.status == "revoked" {
        return Ok(ok_json(Value::Object(api_key_info(&target))));
    }
    // The cascade: the target and every dk descendant (transitively through dk children).
    let mut doomed = vec![target.id.clone()];
    let mut i = 0;
    while i < doomed.len() {
        let parent = doomed[i].clone();
        for k in st.keys.iter().filter(|k| k.parent_key_id.as_deref() == Some(&parent) && k.key_type() == "dk") {
            if !doomed.contains(&k.id) {
                doomed.push(k.id.clone());
            }
        }
        i += 1;
    }
    if let (Some(agent), false) = (&target.agent_id, force) {
        let left = st.keys.iter().filter(|k| k.agent_id.as_ref() == Some(agent) && k.status != "revoked" && !doomed.contains(&k.id)).count();
        if left == 0 {
            return Err(ApiError::detail(409, "last_active_key", "Refusing to revoke the agent's last active key without force=true"));
        }
    }
    for k in st.keys.iter_mut().filter(|k| doomed.contains(&k.id) && k.status != "revoked") {
        k.status = "revoked".into();
        k.revoked_at = Some(now);
    }
    let info = st.keys.iter().find(|k| k.id == target.id).map(api_key_info).unwrap_or_default();
    Ok(ok_json(Value::Object(info)))
}
