//! Reading the plain option objects the JS layer passes in. Every read is checked: a wrong type is
//! an `AlterValueError` naming the option, never a panic or a thrown JS exception.

use alter_protocol::{ProtocolError, Result};
use js_sys::{Array, Function, Reflect, Uint8Array};
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};

thread_local! {
    /// Option names already made into JS strings. A request reads about twenty options, most of
    /// them absent; making each name again (UTF-8 decoded into a new JS string) cost more than
    /// the read itself. The names are the literals of this crate: a few dozen entries.
    static KEYS: RefCell<Vec<(&'static str, JsValue)>> = const { RefCell::new(Vec::new()) };
}

fn key_value(key: &'static str) -> JsValue {
    KEYS.with(|keys| {
        let Ok(mut keys) = keys.try_borrow_mut() else {
            return JsValue::from_str(key);
        };
        if let Some((_, v)) = keys.iter().find(|(k, _)| *k == key) {
            return v.clone();
        }
        let v = JsValue::from_str(key);
        keys.push((key, v.clone()));
        v
    })
}

/// `obj[key]`; `undefined` when `obj` is not an object.
pub fn get(obj: &JsValue, key: &'static str) -> Result<JsValue> {
    if !obj.is_object() {
        return Ok(JsValue::UNDEFINED);
    }
    Reflect::get(obj, &key_value(key))
        .map_err(|_| ProtocolError::value(format!("could not read option {key}")))
}

fn absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

pub fn opt_string(obj: &JsValue, key: &'static str) -> Result<Option<String>> {
    let v = get(obj, key)?;
    if absent(&v) {
        return Ok(None);
    }
    v.as_string()
        .map(Some)
        .ok_or_else(|| ProtocolError::value(format!("{key} must be a string")))
}

pub fn req_string(obj: &JsValue, key: &'static str) -> Result<String> {
    opt_string(obj, key)?.ok_or_else(|| ProtocolError::value(format!("{key} is required")))
}

pub fn opt_number(obj: &JsValue, key: &'static str) -> Result<Option<f64>> {
    let v = get(obj, key)?;
    if absent(&v) {
        return Ok(None);
    }
    v.as_f64()
        .map(Some)
        .ok_or_else(|| ProtocolError::value(format!("{key} must be a number")))
}

pub fn opt_bool(obj: &JsValue, key: &'static str) -> Result<Option<bool>> {
    let v = get(obj, key)?;
    if absent(&v) {
        return Ok(None);
    }
    v.as_bool()
        .map(Some)
        .ok_or_else(|| ProtocolError::value(format!("{key} must be a boolean")))
}

pub fn opt_function(obj: &JsValue, key: &'static str) -> Result<Option<Function>> {
    let v = get(obj, key)?;
    if absent(&v) {
        return Ok(None);
    }
    v.dyn_into::<Function>()
        .map(Some)
        .map_err(|_| ProtocolError::value(format!("{key} must be a function")))
}

pub fn opt_bytes(obj: &JsValue, key: &'static str) -> Result<Option<Vec<u8>>> {
    let v = get(obj, key)?;
    if absent(&v) {
        return Ok(None);
    }
    v.dyn_ref::<Uint8Array>()
        .map(|a| Some(a.to_vec()))
        .ok_or_else(|| ProtocolError::value(format!("{key} must be a Uint8Array")))
}

pub fn opt_signal(obj: &JsValue, key: &'static str) -> Result<Option<web_sys::AbortSignal>> {
    let v = get(obj, key)?;
    if absent(&v) {
        return Ok(None);
    }
    v.dyn_into::<web_sys::AbortSignal>()
        .map(Some)
        .map_err(|_| ProtocolError::value(format!("{key} must be an AbortSignal")))
}

/// `[string, string][]` (insertion order kept, repeated names allowed).
pub fn opt_pairs(obj: &JsValue, key: &'static str) -> Result<Option<Vec<(String, String)>>> {
    let v = get(obj, key)?;
    if absent(&v) {
        return Ok(None);
    }
    let bad = || ProtocolError::value(format!("{key} must be an array of [string, string] pairs"));
    let arr = v.dyn_ref::<Array>().ok_or_else(bad)?;
    let mut out = Vec::with_capacity(arr.length() as usize);
    for item in arr.iter() {
        let pair = item.dyn_ref::<Array>().ok_or_else(bad)?;
        if pair.length() != 2 {
            return Err(bad());
        }
        let k = pair.get(0).as_string().ok_or_else(bad)?;
        let val = pair.get(1).as_string().ok_or_else(bad)?;
        out.push((k, val));
    }
    Ok(Some(out))
}

/// A `[name, value][]` JS array from pairs.
pub fn pairs_to_js(pairs: &[(String, String)]) -> Array {
    let arr = Array::new_with_length(pairs.len() as u32);
    for (i, (k, v)) in pairs.iter().enumerate() {
        arr.set(
            i as u32,
            Array::of2(&JsValue::from_str(k), &JsValue::from_str(v)).into(),
        );
    }
    arr
}

/// Parses JSON text we produced ourselves into a JS value (`null` if that ever fails).
pub fn json_to_js(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap_or(JsValue::NULL)
}

/// Sets `obj[key] = value` on an object we created (cannot fail on a plain object).
pub fn set(obj: &js_sys::Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}
