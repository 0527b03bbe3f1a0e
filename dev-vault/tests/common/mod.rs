//! Test helpers: a vault from demo.toml, a request signer built on the protocol crate, and a
//! one-shot client over the in-process router.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use alter_dev_vault::{router, Config, Vault};
use alter_protocol::keys::derive_signing_key;
use alter_protocol::signing::{nonce_hex, sign, Identity, SignInput};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use serde_json::Value;
use tower::ServiceExt;

pub const FULL_KEY: &str = "alter_rk_demoappallscopesaaaaaa_hoz64e";
pub const NO_AUDIT_KEY: &str = "alter_rk_demoappnoauditaaaaaaaa_ko4lpc";
pub const REVOKED_KEY: &str = "alter_rk_demoapprevokedaaaaaaaa_4w3vqo";
pub const EXPIRED_KEY: &str = "alter_rk_demoappexpiredaaaaaaaa_nwmfue";
pub const DEPRECATED_KEY: &str = "alter_rk_demoappdeprecatedaaaaa_psamog";
pub const LEGACY_KEY: &str = "alter_key_legacyDemoAppKey_00000000000000000000001";
pub const AGENT_KEY: &str = "alter_ak_emailassistantaaaaaaaa_ofxaxb";
pub const PAUSED_AGENT_KEY: &str = "alter_ak_pausedbotaaaaaaaaaaaaa_4g6q7k";
pub const UNKNOWN_KEY: &str = "alter_rk_demoappunknownaaaaaaaa_jb6drt";
pub const ADMIN: &str = "Bearer dev-admin-token";
pub const EMAIL_AGENT_ID: &str = "a9e00000-0000-4000-8000-000000000001";

pub fn grant(nn: &str) -> String {
    format!("6a000000-0000-4000-8000-0000000000{nn}")
}

pub fn demo_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("demo.toml")
}

pub fn demo_config() -> Config {
    Config::load(&demo_path()).expect("demo.toml loads")
}

pub struct TestVault {
    pub vault: Arc<Vault>,
    pub app: Router,
}

pub fn vault_with(data_dir: Option<PathBuf>) -> TestVault {
    let vault = Vault::new(demo_config(), data_dir).expect("vault");
    vault.set_base_url("http://127.0.0.1:9");
    TestVault { app: router(vault.clone()), vault }
}

pub fn vault() -> TestVault {
    vault_with(None)
}

pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

static NONCE: AtomicU64 = AtomicU64::new(1);

pub fn fresh_nonce() -> String {
    let n = NONCE.fetch_add(1, Ordering::Relaxed);
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&n.to_be_bytes());
    b[8..].copy_from_slice(&(now() ^ 0x5a5a).to_be_bytes());
    nonce_hex(&b)
}

/// One request to sign; tweak fields, then `build()`.
#[derive(Clone)]
pub struct Signed {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
    pub key: String,
    /// The key whose signing key signs (differs from `key` for the wrong-key test).
    pub signing_api_key: String,
    pub timestamp: u64,
    pub nonce: String,
    pub caller: Option<String>,
    pub caller_type: Option<String>,
    pub actor_id: Option<String>,
    pub context: Option<String>,
    /// `X-Alter-Scope-Constraints` (§2.8), empty when not attenuated.
    pub scope_constraints: String,
    /// `X-Alter-Request-Rule` (§2.8), as sent on the wire.
    pub request_rule: Option<String>,
    pub extra_headers: Vec<(String, String)>,
}

impl Signed {
    pub fn new(method: &str, path: &str, body: &[u8], key: &str) -> Signed {
        Signed {
            method: method.into(),
            path: path.into(),
            body: body.to_vec(),
            key: key.into(),
            signing_api_key: key.into(),
            timestamp: now(),
            nonce: fresh_nonce(),
            caller: None,
            caller_type: None,
            actor_id: None,
            context: None,
            scope_constraints: String::new(),
            request_rule: None,
            extra_headers: vec![],
        }
    }

    pub fn json(method: &str, path: &str, body: &Value, key: &str) -> Signed {
        Signed::new(method, path, alter_protocol::json::to_json_ascii(body).as_bytes(), key)
    }

    pub fn caller(mut self, c: &str, t: &str) -> Signed {
        self.caller = Some(c.into());
        self.caller_type = Some(t.into());
        self
    }

    /// The header list as the SDK would send it.
    pub fn headers(&self) -> Vec<(String, String)> {
        let identity = Identity {
            caller: self.caller.as_deref(),
            caller_type: self.caller_type.as_deref(),
            actor_id: self.actor_id.as_deref(),
            context: self.context.as_deref(),
        };
        let input = SignInput {
            method: &self.method,
            path: &self.path,
            body: &self.body,
            timestamp: self.timestamp,
            nonce: &self.nonce,
            scope_constraints: &self.scope_constraints,
            request_rule: self.request_rule.as_deref(),
            identity,
        };
        let sig = sign(&derive_signing_key(&self.signing_api_key), &input);
        let mut h = vec![("x-api-key".to_string(), self.key.clone())];
        for (k, v) in [("X-Alter-Caller", &self.caller), ("X-Alter-Caller-Type", &self.caller_type), ("X-Alter-Actor-ID", &self.actor_id), ("X-Alter-Context", &self.context)] {
            if let Some(v) = v {
                h.push((k.to_string(), v.clone()));
            }
        }
        for (k, v) in sig.pairs() {
            h.push((k.to_string(), v));
        }
        if !self.body.is_empty() {
            h.push(("content-type".into(), "application/json".into()));
        }
        h.extend(self.extra_headers.iter().cloned());
        h
    }

    pub fn request(&self) -> Request<Body> {
        self.request_with_body(self.body.clone())
    }

    /// The signed headers with a different body on the wire (tamper tests).
    pub fn request_with_body(&self, body: Vec<u8>) -> Request<Body> {
        let mut b = Request::builder().method(self.method.as_str()).uri(self.path.as_str());
        for (k, v) in self.headers() {
            b = b.header(k, v);
        }
        b.body(Body::from(body)).expect("request")
    }
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, String::from_utf8_lossy(&self.body)))
    }
    /// `error` from the `detail` envelope or the top level.
    pub fn code(&self) -> String {
        let j = self.json();
        j.get("detail").and_then(|d| d.get("error")).or_else(|| j.get("error")).and_then(Value::as_str).unwrap_or("").to_string()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }
}

pub async fn send(app: &Router, req: Request<Body>) -> Answer {
    let resp = app.clone().oneshot(req).await.expect("infallible");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 64 * 1024 * 1024).await.map(|b| b.to_vec()).unwrap_or_default();
    Answer { status, headers, body }
}

pub async fn call(app: &Router, s: &Signed) -> Answer {
    send(app, s.request()).await
}

pub async fn admin(app: &Router, method: &str, path: &str, body: Option<Value>) -> Answer {
    let mut b = Request::builder().method(method).uri(path).header("authorization", ADMIN);
    if body.is_some() {
        b = b.header("content-type", "application/json");
    }
    let body = body.map(|v| Body::from(v.to_string())).unwrap_or_else(Body::empty);
    send(app, b.body(body).expect("request")).await
}

pub async fn mint_jwt(app: &Router, sub: &str) -> String {
    let a = admin(app, "POST", "/admin/idp/token", Some(serde_json::json!({"sub": sub}))).await;
    assert_eq!(a.status, 200);
    a.json()["token"].as_str().expect("token").to_string()
}

/// A URL of the vault's own mock of `provider` (the test vault's base is http://127.0.0.1:9): the
/// one destination every provider's credential may go to.
pub fn mock_url(provider: &str) -> String {
    format!("http://127.0.0.1:9/mock/{provider}/x")
}

pub fn token_body_grant(grant_id: &str, url: &str) -> Value {
    serde_json::json!({"grant_id": grant_id, "reason": null, "request": {"method": "GET", "url": url}})
}

pub fn token_body_provider(provider: &str, url: &str, user_token: Option<&str>, account: Option<&str>) -> Value {
    let mut v = serde_json::json!({"provider_id": provider, "reason": "test", "request": {"method": "GET", "url": url}});
    if let Some(m) = v.as_object_mut() {
        if let Some(t) = user_token {
            m.insert("user_token".into(), Value::from(t));
        }
        if let Some(a) = account {
            m.insert("account".into(), Value::from(a));
        }
    }
    v
}

/// A well-formed §5.3 audit row.
pub fn audit_row(grant_id: &str) -> Value {
    serde_json::json!({
        "grant_id": grant_id,
        "provider_id": "google",
        "token_generation": null,
        "method": "GET",
        "url": "http://127.0.0.1:9/mock/google/x",
        "request_headers": {"user-agent": "test"},
        "request_body": null,
        "response_status": 200,
        "response_headers": {"content-type": "application/json"},
        "response_body": "{}",
        "latency_ms": 3,
        "reason": null,
        "context": null
    })
}
