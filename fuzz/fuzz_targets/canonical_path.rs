//! §2.2 canonicalisation on arbitrary input: `canonical_path`, `form_decode`, `quote_plus` never
//! panic, and the properties the signer and verifier rely on hold:
//! * determinism, and independence from the order of the query fields;
//! * `quote_plus` emits only `A-Z a-z 0-9 _ . - ~ + %` and `form_decode` inverts it exactly;
//! * re-canonicalising a canonical path is a no-op whenever that is well defined: the decoded path
//!   holds no `%` or `?` (path decoding is not idempotent: `%2541` → `%41` → `A`) and the query did
//!   not canonicalise to nothing (`/x?&` → `/x?`, whose bare `?` is then dropped).
#![no_main]

use alter_protocol::canonical::{canonical_path, form_decode, quote_plus};
use libfuzzer_sys::fuzz_target;

fn quote_plus_charset_ok(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'~' | b'+' | b'%'))
}

/// Largest char boundary of `s` at or below `i`.
fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let s: &str = &input;

    let c = canonical_path(s);
    assert_eq!(c, canonical_path(s), "canonical_path is not deterministic");

    // Query field order must not matter (pairs are sorted by name, then value).
    if let Some((path, query)) = s.split_once('?') {
        let mut fields: Vec<&str> = query.split('&').collect();
        fields.reverse();
        let reordered = format!("{path}?{}", fields.join("&"));
        assert_eq!(c, canonical_path(&reordered), "query order changed the canonical form");

        let mut pairs = form_decode(query);
        pairs.sort();
        if !query.is_empty() {
        // quote_plus escapes '?', so the canonical query starts after the last '?' (the decoded
        // path may itself contain one, from %3F).
        let (_, cq) = c.rsplit_once('?').unwrap_or((c.as_str(), ""));
        let mut again = form_decode(cq);
        again.sort();
        assert_eq!(pairs, again, "canonical query does not decode to the sorted input pairs");
        }
    }

    // Stability under re-canonicalisation, where it is well defined.
    let raw_path = s.split_once('?').map_or(s, |(p, _)| p);
    let decoded_path = canonical_path(raw_path);
    if !decoded_path.contains(['%', '?']) && !c.ends_with('?') {
        assert_eq!(canonical_path(&c), c, "canonical form is not a fixed point");
    }

    // quote_plus / form_decode round trip on a split of the input.
    let cut = floor_boundary(s, data.first().map_or(0, |&b| usize::from(b)));
    let (name, value) = s.split_at(cut);
    let (qn, qv) = (quote_plus(name), quote_plus(value));
    assert!(quote_plus_charset_ok(&qn) && quote_plus_charset_ok(&qv), "quote_plus emitted a reserved byte");
    let decoded = form_decode(&format!("{qn}={qv}"));
    assert_eq!(decoded, vec![(name.to_string(), value.to_string())], "form_decode(quote_plus) is not the identity");

    // form_decode on raw input: never panics, never yields more pairs than '&'-fields.
    let pairs = form_decode(s);
    assert!(pairs.len() <= s.split('&').count());
});
