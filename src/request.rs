//! `request()` in retrieve mode (§4) as a state machine: the local checks, `POST /sdk/token`,
//! injection, the provider call, the provider-response classification, and the audit row and
//! scope report it leaves behind as background jobs.

use crate::action::{Action, BodyState, Exchange, ExchangeBody, Failure, Level, Outcome, Peer};
use crate::audit::{self, AuditJob, Job, Observed};
use crate::client::Client;
use crate::plan;
use crate::retry;
use crate::vault::{ActorArgs, Constraints, Progress, VaultCall, VaultRun};
use alter_protocol::error::codes;
use alter_protocol::provider::{self, ProviderErrorContext, ProviderOutcome};
use alter_protocol::token::{self, GrantTarget, TokenRequest, TokenResponse};
use alter_protocol::{challenge, context, inject, mapping, url, ProtocolError, Result};
use serde_json::Value;

const TOKEN_PATH: &str = "/sdk/token";

/// The arguments of one `request()`, as the JS layer passes them: types checked and bodies
/// serialised there, identity and trace context read in the caller's async context.
#[derive(Debug, Default, Clone)]
pub struct RequestInput {
    pub method: String,
    pub url: String,
    pub grant_id: Option<String>,
    pub provider: Option<String>,
    pub account: Option<String>,
    pub label: Option<String>,
    pub app_user_id: Option<String>,
    pub user_token: Option<String>,
    pub reason: Option<String>,
    pub caller: Option<String>,
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub path_params: Vec<(String, String)>,
    pub context: Vec<(String, String)>,
    /// The caller's `json`, serialised by JS.
    pub json: Option<String>,
    pub body: Option<Vec<u8>>,
    /// Ambient (chosen by JS); an invalid one means "no header" (§8.3).
    pub traceparent: Option<String>,
    pub scope_constraints: Option<String>,
    pub request_rule: Option<String>,
    /// Without a `userToken`, ask the driver to run the client's `userTokenGetter` once the local
    /// checks passed (so a request that can never be sent does not call it).
    pub token_from_getter: bool,
}

/// A request that passed every local check (§4.2), ready for I/O.
struct Prepared {
    method: String,
    target: GrantTarget,
    /// The caller's `grantId` argument (error details, §4.6), `None` in provider mode.
    grant_id_arg: Option<String>,
    /// After path params, before query params: sent in the token request and the audit row.
    templated_url: String,
    /// With query params appended (§4.4, appended rather than replacing: decision §14.1).
    url_with_query: String,
    headers: Vec<(String, String)>,
    json: Option<Value>,
    raw: Option<Vec<u8>>,
    reason: Option<String>,
    context_pairs: Option<Vec<(String, String)>>,
    context_header: Option<String>,
    user_token: Option<String>,
    caller: Option<String>,
    traceparent: Option<String>,
    constraints: Constraints,
}

fn non_empty(what: &str, v: Option<String>) -> Result<Option<String>> {
    match v {
        Some(s) if s.is_empty() => Err(ProtocolError::value(format!(
            "{what} must be a non-empty string"
        ))),
        other => Ok(other),
    }
}

/// §4.2 steps 1–6, in order, all before any I/O.
fn prepare(client: &Client, i: RequestInput) -> Result<Prepared> {
    let grant_id = i.grant_id.filter(|g| !g.is_empty());
    let provider = i.provider.filter(|p| !p.is_empty());
    let account = i.account.filter(|a| !a.is_empty());

    // 1. user token, app_user_id, label shape and mode checks.
    let user_token = non_empty("userToken", i.user_token)?;
    let app_user_id = non_empty("appUserId", i.app_user_id)?;
    let label = non_empty("label", i.label)?;
    if provider.is_none() {
        if app_user_id.is_some() {
            return Err(ProtocolError::value("appUserId requires provider"));
        }
        if label.is_some() {
            return Err(ProtocolError::value("label requires provider"));
        }
        if account.is_some() && grant_id.is_some() {
            // Python drops it silently; rejected here as proxy mode does (§14.4).
            return Err(ProtocolError::value(
                "account requires provider; it cannot narrow a grantId request",
            ));
        }
    }
    // 2. addressing mode and body kind.
    let target = match (grant_id.clone(), provider) {
        (None, None) => {
            return Err(ProtocolError::sdk(
                codes::INVALID_ARGUMENT,
                "Provide grantId or provider",
            ))
        }
        (Some(_), Some(_)) => {
            return Err(ProtocolError::sdk(
                codes::INVALID_ARGUMENT,
                "Cannot provide both grantId and provider",
            ))
        }
        (Some(grant_id), None) => GrantTarget::Grant { grant_id },
        (None, Some(provider_id)) => GrantTarget::Provider {
            provider_id,
            account,
            label,
            app_user_id,
        },
    };
    if i.json.is_some() && i.body.is_some() {
        return Err(ProtocolError::sdk(
            codes::INVALID_ARGUMENT,
            "Cannot provide both json and body",
        ));
    }
    // 3. the JSON body (serialised by JS; parsed here once for the audit row).
    let json = match &i.json {
        Some(t) => match serde_json::from_slice::<Value>(t.as_bytes()) {
            Ok(v) => Some(v),
            Err(_) => {
                return Err(ProtocolError::value(
                    "json must be a JSON-serialisable value",
                ))
            }
        },
        None => None,
    };
    // 4. (a closed client is refused by the JS layer) 5. normalise the method.
    client.set_last_retry_info(None);
    let method = plan::normalize_method(&i.method)?;
    // 6. path params, URL rules, length (before retrieval, so a bad URL never costs a credential).
    let templated_url = url::apply_path_params(&i.url, &i.path_params)?;
    url::validate_provider_url(&templated_url)?;
    // The one URL the vault, the provider and the audit row all see.
    let templated_url = url::canonical_provider_url(&templated_url)?;
    let url_with_query = if i.query.is_empty() {
        templated_url.clone()
    } else {
        url::append_query(&templated_url, &i.query)
    };
    url::check_url_length(&url_with_query)?;

    // The remaining inputs, still before I/O.
    plan::check_header_pairs(&i.headers)?;
    if (json.is_some() || i.body.is_some()) && (method == "GET" || method == "HEAD") {
        return Err(ProtocolError::value(
            "a GET or HEAD request cannot carry a body",
        ));
    }
    if let Some(c) = &i.caller {
        context::validate_caller(c)?;
    }
    let context_pairs = Some(i.context).filter(|c| !c.is_empty());
    let context_header = match &context_pairs {
        Some(c) => context::encode_context(c)?,
        None => None,
    };
    let traceparent = i
        .traceparent
        .filter(|t| context::validate_traceparent(t).is_ok());
    let constraints = Constraints::new(i.scope_constraints, i.request_rule)?;
    Ok(Prepared {
        method,
        target,
        grant_id_arg: grant_id,
        templated_url,
        url_with_query,
        headers: i.headers,
        json,
        raw: i.body,
        reason: i.reason,
        context_pairs,
        context_header,
        user_token,
        caller: i.caller,
        traceparent,
        constraints,
    })
}

/// What one step of a request produced.
pub struct Advance {
    /// `None` when the request is over.
    pub next: Option<RequestRun>,
    pub action: Action,
    pub spawned: Vec<(Job, Action)>,
}

impl Advance {
    fn over(action: Action) -> Advance {
        Advance {
            next: None,
            action,
            spawned: Vec::new(),
        }
    }
}

/// The provider call in flight and what its audit row will need.
struct Sent {
    token: TokenResponse,
    base_headers: Vec<(String, String)>,
    injected_header_names: Vec<String>,
    retry_text: Option<String>,
    started_ms: f64,
}

enum State {
    AwaitToken,
    Token(VaultRun),
    Provider(Sent),
    /// A provider answer ≥ 400 whose body is being read for classification.
    Classify {
        sent: Sent,
        status: u16,
        headers: Vec<(String, String)>,
        latency_ms: u64,
    },
}

/// One `request()` in flight.
pub struct RequestRun {
    p: Prepared,
    state: State,
}

impl RequestRun {
    /// Runs the local checks and returns the first action (or the failure, before any I/O).
    pub fn start(client: &Client, input: RequestInput, now_ms: f64) -> Advance {
        let ask_getter = input.token_from_getter && input.user_token.is_none();
        let p = match prepare(client, input) {
            Ok(p) => p,
            Err(e) => return Advance::over(Action::Fail(e.into())),
        };
        if ask_getter {
            return Advance {
                next: Some(RequestRun {
                    p,
                    state: State::AwaitToken,
                }),
                action: Action::ResolveToken,
                spawned: Vec::new(),
            };
        }
        let mut run = RequestRun {
            p,
            state: State::AwaitToken,
        };
        let action = run.start_token_call(client, now_ms);
        Advance {
            next: Some(run),
            action,
            spawned: Vec::new(),
        }
    }

    /// §3: credential retrieval, retried on transient vault answers (crate::retry: a deliberate
    /// divergence from §7.4); the provider call is never repeated.
    fn start_token_call(&mut self, client: &Client, now_ms: f64) -> Action {
        let p = &self.p;
        let body = token::token_request_body(&TokenRequest {
            target: p.target.clone(),
            reason: p.reason.clone(),
            method: p.method.clone(),
            url: p.templated_url.clone(),
            user_token: p.user_token.clone(),
        });
        let call = VaultCall {
            method: "POST".into(),
            path: TOKEN_PATH.into(),
            body: Some(body),
            actor: Some(ActorArgs {
                caller_override: p.caller.clone(),
                context: p.context_header.clone(),
            }),
            traceparent: p.traceparent.clone(),
            extra_headers: Vec::new(),
            timeout_ms: client.timeout_ms,
            read_actor: true,
            constraints: p.constraints.clone(),
            retries: true,
        };
        // The user token travels only in that body: it is not kept once the body is built.
        self.p.user_token = None;
        let (run, action) = VaultRun::start(client, call, now_ms);
        self.state = State::Token(run);
        action
    }

    /// Advances on an outcome of the driver.
    pub fn on(
        mut self,
        client: &Client,
        outcome: Outcome,
        now_ms: f64,
        log: &mut Vec<(Level, String)>,
    ) -> Advance {
        match std::mem::replace(&mut self.state, State::AwaitToken) {
            State::AwaitToken => match outcome {
                Outcome::Token(t) if !t.is_empty() => {
                    self.p.user_token = Some(t);
                    let action = self.start_token_call(client, now_ms);
                    Advance {
                        next: Some(self),
                        action,
                        spawned: Vec::new(),
                    }
                }
                _ => Advance::over(Action::Fail(
                    ProtocolError::sdk(
                        codes::USER_TOKEN_GETTER_FAILED,
                        "userTokenGetter must return a non-empty string",
                    )
                    .into(),
                )),
            },
            State::Token(mut run) => match run.on(client, outcome, now_ms, log) {
                Progress::Next(action) => {
                    self.state = State::Token(run);
                    Advance {
                        next: Some(self),
                        action,
                        spawned: Vec::new(),
                    }
                }
                Progress::Over(result) => self.on_token_answer(client, run, result, now_ms),
            },
            State::Provider(sent) => self.on_provider(client, sent, outcome, now_ms),
            State::Classify {
                sent,
                status,
                headers,
                latency_ms,
            } => {
                let body = match outcome {
                    Outcome::Body(c) => audit::captured_bytes(c, client.timeout_ms),
                    _ => audit::captured_bytes(
                        crate::action::Captured::Unavailable,
                        client.timeout_ms,
                    ),
                };
                self.classify(client, sent, status, headers, body, latency_ms, now_ms)
            }
        }
    }

    fn on_token_answer(
        mut self,
        client: &Client,
        run: VaultRun,
        result: std::result::Result<crate::vault::Reply, Failure>,
        now_ms: f64,
    ) -> Advance {
        let attempts = run.attempts();
        if !run.retries.is_empty() {
            // Reported even when the call finally failed, so the caller can see what was tried.
            client.set_last_retry_info(retry::report(None, attempts, &run.retries));
        }
        let reply = match result {
            Ok(r) => r,
            Err(f) => return Advance::over(Action::Fail(f)),
        };
        if reply.status >= 400 {
            let e = mapping::map_backend_error(reply.status, &reply.headers, &reply.body);
            let e = if client.agent {
                mapping::as_agent_delegation_missing(e)
            } else {
                e
            };
            return Advance::over(Action::Fail(e.into()));
        }
        // §3.4: fail closed before the credential is used.
        let token = match token::parse_token_response(&reply.body) {
            Ok(t) => t,
            Err(e) => return Advance::over(Action::Fail(e.into())),
        };
        drop(reply);
        let retry_text = retry::report(
            token.retry_info.as_ref().map(|r| r.to_json()),
            attempts,
            &run.retries,
        );
        client.set_last_retry_info(retry_text.clone());

        // §3.5 injection, then the length check again (§4.3).
        let p = &mut self.p;
        let base_headers =
            plan::provider_headers(std::mem::take(&mut p.headers), &client.defaults.user_agent);
        let injected =
            match inject::inject_credential(&token, base_headers.clone(), &p.url_with_query) {
                Ok(i) => i,
                Err(e) => return Advance::over(Action::Fail(e.into())),
            };
        if let Err(e) = url::check_url_length(&injected.url) {
            return Advance::over(Action::Fail(e.into()));
        }
        let mut headers = injected.headers;
        if p.json.is_some() && alter_protocol::header(&headers, "content-type").is_none() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        // A credential injected as a query parameter is in the URL: the caller's Response shows
        // the caller's URL instead.
        let shadow_url = (injected.url != p.url_with_query).then(|| p.url_with_query.clone());
        let has_body = p.json.is_some() || p.raw.is_some();
        let exchange = Exchange {
            to: Peer::Provider,
            method: p.method.clone(),
            url: injected.url,
            headers,
            body: if has_body {
                ExchangeBody::Caller
            } else {
                ExchangeBody::None
            },
            timeout_ms: client.timeout_ms,
            shadow_url,
            provider: Some(token.provider_id.clone()),
            allowed_hosts: token.allowed_hosts.clone(),
        };
        self.state = State::Provider(Sent {
            token,
            base_headers,
            injected_header_names: injected.injected_header_names,
            retry_text,
            started_ms: now_ms,
        });
        Advance {
            next: Some(self),
            action: Action::Send(exchange),
            spawned: Vec::new(),
        }
    }

    /// §4.4–§4.6: the provider's answer (or failure), with its audit row.
    fn on_provider(self, client: &Client, sent: Sent, outcome: Outcome, now_ms: f64) -> Advance {
        let elapsed = now_ms - sent.started_ms;
        let latency_ms = if elapsed.is_finite() && elapsed > 0.0 {
            elapsed.floor() as u64
        } else {
            0
        };
        let (status, headers, body) = match outcome {
            Outcome::Received {
                status,
                headers,
                body,
            } => (status, headers, body),
            // §4.6: transport failure → audit row with status 0, then the error.
            Outcome::TimedOut => {
                let after_ms = client.timeout_ms.floor() as u64;
                let e = self.details(mapping::timeout_error("Provider API request timed out"));
                return self.fail_with_audit(
                    client,
                    sent,
                    latency_ms,
                    Observed::Timeout { after_ms },
                    e.into(),
                    now_ms,
                );
            }
            Outcome::Aborted => {
                return self.fail_with_audit(
                    client,
                    sent,
                    latency_ms,
                    Observed::NetworkFailure,
                    Failure::Aborted,
                    now_ms,
                );
            }
            // The runtime's message may quote the URL, which can hold a query credential: it is
            // not passed on.
            _ => {
                let e = self.details(mapping::network_error("Failed to call provider API", None));
                return self.fail_with_audit(
                    client,
                    sent,
                    latency_ms,
                    Observed::NetworkFailure,
                    e.into(),
                    now_ms,
                );
            }
        };
        let body = match body {
            BodyState::Complete(b) => Some(b),
            BodyState::NotRead => Some(
                plan::known_oversize_body(&self.p.method, status, &headers)
                    .unwrap_or_else(|| b"<response body unavailable>".to_vec()),
            ),
            BodyState::Pending => None,
        };
        if status < 400 {
            // Success (§4.6): the Response goes back to the caller; the audit row reads the body
            // the driver read on the way, or its bounded capture.
            let result = result_json(sent.retry_text.as_deref());
            let job = self.audit_job(sent, latency_ms);
            let spawned = vec![audit::start_audit(
                client,
                job,
                Observed::Response {
                    status,
                    headers,
                    body,
                },
                now_ms,
            )];
            return Advance {
                next: None,
                action: Action::Done { result },
                spawned,
            };
        }
        // status >= 400: the body decides the outcome (it may not be an error after all).
        match body {
            Some(body) => self.classify(client, sent, status, headers, body, latency_ms, now_ms),
            None => Advance {
                next: Some(RequestRun {
                    p: self.p,
                    state: State::Classify {
                        sent,
                        status,
                        headers,
                        latency_ms,
                    },
                }),
                action: Action::ReadBody,
                spawned: Vec::new(),
            },
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn classify(
        self,
        client: &Client,
        sent: Sent,
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        latency_ms: u64,
        now_ms: f64,
    ) -> Advance {
        let correlation = challenge::correlation_id(&client.rng.bytes16());
        let ctx = ProviderErrorContext {
            grant_id_arg: self.p.grant_id_arg.as_deref(),
            method: &self.p.method,
            url: &self.p.templated_url,
        };
        let outcome = provider::classify_provider_response(
            status,
            &headers,
            &body,
            &sent.token,
            &ctx,
            &correlation,
        );
        let grant_id = sent.token.grant_id.clone();
        let traceparent = self.p.traceparent.clone();
        let constraints = self.p.constraints.clone();
        let result = result_json(sent.retry_text.as_deref());
        let job = self.audit_job(sent, latency_ms);
        let observed = Observed::Response {
            status,
            headers,
            body: Some(body),
        };
        // The audit is scheduled first, then the report, then the error is raised (§4.6).
        let mut spawned = vec![audit::start_audit(client, job, observed, now_ms)];
        let action = match outcome {
            ProviderOutcome::Success => Action::Done { result },
            ProviderOutcome::Failure {
                error,
                scope_report,
            } => {
                if let Some(report) = scope_report {
                    spawned.extend(audit::start_scope_report(
                        client,
                        &grant_id,
                        report,
                        traceparent,
                        constraints,
                        now_ms,
                    ));
                }
                Action::Fail(error.into())
            }
        };
        Advance {
            next: None,
            action,
            spawned,
        }
    }

    fn fail_with_audit(
        self,
        client: &Client,
        sent: Sent,
        latency_ms: u64,
        observed: Observed,
        failure: Failure,
        now_ms: f64,
    ) -> Advance {
        let job = self.audit_job(sent, latency_ms);
        Advance {
            next: None,
            action: Action::Fail(failure),
            spawned: vec![audit::start_audit(client, job, observed, now_ms)],
        }
    }

    /// The request facts an error about the provider call carries.
    fn details(&self, e: ProtocolError) -> ProtocolError {
        let p = &self.p;
        e.with_detail(
            "grant_id",
            p.grant_id_arg
                .clone()
                .map(Value::from)
                .unwrap_or(Value::Null),
        )
        .with_detail("method", p.method.clone())
        .with_detail("url", p.templated_url.clone())
    }

    fn audit_job(self, sent: Sent, latency_ms: u64) -> AuditJob {
        let p = self.p;
        AuditJob {
            token: sent.token,
            method: p.method,
            url: p.templated_url,
            request_headers: sent.base_headers,
            request_json: p.json,
            request_raw: p.raw,
            reason: p.reason,
            context_pairs: p.context_pairs,
            context_header: p.context_header,
            traceparent: p.traceparent,
            injected_header_names: sent.injected_header_names,
            latency_ms,
            constraints: p.constraints,
        }
    }
}

/// `{retryInfo}`: the RetryInfo JSON text, or null.
fn result_json(retry_text: Option<&str>) -> Value {
    let mut m = serde_json::Map::new();
    m.insert(
        "retryInfo".into(),
        retry_text.map(Value::from).unwrap_or(Value::Null),
    );
    Value::Object(m)
}
