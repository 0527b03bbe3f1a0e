//! The scripted transport: a fake vault (every signed exchange checked with the protocol
//! verifier, nonces never reused), a fake provider, a fake clock, and a driver loop that performs
//! the engine's actions the way js/core/driver.js does, following background jobs to their end.

use alter_edge::action::{
    Action, BodyState, Captured, Exchange, ExchangeBody, Failure, Level, Outcome, Peer, Step,
};
use alter_edge::call::CallInput;
use alter_edge::client::ClientConfig;
use alter_edge::engine::Engine;
use alter_edge::request::RequestInput;
use alter_protocol::verify::{verify_request, IncomingRequest, VerifyPolicy};
use alter_protocol::{ErrorClass, ProtocolError};
use serde_json::{json, Value};
use std::collections::{HashSet, VecDeque};

pub const KEY: &str = "alter_rk_abcdefghijklmnopqrstuv_iwpykn";
pub const BASE: &str = "https://vault.test";
pub const GRANT: &str = "3f2c1a9e-8b7d-4c6e-9f01-23456789abcd";
pub const ACTOR: &str = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
pub const SECRET: &str = "ya29.SECRET-ACCESS-TOKEN";
pub const GENERATION: &str = "0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e";
pub const TRACEPARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
/// 2026-01-01T00:00:00Z: the fake clock's start.
pub const T0_MS: f64 = 1_767_225_600_000.0;
/// The client timeout of the tests (ms).
pub const TIMEOUT_MS: f64 = 2000.0;
pub const AUDIT_PATH: &str = "/sdk/oauth/audit/api-call";
/// Steps one call may take before the driver calls it a livelock.
const STEP_LIMIT: usize = 200;

pub fn config() -> ClientConfig {
    ClientConfig {
        api_key: KEY.into(),
        base_url: Some(BASE.into()),
        timeout_ms: Some(TIMEOUT_MS),
        caller: None,
        caller_type: Some("service".into()),
        user_agent: "alter-edge/test".into(),
        max_retries: None,
        agent: false,
        seed: (0u8..32).collect(),
    }
}

pub fn engine(c: ClientConfig) -> Engine {
    match Engine::new(c) {
        Ok(e) => e,
        Err(e) => panic!("construction failed: {} ({})", e.message, e.code),
    }
}

pub fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A plain grantId request to https://api.example.com/x.
pub fn get(url: &str) -> RequestInput {
    RequestInput {
        method: "GET".into(),
        url: url.into(),
        grant_id: Some(GRANT.into()),
        ..Default::default()
    }
}

pub fn call_input(method: &str, path: &str) -> CallInput {
    CallInput {
        method: method.into(),
        path: path.into(),
        body: None,
        mapper: None,
        actor_headers: true,
        caller: None,
        context: Vec::new(),
        traceparent: None,
        extra_headers: Vec::new(),
        timeout_ms: None,
        scope_constraints: None,
        request_rule: None,
    }
}

/// The token JSON of tests/wasm token_route, with `extra` merged in.
pub fn token_json(extra: Value) -> String {
    let mut body = json!({
        "access_token": SECRET, "grant_id": GRANT, "provider_id": "google",
        "token_generation": GENERATION,
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    body.to_string()
}

/// How the body of a scripted answer reaches the engine.
#[derive(Clone, Debug)]
pub enum Body {
    Complete(Vec<u8>),
    NotRead,
    /// Of unknown length; a ReadBody is answered with this capture.
    Pending(Captured),
}

/// One scripted answer to an exchange.
#[derive(Clone, Debug)]
pub enum Resp {
    Reply {
        status: u16,
        headers: Vec<(String, String)>,
        body: Body,
        /// How long the exchange takes on the fake clock.
        delay_ms: f64,
    },
    TimedOut,
    Net(String),
    Aborted,
}

impl Resp {
    pub fn status(status: u16) -> Resp {
        Resp::Reply {
            status,
            headers: Vec::new(),
            body: Body::Complete(Vec::new()),
            delay_ms: 0.0,
        }
    }
    pub fn text(status: u16, body: &str) -> Resp {
        Resp::status(status).body(Body::Complete(body.as_bytes().to_vec()))
    }
    pub fn json(status: u16, body: &str) -> Resp {
        Resp::text(status, body).header("content-type", "application/json")
    }
    pub fn token(extra: Value) -> Resp {
        Resp::json(200, &token_json(extra)).header("x-alter-actor-id", ACTOR)
    }
    pub fn header(mut self, k: &str, v: &str) -> Resp {
        if let Resp::Reply { headers, .. } = &mut self {
            headers.push((k.into(), v.into()));
        }
        self
    }
    pub fn body(mut self, b: Body) -> Resp {
        if let Resp::Reply { body, .. } = &mut self {
            *body = b;
        }
        self
    }
    pub fn delay(mut self, ms: f64) -> Resp {
        if let Resp::Reply { delay_ms, .. } = &mut self {
            *delay_ms = ms;
        }
        self
    }
}

struct Route {
    to: Peer,
    pat: String,
    script: VecDeque<Resp>,
    last: Resp,
}

/// One exchange the driver performed.
#[derive(Clone, Debug)]
pub struct Sent {
    /// The call or job that made it.
    #[allow(dead_code)]
    pub id: u32,
    /// The fake clock when it started.
    pub at_ms: f64,
    pub x: Exchange,
}

impl Sent {
    pub fn h(&self, name: &str) -> Option<&str> {
        alter_protocol::header(&self.x.headers, name)
    }
    pub fn body_text(&self) -> &str {
        match &self.x.body {
            ExchangeBody::Text(t) => t,
            _ => "",
        }
    }
    pub fn body_json(&self) -> Value {
        serde_json::from_str(self.body_text()).expect("a JSON body")
    }
    /// The whole exchange as text (for "no credential anywhere" checks).
    pub fn dump(&self) -> String {
        format!("{:?}", self.x)
    }
}

pub struct World {
    pub engine: Engine,
    pub now: f64,
    routes: Vec<Route>,
    pub sent: Vec<Sent>,
    pub sleeps: Vec<(u32, f64)>,
    pub logs: Vec<(Level, String)>,
    /// What ResolveToken is answered with.
    pub user_token: String,
    pub resolves: usize,
    pub reads: Vec<u32>,
    pending_body: Option<Captured>,
    nonces: HashSet<String>,
    /// Ids of every background job spawned.
    pub jobs: Vec<u32>,
    /// Every step the driver received, as the JSON the wasm boundary hands to JS.
    pub steps_json: Vec<Value>,
}

impl World {
    pub fn new(engine: Engine) -> World {
        let mut w = World {
            engine,
            now: T0_MS,
            routes: Vec::new(),
            sent: Vec::new(),
            sleeps: Vec::new(),
            logs: Vec::new(),
            user_token: "user-jwt".into(),
            resolves: 0,
            reads: Vec::new(),
            pending_body: None,
            nonces: HashSet::new(),
            jobs: Vec::new(),
            steps_json: Vec::new(),
        };
        // Defaults, overridden by routes added later (first match wins, newest first).
        w.route(Peer::Vault, "/sdk/", vec![Resp::json(200, "{}")]);
        w.route(Peer::Provider, "", vec![Resp::text(200, "ok")]);
        w.route(
            Peer::Vault,
            "/report-scope-mismatch",
            vec![Resp::status(204).header("x-correlation-id", "c-1")],
        );
        w.route(Peer::Vault, AUDIT_PATH, vec![Resp::status(204)]);
        w.route(Peer::Vault, "/sdk/token", vec![Resp::token(json!({}))]);
        w
    }

    pub fn with(c: ClientConfig) -> World {
        World::new(engine(c))
    }

    /// Scripts the answers to exchanges whose URL contains `pat`: in order, the last repeated.
    pub fn route(&mut self, to: Peer, pat: &str, mut script: Vec<Resp>) {
        let last = script.pop().expect("a non-empty script");
        self.routes.insert(
            0,
            Route {
                to,
                pat: pat.into(),
                script: script.into(),
                last,
            },
        );
    }

    pub fn vault(&mut self, pat: &str, script: Vec<Resp>) {
        self.route(Peer::Vault, pat, script)
    }

    pub fn provider(&mut self, script: Vec<Resp>) {
        self.route(Peer::Provider, "", script)
    }

    fn verify(&mut self, x: &Exchange) {
        if let Err(e) = self.verify_result(x) {
            panic!(
                "{} {} did not verify: {} ({})",
                x.method,
                x.url,
                e.code(),
                e.message()
            );
        }
    }

    /// The fake vault's check of one signed exchange (nonces recorded: a replay fails).
    pub fn verify_result(
        &mut self,
        x: &Exchange,
    ) -> Result<(), alter_protocol::verify::VerifyFailure> {
        let path = x
            .url
            .strip_prefix(BASE)
            .unwrap_or_else(|| panic!("vault exchange outside the base URL: {}", x.url));
        let body: &[u8] = match &x.body {
            ExchangeBody::Text(t) => t.as_bytes(),
            ExchangeBody::None => b"",
            ExchangeBody::Caller => panic!("a vault exchange with the caller's body"),
        };
        let headers: Vec<(String, String)> = x
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), wire_value(v)))
            .collect();
        let req = IncomingRequest {
            method: &x.method,
            path_and_query: path,
            headers: &headers,
            body,
        };
        let now = (self.now / 1000.0) as u64;
        let nonces = &mut self.nonces;
        verify_request(&req, KEY, now, &VerifyPolicy::default(), &mut |n, _| {
            !nonces.insert(n.to_string())
        })
    }

    fn check_exchange(&mut self, x: &Exchange) {
        assert!(
            x.timeout_ms.is_finite() && x.timeout_ms > 0.0,
            "timeout {}",
            x.timeout_ms
        );
        match x.to {
            Peer::Vault => {
                let dump = format!("{x:?}");
                assert!(
                    !dump.contains(SECRET),
                    "the credential reached the vault: {dump}"
                );
                assert_eq!(x.shadow_url, None);
                self.verify(x);
            }
            Peer::Provider => {
                assert!(
                    !x.url.starts_with(BASE),
                    "provider call to the vault: {}",
                    x.url
                );
                assert!(
                    !matches!(x.body, ExchangeBody::Text(_)),
                    "the engine never writes a provider body"
                );
                for (k, v) in &x.headers {
                    let k = k.to_ascii_lowercase();
                    assert!(
                        k != "x-api-key" && !k.starts_with("x-alter-"),
                        "{k} sent to the provider"
                    );
                    assert!(!v.contains(KEY), "the Alter key reached the provider");
                }
            }
        }
    }

    /// Performs one action; `None` when the action ends the call or job.
    pub fn perform(&mut self, id: u32, action: &Action) -> Option<Outcome> {
        match action {
            Action::Send(x) => {
                self.check_exchange(x);
                self.sent.push(Sent {
                    id,
                    at_ms: self.now,
                    x: x.clone(),
                });
                let route = self
                    .routes
                    .iter_mut()
                    .find(|r| r.to == x.to && x.url.contains(&r.pat))
                    .unwrap_or_else(|| panic!("no route for {:?} {}", x.to, x.url));
                let resp = route
                    .script
                    .pop_front()
                    .unwrap_or_else(|| route.last.clone());
                Some(match resp {
                    Resp::Reply {
                        status,
                        headers,
                        body,
                        delay_ms,
                    } => {
                        // The driver enforces the exchange's own deadline.
                        if delay_ms > x.timeout_ms {
                            self.now += x.timeout_ms;
                            return Some(Outcome::TimedOut);
                        }
                        self.now += delay_ms;
                        let body = match body {
                            Body::Complete(b) => BodyState::Complete(b),
                            Body::NotRead => BodyState::NotRead,
                            Body::Pending(c) => {
                                assert_eq!(
                                    x.to,
                                    Peer::Provider,
                                    "only provider bodies are pending"
                                );
                                self.pending_body = Some(c);
                                BodyState::Pending
                            }
                        };
                        Outcome::Received {
                            status,
                            headers,
                            body,
                        }
                    }
                    Resp::TimedOut => {
                        self.now += x.timeout_ms;
                        Outcome::TimedOut
                    }
                    Resp::Net(t) => Outcome::NetworkError(t),
                    Resp::Aborted => Outcome::Aborted,
                })
            }
            Action::Sleep { ms } => {
                assert!(ms.is_finite() && *ms >= 0.0, "sleep {ms}");
                self.sleeps.push((id, *ms));
                self.now += ms;
                Some(Outcome::Woke)
            }
            Action::ResolveToken => {
                self.resolves += 1;
                Some(Outcome::Token(self.user_token.clone()))
            }
            Action::ReadBody => {
                self.reads.push(id);
                let c = self.pending_body.clone().unwrap_or(Captured::Unavailable);
                Some(Outcome::Body(c))
            }
            Action::Done { .. } | Action::Fail(_) | Action::End => None,
        }
    }

    /// Takes a step's log lines and spawned jobs (queued in `jobs`).
    pub fn absorb(&mut self, step: &mut Step, jobs: &mut VecDeque<Step>) {
        self.steps_json
            .push(serde_json::from_str(&step.to_json()).expect("a step is JSON"));
        self.logs.append(&mut step.log);
        for s in step.spawned.drain(..) {
            self.jobs.push(s.id);
            jobs.push_back(s);
        }
    }

    /// Drives one call to its end: its last action (Done or Fail); then every background job
    /// spawned on the way, to End. Checks that nothing is left in the engine.
    pub fn drive(&mut self, first: Step) -> Action {
        let mut jobs = VecDeque::new();
        let end = self.drive_main(first, &mut jobs);
        self.drain(jobs);
        assert_eq!(self.engine.in_flight(), 0, "machines left in the engine");
        end
    }

    /// Drives one call to its end, collecting the jobs it spawned (not run).
    pub fn drive_main(&mut self, first: Step, jobs: &mut VecDeque<Step>) -> Action {
        let mut step = first;
        for _ in 0..STEP_LIMIT {
            self.absorb(&mut step, jobs);
            match self.perform(step.id, &step.action) {
                None => {
                    assert!(
                        !matches!(step.action, Action::End),
                        "a call ended like a job"
                    );
                    return step.action;
                }
                Some(o) => step = self.engine.step(step.id, o, self.now),
            }
        }
        panic!("call {} did not end within {STEP_LIMIT} steps", step.id);
    }

    /// Runs background jobs to End (and any they spawn).
    pub fn drain(&mut self, mut jobs: VecDeque<Step>) {
        while let Some(mut step) = jobs.pop_front() {
            let mut n = 0;
            loop {
                n += 1;
                assert!(n < STEP_LIMIT, "job {} did not end", step.id);
                self.absorb(&mut step, &mut jobs);
                assert!(
                    !matches!(
                        step.action,
                        Action::Done { .. } | Action::Fail(_) | Action::ResolveToken
                    ),
                    "a job answered {:?}",
                    step.action
                );
                match self.perform(step.id, &step.action) {
                    None => break,
                    Some(o) => step = self.engine.step(step.id, o, self.now),
                }
            }
        }
    }

    pub fn request(&mut self, input: RequestInput) -> Action {
        let first = self.engine.request(input, self.now);
        self.drive(first)
    }

    pub fn call(&mut self, input: CallInput) -> Action {
        let first = self.engine.call(input, self.now);
        self.drive(first)
    }

    pub fn sent_to(&self, pat: &str) -> Vec<&Sent> {
        self.sent.iter().filter(|s| s.x.url.contains(pat)).collect()
    }

    pub fn provider_calls(&self) -> Vec<&Sent> {
        self.sent
            .iter()
            .filter(|s| s.x.to == Peer::Provider)
            .collect()
    }

    pub fn audit_rows(&self) -> Vec<Value> {
        self.sent_to(AUDIT_PATH)
            .iter()
            .map(|s| s.body_json())
            .collect()
    }

    pub fn warns(&self) -> Vec<&str> {
        self.logs
            .iter()
            .filter(|(l, _)| *l == Level::Warn)
            .map(|(_, t)| t.as_str())
            .collect()
    }

    pub fn debugs(&self) -> Vec<&str> {
        self.logs
            .iter()
            .filter(|(l, _)| *l == Level::Debug)
            .map(|(_, t)| t.as_str())
            .collect()
    }
}

/// The protocol error of a Fail action.
#[track_caller]
pub fn err(a: &Action) -> &ProtocolError {
    match a {
        Action::Fail(Failure::Error(e)) => e,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[track_caller]
pub fn assert_err(a: &Action, class: ErrorClass, code: &str) -> ProtocolError {
    let e = err(a);
    assert_eq!(
        (e.class, e.code.as_str()),
        (class, code),
        "message: {}",
        e.message
    );
    e.clone()
}

/// The `result` of a Done action.
#[track_caller]
pub fn done(a: &Action) -> &Value {
    match a {
        Action::Done { result } => result,
        Action::Fail(Failure::Error(e)) => {
            panic!(
                "expected success, got {} {}: {}",
                e.class.name(),
                e.code,
                e.message
            )
        }
        other => panic!("expected success, got {other:?}"),
    }
}

/// The retryInfo of a request's result, parsed.
pub fn retry_info(a: &Action) -> Value {
    match &done(a)["retryInfo"] {
        Value::String(s) => serde_json::from_str(s).expect("retryInfo JSON"),
        Value::Null => Value::Null,
        other => panic!("retryInfo {other}"),
    }
}

/// A header value as a server reads it after the driver sent it: fetch (a ByteString) and
/// node:http (latin1) put one byte per character (all are <= U+00FF, checked before); the server
/// decodes the bytes as UTF-8 (the dev vault: `from_utf8_lossy`); HTTP parsers (fetch's Headers
/// normalisation, httparse) drop leading and trailing whitespace.
pub fn wire_value(v: &str) -> String {
    let bytes: Vec<u8> = v.chars().map(|c| u32::from(c).min(0xFF) as u8).collect();
    String::from_utf8_lossy(&bytes)
        .trim_matches([' ', '\t'])
        .to_string()
}
