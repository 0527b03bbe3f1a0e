//! What the engine asks the JS driver to do next ([`Action`]) and what the driver reports back
//! ([`Outcome`]). Every answer of the engine is one [`Step`], handed to JS as one JSON text.

use alter_protocol::{json, ProtocolError};
use serde_json::Value;

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
    /// For the provider call: the provider the token answer named (the driver's `allowedHosts`).
    pub provider: Option<String>,
    /// For the provider call: the hosts the token answer allows, when the vault sent a list.
    pub allowed_hosts: Option<Vec<String>>,
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
    Sleep {
        ms: f64,
    },
    /// Call `userTokenGetter` and report [`Outcome::Token`].
    ResolveToken,
    /// Read the provider body (bounded by the capture limit) and report [`Outcome::Body`].
    ReadBody,
    /// The call succeeded; `result` is the JSON the driver returns with it.
    Done {
        result: Value,
    },
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
    /// With `End` of an audit job: the vault did not accept the row (the driver's `confirmAudit`).
    pub unconfirmed: bool,
}

impl Step {
    pub fn new(id: u32, action: Action) -> Step {
        Step {
            id,
            action,
            log: Vec::new(),
            spawned: Vec::new(),
            unconfirmed: false,
        }
    }

    /// The JSON text handed to JS: `{id, a, ...fields of the action, log?, spawn?}`. Written
    /// straight to text: this runs on every crossing.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(256);
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        let str_field = |out: &mut String, k: &str, v: &str| {
            out.push_str(",\"");
            out.push_str(k);
            out.push_str("\":");
            json::write_string(out, v, false);
        };
        out.push_str("{\"id\":");
        out.push_str(&self.id.to_string());
        match &self.action {
            Action::Send(x) => {
                out.push_str(",\"a\":\"send\",\"to\":");
                out.push_str(match x.to {
                    Peer::Vault => "\"vault\"",
                    Peer::Provider => "\"provider\"",
                });
                str_field(out, "method", &x.method);
                str_field(out, "url", &x.url);
                out.push_str(",\"headers\":[");
                for (i, (k, v)) in x.headers.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('[');
                    json::write_string(out, k, false);
                    out.push(',');
                    json::write_string(out, v, false);
                    out.push(']');
                }
                out.push(']');
                match &x.body {
                    ExchangeBody::None => {}
                    ExchangeBody::Text(t) => str_field(out, "body", t),
                    ExchangeBody::Caller => out.push_str(",\"callerBody\":true"),
                }
                out.push_str(",\"ms\":");
                out.push_str(&whole_ms(x.timeout_ms).to_string());
                if x.to == Peer::Provider {
                    out.push_str(",\"capture\":");
                    out.push_str(&alter_protocol::audit::AUDIT_BODY_CAPTURE_LIMIT.to_string());
                }
                if let Some(u) = &x.shadow_url {
                    str_field(out, "shadowUrl", u);
                }
                if let Some(p) = &x.provider {
                    str_field(out, "provider", p);
                }
                if let Some(hosts) = &x.allowed_hosts {
                    out.push_str(",\"allowedHosts\":[");
                    for (i, h) in hosts.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        json::write_string(out, h, false);
                    }
                    out.push(']');
                }
            }
            Action::Sleep { ms } => {
                out.push_str(",\"a\":\"sleep\",\"ms\":");
                out.push_str(&whole_ms(*ms).to_string());
            }
            Action::ResolveToken => out.push_str(",\"a\":\"token\""),
            Action::ReadBody => out.push_str(",\"a\":\"read\""),
            Action::Done { result } => {
                out.push_str(",\"a\":\"done\",\"result\":");
                json::write_value(out, result, false);
            }
            Action::Fail(Failure::Error(e)) => {
                out.push_str(",\"a\":\"fail\",\"error\":");
                json::write_value(out, &e.to_json(), false);
            }
            Action::Fail(Failure::Aborted) => out.push_str(",\"a\":\"fail\",\"aborted\":true"),
            Action::End => out.push_str(",\"a\":\"end\""),
        }
        if self.unconfirmed {
            out.push_str(",\"unconfirmed\":true");
        }
        if !self.log.is_empty() {
            out.push_str(",\"log\":[");
            for (i, (level, text)) in self.log.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(match level {
                    Level::Debug => "[\"debug\",",
                    Level::Warn => "[\"warn\",",
                });
                json::write_string(out, text, false);
                out.push(']');
            }
            out.push(']');
        }
        if !self.spawned.is_empty() {
            out.push_str(",\"spawn\":[");
            for (i, s) in self.spawned.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                s.write(out);
            }
            out.push(']');
        }
        out.push('}');
    }
}

/// Milliseconds as a whole number for JS timers (rounded up, so a deadline never comes early).
fn whole_ms(ms: f64) -> u64 {
    if ms.is_finite() && ms > 0.0 {
        ms.ceil() as u64
    } else {
        0
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_valid_json_with_every_field() {
        let mut step = Step::new(
            7,
            Action::Send(Exchange {
                to: Peer::Provider,
                method: "POST".into(),
                url: "https://api.test/a?q=\"x\"".into(),
                headers: vec![
                    ("X-A".into(), "1\t\\2".into()),
                    ("__proto__".into(), "é".into()),
                ],
                body: ExchangeBody::Caller,
                timeout_ms: 1500.5,
                shadow_url: Some("https://api.test/a".into()),
                provider: Some("google".into()),
                allowed_hosts: Some(vec!["*.googleapis.com".into()]),
            }),
        );
        step.log.push((Level::Warn, "line \"one\"\n".into()));
        step.spawned.push(Step::new(8, Action::Sleep { ms: 12.0 }));
        step.spawned.push(Step::new(
            9,
            Action::Fail(ProtocolError::value("bad \u{1}").into()),
        ));
        let v: Value = serde_json::from_str(&step.to_json()).expect("valid JSON");
        assert_eq!(v["id"], 7);
        assert_eq!(v["a"], "send");
        assert_eq!(v["to"], "provider");
        assert_eq!(v["url"], "https://api.test/a?q=\"x\"");
        assert_eq!(v["headers"][0][1], "1\t\\2");
        assert_eq!(v["headers"][1][0], "__proto__");
        assert_eq!(v["headers"][1][1], "é");
        assert_eq!(v["callerBody"], true);
        assert_eq!(v["ms"], 1501);
        assert_eq!(v["capture"], 10_000);
        assert_eq!(v["shadowUrl"], "https://api.test/a");
        assert_eq!(v["provider"], "google");
        assert_eq!(v["allowedHosts"][0], "*.googleapis.com");
        assert_eq!(v["log"][0][0], "warn");
        assert_eq!(v["log"][0][1], "line \"one\"\n");
        assert_eq!(v["spawn"][0]["a"], "sleep");
        assert_eq!(v["spawn"][0]["ms"], 12);
        assert_eq!(v["spawn"][1]["error"]["class"], "AlterValueError");
        assert_eq!(v["spawn"][1]["error"]["message"], "bad \u{1}");

        let done = Step::new(
            3,
            Action::Done {
                result: serde_json::json!({"retryInfo": null}),
            },
        );
        let v: Value = serde_json::from_str(&done.to_json()).expect("valid JSON");
        assert_eq!(
            v,
            serde_json::json!({"id": 3, "a": "done", "result": {"retryInfo": null}})
        );
        let aborted = Step::new(4, Action::Fail(Failure::Aborted));
        let v: Value = serde_json::from_str(&aborted.to_json()).expect("valid JSON");
        assert_eq!(
            v,
            serde_json::json!({"id": 4, "a": "fail", "aborted": true})
        );
        for (action, a) in [
            (Action::ResolveToken, "token"),
            (Action::ReadBody, "read"),
            (Action::End, "end"),
        ] {
            let v: Value =
                serde_json::from_str(&Step::new(1, action).to_json()).expect("valid JSON");
            assert_eq!(v["a"], a);
        }
    }
}
