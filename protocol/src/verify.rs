//! The verifier side of request signing (§2.6), used by the dev vault.
//!
//! Order of checks: API key header, signature headers present and well-formed, timestamp window,
//! content hash, signature (constant-time), and only then the nonce replay hook, so unsigned
//! junk can neither burn nonces nor grow the nonce store.

use crate::canonical::canonical_path;
use crate::keys::derive_signing_key;
use crate::signing::{
    content_sha256, hmac_hex, string_to_sign_legacy, string_to_sign_v2, Identity, SignInput,
    H_ACTOR_ID, H_CALLER, H_CALLER_TYPE, H_CONTENT_SHA256, H_CONTEXT, H_NONCE, H_REQUEST_RULE,
    H_SCOPE_CONSTRAINTS, H_SIGNATURE, H_SIGNATURE_V2, H_TIMESTAMP,
};
use crate::HeaderList;

pub const H_API_KEY: &str = "x-api-key";

/// Headers that must appear at most once: a duplicate would let the verifier and the handler
/// read different values.
const SINGLE_VALUED: &[&str] = &[
    H_API_KEY,
    H_TIMESTAMP,
    H_NONCE,
    H_CONTENT_SHA256,
    H_SIGNATURE,
    H_SIGNATURE_V2,
    H_SCOPE_CONSTRAINTS,
    H_REQUEST_RULE,
    H_CALLER,
    H_CALLER_TYPE,
    H_ACTOR_ID,
    H_CONTEXT,
];

/// A request as the server received it.
#[derive(Debug, Clone, Copy)]
pub struct IncomingRequest<'a> {
    pub method: &'a str,
    /// The raw request target (`/sdk/...?query`), before any decoding.
    pub path_and_query: &'a str,
    pub headers: &'a HeaderList,
    pub body: &'a [u8],
}

/// Verifier knobs. The backend's real window is not specified (§2.6.5, UNSURE); 300 s is the
/// suggested emulator default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyPolicy {
    pub max_skew_secs: u64,
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        VerifyPolicy { max_skew_secs: 300 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyFailure {
    MissingApiKey,
    /// Absent, duplicated or malformed signature header.
    MissingHeader(&'static str),
    BadTimestamp,
    StaleTimestamp,
    ContentHashMismatch,
    BadSignature,
    ReplayedNonce,
}

impl VerifyFailure {
    pub fn code(&self) -> &'static str {
        match self {
            VerifyFailure::MissingApiKey => "missing_api_key",
            VerifyFailure::MissingHeader(_) => "missing_signature_header",
            VerifyFailure::BadTimestamp => "invalid_timestamp",
            VerifyFailure::StaleTimestamp => "stale_timestamp",
            VerifyFailure::ContentHashMismatch => "content_hash_mismatch",
            VerifyFailure::BadSignature => "invalid_signature",
            VerifyFailure::ReplayedNonce => "replayed_nonce",
        }
    }

    pub fn message(&self) -> String {
        match self {
            VerifyFailure::MissingApiKey => "Missing x-api-key header".to_string(),
            VerifyFailure::MissingHeader(h) => {
                format!("Missing, duplicated or malformed {h} header")
            }
            VerifyFailure::BadTimestamp => {
                "X-Alter-Timestamp is not a Unix time in seconds".to_string()
            }
            VerifyFailure::StaleTimestamp => {
                "X-Alter-Timestamp is outside the allowed window".to_string()
            }
            VerifyFailure::ContentHashMismatch => {
                "X-Alter-Content-SHA256 does not match the request body".to_string()
            }
            VerifyFailure::BadSignature => "Request signature is invalid".to_string(),
            VerifyFailure::ReplayedNonce => "X-Alter-Nonce was already used".to_string(),
        }
    }
}

/// Constant-time equality for equal-length inputs (the length of a hex digest is public).
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// The single value of `name`; `Err` when it appears more than once.
fn single<'a>(headers: &'a HeaderList, name: &str) -> Result<Option<&'a str>, ()> {
    let mut found = None;
    for (k, v) in headers {
        if k.eq_ignore_ascii_case(name) {
            if found.is_some() {
                return Err(());
            }
            found = Some(v.as_str());
        }
    }
    Ok(found)
}

fn required<'a>(headers: &'a HeaderList, name: &'static str) -> Result<&'a str, VerifyFailure> {
    single(headers, name)
        .ok()
        .flatten()
        .ok_or(VerifyFailure::MissingHeader(name))
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Verifies one signed request against `api_key` (the key the server looked up from `x-api-key`).
///
/// `nonce_seen(nonce, timestamp)` returns true if the nonce was already used (replay) and records
/// it otherwise; it is called only for requests whose signature verified.
pub fn verify_request(
    req: &IncomingRequest,
    api_key: &str,
    now_secs: u64,
    policy: &VerifyPolicy,
    nonce_seen: &mut dyn FnMut(&str, u64) -> bool,
) -> Result<(), VerifyFailure> {
    let h = req.headers;
    for name in SINGLE_VALUED {
        if single(h, name).is_err() {
            return Err(if *name == H_API_KEY {
                VerifyFailure::MissingApiKey
            } else {
                VerifyFailure::MissingHeader(name)
            });
        }
    }
    // §2.6.1: the presented key must be the one we verify against.
    match single(h, H_API_KEY) {
        Ok(Some(presented)) if ct_eq(presented.as_bytes(), api_key.as_bytes()) => {}
        Ok(Some(_)) => return Err(VerifyFailure::BadSignature),
        _ => return Err(VerifyFailure::MissingApiKey),
    }

    let ts_raw = required(h, H_TIMESTAMP)?;
    let nonce = required(h, H_NONCE)?;
    let claimed_hash = required(h, H_CONTENT_SHA256)?;
    let signature = required(h, H_SIGNATURE)?;
    if !is_lower_hex(nonce, 32) {
        return Err(VerifyFailure::MissingHeader(H_NONCE));
    }

    // §2.1: whole Unix seconds in decimal ASCII. §2.6.5: reject |now - ts| > window.
    if ts_raw.is_empty() || ts_raw.len() > 20 || !ts_raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyFailure::BadTimestamp);
    }
    let ts: u64 = ts_raw.parse().map_err(|_| VerifyFailure::BadTimestamp)?;
    // The signer signs the decimal rendering of the number; a different spelling of the same
    // number (leading zeros) is not what was signed.
    if ts.to_string() != ts_raw {
        return Err(VerifyFailure::BadTimestamp);
    }
    if now_secs.abs_diff(ts) > policy.max_skew_secs {
        return Err(VerifyFailure::StaleTimestamp);
    }

    // §2.6.2: hash the bytes actually received.
    let content_hash = content_sha256(req.body);
    if !ct_eq(content_hash.as_bytes(), claimed_hash.as_bytes()) {
        return Err(VerifyFailure::ContentHashMismatch);
    }

    // §2.6.3-4: rebuild the canonical path and the expected digest.
    let value = |name| single(h, name).ok().flatten();
    let identity = Identity {
        caller: value(H_CALLER),
        caller_type: value(H_CALLER_TYPE),
        actor_id: value(H_ACTOR_ID),
        context: value(H_CONTEXT),
    };
    let input = SignInput {
        method: req.method,
        path: req.path_and_query,
        body: req.body,
        timestamp: ts,
        nonce,
        scope_constraints: value(H_SCOPE_CONSTRAINTS).unwrap_or(""),
        request_rule: value(H_REQUEST_RULE),
        identity,
    };
    let canonical = canonical_path(req.path_and_query);
    // With any identity header present the V2 digest is required; when all present identity
    // values are empty the V2 string equals the legacy one, so both rules coincide.
    let expected_input = string_to_sign_v2(&input, &canonical, &content_hash)
        .unwrap_or_else(|| string_to_sign_legacy(&input, &canonical, &content_hash));
    let expected = hmac_hex(&derive_signing_key(api_key), expected_input.as_bytes());
    if !ct_eq(expected.as_bytes(), signature.as_bytes()) {
        return Err(VerifyFailure::BadSignature);
    }
    if let Some(v2) = value(H_SIGNATURE_V2) {
        if !ct_eq(expected.as_bytes(), v2.as_bytes()) {
            return Err(VerifyFailure::BadSignature);
        }
    }

    // §2.6.5: replay check last, for authentic requests only.
    if nonce_seen(nonce, ts) {
        return Err(VerifyFailure::ReplayedNonce);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ct_eq_basics() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
        assert!(ct_eq(b"", b""));
    }
}
