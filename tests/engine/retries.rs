//! Client-side retries of vault calls (src/retry.rs, a deliberate divergence from §7.4): what is
//! retried, what never is, Retry-After, and the one time budget per call.

use crate::harness::*;
use alter_edge::action::{Action, Level};
use alter_edge::call::CallInput;
use alter_edge::client::ClientConfig;
use alter_protocol::ErrorClass as C;
use serde_json::{json, Value};

const URL: &str = "https://api.example.com/x";

#[test]
fn token_503_then_200_sleeps_once_and_reports_client_attempts() {
    let mut w = World::with(config());
    w.vault(
        "/sdk/token",
        vec![Resp::status(503), Resp::token(json!({}))],
    );
    let end = w.request(get(URL));
    let info = retry_info(&end);
    assert_eq!(w.sleeps.len(), 1);
    let slept = w.sleeps[0].1;
    assert!(
        (0.0..500.0).contains(&slept),
        "first backoff is within 500 ms: {slept}"
    );
    assert_eq!(info["client_attempts"], 2);
    assert_eq!(
        info["client_retries"],
        json!([{"attempt": 1, "error_type": "service_unavailable", "status": 503, "delay_ms": slept.round() as u64}])
    );
    let last: Value = serde_json::from_str(&w.engine.client().last_retry_info().unwrap()).unwrap();
    assert_eq!(last, info);
    let tokens = w.sent_to("/sdk/token");
    assert_eq!(
        tokens.len(),
        2,
        "two signed attempts (fresh nonces: the verifier refuses a replay)"
    );
    assert_ne!(tokens[0].h("x-alter-nonce"), tokens[1].h("x-alter-nonce"));
    // The second attempt gets what is left of the budget.
    assert!(
        (tokens[1].x.timeout_ms - (TIMEOUT_MS - slept)).abs() < 0.01,
        "{}",
        tokens[1].x.timeout_ms
    );
    assert!(
        w.logs
            .iter()
            .any(|(l, t)| *l == Level::Debug
                && t == "Retrying Alter Vault POST /sdk/token (attempt 2)"),
        "{:?}",
        w.logs
    );
    assert_eq!(w.provider_calls().len(), 1);
    assert_eq!(w.audit_rows().len(), 1);
}

#[test]
fn backend_retry_info_is_kept_alongside_client_attempts() {
    let mut w = World::with(config());
    w.vault(
        "/sdk/token",
        vec![
            Resp::Net("ECONNRESET".into()),
            Resp::token(
                json!({"retry_info": {"total_attempts": 3, "successful_attempt": 3, "errors": []}}),
            ),
        ],
    );
    let info = retry_info(&w.request(get(URL)));
    assert_eq!(info["total_attempts"], 3);
    assert_eq!(info["client_attempts"], 2);
    assert_eq!(info["client_retries"][0]["error_type"], "network_error");
    assert_eq!(info["client_retries"][0]["status"], Value::Null);
    // Without any retry, retryInfo is null and the last report is cleared.
    let mut w2 = World::with(config());
    assert_eq!(retry_info(&w2.request(get(URL))), Value::Null);
    assert!(w2.engine.client().last_retry_info().is_none());
}

#[test]
fn retries_are_bounded_and_reported_on_failure() {
    for (max, attempts) in [(None, 3usize), (Some(0.0), 1), (Some(1.0), 2)] {
        let mut w = World::with(ClientConfig {
            max_retries: max,
            timeout_ms: Some(60_000.0),
            ..config()
        });
        w.vault("/sdk/token", vec![Resp::status(503)]);
        let e = assert_err(&w.request(get(URL)), C::BackendError, "backend_error");
        assert_eq!(e.status, Some(503));
        assert_eq!(
            w.sent_to("/sdk/token").len(),
            attempts,
            "maxRetries {max:?}"
        );
        assert_eq!(w.sleeps.len(), attempts - 1);
        assert!(w.provider_calls().is_empty());
        let last = w.engine.client().last_retry_info();
        if attempts == 1 {
            assert!(last.is_none());
        } else {
            let last: Value = serde_json::from_str(&last.unwrap()).unwrap();
            assert_eq!(last["client_attempts"], attempts);
            assert_eq!(
                last["client_retries"].as_array().unwrap().len(),
                attempts - 1
            );
        }
        // Exponential backoff with full jitter: retry n waits < 500·2^(n-1).
        for (i, (_, ms)) in w.sleeps.iter().enumerate() {
            assert!(*ms < 500.0 * 2f64.powi(i as i32), "sleep {i}: {ms}");
        }
    }
}

#[test]
fn retry_after_is_honoured_within_limits() {
    // Retry-After: 1 → a wait of 1 s plus up to one base delay of jitter.
    let mut w = World::with(ClientConfig {
        timeout_ms: Some(10_000.0),
        ..config()
    });
    w.vault(
        "/sdk/token",
        vec![
            Resp::status(503).header("retry-after", "1"),
            Resp::token(json!({})),
        ],
    );
    done(&w.request(get(URL)));
    let ms = w.sleeps[0].1;
    assert!((1000.0..1500.0).contains(&ms), "{ms}");

    // A 429 rate_limit_exceeded with its retry_after field.
    let mut w = World::with(ClientConfig {
        timeout_ms: Some(10_000.0),
        ..config()
    });
    w.vault(
        "/sdk/token",
        vec![
            Resp::json(
                429,
                "{\"detail\":{\"error\":\"rate_limit_exceeded\",\"retry_after\":2}}",
            ),
            Resp::token(json!({})),
        ],
    );
    let info = retry_info(&w.request(get(URL)));
    assert!((2000.0..2500.0).contains(&w.sleeps[0].1), "{:?}", w.sleeps);
    assert_eq!(
        info["client_retries"][0]["error_type"],
        "rate_limit_exceeded"
    );

    // More than 30 s asked: not waited for; the error (with its retryAfter) goes to the caller.
    let mut w = World::with(ClientConfig {
        timeout_ms: Some(120_000.0),
        ..config()
    });
    w.vault(
        "/sdk/token",
        vec![
            Resp::json(429, "{\"detail\":{\"error\":\"rate_limit_exceeded\"}}")
                .header("retry-after", "31"),
        ],
    );
    let e = assert_err(
        &w.request(get(URL)),
        C::RateLimitError,
        "rate_limit_exceeded",
    );
    assert_eq!(e.fields["retry_after"], 31);
    assert!(w.sleeps.is_empty());
    assert_eq!(w.sent_to("/sdk/token").len(), 1);

    // A wait that would end at or past the timeout is not made.
    let mut w = World::with(config()); // 2000 ms
    w.vault(
        "/sdk/token",
        vec![
            Resp::status(503).header("retry-after", "2"),
            Resp::token(json!({})),
        ],
    );
    let e = assert_err(&w.request(get(URL)), C::BackendError, "backend_error");
    assert_eq!(e.status, Some(503));
    assert!(w.sleeps.is_empty());
}

#[test]
fn retries_never_exceed_the_timeout_budget() {
    for latency in [0.0, 300.0, 700.0, 1000.0, 1500.0, 1900.0, 1999.0, 2500.0] {
        for max in [2.0, 10.0] {
            let mut w = World::with(ClientConfig {
                max_retries: Some(max),
                ..config()
            });
            w.vault("/sdk/token", vec![Resp::status(503).delay(latency)]);
            let start = w.now;
            let end = w.request(get(URL));
            assert!(matches!(end, Action::Fail(_)));
            assert!(
                w.now - start <= TIMEOUT_MS,
                "latency {latency}, max {max}: the call took {} ms",
                w.now - start
            );
            for s in w.sent_to("/sdk/token") {
                assert!(
                    s.at_ms - start + s.x.timeout_ms <= TIMEOUT_MS + 1e-6,
                    "latency {latency}: an attempt's deadline ends past the budget"
                );
            }
            if latency > TIMEOUT_MS {
                assert_err(&end, C::TimeoutError, "timeout");
                assert_eq!(w.sent.len(), 1);
            }
        }
    }
}

#[test]
fn a_wake_after_the_budget_is_a_timeout() {
    // The driver's sleep overran (a busy event loop): the engine does not start an attempt with
    // no time left.
    let w = World::with(config());
    let mut w = w;
    w.vault("/sdk/token", vec![Resp::status(503)]);
    let first = w.engine.request(get(URL), w.now);
    let o = w.perform(first.id, &first.action).unwrap();
    let s = w.engine.step(first.id, o, w.now);
    assert!(matches!(s.action, Action::Sleep { .. }));
    let s = w.engine.step(
        first.id,
        alter_edge::action::Outcome::Woke,
        w.now + TIMEOUT_MS,
    );
    assert_err(&s.action, C::TimeoutError, "timeout");
    assert_eq!(w.engine.in_flight(), 0);
}

fn ns(method: &str, path: &str) -> CallInput {
    call_input(method, path)
}

/// (call, vault answer, attempts expected with maxRetries 1)
#[test]
fn which_vault_calls_are_retried() {
    let idem = |mut c: CallInput| {
        c.extra_headers = pairs(&[("Idempotency-Key", "k-1")]);
        c
    };
    let proxy = |mut c: CallInput| {
        c.mapper = Some("proxy".into());
        c
    };
    let refresh = || {
        Resp::json(
            409,
            "{\"detail\":{\"error\":\"token_refresh_in_progress\"}}",
        )
    };
    let limited = || Resp::json(429, "{\"detail\":{\"error\":\"rate_limit_exceeded\"}}");
    let quota = || Resp::json(429, "{\"detail\":{\"error\":\"quota_exceeded\"}}");
    let cases: Vec<(&str, CallInput, Resp, usize)> = vec![
        ("GET 502", ns("GET", "/sdk/agents"), Resp::status(502), 2),
        ("GET 504", ns("GET", "/sdk/agents"), Resp::status(504), 2),
        (
            "GET network",
            ns("GET", "/sdk/agents"),
            Resp::Net("reset".into()),
            2,
        ),
        ("GET 500", ns("GET", "/sdk/agents"), Resp::status(500), 1),
        ("GET 404", ns("GET", "/sdk/agents"), Resp::status(404), 1),
        ("GET timeout", ns("GET", "/sdk/agents"), Resp::TimedOut, 1),
        (
            "GET 409 other",
            ns("GET", "/sdk/agents"),
            Resp::json(409, "{\"detail\":{\"error\":\"x\"}}"),
            1,
        ),
        (
            "PUT network",
            ns("PUT", "/sdk/agents/a"),
            Resp::Net("reset".into()),
            2,
        ),
        (
            "DELETE 502",
            ns("DELETE", "/sdk/keys/k"),
            Resp::status(502),
            2,
        ),
        ("POST 502", ns("POST", "/sdk/agents"), Resp::status(502), 1),
        ("POST 504", ns("POST", "/sdk/agents"), Resp::status(504), 1),
        (
            "POST network",
            ns("POST", "/sdk/agents"),
            Resp::Net("reset".into()),
            1,
        ),
        (
            "PATCH 502",
            ns("PATCH", "/sdk/agents/a"),
            Resp::status(502),
            1,
        ),
        ("POST 503", ns("POST", "/sdk/agents"), Resp::status(503), 2),
        ("POST 409 refresh", ns("POST", "/sdk/agents"), refresh(), 2),
        (
            "POST 429 rate limit",
            ns("POST", "/sdk/agents"),
            limited(),
            2,
        ),
        ("POST 429 quota", ns("POST", "/sdk/agents"), quota(), 1),
        (
            "POST 429 non-JSON",
            ns("POST", "/sdk/agents"),
            Resp::text(429, "slow"),
            2,
        ),
        (
            "POST + Idempotency-Key 502",
            idem(ns("POST", "/sdk/agents")),
            Resp::status(502),
            2,
        ),
        (
            "POST grants/list 502",
            ns("POST", "/sdk/grants/list"),
            Resp::status(502),
            2,
        ),
        (
            "POST grants/list?x 502",
            ns("POST", "/sdk/grants/list?limit=1"),
            Resp::status(502),
            2,
        ),
        (
            "proxy 503",
            proxy(ns("POST", "/sdk/proxy")),
            Resp::status(503),
            1,
        ),
        (
            "proxy network",
            proxy(ns("POST", "/sdk/proxy")),
            Resp::Net("reset".into()),
            1,
        ),
        (
            "canonical /sdk/proxy 503",
            ns("POST", "/sdk/proxy"),
            Resp::status(503),
            1,
        ),
        (
            "/sdk/proxy/x 503",
            ns("GET", "/sdk/proxy/x"),
            Resp::status(503),
            1,
        ),
        (
            "/sdk/proxy?x 503",
            ns("GET", "/sdk/proxy?x=1"),
            Resp::status(503),
            1,
        ),
    ];
    for (name, input, resp, attempts) in cases {
        let mut w = World::with(ClientConfig {
            max_retries: Some(1.0),
            timeout_ms: Some(60_000.0),
            ..config()
        });
        w.vault("/sdk/", vec![resp]);
        let end = w.call(input);
        assert!(matches!(end, Action::Fail(_)), "{name}: {end:?}");
        assert_eq!(w.sent.len(), attempts, "{name}");
        assert_eq!(w.sleeps.len(), attempts - 1, "{name}");
    }
}

#[test]
fn token_call_retries_on_refresh_and_rate_limit_but_not_quota() {
    for (resp, retried) in [
        (
            Resp::json(
                409,
                "{\"detail\":{\"error\":\"token_refresh_in_progress\"}}",
            ),
            true,
        ),
        (
            Resp::json(429, "{\"detail\":{\"error\":\"rate_limit_exceeded\"}}"),
            true,
        ),
        (Resp::status(502), true),
        (Resp::status(504), true),
        (
            Resp::json(429, "{\"detail\":{\"error\":\"quota_exceeded\"}}"),
            false,
        ),
        (
            Resp::json(404, "{\"detail\":{\"error\":\"grant_not_found\"}}"),
            false,
        ),
    ] {
        let mut w = World::with(ClientConfig {
            timeout_ms: Some(60_000.0),
            ..config()
        });
        w.vault("/sdk/token", vec![resp.clone(), Resp::token(json!({}))]);
        let end = w.request(get(URL));
        assert_eq!(
            matches!(end, Action::Done { .. }),
            retried,
            "{resp:?}: {end:?}"
        );
        assert_eq!(w.sent_to("/sdk/token").len(), if retried { 2 } else { 1 });
    }
}

#[test]
fn audit_rows_scope_reports_and_provider_calls_are_never_retried() {
    for resp in [
        Resp::status(503),
        Resp::Net("reset".into()),
        Resp::status(502),
        Resp::TimedOut,
    ] {
        let mut w = World::with(ClientConfig {
            max_retries: Some(10.0),
            ..config()
        });
        w.vault(AUDIT_PATH, vec![resp.clone()]);
        done(&w.request(get(URL)));
        assert_eq!(w.sent_to(AUDIT_PATH).len(), 1, "{resp:?}");
        assert!(w.sleeps.is_empty());
        assert_eq!(w.warns().len(), 1, "{:?}", w.warns());
    }
    let mut w = World::with(ClientConfig {
        max_retries: Some(10.0),
        ..config()
    });
    w.provider(vec![Resp::status(503)]);
    let e = assert_err(&w.request(get(URL)), C::ProviderAPIError, "provider_error");
    assert_eq!(e.status, Some(503));
    assert_eq!(w.provider_calls().len(), 1);
    assert!(w.sleeps.is_empty());
}

/// The retry log line names the path without its query.
#[test]
fn retry_log_line_has_no_query() {
    let mut w = World::with(config());
    w.vault(
        "/sdk/grants",
        vec![Resp::status(503), Resp::json(200, "{}")],
    );
    done(&w.call(call_input("GET", "/sdk/grants?app_user_id=user-7")));
    assert_eq!(
        w.debugs(),
        ["Retrying Alter Vault GET /sdk/grants (attempt 2)"]
    );
    assert_eq!(w.sent.len(), 2);
    assert_eq!(
        w.sent[1].x.url,
        format!("{BASE}/sdk/grants?app_user_id=user-7")
    );
}
