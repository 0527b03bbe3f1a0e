//! Part C: Retry-After (§7.3), the rate-limit snapshot (§7.6) and RetryInfo (§7.7).

use alter_protocol::retry::{
    parse_rate_limit, parse_retry_after, parse_retry_info, RateLimitSnapshot, RetryErrorInfo,
    RetryInfo, QUOTA_RETRY_CEILING, RATE_LIMIT_RETRY_CEILING,
};
use serde_json::{json, Value};

const RL: u64 = RATE_LIMIT_RETRY_CEILING;

fn hdrs(h: &[(&str, &str)]) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

// ---- Retry-After ---------------------------------------------------------------------------

#[test]
fn retry_after_header_digits() {
    assert_eq!(parse_retry_after(Some("30"), None, RL), Some(30));
    assert_eq!(parse_retry_after(Some("  30\t"), None, RL), Some(30));
    assert_eq!(parse_retry_after(Some("0"), None, RL), Some(0));
    assert_eq!(parse_retry_after(Some("0000"), None, RL), Some(0));
    // Leading zeros stripped before the magnitude test: 00060 is 60, not the ceiling.
    assert_eq!(parse_retry_after(Some("00060"), None, RL), Some(60));
    assert_eq!(
        parse_retry_after(Some("00060"), None, QUOTA_RETRY_CEILING),
        Some(60)
    );
    assert_eq!(parse_retry_after(Some("3600"), None, RL), Some(3600));
    assert_eq!(parse_retry_after(Some("3601"), None, RL), Some(3600));
    assert_eq!(parse_retry_after(Some("9999"), None, RL), Some(3600));
    assert_eq!(
        parse_retry_after(Some("31536000"), None, QUOTA_RETRY_CEILING),
        Some(2_678_400)
    );
    assert_eq!(
        parse_retry_after(Some("2600000"), None, QUOTA_RETRY_CEILING),
        Some(2_600_000)
    );
}

#[test]
fn retry_after_header_more_digits_than_ceiling_is_ceiling() {
    let huge = "9".repeat(5000);
    assert_eq!(parse_retry_after(Some(&huge), None, RL), Some(3600));
    let padded = format!("{}{}", "0".repeat(5000), "12");
    assert_eq!(parse_retry_after(Some(&padded), None, RL), Some(12));
    assert_eq!(
        parse_retry_after(Some("18446744073709551616"), None, u64::MAX),
        Some(u64::MAX)
    );
}

#[test]
fn retry_after_header_malformed_falls_back_to_body() {
    let body = json!(12);
    for bad in [
        "+30",
        "-5",
        "1_0",
        "3.5",
        "",
        "  ",
        "Wed, 21 Oct 2015 07:28:00 GMT",
        "٣٠",
        "30s",
        "3 0",
    ] {
        assert_eq!(
            parse_retry_after(Some(bad), Some(&body), RL),
            Some(12),
            "{bad:?}"
        );
        assert_eq!(parse_retry_after(Some(bad), None, RL), None, "{bad:?}");
    }
}

#[test]
fn retry_after_header_wins_over_body() {
    assert_eq!(parse_retry_after(Some("5"), Some(&json!(100)), RL), Some(5));
}

#[test]
fn retry_after_body_rules() {
    assert_eq!(parse_retry_after(None, Some(&json!(60)), RL), Some(60));
    assert_eq!(parse_retry_after(None, Some(&json!(60.0)), RL), Some(60));
    assert_eq!(parse_retry_after(None, Some(&json!(0)), RL), Some(0));
    assert_eq!(parse_retry_after(None, Some(&json!(7200)), RL), Some(3600));
    assert_eq!(parse_retry_after(None, Some(&json!(1e300)), RL), Some(3600));
    for bad in [
        json!(60.5),
        json!(true),
        json!(false),
        json!("60"),
        json!(-1),
        json!(-1.0),
        json!(null),
        json!([60]),
        json!({"s": 60}),
    ] {
        assert_eq!(parse_retry_after(None, Some(&bad), RL), None, "{bad}");
    }
    assert_eq!(parse_retry_after(None, None, RL), None);
}

// ---- rate-limit snapshot ---------------------------------------------------------------------

#[test]
fn rate_limit_legacy_triple() {
    let h = hdrs(&[
        ("X-RateLimit-Limit", "100"),
        ("x-ratelimit-remaining", " 42 "),
        ("X-RateLimit-Reset", "1767225600"),
    ]);
    assert_eq!(
        parse_rate_limit(&h, 5),
        Some(RateLimitSnapshot {
            limit: 100,
            remaining: 42,
            reset_at: 1_767_225_600
        })
    );
    // Reset cap: 253402300799 accepted, one more rejected.
    let h = hdrs(&[
        ("X-RateLimit-Limit", "1"),
        ("X-RateLimit-Remaining", "0"),
        ("X-RateLimit-Reset", "253402300799"),
    ]);
    assert_eq!(
        parse_rate_limit(&h, 0).map(|s| s.reset_at),
        Some(253_402_300_799)
    );
    let h = hdrs(&[
        ("X-RateLimit-Limit", "1"),
        ("X-RateLimit-Remaining", "0"),
        ("X-RateLimit-Reset", "253402300800"),
    ]);
    assert_eq!(parse_rate_limit(&h, 0), None);
    // Leading zeros do not count toward the 12 significant digits.
    let h = hdrs(&[
        ("X-RateLimit-Limit", "0000000000000001"),
        ("X-RateLimit-Remaining", "0"),
        ("X-RateLimit-Reset", "10"),
    ]);
    assert_eq!(parse_rate_limit(&h, 0).map(|s| s.limit), Some(1));
}

#[test]
fn rate_limit_legacy_partial_or_malformed() {
    let cases: &[&[(&str, &str)]] = &[
        &[("X-RateLimit-Limit", "100"), ("X-RateLimit-Remaining", "1")],
        &[
            ("X-RateLimit-Limit", "100"),
            ("X-RateLimit-Remaining", "-1"),
            ("X-RateLimit-Reset", "5"),
        ],
        &[
            ("X-RateLimit-Limit", "1e3"),
            ("X-RateLimit-Remaining", "1"),
            ("X-RateLimit-Reset", "5"),
        ],
        &[
            ("X-RateLimit-Limit", "1234567890123"),
            ("X-RateLimit-Remaining", "1"),
            ("X-RateLimit-Reset", "5"),
        ],
        &[
            ("X-RateLimit-Limit", ""),
            ("X-RateLimit-Remaining", "1"),
            ("X-RateLimit-Reset", "5"),
        ],
        &[],
    ];
    for c in cases {
        assert_eq!(parse_rate_limit(&hdrs(c), 0), None, "{c:?}");
    }
    // A repeated header is joined ", " (fetch semantics) and so malformed.
    let h = hdrs(&[
        ("X-RateLimit-Limit", "1"),
        ("X-RateLimit-Limit", "2"),
        ("X-RateLimit-Remaining", "1"),
        ("X-RateLimit-Reset", "5"),
    ]);
    assert_eq!(parse_rate_limit(&h, 0), None);
}

#[test]
fn rate_limit_draft_standard_fallback() {
    let h = hdrs(&[
        (
            "RateLimit-Policy",
            "\"burst\";q=100;w=60, \"daily\";q=1000;w=86400",
        ),
        ("RateLimit", "\"daily\";r=999;t=3600"),
    ]);
    assert_eq!(
        parse_rate_limit(&h, 1_000_000),
        Some(RateLimitSnapshot {
            limit: 1000,
            remaining: 999,
            reset_at: 1_003_600
        })
    );
    // First RateLimit item with a known policy and both r and t wins; invalid items are skipped.
    let h = hdrs(&[
        ("RateLimit-Policy", "\"a\";q=10, \"b\";q=20, \"c\";w=5"),
        ("RateLimit", "\"zzz\";r=1;t=1, \"c\";r=1;t=1, \"a\";r=3, \"b\";r=bad;t=1, \"b\";r=4;t=2, \"a\";r=9;t=9"),
    ]);
    assert_eq!(
        parse_rate_limit(&h, 10),
        Some(RateLimitSnapshot {
            limit: 20,
            remaining: 4,
            reset_at: 12
        })
    );
    // Legacy preferred when complete.
    let h = hdrs(&[
        ("X-RateLimit-Limit", "5"),
        ("X-RateLimit-Remaining", "4"),
        ("X-RateLimit-Reset", "99"),
        ("RateLimit-Policy", "\"a\";q=10"),
        ("RateLimit", "\"a\";r=1;t=1"),
    ]);
    assert_eq!(parse_rate_limit(&h, 0).map(|s| s.limit), Some(5));
    // Legacy malformed → fallback used.
    let h = hdrs(&[
        ("X-RateLimit-Limit", "5"),
        ("X-RateLimit-Remaining", "x"),
        ("X-RateLimit-Reset", "99"),
        ("RateLimit-Policy", "\"a\";q=10"),
        ("RateLimit", "\"a\";r=1;t=1"),
    ]);
    assert_eq!(parse_rate_limit(&h, 0).map(|s| s.limit), Some(10));
}

#[test]
fn rate_limit_draft_malformed() {
    let bad: &[(&str, &str)] = &[
        ("a;q=10", "\"a\";r=1;t=1"),                 // unquoted policy name
        ("\"a\";Q=10", "\"a\";r=1;t=1"),             // upper-case key
        ("\"a\";q=10", "\"a\";r=1"),                 // missing t
        ("\"a\";q=-1", "\"a\";r=1;t=1"),             // non-digit value
        ("\"a b\";q=10", "\"a b\";r=1;t=1"),         // space in name
        ("\"a\";q=10;", "\"a\";r=1;t=1"),            // empty param → item invalid
        ("\"a\";q=10", "\"a\";r=1;t=1234567890123"), // 13 significant digits
        ("\"a\";q=10", "\"a\";r=1;t=253402300799"),  // now + t beyond the cap
    ];
    for (p, r) in bad {
        let h = hdrs(&[("RateLimit-Policy", p), ("RateLimit", r)]);
        assert_eq!(parse_rate_limit(&h, 1), None, "{p} / {r}");
    }
    let long = format!("\"{}\";q=1", "n".repeat(65));
    let h = hdrs(&[
        ("RateLimit-Policy", &long),
        ("RateLimit", &long.replace("q=1", "r=1;t=1")),
    ]);
    assert_eq!(parse_rate_limit(&h, 0), None);
    let ok = format!("\"{}\";q=1", "n".repeat(64));
    let h = hdrs(&[
        ("RateLimit-Policy", &ok),
        ("RateLimit", &ok.replace("q=1", "r=1;t=1")),
    ]);
    assert!(parse_rate_limit(&h, 0).is_some());
}

// ---- RetryInfo -------------------------------------------------------------------------------

#[test]
fn retry_info_valid_and_round_trip() {
    let v = json!({
        "total_attempts": 3, "successful_attempt": 3,
        "errors": [
            {"attempt": 1, "error": "timeout", "error_type": "transient_refresh", "delay_s": 0.5},
            {"attempt": 2, "error": "5xx", "error_type": "transient_refresh", "delay_s": 1, "permanent": false, "extra": "ignored"}
        ]
    });
    let ri = parse_retry_info(&v).expect("valid");
    assert_eq!(
        ri,
        RetryInfo {
            total_attempts: 3,
            successful_attempt: 3,
            errors: vec![
                RetryErrorInfo {
                    attempt: 1,
                    error: "timeout".into(),
                    error_type: "transient_refresh".into(),
                    delay_s: 0.5,
                    permanent: false
                },
                RetryErrorInfo {
                    attempt: 2,
                    error: "5xx".into(),
                    error_type: "transient_refresh".into(),
                    delay_s: 1.0,
                    permanent: false
                },
            ],
        }
    );
    assert_eq!(
        ri.to_json(),
        json!({"total_attempts": 3, "successful_attempt": 3, "errors": [
            {"attempt": 1, "error": "timeout", "error_type": "transient_refresh", "delay_s": 0.5, "permanent": false},
            {"attempt": 2, "error": "5xx", "error_type": "transient_refresh", "delay_s": 1.0, "permanent": false}
        ]})
    );
    assert_eq!(parse_retry_info(&ri.to_json()), Some(ri));
    // errors absent → empty; successful_attempt 0 allowed.
    let ri = parse_retry_info(&json!({"total_attempts": 1, "successful_attempt": 0})).unwrap();
    assert!(ri.errors.is_empty());
    // 500-char error accepted (characters, not bytes).
    let e500 = "é".repeat(500);
    let v = json!({"total_attempts": 2, "successful_attempt": 2, "errors": [{"attempt": 1, "error": e500, "error_type": "t", "delay_s": 0, "permanent": true}]});
    assert!(parse_retry_info(&v).unwrap().errors[0].permanent);
}

#[test]
fn retry_info_malformed_is_none() {
    let err = |patch: Value| {
        let mut e = json!({"attempt": 1, "error": "x", "error_type": "t", "delay_s": 0.0});
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                e.as_object_mut().unwrap().remove(k);
            } else {
                e[k] = v.clone();
            }
        }
        json!({"total_attempts": 2, "successful_attempt": 1, "errors": [e]})
    };
    let cases = vec![
        json!(null),
        json!([]),
        json!("x"),
        json!({}),
        json!({"total_attempts": 0, "successful_attempt": 0}),
        json!({"total_attempts": 2, "successful_attempt": 3}),
        json!({"total_attempts": 2.0, "successful_attempt": 1}),
        json!({"total_attempts": true, "successful_attempt": 1}),
        json!({"total_attempts": "2", "successful_attempt": 1}),
        json!({"total_attempts": 2, "successful_attempt": -1}),
        json!({"total_attempts": 2}),
        json!({"successful_attempt": 1}),
        json!({"total_attempts": 2, "successful_attempt": 1, "errors": null}),
        json!({"total_attempts": 2, "successful_attempt": 1, "errors": "x"}),
        json!({"total_attempts": 2, "successful_attempt": 1, "errors": [1]}),
        err(json!({"attempt": 0})),
        err(json!({"attempt": 1.0})),
        err(json!({"attempt": null})),
        err(json!({"error": "x".repeat(501)})),
        err(json!({"error": 5})),
        err(json!({"error_type": null})),
        err(json!({"delay_s": -0.1})),
        err(json!({"delay_s": "1"})),
        err(json!({"delay_s": true})),
        err(json!({"permanent": "false"})),
        err(json!({"permanent": 0})),
    ];
    for c in cases {
        assert_eq!(parse_retry_info(&c), None, "{c}");
    }
}
