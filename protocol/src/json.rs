//! JSON writers matching Python's `json.dumps(v, separators=(",", ":"))` byte for byte (§2.9).
//!
//! Values are `serde_json::Value` built with `preserve_order`, so objects keep insertion order
//! (§14.9: nothing is sorted).
//!
//! §14.7 decision (JSON escaping): backend bodies use [`to_json_ascii`] (`ensure_ascii=True`, as
//! the Python SDK sends them), so our bodies are byte-identical to the reference vectors and the
//! `X-Alter-Context` header stays pure ASCII. The `X-Alter-Request-Rule` payload uses
//! [`to_json_utf8`] (raw UTF-8, `ensure_ascii=False`), because that is what Python base64-encodes
//! and the backend may compare the decoded rule. Either form verifies for bodies (the hash covers
//! the bytes sent); we keep Python's choice so one transcript serves every SDK.

use serde_json::{Number, Value};
use std::fmt::Write as _;

/// Compact JSON with every non-ASCII character (and DEL) escaped as `\uXXXX`, lowercase hex,
/// astral characters as surrogate pairs; `/` is not escaped.
pub fn to_json_ascii(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, true);
    out
}

/// Compact JSON with raw UTF-8 text; only `"`, `\` and C0 controls are escaped.
pub fn to_json_utf8(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, false);
    out
}

/// Appends `v` as compact JSON ([`to_json_ascii`] when `ascii`, else [`to_json_utf8`]), for
/// writers that build a document piece by piece.
pub fn write_value(out: &mut String, v: &Value, ascii: bool) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s, ascii),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, ascii);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k, ascii);
                out.push(':');
                write_value(out, item, ascii);
            }
            out.push('}');
        }
    }
}

/// Appends `s` as a JSON string literal (escaping as [`write_value`]).
pub fn write_string(out: &mut String, s: &str, ascii: bool) {
    out.reserve(s.len() + 2);
    out.push('"');
    // Runs of characters that need no escape are copied as one slice (this is the hot path of
    // the audit row and the token body); only the characters below are written one by one. The
    // scan is by byte: every byte that needs attention is ASCII, or starts a non-ASCII character
    // (escaped in ASCII mode only), so a run never ends inside a character.
    let bytes = s.as_bytes();
    let mut run_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let plain = if b < 0x80 {
            b >= b' ' && b != b'"' && b != b'\\' && !(ascii && b == 0x7f)
        } else {
            !ascii
        };
        if plain {
            i += 1;
            continue;
        }
        let Some(c) = s.get(i..).and_then(|rest| rest.chars().next()) else {
            break;
        };
        out.push_str(s.get(run_start..i).unwrap_or(""));
        i += c.len_utf8();
        run_start = i;
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            c if c < ' ' => push_u_escape(out, c as u32),
            // Python's ASCII mode escapes everything outside ' '..='~', so DEL too.
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    push_u_escape(out, u32::from(*unit));
                }
            }
        }
    }
    out.push_str(s.get(run_start..).unwrap_or(""));
    out.push('"');
}

fn push_u_escape(out: &mut String, unit: u32) {
    let _ = write!(out, "\\u{unit:04x}");
}

fn write_number(out: &mut String, n: &Number) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(f) = n.as_f64() {
        out.push_str(&python_float_repr(f));
    }
}

/// Python's `float.__repr__` (which `json.dumps` uses): shortest round-trip digits, fixed notation
/// when the decimal exponent is in -4 < decpt <= 16 (with a trailing `.0` for integral values),
/// else `d[.ddd]e±XX` with at least two exponent digits.
fn python_float_repr(f: f64) -> String {
    if !f.is_finite() {
        // Not representable in serde_json::Value; Python would write NaN/Infinity.
        return if f.is_nan() {
            "NaN".into()
        } else if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    let (digits, decpt) = shortest_digits(f.abs());
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    let n = digits.len() as i32;
    if -4 < decpt && decpt <= 16 {
        if decpt <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-decpt) as usize));
            out.push_str(&digits);
        } else if decpt >= n {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', (decpt - n) as usize));
            out.push_str(".0");
        } else {
            let (int_part, frac) = digits.split_at(decpt as usize);
            out.push_str(int_part);
            out.push('.');
            out.push_str(frac);
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let e = decpt - 1;
        let _ = write!(out, "e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    out
}

/// The shortest round-trip decimal digits of a finite, non-negative `f` and the position of the
/// decimal point: value = 0.DIGITS × 10^decpt ("0" and decpt 1 for zero). The digits come from
/// `ryu` (already linked by serde_json), whose text is either plain ("123.45", "0.001") or
/// scientific ("1e16", "1.5e-7"); both are reduced to digits + exponent here. Using `ryu`
/// instead of `format!("{:e}")` keeps core's float formatter out of the wasm (about 20 KB).
fn shortest_digits(f: f64) -> (String, i32) {
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(f);
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut decpt = int_part.len() as i32 + exp;
    let all: String = int_part.chars().chain(frac_part.chars()).collect();
    let lead = all.chars().take_while(|c| *c == '0').count();
    decpt -= lead as i32;
    let digits = all[lead..].trim_end_matches('0');
    if digits.is_empty() {
        return ("0".to_string(), 1);
    }
    (digits.to_string(), decpt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ascii_escaping_matches_python() {
        // Expected strings produced by CPython 3.11 json.dumps(..., separators=(",", ":")).
        let v = json!({"b": "sync ✓ für Zoë", "a": ["/", "\u{7f}", "\u{1F600}", "\u{0}\u{1f}\t\n\r\u{8}\u{c}\"\\"], "n": null, "t": true});
        assert_eq!(
            to_json_ascii(&v),
            r#"{"b":"sync \u2713 f\u00fcr Zo\u00eb","a":["/","\u007f","\ud83d\ude00","\u0000\u001f\t\n\r\b\f\"\\"],"n":null,"t":true}"#
        );
        assert_eq!(
            to_json_utf8(&v),
            "{\"b\":\"sync ✓ für Zoë\",\"a\":[\"/\",\"\u{7f}\",\"\u{1F600}\",\"\\u0000\\u001f\\t\\n\\r\\b\\f\\\"\\\\\"],\"n\":null,\"t\":true}"
        );
        assert_eq!(to_json_ascii(&json!({"\u{e9}": {}})), r#"{"\u00e9":{}}"#);
        assert_eq!(to_json_ascii(&json!([])), "[]");
    }

    #[test]
    fn numbers_match_python_repr() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.25e-7, "1.25e-07"),
            (123456.789, "123456.789"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e300, "1.5e+300"),
            (-2.5e-300, "-2.5e-300"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (1234567890123456.7, "1234567890123456.8"),
            (12345678901234567.0, "1.2345678901234568e+16"),
        ];
        for (f, want) in cases {
            assert_eq!(python_float_repr(*f), *want, "{f}");
        }
        assert_eq!(
            to_json_ascii(&json!([1, -7, u64::MAX, 2.5])),
            "[1,-7,18446744073709551615,2.5]"
        );
    }
}
