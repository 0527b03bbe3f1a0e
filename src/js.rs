//! Direct bindings to the JS the SDK uses: the exchange helper of `js/io.js` (which calls `fetch`)
//! and globals every target runtime has (Node 20+, Deno, workerd): `setTimeout`/`clearTimeout`,
//! `crypto.getRandomValues`, never `window`. Every binding that can throw is `catch`, so a JS exception
//! never unwinds through Rust frames.

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// One HTTP exchange and the audit capture of a clone: see js/io.js and crate::transport.
#[wasm_bindgen(module = "/js/io.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    #[allow(clippy::too_many_arguments)]
    pub fn exchange(
        fetch: &JsValue,
        url: &str,
        method: &str,
        headers: &str,
        body_kind: u32,
        body_text: &str,
        body_bytes: &[u8],
        timeout_ms: f64,
        signal: &JsValue,
        mode: u32,
        capture_limit: f64,
        shadow_url: &str,
    ) -> Result<Promise, JsValue>;
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_name = clearTimeout)]
    fn clear_timeout_js(id: &JsValue) -> Result<(), JsValue>;

    #[wasm_bindgen(catch, js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]) -> Result<JsValue, JsValue>;
}

/// Largest delay setTimeout honours (larger values fire at once in Node).
const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// A delay setTimeout honours as given: clamped to 0..=MAX_TIMER_MS (not finite → the maximum).
pub fn timer_ms(ms: f64) -> f64 {
    if ms.is_finite() {
        ms.clamp(0.0, MAX_TIMER_MS)
    } else {
        MAX_TIMER_MS
    }
}

/// `setTimeout(f, ms)`; returns the timer handle (or `undefined` if it could not be set).
pub fn start_timer(f: &Function, ms: f64) -> JsValue {
    set_timeout(f, timer_ms(ms)).unwrap_or(JsValue::UNDEFINED)
}

pub fn clear_timer(id: &JsValue) {
    if !id.is_undefined() {
        let _ = clear_timeout_js(id);
    }
}

/// Bytes drawn from the CSPRNG per `crypto.getRandomValues` call (64 nonces). Nonces and
/// correlation ids are public values, so keeping the unused rest in linear memory reveals nothing.
const POOL_BYTES: usize = 1024;

thread_local! {
    /// CSPRNG output not used yet, consumed from the end; refilled when it runs out.
    static POOL: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// 16 bytes from the platform CSPRNG (through a small pool: one crossing per 64 calls). There is
/// no fallback: without a secure source the request is refused.
pub fn random16() -> Option<[u8; 16]> {
    POOL.with(|pool| {
        let mut pool = pool.try_borrow_mut().ok()?;
        if pool.len() < 16 {
            let mut fresh = vec![0u8; POOL_BYTES];
            get_random_values(&mut fresh).ok()?;
            *pool = fresh;
        }
        let at = pool.len() - 16;
        let mut b = [0u8; 16];
        b.copy_from_slice(pool.get(at..)?);
        // The bytes handed out leave the pool, so none is handed out twice.
        pool.truncate(at);
        Some(b)
    })
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
