//! What the engine asks the JS driver to do next ([`Action`]) and what the driver reports back
//! ([`Outcome`]). Every answer of the engine is one [`Step`], handed to JS as one JSON text.

use alter_protocol::ProtocolError;
use serde_json::{Map, Value};

/// Who an exchange goes to: the driver picks the transport by it (in Node, vault calls may go
/// over `node:http`; the provider call always takes fetch, because the caller gets its Response).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    Vault,
    Provider,
}

/// The body of an exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExchangeBody {
    None,
    /// Our own JSON text (vault calls).
    Text(String),
    /// The caller's `json` or `body`, which the driver holds (provider call).
    Caller,
}

/// One HTTP exchange to perform, never following a redirect.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    pub to: Peer,
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: ExchangeBody,
    /// The exchange's own deadline; for the provider call it ends with the response head unless
    /// the body is read for the audit row.
    pub timeout_ms: f64,
    /// What the caller's `response.url` shows instead of `url` (a credential in the query).
    pub shadow_url: Option<String>,
}

/// Why a call failed: a protocol error, or the caller's own abort (its reason passes through).
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    Error(ProtocolError),
    Aborted,
}

impl From<ProtocolError> for Failure {
    fn from(e: ProtocolError) -> Self {
        Failure::Error(e)
    }
}

/// The next thing to do for one call.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Send(Exchange),
    /// A retry backoff; report [`Outcome::Woke`] after it.
    Sleep { ms: f64 },
    /// Call `userTokenGetter` and report [`Outcome::Token`].
    ResolveToken,
    /// Read the provider body (bounded by the capture limit) and report [`Outcome::Body`].
    ReadBody,
    /// The call succeeded; `result` is the JSON the driver returns with it.
    Done { result: Value },
    Fail(Failure),
    /// A background job (audit row, scope report) is over.
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Debug,
    Warn,
}

/// One answer of the engine: the action for call `id`, log lines to emit in the caller's
/// context, and background jobs started by this step (each with its first action).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub id: u32,
    pub action: Action,
    pub log: Vec<(Level, String)>,
    pub spawned: Vec<Step>,
}

impl Step {
    pub fn new(id: u32, action: Action) -> Step {
        Step {
            id,
            action,
            log: Vec::new(),
            spawned: Vec::new(),
        }
    }

    /// The JSON text handed to JS: `{id, a, ...fields of the action, log?, spawn?}`.
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }

    fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), Value::from(self.id));
        match &self.action {
            Action::Send(x) => {
                m.insert("a".into(), "send".into());
                let to = match x.to {
                    Peer::Vault => "vault",
                    Peer::Provider => "provider",
                };
                m.insert("to".into(), to.into());
                m.insert("method".into(), Value::from(x.method.as_str()));
                m.insert("url".into(), Value::from(x.url.as_str()));
                let headers = x
                    .headers
                    .iter()
                    .map(|(k, v)| Value::Array(vec![Value::from(k.as_str()), Value::from(v.as_str())]))
                    .collect();
                m.insert("headers".into(), Value::Array(headers));
                match &x.body {
                    ExchangeBody::None => {}
                    ExchangeBody::Text(t) => {
                        m.insert("body".into(), Value::from(t.as_str()));
                    }
                    ExchangeBody::Caller => {
                        m.insert("callerBody".into(), Value::Bool(true));
                    }
                }
                m.insert("ms".into(), Value::from(x.timeout_ms));
                if x.to == Peer::Provider {
                    m.insert(
                        "capture".into(),
                        Value::from(alter_protocol::audit::AUDIT_BODY_CAPTURE_LIMIT),
                    );
                }
                if let Some(s) = &x.shadow_url {
                    m.insert("shadowUrl".into(), Value::from(s.as_str()));
                }
            }
            Action::Sleep { ms } => {
                m.insert("a".into(), "sleep".into());
                m.insert("ms".into(), Value::from(*ms));
            }
            Action::ResolveToken => {
                m.insert("a".into(), "token".into());
            }
            Action::ReadBody => {
                m.insert("a".into(), "read".into());
            }
            Action::Done { result } => {
                m.insert("a".into(), "done".into());
                m.insert("result".into(), result.clone());
            }
            Action::Fail(Failure::Error(e)) => {
                m.insert("a".into(), "fail".into());
                m.insert("error".into(), e.to_json());
            }
            Action::Fail(Failure::Aborted) => {
                m.insert("a".into(), "fail".into());
                m.insert("aborted".into(), Value::Bool(true));
            }
            Action::End => {
                m.insert("a".into(), "end".into());
            }
        }
        if !self.log.is_empty() {
            let lines = self
                .log
                .iter()
                .map(|(level, text)| {
                    let level = match level {
                        Level::Debug => "debug",
                        Level::Warn => "warn",
                    };
                    Value::Array(vec![level.into(), Value::from(text.as_str())])
                })
                .collect();
            m.insert("log".into(), Value::Array(lines));
        }
        if !self.spawned.is_empty() {
            m.insert(
                "spawn".into(),
                Value::Array(self.spawned.iter().map(Step::to_value).collect()),
            );
        }
        Value::Object(m)
    }
}

/// How the provider body reached the driver with the response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyState {
    /// Read whole (vault answers; provider bodies of declared length within the capture limit).
    Complete(Vec<u8>),
    /// Not read: its declared length is over the capture limit.
    NotRead,
    /// Of unknown length: the driver captures it on request ([`Action::ReadBody`]) or for the
    /// audit row.
    Pending,
}

/// A bounded read of a provider body of unknown length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Captured {
    /// The whole body, within the capture limit.
    Whole(Vec<u8>),
    /// More than the capture limit; the read stopped there (the length is not known).
    Over,
    /// Not complete within the time it was given, or the stream failed.
    Unavailable,
}

/// What the driver reports for a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Received {
        status: u16,
        headers: Vec<(String, String)>,
        body: BodyState,
    },
    TimedOut,
    /// The caller's AbortSignal fired.
    Aborted,
    /// Any other transport failure; the runtime's text (it may quote a URL, so it is only shown
    /// for vault calls).
    NetworkError(String),
    Woke,
    Token(String),
    Body(Captured),
}
