//! The one error choke point (design rule 5): every failure leaving Rust becomes a JS error object
//! made by `createAlterError` in `js/errors.js` (the class hierarchy of api-surface.md §3.2 lives
//! there, so `instanceof` works in every runtime).
//!
//! `impl From<ProtocolError> for JsValue` is not allowed here (both types are foreign to this
//! crate), so the conversion goes through [`Failure`], whose `From<Failure> for JsValue` is the
//! only place that calls the factory.

use alter_protocol::ProtocolError;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    /// Accepts the JSON text of `ProtocolError::to_json()` (`{class, code, message, status,
    /// details, fields}`) and returns an instance of the named class.
    #[wasm_bindgen(catch, js_name = createAlterError)]
    fn create_alter_error(plain: &str) -> Result<JsValue, JsValue>;
}

/// Why a call failed: a protocol error (converted to an Alter error class), or a JS value to pass
/// through unchanged (the caller's own `AbortSignal` reason).
pub enum Failure {
    Protocol(ProtocolError),
    Js(JsValue),
}

impl From<ProtocolError> for Failure {
    fn from(e: ProtocolError) -> Self {
        Failure::Protocol(e)
    }
}

impl From<Failure> for JsValue {
    fn from(f: Failure) -> JsValue {
        match f {
            Failure::Js(v) => v,
            Failure::Protocol(e) => to_js(&e),
        }
    }
}

/// The conversion itself. Messages and fields never hold a credential (the protocol crate's
/// constructors only take checked values); if the factory itself fails, a plain `Error` with the
/// message is returned rather than nothing.
pub fn to_js(e: &ProtocolError) -> JsValue {
    let plain = e.to_json().to_string();
    match create_alter_error(&plain) {
        Ok(v) => v,
        Err(_) => js_sys::Error::new(&e.message).into(),
    }
}
