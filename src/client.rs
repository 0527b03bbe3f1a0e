//! The state one App or Agent keeps between calls: its settings, the signing key, and what the
//! vault's answers teach it (actor id, rate-limit snapshot, the last retry report). Interior
//! mutability only (every engine method takes `&self`); nothing is borrowed across a call.

use crate::action::Level;
use crate::plan::{self, ActorUpdate, ClientDefaults};
use crate::rng::Rng;
use alter_protocol::signing::PreparedKey;
use alter_protocol::{context, keys, url, ProtocolError, Result};
use std::cell::{Cell, RefCell};

/// Public App/Agent default timeout (ts-api §3.1), in milliseconds.
pub const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;

/// The constructor settings, as the JS layer passes them (already type-checked there).
#[derive(Debug, Default, Clone)]
pub struct ClientConfig {
    pub api_key: String,
    pub base_url: Option<String>,
    pub timeout_ms: Option<f64>,
    pub caller: Option<String>,
    pub caller_type: Option<String>,
    pub user_agent: String,
    pub max_retries: Option<f64>,
    /// Agent clients re-raise GrantNotFoundError as AgentDelegationMissingError (§7.2).
    pub agent: bool,
    /// Bytes from the runtime's CSPRNG ([`crate::rng`]).
    pub seed: Vec<u8>,
}

pub struct Client {
    pub defaults: ClientDefaults,
    /// Derived from the API key (§1.2), HMAC pads prepared.
    pub signing_key: PreparedKey,
    pub base_url: String,
    pub timeout_ms: f64,
    pub agent: bool,
    /// Client-side retries of vault calls (crate::retry; a divergence from §7.4).
    pub max_retries: u32,
    /// §1.3: plain http to a loopback backend, allowed with a warning.
    pub insecure_loopback: bool,
    pub rng: Rng,
    actor_id: RefCell<Option<String>>,
    /// JSON text of the last RetryInfo (snake_case), §7.7.
    last_retry_info: RefCell<Option<String>>,
    last_rate_limit: Cell<Option<RateLimit>>,
    deprecation_warned: Cell<bool>,
}

/// The §7.6 snapshot: limit, remaining, reset time in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: u64,
    pub remaining: u64,
    pub reset_at: u64,
}

impl Client {
    /// Validates the key (§1.1), base URL (§1.3), timeout, caller and caller type (§1.5).
    pub fn new(c: ClientConfig) -> Result<Client> {
        if c.api_key.is_empty() {
            return Err(ProtocolError::value("apiKey is required"));
        }
        keys::validate_api_key(&c.api_key)?;
        let base = c.base_url.as_deref().unwrap_or(url::DEFAULT_BASE_URL);
        let base = url::validate_base_url(base)?;
        let timeout_ms = match c.timeout_ms {
            None => DEFAULT_TIMEOUT_MS,
            Some(t) if t.is_finite() && t > 0.0 => t,
            Some(_) => {
                return Err(ProtocolError::value(
                    "timeout must be a positive number of milliseconds",
                ))
            }
        };
        if let Some(caller) = &c.caller {
            context::validate_caller(caller)?;
        }
        let caller_type = c.caller_type.unwrap_or_else(|| "service".into());
        context::validate_caller_type(&caller_type)?;
        if c.user_agent.is_empty() || !plan::is_header_value(&c.user_agent) {
            return Err(ProtocolError::value(
                "userAgent must be a non-empty header value",
            ));
        }
        let max_retries = match c.max_retries {
            None => crate::retry::DEFAULT_MAX_RETRIES,
            Some(n)
                if n.is_finite()
                    && n >= 0.0
                    && n.fract() == 0.0
                    && n <= f64::from(crate::retry::MAX_MAX_RETRIES) =>
            {
                n as u32
            }
            Some(_) => {
                return Err(ProtocolError::value(format!(
                    "maxRetries must be an integer from 0 to {}",
                    crate::retry::MAX_MAX_RETRIES
                )))
            }
        };
        if c.seed.len() < crate::rng::SEED_LEN {
            return Err(ProtocolError::sdk(
                "no_random_source",
                "crypto.getRandomValues is not available, so requests cannot be signed",
            ));
        }
        let signing_key = PreparedKey::new(&keys::derive_signing_key(&c.api_key));
        Ok(Client {
            defaults: ClientDefaults {
                api_key: c.api_key,
                user_agent: c.user_agent,
                caller: c.caller,
                caller_type,
            },
            signing_key,
            base_url: base.url,
            timeout_ms,
            agent: c.agent,
            max_retries,
            insecure_loopback: base.insecure_loopback,
            rng: Rng::new(&c.seed),
            actor_id: RefCell::new(None),
            last_retry_info: RefCell::new(None),
            last_rate_limit: Cell::new(None),
            deprecation_warned: Cell::new(false),
        })
    }

    pub fn actor_id(&self) -> Option<String> {
        self.actor_id.try_borrow().ok().and_then(|a| a.clone())
    }

    pub fn last_retry_info(&self) -> Option<String> {
        self.last_retry_info
            .try_borrow()
            .ok()
            .and_then(|r| r.clone())
    }

    pub fn set_last_retry_info(&self, v: Option<String>) {
        if let Ok(mut r) = self.last_retry_info.try_borrow_mut() {
            *r = v;
        }
    }

    pub fn last_rate_limit(&self) -> Option<RateLimit> {
        self.last_rate_limit.get()
    }

    /// The response hooks of §1.8 and §8.4, run on every vault answer (errors included):
    /// actor-id cache, rate-limit snapshot, one-time deprecated-key warning.
    pub fn observe_vault_answer(
        &self,
        headers: &[(String, String)],
        read_actor: bool,
        used_override: bool,
        now_secs: u64,
        log: &mut Vec<(Level, String)>,
    ) {
        if read_actor {
            let received = alter_protocol::header(headers, "x-alter-actor-id");
            let cached = self.actor_id();
            match plan::actor_update(cached.as_deref(), received, used_override) {
                ActorUpdate::Store(id) => {
                    if let Ok(mut a) = self.actor_id.try_borrow_mut() {
                        *a = Some(id);
                    }
                }
                ActorUpdate::Conflict => log.push((
                    Level::Warn,
                    "Backend returned a different X-Alter-Actor-ID than the cached one; keeping the cached id".into(),
                )),
                ActorUpdate::Keep => {}
            }
        }
        if let Some(s) = alter_protocol::retry::parse_rate_limit(headers, now_secs) {
            self.last_rate_limit.set(Some(RateLimit {
                limit: s.limit,
                remaining: s.remaining,
                reset_at: s.reset_at,
            }));
        }
        if !self.deprecation_warned.get()
            && alter_protocol::header(headers, "x-alter-key-deprecated") == Some("true")
        {
            self.deprecation_warned.set(true);
            log.push((
                Level::Warn,
                "The Alter API key used by this client is deprecated: mint a replacement key and revoke this one".into(),
            ));
        }
    }
}
