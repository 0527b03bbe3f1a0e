//! API key syntax (§1.1) and the HMAC signing key derived from it (§1.2).
//!
//! The syntax check is a typo gate, not security: the backend authenticates the whole key string.
//! Nothing here ever puts the key itself into an error message.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{codes, ProtocolError, Result};

/// Prefix of the legacy format `alter_key_<40 URL-safe chars>`.
const LEGACY_PREFIX: &str = "alter_key_";
const LEGACY_BODY_LEN: usize = 40;
/// Lowercase RFC 4648 base32 alphabet used by the scoped format (random part and checksum).
const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
const SCOPED_RANDOM_LEN: usize = 22;
const CHECKSUM_LEN: usize = 6;

/// The `<type>` segment of a scoped key. Only a hint: the backend decides the principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopedKeyType {
    /// `rk`: runtime/app key.
    Rk,
    /// `ak`: agent-typed key.
    Ak,
    /// `dk`: derived key (`POST /sdk/keys/derive`).
    Dk,
    /// `pk`: publishable key.
    Pk,
}

impl ScopedKeyType {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "rk" => Some(Self::Rk),
            "ak" => Some(Self::Ak),
            "dk" => Some(Self::Dk),
            "pk" => Some(Self::Pk),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rk => "rk",
            Self::Ak => "ak",
            Self::Dk => "dk",
            Self::Pk => "pk",
        }
    }
}

/// Which of the two accepted syntaxes a key uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Legacy,
    Scoped(ScopedKeyType),
}

/// CRC-32 (IEEE 802.3 / zlib, reflected polynomial 0xEDB88320) over the concatenated parts,
/// computed bit by bit: keys are a few dozen bytes, and a table-driven crate would add 16 KB of
/// tables to the wasm.
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = !0u32;
    for &byte in parts.iter().flat_map(|p| p.iter()) {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The §1.1 checksum: CRC-32 (IEEE) of `"<type>:<random>"`, emitted as 6 base32 characters taking
/// 5-bit groups from the least-significant end (only the low 30 bits are used).
pub fn scoped_key_checksum(key_type: &str, random: &str) -> String {
    let crc = crc32(&[key_type.as_bytes(), b":", random.as_bytes()]);
    (0..CHECKSUM_LEN)
        .map(|i| char::from(BASE32[((crc >> (5 * i)) & 0x1F) as usize]))
        .collect()
}

/// Builds `alter_<type>_<random>_<checksum>`. For the dev vault and tests; the caller chooses the
/// random part (22 base32 chars for a key that [`is_valid_key`] accepts).
pub fn make_scoped_key(key_type: &str, random22: &str) -> String {
    format!(
        "alter_{key_type}_{random22}_{}",
        scoped_key_checksum(key_type, random22)
    )
}

fn is_base32(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| BASE32.contains(&b))
}

/// Classifies a key, or `None` when it matches neither syntax.
fn classify(key: &str) -> Option<KeyKind> {
    if let Some(body) = key.strip_prefix(LEGACY_PREFIX) {
        // No checksum, but length and alphabet are fixed at mint time.
        let ok = body.len() == LEGACY_BODY_LEN
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        return ok.then_some(KeyKind::Legacy);
    }
    let mut parts = key.split('_');
    let (Some("alter"), Some(t), Some(random), Some(checksum), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let key_type = ScopedKeyType::parse(t)?;
    let ok = is_base32(random, SCOPED_RANDOM_LEN)
        && is_base32(checksum, CHECKSUM_LEN)
        && scoped_key_checksum(t, random) == checksum;
    ok.then_some(KeyKind::Scoped(key_type))
}

/// True iff `key` is a syntactically valid Alter API key (either format, checksum verified).
pub fn is_valid_key(key: &str) -> bool {
    classify(key).is_some()
}

/// Offline construction-time check (§1.1). Failure is `AlterSDKError` / `invalid_api_key_format`;
/// the message names both syntaxes and never echoes the key.
pub fn validate_api_key(key: &str) -> Result<KeyKind> {
    if key.is_empty() {
        return Err(ProtocolError::sdk(
            codes::INVALID_API_KEY_FORMAT,
            "api_key is required",
        ));
    }
    classify(key).ok_or_else(|| {
        ProtocolError::sdk(
            codes::INVALID_API_KEY_FORMAT,
            "api_key is not a valid Alter key: expected 'alter_key_' followed by 40 URL-safe \
             characters (legacy) or 'alter_<type>_<random>_<checksum>' (scoped; type is one of \
             rk, ak, dk, pk; 22-char base32 random part; 6-char checksum)",
        )
    })
}

/// §1.2: `HMAC-SHA256(key = UTF-8 bytes of the API key, message = "alter-signing-v1")`.
pub fn derive_signing_key(api_key: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    // HMAC accepts keys of any length, so this constructor cannot fail.
    if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(api_key.as_bytes()) {
        mac.update(crate::signing::SIGNING_KEY_MESSAGE.as_bytes());
        out.copy_from_slice(&mac.finalize().into_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_KEY: &str = "alter_rk_abcdefghijklmnopqrstuv_iwpykn";

    #[test]
    fn crc32_matches_the_standard_check_values() {
        // The CRC-32/ISO-HDLC check value, and the spec's §1.1 example.
        assert_eq!(crc32(&[b"123456789"]), 0xCBF4_3926);
        assert_eq!(
            crc32(&[b"rk", b":", b"abcdefghijklmnopqrstuv"]),
            0x1AAC_3EC8
        );
        assert_eq!(crc32(&[]), 0);
    }

    #[test]
    fn spec_example_checksum() {
        assert_eq!(
            scoped_key_checksum("rk", "abcdefghijklmnopqrstuv"),
            "iwpykn"
        );
        assert_eq!(make_scoped_key("rk", "abcdefghijklmnopqrstuv"), SPEC_KEY);
        assert_eq!(
            validate_api_key(SPEC_KEY),
            Ok(KeyKind::Scoped(ScopedKeyType::Rk))
        );
    }

    #[test]
    fn every_single_char_change_of_the_spec_key_is_rejected() {
        let bytes: Vec<char> = SPEC_KEY.chars().collect();
        for i in 0..bytes.len() {
            for c in "abcdefghijklmnopqrstuvwxyz234567_A1-".chars() {
                if c == bytes[i] {
                    continue;
                }
                let mut k = bytes.clone();
                k[i] = c;
                let k: String = k.into_iter().collect();
                // Changing the type to another valid type also changes the checksum input.
                assert!(!is_valid_key(&k), "accepted {k}");
            }
        }
        assert!(!is_valid_key(&SPEC_KEY[..SPEC_KEY.len() - 1]));
        assert!(!is_valid_key(&format!("{SPEC_KEY}a")));
        assert!(!is_valid_key(&format!(" {SPEC_KEY}")));
        assert!(!is_valid_key(&SPEC_KEY.to_uppercase()));
    }

    #[test]
    fn all_scoped_types() {
        for t in ["rk", "ak", "dk", "pk"] {
            let k = make_scoped_key(t, "zzzzzzzzzzzzzzzzzzzzz2");
            assert_eq!(
                validate_api_key(&k),
                Ok(KeyKind::Scoped(ScopedKeyType::parse(t).unwrap()))
            );
        }
        assert!(!is_valid_key(&make_scoped_key(
            "xk",
            "zzzzzzzzzzzzzzzzzzzzz2"
        )));
        assert!(!is_valid_key(&make_scoped_key(
            "rk",
            "zzzzzzzzzzzzzzzzzzzzz"
        )));
        assert!(!is_valid_key(&make_scoped_key(
            "rk",
            "zzzzzzzzzzzzzzzzzzzzz1"
        )));
    }

    #[test]
    fn legacy_keys() {
        let good = "alter_key_A1b2C3d4E5f6G7h8I9j0-_KlMnOpQrStUvWxYz01";
        assert_eq!(validate_api_key(good), Ok(KeyKind::Legacy));
        assert!(!is_valid_key(&good[..good.len() - 1]));
        assert!(!is_valid_key(&format!("{good}x")));
        assert!(!is_valid_key(
            "alter_key_A1b2C3d4E5f6G7h8I9j0-_KlMnOpQrStUvWxYz0!"
        ));
        assert!(!is_valid_key(
            "alter_key_A1b2C3d4E5f6G7h8I9j0-_KlMnOpQrStUvWxYz0é"
        ));
    }

    #[test]
    fn error_is_typed_and_does_not_echo_the_key() {
        let bad = "alter_rk_secretsecretsecretsecre_aaaaaa";
        let e = validate_api_key(bad).unwrap_err();
        assert_eq!(e.class, crate::ErrorClass::AlterSDKError);
        assert_eq!(e.code, codes::INVALID_API_KEY_FORMAT);
        assert!(e.message.contains("alter_key_") && e.message.contains("alter_<type>"));
        assert!(!e.message.contains("secretsecret"));
        assert_eq!(
            validate_api_key("").unwrap_err().code,
            codes::INVALID_API_KEY_FORMAT
        );
    }

    #[test]
    fn signing_key_example() {
        let k = derive_signing_key(SPEC_KEY);
        let hex: String = k.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "d686d74251939c285fe8fa5ad18c0e2003f1ca17a5346e7838389386c1ac079f"
        );
    }
}
