//! Reproduces every signing vector of `shared/spec/signing-vectors.json` byte for byte (read at
//! test time, never copied into the repo), checks that each input is actually covered by the
//! signature, and runs each vector through the verifier.

use std::collections::HashSet;
use std::path::PathBuf;

use alter_protocol::json::to_json_ascii;
use alter_protocol::keys::derive_signing_key;
use alter_protocol::signing::{
    content_sha256, hmac_hex, sign, string_to_sign_legacy, string_to_sign_v2, Identity, SignInput,
};
use alter_protocol::verify::{verify_request, IncomingRequest, VerifyFailure, VerifyPolicy};
use alter_protocol::{canonical::canonical_path, keys::is_valid_key};
use serde_json::Value;

fn vectors_file() -> Value {
    let dir = match std::env::var_os("ALTER_SHARED_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    };
    let path = dir.join("spec/signing-vectors.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("signing-vectors.json is JSON")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Owned copy of a vector's `inputs`.
#[derive(Clone, Debug)]
struct Inputs {
    api_key: String,
    method: String,
    path: String,
    body: Vec<u8>,
    timestamp: u64,
    nonce: String,
    scope_constraints: String,
    request_rule: String,
    caller: String,
    caller_type: String,
    actor_id: String,
    context: String,
}

fn opt(s: &str) -> Option<&str> {
    Some(s).filter(|s| !s.is_empty())
}

fn field(v: &Value, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("field {k} missing"))
        .to_string()
}

impl Inputs {
    fn from(v: &Value) -> Self {
        Inputs {
            api_key: field(v, "api_key"),
            method: field(v, "method"),
            path: field(v, "path"),
            body: field(v, "body_utf8").into_bytes(),
            timestamp: field(v, "timestamp").parse().expect("timestamp"),
            nonce: field(v, "nonce"),
            scope_constraints: field(v, "scope_constraints"),
            request_rule: field(v, "request_rule"),
            caller: field(v, "caller"),
            caller_type: field(v, "caller_type"),
            actor_id: field(v, "actor_id"),
            context: field(v, "context_header"),
        }
    }

    fn sign_input(&self) -> SignInput<'_> {
        SignInput {
            method: &self.method,
            path: &self.path,
            body: &self.body,
            timestamp: self.timestamp,
            nonce: &self.nonce,
            scope_constraints: &self.scope_constraints,
            request_rule: opt(&self.request_rule),
            identity: Identity {
                caller: opt(&self.caller),
                caller_type: opt(&self.caller_type),
                actor_id: opt(&self.actor_id),
                context: opt(&self.context),
            },
        }
    }

    fn signature(&self) -> String {
        sign(&derive_signing_key(&self.api_key), &self.sign_input()).signature
    }

    /// Every Alter header the SDK sends for this request, in the SDK's order: the key, the
    /// identity headers, the signature set, then Content-Type when there is a body.
    fn wire_headers(&self) -> Vec<(String, String)> {
        let mut h = vec![("x-api-key".to_string(), self.api_key.clone())];
        for (name, value) in [
            ("X-Alter-Caller", &self.caller),
            ("X-Alter-Caller-Type", &self.caller_type),
            ("X-Alter-Actor-ID", &self.actor_id),
            ("X-Alter-Context", &self.context),
        ] {
            if !value.is_empty() {
                h.push((name.to_string(), value.clone()));
            }
        }
        let signed = sign(&derive_signing_key(&self.api_key), &self.sign_input());
        h.extend(signed.pairs().into_iter().map(|(k, v)| (k.to_string(), v)));
        if !self.body.is_empty() {
            h.push(("Content-Type".to_string(), "application/json".to_string()));
        }
        h
    }
}

fn header_map(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .expect("headers object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("header string").to_string()))
        .collect()
}

fn opt_str(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

#[test]
fn every_vector_reproduces_byte_for_byte() {
    let file = vectors_file();
    let vectors = file["vectors"].as_array().expect("vectors");
    assert_eq!(vectors.len(), 8);
    for v in vectors {
        let name = v["name"].as_str().unwrap_or("?");
        let inp = Inputs::from(&v["inputs"]);
        let want = &v["intermediate"];
        assert!(is_valid_key(&inp.api_key), "{name}: key");

        let key = derive_signing_key(&inp.api_key);
        assert_eq!(
            hex(&key),
            field(want, "signing_key_hex"),
            "{name}: signing key"
        );
        let canonical = canonical_path(&inp.path);
        assert_eq!(
            canonical,
            field(want, "canonical_path"),
            "{name}: canonical path"
        );
        let hash = content_sha256(&inp.body);
        assert_eq!(hash, field(want, "content_sha256"), "{name}: content hash");

        let si = inp.sign_input();
        let legacy = string_to_sign_legacy(&si, &canonical, &hash);
        assert_eq!(
            legacy,
            field(want, "string_to_sign_legacy"),
            "{name}: legacy string"
        );
        let v2 = string_to_sign_v2(&si, &canonical, &hash);
        assert_eq!(v2, opt_str(&want["string_to_sign_v2"]), "{name}: v2 string");
        assert_eq!(
            hmac_hex(&key, legacy.as_bytes()),
            field(want, "hmac_legacy"),
            "{name}: hmac legacy"
        );
        assert_eq!(
            v2.map(|s| hmac_hex(&key, s.as_bytes())),
            opt_str(&want["hmac_v2"]),
            "{name}: hmac v2"
        );

        assert_eq!(
            inp.wire_headers(),
            header_map(&v["expected_headers"]),
            "{name}: headers"
        );

        // §2.9: our ASCII writer reproduces the SDK's body bytes from the parsed value.
        if !inp.body.is_empty() {
            let parsed: Value = serde_json::from_slice(&inp.body).expect("body is JSON");
            assert_eq!(
                to_json_ascii(&parsed).as_bytes(),
                &inp.body[..],
                "{name}: body bytes"
            );
        }
    }
}

/// All single-input changes of a vector; each must change the signature.
fn mutations(base: &Inputs) -> Vec<(String, Inputs)> {
    let mut out = Vec::new();
    let mut push = |label: String, f: &dyn Fn(&mut Inputs)| {
        let mut m = base.clone();
        f(&mut m);
        out.push((label, m));
    };
    let bump = |s: &str| {
        if s.is_empty() {
            "x".to_string()
        } else {
            format!("{s}x")
        }
    };
    push("api_key".into(), &|m| {
        m.api_key = alter_protocol::keys::make_scoped_key("ak", "abcdefghijklmnopqrstuv")
    });
    push("method".into(), &|m| {
        m.method = if m.method == "PUT" {
            "POST".into()
        } else {
            "PUT".into()
        }
    });
    push("path".into(), &|m| m.path.insert(1, 'z'));
    push("path query".into(), &|m| {
        m.path
            .push_str(if m.path.contains('?') { "&q=1" } else { "?q=1" })
    });
    push("timestamp".into(), &|m| m.timestamp += 1);
    push("nonce".into(), &|m| {
        m.nonce.pop();
        m.nonce.push('0');
    });
    push("scope_constraints".into(), &|m| {
        m.scope_constraints = bump(&m.scope_constraints)
    });
    push("request_rule".into(), &|m| {
        m.request_rule = bump(&m.request_rule)
    });
    push("caller".into(), &|m| m.caller = bump(&m.caller));
    push("caller_type".into(), &|m| {
        m.caller_type = bump(&m.caller_type)
    });
    push("actor_id".into(), &|m| m.actor_id = bump(&m.actor_id));
    push("context".into(), &|m| m.context = bump(&m.context));
    push("body append".into(), &|m| m.body.push(b' '));
    for i in 0..base.body.len() {
        push(format!("body byte {i}"), &|m| m.body[i] ^= 0x01);
    }
    out
}

#[test]
fn every_single_input_change_changes_the_signature() {
    let file = vectors_file();
    for v in file["vectors"].as_array().expect("vectors") {
        let name = v["name"].as_str().unwrap_or("?");
        let base = Inputs::from(&v["inputs"]);
        let sig = base.signature();
        assert_eq!(
            sig,
            v["expected_headers"]["X-Alter-Signature"].as_str().unwrap()
        );
        let muts = mutations(&base);
        assert!(muts.len() >= 13 + base.body.len());
        for (label, m) in muts {
            assert_ne!(
                m.signature(),
                sig,
                "{name}: changing {label} kept the signature"
            );
        }
    }
}

/// Verifies `inp` with `headers` at `now` with a fresh nonce store.
fn verify(
    inp: &Inputs,
    headers: &[(String, String)],
    api_key: &str,
    now: u64,
) -> Result<(), VerifyFailure> {
    let mut seen = HashSet::new();
    verify_with(inp, headers, api_key, now, &mut seen)
}

fn verify_with(
    inp: &Inputs,
    headers: &[(String, String)],
    api_key: &str,
    now: u64,
    seen: &mut HashSet<String>,
) -> Result<(), VerifyFailure> {
    let req = IncomingRequest {
        method: &inp.method,
        path_and_query: &inp.path,
        headers,
        body: &inp.body,
    };
    verify_request(&req, api_key, now, &VerifyPolicy::default(), &mut |n, _| {
        !seen.insert(n.to_string())
    })
}

fn without(headers: &[(String, String)], names: &[&str]) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(k, _)| !names.iter().any(|n| n.eq_ignore_ascii_case(k)))
        .cloned()
        .collect()
}

fn replaced(headers: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut h = without(headers, &[name]);
    h.push((name.to_string(), value.to_string()));
    h
}

const IDENTITY: [&str; 4] = [
    "X-Alter-Caller",
    "X-Alter-Caller-Type",
    "X-Alter-Actor-ID",
    "X-Alter-Context",
];

#[test]
fn verifier_accepts_every_vector_and_rejects_tampering() {
    use VerifyFailure as F;
    let file = vectors_file();
    for v in file["vectors"].as_array().expect("vectors") {
        let name = v["name"].as_str().unwrap_or("?");
        let inp = Inputs::from(&v["inputs"]);
        let headers = header_map(&v["expected_headers"]);
        let key = inp.api_key.clone();
        let ts = inp.timestamp;

        // Accepted at now = timestamp and at the window's edges; a second use is a replay.
        let mut seen = HashSet::new();
        assert_eq!(
            verify_with(&inp, &headers, &key, ts, &mut seen),
            Ok(()),
            "{name}"
        );
        assert_eq!(
            verify_with(&inp, &headers, &key, ts, &mut seen),
            Err(F::ReplayedNonce),
            "{name}"
        );
        assert_eq!(verify(&inp, &headers, &key, ts + 300), Ok(()), "{name}");
        assert_eq!(verify(&inp, &headers, &key, ts - 300), Ok(()), "{name}");
        // Header names are case-insensitive.
        let lower: Vec<_> = headers
            .iter()
            .map(|(k, v)| (k.to_lowercase(), v.clone()))
            .collect();
        assert_eq!(
            verify(&inp, &lower, &key, ts),
            Ok(()),
            "{name}: lower-case names"
        );

        // Stale or malformed timestamps.
        assert_eq!(
            verify(&inp, &headers, &key, ts + 301),
            Err(F::StaleTimestamp),
            "{name}"
        );
        assert_eq!(
            verify(&inp, &headers, &key, ts - 301),
            Err(F::StaleTimestamp),
            "{name}"
        );
        for bad in [
            "",
            "abc",
            "-1",
            "1767225600.0",
            "01767225600",
            "99999999999999999999999",
        ] {
            let h = replaced(&headers, "X-Alter-Timestamp", bad);
            assert_eq!(
                verify(&inp, &h, &key, ts),
                Err(F::BadTimestamp),
                "{name}: ts {bad:?}"
            );
        }
        // A different (fresh) timestamp without re-signing.
        let h = replaced(&headers, "X-Alter-Timestamp", &(ts + 1).to_string());
        assert_eq!(
            verify(&inp, &h, &key, ts),
            Err(F::BadSignature),
            "{name}: ts changed"
        );

        // Tampered body: the hash check catches it; with a matching hash header the HMAC does.
        let mut tampered = inp.clone();
        tampered.body.push(b'x');
        assert_eq!(
            verify(&tampered, &headers, &key, ts),
            Err(F::ContentHashMismatch),
            "{name}"
        );
        let h = replaced(
            &headers,
            "X-Alter-Content-SHA256",
            &content_sha256(&tampered.body),
        );
        assert_eq!(
            verify(&tampered, &h, &key, ts),
            Err(F::BadSignature),
            "{name}"
        );

        // Tampered target or method.
        let mut other = inp.clone();
        other.path.push_str(if other.path.contains('?') {
            "&x=1"
        } else {
            "?x=1"
        });
        assert_eq!(
            verify(&other, &headers, &key, ts),
            Err(F::BadSignature),
            "{name}: path"
        );
        let mut other = inp.clone();
        other.method = "PATCH".into();
        assert_eq!(
            verify(&other, &headers, &key, ts),
            Err(F::BadSignature),
            "{name}: method"
        );

        // Wrong key (presented consistently), and a presented key that differs from the looked-up one.
        let wrong = alter_protocol::keys::make_scoped_key("rk", "bbbbbbbbbbbbbbbbbbbbbb");
        let h = replaced(&headers, "x-api-key", &wrong);
        assert_eq!(
            verify(&inp, &h, &wrong, ts),
            Err(F::BadSignature),
            "{name}: wrong key"
        );
        assert_eq!(
            verify(&inp, &headers, &wrong, ts),
            Err(F::BadSignature),
            "{name}"
        );

        // Missing or duplicated headers.
        assert_eq!(
            verify(&inp, &without(&headers, &["x-api-key"]), &key, ts),
            Err(F::MissingApiKey)
        );
        for h in [
            "X-Alter-Timestamp",
            "X-Alter-Nonce",
            "X-Alter-Content-SHA256",
            "X-Alter-Signature",
        ] {
            let r = verify(&inp, &without(&headers, &[h]), &key, ts);
            assert!(
                matches!(r, Err(F::MissingHeader(n)) if n == h),
                "{name}: {h} {r:?}"
            );
        }
        let mut dup = headers.clone();
        dup.push(("x-alter-signature".into(), "0".repeat(64)));
        assert!(
            matches!(verify(&inp, &dup, &key, ts), Err(F::MissingHeader(_))),
            "{name}: dup"
        );

        // Scope constraints and request rule are bound: stripping or changing them fails.
        for h in ["X-Alter-Scope-Constraints", "X-Alter-Request-Rule"] {
            let r = verify(&inp, &replaced(&headers, h, "other"), &key, ts);
            assert_eq!(r, Err(F::BadSignature), "{name}: {h} changed");
            if headers.iter().any(|(k, _)| k == h) {
                let r = verify(&inp, &without(&headers, &[h]), &key, ts);
                assert_eq!(r, Err(F::BadSignature), "{name}: {h} stripped");
            }
        }

        let has_identity = headers.iter().any(|(k, _)| IDENTITY.contains(&k.as_str()));
        let legacy_hmac = field(&v["intermediate"], "hmac_legacy");
        if has_identity {
            // Downgrade: strip identity + V2, or strip one identity header, or swap in the legacy digest.
            let mut strip: Vec<&str> = IDENTITY.to_vec();
            strip.push("X-Alter-Signature-V2");
            assert_eq!(
                verify(&inp, &without(&headers, &strip), &key, ts),
                Err(F::BadSignature),
                "{name}"
            );
            for id in IDENTITY {
                if headers.iter().any(|(k, _)| k == id) {
                    let r = verify(&inp, &without(&headers, &[id]), &key, ts);
                    assert_eq!(r, Err(F::BadSignature), "{name}: stripped {id}");
                    let r = verify(&inp, &replaced(&headers, id, "someone-else"), &key, ts);
                    assert_eq!(r, Err(F::BadSignature), "{name}: changed {id}");
                }
            }
            let h = replaced(&headers, "X-Alter-Signature", &legacy_hmac);
            assert_eq!(
                verify(&inp, &h, &key, ts),
                Err(F::BadSignature),
                "{name}: legacy digest"
            );
            let h = replaced(&headers, "X-Alter-Signature-V2", &legacy_hmac);
            assert_eq!(
                verify(&inp, &h, &key, ts),
                Err(F::BadSignature),
                "{name}: V2 mismatch"
            );
        } else {
            // An identity header injected into a legacy request is not covered: rejected.
            let h = replaced(&headers, "X-Alter-Caller", "intruder");
            assert_eq!(
                verify(&inp, &h, &key, ts),
                Err(F::BadSignature),
                "{name}: injected caller"
            );
            // A V2 header that does not match is rejected too.
            let h = replaced(&headers, "X-Alter-Signature-V2", &"0".repeat(64));
            assert_eq!(
                verify(&inp, &h, &key, ts),
                Err(F::BadSignature),
                "{name}: bogus V2"
            );
        }
    }
}

#[test]
fn example_flow_backend_requests_replay() {
    let file = vectors_file();
    let exchanges = file["example_flow"]["exchanges"]
        .as_array()
        .expect("exchanges");
    let backend: Vec<&Value> = exchanges
        .iter()
        .filter(|e| {
            e["url"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://backend.alterauth.com/sdk/"))
        })
        .collect();
    assert_eq!(backend.len(), 2, "token and audit requests");
    let mut seen = HashSet::new();
    for (i, e) in backend.iter().enumerate() {
        let sent = header_map(&e["headers"]);
        let get = |n: &str| {
            sent.iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let url = field(e, "url");
        let inp = Inputs {
            api_key: get("x-api-key"),
            method: field(e, "method"),
            path: url
                .trim_start_matches("https://backend.alterauth.com")
                .to_string(),
            body: field(e, "body_utf8").into_bytes(),
            timestamp: get("X-Alter-Timestamp").parse().expect("ts"),
            nonce: get("X-Alter-Nonce"),
            scope_constraints: get("X-Alter-Scope-Constraints"),
            request_rule: get("X-Alter-Request-Rule"),
            caller: get("X-Alter-Caller"),
            caller_type: get("X-Alter-Caller-Type"),
            actor_id: get("X-Alter-Actor-ID"),
            context: get("X-Alter-Context"),
        };
        // Our header set equals what the SDK sent, minus the transport User-Agent.
        assert_eq!(
            inp.wire_headers(),
            without(&sent, &["User-Agent"]),
            "exchange {i}"
        );
        let parsed: Value = serde_json::from_slice(&inp.body).expect("json body");
        assert_eq!(
            to_json_ascii(&parsed).as_bytes(),
            &inp.body[..],
            "exchange {i} body"
        );
        // The harness froze the nonce, so the second request is (correctly) a replay.
        let r = verify_with(&inp, &sent, &inp.api_key, inp.timestamp, &mut seen);
        let want = if i == 0 {
            Ok(())
        } else {
            Err(VerifyFailure::ReplayedNonce)
        };
        assert_eq!(r, want, "exchange {i}");
    }
    // The audit request is V2 (actor id cached from the token response).
    let audit = header_map(&backend[1]["headers"]);
    let sig = audit
        .iter()
        .find(|(k, _)| k == "X-Alter-Signature-V2")
        .map(|(_, v)| v.as_str());
    assert_eq!(
        sig,
        Some("f66b43dac1492af69158ea92378ec57431ed81df411d62198c27573f8a73a396")
    );
}
