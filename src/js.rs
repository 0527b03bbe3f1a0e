//! Direct bindings to the JS globals the SDK uses. Only globals every target runtime has (Node 20+,
//! Deno, workerd): `fetch`, `setTimeout`/`clearTimeout`, `crypto.getRandomValues`,
//! `AbortSignal.any`, never `window`. Every binding that can throw is `catch`, so a JS exception
//! never unwinds through Rust frames.

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_fetch(input: &str, init: &web_sys::RequestInit) -> Result<Promise, JsValue>;

    #[wasm_bindgen(catch, js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_name = clearTimeout)]
    fn clear_timeout_js(id: &JsValue) -> Result<(), JsValue>;

    #[wasm_bindgen(catch, js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_namespace = AbortSignal, js_name = any)]
    fn abort_signal_any(signals: &Array) -> Result<web_sys::AbortSignal, JsValue>;
}

/// Calls `fetch(url, init)`: the user-supplied fetch when there is one, else the global.
pub fn fetch(
    custom: Option<&Function>,
    url: &str,
    init: &web_sys::RequestInit,
) -> Result<Promise, JsValue> {
    match custom {
        Some(f) => {
            let v = f.call2(&JsValue::UNDEFINED, &JsValue::from_str(url), init)?;
            Ok(Promise::resolve(&v))
        }
        None => global_fetch(url, init),
    }
}

/// Largest delay setTimeout honours (larger values fire at once in Node).
const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// `setTimeout(f, ms)`; returns the timer handle (or `undefined` if it could not be set).
pub fn start_timer(f: &Function, ms: f64) -> JsValue {
    let ms = if ms.is_finite() {
        ms.clamp(0.0, MAX_TIMER_MS)
    } else {
        MAX_TIMER_MS
    };
    set_timeout(f, ms).unwrap_or(JsValue::UNDEFINED)
}

pub fn clear_timer(id: &JsValue) {
    if !id.is_undefined() {
        let _ = clear_timeout_js(id);
    }
}

/// 16 bytes from the platform CSPRNG. There is no fallback: without a secure source the request
/// is refused.
pub fn random16() -> Option<[u8; 16]> {
    let mut b = [0u8; 16];
    get_random_values(&mut b).ok()?;
    Some(b)
}

/// `AbortSignal.any(signals)`, or `None` where the runtime lacks it.
pub fn any_signal(signals: &[&web_sys::AbortSignal]) -> Option<web_sys::AbortSignal> {
    let arr = Array::new();
    for s in signals {
        arr.push(s);
    }
    abort_signal_any(&arr).ok()
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Whole seconds since the epoch (§2.1 TIMESTAMP).
pub fn now_secs() -> u64 {
    let s = (now_ms() / 1000.0).floor();
    if s.is_finite() && s > 0.0 {
        s as u64
    } else {
        0
    }
}

/// Reads `obj[key]` as a function, if it is one.
pub fn method(obj: &JsValue, key: &str) -> Option<Function> {
    js_sys::Reflect::get(obj, &JsValue::from_str(key))
        .ok()?
        .dyn_into::<Function>()
        .ok()
}

thread_local! {
    /// One do-nothing rejection handler for the whole instance (never freed, so never leaked
    /// per call).
    static IGNORE: wasm_bindgen::closure::Closure<dyn FnMut(JsValue)> =
        wasm_bindgen::closure::Closure::new(|_: JsValue| {});
}

/// Lets a promise settle on its own, its rejection handled (no unhandled-rejection report).
pub fn detach(p: &Promise) {
    IGNORE.with(|f| {
        let _ = p.catch(f);
    });
}
