//! Shared helpers for the part-B tests: the shared spec files and a stock token response.
#![allow(dead_code)]

use std::path::PathBuf;

use alter_protocol::token::{parse_token_response, TokenResponse};
use serde_json::Value;

/// `$ALTER_SHARED_DIR`, else `<repo>/../shared` (CI clones the repo with shared/ beside it).
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("ALTER_SHARED_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

pub fn vectors() -> Value {
    let path = shared_dir().join("spec/signing-vectors.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("signing-vectors.json is JSON")
}

pub fn vector(name: &str) -> Value {
    vectors()["vectors"]
        .as_array()
        .expect("vectors array")
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("vector {name} missing"))
        .clone()
}

/// The §3.6 example payload (`example_flow`, exchange 1 response) as bytes.
pub const EXAMPLE_TOKEN_RESPONSE: &str = r#"{"access_token":"ya29.TEST-ACCESS-TOKEN","token_type":"Bearer","expires_in":3599,"expires_at":"2026-01-01T00:59:59Z","scopes":["https://www.googleapis.com/auth/calendar.readonly"],"grant_id":"3f2c1a9e-8b7d-4c6e-9f01-23456789abcd","provider_id":"google","token_generation":"0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e","scope_mismatch":false,"injection_header":"Authorization","injection_format":"Bearer {token}"}"#;

pub const GRANT: &str = "3f2c1a9e-8b7d-4c6e-9f01-23456789abcd";

/// A token response built from the example with `patch` merged over it (null values delete keys
/// only when `remove` lists them).
pub fn token_with(
    patch: Value,
    remove: &[&str],
) -> Result<TokenResponse, alter_protocol::ProtocolError> {
    let mut base: Value = serde_json::from_str(EXAMPLE_TOKEN_RESPONSE).unwrap();
    let obj = base.as_object_mut().unwrap();
    for r in remove {
        obj.remove(*r);
    }
    if let Value::Object(p) = patch {
        for (k, v) in p {
            obj.insert(k, v);
        }
    }
    parse_token_response(base.to_string().as_bytes())
}

pub fn token(patch: Value) -> TokenResponse {
    token_with(patch, &[]).expect("valid token response")
}

pub fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
