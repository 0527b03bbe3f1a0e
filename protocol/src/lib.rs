//! `alter-protocol`: the Alter Vault SDK <-> backend wire protocol as pure computation.
//!
//! No I/O, no clock, no randomness source and no wasm-bindgen: callers pass time, nonces and bytes
//! in. Shared by the SDK (`alter-edge`, on wasm32) and the dev vault (`alter-dev-vault`, native).
//! Section numbers (§) refer to `../shared/spec/protocol-core.md` unless stated otherwise.

// ProtocolError is deliberately one rich value (class, code, message, details, fields); errors are
// the cold path, so its size is not worth boxing.
#![allow(clippy::result_large_err)]

pub mod error;

// Keys, signing, verification (§1.1, §1.2, §2).
pub mod canonical;
pub mod grammar;
pub mod hosts;
pub mod json;
pub mod keys;
pub mod signing;
pub mod verify;

// The /sdk/token request and its strict response contract, injection, URLs, context, audit
// (§3, §4, §5, §8).
pub mod audit;
pub mod context;
pub mod inject;
pub mod redact;
pub mod token;
pub mod url;

// Errors and backoff signals (§6, §7; api-surface.md §3).
pub mod challenge;
pub mod mapping;
pub mod provider;
pub mod retry;

pub use error::{ErrorClass, ProtocolError, Result};

/// Headers as an ordered list of (name, value) pairs, the form every function here takes.
pub type HeaderList = [(String, String)];

/// Case-insensitive lookup of the first header named `name`.
pub fn header<'a>(headers: &'a HeaderList, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
