//! The provider call's outcomes (§4.6): error classification, the scope report (§6.1), timeouts,
//! transport failures and the caller's abort, and the body states the driver reports (§5.3).

use crate::harness::*;
use alter_edge::action::{Action, Captured, Failure, Outcome, Peer};
use alter_edge::audit::CAPTURE_LIMIT;
use alter_edge::client::ClientConfig;
use alter_edge::request::RequestInput;
use alter_protocol::ErrorClass as C;
use serde_json::{json, Value};
use std::collections::VecDeque;

const URL: &str = "https://api.example.com/x";

#[test]
fn provider_insufficient_scope_reports_and_audits() {
    let mut w = World::with(ClientConfig {
        caller: Some("svc".into()),
        ..config()
    });
    w.provider(vec![Resp::text(403, "denied").header(
        "www-authenticate",
        "Bearer error=\"insufficient_scope\", scope=\"a b\"",
    )]);
    let first = w.engine.request(
        RequestInput {
            context: pairs(&[("k", "v")]),
            traceparent: Some(TRACEPARENT.into()),
            ..get(URL)
        },
        w.now,
    );
    let mut jobs = VecDeque::new();
    let end = w.drive_main(first, &mut jobs);
    let e = assert_err(&end, C::ScopeReauthRequiredError, "scope_mismatch");
    assert_eq!(e.status, Some(403));
    assert_eq!(e.fields["missing_scopes"], json!(["a", "b"]));
    assert_eq!(e.fields["response_body"], "denied");
    assert_eq!(e.details["grant_id"], GRANT);
    assert!(!format!("{e:?}").contains("SECRET"));
    assert_eq!(jobs.len(), 2, "audit row and scope report");
    // The audit is scheduled first, then the report.
    let firsts: Vec<String> = jobs
        .iter()
        .map(|s| match &s.action {
            Action::Send(x) => x.url.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        firsts,
        [
            format!("{BASE}{AUDIT_PATH}"),
            format!("{BASE}/sdk/grants/{GRANT}/report-scope-mismatch")
        ]
    );
    w.drain(jobs);
    assert_eq!(w.engine.in_flight(), 0);
    let rows = w.audit_rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["response_status"], 403);
    assert_eq!(rows[0]["response_body"], "denied");
    let report = &w.sent_to("/report-scope-mismatch")[0];
    assert_eq!(report.x.method, "POST");
    assert_eq!(report.x.timeout_ms, 2000.0);
    let body = report.body_json();
    assert_eq!(body["missing_scopes"], json!(["a", "b"]));
    assert_eq!(body["provider_status_code"], 403);
    // §2.5: no per-request actor headers on the report (though an actor id is cached).
    assert_eq!(w.engine.client().actor_id().as_deref(), Some(ACTOR));
    assert!(report.h("x-alter-actor-id").is_none());
    assert!(report.h("x-alter-context").is_none());
    assert_eq!(report.h("x-alter-caller"), Some("svc"));
    assert_eq!(report.h("traceparent"), Some(TRACEPARENT));
    assert!(
        w.debugs().iter().any(|d| d.contains("correlation id c-1")),
        "{:?}",
        w.logs
    );

    // A refused report is a warning, never an error, and is not retried.
    let mut w = World::with(config());
    w.provider(vec![Resp::text(403, "denied").header(
        "www-authenticate",
        "Bearer error=\"insufficient_scope\", scope=\"a\"",
    )]);
    w.vault("/report-scope-mismatch", vec![Resp::status(503)]);
    assert_err(
        &w.request(get(URL)),
        C::ScopeReauthRequiredError,
        "scope_mismatch",
    );
    assert_eq!(w.sent_to("/report-scope-mismatch").len(), 1);
    assert!(w.sleeps.is_empty());
    assert!(
        w.warns()
            .iter()
            .any(|w| w.contains("Scope mismatch report refused (HTTP 503)")),
        "{:?}",
        w.warns()
    );
}

#[test]
fn provider_error_statuses() {
    // (status, provider headers, token extras, class, code)
    type Case = (
        u16,
        Vec<(&'static str, &'static str)>,
        Value,
        C,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            401,
            vec![],
            json!({}),
            C::ProviderUnauthorizedError,
            "provider_unauthorized",
        ),
        (
            403,
            vec![],
            json!({"scope_mismatch": true}),
            C::ScopeReauthRequiredError,
            "scope_mismatch",
        ),
        (
            403,
            vec![],
            json!({}),
            C::ProviderAPIError,
            "provider_error",
        ),
        (
            401,
            vec![("www-authenticate", "Bearer error=\"insufficient_scope\"")],
            json!({}),
            C::ProviderAPIError,
            "provider_error",
        ),
        (
            404,
            vec![],
            json!({}),
            C::ProviderAPIError,
            "provider_error",
        ),
        (
            500,
            vec![],
            json!({}),
            C::ProviderAPIError,
            "provider_error",
        ),
    ];
    for (status, headers, extra, class, code) in cases {
        let mut w = World::with(config());
        w.vault("/sdk/token", vec![Resp::token(extra)]);
        let mut r = Resp::text(status, "nope");
        for (k, v) in &headers {
            r = r.header(k, v);
        }
        w.provider(vec![r]);
        let e = assert_err(&w.request(get(URL)), class, code);
        assert_eq!(e.status, Some(status));
        assert_eq!(e.fields["response_body"], "nope");
        assert_eq!(e.details["url"], URL);
        assert_eq!(w.jobs.len(), 1, "{status}: the audit row only");
        assert!(w.sent_to("/report-scope-mismatch").is_empty());
        assert_eq!(w.audit_rows()[0]["response_status"], status);
    }
    // 3xx is not an error (no redirect is followed).
    let mut w = World::with(config());
    w.provider(vec![
        Resp::status(302).header("location", "https://elsewhere.example/")
    ]);
    done(&w.request(get(URL)));
    assert_eq!(w.provider_calls().len(), 1);
    assert_eq!(w.audit_rows()[0]["response_status"], 302);
}

#[test]
fn provider_timeout_is_a_timeout_error_with_an_audit_row() {
    let mut w = World::with(config());
    w.provider(vec![Resp::TimedOut]);
    let e = assert_err(&w.request(get(URL)), C::TimeoutError, "timeout");
    assert_eq!(e.details["url"], URL);
    assert_eq!(e.details["grant_id"], GRANT);
    assert_eq!(e.details["method"], "GET");
    let rows = w.audit_rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["response_status"], 0);
    assert_eq!(rows[0]["response_headers"], Value::Null);
    assert_eq!(
        rows[0]["response_body"],
        "<transport error: timeout after 2000ms>"
    );
    assert_eq!(rows[0]["latency_ms"], 2000);
    assert_eq!(
        w.provider_calls().len(),
        1,
        "the provider call is never repeated"
    );
}

#[test]
fn provider_network_error_hides_the_runtime_text() {
    let mut w = World::with(config());
    w.vault(
        "/sdk/token",
        vec![Resp::token(json!({"additional_injections": [
            {"target": "query_param", "key": "k", "value_source": "token"}
        ]}))],
    );
    w.provider(vec![Resp::Net(format!(
        "fetch failed: https://api.example.com/x?k={SECRET}"
    ))]);
    let e = assert_err(&w.request(get(URL)), C::NetworkError, "network_error");
    assert_eq!(e.message, "Failed to call provider API");
    assert!(!format!("{e:?}").contains("SECRET"));
    let row = &w.audit_rows()[0];
    assert_eq!(row["response_status"], 0);
    assert_eq!(row["response_body"], "<transport error: network>");
    assert_eq!(
        w.provider_calls().len(),
        1,
        "the provider call is never repeated"
    );
}

/// The caller's abort: Failure::Aborted, with an audit row only when the provider call was in
/// flight (the vault handed out a credential that may have been used).
#[test]
fn caller_abort() {
    // During the token call: no row.
    let mut w = World::with(config());
    w.vault("/sdk/token", vec![Resp::Aborted]);
    assert_eq!(w.request(get(URL)), Action::Fail(Failure::Aborted));
    assert_eq!(w.sent.len(), 1);
    assert!(w.jobs.is_empty());

    // During a retry sleep: no row, no second attempt.
    let mut w = World::with(config());
    w.vault("/sdk/token", vec![Resp::status(503)]);
    let first = w.engine.request(get(URL), w.now);
    let o = w.perform(first.id, &first.action).unwrap();
    let s = w.engine.step(first.id, o, w.now);
    assert!(matches!(s.action, Action::Sleep { .. }), "{:?}", s.action);
    let s = w.engine.step(first.id, Outcome::Aborted, w.now);
    assert_eq!(s.action, Action::Fail(Failure::Aborted));
    assert!(s.spawned.is_empty());
    assert_eq!(w.engine.in_flight(), 0);
    assert_eq!(w.sent.len(), 1);

    // During the provider call: one row with status 0.
    let mut w = World::with(config());
    w.provider(vec![Resp::Aborted]);
    assert_eq!(w.request(get(URL)), Action::Fail(Failure::Aborted));
    let rows = w.audit_rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["response_status"], 0);
    assert_eq!(rows[0]["response_body"], "<transport error: network>");

    // Before the first exchange: the driver forgets the call.
    let w = World::with(config());
    let first = w.engine.request(get(URL), w.now);
    w.engine.forget(first.id);
    assert_eq!(w.engine.in_flight(), 0);
}

fn one(w: &mut World, input: RequestInput) -> (Action, VecDeque<alter_edge::action::Step>) {
    let first = w.engine.request(input, w.now);
    let mut jobs = VecDeque::new();
    let end = w.drive_main(first, &mut jobs);
    (end, jobs)
}

fn first_actions(jobs: &VecDeque<alter_edge::action::Step>) -> Vec<&Action> {
    jobs.iter().map(|s| &s.action).collect()
}

#[test]
fn body_complete_and_not_read() {
    // Complete (declared length within the limit).
    let mut w = World::with(config());
    w.provider(vec![
        Resp::text(201, "xxxxxxxxxxxx").header("content-length", "12")
    ]);
    done(&w.request(RequestInput {
        method: "POST".into(),
        json: Some("{}".into()),
        ..get(URL)
    }));
    assert_eq!(w.audit_rows()[0]["response_body"], "xxxxxxxxxxxx");
    assert_eq!(w.audit_rows()[0]["response_status"], 201);
    assert!(w.reads.is_empty());

    // NotRead, a declared length above the limit: placeholder by length, no read.
    let mut w = World::with(config());
    w.provider(vec![Resp::status(200)
        .header("content-length", "30000")
        .body(Body::NotRead)]);
    done(&w.request(get(URL)));
    assert_eq!(
        w.audit_rows()[0]["response_body"],
        "<response too large: 30000 bytes>"
    );
    assert!(w.reads.is_empty());

    // The same on an error status: the error carries the placeholder too.
    let mut w = World::with(config());
    w.provider(vec![Resp::status(502)
        .header("content-length", "20000")
        .body(Body::NotRead)]);
    let e = assert_err(&w.request(get(URL)), C::ProviderAPIError, "provider_error");
    assert_eq!(
        e.fields["response_body"],
        "<response too large: 20000 bytes>"
    );
    assert_eq!(
        w.audit_rows()[0]["response_body"],
        "<response too large: 20000 bytes>"
    );
    assert_eq!(w.audit_rows()[0]["response_status"], 502);
    assert!(w.reads.is_empty());

    // NotRead without a usable length (encoded, HEAD): "unavailable".
    for (method, headers) in [
        (
            "GET",
            vec![("content-length", "30000"), ("content-encoding", "gzip")],
        ),
        ("HEAD", vec![("content-length", "30000")]),
        ("GET", vec![]),
    ] {
        let mut w = World::with(config());
        let mut r = Resp::status(200).body(Body::NotRead);
        for (k, v) in headers {
            r = r.header(k, v);
        }
        w.provider(vec![r]);
        done(&w.request(RequestInput {
            method: method.into(),
            ..get(URL)
        }));
        assert_eq!(
            w.audit_rows()[0]["response_body"],
            "<response body unavailable>",
            "{method}"
        );
    }
}

#[test]
fn body_pending_on_success_is_read_by_the_audit_job() {
    let cases = [
        (
            Captured::Whole(b"streamed".to_vec()),
            "streamed".to_string(),
        ),
        (
            Captured::Unavailable,
            "<response body unavailable: not complete within 2000 ms>".to_string(),
        ),
        (
            Captured::Over,
            format!("<response too large: over {CAPTURE_LIMIT} bytes>"),
        ),
    ];
    for (captured, text) in cases {
        let mut w = World::with(config());
        w.provider(vec![Resp::status(200).body(Body::Pending(captured))]);
        let (end, jobs) = one(&mut w, get(URL));
        // The caller gets its Response at once; the audit job waits for the body.
        done(&end);
        assert!(w.reads.is_empty(), "the call itself reads nothing");
        assert_eq!(first_actions(&jobs), [&Action::ReadBody]);
        let job = jobs[0].id;
        w.drain(jobs);
        assert_eq!(w.reads, [job]);
        assert_eq!(w.engine.in_flight(), 0);
        let rows = w.audit_rows();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["response_body"], text.as_str());
        assert_eq!(rows[0]["response_status"], 200);
    }
}

#[test]
fn body_pending_on_error_is_read_before_classifying() {
    let mut w = World::with(config());
    w.provider(vec![
        Resp::status(500).body(Body::Pending(Captured::Whole(b"boom".to_vec())))
    ]);
    let first = w.engine.request(get(URL), w.now);
    let id = first.id;
    let o = w.perform(id, &first.action).unwrap(); // token
    let s = w.engine.step(id, o, w.now);
    assert!(matches!(&s.action, Action::Send(x) if x.to == Peer::Provider));
    let o = w.perform(id, &s.action).unwrap(); // provider: 500, body pending
    let s = w.engine.step(id, o, w.now);
    assert_eq!(
        s.action,
        Action::ReadBody,
        "status >= 400: the body decides"
    );
    assert!(s.spawned.is_empty(), "no audit before the body is read");
    let o = w.perform(id, &s.action).unwrap();
    let s = w.engine.step(id, o, w.now);
    let e = assert_err(&s.action, C::ProviderAPIError, "provider_error");
    assert_eq!(e.fields["response_body"], "boom");
    assert_eq!(s.spawned.len(), 1);
    assert!(
        matches!(&s.spawned[0].action, Action::Send(x) if x.url.ends_with(AUDIT_PATH)),
        "the row has its body already"
    );
    w.drain(s.spawned.into());
    assert_eq!(w.reads, [id], "one read, by the call");
    assert_eq!(w.audit_rows()[0]["response_body"], "boom");
    assert_eq!(w.engine.in_flight(), 0);

    // The insufficient_scope challenge is still honoured after a pending body.
    let mut w = World::with(config());
    w.provider(vec![Resp::status(403)
        .header(
            "www-authenticate",
            "Bearer error=\"insufficient_scope\", scope=\"s\"",
        )
        .body(Body::Pending(Captured::Unavailable))]);
    let e = assert_err(
        &w.request(get(URL)),
        C::ScopeReauthRequiredError,
        "scope_mismatch",
    );
    assert_eq!(
        e.fields["response_body"],
        "<response body unavailable: not complete within 2000 ms>"
    );
    assert_eq!(w.jobs.len(), 2);
    assert_eq!(w.sent_to("/report-scope-mismatch").len(), 1);
}
