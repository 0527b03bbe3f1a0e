//! One HTTP exchange over `fetch`: request init (method, headers in order, body, `redirect:
//! "manual"` so a credential never follows a redirect, §1.7), a timeout that really aborts the
//! exchange (AbortController + setTimeout, combined with the caller's AbortSignal), and reading
//! the status, headers and body.

use crate::js;
use js_sys::{Array, Function, Promise, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, RequestInit, RequestRedirect, Response};

/// How an exchange failed, before any protocol meaning is given to it.
pub enum TransportError {
    /// Our timer fired.
    Timeout,
    /// The caller's own AbortSignal fired; carries its `reason`, passed through unchanged.
    Aborted(JsValue),
    /// Anything else (DNS, refused, reset, TLS, a bad header the runtime refused). The text is
    /// the runtime's own message, which the caller decides whether to show.
    Network(String),
}

/// The timer and abort wiring of one exchange. Dropping it clears the timer (so an abandoned or
/// finished exchange leaves no timer behind) without aborting anything.
pub struct Deadline {
    controller: Option<AbortController>,
    timer: JsValue,
    signal: Option<AbortSignal>,
    caller: Option<AbortSignal>,
}

impl Deadline {
    /// Starts the clock now. Fails at once if the caller's signal is already aborted.
    pub fn start(
        timeout_ms: f64,
        caller: Option<&AbortSignal>,
    ) -> Result<Deadline, TransportError> {
        if let Some(c) = caller {
            if c.aborted() {
                return Err(TransportError::Aborted(c.reason()));
            }
        }
        let controller = AbortController::new().ok();
        let mut timer = JsValue::UNDEFINED;
        if let Some(ctrl) = &controller {
            // `controller.abort.bind(controller)`: a plain JS function, so no Rust closure is
            // kept alive (or leaked) for the timer.
            if let Some(abort) = js::method(ctrl, "abort") {
                let bound: Function = abort.bind0(ctrl);
                timer = js::start_timer(&bound, timeout_ms);
            }
        }
        let own = controller.as_ref().map(|c| c.signal());
        let signal = match (&own, caller) {
            (Some(o), Some(c)) => Some(js::any_signal(&[o, c]).unwrap_or_else(|| o.clone())),
            (Some(o), None) => Some(o.clone()),
            (None, Some(c)) => Some(c.clone()),
            (None, None) => None,
        };
        Ok(Deadline {
            controller,
            timer,
            signal,
            caller: caller.cloned(),
        })
    }

    /// Names a rejection of fetch or of a body read.
    pub fn classify(&self, err: &JsValue) -> TransportError {
        if let Some(c) = &self.caller {
            if c.aborted() {
                return TransportError::Aborted(c.reason());
            }
        }
        if self
            .controller
            .as_ref()
            .is_some_and(|c| c.signal().aborted())
        {
            return TransportError::Timeout;
        }
        TransportError::Network(error_text(err))
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        js::clear_timer(&self.timer);
    }
}

/// `err.message` plus `err.cause.message`/`code` when present (undici puts the reason there),
/// capped at 300 characters.
fn error_text(err: &JsValue) -> String {
    let field = |v: &JsValue, k: &str| {
        js_sys::Reflect::get(v, &JsValue::from_str(k))
            .ok()
            .and_then(|x| x.as_string())
    };
    let mut text = if err.is_object() {
        field(err, "message").unwrap_or_default()
    } else {
        err.as_string().unwrap_or_default()
    };
    if err.is_object() {
        if let Ok(cause) = js_sys::Reflect::get(err, &JsValue::from_str("cause")) {
            if cause.is_object() {
                if let Some(m) = field(&cause, "message").or_else(|| field(&cause, "code")) {
                    if !m.is_empty() {
                        text = if text.is_empty() {
                            m
                        } else {
                            format!("{text} ({m})")
                        };
                    }
                }
            }
        }
    }
    if text.is_empty() {
        text = "fetch failed".into();
    }
    crate::plan::truncate_chars(&text, 300).to_string()
}

/// A received response head.
pub struct Head {
    pub response: Response,
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

/// Sends one request and waits for the response head. The deadline stays in force until the
/// caller drops it (keep it while reading the body).
pub async fn send(
    custom_fetch: Option<&Function>,
    url: &str,
    method: &str,
    headers: &[(String, String)],
    body: Option<&[u8]>,
    deadline: &Deadline,
) -> Result<Head, TransportError> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_headers(&crate::convert::pairs_to_js(headers));
    if let Some(b) = body {
        init.set_body(&Uint8Array::from(b));
    }
    init.set_redirect(RequestRedirect::Manual);
    if let Some(s) = &deadline.signal {
        init.set_signal(Some(s));
    }
    let promise = js::fetch(custom_fetch, url, &init).map_err(|e| deadline.classify(&e))?;
    let value = JsFuture::from(promise)
        .await
        .map_err(|e| deadline.classify(&e))?;
    let response: Response = value
        .dyn_into()
        .map_err(|_| TransportError::Network("fetch did not return a Response".into()))?;
    let status = response.status();
    let headers = read_headers(&response);
    Ok(Head {
        response,
        status,
        headers,
    })
}

/// The response headers as (name, value) pairs (lower-case names, as fetch gives them).
pub fn read_headers(response: &Response) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(Some(iter)) = js_sys::try_iter(&response.headers()) else {
        return out;
    };
    for entry in iter.flatten() {
        if let Some(pair) = entry.dyn_ref::<Array>() {
            if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                out.push((k, v));
            }
        }
    }
    out
}

/// Reads the whole body under the exchange's deadline.
pub async fn read_body(
    response: &Response,
    deadline: &Deadline,
) -> Result<Vec<u8>, TransportError> {
    let promise = response.array_buffer().map_err(|e| deadline.classify(&e))?;
    let buf = JsFuture::from(promise)
        .await
        .map_err(|e| deadline.classify(&e))?;
    Ok(Uint8Array::new(&buf).to_vec())
}

/// A body read for the audit row: the first `limit + 1` bytes at most, and the total length.
pub struct CappedBody {
    pub head: Vec<u8>,
    pub total: usize,
}

/// Reads a body (a clone the caller does not see) for the audit row, keeping at most `limit + 1`
/// bytes in wasm memory (linear memory never shrinks, so a large download must not pass through
/// it) and counting the rest, giving up `ms` after the start: a streamed provider response must
/// not hold the audit (and `close()`) forever. `None` when the body could not be read in time or
/// at all; the reader is then cancelled so the clone stops buffering.
pub async fn read_body_capped(response: &Response, limit: usize, ms: f64) -> Option<CappedBody> {
    let body = js_sys::Reflect::get(response, &JsValue::from_str("body")).ok()?;
    if body.is_null() || body.is_undefined() {
        return Some(CappedBody {
            head: Vec::new(),
            total: 0,
        });
    }
    let reader = js::method(&body, "getReader")?.call0(&body).ok()?;
    let read = js::method(&reader, "read")?;
    let mut timer = JsValue::UNDEFINED;
    let timeout = Promise::new(&mut |resolve: Function, _reject: Function| {
        timer = js::start_timer(&resolve, ms);
    });
    let keep = limit.saturating_add(1);
    let mut out = CappedBody {
        head: Vec::new(),
        total: 0,
    };
    let complete = loop {
        let Ok(next) = read.call0(&reader) else {
            break false;
        };
        let race = Promise::race(&Array::of2(&next, &timeout));
        let Ok(chunk) = JsFuture::from(race).await else {
            break false;
        };
        if chunk.is_undefined() {
            break false; // the timer won
        }
        let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done")).ok();
        if done.and_then(|d| d.as_bool()).unwrap_or(true) {
            break true;
        }
        let Ok(value) = js_sys::Reflect::get(&chunk, &JsValue::from_str("value")) else {
            break false;
        };
        let Some(bytes) = value.dyn_ref::<Uint8Array>() else {
            break false;
        };
        let len = bytes.length() as usize;
        let room = keep.saturating_sub(out.head.len());
        if room > 0 {
            let take = room.min(len) as u32;
            out.head
                .extend_from_slice(&bytes.subarray(0, take).to_vec());
        }
        out.total = out.total.saturating_add(len);
    };
    js::clear_timer(&timer);
    if complete {
        return Some(out);
    }
    // Cancel the clone. Not awaited: a tee branch's cancel settles only once the other branch
    // (the caller's) is cancelled too; its rejection is handled.
    if let Some(cancel) = js::method(&reader, "cancel") {
        if let Ok(p) = cancel.call0(&reader) {
            js::detach(&Promise::resolve(&p));
        }
    }
    None
}
