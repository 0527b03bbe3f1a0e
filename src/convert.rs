//! Reading the plain option objects the JS layer passes in. Every read is checked: a wrong type is
//! an `AlterValueError` naming the option, never a panic or a thrown JS exception.

use alter_protocol::{ProtocolError, Result};
use js_sys::{Array, Function, Reflect, Uint8Array};
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};

thread_local! {
    /// Option names already made into JS strings. A request reads about twenty options, most of
    /// them absent; making each name again (UTF-8 decoded into a new JS string) cost more than
    /// the read itself. The names are the literals of this crate: a few dozen entries, found by
    /// address.
    static KEYS: RefCell<Vec<(&'static str, JsValue)>> = const { RefCell::new(Vec::new()) };
}

fn key_value(key: &'static str) -> JsValue {
    KEYS.with(|keys| {
        let Ok(mut keys) = keys.try_borrow_mut() else {
            return JsValue::from_str(key);
        };
        // By address: every key is a literal of this crate, so the same literal is found without
        // comparing bytes (a copy of a name at another address only adds an entry).
        if let Some((_, v)) = keys
            .iter()
            .find(|(k, _)| k.as_ptr() == key.as_ptr() && k.len() == key.len())
        {
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

/// The options `request()` reads (`crate::request::prepare`), in bit order for [`Opts`].
pub const REQUEST_OPTIONS: &[&str] = &[
    "grantId",
    "provider",
    "account",
    "userToken",
    "appUserId",
    "label",
    "json",
    "body",
    "method",
    "url",
    "pathParams",
    "query",
    "headers",
    "caller",
    "context",
    "traceparent",
    "signal",
    "fetch",
    "scopeConstraints",
    "requestRule",
    "log",
    "reason",
];

#[wasm_bindgen::prelude::wasm_bindgen(module = "/js/io.js")]
extern "C" {
    /// Bit `i` set when `obj[names[i]]` is neither undefined nor null.
    #[wasm_bindgen(catch)]
    fn present(obj: &JsValue, names: &Array) -> std::result::Result<u32, JsValue>;
}

thread_local! {
    /// REQUEST_OPTIONS as a JS array, made once.
    static REQUEST_NAMES: RefCell<Option<Array>> = const { RefCell::new(None) };
}

/// One options object whose present names were read in a single crossing: a read of an absent
/// option (most of them, in a typical call) costs no crossing at all. A name outside the list, or
/// an object whose presence could not be read, is read as before.
pub struct Opts<'a> {
    obj: &'a JsValue,
    mask: u32,
}

impl<'a> Opts<'a> {
    /// The presence of [`REQUEST_OPTIONS`] in `obj`.
    pub fn request(obj: &'a JsValue) -> Opts<'a> {
        let names = REQUEST_NAMES.with(|n| {
            let mut n = n.try_borrow_mut().ok()?;
            Some(
                n.get_or_insert_with(|| {
                    REQUEST_OPTIONS
                        .iter()
                        .map(|k| JsValue::from_str(k))
                        .collect()
                })
                .clone(),
            )
        });
        let mask = names
            .and_then(|names| present(obj, &names).ok())
            .unwrap_or(u32::MAX);
        Opts { obj, mask }
    }

    /// Every name treated as present (each read crosses).
    pub fn unread(obj: &'a JsValue) -> Opts<'a> {
        Opts {
            obj,
            mask: u32::MAX,
        }
    }

    fn absent(&self, key: &'static str) -> bool {
        if self.mask == u32::MAX {
            return false;
        }
        // By address first (literals are shared), then by text.
        match REQUEST_OPTIONS
            .iter()
            .position(|n| (n.as_ptr() == key.as_ptr() && n.len() == key.len()) || *n == key)
        {
            Some(i) => self.mask & (1 << i) == 0,
            None => false,
        }
    }

    pub fn string(&self, key: &'static str) -> Result<Option<String>> {
        self.read(key, opt_string)
    }

    pub fn req_string(&self, key: &'static str) -> Result<String> {
        self.string(key)?
            .ok_or_else(|| ProtocolError::value(format!("{key} is required")))
    }

    /// `read(obj, key)` (one of this module's `opt_*`), skipped when the option is absent.
    pub fn read<T>(
        &self,
        key: &'static str,
        read: fn(&JsValue, &'static str) -> Result<Option<T>>,
    ) -> Result<Option<T>> {
        if self.absent(key) {
            return Ok(None);
        }
        read(self.obj, key)
    }
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
