//! The built-in test identity provider: EdDSA (Ed25519) JWTs signed with a configured seed, its
//! JWKS, and verification of user tokens (built-in issuer plus trusted issuers with inline JWKS).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::config::{decode_hex32, IdpCfg};

#[derive(Clone)]
enum KeyMaterial {
    Ed25519(VerifyingKey),
    Hs256(Vec<u8>),
}

#[derive(Clone)]
struct TrustedKey {
    issuer: String,
    audience: Option<String>,
    kid: Option<String>,
    key: KeyMaterial,
}

#[derive(Clone)]
pub struct Idp {
    issuer: String,
    audience: Option<String>,
    kid: String,
    signing: SigningKey,
    default_ttl: u64,
    keys: Vec<TrustedKey>,
}

/// A verified user token: its subject and claims.
#[derive(Debug, Clone)]
pub struct VerifiedJwt {
    pub sub: String,
    pub claims: Map<String, Value>,
}

impl Idp {
    pub fn from_config(cfg: &IdpCfg) -> Option<Idp> {
        let seed = decode_hex32(&cfg.signing_seed)?;
        let signing = SigningKey::from_bytes(&seed);
        let mut keys = vec![TrustedKey {
            issuer: cfg.issuer.clone(),
            audience: cfg.audience.clone(),
            kid: Some(cfg.kid.clone()),
            key: KeyMaterial::Ed25519(signing.verifying_key()),
        }];
        for t in &cfg.trusted {
            let Ok(doc) = serde_json::from_str::<Value>(&t.jwks) else { continue };
            for k in doc.get("keys").and_then(Value::as_array).into_iter().flatten() {
                let kid = k.get("kid").and_then(Value::as_str).map(str::to_string);
                let material = match (k.get("kty").and_then(Value::as_str), k.get("crv").and_then(Value::as_str)) {
                    (Some("OKP"), Some("Ed25519")) => k
                        .get("x")
                        .and_then(Value::as_str)
                        .and_then(|x| B64.decode(x).ok())
                        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
                        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
                        .map(KeyMaterial::Ed25519),
                    (Some("oct"), _) => k
                        .get("k")
                        .and_then(Value::as_str)
                        .and_then(|x| B64.decode(x).ok())
                        .map(KeyMaterial::Hs256),
                    _ => None,
                };
                if let Some(key) = material {
                    keys.push(TrustedKey { issuer: t.issuer.clone(), audience: t.audience.clone(), kid, key });
                }
            }
        }
        Some(Idp {
            issuer: cfg.issuer.clone(),
            audience: cfg.audience.clone(),
            kid: cfg.kid.clone(),
            signing,
            default_ttl: cfg.default_ttl_secs,
            keys,
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The public JWKS of the built-in issuer.
    pub fn jwks(&self) -> Value {
        let x = B64.encode(self.signing.verifying_key().as_bytes());
        serde_json::json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": self.kid, "alg": "EdDSA", "use": "sig"}]})
    }

    /// Mints a JWT for `sub`. `ttl_secs` may be negative (an already expired token); `extra`
    /// claims override the defaults.
    pub fn mint(&self, sub: &str, ttl_secs: Option<i64>, now: u64, defaults: Map<String, Value>, extra: Option<&Map<String, Value>>) -> String {
        let ttl = ttl_secs.unwrap_or(self.default_ttl as i64);
        let now_i = now as i64;
        let mut claims = Map::new();
        claims.insert("iss".into(), Value::from(self.issuer.clone()));
        if let Some(aud) = &self.audience {
            claims.insert("aud".into(), Value::from(aud.clone()));
        }
        claims.insert("sub".into(), Value::from(sub));
        claims.insert("iat".into(), Value::from(now_i.min(now_i + ttl)));
        claims.insert("exp".into(), Value::from(now_i + ttl));
        for (k, v) in defaults {
            claims.insert(k, v);
        }
        if let Some(extra) = extra {
            for (k, v) in extra {
                claims.insert(k.clone(), v.clone());
            }
        }
        let header = serde_json::json!({"alg": "EdDSA", "typ": "JWT", "kid": self.kid});
        let signing_input = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(Value::Object(claims).to_string())
        );
        let sig = self.signing.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", B64.encode(sig.to_bytes()))
    }

    /// Verifies a compact JWS: signature (EdDSA or HS256 per the matching key), `iss`, `aud` when
    /// configured, `exp`, `nbf`, and a non-blank string `sub`.
    pub fn verify(&self, token: &str, now: u64) -> Result<VerifiedJwt, String> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err("not a compact JWS".into());
        };
        let header: Value = B64
            .decode(h)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("bad JWT header")?;
        let claims: Map<String, Value> = B64
            .decode(p)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| v.as_object().cloned())
            .ok_or("bad JWT payload")?;
        let sig = B64.decode(s).map_err(|_| "bad JWT signature encoding")?;
        let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
        let kid = header.get("kid").and_then(Value::as_str);
        let iss = claims.get("iss").and_then(Value::as_str).ok_or("missing iss")?;
        let signing_input = token.as_bytes().get(..h.len() + 1 + p.len()).ok_or("bad JWT")?;
        let key = self
            .keys
            .iter()
            .filter(|k| k.issuer == iss)
            .filter(|k| kid.is_none() || k.kid.is_none() || k.kid.as_deref() == kid)
            .find(|k| match (&k.key, alg) {
                (KeyMaterial::Ed25519(vk), "EdDSA") => <[u8; 64]>::try_from(sig.as_slice())
                    .map(|b| vk.verify(signing_input, &Signature::from_bytes(&b)).is_ok())
                    .unwrap_or(false),
                (KeyMaterial::Hs256(secret), "HS256") => Hmac::<Sha256>::new_from_slice(secret)
                    .map(|mut m| {
                        m.update(signing_input);
                        m.verify_slice(&sig).is_ok()
                    })
                    .unwrap_or(false),
                _ => false,
            })
            .ok_or("signature does not verify against a trusted key for this issuer")?;
        if let Some(aud) = &key.audience {
            let ok = match claims.get("aud") {
                Some(Value::String(a)) => a == aud,
                Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(aud)),
                _ => false,
            };
            if !ok {
                return Err("audience mismatch".into());
            }
        }
        let now_f = now as f64;
        match claims.get("exp").and_then(Value::as_f64) {
            Some(exp) if exp > now_f => {}
            Some(_) => return Err("token expired".into()),
            None => return Err("missing exp".into()),
        }
        if let Some(nbf) = claims.get("nbf").and_then(Value::as_f64) {
            if nbf > now_f {
                return Err("token not yet valid".into());
            }
        }
        let sub = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .ok_or("missing sub")?
            .to_string();
        Ok(VerifiedJwt { sub, claims })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idp() -> Idp {
        Idp::from_config(&IdpCfg {
            issuer: "https://idp.test".into(),
            audience: Some("aud".into()),
            kid: "k1".into(),
            signing_seed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60".into(),
            default_ttl_secs: 60,
            trusted: vec![],
        })
        .expect("idp")
    }

    #[test]
    fn mint_and_verify_round_trip() {
        let i = idp();
        let t = i.mint("alice", None, 1000, Map::new(), None);
        let v = i.verify(&t, 1001).expect("valid");
        assert_eq!(v.sub, "alice");
        assert_eq!(v.claims["iss"], "https://idp.test");
    }

    #[test]
    fn rejects_expired_tampered_and_garbage() {
        let i = idp();
        let t = i.mint("alice", Some(10), 1000, Map::new(), None);
        assert!(i.verify(&t, 1011).is_err(), "expired");
        let mut parts: Vec<String> = t.split('.').map(str::to_string).collect();
        let evil = B64.encode(br#"{"iss":"https://idp.test","aud":"aud","sub":"bob","exp":99999}"#);
        parts[1] = evil;
        assert!(i.verify(&parts.join("."), 1001).is_err(), "tampered payload");
        assert!(i.verify("garbage", 1001).is_err());
        assert!(i.verify("a.b.c", 1001).is_err());
        assert!(i.verify("", 1001).is_err());
        let mut claims = Map::new();
        claims.insert("aud".into(), Value::from("other"));
        let wrong_aud = i.mint("alice", None, 1000, Map::new(), Some(&claims));
        assert!(i.verify(&wrong_aud, 1001).is_err(), "audience");
    }

    #[test]
    fn trusted_hs256_issuer_verifies_and_others_do_not() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let jwks = format!(r#"{{"keys":[{{"kty":"oct","k":"{}","kid":"h1"}}]}}"#, B64.encode(secret));
        let i = Idp::from_config(&IdpCfg {
            issuer: "https://idp.test".into(),
            audience: None,
            kid: "k1".into(),
            signing_seed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60".into(),
            default_ttl_secs: 60,
            trusted: vec![crate::config::TrustedIdpCfg { issuer: "https://other.test".into(), audience: Some("app".into()), jwks }],
        })
        .expect("idp");
        let make = |iss: &str, aud: &str, key: &[u8]| {
            let h = B64.encode(r#"{"alg":"HS256","kid":"h1"}"#);
            let p = B64.encode(format!(r#"{{"iss":"{iss}","aud":"{aud}","sub":"zed","exp":5000}}"#));
            let mut m = Hmac::<Sha256>::new_from_slice(key).expect("hmac");
            m.update(format!("{h}.{p}").as_bytes());
            format!("{h}.{p}.{}", B64.encode(m.finalize().into_bytes()))
        };
        assert_eq!(i.verify(&make("https://other.test", "app", secret), 1000).expect("valid").sub, "zed");
        assert!(i.verify(&make("https://other.test", "app", b"wrong-secret-wrong-secret-wrong!"), 1000).is_err());
        assert!(i.verify(&make("https://other.test", "nope", secret), 1000).is_err());
        // The HS256 key is bound to its issuer: a token claiming the built-in issuer fails.
        assert!(i.verify(&make("https://idp.test", "app", secret), 1000).is_err());
    }

    #[test]
    fn jwks_exposes_the_public_key() {
        let j = idp().jwks();
        assert_eq!(j["keys"][0]["kty"], "OKP");
        assert_eq!(j["keys"][0]["kid"], "k1");
    }
}
