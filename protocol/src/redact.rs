//! Credential redaction (design rule 4), the one place that decides what a credential looks like
//! in text: used for the audit row (§5.3), the provider errors (§4.6) and the scope report (§6.1).
//!
//! Every secret of the token response (the access token and each additional credential) is
//! looked for as is and in the forms a provider or an intermediary echoes it in: percent-encoded
//! (whatever characters the encoder kept, either hex case, `+` for a space), JSON-escaped (`\"`,
//! `\\`, `\/`, `\uXXXX` in either case, surrogate pairs), UTF-8 shown as Latin-1 (how fetch reads
//! a non-ASCII header value), and those nested two deep (a JSON-escaped URL, JSON inside a JSON
//! string). Rather than listing encodings per secret, the text is decoded into views that remember
//! where each byte came from; a secret found in any view redacts the characters it came from.

use serde_json::{Map, Value};
use std::borrow::Cow;

use crate::token::TokenResponse;

/// What any credential found in a text is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// The secrets of one token response, ready to scrub texts.
pub struct Redactor {
    secrets: Vec<String>,
    /// Some secret holds a space, which form encoding writes as `+`.
    plus_is_space: bool,
}

/// A decoded copy of a text. Each run of decoded bytes that came from an escape is recorded as
/// `(decoded start, decoded length, source start, source end)`, in the parent's coordinates;
/// the bytes between escapes map one to one.
struct View {
    bytes: Vec<u8>,
    escapes: Vec<(usize, usize, usize, usize)>,
    /// Index of the view this one was decoded from; `None`: the original text.
    parent: Option<usize>,
}

impl View {
    /// The source range, in the parent, of decoded byte `d`.
    fn source(&self, d: usize) -> (usize, usize) {
        let i = self.escapes.partition_point(|e| e.0 <= d);
        if i == 0 {
            return (d, d + 1);
        }
        let (ds, dl, ss, se) = self.escapes[i - 1];
        if d < ds + dl {
            (ss, se)
        } else {
            let s = se + (d - ds - dl);
            (s, s + 1)
        }
    }
}

type Decoded = (Vec<u8>, Vec<(usize, usize, usize, usize)>);

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `%XX` (either case) as the byte; `+` as a space when asked. `None` when nothing changed.
fn percent_decode(src: &[u8], plus: bool) -> Option<Decoded> {
    if !src.iter().any(|&b| b == b'%' || (plus && b == b'+')) {
        return None;
    }
    let mut out = Vec::with_capacity(src.len());
    let mut escapes = Vec::new();
    let mut i = 0;
    while i < src.len() {
        let b = src[i];
        if b == b'%' && i + 2 < src.len() {
            if let (Some(h), Some(l)) = (hex(src[i + 1]), hex(src[i + 2])) {
                escapes.push((out.len(), 1, i, i + 3));
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(if plus && b == b'+' { b' ' } else { b });
        i += 1;
    }
    Some((out, escapes))
}

fn hex4(src: &[u8], at: usize) -> Option<u32> {
    let s = src.get(at..at + 4)?;
    s.iter()
        .try_fold(0u32, |acc, &b| hex(b).map(|d| acc << 4 | u32::from(d)))
}

/// JSON string escapes as the bytes they stand for (UTF-8 for `\uXXXX`, surrogate pairs joined).
/// An escape that is not valid JSON stays as it is. `None` when nothing changed.
fn json_unescape(src: &[u8]) -> Option<Decoded> {
    if !src.contains(&b'\\') {
        return None;
    }
    let mut out = Vec::with_capacity(src.len());
    let mut escapes = Vec::new();
    let mut i = 0;
    while i < src.len() {
        if src[i] != b'\\' || i + 1 >= src.len() {
            out.push(src[i]);
            i += 1;
            continue;
        }
        let simple = match src[i + 1] {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            _ => None,
        };
        if let Some(c) = simple {
            escapes.push((out.len(), 1, i, i + 2));
            out.push(c);
            i += 2;
            continue;
        }
        let unit = if src[i + 1] == b'u' {
            hex4(src, i + 2)
        } else {
            None
        };
        let decoded = match unit {
            Some(hi @ 0xD800..=0xDBFF) => match (src.get(i + 6..i + 8), hex4(src, i + 8)) {
                (Some(b"\\u"), Some(lo @ 0xDC00..=0xDFFF)) => {
                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)).map(|c| (c, 12))
                }
                _ => None,
            },
            Some(u) => char::from_u32(u).map(|c| (c, 6)),
            None => None,
        };
        match decoded {
            Some((c, len)) => {
                let mut buf = [0u8; 4];
                let enc = c.encode_utf8(&mut buf).as_bytes();
                escapes.push((out.len(), enc.len(), i, i + len));
                out.extend_from_slice(enc);
                i += len;
            }
            None => {
                out.push(b'\\');
                i += 1;
            }
        }
    }
    Some((out, escapes))
}

/// Characters U+0080..U+00FF as single bytes: UTF-8 that was read as Latin-1, read back.
fn latin1_bytes(src: &[u8]) -> Option<Decoded> {
    let two_byte = |i: usize| {
        matches!(src[i], 0xC2 | 0xC3) && src.get(i + 1).is_some_and(|&b| b & 0xC0 == 0x80)
    };
    if !(0..src.len()).any(two_byte) {
        return None;
    }
    let mut out = Vec::with_capacity(src.len());
    let mut escapes = Vec::new();
    let mut i = 0;
    while i < src.len() {
        if two_byte(i) {
            escapes.push((out.len(), 1, i, i + 2));
            out.push((src[i] & 0x1F) << 6 | (src[i + 1] & 0x3F));
            i += 2;
        } else {
            out.push(src[i]);
            i += 1;
        }
    }
    Some((out, escapes))
}

/// Calls `f` with the start of every occurrence of `needle` in `hay` (overlapping ones too).
/// A view that is valid UTF-8 (nearly always) is searched with `str::find` (linear time, so a
/// provider's body cannot make the search quadratic); any other byte by byte.
fn find_all(hay: &[u8], needle: &str, mut f: impl FnMut(usize)) {
    let Some(first) = needle.chars().next() else {
        return;
    };
    if let Ok(h) = std::str::from_utf8(hay) {
        let mut from = 0;
        while let Some(off) = h[from..].find(needle) {
            f(from + off);
            from += off + first.len_utf8();
        }
        return;
    }
    let needle = needle.as_bytes();
    if hay.len() < needle.len() {
        return;
    }
    for p in 0..=hay.len() - needle.len() {
        if hay[p] == needle[0] && &hay[p..p + needle.len()] == needle {
            f(p);
        }
    }
}

impl Redactor {
    /// The access token and every additional credential of `token`.
    pub fn new(token: &TokenResponse) -> Redactor {
        let mut secrets = vec![token.access_token.clone()];
        if let Some(creds) = &token.additional_credentials {
            secrets.extend(creds.iter().map(|(_, v)| v.clone()));
        }
        Redactor::from_secrets(secrets)
    }

    /// Any list of secrets (empty ones are ignored).
    pub fn from_secrets(all: Vec<String>) -> Redactor {
        let mut secrets: Vec<String> = Vec::with_capacity(all.len());
        for s in all {
            if !s.is_empty() && !secrets.contains(&s) {
                secrets.push(s);
            }
        }
        let plus_is_space = secrets.iter().any(|s| s.contains(' '));
        Redactor {
            secrets,
            plus_is_space,
        }
    }

    /// `s` with every form of every secret replaced by [`REDACTED`].
    pub fn scrub<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let src = s.as_bytes();
        // The bytes of `s` to redact (allocated at the first find).
        let mut mask: Vec<bool> = Vec::new();
        let mut mark = |a: usize, b: usize| {
            if mask.is_empty() {
                mask = vec![false; src.len()];
            }
            // Widened to whole characters (a secret found in a decoded view may start inside one).
            let (mut a, mut b) = (a, b);
            while !s.is_char_boundary(a) {
                a -= 1;
            }
            while !s.is_char_boundary(b) {
                b += 1;
            }
            mask[a..b].iter_mut().for_each(|m| *m = true);
        };
        for secret in &self.secrets {
            find_all(src, secret, |p| mark(p, p + secret.len()));
        }
        // Decoded views, two levels deep, each only when decoding changed something.
        let mut views: Vec<View> = Vec::new();
        let mut from = 0;
        for level in 0..2 {
            let parents: Vec<Option<usize>> = if level == 0 {
                vec![None]
            } else {
                (from..views.len()).map(Some).collect()
            };
            from = views.len();
            for parent in parents {
                for kind in 0..3 {
                    let input = match parent {
                        None => src,
                        Some(k) => &views[k].bytes[..],
                    };
                    let decoded = match kind {
                        0 => percent_decode(input, self.plus_is_space),
                        1 => json_unescape(input),
                        _ => latin1_bytes(input),
                    };
                    if let Some((bytes, escapes)) = decoded {
                        views.push(View {
                            bytes,
                            escapes,
                            parent,
                        });
                    }
                }
            }
        }
        for (k, view) in views.iter().enumerate() {
            for secret in &self.secrets {
                find_all(&view.bytes, secret, |p| {
                    let (a, b) = root_span(&views, k, p, p + secret.len());
                    mark(a, b)
                });
            }
        }
        if mask.is_empty() {
            return Cow::Borrowed(s);
        }
        // Each run of redacted bytes becomes one REDACTED.
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        while i < src.len() {
            let start = i;
            let hidden = mask[i];
            while i < src.len() && mask[i] == hidden {
                i += 1;
            }
            out.push_str(if hidden { REDACTED } else { &s[start..i] });
        }
        Cow::Owned(out)
    }

    /// Every string of `v` (object keys included) scrubbed; a number that spells a secret
    /// becomes the [`REDACTED`] string.
    pub fn scrub_value(&self, v: Value) -> Value {
        match v {
            Value::String(s) => match self.scrub(&s) {
                Cow::Borrowed(_) => Value::String(s),
                Cow::Owned(clean) => Value::String(clean),
            },
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|x| self.scrub_value(x)).collect())
            }
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, x) in m {
                    out.insert(self.scrub(&k).into_owned(), self.scrub_value(x));
                }
                Value::Object(out)
            }
            Value::Number(n) if self.secrets.iter().any(|s| n.to_string().contains(s)) => {
                Value::String(REDACTED.to_string())
            }
            other => other,
        }
    }

    /// Scrubs every value of `m` except those under the `keep` keys (identifiers from the token
    /// response, which a short test credential must not garble).
    pub fn scrub_map(&self, m: &mut Map<String, Value>, keep: &[&str]) {
        let taken = std::mem::take(m);
        for (k, v) in taken {
            let v = if keep.contains(&k.as_str()) {
                v
            } else {
                self.scrub_value(v)
            };
            m.insert(k, v);
        }
    }
}

/// The range of the original text that bytes `a..b` of view `k` came from.
fn root_span(views: &[View], k: usize, mut a: usize, mut b: usize) -> (usize, usize) {
    let mut at = Some(k);
    while let Some(i) = at {
        let v = &views[i];
        a = v.source(a).0;
        b = v.source(b - 1).1;
        at = v.parent;
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(secrets: &[&str]) -> Redactor {
        Redactor::from_secrets(secrets.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn every_form_is_redacted_and_the_rest_kept() {
        let x = r(&["a/b\"é c"]);
        for (text, want) in [
            ("<a/b\"é c>", "<[REDACTED]>"),
            ("<a%2Fb%22%C3%A9%20c>", "<[REDACTED]>"),
            ("<a%2fb%22%c3%a9+c>", "<[REDACTED]>"),
            ("<a/b%22%C3%A9 c>", "<[REDACTED]>"),
            ("<a\\/b\\\"\\u00e9 c>", "<[REDACTED]>"),
            ("<a/b\\\"\\u00E9 c>", "<[REDACTED]>"),
            ("<a\\\\/b\\\\\\\"\\\\u00e9 c>", "<[REDACTED]>"),
            ("<a\\/b%22%C3%A9%20c>", "<[REDACTED]>"),
            ("<a/b\"Ã© c>", "<[REDACTED]>"),
            ("x%ZZ\\q\\u12", "x%ZZ\\q\\u12"),
            ("a/b\"é ca/b\"é c+a/b\"é c", "[REDACTED]+[REDACTED]"),
        ] {
            assert_eq!(x.scrub(text), want, "{text}");
        }
    }

    #[test]
    fn astral_characters_and_overlaps() {
        let x = r(&["k😀z", "zz-k😀"]);
        assert_eq!(x.scrub("1 k\\ud83d\\ude00z 2"), "1 [REDACTED] 2");
        assert_eq!(x.scrub("1 k%F0%9F%98%80z 2"), "1 [REDACTED] 2");
        assert_eq!(x.scrub("zz-k😀z!"), "[REDACTED]!");
        // A lone surrogate escape is left alone.
        assert_eq!(x.scrub("\\ud83d"), "\\ud83d");
        assert!(matches!(x.scrub("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn overlapping_occurrences_and_views_that_are_not_utf8() {
        assert_eq!(r(&["aba"]).scrub("xababay"), "x[REDACTED]y");
        // %FF makes the percent-decoded view invalid UTF-8: searched byte by byte.
        assert_eq!(r(&["a/b"]).scrub("%FF a%2Fb"), "%FF [REDACTED]");
    }

    #[test]
    fn plus_is_a_space_only_for_secrets_with_one() {
        assert_eq!(r(&["a+b"]).scrub("a+b a%2Bb"), "[REDACTED] [REDACTED]");
        assert_eq!(r(&["a b"]).scrub("a+b a%20b"), "[REDACTED] [REDACTED]");
    }

    #[test]
    fn the_cut_stays_on_character_boundaries() {
        // The secret's first byte decodes from inside a multi-byte character's escape.
        let x = r(&["\u{e9}x"]);
        assert_eq!(x.scrub("é\\u00e9xé"), "é[REDACTED]é");
    }
}
