//! The §2.6 verifier (`verify_request`, used by the dev vault) on hostile requests, plus the
//! signer/verifier round trip on fuzz-chosen request contents.
//!
//! * Arbitrary method, target, headers (names mostly from the signed set), body, key, clock and
//!   window: never panics, and the nonce hook is consulted only for a request that verified.
//! * Text seeds (`METHOD TARGET\nheaders\n\nbody`, e.g. the signing vectors): the same, at a fixed
//!   clock; a request that verifies is then refused as a replay.
//! * Round trip: a request signed with `sign` for the same key verifies within the window; replaying
//!   it is refused as a replayed nonce; a changed body is refused as a content-hash mismatch; a
//!   target whose canonical form differs is refused as a bad signature; a different key fails.
#![no_main]

use alter_protocol::canonical::canonical_path;
use alter_protocol::keys::derive_signing_key;
use alter_protocol::signing::{
    nonce_hex, sign, Identity, SignInput, H_ACTOR_ID, H_CALLER, H_CALLER_TYPE, H_CONTENT_SHA256,
    H_CONTEXT, H_NONCE, H_REQUEST_RULE, H_SCOPE_CONSTRAINTS, H_SIGNATURE, H_SIGNATURE_V2,
    H_TIMESTAMP,
};
use alter_protocol::verify::{verify_request, IncomingRequest, VerifyFailure, VerifyPolicy, H_API_KEY};
use arbitrary::{Result, Unstructured};
use fuzz_common::{parse_text, pick_string};
use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;

const KEY: &str = "alter_key_fuzzfuzzfuzzfuzzfuzzfuzz";

const NAMES: &[&str] = &[
    H_API_KEY, H_TIMESTAMP, H_NONCE, H_CONTENT_SHA256, H_SIGNATURE, H_SIGNATURE_V2,
    H_SCOPE_CONSTRAINTS, H_REQUEST_RULE, H_CALLER, H_CALLER_TYPE, H_ACTOR_ID, H_CONTEXT,
    "X-ALTER-TIMESTAMP", "content-type",
];

const VALUES: &[&str] = &[
    KEY, "", "0", "1767225600", "01767225600", "18446744073709551615", "18446744073709551616",
    "-1", "00112233445566778899aabbccddeeff", "00112233445566778899AABBCCDDEEFF",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "agent", "service",
];

const TARGETS: &[&str] = &[
    "/sdk/token", "/sdk/token?", "/sdk/token?&", "/sdk/agents?name=%E6%97%A5+bot&limit=10",
    "/sdk/x%2Fy?a=1&a=~%2A", "/sdk/%FF?k=%zz",
];

/// Hostile request: the verifier must answer without panicking.
fn hostile(u: &mut Unstructured) -> Result<()> {
    let method = pick_string(u, &["GET", "POST", "get", ""])?;
    let target = pick_string(u, TARGETS)?;
    let n = u.int_in_range(0..=14usize)?;
    let mut headers = Vec::with_capacity(n);
    for _ in 0..n {
        headers.push((pick_string(u, NAMES)?, pick_string(u, VALUES)?));
    }
    let body: Vec<u8> = u.arbitrary()?;
    let key = pick_string(u, &[KEY])?;
    let now: u64 = u.arbitrary()?;
    let policy = VerifyPolicy { max_skew_secs: u.arbitrary()? };
    let req = IncomingRequest { method: &method, path_and_query: &target, headers: &headers, body: &body };
    let mut calls = 0u32;
    let r = verify_request(&req, &key, now, &policy, &mut |_, _| {
        calls += 1;
        false
    });
    assert!(calls <= 1);
    assert_eq!(calls == 1, r.is_ok(), "nonce hook consulted for a request that did not verify");
    let _ = r.map_err(|f| (f.code(), f.message()));
    Ok(())
}

/// The seed format: `METHOD TARGET\nName: value\n...\n\nbody`, verified against the key its
/// `x-api-key` header names (as the dev vault looks keys up) at the vectors' clock, 1767225600.
fn from_text(data: &[u8]) {
    let m = parse_text(data);
    let (method, target) = m.first_line.split_once(' ').unwrap_or((m.first_line.as_str(), ""));
    let key = alter_protocol::header(&m.headers, H_API_KEY).unwrap_or("").to_string();
    let policy = VerifyPolicy::default();
    let req = IncomingRequest { method, path_and_query: target, headers: &m.headers, body: &m.body };
    let mut calls = 0u32;
    let r = verify_request(&req, &key, 1_767_225_600, &policy, &mut |_, _| {
        calls += 1;
        false
    });
    assert_eq!(calls == 1, r.is_ok(), "nonce hook consulted for a request that did not verify");
    if r.is_ok() {
        // Verified once: the same request again is a replay.
        let r2 = verify_request(&req, &key, 1_767_225_600, &policy, &mut |_, _| true);
        assert_eq!(r2, Err(VerifyFailure::ReplayedNonce));
    }
}

fn opt(u: &mut Unstructured, list: &[&str]) -> Result<Option<String>> {
    Ok(if u.arbitrary()? { Some(pick_string(u, list)?) } else { None })
}

/// Signer → verifier round trip.
fn round_trip(u: &mut Unstructured) -> Result<()> {
    let method = pick_string(u, &["GET", "POST", "PATCH", "delete"])?;
    let target = pick_string(u, TARGETS)?;
    let body: Vec<u8> = u.arbitrary()?;
    let timestamp: u64 = u.int_in_range(0..=u64::MAX / 2)?;
    let nonce = nonce_hex(&u.arbitrary::<[u8; 16]>()?);
    let scope_constraints = pick_string(u, &["", "repo read:user", "{\"scopes\":[\"a\"]}"])?;
    let request_rule = opt(u, &["", "eyJ0eXBlIjoicmVkYWN0In0"])?;
    let caller = opt(u, &["", "billing-bot", "x\ny"])?;
    let caller_type = opt(u, &["", "agent", "service"])?;
    let actor_id = opt(u, &["", "3f2c1a9e-8b7d-4c6e-9f01-23456789abcd"])?;
    let context = opt(u, &["", "eyJydW5faWQiOiJyMSJ9"])?;
    let skew = u.int_in_range(0..=600u64)?;
    let offset = u.int_in_range(0..=skew)?;
    let now = if u.arbitrary()? { timestamp + offset } else { timestamp.saturating_sub(offset) };

    let identity = Identity {
        caller: caller.as_deref(),
        caller_type: caller_type.as_deref(),
        actor_id: actor_id.as_deref(),
        context: context.as_deref(),
    };
    let input = SignInput {
        method: &method,
        path: &target,
        body: &body,
        timestamp,
        nonce: &nonce,
        scope_constraints: &scope_constraints,
        request_rule: request_rule.as_deref(),
        identity,
    };
    let signed = sign(&derive_signing_key(KEY), &input);
    let mut headers: Vec<(String, String)> = vec![(H_API_KEY.to_string(), KEY.to_string())];
    headers.extend(signed.pairs().into_iter().map(|(k, v)| (k.to_string(), v)));
    for (name, value) in [(H_CALLER, &caller), (H_CALLER_TYPE, &caller_type), (H_ACTOR_ID, &actor_id), (H_CONTEXT, &context)] {
        if let Some(v) = value {
            headers.push((name.to_string(), v.clone()));
        }
    }
    let policy = VerifyPolicy { max_skew_secs: skew };
    let mut seen = HashSet::new();
    let mut hook = |n: &str, _ts: u64| !seen.insert(n.to_string());

    let req = IncomingRequest { method: &method, path_and_query: &target, headers: &headers, body: &body };
    assert_eq!(verify_request(&req, KEY, now, &policy, &mut hook), Ok(()), "signed request refused");
    assert_eq!(verify_request(&req, KEY, now, &policy, &mut hook), Err(VerifyFailure::ReplayedNonce), "replay accepted");

    let mut fresh = |_: &str, _: u64| false;
    let mut other_body = body.clone();
    match other_body.first_mut() {
        Some(b) => *b ^= 1,
        None => other_body.push(b'x'),
    }
    let tampered = IncomingRequest { body: &other_body, ..req };
    assert_eq!(verify_request(&tampered, KEY, now, &policy, &mut fresh), Err(VerifyFailure::ContentHashMismatch), "changed body accepted");

    let other_target = pick_string(u, TARGETS)?;
    if canonical_path(&other_target) != canonical_path(&target) {
        let moved = IncomingRequest { path_and_query: &other_target, ..req };
        assert_eq!(verify_request(&moved, KEY, now, &policy, &mut fresh), Err(VerifyFailure::BadSignature), "request moved to another path accepted");
    }

    // The server verifies against the key the client presented; a different key must fail.
    let mut wrong_key = headers.clone();
    wrong_key[0].1 = "alter_key_otherotherotherotherother".to_string();
    let other = IncomingRequest { headers: &wrong_key, ..req };
    assert_eq!(verify_request(&other, "alter_key_otherotherotherotherother", now, &policy, &mut fresh), Err(VerifyFailure::BadSignature), "signature valid under another key");
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((b, _)) if b.is_ascii_uppercase() => from_text(data),
        Some((&mode, rest)) => {
            let mut u = Unstructured::new(rest);
            let _ = if mode % 2 == 0 { hostile(&mut u) } else { round_trip(&mut u) };
        }
        None => {}
    }
});
