//! Properties of signer and verifier: every signed request verifies, any change to a signed
//! header value breaks it, and hostile header lists never panic the verifier.

use std::collections::HashSet;

use alter_protocol::keys::{derive_signing_key, make_scoped_key};
use alter_protocol::signing::{sign, Identity, SignInput};
use alter_protocol::verify::{verify_request, IncomingRequest, VerifyPolicy};
use proptest::prelude::*;

const NOW: u64 = 1_767_225_600;
const NONCE: &str = "00112233445566778899aabbccddeeff";

const NAMES: &[&str] = &[
    "x-api-key",
    "X-Alter-Timestamp",
    "X-Alter-Nonce",
    "X-Alter-Content-SHA256",
    "X-Alter-Signature",
    "X-Alter-Signature-V2",
    "X-Alter-Scope-Constraints",
    "X-Alter-Request-Rule",
    "X-Alter-Caller",
    "X-Alter-Caller-Type",
    "X-Alter-Actor-ID",
    "X-Alter-Context",
    "x-alter-signature",
    "Other",
];

fn key() -> String {
    make_scoped_key("rk", "abcdefghijklmnopqrstuv")
}

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    body: Vec<u8>,
    scope: String,
    rule: String,
    ident: [String; 4],
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[ -~]{1,20}", any::<String>()]
}

fn req() -> impl Strategy<Value = Req> {
    (
        "[A-Za-z]{1,7}",
        any::<String>().prop_map(|s| format!("/sdk/{s}")),
        proptest::collection::vec(any::<u8>(), 0..64),
        text(),
        text(),
        [text(), text(), text(), text()],
    )
        .prop_map(|(method, path, body, scope, rule, ident)| Req {
            method,
            path,
            body,
            scope,
            rule,
            ident,
        })
}

fn o(s: &str) -> Option<&str> {
    Some(s).filter(|s| !s.is_empty())
}

/// The request's full header list as the SDK would send it.
fn signed_headers(r: &Req) -> Vec<(String, String)> {
    let input = SignInput {
        method: &r.method,
        path: &r.path,
        body: &r.body,
        timestamp: NOW,
        nonce: NONCE,
        scope_constraints: &r.scope,
        request_rule: o(&r.rule),
        identity: Identity {
            caller: o(&r.ident[0]),
            caller_type: o(&r.ident[1]),
            actor_id: o(&r.ident[2]),
            context: o(&r.ident[3]),
        },
    };
    let mut h = vec![("x-api-key".to_string(), key())];
    for (name, v) in [
        "X-Alter-Caller",
        "X-Alter-Caller-Type",
        "X-Alter-Actor-ID",
        "X-Alter-Context",
    ]
    .iter()
    .zip(&r.ident)
    {
        if !v.is_empty() {
            h.push((name.to_string(), v.clone()));
        }
    }
    let s = sign(&derive_signing_key(&key()), &input);
    h.extend(s.pairs().into_iter().map(|(k, v)| (k.to_string(), v)));
    h
}

fn check(r: &Req, headers: &[(String, String)]) -> bool {
    let req = IncomingRequest {
        method: &r.method,
        path_and_query: &r.path,
        headers,
        body: &r.body,
    };
    let mut seen = HashSet::new();
    verify_request(&req, &key(), NOW, &VerifyPolicy::default(), &mut |n, _| {
        !seen.insert(n.to_string())
    })
    .is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_signed_request_verifies(r in req()) {
        prop_assert!(check(&r, &signed_headers(&r)));
    }

    #[test]
    fn changing_any_signed_header_value_fails(r in req(), idx in any::<prop::sample::Index>(), new in text()) {
        let mut h = signed_headers(&r);
        let i = idx.index(h.len());
        prop_assume!(h[i].1 != new);
        h[i].1 = new;
        prop_assert!(!check(&r, &h), "changed {}", h[i].0);
    }

    #[test]
    fn adding_a_non_empty_signed_header_fails(r in req(), which in 0usize..6, v in "[ -~]{1,10}") {
        let name = ["X-Alter-Caller", "X-Alter-Caller-Type", "X-Alter-Actor-ID", "X-Alter-Context",
                    "X-Alter-Scope-Constraints", "X-Alter-Request-Rule"][which];
        let mut h = signed_headers(&r);
        prop_assume!(!h.iter().any(|(k, _)| k == name));
        h.push((name.to_string(), v));
        prop_assert!(!check(&r, &h));
    }

    #[test]
    fn hostile_headers_never_panic(
        r in req(),
        extra in proptest::collection::vec((0..NAMES.len(), any::<String>()), 0..16),
        now in any::<u64>(),
        skew in any::<u64>(),
    ) {
        let headers: Vec<(String, String)> = extra.into_iter().map(|(i, v)| (NAMES[i].to_string(), v)).collect();
        let req = IncomingRequest { method: &r.method, path_and_query: &r.path, headers: &headers, body: &r.body };
        let _ = verify_request(&req, &key(), now, &VerifyPolicy { max_skew_secs: skew }, &mut |_, _| false);
        // Also with near-valid headers whose values were replaced by arbitrary text.
        let mut good = signed_headers(&r);
        for (k, v) in &headers {
            if let Some(slot) = good.iter_mut().find(|(gk, _)| gk.eq_ignore_ascii_case(k)) {
                slot.1 = v.clone();
            }
        }
        let req = IncomingRequest { method: &r.method, path_and_query: &r.path, headers: &good, body: &r.body };
        let _ = verify_request(&req, &key(), now, &VerifyPolicy::default(), &mut |_, _| false);
    }
}
