//! alter-edge: the Alter Vault client on WebAssembly.
//!
//! The wire protocol lives in `alter-protocol`; this crate is the engine over it: synchronous and
//! I/O-free. The JS driver (`js/core/`) hands it a call once, performs each action it answers with
//! (an exchange, a retry sleep, the user-token getter, a bounded body read) and reports each
//! outcome back; the engine signs, validates the token answer, injects the credential, decides
//! retries, builds the audit row and maps errors. Everything but `wasm` builds and is tested
//! natively. Every exported method takes `&self`, and no code path panics (the release profile
//! aborts on panic, which would poison the instance for every later call).

// ProtocolError is the crate-wide error value (as in alter-protocol); boxing it would only move
// the allocation.
#![allow(clippy::result_large_err)]

pub mod action;
pub mod audit;
pub mod call;
pub mod client;
pub mod engine;
pub mod plan;
pub mod request;
pub mod retry;
pub mod rng;
pub mod vault;
#[cfg(target_arch = "wasm32")]
mod wasm;

/// The crate version, for the JS layer's `User-Agent`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

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
