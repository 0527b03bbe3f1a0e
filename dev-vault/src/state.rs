//! The mutable world of the vault (grants, agents, keys, approvals, audit, faults, nonces…), built
//! from the config at start and on `POST /admin/reset`.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use crate::config::{injections_json, parse_principal, Config, ManagedSecretCfg, PrincipalRef};
use crate::util::{new_uuid, random_hex, stable_uuid};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    System,
    User(String),
    /// Agent id.
    Agent(String),
    Group { external_group_id: String, idp_id: String },
}

impl Principal {
    pub fn kind(&self) -> &'static str {
        match self {
            Principal::System => "system",
            Principal::User(_) => "user",
            Principal::Agent(_) => "agent",
            Principal::Group { .. } => "group",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantStatus {
    Active,
    Revoked,
    Expired,
    Deleted,
    RefreshInProgress,
}

impl GrantStatus {
    pub fn parse(s: &str) -> GrantStatus {
        match s {
            "revoked" => GrantStatus::Revoked,
            "expired" => GrantStatus::Expired,
            "deleted" => GrantStatus::Deleted,
            "refresh_in_progress" => GrantStatus::RefreshInProgress,
            _ => GrantStatus::Active,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            GrantStatus::Active | GrantStatus::RefreshInProgress => "active",
            GrantStatus::Revoked => "revoked",
            GrantStatus::Expired => "expired",
            GrantStatus::Deleted => "deleted",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    None,
    Flagged,
    Advisory,
}

#[derive(Debug, Clone)]
pub struct ManagedSecretRef {
    pub id: String,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Delegation {
    pub id: String,
    pub agent_id: String,
    pub delegable: bool,
    pub proxy_only: bool,
    /// The grant (root or delegation id) this one was delegated from.
    pub parent_id: String,
    pub depth: u32,
    pub scope_constraint: Option<Vec<String>>,
    pub expires_at: Option<u64>,
    pub revoked: bool,
    pub created_at: u64,
}

#[derive(Clone)]
pub struct Grant {
    pub id: String,
    pub app: String,
    pub managed_secret: Option<ManagedSecretRef>,
    pub provider: String,
    pub principal: Principal,
    pub account: Option<String>,
    pub account_display_name: Option<String>,
    pub label: Option<String>,
    pub scopes: Vec<String>,
    pub access_token: String,
    pub token_expires_at: Option<u64>,
    /// Lifetime of one provider token; the vault "refreshes" it when it runs out.
    pub token_ttl: Option<u64>,
    pub status: GrantStatus,
    pub scope_mismatch: Mismatch,
    pub injection_header: String,
    pub injection_format: String,
    pub additional_injections: Vec<Value>,
    pub additional_credentials: Option<BTreeMap<String, String>>,
    pub proxy_only: bool,
    pub token_generation: String,
    pub created_at: u64,
    pub revoked_at: Option<u64>,
    pub last_used_at: Option<u64>,
    pub grant_policy: Option<Value>,
    pub credential_id: Option<String>,
    pub delegations: Vec<Delegation>,
}

/// What a new managed-secret grant is made of (both the direct grant creation and the completion
/// of a managed-secret connect session make one).
pub struct NewManagedSecretGrant<'a> {
    pub ms: &'a ManagedSecretCfg,
    pub app: &'a str,
    pub principal: Principal,
    pub label: Option<String>,
    pub grant_policy: Option<Value>,
    /// Seeds the generated secret (a principal label; ':' is not allowed in it).
    pub who: &'a str,
    pub credential_id: Option<String>,
    pub now: u64,
}

impl Grant {
    /// A new active grant on a managed secret: a fresh id and secret, the secret's injection rules.
    pub fn new_managed_secret(n: NewManagedSecretGrant) -> Grant {
        let ms = n.ms;
        let id = new_uuid();
        Grant {
            id: id.clone(),
            app: n.app.to_string(),
            managed_secret: Some(ManagedSecretRef { id: ms.id.clone(), slug: ms.slug.clone(), name: ms.name.clone() }),
            provider: ms.slug.clone(),
            principal: n.principal,
            account: None,
            account_display_name: None,
            label: n.label,
            scopes: vec![],
            access_token: State::generate_token(&ms.slug, n.who),
            token_expires_at: None,
            token_ttl: None,
            status: GrantStatus::Active,
            scope_mismatch: Mismatch::None,
            injection_header: ms.injection_header.clone(),
            injection_format: ms.injection_format.clone(),
            additional_injections: injections_json(&ms.additional_injections),
            additional_credentials: ms.additional_credentials.clone(),
            proxy_only: false,
            token_generation: stable_uuid(&format!("generation|{id}")),
            created_at: n.now,
            revoked_at: None,
            last_used_at: None,
            grant_policy: n.grant_policy,
            credential_id: n.credential_id,
            delegations: vec![],
        }
    }
}

// The credential never appears in Debug output.
impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grant")
            .field("id", &self.id)
            .field("provider", &self.provider)
            .field("principal", &self.principal)
            .field("status", &self.status)
            .field("access_token", &"[REDACTED]")
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct Agent {
    pub id: String,
    pub name: String,
    pub app: String,
    pub display_name: Option<String>,
    pub kind: String,
    pub status: String,
    pub scopes: Value,
    pub policy: Value,
    pub metadata: Value,
    pub version: u64,
    pub created_at: u64,
    pub last_used_at: Option<u64>,
    pub key_counter: u32,
    /// A narrowing `update(scopes, grace_seconds)` waits here until `scopes_applies_at`.
    pub scopes_pending: Option<Value>,
    pub scopes_applies_at: Option<u64>,
}

impl Agent {
    /// Applies staged scopes whose time has come.
    pub fn promote_scopes(&mut self, now: u64) {
        if self.scopes_applies_at.is_some_and(|t| t <= now) {
            if let Some(p) = self.scopes_pending.take() {
                self.scopes = p;
            }
            self.scopes_applies_at = None;
        }
    }
}

#[derive(Clone, Default)]
pub struct Key {
    pub id: String,
    pub name: String,
    pub key: String,
    pub app: String,
    pub agent_id: Option<String>,
    pub scopes: Vec<String>,
    pub status: String,
    pub created_at: u64,
    pub deprecated_at: Option<u64>,
    pub revoked_at: Option<u64>,
    pub last_used_at: Option<u64>,
    /// Keys minted by `POST /sdk/keys/derive` expire (401 `key_expired` afterwards).
    pub expires_at: Option<u64>,
    /// The key this one was derived from (`dk`) or rotated from (successor).
    pub parent_key_id: Option<String>,
    pub cidr_allowlist: Option<Vec<String>>,
    /// A rotated key keeps working until then (401 `key_rotated_grace_expired` afterwards).
    pub grace_until: Option<u64>,
    pub metadata: Option<Value>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key").field("id", &self.id).field("name", &self.name).field("status", &self.status).finish()
    }
}

impl Key {
    pub fn prefix(&self) -> String {
        self.key.chars().take(14).collect()
    }
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == "*" || s == scope)
    }
    /// `rk` / `ak` / `dk` / `pk` from the scoped syntax; a legacy key reports `ak` for an agent's
    /// key and `rk` otherwise.
    pub fn key_type(&self) -> &'static str {
        match alter_protocol::keys::validate_api_key(&self.key) {
            Ok(alter_protocol::keys::KeyKind::Scoped(t)) => t.as_str(),
            _ if self.agent_id.is_some() => "ak",
            _ => "rk",
        }
    }
}

/// What the vault needs to run an upstream call later (approvals) or now (proxy).
#[derive(Debug, Clone)]
pub struct ProxyCall {
    pub grant_id: String,
    /// The grant id reported to the caller (a delegation id for agents).
    pub reported_grant_id: String,
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
    pub query_params: Vec<(String, String)>,
    pub reason: Option<String>,
    pub context: Option<Vec<(String, String)>>,
    pub principal_label: String,
    pub caller: Option<String>,
    pub actor_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Approval {
    pub id: String,
    pub group_id: String,
    pub app: String,
    pub status: String,
    pub created_at: u64,
    pub expires_at: u64,
    pub decided_at: Option<u64>,
    pub decision_reason: Option<String>,
    pub executed_at: Option<u64>,
    pub execution_error: Option<String>,
    pub result: Option<Value>,
    pub call: ProxyCall,
    pub policy: String,
}

#[derive(Debug, Clone)]
pub struct ConnectSession {
    pub token: String,
    pub app: String,
    pub user: Option<String>,
    pub providers: Option<Vec<String>>,
    pub agent_id: Option<String>,
    pub delegable: bool,
    pub created_at: u64,
    pub expires_at: u64,
    /// pending | completed | denied
    pub status: String,
    pub result: Vec<Value>,
    pub polled: bool,
    /// Set for a managed-secret connect session (api-surface §2.4.5).
    pub managed_secret: Option<ManagedSecretRef>,
    pub requested_label: Option<String>,
    pub grant_policy: Option<Value>,
    /// The grant a `repair` / `fast_path` session completes on.
    pub existing_grant_id: Option<String>,
    /// `requested_grant.restrictions` was given: the grant is proxy-only.
    pub restricted: bool,
    /// For the delegation a session with an agent creates.
    pub scope_constraint: Option<Vec<String>>,
    /// `declined_providers` reported by pending polls (admin `decline`).
    pub declined: Vec<Value>,
    /// `failed_grants` of the completed poll (admin `complete` with `failed_grants`).
    pub failed: Vec<Value>,
    /// The `error` object of a denied session's poll.
    pub error: Option<Value>,
}

/// An end-user sign-in session (api-surface §2.5), completed or denied through the admin API.
#[derive(Debug, Clone)]
pub struct AuthSession {
    pub token: String,
    pub app: String,
    pub expires_at: u64,
    /// pending | completed | denied
    pub status: String,
    pub sub: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Fault {
    pub endpoint: String,
    pub remaining: u64,
    pub fault: Value,
    pub id: String,
}

impl Fault {
    pub fn matches(&self, path: &str) -> bool {
        match self.endpoint.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == self.endpoint,
        }
    }
}

pub struct State {
    pub grants: Vec<Grant>,
    pub agents: Vec<Agent>,
    pub keys: Vec<Key>,
    pub approvals: Vec<Approval>,
    pub audit: Vec<Value>,
    pub mock_calls: Vec<Value>,
    pub faults: Vec<Fault>,
    /// nonce → timestamp of the request that used it.
    pub nonces: HashMap<String, u64>,
    pub nonce_prune_at: u64,
    pub connect_sessions: Vec<ConnectSession>,
    pub auth_sessions: Vec<AuthSession>,
    /// Spans received by `POST /sdk/spans` (telemetry, not audit), keyed by (trace_id, span_id).
    pub spans: Vec<Value>,
    /// Idempotency-Key → (body hash, agent id, key id).
    pub idempotency: HashMap<String, (String, String, String)>,
    pub scope_reports: Vec<Value>,
    /// key id → (minute window start, requests in it), for the X-RateLimit-* headers.
    pub rate: HashMap<String, (u64, u64)>,
}

fn token_for(provider: &str, who: &str) -> String {
    let r = random_hex(12);
    match provider {
        "google" => format!("ya29.dev-{who}-{r}"),
        "github" => format!("gho_dev_{who}_{r}"),
        _ => format!("dev-{provider}-{who}-{r}"),
    }
}

impl State {
    pub fn from_config(cfg: &Config, now: u64) -> State {
        let agent_id = |name: &str| cfg.agents.iter().find(|a| a.name == name).map(|a| a.id.clone()).unwrap_or_default();
        let agents = cfg
            .agents
            .iter()
            .map(|a| Agent {
                id: a.id.clone(),
                name: a.name.clone(),
                app: a.app.clone(),
                display_name: a.display_name.clone(),
                kind: a.kind.clone(),
                status: a.status.clone(),
                scopes: a.scopes.clone().unwrap_or_else(|| Value::Object(Map::new())),
                policy: a.policy.clone().unwrap_or_else(|| Value::Object(Map::new())),
                metadata: a.metadata.clone().unwrap_or_else(|| Value::Object(Map::new())),
                version: 1,
                created_at: now,
                last_used_at: None,
                key_counter: cfg.keys.iter().filter(|k| k.agent.as_deref() == Some(&a.name)).count() as u32,
                scopes_pending: None,
                scopes_applies_at: None,
            })
            .collect();
        let keys = cfg
            .keys
            .iter()
            .map(|k| Key {
                id: k.id.clone(),
                name: k.name.clone(),
                key: k.key.clone(),
                app: k.app.clone(),
                agent_id: k.agent.as_deref().map(agent_id),
                scopes: k.scopes.clone(),
                status: k.status.clone(),
                created_at: now,
                deprecated_at: (k.status == "deprecated").then_some(now),
                revoked_at: (k.status == "revoked").then_some(now),
                last_used_at: None,
                ..Key::default()
            })
            .collect();
        let grants = cfg
            .grants
            .iter()
            .map(|g| {
                let ms = cfg.managed_secrets.iter().find(|m| g.kind == "managed_secret" && m.slug == g.provider);
                let principal = match parse_principal(&g.principal) {
                    Some(PrincipalRef::User(s)) => Principal::User(s.to_string()),
                    Some(PrincipalRef::Agent(n)) => Principal::Agent(agent_id(n)),
                    _ => Principal::System,
                };
                let who = match &principal {
                    Principal::User(s) => s.clone(),
                    Principal::Agent(_) => g.principal.trim_start_matches("agent:").to_string(),
                    _ => "system".to_string(),
                };
                let (header, format, extra, creds) = match ms {
                    Some(m) => (
                        m.injection_header.clone(),
                        m.injection_format.clone(),
                        injections_json(&m.additional_injections),
                        m.additional_credentials.clone(),
                    ),
                    None => ("Authorization".to_string(), "Bearer {token}".to_string(), vec![], None),
                };
                Grant {
                    id: g.id.clone(),
                    app: g.app.clone().unwrap_or_else(|| cfg.first_app().to_string()),
                    managed_secret: ms.map(|m| ManagedSecretRef { id: m.id.clone(), slug: m.slug.clone(), name: m.name.clone() }),
                    provider: g.provider.clone(),
                    principal,
                    account: g.account.clone(),
                    account_display_name: g.account_display_name.clone(),
                    label: g.label.clone(),
                    scopes: g.scopes.clone(),
                    access_token: g.access_token.clone().unwrap_or_else(|| token_for(&g.provider, &who)),
                    token_expires_at: g.token_ttl_secs.filter(|t| *t > 0).map(|t| now + t),
                    token_ttl: g.token_ttl_secs.filter(|t| *t > 0),
                    status: GrantStatus::parse(&g.status),
                    scope_mismatch: match g.scope_mismatch.as_str() {
                        "flagged" => Mismatch::Flagged,
                        "advisory" => Mismatch::Advisory,
                        _ => Mismatch::None,
                    },
                    injection_header: g.injection_header.clone().unwrap_or(header),
                    injection_format: g.injection_format.clone().unwrap_or(format),
                    additional_injections: g.additional_injections.as_deref().map(injections_json).unwrap_or(extra),
                    additional_credentials: g.additional_credentials.clone().or(creds),
                    proxy_only: g.proxy_only,
                    token_generation: stable_uuid(&format!("generation|{}", g.id)),
                    created_at: now,
                    revoked_at: (g.status == "revoked").then_some(now),
                    last_used_at: None,
                    grant_policy: None,
                    credential_id: None,
                    delegations: g
                        .delegations
                        .iter()
                        .map(|d| Delegation {
                            id: d.id.clone(),
                            agent_id: agent_id(&d.agent),
                            delegable: d.delegable,
                            proxy_only: d.proxy_only,
                            parent_id: g.id.clone(),
                            depth: 1,
                            scope_constraint: None,
                            expires_at: None,
                            revoked: false,
                            created_at: now,
                        })
                        .collect(),
                }
            })
            .collect();
        State {
            grants,
            agents,
            keys,
            approvals: vec![],
            audit: vec![],
            mock_calls: vec![],
            faults: vec![],
            nonces: HashMap::new(),
            nonce_prune_at: now,
            connect_sessions: vec![],
            auth_sessions: vec![],
            spans: vec![],
            idempotency: HashMap::new(),
            scope_reports: vec![],
            rate: HashMap::new(),
        }
    }

    pub fn agent(&self, id: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.id == id)
    }

    pub fn agent_name(&self, id: &str) -> String {
        self.agent(id).map(|a| a.name.clone()).unwrap_or_else(|| id.to_string())
    }

    /// Records a nonce; true if it was already seen (replay). A nonce whose timestamp has left the
    /// window can be forgotten: the verifier refuses that timestamp as stale before it looks at
    /// the nonce. Pruning runs at most every tenth of a window.
    pub fn nonce_seen(&mut self, nonce: &str, ts: u64, now: u64, window: u64) -> bool {
        if now >= self.nonce_prune_at + (window / 10).max(1) {
            self.nonces.retain(|_, t| t.saturating_add(window) >= now);
            self.nonce_prune_at = now;
        }
        if self.nonces.contains_key(nonce) {
            return true;
        }
        self.nonces.insert(nonce.to_string(), ts);
        false
    }

    /// Counts one request of `key_id` in the current one-minute window; returns (remaining,
    /// reset) for the advisory `X-RateLimit-*` headers (§7.6). Nothing is enforced.
    pub fn count_request(&mut self, key_id: &str, now: u64, limit: u64) -> (u64, u64) {
        let start = now - now % 60;
        let e = self.rate.entry(key_id.to_string()).or_insert((start, 0));
        if e.0 != start {
            *e = (start, 0);
        }
        e.1 += 1;
        (limit.saturating_sub(e.1), start + 60)
    }

    pub fn new_grant_id(&self) -> String {
        new_uuid()
    }

    /// Who a grant belongs to, as the mock providers report it.
    pub fn principal_label(&self, p: &Principal) -> String {
        match p {
            Principal::System => "system".into(),
            Principal::User(s) => s.clone(),
            Principal::Agent(id) => format!("agent:{}", self.agent_name(id)),
            Principal::Group { external_group_id, .. } => format!("group:{external_group_id}"),
        }
    }

    pub fn generate_token(provider: &str, who: &str) -> String {
        token_for(provider, who)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_refused_when_replayed_and_pruned_once_stale() {
        let cfg = Config::parse("[server]\nadmin_token = \"t\"\n[[apps]]\nname = \"a\"\nid = \"a0000000-0000-4000-8000-000000000001\"\n").expect("cfg");
        let mut st = State::from_config(&cfg, 1_000);
        assert!(!st.nonce_seen("n1", 1_000, 1_000, 300));
        assert!(st.nonce_seen("n1", 1_000, 1_100, 300));
        assert!(!st.nonce_seen("n2", 1_100, 1_100, 300));
        // Far later: the old entries are gone (their timestamps are outside any window anyway).
        assert!(!st.nonce_seen("n3", 2_000, 2_000, 300));
        assert!(!st.nonces.contains_key("n1"));
        assert!(st.nonces.contains_key("n3"));
    }
}
