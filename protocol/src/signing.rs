//! Request signing (§2.1-§2.5): content hash, the legacy and V2 strings-to-sign, the HMACs and the
//! `X-Alter-*` signature header set.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::canonical::canonical_path;

/// §1.2 / §13: message HMACed with the API key to derive the signing key.
pub const SIGNING_KEY_MESSAGE: &str = "alter-signing-v1";
/// SHA-256 of zero bytes: the CONTENT_HASH of an empty or absent body (§2.1).
pub const EMPTY_BODY_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

pub const H_TIMESTAMP: &str = "X-Alter-Timestamp";
pub const H_NONCE: &str = "X-Alter-Nonce";
pub const H_CONTENT_SHA256: &str = "X-Alter-Content-SHA256";
pub const H_SIGNATURE: &str = "X-Alter-Signature";
pub const H_SIGNATURE_V2: &str = "X-Alter-Signature-V2";
pub const H_SCOPE_CONSTRAINTS: &str = "X-Alter-Scope-Constraints";
pub const H_REQUEST_RULE: &str = "X-Alter-Request-Rule";
pub const H_CALLER: &str = "X-Alter-Caller";
pub const H_CALLER_TYPE: &str = "X-Alter-Caller-Type";
pub const H_ACTOR_ID: &str = "X-Alter-Actor-ID";
pub const H_CONTEXT: &str = "X-Alter-Context";

/// The effective identity header values on one request (§2.4); `None` and `Some("")` both mean
/// "not sent / not signed".
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Identity<'a> {
    pub caller: Option<&'a str>,
    pub caller_type: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    pub context: Option<&'a str>,
}

impl<'a> Identity<'a> {
    /// The V2 lines in their fixed order (§2.4), with the label each is signed under.
    fn labelled(&self) -> [(&'static str, Option<&'a str>); 4] {
        [
            ("caller", self.caller),
            ("caller-type", self.caller_type),
            ("actor-id", self.actor_id),
            ("actor-context", self.context),
        ]
    }

    /// True when at least one identity value is non-empty, i.e. the request is signed in V2 form.
    pub fn is_present(&self) -> bool {
        self.labelled()
            .iter()
            .any(|(_, v)| v.is_some_and(|v| !v.is_empty()))
    }
}

/// Everything one signature covers.
#[derive(Debug, Clone, Copy)]
pub struct SignInput<'a> {
    pub method: &'a str,
    /// The SDK-relative path exactly as sent, starting `/sdk/`, with `?query` if any.
    pub path: &'a str,
    /// The exact body bytes sent (empty when there is no body).
    pub body: &'a [u8],
    /// Unix seconds.
    pub timestamp: u64,
    /// 32 lowercase hex chars ([`nonce_hex`]).
    pub nonce: &'a str,
    /// `X-Alter-Scope-Constraints` value, `""` when the client is not attenuated.
    pub scope_constraints: &'a str,
    /// `X-Alter-Request-Rule` value; `None`/`Some("")` when not set.
    pub request_rule: Option<&'a str>,
    pub identity: Identity<'a>,
}

fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 0x0F)]);
    }
    // Only ASCII hex digits were pushed.
    String::from_utf8(out).unwrap_or_default()
}

/// Lowercase hex SHA-256 of the exact body bytes.
pub fn content_sha256(body: &[u8]) -> String {
    to_hex(&Sha256::digest(body))
}

/// 16 random bytes (supplied by the caller) as 32 lowercase hex chars.
pub fn nonce_hex(bytes: &[u8; 16]) -> String {
    to_hex(bytes)
}

/// A signing key with its HMAC inner and outer pads already hashed. A client signs every request
/// with one key; cloning this state per signature saves the two SHA-256 blocks of the key setup.
#[derive(Clone)]
pub struct PreparedKey(Hmac<Sha256>);

impl PreparedKey {
    pub fn new(key: &[u8]) -> PreparedKey {
        // Infallible: HMAC takes keys of any length.
        PreparedKey(
            <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| {
                <Hmac<Sha256> as hmac::digest::KeyInit>::new(&Default::default())
            }),
        )
    }

    /// Lowercase hex HMAC-SHA256 of `msg` under this key.
    pub fn hmac_hex(&self, msg: &[u8]) -> String {
        let mut mac = self.0.clone();
        mac.update(msg);
        to_hex(&mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for PreparedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PreparedKey(<redacted>)")
    }
}

/// Lowercase hex HMAC-SHA256.
pub fn hmac_hex(key: &[u8], msg: &[u8]) -> String {
    PreparedKey::new(key).hmac_hex(msg)
}

fn request_rule<'a>(input: &SignInput<'a>) -> Option<&'a str> {
    input.request_rule.filter(|r| !r.is_empty())
}

/// §2.3: `METHOD\nCANONICAL_PATH\nTIMESTAMP\nNONCE\nCONTENT_HASH\nSCOPE_CONSTRAINTS`, plus
/// `\nrequest-rule:<rule>` when a rule is set. The method is upper-cased here (ASCII only: an
/// HTTP method is an RFC 9110 token, and the SDK refuses anything else before signing).
pub fn string_to_sign_legacy(
    input: &SignInput,
    canonical_path: &str,
    content_hash: &str,
) -> String {
    let mut s = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        input.method.to_ascii_uppercase(),
        canonical_path,
        input.timestamp,
        input.nonce,
        content_hash,
        input.scope_constraints
    );
    if let Some(rule) = request_rule(input) {
        s.push_str("\nrequest-rule:");
        s.push_str(rule);
    }
    s
}

/// §2.4: the legacy string followed by `\n<label>:<value>` for each non-empty identity value, in
/// the order caller, caller-type, actor-id, actor-context. `None` when no identity is present.
pub fn string_to_sign_v2(
    input: &SignInput,
    canonical_path: &str,
    content_hash: &str,
) -> Option<String> {
    if !input.identity.is_present() {
        return None;
    }
    let mut s = string_to_sign_legacy(input, canonical_path, content_hash);
    for (label, value) in input.identity.labelled() {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            s.push('\n');
            s.push_str(label);
            s.push(':');
            s.push_str(v);
        }
    }
    Some(s)
}

/// The signature header set of §2.5 for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub timestamp: String,
    pub nonce: String,
    pub content_sha256: String,
    /// The legacy HMAC, or the V2 HMAC when an identity is present (selection rule, §2.5).
    pub signature: String,
    /// The V2 HMAC (equal to `signature`) when an identity is present.
    pub signature_v2: Option<String>,
    pub scope_constraints: Option<String>,
    pub request_rule: Option<String>,
}

impl SignedHeaders {
    /// Calls `f` with each header in the order the Python SDK emits them; optional ones only when
    /// set. The one place that order is written.
    pub fn each(&self, mut f: impl FnMut(&'static str, &str)) {
        f(H_TIMESTAMP, &self.timestamp);
        f(H_NONCE, &self.nonce);
        f(H_CONTENT_SHA256, &self.content_sha256);
        f(H_SIGNATURE, &self.signature);
        if let Some(s) = &self.signature_v2 {
            f(H_SIGNATURE_V2, s);
        }
        if let Some(s) = &self.scope_constraints {
            f(H_SCOPE_CONSTRAINTS, s);
        }
        if let Some(s) = &self.request_rule {
            f(H_REQUEST_RULE, s);
        }
    }

    /// The headers of [`SignedHeaders::each`] as pairs.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut v = Vec::with_capacity(7);
        self.each(|k, val| v.push((k, val.to_string())));
        v
    }
}

/// Signs one request: canonicalises `input.path`, hashes `input.body`, and applies the §2.5
/// selection rule (V2 digest in both signature headers when an identity is present, so stripping
/// the identity cannot downgrade the request to a valid legacy signature).
pub fn sign(signing_key: &[u8; 32], input: &SignInput) -> SignedHeaders {
    sign_with(&PreparedKey::new(signing_key), input)
}

/// [`sign`] with a [`PreparedKey`] (what a client holds).
pub fn sign_with(key: &PreparedKey, input: &SignInput) -> SignedHeaders {
    let canonical = canonical_path(input.path);
    let content_hash = content_sha256(input.body);
    let signature_v2 =
        string_to_sign_v2(input, &canonical, &content_hash).map(|s| key.hmac_hex(s.as_bytes()));
    let signature = match &signature_v2 {
        Some(v2) => v2.clone(),
        None => key.hmac_hex(string_to_sign_legacy(input, &canonical, &content_hash).as_bytes()),
    };
    SignedHeaders {
        timestamp: input.timestamp.to_string(),
        nonce: input.nonce.to_string(),
        content_sha256: content_hash,
        signature,
        signature_v2,
        scope_constraints: Some(input.scope_constraints)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        request_rule: request_rule(input).map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_body_constant_is_the_hash_of_nothing() {
        assert_eq!(content_sha256(b""), EMPTY_BODY_SHA256);
    }

    #[test]
    fn nonce_is_32_lowercase_hex() {
        let n = nonce_hex(&[
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff,
        ]);
        assert_eq!(n, "00112233445566778899aabbccddeeff");
    }

    #[test]
    fn empty_identity_values_do_not_make_v2() {
        let input = SignInput {
            method: "get",
            path: "/sdk/x",
            body: b"",
            timestamp: 1,
            nonce: "n",
            scope_constraints: "",
            request_rule: Some(""),
            identity: Identity {
                caller: Some(""),
                ..Identity::default()
            },
        };
        assert_eq!(string_to_sign_v2(&input, "/sdk/x", "h"), None);
        assert_eq!(
            string_to_sign_legacy(&input, "/sdk/x", "h"),
            "GET\n/sdk/x\n1\nn\nh\n"
        );
        let h = sign(&[7; 32], &input);
        assert_eq!(h.signature_v2, None);
        assert_eq!(h.request_rule, None);
        assert_eq!(h.pairs().len(), 4);
    }
}
