//! `call()`: one signed vault call for the namespaces (agents, keys, grants, proxy, …), its
//! answer mapped to the error classes of §7.2 / api-surface §3.4 when it is not a 2xx.

use crate::action::{Action, Failure, Level, Outcome};
use crate::client::Client;
use crate::plan;
use crate::vault::{ActorArgs, Constraints, Progress, VaultCall, VaultRun};
use alter_protocol::{context, mapping, HeaderList, ProtocolError, Result};
use serde_json::{Map, Value};

/// Which error mapper a namespace call uses (§7.2, api-surface §3.4, proxy).
#[derive(Clone, Copy, Debug)]
pub enum Mapper {
    Canonical,
    Agents,
    Proxy,
}

impl Mapper {
    pub fn parse(name: Option<&str>) -> Result<Mapper> {
        match name {
            None | Some("canonical") => Ok(Mapper::Canonical),
            Some("agents") => Ok(Mapper::Agents),
            Some("proxy") => Ok(Mapper::Proxy),
            Some(_) => Err(ProtocolError::value(
                "mapper must be canonical, agents or proxy",
            )),
        }
    }

    fn map(self, status: u16, headers: &HeaderList, body: &[u8]) -> ProtocolError {
        match self {
            Mapper::Canonical => mapping::map_backend_error(status, headers, body),
            Mapper::Agents => mapping::map_agents_error(status, headers, body),
            Mapper::Proxy => mapping::map_proxy_error(status, headers, body),
        }
    }
}

/// The arguments of one `call()`, as the JS layer passes them.
#[derive(Debug, Clone)]
pub struct CallInput {
    pub method: String,
    pub path: String,
    pub body: Option<String>,
    pub mapper: Option<String>,
    /// Whether the per-request actor headers are sent (§8).
    pub actor_headers: bool,
    pub caller: Option<String>,
    pub context: Vec<(String, String)>,
    /// Ambient; an invalid one is dropped (§8.3 "no header"). An explicit one in `extra_headers`
    /// must be valid.
    pub traceparent: Option<String>,
    pub extra_headers: Vec<(String, String)>,
    pub timeout_ms: Option<f64>,
    pub scope_constraints: Option<String>,
    pub request_rule: Option<String>,
}

/// One namespace call in flight.
pub struct CallRun {
    run: VaultRun,
    mapper: Mapper,
}

fn prepare(client: &Client, i: CallInput) -> Result<(VaultCall, Mapper)> {
    let method = plan::normalize_method(&i.method)?;
    if !i.path.starts_with("/sdk/") {
        return Err(ProtocolError::value(
            "backend call path must start with /sdk/",
        ));
    }
    let mapper = Mapper::parse(i.mapper.as_deref())?;
    if let Some(c) = &i.caller {
        context::validate_caller(c)?;
    }
    let context_header = if i.context.is_empty() {
        None
    } else {
        context::encode_context(&i.context)?
    };
    let ambient = i
        .traceparent
        .filter(|t| context::validate_traceparent(t).is_ok());
    let (extra_headers, traceparent) = plan::check_namespace_headers(i.extra_headers, ambient)?;
    let constraints = Constraints::new(i.scope_constraints, i.request_rule)?;
    let timeout_ms = match i.timeout_ms {
        None => client.timeout_ms,
        Some(t) if t.is_finite() && t > 0.0 => t,
        Some(_) => return Err(ProtocolError::value("timeoutMs must be a positive number")),
    };
    let actor = i.actor_headers.then_some(ActorArgs {
        caller_override: i.caller,
        context: context_header,
    });
    Ok((
        VaultCall {
            method,
            path: i.path,
            body: i.body,
            read_actor: actor.is_some(),
            actor,
            traceparent,
            extra_headers,
            timeout_ms,
            constraints,
            // The vault makes the provider call of a proxy request: never repeated.
            retries: !matches!(mapper, Mapper::Proxy),
        },
        mapper,
    ))
}

impl CallRun {
    pub fn start(client: &Client, input: CallInput, now_ms: f64) -> (Option<CallRun>, Action) {
        match prepare(client, input) {
            Err(e) => (None, Action::Fail(e.into())),
            Ok((call, mapper)) => {
                let (run, action) = VaultRun::start(client, call, now_ms);
                (Some(CallRun { run, mapper }), action)
            }
        }
    }

    pub fn on(
        mut self,
        client: &Client,
        outcome: Outcome,
        now_ms: f64,
        log: &mut Vec<(Level, String)>,
    ) -> (Option<CallRun>, Action) {
        match self.run.on(client, outcome, now_ms, log) {
            Progress::Next(action) => (Some(self), action),
            Progress::Over(Err(f)) => (None, Action::Fail(f)),
            Progress::Over(Ok(reply)) if (200..300).contains(&reply.status) => {
                let mut m = Map::new();
                m.insert("status".into(), Value::from(reply.status));
                let headers = reply
                    .headers
                    .iter()
                    .map(|(k, v)| {
                        Value::Array(vec![Value::from(k.as_str()), Value::from(v.as_str())])
                    })
                    .collect();
                m.insert("headers".into(), Value::Array(headers));
                m.insert(
                    "body".into(),
                    Value::from(String::from_utf8_lossy(&reply.body).into_owned()),
                );
                (
                    None,
                    Action::Done {
                        result: Value::Object(m),
                    },
                )
            }
            Progress::Over(Ok(reply)) => {
                let e = self.mapper.map(reply.status, &reply.headers, &reply.body);
                (None, Action::Fail(Failure::Error(e)))
            }
        }
    }
}
