//! Properties of the §2.9 writers: output is valid JSON that parses back to the same value, the
//! ASCII writer emits only printable ASCII, and key order is preserved.

use alter_protocol::json::{to_json_ascii, to_json_utf8};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((any::<String>(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Structural equality where floats may differ by one ULP: serde_json's default float parser
/// (without the `float_roundtrip` feature) is not always correctly rounded, so exactness of our
/// float text is checked separately with Rust's correctly rounded `str::parse`.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => {
                    x == y || (x.to_bits() as i64 - y.to_bits() as i64).abs() <= 1
                }
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => a == b,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ascii_writer_round_trips(v in value()) {
        let s = to_json_ascii(&v);
        prop_assert!(s.bytes().all(|b| (b' '..=b'~').contains(&b)));
        let back: Value = serde_json::from_str(&s).expect("valid JSON");
        // Keys come back in insertion order too (preserve_order).
        prop_assert!(same(&back, &v), "{} -> {:?}", s, back);
    }

    #[test]
    fn utf8_writer_round_trips(v in value()) {
        let s = to_json_utf8(&v);
        let back: Value = serde_json::from_str(&s).expect("valid JSON");
        prop_assert!(same(&back, &v), "{} -> {:?}", s, back);
        prop_assert!(!s.chars().any(|c| c < ' '));
    }

    #[test]
    fn float_text_is_exact_and_python_shaped(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let s = to_json_ascii(&Value::from(f));
        let back: f64 = s.parse().expect("float text");
        prop_assert_eq!(back.to_bits(), f.to_bits(), "{}", s);
        // Python repr always shows a '.' or an exponent, never a bare integer.
        prop_assert!(s.contains('.') || s.contains('e'));
    }
}
