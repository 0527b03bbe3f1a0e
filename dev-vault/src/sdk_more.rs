//! More of the api-surface §2 endpoints: `mint_grant` (§2.3.3), managed-secret connect sessions
//! (§2.4.5), auth sessions and their poll (§2.5), and the OAuth provider catalog (§2.10).

use std::sync::Arc;
use std::time::{Duration, Instant};

use alter_protocol::grammar::is_canonical_uuid;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Extension;
use serde_json::{json, Map, Value};

use crate::auth::Ctx;
use crate::resolve::verify_user_token;
use crate::sdk_core::parse_object;
use crate::sdk_grants::pending_connect_session;
use crate::state::{AuthSession, ConnectSession, Delegation, Grant, GrantStatus, ManagedSecretRef, Mismatch, NewManagedSecretGrant, Principal, State as World};
use crate::util::{json_response, new_uuid, now_secs, ok_json, opt_str, random_hex, rfc3339, stable_uuid, ApiError, ApiResult};
use crate::vault::Vault;

fn ts(t: Option<u64>) -> Value {
    t.map(|x| Value::from(rfc3339(x))).unwrap_or(Value::Null)
}

fn label_field(v: Option<&Value>, what: &str, required: bool) -> Result<Option<String>, ApiError> {
    match v {
        None | Some(Value::Null) if !required => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= 255 => Ok(Some(s.clone())),
        _ => Err(ApiError::invalid(format!("{what} must be a string of 1..=255 characters"))),
    }
}

fn only_keys(m: &Map<String, Value>, allowed: &[&str]) -> Result<(), ApiError> {
    match m.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(ApiError::invalid(format!("unexpected field {k:?}"))),
        None => Ok(()),
    }
}

// ───────────────────────────── mint_grant (§2.3.3) ─────────────────────────────

/// Keys a mint `grant_policy` may carry (`default_ttl_seconds` is refused: no TTL picker here).
const MINT_POLICY_KEYS: &[&str] = &["expires_at", "max_ttl_seconds", "restrictions", "requires_approval"];

fn mint_policy(v: Option<&Value>) -> Result<Option<Value>, ApiError> {
    let bad = |m: &str| ApiError::detail(422, "invalid_grant_policy", m.to_string());
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => {
            if m.contains_key("default_ttl_seconds") {
                return Err(bad("default_ttl_seconds is not accepted on mint"));
            }
            if let Some(k) = m.keys().find(|k| !MINT_POLICY_KEYS.contains(&k.as_str())) {
                return Err(bad(&format!("unknown grant_policy field {k:?}")));
            }
            if m.get("expires_at").is_some_and(|x| !x.is_null() && x.as_str().is_none_or(str::is_empty)) {
                return Err(bad("expires_at must be an ISO-8601 string"));
            }
            if m.get("max_ttl_seconds").is_some_and(|x| !x.is_null() && x.as_u64().is_none_or(|n| n == 0)) {
                return Err(bad("max_ttl_seconds must be a positive integer"));
            }
            if m.get("requires_approval").is_some_and(|x| !x.is_null() && !x.is_boolean()) {
                return Err(bad("requires_approval must be a boolean"));
            }
            match m.get("restrictions") {
                None | Some(Value::Null) => {}
                Some(Value::Object(r)) => {
                    if let Some(k) = r.keys().find(|k| *k != "allowed_methods" && *k != "allowed_endpoints") {
                        return Err(bad(&format!("unknown restrictions field {k:?}")));
                    }
                    let str_list = |x: &Value| x.is_null() || x.as_array().is_some_and(|a| a.iter().all(|e| e.as_str().is_some_and(|s| !s.is_empty())));
                    if !r.values().all(str_list) {
                        return Err(bad("restrictions.allowed_methods / allowed_endpoints must be lists of strings"));
                    }
                }
                Some(_) => return Err(bad("restrictions must be an object")),
            }
            Ok(if m.is_empty() { None } else { Some(Value::Object(m.clone())) })
        }
        Some(_) => Err(bad("grant_policy must be an object")),
    }
}

/// `GrantInfo` (api-surface §4).
pub fn grant_info(g: &Grant) -> Value {
    json!({
        "grant_id": g.id,
        "provider_id": g.managed_secret.as_ref().map(|m| m.slug.clone()).unwrap_or_else(|| g.provider.clone()),
        "scopes": g.scopes,
        "account_identifier": opt_str(&g.account),
        "account_display_name": opt_str(&g.account_display_name),
        "api_base_url": Value::Null,
        "status": g.status.as_str(),
        "scope_mismatch": g.scope_mismatch != Mismatch::None,
        "expires_at": ts(g.token_expires_at),
        "created_at": rfc3339(g.created_at),
        "last_used_at": ts(g.last_used_at),
        "principal_type": g.principal.kind(),
        "label": opt_str(&g.label),
        "credential_id": opt_str(&g.credential_id),
        "grant_policy": g.grant_policy.clone().unwrap_or(Value::Null),
    })
}

/// `POST /sdk/grants/{source_grant_id}/mint`: `{label, grant_policy?, grant_tags?}` → 201
/// `GrantInfo`. The sibling shares the source's credential and principal, never its delegations.
pub async fn mint_grant(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path(source): Path<String>) -> ApiResult {
    if ctx.agent_id.is_some() {
        return Err(ApiError::detail(403, "agents_cannot_mint", "Agents cannot mint sibling grants"));
    }
    ctx.require("grants:write")?;
    let b = parse_object(&ctx.body)?;
    only_keys(&b, &["label", "grant_policy", "grant_tags"])?;
    let label = label_field(b.get("label"), "label", true)?.unwrap_or_default();
    let policy = mint_policy(b.get("grant_policy"))?;
    match b.get("grant_tags") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) if a.iter().all(|t| t.as_str().is_some_and(|s| !s.is_empty())) => {}
        _ => return Err(ApiError::invalid("grant_tags must be a list of non-empty strings")),
    }
    let now = now_secs();
    let sid = source.to_ascii_lowercase();
    let mut st = v.lock();
    let Some(src) = st.grants.iter().find(|g| g.id == sid && g.app == ctx.app && g.status == GrantStatus::Active).cloned() else {
        return Err(ApiError::detail(404, "grant_not_found", "No active grant with this id").with("grant_id", source.clone()));
    };
    let has_rules = src.proxy_only || v.cfg.policies.iter().any(|p| p.grants.iter().any(|g| g.eq_ignore_ascii_case(&src.id)));
    if has_rules {
        return Err(ApiError::detail(403, "mint_source_has_grant_rules", "The source grant carries grant-level rules a sibling would not inherit"));
    }
    let sibling_taken = st
        .grants
        .iter()
        .any(|g| g.app == ctx.app && g.access_token == src.access_token && g.status == GrantStatus::Active && g.label.as_deref() == Some(label.as_str()));
    if sibling_taken {
        return Err(ApiError::detail(409, "sibling_label_conflict", format!("A sibling grant already uses the label {label:?}")).with("label", label));
    }
    let id = new_uuid();
    // Method/endpoint restrictions make the sibling proxy-only (like a restricted connect grant).
    let restricted = policy.as_ref().and_then(|p| p.get("restrictions")).is_some_and(|r| !r.is_null());
    let g = Grant {
        id: id.clone(),
        label: Some(label),
        proxy_only: restricted,
        status: GrantStatus::Active,
        scope_mismatch: Mismatch::None,
        token_generation: stable_uuid(&format!("generation|{id}")),
        created_at: now,
        revoked_at: None,
        last_used_at: None,
        grant_policy: policy,
        delegations: vec![],
        ..src
    };
    let out = grant_info(&g);
    st.grants.push(g);
    Ok(json_response(StatusCode::CREATED, &out))
}

// ──────────────────────── managed-secret connect (§2.4.5) ────────────────────────

/// Connect sessions live this long (as OAuth ones).
const CONNECT_TTL: u64 = 600;

fn is_provider_slug(s: &str) -> bool {
    (1..=50).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

/// A bare `scheme://host[:port]` origin.
fn is_origin(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.contains(['/', '?', '#', '@']) && !r.chars().any(char::is_whitespace))
}

fn opt_bool(b: &Map<String, Value>, k: &str) -> Result<Option<bool>, ApiError> {
    match b.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(x)) => Ok(Some(*x)),
        _ => Err(ApiError::invalid(format!("{k} must be a boolean"))),
    }
}

fn opt_string(b: &Map<String, Value>, k: &str) -> Result<Option<String>, ApiError> {
    match b.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        _ => Err(ApiError::invalid(format!("{k} must be a non-empty string"))),
    }
}

/// The §2.3.4 grant_policy validator (also used by managed-secret connect sessions).
fn connect_policy(v: Option<&Value>) -> Result<Option<Value>, ApiError> {
    let bad = |m: &str| ApiError::detail(422, "invalid_grant_policy", m.to_string());
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => {
            if let Some(k) = m.keys().find(|k| !["expires_at", "max_ttl_seconds", "default_ttl_seconds"].contains(&k.as_str())) {
                return Err(bad(&format!("unknown grant_policy field {k:?}")));
            }
            for k in ["max_ttl_seconds", "default_ttl_seconds"] {
                if m.get(k).is_some_and(|x| !x.is_null() && x.as_u64().is_none_or(|n| n == 0)) {
                    return Err(bad(&format!("{k} must be a positive integer")));
                }
            }
            Ok(if m.is_empty() { None } else { Some(Value::Object(m.clone())) })
        }
        Some(_) => Err(bad("grant_policy must be an object")),
    }
}

const MS_CONNECT_FIELDS: &[&str] = &[
    "provider",
    "template_slug",
    "agent",
    "delegated_agent_id",
    "user_token",
    "requested_ttl_seconds",
    "allowed_origin",
    "return_url",
    "allow_user_policy_rules",
    "delegable",
    "requested_grant",
    "grant_policy",
    "direct",
    "repair_grant_id",
];

fn find_agent_id(st: &World, app: &str, wanted: &str) -> Option<String> {
    st.agents
        .iter()
        .find(|a| a.app == app && a.status != "revoked" && (a.id.eq_ignore_ascii_case(wanted) || a.name == wanted))
        .map(|a| a.id.clone())
}

/// `POST /sdk/managed-secrets/connect/session` → `ManagedSecretConnectSession`.
pub async fn managed_secret_connect_session(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    ctx.require("connect:initiate")?;
    ctx.require("secrets:write")?;
    let b = parse_object(&ctx.body)?;
    only_keys(&b, MS_CONNECT_FIELDS)?;
    let provider = opt_string(&b, "provider")?;
    if provider.as_deref().is_some_and(|p| !is_provider_slug(p)) {
        return Err(ApiError::invalid("provider must match [a-z0-9-]{1,50}"));
    }
    let template = opt_string(&b, "template_slug")?;
    if template.as_deref().is_some_and(|t| !t.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')) {
        return Err(ApiError::invalid("template_slug must match [A-Za-z0-9-]+"));
    }
    let slug = match (&provider, &template) {
        (Some(p), _) => p.clone(),
        (None, Some(t)) => t.to_ascii_lowercase(),
        (None, None) => return Err(ApiError::invalid("provider (or the deprecated template_slug) is required")),
    };
    let user_token = opt_string(&b, "user_token")?.ok_or_else(|| ApiError::invalid("user_token is required"))?;
    let agent = opt_string(&b, "agent")?;
    let delegated = opt_string(&b, "delegated_agent_id")?;
    if agent.is_some() && delegated.is_some() {
        return Err(ApiError::invalid("agent and delegated_agent_id are mutually exclusive"));
    }
    if delegated.as_deref().is_some_and(|d| !is_canonical_uuid(d)) {
        return Err(ApiError::invalid("delegated_agent_id must be a canonical UUID"));
    }
    let delegable = opt_bool(&b, "delegable")?.unwrap_or(false);
    let direct = opt_bool(&b, "direct")?.unwrap_or(false);
    opt_bool(&b, "allow_user_policy_rules")?;
    let requested_label = match b.get("requested_grant") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => {
            only_keys(m, &["label"])?;
            Some(label_field(m.get("label"), "requested_grant.label", true)?.unwrap_or_default())
        }
        Some(_) => return Err(ApiError::invalid("requested_grant must be an object")),
    };
    let grant_policy = connect_policy(b.get("grant_policy"))?;
    match b.get("requested_ttl_seconds") {
        None | Some(Value::Null) => {}
        Some(x) if x.as_u64().is_some_and(|n| n > 0) => {
            if grant_policy.is_some() {
                return Err(ApiError::invalid("grant_policy and requested_ttl_seconds are mutually exclusive"));
            }
        }
        Some(_) => return Err(ApiError::invalid("requested_ttl_seconds must be a positive integer")),
    }
    if let Some(o) = opt_string(&b, "allowed_origin")? {
        if !is_origin(&o) {
            return Err(ApiError::detail(400, "invalid_origin", "allowed_origin must be a bare scheme://host[:port]"));
        }
    }
    opt_string(&b, "return_url")?;
    let repair = opt_string(&b, "repair_grant_id")?;
    if let Some(r) = &repair {
        if !is_canonical_uuid(r) {
            return Err(ApiError::invalid("repair_grant_id must be a canonical UUID"));
        }
        if agent.is_some() || delegated.is_some() || requested_label.is_some() {
            return Err(ApiError::invalid("repair_grant_id cannot be combined with agent, delegated_agent_id or requested_grant"));
        }
    }
    let Some(ms) = v.cfg.managed_secrets.iter().find(|m| m.slug == slug).cloned() else {
        return Err(ApiError::detail(404, "secret_not_found", format!("No managed-secret provider {slug:?}")));
    };
    let sub = verify_user_token(&v, &user_token)?.sub;
    let now = now_secs();
    let mut st = v.lock();
    // The agent the session delegates to.
    let target_agent = if ctx.agent_key {
        let own = ctx.agent_id.clone().unwrap_or_default();
        if let Some(a) = agent.as_deref().or(delegated.as_deref()) {
            if find_agent_id(&st, &ctx.app, a).as_deref() != Some(own.as_str()) {
                return Err(ApiError::detail(400, "agent_cannot_delegate_to_other_agent", "An agent key can only ask for itself"));
            }
        }
        Some(own)
    } else {
        match agent.as_deref().or(delegated.as_deref()) {
            Some(a) => Some(find_agent_id(&st, &ctx.app, a).ok_or_else(|| ApiError::detail(404, "agent_not_found", "No such agent"))?),
            None => ctx.agent_id.clone(),
        }
    };
    let users_grants: Vec<&Grant> = st
        .grants
        .iter()
        .filter(|g| g.app == ctx.app && g.managed_secret.as_ref().is_some_and(|m| m.slug == ms.slug) && g.principal == Principal::User(sub.clone()))
        .collect();
    let (path, existing) = if let Some(r) = &repair {
        match users_grants.iter().find(|g| g.id == *r && g.status != GrantStatus::Deleted) {
            Some(g) => ("repair", Some(g.id.clone())),
            None => return Err(ApiError::detail(404, "grant_not_found", "repair_grant_id names no key of this user on this provider")),
        }
    } else {
        let active: Vec<&&Grant> = users_grants.iter().filter(|g| g.status == GrantStatus::Active).collect();
        let labelled = requested_label.as_deref().and_then(|l| active.iter().find(|g| g.label.as_deref() == Some(l)));
        match (labelled, active.last()) {
            (Some(g), _) | (None, Some(g)) => ("fast_path", Some(g.id.clone())),
            (None, None) => match users_grants.iter().rev().find(|g| g.status == GrantStatus::Expired) {
                Some(g) => ("repair", Some(g.id.clone())),
                None => ("key_entry", None),
            },
        }
    };
    let token = format!("ms_sess_{}", random_hex(16));
    st.connect_sessions.push(ConnectSession {
        token: token.clone(),
        app: ctx.app.clone(),
        user: Some(sub),
        providers: Some(vec![ms.slug.clone()]),
        agent_id: target_agent.clone(),
        delegable,
        created_at: now,
        expires_at: now + CONNECT_TTL,
        status: "pending".into(),
        result: vec![],
        polled: false,
        managed_secret: Some(ManagedSecretRef { id: ms.id.clone(), slug: ms.slug.clone(), name: ms.name.clone() }),
        requested_label,
        grant_policy,
        existing_grant_id: existing.clone(),
        restricted: false,
        scope_constraint: None,
        declined: vec![],
        failed: vec![],
        error: None,
    });
    drop(st);
    // A session an agent's own key made does not reveal what the user holds.
    let (path, existing) = if ctx.agent_key { (Value::Null, Value::Null) } else { (Value::from(path), existing.map(Value::from).unwrap_or(Value::Null)) };
    Ok(ok_json(json!({
        "session_token": token,
        "connect_url": format!("{}/connect/{}#session={}", v.public_url(), token, token),
        "expires_in": CONNECT_TTL,
        "expires_at": rfc3339(now + CONNECT_TTL),
        "delegable_requested": delegable,
        "path": path,
        "existing_grant_id": existing,
        "direct": direct,
        "secret_slug": ms.slug,
        "template_slug": template,
        "agent_id": target_agent,
    })))
}

/// Admin completion of a managed-secret connect session: `key_entry` creates the user's grant,
/// `repair` replaces the key of the existing one, `fast_path` reuses it; with an agent, a
/// delegation to it is added. Returns `{grant_id, provider_id, operation, delegation?}`.
pub fn complete_managed_secret_connect(v: &Vault, token: &str, sub: Option<String>) -> Result<Value, ApiError> {
    let now = now_secs();
    let mut st = v.lock();
    let (pos, s) = pending_connect_session(&st, token)?;
    let (Some(msref), Some(user)) = (s.managed_secret.clone(), sub.or(s.user.clone())) else {
        return Err(ApiError::invalid("not a managed-secret session with a user"));
    };
    let Some(ms) = v.cfg.managed_secrets.iter().find(|m| m.slug == msref.slug) else {
        return Err(ApiError::detail(404, "secret_not_found", "The managed secret is gone from the config"));
    };
    let (grant_id, operation) = match s.existing_grant_id.as_deref().and_then(|id| st.grants.iter().position(|g| g.id == id)) {
        Some(i) => {
            let g = &mut st.grants[i];
            let op = if g.status == GrantStatus::Active { "reuse" } else { "repair" };
            if op == "repair" {
                g.access_token = World::generate_token(&ms.slug, &user);
                g.status = GrantStatus::Active;
                g.revoked_at = None;
            }
            (g.id.clone(), op)
        }
        None => {
            let g = Grant::new_managed_secret(NewManagedSecretGrant {
                ms,
                app: &s.app,
                principal: Principal::User(user.clone()),
                label: s.requested_label.clone(),
                grant_policy: s.grant_policy.clone(),
                who: &user,
                credential_id: None,
                now,
            });
            let id = g.id.clone();
            st.grants.push(g);
            (id, "creation")
        }
    };
    let mut item = json!({"grant_id": grant_id, "provider_id": ms.slug, "operation": operation});
    if let Some(agent) = &s.agent_id {
        if let Some(g) = st.grants.iter_mut().find(|g| g.id == grant_id) {
            let d = Delegation {
                id: new_uuid(),
                agent_id: agent.clone(),
                delegable: s.delegable,
                proxy_only: false,
                parent_id: g.id.clone(),
                depth: 1,
                scope_constraint: None,
                expires_at: None,
                revoked: false,
                created_at: now,
            };
            if let Some(m) = item.as_object_mut() {
                m.insert("delegation".into(), json!({"grant_id": d.id, "agent_id": agent, "delegable": s.delegable}));
            }
            g.delegations.push(d);
        }
    }
    let sess = &mut st.connect_sessions[pos];
    sess.status = "completed".into();
    sess.result = vec![item.clone()];
    Ok(item)
}

// ───────────────────── OAuth connect-session options (§2.4.1) ─────────────────────

/// The §2.4.1 options the OAuth connect session stores for its completion.
#[derive(Debug, Default)]
pub struct ConnectOptions {
    pub requested_label: Option<String>,
    pub restricted: bool,
    pub grant_policy: Option<Value>,
    pub repair_grant_id: Option<String>,
    pub scope_constraint: Option<Vec<String>>,
}

/// Validates the §2.4.1 options beyond providers / user / agent: `grant_policy` (only
/// `max_ttl_seconds`, `default_ttl_seconds`), `requested_grant` (`label`, `restrictions`),
/// `repair_grant_id` (a grant of this app, user and single provider, else 404),
/// `scope_constraint` (needs an agent), `required_scopes` (in the provider catalogue, else 400
/// `scope_not_allowed`), `metadata`, `switch_account`.
pub fn oauth_connect_options(v: &Vault, ctx: &Ctx, b: &Map<String, Value>, providers: Option<&[String]>, user: Option<&str>, has_agent: bool) -> Result<ConnectOptions, ApiError> {
    let mut o = ConnectOptions::default();
    let switch_account = opt_bool(b, "switch_account")?.unwrap_or(false);
    opt_bool(b, "allow_user_policy_rules")?;
    match b.get("metadata") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) if m.iter().all(|(k, x)| (k == "ip_address" || k == "user_agent") && x.is_string()) => {}
        Some(_) => return Err(ApiError::invalid("metadata accepts only ip_address and user_agent strings")),
    }
    o.grant_policy = match b.get("grant_policy") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => {
            let bad = |msg: &str| ApiError::detail(422, "invalid_grant_policy", msg.to_string());
            if let Some(k) = m.keys().find(|k| *k != "max_ttl_seconds" && *k != "default_ttl_seconds") {
                return Err(bad(&format!("grant_policy field {k:?} is not accepted on connect sessions")));
            }
            let get = |k: &str| -> Result<Option<u64>, ApiError> {
                match m.get(k) {
                    None | Some(Value::Null) => Ok(None),
                    Some(x) => x.as_u64().filter(|n| *n > 0).map(Some).ok_or_else(|| bad(&format!("{k} must be a positive integer"))),
                }
            };
            if let (Some(max), Some(def)) = (get("max_ttl_seconds")?, get("default_ttl_seconds")?) {
                if def > max {
                    return Err(bad("default_ttl_seconds must not exceed max_ttl_seconds"));
                }
            }
            if m.is_empty() { None } else { Some(Value::Object(m.clone())) }
        }
        Some(_) => return Err(ApiError::detail(422, "invalid_grant_policy", "grant_policy must be an object")),
    };
    match b.get("requested_grant") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            only_keys(m, &["label", "restrictions"])?;
            o.requested_label = label_field(m.get("label"), "requested_grant.label", true)?;
            match m.get("restrictions") {
                None | Some(Value::Null) => {}
                Some(Value::Object(r)) => {
                    only_keys(r, &["allowed_methods", "allowed_endpoints"])?;
                    for k in ["allowed_methods", "allowed_endpoints"] {
                        if let Some(x) = r.get(k).filter(|x| !x.is_null()) {
                            if !x.as_array().is_some_and(|a| a.iter().all(|e| e.as_str().is_some_and(|s| !s.is_empty()))) {
                                return Err(ApiError::invalid(format!("requested_grant.restrictions.{k} must be a list of strings")));
                            }
                        }
                    }
                    o.restricted = true;
                }
                Some(_) => return Err(ApiError::invalid("requested_grant.restrictions must be an object")),
            }
        }
        Some(_) => return Err(ApiError::invalid("requested_grant must be an object")),
    }
    o.scope_constraint = crate::sdk_grants::parse_scope_constraint(b.get("scope_constraint"))?;
    if o.scope_constraint.is_some() && !has_agent {
        return Err(ApiError::detail(422, "invalid_scope_constraint", "scope_constraint needs an agent"));
    }
    let distinct: Vec<&String> = {
        let mut d: Vec<&String> = providers.unwrap_or(&[]).iter().collect();
        d.sort();
        d.dedup();
        d
    };
    if let Some(r) = opt_string(b, "repair_grant_id")? {
        if !is_canonical_uuid(&r) {
            return Err(ApiError::invalid("repair_grant_id must be a canonical UUID"));
        }
        if distinct.len() != 1 || o.requested_label.is_some() || has_agent || switch_account {
            return Err(ApiError::invalid("repair_grant_id needs exactly one provider and no requested_grant, agent or switch_account"));
        }
        let owner = user.map(|u| Principal::User(u.to_string())).unwrap_or(Principal::System);
        let st = v.lock();
        let ok = st.grants.iter().any(|g| {
            g.id == r && g.app == ctx.app && g.managed_secret.is_none() && Some(&g.provider) == distinct.first().copied() && g.principal == owner && g.status != GrantStatus::Deleted
        });
        if !ok {
            return Err(ApiError::detail(404, "grant_not_found", "repair_grant_id names no grant of this user and provider").with("grant_id", r));
        }
        o.repair_grant_id = Some(r);
    }
    match b.get("required_scopes") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (provider, scopes) in m {
                let list = scopes.as_array().ok_or_else(|| ApiError::invalid("required_scopes values must be lists of strings"))?;
                let allowed = catalog_scopes(v, provider);
                let mut unapproved = Vec::new();
                for sc in list {
                    let sc = sc.as_str().ok_or_else(|| ApiError::invalid("required_scopes values must be lists of strings"))?;
                    if !allowed.iter().any(|a| a == sc) {
                        return Err(ApiError::detail(400, "scope_not_allowed", format!("{sc} is not an allowed scope of {provider}")).with("provider_id", provider.clone()));
                    }
                    if UNAPPROVED_MANAGED_SCOPES.contains(&(provider.as_str(), sc)) {
                        unapproved.push(sc.to_string());
                    }
                }
                if !unapproved.is_empty() {
                    return Err(ApiError::detail(409, "managed_oauth_scope_approval_required", "The requested permissions require managed OAuth approval.")
                        .with("details", json!({"provider_id": provider, "unapproved_scopes": unapproved}))
                        .with("remediation", json!({"action": "request_scope_approval", "description": "Ask Alter to approve these scopes for the shared OAuth client, or narrow the requested scopes."}))
                        .with("retryable", false));
                }
            }
        }
        Some(_) => return Err(ApiError::invalid("required_scopes must be an object")),
    }
    Ok(o)
}

/// Catalogue scopes that the shared (managed) OAuth client may not request yet: naming one in
/// `required_scopes` → 409 `managed_oauth_scope_approval_required` (api-surface §2.4.1).
const UNAPPROVED_MANAGED_SCOPES: &[(&str, &str)] = &[("google", "https://www.googleapis.com/auth/gmail.send")];

/// The scopes the provider catalogue lists for an OAuth provider (empty if unknown).
fn catalog_scopes(v: &Vault, provider: &str) -> Vec<String> {
    if let Some((_, _, _, rows)) = CATALOG.iter().find(|(id, ..)| *id == provider) {
        return rows.iter().map(|r| r.0.to_string()).collect();
    }
    if v.cfg.grants.iter().any(|g| g.kind != "managed_secret" && g.provider == provider) {
        return GENERIC_SCOPES.iter().map(|r| r.0.to_string()).collect();
    }
    vec![]
}

// ───────────────────────────── auth sessions (§2.5) ─────────────────────────────

/// Auth sessions live this long.
const AUTH_TTL: u64 = 600;
/// `wait_ms` upper bound (the SDK asks for at most 25 s).
const MAX_WAIT_MS: u64 = 25_000;

/// `POST /sdk/auth/session` (body `{}`) → 201 `AuthSession`.
pub async fn auth_session(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    ctx.require("idp_users:write")?;
    parse_object(&ctx.body)?;
    if v.idp.is_none() {
        return Err(ApiError::detail(400, "idp_not_configured", "No identity provider is configured for this app"));
    }
    let now = now_secs();
    let token = format!("as_{}", random_hex(16));
    v.lock().auth_sessions.push(AuthSession { token: token.clone(), app: ctx.app.clone(), expires_at: now + AUTH_TTL, status: "pending".into(), sub: None });
    let out = json!({
        "session_token": token,
        "auth_url": format!("{}/auth/{}?state={}", v.public_url(), token, token),
        "expires_in": AUTH_TTL,
        "expires_at": rfc3339(now + AUTH_TTL),
    });
    Ok(json_response(StatusCode::CREATED, &out))
}

fn auth_poll_answer(v: &Vault, s: &AuthSession, now: u64) -> Option<Value> {
    match s.status.as_str() {
        "completed" => {
            let sub = s.sub.clone().unwrap_or_default();
            let idp = v.idp.as_ref()?;
            let mut defaults = Map::new();
            let mut info = Map::new();
            info.insert("sub".into(), Value::from(sub.clone()));
            if let Some(u) = v.user(&sub) {
                for (k, val) in [("email", &u.email), ("name", &u.name)] {
                    if let Some(x) = val {
                        defaults.insert(k.into(), Value::from(x.clone()));
                        info.insert(k.into(), Value::from(x.clone()));
                    }
                }
            }
            let jwt = idp.mint(&sub, None, now, defaults, None);
            Some(json!({"status": "completed", "user_token": jwt, "user_info": info}))
        }
        "denied" => Some(json!({"status": "error", "error_code": "access_denied", "error_message": "The user denied the sign-in"})),
        _ if now >= s.expires_at => Some(json!({"status": "expired"})),
        _ => None,
    }
}

/// `POST /sdk/auth/poll` `{session_token, wait_ms?}`: holds up to `wait_ms` while pending.
pub async fn auth_poll(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    ctx.require("idp_users:read")?;
    let b = parse_object(&ctx.body)?;
    let token = b.get("session_token").and_then(Value::as_str).filter(|s| !s.trim().is_empty()).ok_or_else(|| ApiError::invalid("session_token must be a non-empty string"))?.to_string();
    let wait_ms = match b.get("wait_ms") {
        None | Some(Value::Null) => 0,
        Some(x) => x.as_u64().filter(|n| *n <= MAX_WAIT_MS).ok_or_else(|| ApiError::invalid(format!("wait_ms must be an integer in 0..={MAX_WAIT_MS}")))?,
    };
    let deadline = Instant::now() + Duration::from_millis(wait_ms);
    loop {
        let notified = v.changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let now = now_secs();
        let answer = {
            let st = v.lock();
            match st.auth_sessions.iter().find(|s| s.token == token && s.app == ctx.app) {
                None => Some(json!({"status": "expired"})),
                Some(s) => auth_poll_answer(&v, s, now),
            }
        };
        if let Some(a) = answer {
            return Ok(ok_json(a));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(ok_json(json!({"status": "pending"})));
        }
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep(left.min(Duration::from_secs(1))) => {}
        }
    }
}

/// Admin: decides a pending auth session (`complete` needs `sub`, a configured user).
pub fn decide_auth(v: &Vault, token: &str, action: &str, sub: Option<String>) -> Result<Value, ApiError> {
    let mut st = v.lock();
    let Some(s) = st.auth_sessions.iter_mut().find(|s| s.token == token) else {
        return Err(ApiError::detail(404, "session_not_found", "No such auth session"));
    };
    if s.status != "pending" {
        return Err(ApiError::detail(409, "session_not_pending", format!("session is {}", s.status)));
    }
    match action {
        "complete" => {
            let sub = sub.ok_or_else(|| ApiError::invalid("sub is required"))?;
            if v.user(&sub).is_none() {
                return Err(ApiError::invalid(format!("unknown user {sub}")));
            }
            s.status = "completed".into();
            s.sub = Some(sub);
        }
        "deny" => s.status = "denied".into(),
        _ => return Err(ApiError::detail(404, "not_found", "use /complete or /deny")),
    }
    let out = json!({"status": s.status});
    drop(st);
    v.changed.notify_waiters();
    Ok(out)
}

// ───────────────────────── OAuth provider catalog (§2.10) ─────────────────────────

/// (id, display name, category, [(scope, description, required, default, requires)]).
type ScopeRow = (&'static str, &'static str, bool, bool, &'static [&'static str]);
const CATALOG: &[(&str, &str, &str, &[ScopeRow])] = &[
    (
        "google",
        "Google",
        "productivity",
        &[
            ("openid", "OpenID Connect sign-in", true, true, &[]),
            ("email", "Email address", true, true, &["openid"]),
            ("https://www.googleapis.com/auth/calendar.readonly", "Read calendars", false, true, &[]),
            ("https://www.googleapis.com/auth/gmail.send", "Send email", false, false, &[]),
        ],
    ),
    (
        "github",
        "GitHub",
        "developer",
        &[("read:user", "Read the profile", true, true, &[]), ("repo", "Repositories", false, false, &[]), ("gist", "Gists", false, false, &[])],
    ),
];

/// Scopes of the catalogue's providers that have no entry in [`CATALOG`].
const GENERIC_SCOPES: &[ScopeRow] = &[("read", "Read access", true, true, &[]), ("write", "Write access", false, false, &["read"])];

fn catalog_item(id: &str, name: &str, category: &str, scopes: &[ScopeRow]) -> Value {
    let mut available = Map::new();
    for (s, desc, required, is_default, requires) in scopes {
        available.insert(s.to_string(), json!({"description": desc, "required": required, "is_default": is_default, "requires": requires}));
    }
    let default: Vec<&str> = scopes.iter().filter(|r| r.3).map(|r| r.0).collect();
    let required: Vec<&str> = scopes.iter().filter(|r| r.2).map(|r| r.0).collect();
    json!({
        "id": id,
        "name": id,
        "display_name": name,
        "category": category,
        "description": format!("{name} (dev vault)"),
        "logo_url": Value::Null,
        "supports_refresh": true,
        "supports_pkce": true,
        "available_scopes": available,
        "default_scopes": default,
        "required_scopes": required,
        "status": "active",
    })
}

/// `GET /sdk/oauth/provider-catalog` → `{providers: {id: item}}`: the providers of the table above
/// plus every other OAuth provider that has a grant in the config (with `read` / `write` scopes).
pub async fn provider_catalog(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    ctx.require("providers:read")?;
    let mut providers = Map::new();
    for (id, name, category, scopes) in CATALOG {
        providers.insert(id.to_string(), catalog_item(id, name, category, scopes));
    }
    let mut others: Vec<&str> = v.cfg.grants.iter().filter(|g| g.kind != "managed_secret").map(|g| g.provider.as_str()).collect();
    others.sort_unstable();
    others.dedup();
    for p in others {
        if !providers.contains_key(p) {
            let mut display: String = p.chars().take(1).flat_map(char::to_uppercase).collect();
            display.push_str(p.get(1..).unwrap_or(""));
            providers.insert(p.to_string(), catalog_item(p, &display, "other", GENERIC_SCOPES));
        }
    }
    Ok(ok_json(json!({"providers": providers})))
}

/// `GET /auth/{session_token}`: what the sign-in page would be, and how to decide it.
pub fn auth_page(v: &Vault, token: &str) -> Result<Value, ApiError> {
    let st = v.lock();
    let s = st.auth_sessions.iter().find(|s| s.token == token).ok_or_else(|| ApiError::detail(404, "session_not_found", "No such auth session"))?;
    Ok(json!({
        "status": s.status,
        "complete": format!("POST /admin/auth/{}/complete {{\"sub\":\"alice\"}} with Authorization: Bearer <admin_token>", s.token),
        "deny": format!("POST /admin/auth/{}/deny with Authorization: Bearer <admin_token>", s.token),
    }))
}

// ───────────────────────────── spans (§2.8) ─────────────────────────────

const MAX_SPANS: usize = 50;
/// Spans kept in memory; the oldest go first (telemetry, not audit evidence).
const MAX_STORED_SPANS: usize = 10_000;

fn span_str(m: &Map<String, Value>, k: &str, max: usize, required: bool) -> Result<Option<String>, ApiError> {
    match m.get(k) {
        None | Some(Value::Null) if !required => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= max => Ok(Some(s.clone())),
        _ => Err(ApiError::invalid(format!("span {k} must be a string of 1..={max} characters"))),
    }
}

/// `POST /sdk/spans` `{spans: [UserSpan]}` (1..=50) → `{accepted}` = newly stored spans; a span
/// without `span_id` gets one; a repeated `(trace_id, span_id)` is absorbed. Admin:
/// `GET /admin/spans`.
pub async fn emit_spans(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    ctx.require("spans:emit")?;
    let b = parse_object(&ctx.body)?;
    only_keys(&b, &["spans"])?;
    let spans = b.get("spans").and_then(Value::as_array).ok_or_else(|| ApiError::invalid("spans must be a list"))?;
    if spans.is_empty() || spans.len() > MAX_SPANS {
        return Err(ApiError::invalid(format!("spans must hold 1..={MAX_SPANS} items")));
    }
    let mut parsed = Vec::new();
    for sp in spans {
        let m = sp.as_object().ok_or_else(|| ApiError::invalid("each span must be an object"))?;
        only_keys(m, &["trace_id", "name", "start_time", "span_id", "parent_span_id", "end_time", "attributes"])?;
        let trace_id = span_str(m, "trace_id", 255, true)?.unwrap_or_default();
        span_str(m, "name", 255, true)?;
        span_str(m, "start_time", 64, true)?;
        span_str(m, "end_time", 64, false)?;
        span_str(m, "parent_span_id", 32, false)?;
        let span_id = span_str(m, "span_id", 32, false)?.unwrap_or_else(|| random_hex(8));
        match m.get("attributes") {
            None | Some(Value::Null) => {}
            Some(Value::Object(a)) if a.values().all(Value::is_string) => {}
            _ => return Err(ApiError::invalid("span attributes must be a string→string object")),
        }
        let mut stored = m.clone();
        stored.insert("span_id".into(), Value::from(span_id.clone()));
        stored.insert("principal".into(), Value::from(ctx.principal_label(&v)));
        parsed.push((trace_id, span_id, Value::Object(stored)));
    }
    let mut st = v.lock();
    let mut accepted = 0u64;
    for (trace, span, val) in parsed {
        let dup = st.spans.iter().any(|s| s.get("trace_id").and_then(Value::as_str) == Some(trace.as_str()) && s.get("span_id").and_then(Value::as_str) == Some(span.as_str()));
        if !dup {
            st.spans.push(val);
            accepted += 1;
        }
    }
    let excess = st.spans.len().saturating_sub(MAX_STORED_SPANS);
    if excess > 0 {
        st.spans.drain(..excess);
    }
    Ok(ok_json(json!({"accepted": accepted})))
}

// ───────────────────────────── identity resolve (§2.12) ─────────────────────────────

/// `POST /sdk/identity/resolve` `{include_profile, user_token?, app_user_id?}` → `IdentityContext`.
/// `user_token` (a valid JWT) names the end user; `app_user_id` is for agent principals only
/// (400 `agent_required` otherwise) and needs a consent edge: a delegation to this agent of one of
/// that user's grants (404 `consent_not_found` otherwise). Neither: the headless context.
pub async fn identity_resolve(State(v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>) -> ApiResult {
    let b = parse_object(&ctx.body)?;
    only_keys(&b, &["include_profile", "user_token", "app_user_id"])?;
    let include_profile = opt_bool(&b, "include_profile")?.unwrap_or(false);
    let token = opt_string(&b, "user_token")?;
    let app_user_id = opt_string(&b, "app_user_id")?;
    if token.is_some() && app_user_id.is_some() {
        return Err(ApiError::invalid("pass user_token or app_user_id, not both"));
    }
    let issuer = v.idp.as_ref().map(|i| i.issuer().to_string()).unwrap_or_default();
    let sub = match (&token, &app_user_id) {
        (Some(t), _) => Some(verify_user_token(&v, t)?.sub),
        (None, Some(id)) => {
            let Some(agent) = ctx.agent_id.clone() else {
                return Err(ApiError::detail(400, "agent_required", "app_user_id is accepted for agent principals only"));
            };
            let user = v.user_by_id(id).map(|u| u.sub.clone());
            let st = v.lock();
            let consented = user.as_ref().is_some_and(|u| {
                st.grants.iter().any(|g| g.app == ctx.app && g.principal == Principal::User(u.clone()) && g.delegations.iter().any(|d| d.agent_id == agent && !d.revoked))
            });
            if !consented {
                return Err(ApiError::detail(404, "consent_not_found", "No delegation from this user to this agent"));
            }
            user
        }
        (None, None) => None,
    };
    let mut out = Map::new();
    out.insert("app_id".into(), Value::from(ctx.app_id.clone()));
    if let Some(sub) = &sub {
        let cfg = v.user(sub);
        out.insert("app_user_id".into(), Value::from(cfg.map(|u| u.id.clone()).unwrap_or_else(|| stable_uuid(&format!("app_user|{}|{sub}", ctx.app)))));
        out.insert("external_subject_id".into(), Value::from(sub.clone()));
        out.insert("idp_id".into(), Value::from(stable_uuid(&format!("idp|{issuer}"))));
        out.insert("user_status".into(), Value::from("active"));
        if include_profile {
            out.insert("email".into(), cfg.and_then(|u| u.email.clone()).map(Value::from).unwrap_or(Value::Null));
            out.insert("display_name".into(), cfg.and_then(|u| u.name.clone()).map(Value::from).unwrap_or(Value::Null));
        }
    }
    out.insert("group_ids".into(), Value::from(Vec::<String>::new()));
    out.insert("agent_id".into(), ctx.agent_id.clone().map(Value::from).unwrap_or(Value::Null));
    out.insert("actor_id".into(), ctx.actor_id.clone().map(Value::from).unwrap_or(Value::Null));
    let c = ctx.context_value();
    let run = c.get("run_id").and_then(Value::as_str);
    let thread = c.get("thread_id").and_then(Value::as_str);
    if run.is_some() || thread.is_some() {
        out.insert("trace".into(), json!({"run_id": run, "thread_id": thread}));
    }
    Ok(ok_json(Value::Object(out)))
}
