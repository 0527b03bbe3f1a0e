//! Shared helpers of the fuzz targets: a bounded-depth JSON value generator whose strings and
//! object keys are drawn mostly from a caller-supplied list of protocol-relevant values.

use arbitrary::{Result, Unstructured};
use serde_json::{Map, Number, Value};

/// Vocabulary for [`gen_value`]: `strings` for string values, `keys` for object keys.
pub struct Vocab<'a> {
    pub strings: &'a [&'a str],
    pub keys: &'a [&'a str],
}

/// A string from `list` three times out of four, else an arbitrary one.
pub fn pick_string(u: &mut Unstructured, list: &[&str]) -> Result<String> {
    if !list.is_empty() && u.ratio(3u8, 4u8)? {
        Ok(u.choose(list)?.to_string())
    } else {
        u.arbitrary::<String>()
    }
}

/// A JSON value at most `depth` containers deep.
pub fn gen_value(u: &mut Unstructured, vocab: &Vocab, depth: u32) -> Result<Value> {
    let max = if depth == 0 { 6 } else { 8 };
    Ok(match u.int_in_range(0..=max)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::from(u.arbitrary::<i64>()?),
        3 => Value::from(u.int_in_range(0..=5_000_000u64)?),
        4 => Number::from_f64(u.arbitrary::<f64>()?).map_or(Value::Null, Value::Number),
        5 | 6 => Value::String(pick_string(u, vocab.strings)?),
        7 => {
            let n = u.int_in_range(0..=12usize)?;
            let mut v = Vec::with_capacity(n);
            for _ in 0..n {
                v.push(gen_value(u, vocab, depth - 1)?);
            }
            Value::Array(v)
        }
        _ => {
            let n = u.int_in_range(0..=8usize)?;
            let mut m = Map::new();
            for _ in 0..n {
                let k = pick_string(u, vocab.keys)?;
                m.insert(k, gen_value(u, vocab, depth - 1)?);
            }
            Value::Object(m)
        }
    })
}

/// A request or response written as text, the format of the human-readable seeds:
/// `FIRST LINE\nName: value\n...\n\nbody` (the body is every byte after the first blank line).
pub struct TextMessage {
    pub first_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

pub fn parse_text(data: &[u8]) -> TextMessage {
    let split = data.windows(2).position(|w| w == b"\n\n");
    let (head, body) = match split {
        Some(i) => (&data[..i], data.get(i + 2..).unwrap_or_default()),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split('\n');
    let first_line = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .map(|l| match l.split_once(':') {
            Some((k, v)) => (k.to_string(), v.strip_prefix(' ').unwrap_or(v).to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect();
    TextMessage { first_line, headers, body: body.to_vec() }
}
