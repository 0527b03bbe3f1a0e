//! One HTTP exchange over `fetch`, performed by `js/io.js` in a single call (the wasm core passes
//! one header block and gets one back: see that file for why). In Node, a backend exchange goes
//! over node:http instead when nothing asks for fetch (`js/io.js` `nodeTransport`; the same
//! outcome arrays, no redirect followed either). Here: the request headers as a block, the
//! outcome decoded into Rust values, and the audit capture of a clone.
//!
//! The rules are unchanged: `redirect: "manual"` so a credential never follows a redirect (§1.7),
//! a timeout that really aborts the exchange (AbortController + setTimeout, combined with the
//! caller's AbortSignal), the provider Response handed back with its status, headers and body.

use crate::js;
use crate::plan;
use js_sys::{Array, Function, Promise, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortSignal, Response};

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

/// Outcome kinds and modes of `js/io.js` `exchange`.
const KIND_OK: f64 = 0.0;
const KIND_TIMEOUT: f64 = 1.0;
const KIND_ABORTED: f64 = 2.0;
const MODE_BACKEND: u32 = 0;
const MODE_PROVIDER: u32 = 1;

/// A request body. Text (our JSON, the caller's serialised `json`) goes to fetch as a string,
/// which Node's fetch writes with less work than bytes; bytes stay bytes (a string body would
/// get a default `text/plain` Content-Type).
#[derive(Clone, Copy)]
pub enum Body<'a> {
    None,
    Text(&'a str),
    Bytes(&'a [u8]),
}

impl<'a> Body<'a> {
    /// UTF-8 text goes as a string (JSON bodies: ours and the caller's serialised `json`).
    pub fn text_or_bytes(b: &'a [u8]) -> Body<'a> {
        match std::str::from_utf8(b) {
            Ok(t) => Body::Text(t),
            Err(_) => Body::Bytes(b),
        }
    }
}

/// The reason of a caller's AbortSignal that has already fired.
pub fn already_aborted(signal: Option<&AbortSignal>) -> Option<JsValue> {
    signal.filter(|s| s.aborted()).map(AbortSignal::reason)
}

/// What one exchange sends.
pub struct Outgoing<'a> {
    pub fetch: Option<&'a Function>,
    pub url: &'a str,
    pub method: &'a str,
    /// The request headers as a `js/io.js` block ([`plan::header_block`]).
    pub headers: &'a str,
    pub body: Body<'a>,
    pub timeout_ms: f64,
    pub signal: Option<&'a AbortSignal>,
}

/// Runs one exchange and returns the resolved outcome array with its kind checked (`Ok` = the
/// array of a completed exchange).
async fn run(
    out: &Outgoing<'_>,
    mode: u32,
    capture_limit: usize,
    shadow_url: &str,
) -> Result<Array, TransportError> {
    let fetch: JsValue = out
        .fetch
        .map(|f| f.clone().into())
        .unwrap_or(JsValue::UNDEFINED);
    let signal: JsValue = out
        .signal
        .map(|s| s.clone().into())
        .unwrap_or(JsValue::UNDEFINED);
    let (body_kind, body_text, body_bytes): (u32, &str, &[u8]) = match out.body {
        Body::None => (0, "", &[]),
        Body::Text(t) => (1, t, &[]),
        Body::Bytes(b) => (2, "", b),
    };
    let promise = js::exchange(
        &fetch,
        out.url,
        out.method,
        out.headers,
        body_kind,
        body_text,
        body_bytes,
        js::timer_ms(out.timeout_ms),
        &signal,
        mode,
        capture_limit as f64,
        shadow_url,
    )
    .map_err(|_| TransportError::Network("fetch could not be called".into()))?;
    let value = crate::exec::wait(&promise)
        .await
        .map_err(|_| TransportError::Network("fetch failed".into()))?;
    let arr: Array = value
        .dyn_into()
        .map_err(|_| TransportError::Network("fetch failed".into()))?;
    let kind = arr.get(0).as_f64().unwrap_or(-1.0);
    if kind == KIND_OK {
        return Ok(arr);
    }
    Err(if kind == KIND_TIMEOUT {
        TransportError::Timeout
    } else if kind == KIND_ABORTED {
        TransportError::Aborted(arr.get(1))
    } else {
        TransportError::Network(
            arr.get(1)
                .as_string()
                .unwrap_or_else(|| "fetch failed".into()),
        )
    })
}

fn status_of(arr: &Array) -> u16 {
    arr.get(1)
        .as_f64()
        .filter(|s| s.is_finite() && (0.0..=999.0).contains(s))
        .map(|s| s as u16)
        .unwrap_or(0)
}

fn bytes_of(v: &JsValue) -> Option<Vec<u8>> {
    v.dyn_ref::<Uint8Array>().map(|a| a.to_vec())
}

/// A backend answer: status, headers and the whole body, all read under the timeout.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// One exchange with the Alter backend: the body is read within the timeout.
pub async fn backend(out: &Outgoing<'_>) -> Result<Reply, TransportError> {
    let arr = run(out, MODE_BACKEND, 0, "").await?;
    Ok(Reply {
        status: status_of(&arr),
        headers: plan::parse_header_block(&arr.get(2).as_string().unwrap_or_default()),
        body: bytes_of(&arr.get(3)).unwrap_or_default(),
    })
}

/// A provider response head, with the body when it was read on the way (see `js/io.js`).
pub struct ProviderHead {
    /// The Response for the caller (rebuilt around `body` when that was read).
    pub response: Response,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The whole body, when its declared length was within the capture limit.
    pub body: Option<Vec<u8>>,
    /// A capture of a clone ([`capture`]), when the body length was not declared.
    pub capture: Option<Promise>,
}

/// The provider call. `shadow_url`, when non-empty, is what `response.url` shows instead of the
/// URL the request went to (a credential injected into the query must not be readable there).
pub async fn provider(
    out: &Outgoing<'_>,
    capture_limit: usize,
    shadow_url: &str,
) -> Result<ProviderHead, TransportError> {
    let arr = run(out, MODE_PROVIDER, capture_limit, shadow_url).await?;
    let response: Response = arr
        .get(3)
        .dyn_into()
        .map_err(|_| TransportError::Network("fetch did not return a Response".into()))?;
    let capture = arr.get(5).dyn_into::<Promise>().ok();
    Ok(ProviderHead {
        response,
        status: status_of(&arr),
        headers: plan::parse_header_block(&arr.get(2).as_string().unwrap_or_default()),
        body: bytes_of(&arr.get(4)),
        capture,
    })
}

/// A body read for the audit row: the first `limit + 1` bytes at most, and the total length.
pub struct CappedBody {
    pub head: Vec<u8>,
    pub total: usize,
}

/// The result of a capture promise from [`provider`]: `None` when the clone could not be read
/// completely within the time the capture was given.
pub async fn capture(p: Promise) -> Option<CappedBody> {
    let v = crate::exec::wait(&p).await.ok()?;
    let arr = v.dyn_ref::<Array>()?;
    let head = bytes_of(&arr.get(0))?;
    let total = arr
        .get(1)
        .as_f64()
        .filter(|t| t.is_finite() && *t >= 0.0)
        .map(|t| t as usize)?;
    Some(CappedBody { head, total })
}
