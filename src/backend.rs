//! Signed requests to the Alter backend (§2) and the `call()` export for the namespaces.

use crate::client::{rejected, Inner};
use crate::convert;
use crate::error::Failure;
use crate::js;
use crate::plan::{self, ActorHeaders, BackendRequestParts};
use crate::retry;
use crate::transport::{self, TransportError};
use alter_protocol::{context, mapping, signing, HeaderList, ProtocolError, Result};
use js_sys::{Object, Promise};
use std::rc::Rc;
use wasm_bindgen::JsValue;
use web_sys::AbortSignal;

/// The per-request actor headers to send (§8): `None` for the scope report.
pub struct ActorArgs {
    pub caller_override: Option<String>,
    pub context: Option<String>,
}

pub struct BackendCall {
    pub method: String,
    /// `/sdk/...` with its query, as sent and signed.
    pub path: String,
    pub body: Option<Vec<u8>>,
    pub actor: Option<ActorArgs>,
    pub traceparent: Option<String>,
    pub extra_headers: Vec<(String, String)>,
    pub timeout_ms: f64,
    pub signal: Option<AbortSignal>,
    /// Whether `X-Alter-Actor-ID` on the response feeds the cache (§8.4: not for the scope report).
    pub read_actor: bool,
    /// A per-call fetch (e.g. bound by JS to the caller's async context); else the client's.
    pub fetch: Option<js_sys::Function>,
    /// The attenuation of a `withConstraints` sibling (§2.8), on every request it makes.
    pub constraints: Constraints,
    /// The request's caller-bound log function (see `Inner::log_via`), if the JS layer gave one.
    pub log: Option<js_sys::Function>,
}

/// `X-Alter-Scope-Constraints` / `X-Alter-Request-Rule` values (api-surface §1.9), already encoded
/// by `encodeScopeConstraints` / `encodeRequestRule` (protocol::context). Empty = unconstrained.
#[derive(Clone, Default)]
pub struct Constraints {
    pub scopes: String,
    pub rule: Option<String>,
}

impl Constraints {
    /// Reads `scopeConstraints` / `requestRule` (strings) from a call or opts object. The JS layer
    /// passes values the encoders produced; anything that cannot travel in a header is refused.
    pub fn from_opts(o: &convert::Opts<'_>) -> Result<Constraints> {
        let scopes = o.string("scopeConstraints")?.unwrap_or_default();
        let rule = o.string("requestRule")?.filter(|r| !r.is_empty());
        if !scopes.is_empty() && !plan::is_header_value(&scopes) {
            return Err(ProtocolError::value(
                "scopeConstraints must be a header value",
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

/// A backend answer (status, headers, whole body).
pub use crate::transport::Reply as BackendReply;

/// Signs and sends one backend request and reads the whole reply. The response hooks (actor id,
/// rate limit, deprecation) run before the status is looked at (§3.3 step 1). Transport failures
/// become NetworkError / TimeoutError (§3.3 step 3); the caller's abort passes through.
pub async fn send(inner: &Inner, call: BackendCall) -> std::result::Result<BackendReply, Failure> {
    send_once(inner, &call, call.timeout_ms).await
}

/// [`send`] with the client-side retries of [`crate::retry`]: a non-2xx reply or a failure that
/// is worth repeating is re-signed (fresh timestamp and nonce) and sent again, up to
/// `inner.max_retries` times, all attempts and sleeps within `call.timeout_ms`. Returns the last
/// outcome (a non-2xx reply is returned as a reply, for the caller's mapper) and the retries made.
pub async fn send_retrying(
    inner: &Inner,
    call: &BackendCall,
) -> (
    std::result::Result<BackendReply, Failure>,
    Vec<retry::ClientRetry>,
) {
    let mut retries = Vec::new();
    let started = js::now_ms();
    // A request carrying an Idempotency-Key (e.g. agents.create) is safe to repeat too: the vault
    // answers a repeat with the first result.
    let safe = retry::idempotent(&call.method, &call.path)
        || alter_protocol::header(&call.extra_headers, "idempotency-key").is_some();
    let allowed = if retry::never_retried(&call.path) {
        0
    } else {
        inner.max_retries
    };
    let mut attempt: u32 = 1;
    loop {
        let spent = js::now_ms() - started;
        let budget = if spent.is_finite() {
            call.timeout_ms - spent.max(0.0)
        } else {
            call.timeout_ms
        };
        let outcome = if budget <= 0.0 {
            Err(failure(inner, TransportError::Timeout, call.timeout_ms))
        } else {
            send_once(inner, call, budget).await
        };
        if attempt > allowed {
            return (outcome, retries);
        }
        let verdict = match &outcome {
            Ok(reply) if reply.status < 400 => retry::Verdict::Final,
            Ok(reply) => retry::judge_status(reply.status, &reply.headers, &reply.body, safe),
            Err(Failure::Protocol(e)) => retry::judge_error(&e.code, safe),
            Err(Failure::Js(_)) => retry::Verdict::Final,
        };
        let retry::Verdict::Retry {
            error_type,
            status,
            retry_after_s,
        } = verdict
        else {
            return (outcome, retries);
        };
        let Some(delay) = retry::delay_ms(attempt, retry_after_s) else {
            return (outcome, retries);
        };
        // Never sleep past the call's timeout: a retry that could not start in time is not made.
        let spent = js::now_ms() - started;
        if !spent.is_finite() || spent + delay >= call.timeout_ms {
            return (outcome, retries);
        }
        drop(outcome);
        retries.push(retry::ClientRetry {
            attempt,
            error_type,
            status,
            delay_ms: delay,
        });
        if let Err(reason) = retry::sleep(delay, call.signal.as_ref()).await {
            return (Err(Failure::Js(reason)), retries);
        }
        inner.log_via(
            call.log.as_ref(),
            "debug",
            &format!(
                "Retrying Alter Vault {} {} (attempt {})",
                call.method,
                path_only(&call.path),
                attempt + 1
            ),
        );
        attempt += 1;
    }
}

/// The path without its query (for log lines).
fn path_only(path: &str) -> &str {
    path.split('?').next().unwrap_or(path)
}

/// One signed attempt; `budget_ms` bounds this exchange, `call.timeout_ms` names it in a timeout.
async fn send_once(
    inner: &Inner,
    call: &BackendCall,
    budget_ms: f64,
) -> std::result::Result<BackendReply, Failure> {
    let random = js::random16().ok_or_else(|| {
        ProtocolError::sdk(
            "no_random_source",
            "crypto.getRandomValues is not available, so requests cannot be signed",
        )
    })?;
    let nonce = signing::nonce_hex(&random);
    let actor_id = inner.actor_id();
    let actor = call.actor.as_ref().map(|a| ActorHeaders {
        caller_override: a.caller_override.as_deref(),
        actor_id: actor_id.as_deref(),
        context: a.context.as_deref(),
    });
    let parts = BackendRequestParts {
        method: &call.method,
        path: &call.path,
        body: call.body.as_deref(),
        actor,
        traceparent: call.traceparent.as_deref(),
        extra_headers: &call.extra_headers,
        scope_constraints: &call.constraints.scopes,
        request_rule: call.constraints.rule.as_deref(),
    };
    let headers = plan::backend_header_block(
        &inner.defaults,
        &inner.signing_key,
        &parts,
        js::now_secs(),
        &nonce,
    );
    let url = format!("{}{}", inner.base_url, call.path);
    if let Some(reason) = transport::already_aborted(call.signal.as_ref()) {
        return Err(Failure::Js(reason));
    }
    let reply = transport::backend(&transport::Outgoing {
        fetch: call.fetch.as_ref().or(inner.fetch.as_ref()),
        url: &url,
        method: &call.method,
        headers: &headers,
        // Our bodies are ASCII JSON.
        body: call
            .body
            .as_deref()
            .map_or(transport::Body::None, transport::Body::text_or_bytes),
        timeout_ms: budget_ms,
        signal: call.signal.as_ref(),
    })
    .await
    .map_err(|e| failure(inner, e, call.timeout_ms))?;
    let used_override = call
        .actor
        .as_ref()
        .is_some_and(|a| a.caller_override.is_some());
    inner.observe_backend(
        &reply.headers,
        call.read_actor,
        used_override,
        call.log.as_ref(),
    );
    Ok(reply)
}

fn failure(inner: &Inner, e: TransportError, timeout_ms: f64) -> Failure {
    match e {
        TransportError::Aborted(reason) => Failure::Js(reason),
        TransportError::Timeout => Failure::Protocol(
            mapping::timeout_error(&format!(
                "Request to Alter Vault backend timed out after {} ms",
                timeout_ms as u64
            ))
            .with_detail("base_url", inner.base_url.clone()),
        ),
        TransportError::Network(msg) => Failure::Protocol(mapping::network_error(
            &format!("Failed to connect to Alter Vault backend: {msg}"),
            Some(&inner.base_url),
        )),
    }
}

/// Which error mapper a namespace call uses (§7.2, api-surface §3.4, proxy).
#[derive(Clone, Copy)]
enum Mapper {
    Canonical,
    Agents,
    Proxy,
}

impl Mapper {
    fn map(self, status: u16, headers: &HeaderList, body: &[u8]) -> ProtocolError {
        match self {
            Mapper::Canonical => mapping::map_backend_error(status, headers, body),
            Mapper::Agents => mapping::map_agents_error(status, headers, body),
            Mapper::Proxy => mapping::map_proxy_error(status, headers, body),
        }
    }
}

struct PreparedCall {
    call: BackendCall,
    mapper: Mapper,
}

fn prepare_call(
    inner: &Inner,
    method: String,
    path: String,
    body: Option<String>,
    opts: &JsValue,
) -> Result<PreparedCall> {
    let method = plan::normalize_method(&method)?;
    if !path.starts_with("/sdk/") {
        return Err(ProtocolError::value(
            "backend call path must start with /sdk/",
        ));
    }
    let mapper = match convert::opt_string(opts, "mapper")?.as_deref() {
        None | Some("canonical") => Mapper::Canonical,
        Some("agents") => Mapper::Agents,
        Some("proxy") => Mapper::Proxy,
        Some(_) => {
            return Err(ProtocolError::value(
                "mapper must be canonical, agents or proxy",
            ))
        }
    };
    let actor_headers = convert::opt_bool(opts, "actorHeaders")?.unwrap_or(true);
    let caller = convert::opt_string(opts, "caller")?;
    if let Some(c) = &caller {
        context::validate_caller(c)?;
    }
    let context_header = match convert::opt_pairs(opts, "context")? {
        Some(pairs) if !pairs.is_empty() => context::encode_context(&pairs)?,
        _ => None,
    };
    // An ambient traceparent that is not valid is dropped (§8.3 "no header"); an explicit one in
    // extraHeaders must be valid.
    let ambient = convert::opt_string(opts, "traceparent")?
        .filter(|t| context::validate_traceparent(t).is_ok());
    let extra = convert::opt_pairs(opts, "extraHeaders")?.unwrap_or_default();
    let (extra_headers, traceparent) = plan::check_namespace_headers(extra, ambient)?;
    let signal = convert::opt_signal(opts, "signal")?;
    let fetch = convert::opt_function(opts, "fetch")?;
    let log = convert::opt_function(opts, "log")?;
    let constraints = Constraints::from_opts(&convert::Opts::unread(opts))?;
    let timeout_ms = match convert::opt_number(opts, "timeoutMs")? {
        None => inner.timeout_ms,
        Some(t) if t.is_finite() && t > 0.0 => t,
        Some(_) => return Err(ProtocolError::value("timeoutMs must be a positive number")),
    };
    inner.check_open()?;
    let actor = actor_headers.then_some(ActorArgs {
        caller_override: caller,
        context: context_header,
    });
    Ok(PreparedCall {
        call: BackendCall {
            method,
            path,
            body: body.map(String::into_bytes),
            read_actor: actor.is_some(),
            actor,
            traceparent,
            extra_headers,
            timeout_ms,
            signal,
            fetch,
            constraints,
            log,
        },
        mapper,
    })
}

/// `call(method, path, body, opts)` → `Promise<{status, headers, body}>`; non-2xx rejects with
/// the mapped error.
pub fn start_call(
    inner: &Rc<Inner>,
    method: String,
    path: String,
    body: Option<String>,
    opts: &JsValue,
) -> Promise {
    let prepared = match prepare_call(inner, method, path, body, opts) {
        Ok(p) => p,
        Err(e) => return rejected(e.into()),
    };
    let inner = Rc::clone(inner);
    crate::exec::spawn_promise(async move {
        let call = prepared.call;
        let reply = if matches!(prepared.mapper, Mapper::Proxy) {
            send(&inner, call).await
        } else {
            send_retrying(&inner, &call).await.0
        };
        let reply = reply.map_err(JsValue::from)?;
        if !(200..300).contains(&reply.status) {
            let e = prepared
                .mapper
                .map(reply.status, &reply.headers, &reply.body);
            return Err(JsValue::from(Failure::from(e)));
        }
        let out = Object::new();
        convert::set(&out, "status", &JsValue::from_f64(f64::from(reply.status)));
        convert::set(&out, "headers", &convert::pairs_to_js(&reply.headers));
        convert::set(
            &out,
            "body",
            &JsValue::from_str(&String::from_utf8_lossy(&reply.body)),
        );
        Ok(out.into())
    })
}
