//! §1 / §4.2: bad configuration and bad input are refused before any exchange: the first step is
//! the failure, nothing is spawned, nothing stays in the engine.

use crate::harness::*;
use alter_edge::action::Action;
use alter_edge::client::ClientConfig;
use alter_edge::engine::Engine;
use alter_edge::request::RequestInput;
use alter_protocol::ErrorClass as C;

#[test]
fn construction_errors() {
    type Edit = fn(&mut ClientConfig);
    let cases: Vec<(&str, Edit, C, &str)> = vec![
        (
            "bad key",
            |c| c.api_key = "alter_rk_not_a_key".into(),
            C::AlterSDKError,
            "invalid_api_key_format",
        ),
        (
            "empty key",
            |c| c.api_key = String::new(),
            C::AlterValueError,
            "invalid_argument",
        ),
        (
            "http remote",
            |c| c.base_url = Some("http://vault.example.com".into()),
            C::AlterSDKError,
            "invalid_base_url",
        ),
        (
            "caller type",
            |c| c.caller_type = Some("robot".into()),
            C::AlterValueError,
            "invalid_argument",
        ),
        (
            "caller",
            |c| c.caller = Some("bad\ncaller".into()),
            C::AlterValueError,
            "invalid_argument",
        ),
        (
            "timeout 0",
            |c| c.timeout_ms = Some(0.0),
            C::AlterValueError,
            "invalid_argument",
        ),
        (
            "timeout NaN",
            |c| c.timeout_ms = Some(f64::NAN),
            C::AlterValueError,
            "invalid_argument",
        ),
        (
            "timeout inf",
            |c| c.timeout_ms = Some(f64::INFINITY),
            C::AlterValueError,
            "invalid_argument",
        ),
        (
            "maxRetries 11",
            |c| c.max_retries = Some(11.0),
            C::AlterValueError,
            "invalid_argument",
        ),
        (
            "maxRetries 1.5",
            |c| c.max_retries = Some(1.5),
            C::AlterValueError,
            "invalid_argument",
        ),
        (
            "maxRetries -1",
            |c| c.max_retries = Some(-1.0),
            C::AlterValueError,
            "invalid_argument",
        ),
        (
            "empty userAgent",
            |c| c.user_agent = String::new(),
            C::AlterValueError,
            "invalid_argument",
        ),
        (
            "userAgent CRLF",
            |c| c.user_agent = "a\r\nb".into(),
            C::AlterValueError,
            "invalid_argument",
        ),
        (
            "short seed",
            |c| c.seed = vec![1; 31],
            C::AlterSDKError,
            "no_random_source",
        ),
    ];
    for (name, edit, class, code) in cases {
        let mut c = config();
        edit(&mut c);
        match Engine::new(c) {
            Ok(_) => panic!("{name}: accepted"),
            Err(e) => assert_eq!(
                (e.class, e.code.as_str()),
                (class, code),
                "{name}: {}",
                e.message
            ),
        }
    }
    let mut c = config();
    c.base_url = Some("https://vault.test/".into());
    let e = engine(c);
    assert_eq!(e.client().base_url, "https://vault.test");
    assert!(e.client().actor_id().is_none());
    assert!(e.client().last_retry_info().is_none());
    assert!(e.last_rate_limit().is_none());
    assert_eq!(e.in_flight(), 0);
    let mut c = config();
    c.base_url = Some("http://127.0.0.1:8080/".into());
    assert!(engine(c).client().insecure_loopback);
}

fn req(method: &str, url: &str) -> RequestInput {
    RequestInput {
        method: method.into(),
        url: url.into(),
        grant_id: Some("g".into()),
        ..Default::default()
    }
}

const X: &str = "https://api.example.com/x";

#[test]
fn bad_request_input_fails_on_the_first_step() {
    let long = format!("https://api.example.com/{}", "a".repeat(70_000));
    type Case = (&'static str, RequestInput, C);
    let cases: Vec<Case> = vec![
        (
            "http url",
            req("GET", "http://api.example.com/x"),
            C::AlterValueError,
        ),
        (
            "unfilled template",
            req("GET", "https://api.example.com/{id}"),
            C::AlterValueError,
        ),
        (
            "no target",
            RequestInput {
                grant_id: None,
                ..req("GET", X)
            },
            C::AlterSDKError,
        ),
        (
            "grant and provider",
            RequestInput {
                provider: Some("google".into()),
                ..req("GET", X)
            },
            C::AlterSDKError,
        ),
        (
            "grant + account",
            RequestInput {
                account: Some("a@b.c".into()),
                ..req("GET", X)
            },
            C::AlterValueError,
        ),
        (
            "empty userToken",
            RequestInput {
                grant_id: None,
                provider: Some("google".into()),
                user_token: Some(String::new()),
                ..req("GET", X)
            },
            C::AlterValueError,
        ),
        (
            "grant + label",
            RequestInput {
                label: Some("work".into()),
                ..req("GET", X)
            },
            C::AlterValueError,
        ),
        (
            "grant + appUserId",
            RequestInput {
                app_user_id: Some("u".into()),
                ..req("GET", X)
            },
            C::AlterValueError,
        ),
        (
            "GET with json",
            RequestInput {
                json: Some("{}".into()),
                ..req("GET", X)
            },
            C::AlterValueError,
        ),
        (
            "HEAD with body",
            RequestInput {
                body: Some(vec![1]),
                ..req("HEAD", X)
            },
            C::AlterValueError,
        ),
        (
            "bad json",
            RequestInput {
                json: Some("{not json".into()),
                ..req("POST", X)
            },
            C::AlterValueError,
        ),
        (
            "json and body",
            RequestInput {
                json: Some("{}".into()),
                body: Some(vec![0; 3]),
                ..req("POST", X)
            },
            C::AlterSDKError,
        ),
        (
            "bad header name",
            RequestInput {
                headers: pairs(&[("Bad Name", "v")]),
                ..req("GET", X)
            },
            C::AlterValueError,
        ),
        (
            "header CRLF",
            RequestInput {
                headers: pairs(&[("X-A", "v\r\nInjected: 1")]),
                ..req("GET", X)
            },
            C::AlterValueError,
        ),
        (
            "empty caller",
            RequestInput {
                caller: Some(String::new()),
                ..req("GET", X)
            },
            C::AlterValueError,
        ),
        ("long url", req("GET", &long), C::AlterValueError),
        (
            "21 context keys",
            RequestInput {
                context: (0..21)
                    .map(|i| (format!("k{i}"), "v".to_string()))
                    .collect(),
                ..req("GET", X)
            },
            C::AlterValueError,
        ),
        ("empty method", req("", X), C::AlterValueError),
        ("method with space", req("GE T", X), C::AlterValueError),
        ("TRACE", req("trace", X), C::AlterValueError),
        ("CONNECT", req("CONNECT", X), C::AlterValueError),
        (
            "scope constraints CRLF",
            RequestInput {
                scope_constraints: Some("a\nb".into()),
                ..req("GET", X)
            },
            C::AlterValueError,
        ),
        (
            "request rule",
            RequestInput {
                request_rule: Some("not base64url!".into()),
                ..req("GET", X)
            },
            C::AlterValueError,
        ),
        (
            "getter + bad url",
            RequestInput {
                token_from_getter: true,
                grant_id: None,
                provider: Some("google".into()),
                ..req("GET", "ftp://x")
            },
            C::AlterValueError,
        ),
    ];
    let e = engine(ClientConfig {
        max_retries: Some(0.0),
        ..config()
    });
    for (name, input, class) in cases {
        let step = e.request(input, T0_MS);
        let pe = match &step.action {
            Action::Fail(alter_edge::action::Failure::Error(pe)) => pe,
            other => panic!("{name}: first action {other:?}"),
        };
        assert_eq!(
            (pe.class, pe.code.as_str()),
            (class, "invalid_argument"),
            "{name}: {}",
            pe.message
        );
        assert!(step.spawned.is_empty(), "{name}: spawned jobs");
        assert_eq!(e.in_flight(), 0, "{name}: left a machine");
        // Messages never echo a header value.
        assert!(!pe.message.contains("Injected"), "{name}: {}", pe.message);
    }
    // The last retry report is cleared by a new request only once the target checks passed; the
    // engine has no state to leak either way.
    assert!(e.client().actor_id().is_none());

    // A valid request does reach the transport: its first action is the signed token call.
    let mut w = World::new(e);
    let first = w.engine.request(req("GET", X), w.now);
    match &first.action {
        Action::Send(x) => assert_eq!(x.url, format!("{BASE}/sdk/token")),
        other => panic!("{other:?}"),
    }
    w.drive(first);
}

#[test]
fn bad_call_input_fails_on_the_first_step() {
    let e = engine(config());
    type Edit = fn(&mut alter_edge::call::CallInput);
    let cases: Vec<(&str, Edit)> = vec![
        ("path outside /sdk/", |c| c.path = "/api/agents".into()),
        ("mapper", |c| c.mapper = Some("bogus".into())),
        ("reserved header", |c| {
            c.extra_headers = pairs(&[("X-Alter-Caller", "x")])
        }),
        ("x-api-key header", |c| {
            c.extra_headers = pairs(&[("X-Api-Key", "x")])
        }),
        ("content-type header", |c| {
            c.extra_headers = pairs(&[("Content-Type", "x")])
        }),
        ("explicit bad traceparent", |c| {
            c.extra_headers = pairs(&[("traceparent", "bogus")])
        }),
        ("header CRLF", |c| {
            c.extra_headers = pairs(&[("X-A", "a\nb")])
        }),
        ("timeout 0", |c| c.timeout_ms = Some(0.0)),
        ("timeout NaN", |c| c.timeout_ms = Some(f64::NAN)),
        ("bad caller", |c| c.caller = Some("\u{7f}".into())),
        ("bad method", |c| c.method = "GE T".into()),
        ("21 context keys", |c| {
            c.context = (0..21)
                .map(|i| (format!("k{i}"), "v".to_string()))
                .collect()
        }),
        ("request rule", |c| c.request_rule = Some("a b".into())),
    ];
    for (name, edit) in cases {
        let mut input = call_input("GET", "/sdk/agents");
        edit(&mut input);
        let step = e.call(input, T0_MS);
        let pe = err(&step.action);
        assert_eq!(
            pe.class,
            C::AlterValueError,
            "{name}: {} {}",
            pe.code,
            pe.message
        );
        assert_eq!(e.in_flight(), 0, "{name}");
    }
}

#[test]
fn unknown_and_forgotten_ids() {
    let mut w = World::with(config());
    // An id the engine never issued.
    let s = w.engine.step(999, alter_edge::action::Outcome::Woke, w.now);
    assert_err(&s.action, C::AlterSDKError, "internal_error");
    // A call forgotten before its first exchange was performed (the caller's abort).
    let first = w.engine.request(get(X), w.now);
    assert_eq!(w.engine.in_flight(), 1);
    w.engine.forget(first.id);
    assert_eq!(w.engine.in_flight(), 0);
    let s = w
        .engine
        .step(first.id, alter_edge::action::Outcome::Woke, w.now);
    assert_err(&s.action, C::AlterSDKError, "internal_error");
    // Forgetting twice, or an unknown id, is harmless.
    w.engine.forget(first.id);
    w.engine.forget(12345);
    // Ids are fresh per call and per job.
    let a = w.engine.request(get(X), w.now);
    let a_id = a.id;
    w.drive(a);
    let b = w.engine.call(call_input("GET", "/sdk/agents"), w.now);
    let b_id = b.id;
    w.drive(b);
    let job_ids = w.jobs.clone();
    let mut all = vec![first.id, a_id, b_id];
    all.extend(job_ids);
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "ids are never shared by calls and jobs");
}

/// The harness's fake vault really checks signatures: a tampered or replayed exchange fails.
#[test]
fn fake_vault_rejects_tampered_exchanges() {
    let mut w = World::with(config());
    let first = w.engine.request(
        RequestInput {
            context: pairs(&[("k", "v")]),
            ..get(X)
        },
        w.now,
    );
    let Action::Send(x) = first.action.clone() else {
        panic!()
    };
    let mut body = x.clone();
    body.body = alter_edge::action::ExchangeBody::Text("{}".into());
    assert_eq!(
        w.verify_result(&body).unwrap_err().code(),
        "content_hash_mismatch"
    );
    let mut ctx = x.clone();
    for (k, v) in ctx.headers.iter_mut() {
        if k.eq_ignore_ascii_case("x-alter-context") {
            *v = "{\"k\":\"w\"}".into();
        }
    }
    assert_eq!(
        w.verify_result(&ctx).unwrap_err().code(),
        "invalid_signature"
    );
    let mut path = x.clone();
    path.url.push_str("?x=1");
    assert_eq!(
        w.verify_result(&path).unwrap_err().code(),
        "invalid_signature"
    );
    let mut late = x.clone();
    late.url = x.url.clone();
    w.now += 301_000.0;
    assert_eq!(
        w.verify_result(&late).unwrap_err().code(),
        "stale_timestamp"
    );
    w.now -= 301_000.0;
    assert!(w.verify_result(&x).is_ok());
    assert_eq!(w.verify_result(&x).unwrap_err().code(), "replayed_nonce");
    w.engine.forget(first.id);
}
