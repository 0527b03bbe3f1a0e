//! `WasmClient`, the object the JS layer wraps (App / Agent). Every exported method takes `&self`
//! and returns at once or with a Promise; the shared state sits in `Inner` behind an `Rc`, in
//! `Cell`/`RefCell` fields that are only borrowed for a statement, never across an `.await` and
//! never while calling into JS (a JS callback may re-enter the client).

use crate::convert;
use crate::error::{to_js, Failure};
use crate::plan::{self, ActorUpdate, ClientDefaults};
use alter_protocol::error::codes;
use alter_protocol::signing::PreparedKey;
use alter_protocol::{context, keys, url, ProtocolError, Result};
use js_sys::{Array, Function, Object, Promise};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Public App/Agent default (§1.6): 30 s.
const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;

/// §10: the message every call on a closed client fails with.
pub const CLOSED_MESSAGE: &str =
    "SDK instance has been closed. Create a new SDK client (App / Agent) to make requests.";

pub(crate) struct Inner {
    pub defaults: ClientDefaults,
    /// Derived from the API key (§1.2), HMAC pads prepared.
    pub signing_key: PreparedKey,
    pub base_url: String,
    pub timeout_ms: f64,
    /// Agent clients re-raise GrantNotFoundError as AgentDelegationMissingError (§7.2).
    pub agent: bool,
    /// A `fetch` supplied by the application (App option `fetch`), else the global one.
    pub fetch: Option<Function>,
    /// Client-side retries of vault calls (`maxRetries`, crate::retry; a divergence from §7.4).
    pub max_retries: u32,
    closed: Cell<bool>,
    actor_id: RefCell<Option<String>>,
    /// JSON text of the last RetryInfo (snake_case), §7.7.
    last_retry_info: RefCell<Option<String>>,
    last_rate_limit: Cell<Option<(u64, u64, u64)>>,
    deprecation_warned: Cell<bool>,
    /// §1.3: plain http to a loopback backend is allowed with a warning, given once a logger is set.
    insecure_loopback: bool,
    insecure_warned: Cell<bool>,
    logger: RefCell<Option<JsValue>>,
    on_audit: RefCell<Option<Function>>,
    pending: RefCell<Vec<(u32, Promise)>>,
    next_task: Cell<u32>,
}

impl Inner {
    pub fn is_closed(&self) -> bool {
        self.closed.get()
    }

    pub fn check_open(&self) -> Result<()> {
        if self.closed.get() {
            return Err(ProtocolError::sdk(codes::CLIENT_CLOSED, CLOSED_MESSAGE));
        }
        Ok(())
    }

    pub fn actor_id(&self) -> Option<String> {
        self.actor_id.try_borrow().ok().and_then(|a| a.clone())
    }

    pub fn set_last_retry_info(&self, v: Option<String>) {
        if let Ok(mut r) = self.last_retry_info.try_borrow_mut() {
            *r = v;
        }
    }

    /// Calls `logger[level](message)` if the application set a logger with that method. The
    /// logger is cloned out first so a re-entrant logger cannot hit a held borrow.
    pub fn log(&self, level: &str, message: &str) {
        let logger = match self.logger.try_borrow() {
            Ok(l) => l.clone(),
            Err(_) => None,
        };
        if let Some(logger) = logger {
            if let Some(f) = crate::js::method(&logger, level) {
                let _ = f.call1(&logger, &JsValue::from_str(message));
            }
        }
    }

    /// Logs through `via`, the caller-bound log function of the request this message belongs to
    /// (`(level, message)`, bound by the JS layer to the caller's async context so a logger that
    /// reads AsyncLocalStorage sees that request's store, never another's); else as [`Inner::log`].
    pub fn log_via(&self, via: Option<&Function>, level: &str, message: &str) {
        match via {
            Some(f) => {
                let _ = f.call2(
                    &JsValue::UNDEFINED,
                    &JsValue::from_str(level),
                    &JsValue::from_str(message),
                );
            }
            None => self.log(level, message),
        }
    }

    fn warn_insecure_once(&self) {
        let has_logger = self
            .logger
            .try_borrow()
            .map(|l| l.is_some())
            .unwrap_or(false);
        if self.insecure_loopback && has_logger && !self.insecure_warned.get() {
            self.insecure_warned.set(true);
            self.log(
                "warn",
                &format!(
                    "Alter backend {} uses plain http: allowed for loopback development only",
                    alter_protocol::url::redact_url_for_log(&self.base_url)
                ),
            );
        }
    }

    /// The response hooks of §1.8 and §8.4, run on every backend response (errors included):
    /// actor-id cache, rate-limit snapshot, one-time deprecated-key warning.
    pub fn observe_backend(
        &self,
        headers: &[(String, String)],
        read_actor: bool,
        used_override: bool,
        via: Option<&Function>,
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
                ActorUpdate::Conflict => self.log_via(
                    via,
                    "warn",
                    "Backend returned a different X-Alter-Actor-ID than the cached one; keeping the cached id",
                ),
                ActorUpdate::Keep => {}
            }
        }
        if let Some(s) = alter_protocol::retry::parse_rate_limit(headers, crate::js::now_secs()) {
            self.last_rate_limit
                .set(Some((s.limit, s.remaining, s.reset_at)));
        }
        if !self.deprecation_warned.get()
            && alter_protocol::header(headers, "x-alter-key-deprecated") == Some("true")
        {
            self.deprecation_warned.set(true);
            self.log_via(
                via,
                "warn",
                "The Alter API key used by this client is deprecated: mint a replacement key and revoke this one",
            );
        }
    }

    /// Runs `fut` in the background as a tracked task (audit rows, scope reports): its Promise is
    /// in `pendingAudits()` until it settles, and the JS `onAudit` callback receives it. The
    /// task never rejects.
    pub fn spawn_tracked<F>(self: &Rc<Self>, fut: F) -> Promise
    where
        F: Future<Output = ()> + 'static,
    {
        let id = self.next_task.get().wrapping_add(1);
        self.next_task.set(id);
        let inner = Rc::clone(self);
        // The task's first poll runs now (crate::exec), and a task that ends within it must not
        // leave its entry behind: `finished` says so, and the entry is then not added.
        let finished = Rc::new(Cell::new(false));
        let task_finished = Rc::clone(&finished);
        let promise = crate::exec::spawn_promise(async move {
            fut.await;
            task_finished.set(true);
            if let Ok(mut p) = inner.pending.try_borrow_mut() {
                p.retain(|(i, _)| *i != id);
            }
            Ok(JsValue::UNDEFINED)
        });
        if !finished.get() {
            if let Ok(mut p) = self.pending.try_borrow_mut() {
                p.push((id, promise.clone()));
            }
        }
        let cb = self.on_audit.try_borrow().ok().and_then(|c| c.clone());
        if let Some(cb) = cb {
            if cb.call1(&JsValue::UNDEFINED, &promise).is_err() {
                self.log("warn", "onAudit callback threw; the audit task still runs");
            }
        }
        promise
    }
}

/// The wasm core of one App or Agent.
#[wasm_bindgen]
pub struct WasmClient {
    inner: Rc<Inner>,
}

fn parse_config(config: &JsValue) -> Result<Inner> {
    if !config.is_object() {
        return Err(ProtocolError::value("WasmClient config must be an object"));
    }
    let api_key = convert::opt_string(config, "apiKey")?.unwrap_or_default();
    if api_key.is_empty() {
        return Err(ProtocolError::value("apiKey is required"));
    }
    keys::validate_api_key(&api_key)?;
    let base = match convert::opt_string(config, "baseUrl")? {
        Some(b) => b,
        None => url::DEFAULT_BASE_URL.to_string(),
    };
    let base = url::validate_base_url(&base)?;
    let timeout_ms = match convert::opt_number(config, "timeoutMs")? {
        None => DEFAULT_TIMEOUT_MS,
        Some(t) if t.is_finite() && t > 0.0 => t,
        Some(_) => {
            return Err(ProtocolError::value(
                "timeout must be a positive number of milliseconds",
            ))
        }
    };
    let caller = convert::opt_string(config, "caller")?;
    if let Some(c) = &caller {
        context::validate_caller(c)?;
    }
    let caller_type =
        convert::opt_string(config, "callerType")?.unwrap_or_else(|| "service".into());
    context::validate_caller_type(&caller_type)?;
    let user_agent = convert::opt_string(config, "userAgent")?
        .unwrap_or_else(|| format!("alter-edge/{}", crate::VERSION));
    if user_agent.is_empty() || !plan::is_header_value(&user_agent) {
        return Err(ProtocolError::value(
            "userAgent must be a non-empty header value",
        ));
    }
    let max_retries = match convert::opt_number(config, "maxRetries")? {
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
    let agent = convert::opt_bool(config, "agent")?.unwrap_or(false);
    let fetch = convert::opt_function(config, "fetch")?;
    let signing_key = PreparedKey::new(&keys::derive_signing_key(&api_key));
    let inner = Inner {
        defaults: ClientDefaults {
            api_key,
            user_agent,
            caller,
            caller_type,
        },
        signing_key,
        base_url: base.url,
        timeout_ms,
        agent,
        fetch,
        max_retries,
        closed: Cell::new(false),
        actor_id: RefCell::new(None),
        last_retry_info: RefCell::new(None),
        last_rate_limit: Cell::new(None),
        deprecation_warned: Cell::new(false),
        insecure_loopback: base.insecure_loopback,
        insecure_warned: Cell::new(false),
        logger: RefCell::new(None),
        on_audit: RefCell::new(None),
        pending: RefCell::new(Vec::new()),
        next_task: Cell::new(0),
    };
    if let Ok(logger) = convert::get(config, "logger")?.dyn_into::<Object>() {
        if let Ok(mut l) = inner.logger.try_borrow_mut() {
            *l = Some(logger.into());
        }
    }
    inner.warn_insecure_once();
    Ok(inner)
}

/// A promise rejected with the converted failure (requests never throw synchronously).
pub(crate) fn rejected(f: Failure) -> Promise {
    Promise::reject(&JsValue::from(f))
}

#[wasm_bindgen]
impl WasmClient {
    /// Validates the key (§1.1), base URL (§1.3), caller and caller type (§1.5); throws an Alter
    /// error object on failure.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> std::result::Result<WasmClient, JsValue> {
        match parse_config(&config) {
            Ok(inner) => Ok(WasmClient {
                inner: Rc::new(inner),
            }),
            Err(e) => Err(to_js(&e)),
        }
    }

    /// `request(call)` → `Promise<{response, retryInfo, audit}>` (retrieve mode, §4).
    pub fn request(&self, call: JsValue) -> Promise {
        crate::request::start(&self.inner, &call)
    }

    /// Runs every local check of `request(call)` (§4.2) synchronously, with no I/O; throws the
    /// same typed error `request` would reject with. The JS layer calls it before it resolves the
    /// user token, so a request that can never be sent does not call `userTokenGetter`.
    pub fn check(&self, call: JsValue) -> std::result::Result<(), JsValue> {
        crate::request::check(&self.inner, &call).map_err(|e| to_js(&e))
    }

    /// A signed backend call for the namespaces (agents, keys, grants, …).
    pub fn call(
        &self,
        method: String,
        path: String,
        body: Option<String>,
        opts: JsValue,
    ) -> Promise {
        crate::backend::start_call(&self.inner, method, path, body, &opts)
    }

    /// Promises of audit rows and scope reports not yet finished.
    #[wasm_bindgen(js_name = pendingAudits)]
    pub fn pending_audits(&self) -> Array {
        let arr = Array::new();
        if let Ok(p) = self.inner.pending.try_borrow() {
            for (_, promise) in p.iter() {
                arr.push(promise);
            }
        }
        arr
    }

    /// Registers (or with `null`, removes) the callback that receives each background task's
    /// Promise as it is scheduled (for `ctx.waitUntil`).
    #[wasm_bindgen(js_name = onAudit)]
    pub fn on_audit(&self, cb: JsValue) -> std::result::Result<(), JsValue> {
        let cb = if cb.is_null() || cb.is_undefined() {
            None
        } else {
            Some(
                cb.dyn_into::<Function>()
                    .map_err(|_| to_js(&ProtocolError::value("onAudit expects a function")))?,
            )
        };
        if let Ok(mut c) = self.inner.on_audit.try_borrow_mut() {
            *c = cb;
        }
        Ok(())
    }

    #[wasm_bindgen(js_name = actorId)]
    pub fn actor_id(&self) -> Option<String> {
        self.inner.actor_id()
    }

    /// RetryInfo of the most recent `request()` (§7.7), snake_case fields, or `null`.
    #[wasm_bindgen(js_name = lastRetryInfo)]
    pub fn last_retry_info(&self) -> JsValue {
        let text = self
            .inner
            .last_retry_info
            .try_borrow()
            .ok()
            .and_then(|r| r.clone());
        match text {
            Some(t) => convert::json_to_js(&t),
            None => JsValue::NULL,
        }
    }

    /// `{limit, remaining, resetAt}` (resetAt in Unix seconds) from the last backend response
    /// that carried a complete rate-limit header set (§7.6), or `null`.
    #[wasm_bindgen(js_name = lastRateLimit)]
    pub fn last_rate_limit(&self) -> JsValue {
        match self.inner.last_rate_limit.get() {
            None => JsValue::NULL,
            Some((limit, remaining, reset_at)) => {
                let o = Object::new();
                convert::set(&o, "limit", &JsValue::from_f64(limit as f64));
                convert::set(&o, "remaining", &JsValue::from_f64(remaining as f64));
                convert::set(&o, "resetAt", &JsValue::from_f64(reset_at as f64));
                o.into()
            }
        }
    }

    #[wasm_bindgen(js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.inner.base_url.clone()
    }

    /// Marks the client closed: later `request`/`call` reject with code `client_closed`. Tasks
    /// already scheduled keep running (JS awaits `pendingAudits()`).
    pub fn close(&self) {
        self.inner.closed.set(true);
    }

    #[wasm_bindgen(js_name = isClosed)]
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// `{debug?, info?, warn?, error?}` or `null`. Without a logger nothing is logged.
    #[wasm_bindgen(js_name = setLogger)]
    pub fn set_logger(&self, logger: JsValue) {
        let v = if logger.is_object() {
            Some(logger)
        } else {
            None
        };
        if let Ok(mut l) = self.inner.logger.try_borrow_mut() {
            *l = v;
        }
        self.inner.warn_insecure_once();
    }
}
