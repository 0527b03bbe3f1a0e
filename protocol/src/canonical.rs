//! The canonical path of §2.2: what both the signer and the verifier HMAC instead of the raw
//! request target.
//!
//! Path: fully percent-decoded (UTF-8, invalid sequences become U+FFFD, the way an ASGI server
//! fills `request.url.path`). Query: parsed as `application/x-www-form-urlencoded`, pairs sorted by
//! (name, value) in code-point order and re-encoded with [`quote_plus`].

/// Value of an ASCII hex digit (either case). Public so the dev vault parses hex with the same
/// rule.
pub fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `s` (a `%` not followed by two hex digits stays literal) and decodes the bytes
/// as UTF-8, replacing each maximal invalid subsequence with U+FFFD. Python's
/// `unquote(errors="replace")` decodes its ASCII runs separately, but since a literal non-ASCII
/// character can neither complete nor continue a percent-encoded sequence, decoding the whole
/// byte string at once gives the same text.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex_val);
            let lo = bytes.get(i + 2).copied().and_then(hex_val);
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Python's `quote_plus(s, safe="")`: `A-Z a-z 0-9 _ . - ~` stay literal, space becomes `+`, every
/// other byte of the UTF-8 form becomes `%XX` with uppercase hex.
pub fn quote_plus(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0x0F)]));
            }
        }
    }
    out
}

/// Parses a raw query like Python's `parse_qsl(q, keep_blank_values=True, separator="&")`:
/// split on `&` only, drop empty fields, a field without `=` has value `""`, `+` is a space, then
/// percent-decode as UTF-8 (invalid sequences become U+FFFD). Order is preserved.
pub fn form_decode(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|field| !field.is_empty())
        .map(|field| {
            let (name, value) = field.split_once('=').unwrap_or((field, ""));
            (
                percent_decode(&name.replace('+', " ")),
                percent_decode(&value.replace('+', " ")),
            )
        })
        .collect()
}

/// §2.2 canonical form of a request target (`/sdk/...` plus optional `?query`).
///
/// Edge cases (both pinned by the vectors): no `?` or a bare trailing `?` gives the decoded path
/// without `?`; a non-empty raw query that canonicalises to nothing (`?&`) keeps the `?`.
pub fn canonical_path(path_and_query: &str) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut out = percent_decode(path);
    if query.is_empty() {
        return out;
    }
    let mut pairs = form_decode(query);
    // `String` orders by UTF-8 bytes, which is code-point order (Python's str ordering).
    pairs.sort();
    out.push('?');
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&quote_plus(name));
        out.push('=');
        out.push_str(&quote_plus(value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        assert_eq!(
            canonical_path(
                "/sdk/provider-specs/resend/operations/post%3A%2Femails?z=last&name=Support Bot&a=%7E*&empty=&a=1"
            ),
            "/sdk/provider-specs/resend/operations/post:/emails?a=1&a=~%2A&empty=&name=Support+Bot&z=last"
        );
        assert_eq!(
            canonical_path("/sdk/agents?name=%E6%97%A5%E6%9C%AC+bot&limit=10"),
            "/sdk/agents?limit=10&name=%E6%97%A5%E6%9C%AC+bot"
        );
        assert_eq!(canonical_path("/sdk/approvals/abc?"), "/sdk/approvals/abc");
        assert_eq!(
            canonical_path("/sdk/approvals/abc?&"),
            "/sdk/approvals/abc?"
        );
        assert_eq!(canonical_path("/sdk/token"), "/sdk/token");
    }

    #[test]
    fn form_decode_rules() {
        let s = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            form_decode("a&&b=&=c&d=1=2;e=3&f+g=h%20i"),
            vec![
                s("a", ""),
                s("b", ""),
                s("", "c"),
                s("d", "1=2;e=3"),
                s("f g", "h i")
            ]
        );
        assert_eq!(form_decode(""), vec![]);
        assert_eq!(form_decode("&&&"), vec![]);
    }

    #[test]
    fn invalid_percent_sequences() {
        // Invalid UTF-8 becomes U+FFFD (one per maximal invalid subpart); broken escapes stay literal.
        assert_eq!(percent_decode("%FF"), "\u{FFFD}");
        assert_eq!(percent_decode("%E6%97"), "\u{FFFD}");
        assert_eq!(percent_decode("%E6%97x"), "\u{FFFD}x");
        assert_eq!(percent_decode("%E6日"), "\u{FFFD}日");
        assert_eq!(percent_decode("%80%80"), "\u{FFFD}\u{FFFD}");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%4a%4A"), "JJ");
        assert_eq!(canonical_path("/a%FF?k=%FF"), "/a\u{FFFD}?k=%EF%BF%BD");
    }

    #[test]
    fn quote_plus_table() {
        assert_eq!(quote_plus("aZ09_.-~"), "aZ09_.-~");
        assert_eq!(quote_plus("a b+c/d?&=%"), "a+b%2Bc%2Fd%3F%26%3D%25");
        assert_eq!(quote_plus("é*"), "%C3%A9%2A");
        assert_eq!(quote_plus("\u{1F600}"), "%F0%9F%98%80");
    }

    #[test]
    fn sort_is_code_point_order_then_value() {
        assert_eq!(
            canonical_path("/x?b=2&%C3%A9=1&B=1&b=1&a=&\u{FFFF}=z&\u{10000}=y"),
            "/x?B=1&a=&b=1&b=2&%C3%A9=1&%EF%BF%BF=z&%F0%90%80%80=y"
        );
    }
}
