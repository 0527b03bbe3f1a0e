//! §12.9: the spec's signing vectors (real SDK output) replayed against the vault's HTTP stack.
//! The vectors carry a fixed 2026-01-01 timestamp, so this vault runs with a very wide window.
//! Every vector must pass authentication; the same request with one body byte flipped, or
//! replayed, must not.

mod common;

use std::path::PathBuf;

use alter_dev_vault::{router, Vault};
use axum::body::Body;
use axum::http::Request;
use serde_json::Value;

fn shared_dir() -> PathBuf {
    match std::env::var_os("ALTER_SHARED_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

fn build(v: &Value, body: Vec<u8>) -> Request<Body> {
    let inputs = &v["inputs"];
    // On the wire the HTTP client percent-encodes the space of one vector's query (as httpx does);
    // the canonical form is the same either way (§2.2).
    let wire_path = inputs["path"].as_str().unwrap_or("/").replace(' ', "%20");
    let mut b = Request::builder().method(inputs["method"].as_str().unwrap_or("GET")).uri(wire_path);
    for (k, val) in v["expected_headers"].as_object().into_iter().flatten() {
        b = b.header(k.as_str(), val.as_str().unwrap_or(""));
    }
    b.body(Body::from(body)).expect("request")
}

#[tokio::test]
async fn every_signing_vector_authenticates_and_tampering_fails() {
    let path = shared_dir().join("spec/signing-vectors.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text).expect("vectors JSON");
    let vectors = doc["vectors"].as_array().expect("vectors");
    assert_eq!(vectors.len(), 8);
    let mut cfg = common::demo_config();
    cfg.server.signature_window_secs = 50 * 365 * 86_400;
    // Register every vector key not already in the demo config (one vector uses a legacy key).
    for v in vectors {
        let key = v["inputs"]["api_key"].as_str().unwrap_or("").to_string();
        if !cfg.keys.iter().any(|k| k.key == key) {
            let n = cfg.keys.len();
            cfg.keys.push(alter_dev_vault::config::KeyCfg {
                name: format!("vector-{n}"),
                id: format!("4b000000-0000-4000-8000-0000000009{n:02}"),
                key,
                app: "demo".into(),
                agent: None,
                scopes: vec!["*".into()],
                status: "active".into(),
            });
        }
    }
    let vault = Vault::new(cfg, None).expect("vault");
    let app = router(vault.clone());
    for v in vectors {
        let name = v["name"].as_str().unwrap_or("?");
        // The vectors share one frozen nonce; each starts from an empty nonce cache.
        vault.lock().nonces.clear();
        let body = v["inputs"]["body_utf8"].as_str().unwrap_or("").as_bytes().to_vec();
        if !body.is_empty() {
            let mut flipped = body.clone();
            flipped[0] ^= 0x01;
            let a = common::send(&app, build(v, flipped)).await;
            assert_eq!((a.status.as_u16(), a.code().as_str()), (401, "content_hash_mismatch"), "{name}: flipped body accepted");
        }
        let a = common::send(&app, build(v, body.clone())).await;
        // Authenticated: whatever the handler answers, it is not an authentication refusal.
        let auth_codes = ["missing_api_key", "missing_signature_header", "invalid_timestamp", "stale_timestamp", "content_hash_mismatch", "invalid_signature", "replayed_nonce", "invalid_key"];
        let code = if a.body.is_empty() { String::new() } else { a.code() };
        assert!(!auth_codes.contains(&code.as_str()), "{name}: refused: {}", String::from_utf8_lossy(&a.body));
        let replay = common::send(&app, build(v, body)).await;
        assert_eq!((replay.status.as_u16(), replay.code().as_str()), (401, "replayed_nonce"), "{name}");
    }
}
