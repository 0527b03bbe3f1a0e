//! One signed call to the Alter vault (§2) as a state machine: sign, send, observe the answer,
//! and retry what is worth retrying (crate::retry) within one time budget. Used by `request()`
//! for `/sdk/token`, by the background jobs (audit row, scope report, never retried) and by the
//! namespaces' `call()`.

use crate::action::{Action, BodyState, Exchange, ExchangeBody, Failure, Level, Outcome, Peer};
use crate::client::Client;
use crate::plan::{self, ActorHeaders, BackendRequestParts};
use crate::retry;
use alter_protocol::{context, mapping, signing, ProtocolError, Result};

/// `X-Alter-Scope-Constraints` / `X-Alter-Request-Rule` values (api-surface §1.9), already encoded
/// by `encodeScopeConstraints` / `encodeRequestRule`. Empty = unconstrained.
#[derive(Clone, Default, Debug)]
pub struct Constraints {
    pub scopes: String,
    pub rule: Option<String>,
}

impl Constraints {
    /// Checks values the JS layer passes from a `withConstraints` sibling: anything that cannot
    /// travel in a header is refused.
    pub fn new(scopes: Option<String>, rule: Option<String>) -> Result<Constraints> {
        let scopes = scopes.unwrap_or_default();
        let rule = rule.filter(|r| !r.is_empty());
        // Signed headers must arrive as signed: visible ASCII, no edge spaces.
        if !scopes.is_empty() && !scopes.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(ProtocolError::value(
                "scopeConstraints must be the visible-ASCII value of encodeScopeConstraints",
            ));
        }
        if let Some(r) = &rule {
            let ok = r.len() <= context::MAX_REQUEST_RULE_LEN
                && r.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return Err(ProtocolError::value(
                    "requestRule must be the base64url value of encodeRequestRule",
                ));
            }
        }
        Ok(Constraints { scopes, rule })
    }
}

/// The per-request actor headers to send (§8): `None` for the scope report.
#[derive(Clone, Debug)]
pub struct ActorArgs {
    pub caller_override: Option<String>,
    pub context: Option<String>,
}

/// Everything that makes one vault call.
#[derive(Clone, Debug)]
pub struct VaultCall {
    pub method: String,
    /// `/sdk/...` with its query, as sent and signed.
    pub path: String,
    pub body: Option<String>,
    pub actor: Option<ActorArgs>,
    pub traceparent: Option<String>,
    pub extra_headers: Vec<(String, String)>,
    pub timeout_ms: f64,
    /// Whether `X-Alter-Actor-ID` on the answer feeds the cache (§8.4: not for the scope report).
    pub read_actor: bool,
    pub constraints: Constraints,
    /// Whether client-side retries apply (never for proxy, audit rows and scope reports).
    pub retries: bool,
}

/// A vault answer: status, headers and the whole body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Where a vault call stands after an outcome.
pub enum Progress {
    /// Not over: the next action for the driver.
    Next(Action),
    /// Over: the last answer (any status) or the failure, and the retries made.
    Over(std::result::Result<Reply, Failure>),
}

/// A vault call in flight.
pub struct VaultRun {
    pub call: VaultCall,
    started_ms: f64,
    attempt: u32,
    allowed: u32,
    safe: bool,
    pub retries: Vec<retry::ClientRetry>,
}

impl VaultRun {
    /// Starts the call: the first signed exchange.
    pub fn start(client: &Client, call: VaultCall, now_ms: f64) -> (VaultRun, Action) {
        // A request carrying an Idempotency-Key (e.g. agents.create) is safe to repeat too: the
        // vault answers a repeat with the first result.
        let safe = retry::idempotent(&call.method, &call.path)
            || alter_protocol::header(&call.extra_headers, "idempotency-key").is_some();
        let allowed = if !call.retries || retry::never_retried(&call.path) {
            0
        } else {
            client.max_retries
        };
        let run = VaultRun {
            call,
            started_ms: now_ms,
            attempt: 1,
            allowed,
            safe,
            retries: Vec::new(),
        };
        let first = run.exchange(client, run.call.timeout_ms, now_ms);
        (run, Action::Send(first))
    }

    /// The number of attempts made so far.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    fn spent(&self, now_ms: f64) -> f64 {
        let s = now_ms - self.started_ms;
        if s.is_finite() {
            s.max(0.0)
        } else {
            0.0
        }
    }

    /// Advances on an outcome of the driver.
    pub fn on(
        &mut self,
        client: &Client,
        outcome: Outcome,
        now_ms: f64,
        log: &mut Vec<(Level, String)>,
    ) -> Progress {
        let result = match outcome {
            Outcome::Received {
                status,
                headers,
                body,
            } => {
                let used_override = self
                    .call
                    .actor
                    .as_ref()
                    .is_some_and(|a| a.caller_override.is_some());
                client.observe_vault_answer(
                    &headers,
                    self.call.read_actor,
                    used_override,
                    (now_ms / 1000.0) as u64,
                    log,
                );
                let body = match body {
                    BodyState::Complete(b) => b,
                    _ => Vec::new(),
                };
                Ok(Reply {
                    status,
                    headers,
                    body,
                })
            }
            Outcome::TimedOut => Err(Failure::Error(self.timeout_error(client))),
            Outcome::Aborted => Err(Failure::Aborted),
            Outcome::NetworkError(text) => Err(Failure::Error(mapping::network_error(
                &format!("Failed to connect to Alter Vault backend: {text}"),
                Some(&client.base_url),
            ))),
            Outcome::Woke => {
                log.push((
                    Level::Debug,
                    format!(
                        "Retrying Alter Vault {} {} (attempt {})",
                        self.call.method,
                        path_only(&self.call.path),
                        self.attempt
                    ),
                ));
                let budget = self.call.timeout_ms - self.spent(now_ms);
                if budget <= 0.0 {
                    return Progress::Over(Err(Failure::Error(self.timeout_error(client))));
                }
                return Progress::Next(Action::Send(self.exchange(client, budget, now_ms)));
            }
            Outcome::Token(_) | Outcome::Body(_) => Err(Failure::Error(ProtocolError::sdk(
                "internal_error",
                "unexpected outcome for a vault call",
            ))),
        };
        if self.attempt > self.allowed {
            return Progress::Over(result);
        }
        let verdict = match &result {
            Ok(reply) if reply.status < 400 => retry::Verdict::Final,
            Ok(reply) => retry::judge_status(reply.status, &reply.headers, &reply.body, self.safe),
            Err(Failure::Error(e)) => retry::judge_error(&e.code, self.safe),
            Err(Failure::Aborted) => retry::Verdict::Final,
        };
        let retry::Verdict::Retry {
            error_type,
            status,
            retry_after_s,
        } = verdict
        else {
            return Progress::Over(result);
        };
        let Some(delay) = retry::delay_ms(self.attempt, retry_after_s, client.rng.unit()) else {
            return Progress::Over(result);
        };
        // Never sleep past the call's timeout: a retry that could not start in time is not made.
        if self.spent(now_ms) + delay >= self.call.timeout_ms {
            return Progress::Over(result);
        }
        self.retries.push(retry::ClientRetry {
            attempt: self.attempt,
            error_type,
            status,
            delay_ms: delay,
        });
        self.attempt += 1;
        Progress::Next(Action::Sleep { ms: delay })
    }

    fn timeout_error(&self, client: &Client) -> ProtocolError {
        mapping::timeout_error(&format!(
            "Request to Alter Vault backend timed out after {} ms",
            self.call.timeout_ms as u64
        ))
        .with_detail("base_url", client.base_url.clone())
    }

    /// One signed exchange (fresh timestamp and nonce), bounded by `budget_ms`.
    fn exchange(&self, client: &Client, budget_ms: f64, now_ms: f64) -> Exchange {
        let call = &self.call;
        let nonce = signing::nonce_hex(&client.rng.bytes16());
        let actor_id = client.actor_id();
        let actor = call.actor.as_ref().map(|a| ActorHeaders {
            caller_override: a.caller_override.as_deref(),
            actor_id: actor_id.as_deref(),
            context: a.context.as_deref(),
        });
        let parts = BackendRequestParts {
            method: &call.method,
            path: &call.path,
            body: call.body.as_deref().map(str::as_bytes),
            actor,
            traceparent: call.traceparent.as_deref(),
            extra_headers: &call.extra_headers,
            scope_constraints: &call.constraints.scopes,
            request_rule: call.constraints.rule.as_deref(),
        };
        let headers = plan::backend_headers(
            &client.defaults,
            &client.signing_key,
            &parts,
            (now_ms / 1000.0) as u64,
            &nonce,
        );
        Exchange {
            to: Peer::Vault,
            method: call.method.clone(),
            url: format!("{}{}", client.base_url, call.path),
            headers,
            body: call
                .body
                .clone()
                .map_or(ExchangeBody::None, ExchangeBody::Text),
            timeout_ms: budget_ms,
            shadow_url: None,
            provider: None,
            allowed_hosts: None,
        }
    }
}

/// The path without its query (for log lines).
pub fn path_only(path: &str) -> &str {
    path.split('?').next().unwrap_or(path)
}
