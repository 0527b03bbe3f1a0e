//! The JS↔wasm boundary, and the only module that knows about it. The engine imports nothing
//! from JS: it is handed values and answers with values.
//!
//! One crossing per engine call. The driver writes a call's input (a JSON text, or for an outcome
//! a plain text, then any body bytes) into a buffer in wasm memory ([`io_buffer`]) and calls one
//! method with the lengths; the
//! method writes its [`Step`] as JSON into an output buffer and returns where it is as one number
//! (`ptr · 2^32 + len`), which the driver decodes before its next call. No glue allocation or
//! string conversion per call.

use crate::action::{BodyState, Captured, Outcome, Step};
use crate::call::CallInput;
use crate::client::ClientConfig;
use crate::engine::Engine;
use crate::request::RequestInput;
use alter_protocol::{ProtocolError, Result};
use serde_json::Value;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// `ioBuffer(capacity)` → the address of an input buffer of at least `capacity` bytes. The address
/// stays valid until the next call that asks for more.
#[wasm_bindgen(js_name = ioBuffer)]
pub fn io_buffer(capacity: u32) -> u32 {
    INPUT.with(|b| match b.try_borrow_mut() {
        Ok(mut b) => {
            let want = capacity as usize;
            if b.len() < want {
                b.resize(want, 0);
            }
            b.as_ptr() as u32
        }
        Err(_) => 0,
    })
}

/// The input the driver wrote: `head_len` bytes (a JSON text or a plain text), then `body_len`
/// bytes of body; `read` turns the head into its value.
fn read_buffer<T>(
    head_len: u32,
    body_len: u32,
    read: impl FnOnce(&[u8]) -> Option<T>,
) -> Option<(T, Option<Vec<u8>>)> {
    INPUT.with(|b| {
        let b = b.try_borrow().ok()?;
        let h = head_len as usize;
        let end = h.checked_add(body_len as usize)?;
        let head = read(b.get(..h)?)?;
        let body = (body_len > 0)
            .then(|| b.get(h..end).map(<[u8]>::to_vec))
            .flatten();
        Some((head, body))
    })
}

/// A call's input: its JSON, then its body.
fn read_input(json_len: u32, body_len: u32) -> Option<(Value, Option<Vec<u8>>)> {
    read_buffer(json_len, body_len, |h| serde_json::from_slice(h).ok())
}

/// An outcome's input: its UTF-8 text, then its body.
fn read_raw(text_len: u32, body_len: u32) -> Option<(String, Option<Vec<u8>>)> {
    read_buffer(text_len, body_len, |h| {
        std::str::from_utf8(h).ok().map(str::to_string)
    })
}

/// Response headers as the driver writes them: `name\nvalue\n…` (a received header can hold no
/// line feed).
fn header_block(block: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut parts = block.split('\n');
    while let (Some(k), Some(v)) = (parts.next(), parts.next()) {
        out.push((k.to_string(), v.to_string()));
    }
    out
}

/// Writes `text` to the output buffer; returns `ptr · 2^32 + len`.
fn write_output(text: &str) -> f64 {
    OUTPUT.with(|b| match b.try_borrow_mut() {
        Ok(mut b) => {
            b.clear();
            b.extend_from_slice(text.as_bytes());
            (b.as_ptr() as u32 as f64) * 4_294_967_296.0 + b.len() as f64
        }
        Err(_) => 0.0,
    })
}

/// An error as the JSON text the JS layer turns into its class (`createAlterError`).
fn error_value(e: &ProtocolError) -> JsValue {
    JsValue::from_str(&alter_protocol::json::to_json_utf8(&e.to_json()))
}

fn bad_input() -> ProtocolError {
    ProtocolError::sdk("internal_error", "the engine could not read its input")
}

fn string(v: &Value, k: &str) -> Result<Option<String>> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ProtocolError::value(format!("{k} must be a string"))),
    }
}

fn number(v: &Value, k: &str) -> Result<Option<f64>> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(_) => Err(ProtocolError::value(format!("{k} must be a number"))),
    }
}

fn flag(v: &Value, k: &str) -> bool {
    v.get(k).and_then(Value::as_bool).unwrap_or(false)
}

/// `[[name, value], …]`.
fn pairs(v: &Value, k: &str) -> Result<Vec<(String, String)>> {
    let Some(list) = v.get(k) else {
        return Ok(Vec::new());
    };
    let bad = || ProtocolError::value(format!("{k} must be a list of [name, value] strings"));
    match list {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|item| match item.as_array().map(Vec::as_slice) {
                Some([Value::String(a), Value::String(b)]) => Ok((a.clone(), b.clone())),
                _ => Err(bad()),
            })
            .collect(),
        _ => Err(bad()),
    }
}

fn request_input(v: &Value, body: Option<Vec<u8>>) -> Result<RequestInput> {
    Ok(RequestInput {
        method: string(v, "method")?.unwrap_or_default(),
        url: string(v, "url")?.unwrap_or_default(),
        grant_id: string(v, "grantId")?,
        provider: string(v, "provider")?,
        account: string(v, "account")?,
        label: string(v, "label")?,
        app_user_id: string(v, "appUserId")?,
        user_token: string(v, "userToken")?,
        reason: string(v, "reason")?,
        caller: string(v, "caller")?,
        headers: pairs(v, "headers")?,
        query: pairs(v, "query")?,
        path_params: pairs(v, "pathParams")?,
        context: pairs(v, "context")?,
        json: string(v, "json")?,
        body,
        traceparent: string(v, "traceparent")?,
        scope_constraints: string(v, "scopeConstraints")?,
        request_rule: string(v, "requestRule")?,
        token_from_getter: flag(v, "getter"),
    })
}

fn call_input(v: &Value, body: Option<Vec<u8>>) -> Result<CallInput> {
    Ok(CallInput {
        method: string(v, "method")?.unwrap_or_default(),
        path: string(v, "path")?.unwrap_or_default(),
        body: body.map(|b| String::from_utf8_lossy(&b).into_owned()),
        mapper: string(v, "mapper")?,
        actor_headers: v
            .get("actorHeaders")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        caller: string(v, "caller")?,
        context: pairs(v, "context")?,
        traceparent: string(v, "traceparent")?,
        extra_headers: pairs(v, "extraHeaders")?,
        timeout_ms: number(v, "timeoutMs")?,
        scope_constraints: string(v, "scopeConstraints")?,
        request_rule: string(v, "requestRule")?,
    })
}

/// Outcome kinds the driver reports; mirrored in js/core/driver.js.
const RECEIVED: u32 = 0;
const TIMED_OUT: u32 = 1;
const ABORTED: u32 = 2;
const NETWORK_ERROR: u32 = 3;
const WOKE: u32 = 4;
const TOKEN: u32 = 5;
const BODY: u32 = 6;

/// Body states of a received answer and capture results; mirrored in js/core/driver.js.
const BODY_COMPLETE: u32 = 0;
const BODY_NOT_READ: u32 = 1;
const BODY_PENDING: u32 = 2;
const CAPTURE_WHOLE: u32 = 0;
const CAPTURE_OVER: u32 = 1;

fn outcome(
    kind: u32,
    detail: u32,
    status: u32,
    text: String,
    body: Option<Vec<u8>>,
) -> Option<Outcome> {
    Some(match kind {
        RECEIVED => Outcome::Received {
            status: u16::try_from(status).ok().filter(|s| *s <= 999)?,
            headers: header_block(&text),
            body: match detail {
                BODY_COMPLETE => BodyState::Complete(body.unwrap_or_default()),
                BODY_NOT_READ => BodyState::NotRead,
                BODY_PENDING => BodyState::Pending,
                _ => return None,
            },
        },
        TIMED_OUT => Outcome::TimedOut,
        ABORTED => Outcome::Aborted,
        NETWORK_ERROR => Outcome::NetworkError(text),
        WOKE => Outcome::Woke,
        TOKEN => Outcome::Token(text),
        BODY => Outcome::Body(match detail {
            CAPTURE_WHOLE => Captured::Whole(body.unwrap_or_default()),
            CAPTURE_OVER => Captured::Over,
            _ => Captured::Unavailable,
        }),
        _ => return None,
    })
}

/// The engine of one App or Agent.
#[wasm_bindgen]
pub struct WasmEngine {
    engine: Engine,
}

#[wasm_bindgen]
impl WasmEngine {
    /// `new WasmEngine(configJson, seed)`; throws the JSON text of an Alter error.
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str, seed: &[u8]) -> std::result::Result<WasmEngine, JsValue> {
        let build = || -> Result<Engine> {
            let v: Value = serde_json::from_slice(config.as_bytes())
                .map_err(|_| ProtocolError::value("client options must be an object"))?;
            Engine::new(ClientConfig {
                api_key: string(&v, "apiKey")?.unwrap_or_default(),
                base_url: string(&v, "baseUrl")?,
                timeout_ms: number(&v, "timeoutMs")?,
                caller: string(&v, "caller")?,
                caller_type: string(&v, "callerType")?,
                user_agent: string(&v, "userAgent")?.unwrap_or_default(),
                max_retries: number(&v, "maxRetries")?,
                agent: flag(&v, "agent"),
                seed: seed.to_vec(),
            })
        };
        build()
            .map(|engine| WasmEngine { engine })
            .map_err(|e| error_value(&e))
    }

    /// `request()`: the input buffer holds the call's JSON and the raw body, if any.
    pub fn request(&self, json_len: u32, body_len: u32, now_ms: f64) -> f64 {
        let step = match read_input(json_len, body_len) {
            None => Step::new(0, crate::action::Action::Fail(bad_input().into())),
            Some((v, body)) => match request_input(&v, body) {
                Ok(input) => self.engine.request(input, now_ms),
                Err(e) => Step::new(0, crate::action::Action::Fail(e.into())),
            },
        };
        write_output(&step.to_json())
    }

    /// A signed vault call for the namespaces: the call's JSON, then its body text.
    pub fn call(&self, json_len: u32, body_len: u32, now_ms: f64) -> f64 {
        let step = match read_input(json_len, body_len) {
            None => Step::new(0, crate::action::Action::Fail(bad_input().into())),
            Some((v, body)) => match call_input(&v, body) {
                Ok(input) => self.engine.call(input, now_ms),
                Err(e) => Step::new(0, crate::action::Action::Fail(e.into())),
            },
        };
        write_output(&step.to_json())
    }

    /// Reports an outcome of call `id` (`kind`, `detail` as above, the HTTP status of a received
    /// answer); the input buffer holds its text (a header block, the user token or an error
    /// text) and then its body.
    #[allow(clippy::too_many_arguments)]
    pub fn step(
        &self,
        id: u32,
        kind: u32,
        detail: u32,
        status: u32,
        text_len: u32,
        body_len: u32,
        now_ms: f64,
    ) -> f64 {
        let parsed = read_raw(text_len, body_len)
            .and_then(|(text, body)| outcome(kind, detail, status, text, body));
        let step = match parsed {
            Some(o) => self.engine.step(id, o, now_ms),
            None => {
                self.engine.forget(id);
                Step::new(id, crate::action::Action::Fail(bad_input().into()))
            }
        };
        write_output(&step.to_json())
    }

    /// Forgets call `id` (the driver stopped it before its next exchange).
    pub fn forget(&self, id: u32) {
        self.engine.forget(id);
    }

    /// The backend URL in use.
    #[wasm_bindgen(js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.engine.client().base_url.clone()
    }

    /// §1.3: plain http to a loopback backend (the JS layer warns once).
    #[wasm_bindgen(js_name = insecureLoopback)]
    pub fn insecure_loopback(&self) -> bool {
        self.engine.client().insecure_loopback
    }

    #[wasm_bindgen(js_name = actorId)]
    pub fn actor_id(&self) -> Option<String> {
        self.engine.client().actor_id()
    }

    /// RetryInfo of the most recent `request()` (§7.7) as JSON text (snake_case), or none.
    #[wasm_bindgen(js_name = lastRetryInfo)]
    pub fn last_retry_info(&self) -> Option<String> {
        self.engine.client().last_retry_info()
    }

    /// `[limit, remaining, resetAt]` (Unix seconds) of the last complete rate-limit header set
    /// (§7.6), or none.
    #[wasm_bindgen(js_name = lastRateLimit)]
    pub fn last_rate_limit(&self) -> Option<Vec<f64>> {
        self.engine
            .last_rate_limit()
            .map(|r| vec![r.limit as f64, r.remaining as f64, r.reset_at as f64])
    }
}

/// `isValidKey(key)`: the client-side key grammar of api-surface §1.1.
#[wasm_bindgen(js_name = isValidKey)]
pub fn is_valid_key(key: &str) -> bool {
    alter_protocol::keys::is_valid_key(key)
}

/// `encodeScopeConstraints(scopes)` → the `X-Alter-Scope-Constraints` value (§1.9); throws the
/// JSON text of an AlterValueError for an empty list, an empty entry or `*`.
#[wasm_bindgen(js_name = encodeScopeConstraints)]
pub fn encode_scope_constraints(scopes: Vec<String>) -> std::result::Result<String, JsValue> {
    alter_protocol::context::scope_constraints_header(&scopes).map_err(|e| error_value(&e))
}

/// `encodeRequestRule(ruleType, ruleBodyJson)` → the `X-Alter-Request-Rule` value (§1.9).
#[wasm_bindgen(js_name = encodeRequestRule)]
pub fn encode_request_rule(
    rule_type: &str,
    rule_body_json: &str,
) -> std::result::Result<String, JsValue> {
    let body: Value = serde_json::from_slice(rule_body_json.as_bytes()).map_err(|_| {
        error_value(&ProtocolError::value(
            "with_constraints: rule_body must be a JSON object",
        ))
    })?;
    alter_protocol::context::request_rule_header(rule_type, &body).map_err(|e| error_value(&e))
}

/// `applyPathParams(url, pairsJson)` → the URL with `{name}` placeholders filled and
/// percent-encoded (protocol-core §4.3), for `proxyRequest`.
#[wasm_bindgen(js_name = applyPathParams)]
pub fn apply_path_params(url: &str, pairs_json: &str) -> std::result::Result<String, JsValue> {
    let v: Value = serde_json::from_slice(pairs_json.as_bytes()).unwrap_or(Value::Null);
    let holder = serde_json::json!({ "p": v });
    let params = pairs(&holder, "p").map_err(|e| error_value(&e))?;
    alter_protocol::url::apply_path_params(url, &params).map_err(|e| error_value(&e))
}
