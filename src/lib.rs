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
mod js;
#[cfg(target_arch = "wasm32")]
mod request;
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
