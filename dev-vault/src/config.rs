//! The TOML configuration: parsing, validation with clear messages, and expansion of the generated
//! users into plain users and grants. See dev-vault/README.md for the meaning of every field.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use alter_protocol::keys::validate_api_key;
use alter_protocol::token::FORBIDDEN_INJECTION_HEADERS;
use alter_protocol::grammar::is_canonical_uuid;
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn err<T>(msg: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError(msg.into()))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerCfg,
    pub idp: Option<IdpCfg>,
    #[serde(default)]
    pub users: Vec<UserCfg>,
    pub generated_users: Option<GeneratedUsersCfg>,
    pub apps: Vec<AppCfg>,
    #[serde(default)]
    pub keys: Vec<KeyCfg>,
    #[serde(default)]
    pub agents: Vec<AgentCfg>,
    #[serde(default)]
    pub providers: Vec<ProviderCfg>,
    #[serde(default)]
    pub managed_secrets: Vec<ManagedSecretCfg>,
    #[serde(default)]
    pub grants: Vec<GrantCfg>,
    #[serde(default)]
    pub policies: Vec<PolicyCfg>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerCfg {
    pub admin_token: String,
    #[serde(default = "default_window")]
    pub signature_window_secs: u64,
    #[serde(default = "default_approval_ttl")]
    pub approval_ttl_secs: u64,
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    /// Base URL used in approval/connect URLs; default: the listening URL.
    pub public_url: Option<String>,
    /// Connections served at once; a further one waits until a slot frees.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Bound on reading a request's headers, and separately its body.
    #[serde(default = "default_read_timeout")]
    pub read_timeout_secs: u64,
    /// `Host` header names accepted besides the loopback names and the bind host (`"*"`: any).
    #[serde(default)]
    pub allowed_host_headers: Vec<String>,
}

fn default_window() -> u64 {
    300
}
fn default_approval_ttl() -> u64 {
    600
}
fn default_max_body() -> usize {
    1024 * 1024
}
fn default_max_connections() -> usize {
    4096
}
fn default_read_timeout() -> u64 {
    30
}

/// An OAuth (or other config-named) provider's settings; managed secrets carry theirs on
/// `[[managed_secrets]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderCfg {
    pub id: String,
    /// Hosts its credential may be sent to (`dest::HostPattern`); the vault's own mock of the
    /// provider is always allowed.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpCfg {
    pub issuer: String,
    pub audience: Option<String>,
    #[serde(default = "default_kid")]
    pub kid: String,
    /// 32-byte Ed25519 seed, hex.
    pub signing_seed: String,
    #[serde(default = "default_idp_ttl")]
    pub default_ttl_secs: u64,
    /// Other issuers whose JWTs are accepted, with inline JWKS (OKP/Ed25519 or oct/HS256 keys).
    #[serde(default)]
    pub trusted: Vec<TrustedIdpCfg>,
}

fn default_kid() -> String {
    "dev-idp-1".into()
}
fn default_idp_ttl() -> u64 {
    3600
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustedIdpCfg {
    pub issuer: String,
    pub audience: Option<String>,
    /// A JWKS document as a JSON string.
    pub jwks: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserCfg {
    pub sub: String,
    pub id: String,
    pub email: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratedUsersCfg {
    #[serde(default = "default_prefix")]
    pub prefix: String,
    pub count: u32,
    /// Every n-th generated user also gets a github grant (0 = none).
    #[serde(default)]
    pub github_every: u32,
    /// The app the generated grants belong to (default: the first app).
    pub app: Option<String>,
}

fn default_prefix() -> String {
    "user-".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppCfg {
    pub name: String,
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyCfg {
    pub name: String,
    pub id: String,
    pub key: String,
    pub app: String,
    pub agent: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default = "default_active")]
    pub status: String,
}

fn default_active() -> String {
    "active".into()
}

pub const KEY_STATUSES: &[&str] = &["active", "revoked", "expired", "deprecated", "inactive", "rotated"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentCfg {
    pub name: String,
    pub id: String,
    pub app: String,
    pub display_name: Option<String>,
    #[serde(rename = "type", default = "default_agent_type")]
    pub kind: String,
    #[serde(default = "default_active")]
    pub status: String,
    #[serde(default)]
    pub scopes: Option<Value>,
    #[serde(default)]
    pub policy: Option<Value>,
    #[serde(default)]
    pub metadata: Option<Value>,
}

fn default_agent_type() -> String {
    "agent".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InjectionCfg {
    pub target: String,
    pub key: String,
    pub value_source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedSecretCfg {
    pub slug: String,
    pub id: String,
    pub name: String,
    #[serde(default = "default_injection_header")]
    pub injection_header: String,
    #[serde(default = "default_injection_format")]
    pub injection_format: String,
    #[serde(default)]
    pub additional_injections: Vec<InjectionCfg>,
    pub additional_credentials: Option<BTreeMap<String, String>>,
    /// The provider's credentials, for `credential_id` on managed-secret grants (api-surface
    /// §2.3.4). Empty: one implicit developer credential.
    #[serde(default)]
    pub credentials: Vec<CredentialCfg>,
    /// Hosts its credential may be sent to, as on `[[providers]]`.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialCfg {
    pub id: String,
    pub label: String,
    /// `developer` (assignable to grants) or `end_user` (a user's own key, never assigned).
    #[serde(default = "default_credential_kind")]
    pub kind: String,
}

fn default_credential_kind() -> String {
    "developer".into()
}

fn default_injection_header() -> String {
    "Authorization".into()
}
fn default_injection_format() -> String {
    "Bearer {token}".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelegationCfg {
    pub agent: String,
    pub id: String,
    #[serde(default)]
    pub delegable: bool,
    #[serde(default)]
    pub proxy_only: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantCfg {
    pub id: String,
    pub app: Option<String>,
    #[serde(default = "default_kind")]
    pub kind: String,
    pub provider: String,
    #[serde(default = "default_principal")]
    pub principal: String,
    pub account: Option<String>,
    pub account_display_name: Option<String>,
    pub label: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    pub access_token: Option<String>,
    pub token_ttl_secs: Option<u64>,
    #[serde(default = "default_active")]
    pub status: String,
    #[serde(default = "default_mismatch")]
    pub scope_mismatch: String,
    pub injection_header: Option<String>,
    pub injection_format: Option<String>,
    pub additional_injections: Option<Vec<InjectionCfg>>,
    pub additional_credentials: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub proxy_only: bool,
    #[serde(default)]
    pub delegations: Vec<DelegationCfg>,
}

fn default_kind() -> String {
    "oauth".into()
}
fn default_principal() -> String {
    "system".into()
}
fn default_mismatch() -> String {
    "none".into()
}

pub const GRANT_STATUSES: &[&str] = &["active", "revoked", "expired", "deleted", "refresh_in_progress"];
pub const MISMATCH_MODES: &[&str] = &["none", "flagged", "advisory"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyCfg {
    pub name: String,
    pub effect: String,
    #[serde(default)]
    pub grants: Vec<String>,
    #[serde(default)]
    pub providers: Vec<String>,
    #[serde(default)]
    pub methods: Vec<String>,
    pub url_contains: Option<String>,
    #[serde(default = "default_applies")]
    pub applies_to: Vec<String>,
    pub message: Option<String>,
    pub error: Option<String>,
}

fn default_applies() -> Vec<String> {
    vec!["token".into(), "proxy".into()]
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read config {}: {e}", path.display())))?;
        Config::parse(&text).map_err(|e| ConfigError(format!("config {}: {}", path.display(), e.0)))
    }

    /// Parses and validates a config; generated users are expanded into `users` and `grants`.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
        cfg.expand_generated()?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn expand_generated(&mut self) -> Result<(), ConfigError> {
        let Some(g) = self.generated_users.clone() else { return Ok(()) };
        if g.count > 999 {
            return err("generated_users.count must be at most 999");
        }
        for n in 1..=g.count {
            let sub = format!("{}{:03}", g.prefix, n);
            self.users.push(UserCfg {
                sub: sub.clone(),
                id: format!("1e000000-0000-4000-8000-100000000{n:03}"),
                email: Some(format!("{sub}@example.com")),
                name: Some(format!("Generated user {n:03}")),
            });
            let mut google = GrantCfg::simple(
                format!("6a000000-0000-4000-8000-100000000{n:03}"),
                "google",
                &format!("user:{sub}"),
            );
            google.app = g.app.clone();
            google.account = Some(format!("{sub}@example.com"));
            google.scopes = vec!["https://www.googleapis.com/auth/calendar.readonly".into()];
            google.token_ttl_secs = Some(3600);
            self.grants.push(google);
            if g.github_every > 0 && n % g.github_every == 0 {
                let mut gh = GrantCfg::simple(
                    format!("6b000000-0000-4000-8000-100000000{n:03}"),
                    "github",
                    &format!("user:{sub}"),
                );
                gh.app = g.app.clone();
                gh.account = Some(format!("{sub}-gh"));
                gh.scopes = vec!["repo".into()];
                gh.token_ttl_secs = Some(28800);
                self.grants.push(gh);
            }
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.server.admin_token.trim().is_empty() {
            return err("server.admin_token must not be empty");
        }
        if self.server.signature_window_secs == 0 {
            return err("server.signature_window_secs must be > 0");
        }
        if self.server.max_body_bytes < 1024 {
            return err("server.max_body_bytes must be at least 1024");
        }
        if self.server.max_connections == 0 || self.server.max_connections > 1_000_000 {
            return err("server.max_connections must be 1..=1000000");
        }
        if self.server.read_timeout_secs == 0 || self.server.read_timeout_secs > 3600 {
            return err("server.read_timeout_secs must be 1..=3600");
        }
        for h in &self.server.allowed_host_headers {
            if h != "*" {
                crate::dest::normalize_host(h).map_err(|e| ConfigError(format!("server.allowed_host_headers {h:?}: {e}")))?;
            }
        }
        if let Some(idp) = &self.idp {
            if idp.issuer.is_empty() {
                return err("idp.issuer must not be empty");
            }
            if decode_hex32(&idp.signing_seed).is_none() {
                return err("idp.signing_seed must be 64 hex characters (a 32-byte Ed25519 seed)");
            }
            for (i, t) in idp.trusted.iter().enumerate() {
                if !serde_json::from_str::<Value>(&t.jwks).ok().is_some_and(|v| v.get("keys").is_some_and(Value::is_array)) {
                    return err(format!("idp.trusted[{i}].jwks must be a JSON object with a keys array"));
                }
            }
        }
        if self.apps.is_empty() {
            return err("at least one [[apps]] entry is required");
        }
        let mut ids = HashSet::new();
        let mut check_id = |what: &str, id: &str| -> Result<(), ConfigError> {
            if !is_canonical_uuid(id) {
                return err(format!("{what}: id {id:?} is not a canonical lowercase UUID"));
            }
            if !ids.insert(id.to_string()) {
                return err(format!("{what}: id {id} is used twice"));
            }
            Ok(())
        };
        let mut app_names = HashSet::new();
        for a in &self.apps {
            check_id(&format!("apps {:?}", a.name), &a.id)?;
            if !app_names.insert(a.name.clone()) {
                return err(format!("apps: name {:?} is used twice", a.name));
            }
        }
        let mut subs = HashSet::new();
        for u in &self.users {
            check_id(&format!("users {:?}", u.sub), &u.id)?;
            if u.sub.is_empty() || !subs.insert(u.sub.clone()) {
                return err(format!("users: sub {:?} is empty or used twice", u.sub));
            }
        }
        let mut agent_names = HashSet::new();
        for a in &self.agents {
            check_id(&format!("agents {:?}", a.name), &a.id)?;
            if !app_names.contains(&a.app) {
                return err(format!("agents {:?}: unknown app {:?}", a.name, a.app));
            }
            if !agent_names.insert(a.name.clone()) {
                return err(format!("agents: name {:?} is used twice", a.name));
            }
            if !["agent", "service"].contains(&a.kind.as_str()) {
                return err(format!("agents {:?}: type must be agent or service", a.name));
            }
            if !["active", "inactive", "revoked"].contains(&a.status.as_str()) {
                return err(format!("agents {:?}: status must be active, inactive or revoked", a.name));
            }
            for (field, v) in [("scopes", &a.scopes), ("policy", &a.policy), ("metadata", &a.metadata)] {
                if let Some(v) = v {
                    if !v.is_object() {
                        return err(format!("agents {:?}: {field} must be a table", a.name));
                    }
                }
            }
        }
        let mut key_strings = HashSet::new();
        for k in &self.keys {
            check_id(&format!("keys {:?}", k.name), &k.id)?;
            if validate_api_key(&k.key).is_err() {
                return err(format!(
                    "keys {:?}: not a valid API key (alter_key_<40 chars> or alter_<rk|ak|dk|pk>_<22>_<checksum>)",
                    k.name
                ));
            }
            if !key_strings.insert(k.key.clone()) {
                return err(format!("keys {:?}: the same key string is registered twice", k.name));
            }
            if !app_names.contains(&k.app) {
                return err(format!("keys {:?}: unknown app {:?}", k.name, k.app));
            }
            if let Some(agent) = &k.agent {
                match self.agents.iter().find(|a| &a.name == agent) {
                    None => return err(format!("keys {:?}: unknown agent {agent:?}", k.name)),
                    Some(a) if a.app != k.app => {
                        return err(format!("keys {:?}: agent {agent:?} belongs to another app", k.name))
                    }
                    _ => {}
                }
            }
            if !KEY_STATUSES.contains(&k.status.as_str()) {
                return err(format!("keys {:?}: status must be one of {KEY_STATUSES:?}", k.name));
            }
        }
        let mut slugs = HashSet::new();
        for m in &self.managed_secrets {
            check_id(&format!("managed_secrets {:?}", m.slug), &m.id)?;
            if !slugs.insert(m.slug.clone()) {
                return err(format!("managed_secrets: slug {:?} is used twice", m.slug));
            }
            check_injection(&format!("managed_secrets {:?}", m.slug), &m.injection_header, &m.injection_format, &m.additional_injections)?;
            check_allowed_hosts(&format!("managed_secrets {:?}", m.slug), &m.allowed_hosts)?;
            for c in &m.credentials {
                check_id(&format!("managed_secrets {:?} credential {:?}", m.slug, c.label), &c.id)?;
                if c.kind != "developer" && c.kind != "end_user" {
                    return err(format!("managed_secrets {:?}: credential kind must be developer or end_user, not {:?}", m.slug, c.kind));
                }
            }
        }
        let mut provider_ids = HashSet::new();
        for p in &self.providers {
            let what = format!("providers {:?}", p.id);
            if p.id.trim().is_empty() || p.id.trim() != p.id || p.id.contains('/') {
                return err(format!("{what}: id must be a non-empty name without spaces or /"));
            }
            if !provider_ids.insert(p.id.clone()) {
                return err(format!("{what}: declared twice"));
            }
            if slugs.contains(&p.id) {
                return err(format!("{what}: is a managed secret; put allowed_hosts on its [[managed_secrets]] entry"));
            }
            check_allowed_hosts(&what, &p.allowed_hosts)?;
        }
        for g in &self.grants {
            let what = format!("grants {}", g.id);
            check_id(&what, &g.id)?;
            let app = g.app.clone().unwrap_or_else(|| self.apps[0].name.clone());
            if !app_names.contains(&app) {
                return err(format!("{what}: unknown app {app:?}"));
            }
            match g.kind.as_str() {
                "oauth" => {}
                "managed_secret" => {
                    if !slugs.contains(&g.provider) {
                        return err(format!("{what}: managed secret {:?} is not declared in [[managed_secrets]]", g.provider));
                    }
                }
                other => return err(format!("{what}: kind {other:?} must be oauth or managed_secret")),
            }
            if g.provider.trim().is_empty() || g.provider.trim() != g.provider {
                return err(format!("{what}: provider must be a non-empty string without surrounding spaces"));
            }
            match parse_principal(&g.principal) {
                Some(PrincipalRef::System) => {}
                Some(PrincipalRef::User(sub)) => {
                    if !subs.contains(sub) {
                        return err(format!("{what}: principal user {sub:?} is not in [[users]]"));
                    }
                }
                Some(PrincipalRef::Agent(name)) => {
                    if !agent_names.contains(name) {
                        return err(format!("{what}: principal agent {name:?} is not in [[agents]]"));
                    }
                }
                None => return err(format!("{what}: principal must be \"system\", \"user:<sub>\" or \"agent:<name>\"")),
            }
            if !GRANT_STATUSES.contains(&g.status.as_str()) {
                return err(format!("{what}: status must be one of {GRANT_STATUSES:?}"));
            }
            if !MISMATCH_MODES.contains(&g.scope_mismatch.as_str()) {
                return err(format!("{what}: scope_mismatch must be one of {MISMATCH_MODES:?}"));
            }
            if let Some(t) = &g.access_token {
                if t.is_empty() || t.contains(['\r', '\n', '\0']) {
                    return err(format!("{what}: access_token must be non-empty without CR/LF/NUL"));
                }
            }
            let header = g.injection_header.clone().unwrap_or_else(default_injection_header);
            let format = g.injection_format.clone().unwrap_or_else(default_injection_format);
            check_injection(&what, &header, &format, g.additional_injections.as_deref().unwrap_or(&[]))?;
            for d in &g.delegations {
                check_id(&format!("{what} delegation"), &d.id)?;
                match self.agents.iter().find(|a| a.name == d.agent) {
                    None => return err(format!("{what}: delegation to unknown agent {:?}", d.agent)),
                    Some(a) if a.app != app => {
                        return err(format!("{what}: delegation to agent {:?} of another app", d.agent))
                    }
                    _ => {}
                }
            }
        }
        for p in &self.policies {
            if !["deny", "require_approval"].contains(&p.effect.as_str()) {
                return err(format!("policies {:?}: effect must be deny or require_approval", p.name));
            }
            for a in &p.applies_to {
                if !["token", "proxy"].contains(&a.as_str()) {
                    return err(format!("policies {:?}: applies_to entries must be token or proxy", p.name));
                }
            }
            for gid in &p.grants {
                if !self.grants.iter().any(|g| &g.id == gid) {
                    return err(format!("policies {:?}: unknown grant {gid}", p.name));
                }
            }
        }
        Ok(())
    }

    pub fn first_app(&self) -> &str {
        self.apps.first().map(|a| a.name.as_str()).unwrap_or("")
    }
}

impl GrantCfg {
    fn simple(id: String, provider: &str, principal: &str) -> GrantCfg {
        GrantCfg {
            id,
            app: None,
            kind: default_kind(),
            provider: provider.into(),
            principal: principal.into(),
            account: None,
            account_display_name: None,
            label: None,
            scopes: vec![],
            access_token: None,
            token_ttl_secs: None,
            status: default_active(),
            scope_mismatch: default_mismatch(),
            injection_header: None,
            injection_format: None,
            additional_injections: None,
            additional_credentials: None,
            proxy_only: false,
            delegations: vec![],
        }
    }
}

pub enum PrincipalRef<'a> {
    System,
    User(&'a str),
    Agent(&'a str),
}

pub fn parse_principal(s: &str) -> Option<PrincipalRef<'_>> {
    if s == "system" {
        return Some(PrincipalRef::System);
    }
    if let Some(sub) = s.strip_prefix("user:").filter(|x| !x.is_empty()) {
        return Some(PrincipalRef::User(sub));
    }
    s.strip_prefix("agent:").filter(|x| !x.is_empty()).map(PrincipalRef::Agent)
}

fn check_allowed_hosts(what: &str, hosts: &[String]) -> Result<(), ConfigError> {
    for h in hosts {
        crate::dest::HostPattern::parse(h).map_err(|e| ConfigError(format!("{what}: allowed_hosts {e}")))?;
    }
    Ok(())
}

fn check_injection(what: &str, header: &str, format: &str, extra: &[InjectionCfg]) -> Result<(), ConfigError> {
    let header_ok = header.len() <= 60
        && header.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && header.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !FORBIDDEN_INJECTION_HEADERS.iter().any(|f| f.eq_ignore_ascii_case(header));
    if !header_ok {
        return err(format!("{what}: injection_header {header:?} is not allowed (§3.4)"));
    }
    if format.len() > 200 || format.contains(['\r', '\n', '\0']) || !format.contains("{token}") {
        return err(format!("{what}: injection_format must contain {{token}}, ≤ 200 chars, no CR/LF/NUL"));
    }
    if extra.len() > 10 {
        return err(format!("{what}: at most 10 additional_injections"));
    }
    for r in extra {
        if !["header", "query_param"].contains(&r.target.as_str()) {
            return err(format!("{what}: additional_injections target must be header or query_param"));
        }
        if r.key.is_empty() || !r.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return err(format!("{what}: additional_injections key {:?} is invalid", r.key));
        }
        if r.value_source != "token" && !r.value_source.starts_with("additional_credentials.") {
            return err(format!("{what}: value_source must be token or additional_credentials.<field>"));
        }
    }
    Ok(())
}

pub fn injections_json(rules: &[InjectionCfg]) -> Vec<Value> {
    rules
        .iter()
        .map(|r| {
            let mut m = Map::new();
            m.insert("target".into(), Value::from(r.target.clone()));
            m.insert("key".into(), Value::from(r.key.clone()));
            m.insert("value_source".into(), Value::from(r.value_source.clone()));
            Value::Object(m)
        })
        .collect()
}

pub fn decode_hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    let bytes = s.as_bytes();
    for (i, o) in out.iter_mut().enumerate() {
        let hi = (bytes.get(2 * i)? as &u8).to_owned();
        let lo = (bytes.get(2 * i + 1)? as &u8).to_owned();
        *o = (alter_protocol::canonical::hex_val(hi)? << 4) | alter_protocol::canonical::hex_val(lo)?;
    }
    Some(out)
}
