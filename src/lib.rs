//! alter-edge: the Alter Vault client on WebAssembly.
//!
//! The wire protocol lives in `alter-protocol`; this crate adds the transport over the global
//! `fetch` (never `window`), the exported `WasmClient` that the JS layer (`js/`) wraps, background
//! audit tracking and the one error choke point (`error.rs`). The Rust/JS boundary is described in
//! the design notes; every exported method takes `&self`, state lives in `Cell`/`RefCell` that is
//! never borrowed across an `.await`, and no code path panics (the release profile aborts on panic,
//! which would poison the instance for every later call).

// ProtocolError is the crate-wide error value (as in alter-protocol); boxing it would only move
// the allocation.
#![allow(clippy::result_large_err)]

/// Pure request-assembly rules, compiled and tested natively too.
pub mod plan;

#[cfg(target_arch = "wasm32")]
mod audit;
#[cfg(target_arch = "wasm32")]
mod backend;
#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod convert;
#[cfg(target_arch = "wasm32")]
mod error;
#[cfg(target_arch = "wasm32")]
mod exec;
#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
mod request;
#[cfg(target_arch = "wasm32")]
mod retry;
#[cfg(target_arch = "wasm32")]
mod transport;

#[cfg(target_arch = "wasm32")]
pub use client::WasmClient;

/// The crate version, for the JS layer's `User-Agent` (`alter-edge/<version>`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = sdkVersion)]
pub fn sdk_version() -> String {
    VERSION.to_string()
}

/// `isValidKey(key)`: the client-side key grammar of api-surface §1.1 (legacy `alter_key_…` or a
/// checksummed scoped key); false for anything that is not a string.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = isValidKey)]
pub fn is_valid_key(key: wasm_bindgen::JsValue) -> bool {
    key.as_string()
        .is_some_and(|k| alter_protocol::keys::is_valid_key(&k))
}

/// `encodeScopeConstraints(scopes)` → the `X-Alter-Scope-Constraints` value (§1.9); throws
/// AlterValueError for an empty list, an empty entry or `*`.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = encodeScopeConstraints)]
pub fn encode_scope_constraints(
    scopes: Vec<String>,
) -> std::result::Result<String, wasm_bindgen::JsValue> {
    alter_protocol::context::scope_constraints_header(&scopes).map_err(|e| error::to_js(&e))
}

/// `encodeRequestRule(ruleType, ruleBodyJson)` → the `X-Alter-Request-Rule` value (§1.9); the body
/// is the JSON text of a plain object. Throws AlterValueError otherwise or when over 4,096 chars.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = encodeRequestRule)]
pub fn encode_request_rule(
    rule_type: String,
    rule_body_json: String,
) -> std::result::Result<String, wasm_bindgen::JsValue> {
    let body: serde_json::Value = serde_json::from_str(&rule_body_json).map_err(|_| {
        error::to_js(&alter_protocol::ProtocolError::value(
            "with_constraints: rule_body must be a JSON object",
        ))
    })?;
    alter_protocol::context::request_rule_header(&rule_type, &body).map_err(|e| error::to_js(&e))
}

/// `applyPathParams(url, [[name, value], …])` → the URL with `{name}` placeholders filled and
/// percent-encoded (protocol-core §4.3), for `proxyRequest`; throws AlterValueError.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = applyPathParams)]
pub fn apply_path_params(
    url: String,
    pairs: wasm_bindgen::JsValue,
) -> std::result::Result<String, wasm_bindgen::JsValue> {
    let holder = js_sys::Object::new();
    convert::set(&holder, "p", &pairs);
    let params = convert::opt_pairs(&holder.into(), "p")
        .map_err(|e| error::to_js(&e))?
        .unwrap_or_default();
    alter_protocol::url::apply_path_params(&url, &params).map_err(|e| error::to_js(&e))
}

/// Diagnostics only (`--features alloc-stats`, never in the package): a global allocator that
/// counts heap allocations, so a benchmark can report allocations and bytes per request
/// (bench/allocs.sh in wasm, examples/alloc_profile.rs natively).
#[cfg(feature = "alloc-stats")]
pub mod alloc_stats {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

    struct Counting;
    static ALLOCS: AtomicU64 = AtomicU64::new(0);
    static BYTES: AtomicU64 = AtomicU64::new(0);

    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            ALLOCS.fetch_add(1, Relaxed);
            BYTES.fetch_add(layout.size() as u64, Relaxed);
            System.alloc(layout)
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            System.dealloc(ptr, layout)
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            ALLOCS.fetch_add(1, Relaxed);
            BYTES.fetch_add(new_size as u64, Relaxed);
            System.realloc(ptr, layout, new_size)
        }
    }

    #[global_allocator]
    static GLOBAL: Counting = Counting;

    /// (allocations + reallocations, bytes requested) since the process or instance started.
    pub fn counts() -> (u64, u64) {
        (ALLOCS.load(Relaxed), BYTES.load(Relaxed))
    }

    /// `allocStats()` → `[allocations + reallocations, bytes requested]`.
    #[cfg(target_arch = "wasm32")]
    #[wasm_bindgen::prelude::wasm_bindgen(js_name = allocStats)]
    pub fn alloc_stats() -> Vec<f64> {
        let (a, b) = counts();
        vec![a as f64, b as f64]
    }
}
