//! The general grammar checks the wire contracts share: UUID spellings, RFC 3339 timestamps with
//! an offset, header names, control characters.

/// Any ASCII control character (C0 or DEL).
pub fn has_ascii_control(s: &str) -> bool {
    s.chars().any(|c| (c as u32) < 0x20 || c as u32 == 0x7f)
}

/// A CR, LF or NUL (what could split a header).
pub fn has_crlf_nul(s: &str) -> bool {
    s.contains(['\r', '\n', '\0'])
}

/// Length in characters (as Python counts `len(str)`).
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

fn uuid_shape(s: &str, hex: fn(u8) -> bool) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => hex(c),
        })
}

/// A canonical UUID: lowercase hex, hyphenated 8-4-4-4-12.
pub fn is_canonical_uuid(s: &str) -> bool {
    uuid_shape(s, |c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// A hyphenated 8-4-4-4-12 UUID in any letter case (the actor-id cache rule, §8.4).
pub fn is_uuid_any_case(s: &str) -> bool {
    uuid_shape(s, |c| c.is_ascii_hexdigit())
}

/// Python `uuid.UUID(s)` leniency (braces, `urn:uuid:`, no hyphens, upper case): true when `s`
/// is *some* spelling of a UUID. Separates "invalid grant_id" from "non-canonical grant_id".
pub fn is_lenient_uuid(s: &str) -> bool {
    let s = s.replace("urn:", "").replace("uuid:", "");
    let s = s
        .trim_start_matches('{')
        .trim_end_matches('}')
        .replace('-', "");
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn digits(s: &str, n: usize) -> Option<u32> {
    if s.len() == n && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

/// §3.4: RFC 3339 with a mandatory offset: `YYYY-MM-DDTHH:MM:SS[.1–9 digits](Z|±HH:MM)`, uppercase
/// `T`/`Z`, offset minutes 00–59, and a real calendar date/time (as `datetime.fromisoformat`).
pub fn is_rfc3339_with_offset(s: &str) -> bool {
    if !s.is_ascii() || s.len() < 20 {
        return false;
    }
    let (date, rest) = s.split_at(10);
    let (Some(y), Some(mo), Some(d)) = (
        date.get(0..4).and_then(|x| digits(x, 4)),
        date.get(5..7).and_then(|x| digits(x, 2)),
        date.get(8..10).and_then(|x| digits(x, 2)),
    ) else {
        return false;
    };
    if date.as_bytes()[4] != b'-' || date.as_bytes()[7] != b'-' {
        return false;
    }
    if y == 0 || !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) {
        return false;
    }
    let Some(time) = rest.strip_prefix('T') else {
        return false;
    };
    if time.len() < 9 {
        return false;
    }
    let (hms, mut tail) = time.split_at(8);
    let (Some(h), Some(mi), Some(sec)) = (
        digits(&hms[0..2], 2),
        digits(&hms[3..5], 2),
        digits(&hms[6..8], 2),
    ) else {
        return false;
    };
    if &hms[2..3] != ":" || &hms[5..6] != ":" || h > 23 || mi > 59 || sec > 59 {
        return false;
    }
    if let Some(frac) = tail.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 9 {
            return false;
        }
        tail = &frac[n..];
    }
    if tail == "Z" {
        return true;
    }
    let (sign, off) = tail.split_at(tail.len().min(1));
    if (sign != "+" && sign != "-") || off.len() != 5 || &off[2..3] != ":" {
        return false;
    }
    matches!((digits(&off[0..2], 2), digits(&off[3..5], 2)), (Some(oh), Some(om)) if oh <= 23 && om <= 59)
}

/// A header name as the token contract accepts it: a letter, then letters, digits and `-`.
pub fn is_header_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic())
        && c.all(|x| x.is_ascii_alphanumeric() || x == '-')
}
