//! Random bytes for nonces, correlation ids and retry jitter without a call into JS per use: a
//! seed from the runtime's CSPRNG, given once by the JS layer, expanded as HMAC-SHA256(seed,
//! counter) (a PRF, so the outputs are unpredictable without the seed and never repeat).

use alter_protocol::signing::PreparedKey;
use std::cell::Cell;

/// The seed length the JS layer passes (bytes).
pub const SEED_LEN: usize = 32;

pub struct Rng {
    key: PreparedKey,
    counter: Cell<u64>,
}

impl Rng {
    pub fn new(seed: &[u8]) -> Rng {
        Rng {
            key: PreparedKey::new(seed),
            counter: Cell::new(0),
        }
    }

    pub fn bytes16(&self) -> [u8; 16] {
        let n = self.counter.get().wrapping_add(1);
        self.counter.set(n);
        let hex = self.key.hmac_hex(&n.to_le_bytes());
        let mut out = [0u8; 16];
        for (i, b) in out.iter_mut().enumerate() {
            *b = hex
                .get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .unwrap_or(0);
        }
        out
    }

    /// A uniform fraction in [0, 1).
    pub fn unit(&self) -> f64 {
        let b = self.bytes16();
        f64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])) / 4_294_967_296.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_differ_and_depend_on_the_seed() {
        let a = Rng::new(&[1; SEED_LEN]);
        let b = Rng::new(&[2; SEED_LEN]);
        let (a1, a2) = (a.bytes16(), a.bytes16());
        assert_ne!(a1, a2);
        assert_ne!(a1, b.bytes16());
        assert_ne!(a1, [0; 16]);
        let u = a.unit();
        assert!((0.0..1.0).contains(&u));
    }
}
