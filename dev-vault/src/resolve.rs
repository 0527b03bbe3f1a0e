//! Grant resolution shared by `/sdk/token` and `/sdk/proxy`: addressing modes (§3.2), ambiguity
//! (409 `ambiguous_grant`), grant status and scope-mismatch errors (§7.2), policies, and the §3.4
//! success payload.

use alter_protocol::token::GrantTarget;
use serde_json::{Map, Value};

use crate::auth::Ctx;
use crate::config::PolicyCfg;
use crate::idp::VerifiedJwt;
use crate::state::{Delegation, Grant, GrantStatus, Mismatch, Principal, State};
use crate::util::{now_secs, rfc3339, ApiError};
use crate::vault::Vault;

#[derive(Debug, Clone)]
pub struct Resolved {
    /// Index of the root grant in `State::grants`.
    pub idx: usize,
    /// The grant id the caller sees (a delegation id for agents using a delegation).
    pub reported_id: String,
    pub delegation: Option<Delegation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Token,
    Proxy,
}

impl Endpoint {
    fn name(self) -> &'static str {
        match self {
            Endpoint::Token => "token",
            Endpoint::Proxy => "proxy",
        }
    }
}

/// Verifies an end-user JWT (`user_token`); failure is 401 `jwt_validation_error` (§9.1).
pub fn verify_user_token(v: &Vault, token: &str) -> Result<VerifiedJwt, ApiError> {
    let Some(idp) = &v.idp else {
        return Err(ApiError::detail(401, "jwt_validation_error", "No identity provider is configured for this app"));
    };
    idp.verify(token, now_secs())
        .map_err(|why| ApiError::detail(401, "jwt_validation_error", format!("user_token rejected: {why}")))
}

fn delegation_active(d: &Delegation, now: u64) -> bool {
    !d.revoked && d.expires_at.is_none_or(|e| e > now)
}

fn not_found(msg: &str) -> ApiError {
    ApiError::detail(404, "grant_not_found", msg)
}

/// Resolves the target to a grant the principal may use.
pub fn resolve(v: &Vault, st: &State, ctx: &Ctx, target: &GrantTarget, user: Option<&str>) -> Result<Resolved, ApiError> {
    let now = now_secs();
    match target {
        GrantTarget::Grant { grant_id } => {
            let gid = grant_id.to_ascii_lowercase();
            let found = st.grants.iter().enumerate().find_map(|(i, g)| {
                if g.app != ctx.app {
                    return None;
                }
                if g.id == gid {
                    return Some((i, None));
                }
                g.delegations.iter().find(|d| d.id == gid).map(|d| (i, Some(d.clone())))
            });
            let Some((idx, named_delegation)) = found else {
                return Err(not_found("Grant not found").with("grant_id", grant_id.clone()));
            };
            let g = &st.grants[idx];
            if let Some(u) = user {
                if g.principal != Principal::User(u.to_string()) {
                    return Err(not_found("Grant not found for this user").with("grant_id", grant_id.clone()));
                }
            }
            match &ctx.agent_id {
                Some(aid) if g.principal != Principal::Agent(aid.clone()) => {
                    let held = match &named_delegation {
                        Some(d) => (d.agent_id == *aid).then(|| d.clone()),
                        None => g.delegations.iter().find(|d| d.agent_id == *aid && !d.revoked).cloned(),
                    };
                    match held {
                        Some(d) if !delegation_active(&d, now) && !d.revoked => {
                            Err(ApiError::detail(403, "grant_expired", "The delegation to this agent has expired")
                                .with("provider_id", g.provider.clone())
                                .with("agent_id", aid.clone())
                                .with("app_user_id", Value::Null))
                        }
                        Some(d) if !d.revoked => Ok(Resolved { idx, reported_id: d.id.clone(), delegation: Some(d) }),
                        _ => Err(not_found("This agent holds no delegation of the grant")
                            .with("grant_id", grant_id.clone())
                            .with("agent_id", aid.clone())),
                    }
                }
                _ => Ok(Resolved { idx, reported_id: named_delegation.as_ref().map(|d| d.id.clone()).unwrap_or_else(|| g.id.clone()), delegation: named_delegation }),
            }
        }
        GrantTarget::Provider { provider_id, account, label, app_user_id } => {
            // The end user: the JWT's subject, else the app_user_id's user.
            let user_sub: Option<String> = match (user, app_user_id) {
                (Some(u), _) => Some(u.to_string()),
                (None, Some(id)) => match v.user_by_id(id) {
                    Some(u) => Some(u.sub.clone()),
                    None => {
                        let e = match &ctx.agent_id {
                            Some(aid) => ApiError::detail(404, "no_delegated_grant", "No delegated grant for this app user")
                                .with("agent_id", aid.clone()),
                            None => not_found("Unknown app_user_id"),
                        };
                        return Err(e.with("provider_id", provider_id.clone()).with("app_user_id", id.clone()));
                    }
                },
                (None, None) => None,
            };
            let usable = |g: &Grant| g.app == ctx.app && g.provider == *provider_id && !matches!(g.status, GrantStatus::Revoked | GrantStatus::Deleted);
            let mut cands: Vec<Resolved> = Vec::new();
            for (idx, g) in st.grants.iter().enumerate().filter(|(_, g)| usable(g)) {
                match &ctx.agent_id {
                    Some(aid) => {
                        if g.principal == Principal::Agent(aid.clone()) && user_sub.is_none() {
                            cands.push(Resolved { idx, reported_id: g.id.clone(), delegation: None });
                            continue;
                        }
                        if let Some(u) = &user_sub {
                            if g.principal != Principal::User(u.clone()) {
                                continue;
                            }
                        }
                        if let Some(d) = g.delegations.iter().find(|d| d.agent_id == *aid && delegation_active(d, now)) {
                            cands.push(Resolved { idx, reported_id: d.id.clone(), delegation: Some(d.clone()) });
                        }
                    }
                    None => {
                        let want = match &user_sub {
                            Some(u) => Principal::User(u.clone()),
                            None => Principal::System,
                        };
                        if g.principal == want {
                            cands.push(Resolved { idx, reported_id: g.id.clone(), delegation: None });
                        }
                    }
                }
            }
            if let Some(a) = account {
                cands.retain(|r| st.grants[r.idx].account.as_deref() == Some(a.as_str()));
            }
            if let Some(l) = label {
                cands.retain(|r| st.grants[r.idx].label.as_deref() == Some(l.as_str()));
            }
            let app_user_value = |sub: &Option<String>| -> Value {
                sub.as_deref().and_then(|s| v.user(s)).map(|u| Value::from(u.id.clone())).unwrap_or(Value::Null)
            };
            match cands.len() {
                0 => Err(match &ctx.agent_id {
                    Some(aid) => ApiError::detail(404, "no_delegated_grant", format!("No grant for provider {provider_id} is delegated to this agent"))
                        .with("provider_id", provider_id.clone())
                        .with("agent_id", aid.clone())
                        .with("app_user_id", app_user_value(&user_sub)),
                    None => not_found(&format!("No grant for provider {provider_id}"))
                        .with("provider_id", provider_id.clone())
                        .with("app_user_id", app_user_value(&user_sub)),
                }),
                1 => Ok(cands.remove(0)),
                _ => Err(ambiguous(v, st, provider_id, &cands, account.is_some())),
            }
        }
    }
}

/// 409 `ambiguous_grant` with the §7.2 fields and candidates.
fn ambiguous(v: &Vault, st: &State, provider_id: &str, cands: &[Resolved], account_was_provided: bool) -> ApiError {
    let mut accounts = Vec::new();
    let mut app_user_ids = Vec::new();
    let mut grant_ids = Vec::new();
    let mut list = Vec::new();
    for r in cands {
        let g = &st.grants[r.idx];
        if let Some(a) = &g.account {
            if !accounts.contains(a) {
                accounts.push(a.clone());
            }
        }
        if let Principal::User(sub) = &g.principal {
            if let Some(u) = v.user(sub) {
                if !app_user_ids.contains(&u.id) {
                    app_user_ids.push(u.id.clone());
                }
            }
        }
        grant_ids.push(r.reported_id.clone());
        let mut c = Map::new();
        c.insert("grant_id".into(), Value::from(r.reported_id.clone()));
        c.insert("label".into(), g.label.clone().map(Value::from).unwrap_or(Value::Null));
        c.insert("account_identifier".into(), g.account.clone().map(Value::from).unwrap_or(Value::Null));
        c.insert("account_display_name".into(), g.account_display_name.clone().map(Value::from).unwrap_or(Value::Null));
        list.push(Value::Object(c));
    }
    let mut e = ApiError::detail(409, "ambiguous_grant", format!("Several {provider_id} grants match; pass account or label to choose one"))
        .with("provider_id", provider_id)
        .with("account_identifiers", accounts)
        .with("app_user_ids", app_user_ids)
        .with("grant_ids", grant_ids)
        .with("candidates", list);
    if account_was_provided {
        e = e.with("account_was_provided", true);
    }
    e
}

fn policy_matches(p: &PolicyCfg, g: &Grant, reported_id: &str, method: &str, url: &str, ep: Endpoint) -> bool {
    p.applies_to.iter().any(|a| a == ep.name())
        && (p.grants.is_empty() || p.grants.iter().any(|x| *x == g.id || x == reported_id))
        && (p.providers.is_empty() || p.providers.contains(&g.provider))
        && (p.methods.is_empty() || p.methods.iter().any(|m| m.eq_ignore_ascii_case(method)))
        && p.url_contains.as_deref().is_none_or(|s| url.contains(s))
}

/// Status / flag / restriction / deny-policy checks. Returns the approval policy's name when one
/// asks for a human decision (proxy) — for `/sdk/token` that is an error instead.
#[allow(clippy::too_many_arguments)]
pub fn check_usable(v: &Vault, st: &State, r: &Resolved, ctx: &Ctx, method: &str, url: &str, ep: Endpoint, user_sub: Option<&str>) -> Result<Option<String>, ApiError> {
    let g = &st.grants[r.idx];
    let app_user = user_sub.and_then(|s| v.user(s)).map(|u| Value::from(u.id.clone())).unwrap_or(Value::Null);
    let agent = ctx.agent_id.clone().map(Value::from).unwrap_or(Value::Null);
    match g.status {
        GrantStatus::Revoked => return Err(ApiError::detail(403, "grant_revoked", "The grant has been revoked").with("grant_id", r.reported_id.clone())),
        GrantStatus::Deleted => return Err(ApiError::detail(410, "grant_deleted", "The grant has been deleted").with("grant_id", r.reported_id.clone())),
        GrantStatus::Expired => {
            return Err(ApiError::detail(403, "grant_expired", "The grant has expired; the user must reconnect")
                .with("provider_id", g.provider.clone())
                .with("agent_id", agent)
                .with("app_user_id", app_user))
        }
        GrantStatus::RefreshInProgress => {
            return Err(ApiError::detail(409, "token_refresh_in_progress", "Another request is refreshing this grant's token; retry shortly")
                .with("grant_id", r.reported_id.clone()))
        }
        GrantStatus::Active => {}
    }
    if g.scope_mismatch == Mismatch::Flagged {
        let mut details = Map::new();
        details.insert("grant_id".into(), Value::from(r.reported_id.clone()));
        details.insert("provider_id".into(), Value::from(g.provider.clone()));
        return Err(ApiError::detail(403, "scope_mismatch", "The grant's scopes no longer match the provider configuration; the user must re-authorize")
            .with("details", Value::Object(details)));
    }
    if ep == Endpoint::Token {
        if g.proxy_only {
            return Err(ApiError::detail(403, "restricted_grant_requires_proxy", "This grant is restricted; use proxy_request"));
        }
        if r.delegation.as_ref().is_some_and(|d| d.proxy_only) {
            return Err(ApiError::detail(400, "delegated_grant_requires_proxy", "This delegated grant is proxy-only; use proxy_request"));
        }
    }
    let mut approval = None;
    for p in &v.cfg.policies {
        if !policy_matches(p, g, &r.reported_id, method, url, ep) {
            continue;
        }
        match p.effect.as_str() {
            "deny" => {
                let code = p.error.clone().unwrap_or_else(|| "policy_violation".into());
                return Err(ApiError::detail(403, &code, p.message.clone().unwrap_or_else(|| format!("Denied by policy {}", p.name)))
                    .with("policy", p.name.clone()));
            }
            _ => {
                if approval.is_none() {
                    approval = Some(p.name.clone());
                }
            }
        }
    }
    if let (Some(name), Endpoint::Token) = (&approval, ep) {
        return Err(ApiError::detail(400, "hitl_grant_requires_proxy", format!("Policy {name} requires human approval; use proxy_request"))
            .with("policy", name.clone()));
    }
    Ok(approval)
}

/// Refreshes an expired provider token in place (the vault's server-side refresh).
pub fn refresh_if_needed(g: &mut Grant, now: u64) {
    if let (Some(exp), Some(ttl)) = (g.token_expires_at, g.token_ttl) {
        if exp <= now {
            g.token_expires_at = Some(now + ttl);
        }
    }
}

/// The §3.4 success payload (fields without a value are omitted, never null).
pub fn token_payload(g: &Grant, reported_id: &str, now: u64) -> Value {
    let mut m = Map::new();
    m.insert("access_token".into(), Value::from(g.access_token.clone()));
    m.insert("token_type".into(), Value::from("Bearer"));
    if let Some(exp) = g.token_expires_at {
        m.insert("expires_in".into(), Value::from(exp.saturating_sub(now)));
        m.insert("expires_at".into(), Value::from(rfc3339(exp)));
    }
    m.insert("scopes".into(), Value::from(g.scopes.clone()));
    m.insert("grant_id".into(), Value::from(reported_id));
    m.insert("provider_id".into(), Value::from(g.provider.clone()));
    m.insert("token_generation".into(), Value::from(g.token_generation.clone()));
    m.insert("scope_mismatch".into(), Value::from(g.scope_mismatch == Mismatch::Advisory));
    m.insert("injection_header".into(), Value::from(g.injection_header.clone()));
    m.insert("injection_format".into(), Value::from(g.injection_format.clone()));
    if !g.additional_injections.is_empty() {
        m.insert("additional_injections".into(), Value::from(g.additional_injections.clone()));
    }
    if let Some(c) = &g.additional_credentials {
        let mut cm = Map::new();
        for (k, val) in c {
            cm.insert(k.clone(), Value::from(val.clone()));
        }
        m.insert("additional_credentials".into(), Value::Object(cm));
    }
    Value::Object(m)
}
