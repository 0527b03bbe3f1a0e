//! `call()`: one signed vault call for the namespaces, its answer mapped with the chosen mapper.

use crate::harness::*;
use alter_edge::action::Action;
use alter_edge::call::CallInput;
use alter_edge::client::ClientConfig;
use alter_protocol::ErrorClass as C;
use serde_json::{json, Value};

#[test]
fn namespace_call_success() {
    let mut w = World::with(config());
    w.vault(
        "/sdk/agents",
        vec![Resp::json(200, "{\"agents\":[]}").header("x-request-id", "r-9")],
    );
    let input = CallInput {
        mapper: Some("agents".into()),
        context: pairs(&[("k", "v")]),
        ..call_input("get", "/sdk/agents?limit=10&offset=0")
    };
    let end = w.call(input);
    let out = done(&end);
    assert_eq!(out["status"], 200);
    assert_eq!(out["body"], "{\"agents\":[]}");
    assert!(out["headers"]
        .as_array()
        .unwrap()
        .contains(&json!(["x-request-id", "r-9"])));
    assert_eq!(w.sent.len(), 1);
    let s = &w.sent[0];
    assert_eq!(s.x.method, "GET");
    assert_eq!(s.x.url, format!("{BASE}/sdk/agents?limit=10&offset=0"));
    assert_eq!(s.h("x-alter-context"), Some(r#"{"k":"v"}"#));
    assert!(s.h("content-type").is_none(), "no body, no Content-Type");
    assert_eq!(s.x.timeout_ms, TIMEOUT_MS);
    assert!(w.jobs.is_empty());
    // 204 and other 2xx: success with an empty body.
    w.vault("/sdk/keys", vec![Resp::status(204)]);
    let out = w.call(call_input("DELETE", "/sdk/keys/k1"));
    assert_eq!(done(&out)["status"], 204);
    assert_eq!(done(&out)["body"], "");
}

#[test]
fn namespace_call_with_body_headers_and_constraints() {
    let mut w = World::with(ClientConfig {
        caller: Some("svc".into()),
        ..config()
    });
    w.vault("/sdk/token", vec![Resp::token(json!({}))]);
    done(&w.request(get("https://api.example.com/x"))); // caches the actor id
    w.sent.clear();
    w.vault("/sdk/agents", vec![Resp::json(201, "{}")]);
    let input = CallInput {
        body: Some("{\"name\":\"a\"}".into()),
        traceparent: Some("garbage".into()), // an invalid ambient one is dropped
        extra_headers: pairs(&[("Idempotency-Key", "k-1"), ("X-Other", "1")]),
        timeout_ms: Some(500.0),
        scope_constraints: Some("c2NvcGVz".into()),
        request_rule: Some("cnVsZQ".into()),
        ..call_input("POST", "/sdk/agents")
    };
    done(&w.call(input));
    let s = &w.sent[0];
    assert_eq!(s.body_text(), "{\"name\":\"a\"}");
    assert_eq!(s.h("content-type"), Some("application/json"));
    assert_eq!(s.h("idempotency-key"), Some("k-1"));
    assert_eq!(s.h("x-other"), Some("1"));
    assert!(s.h("traceparent").is_none());
    assert_eq!(s.x.timeout_ms, 500.0);
    assert_eq!(s.h("x-alter-scope-constraints"), Some("c2NvcGVz"));
    assert_eq!(s.h("x-alter-request-rule"), Some("cnVsZQ"));
    assert_eq!(s.h("x-alter-actor-id"), Some(ACTOR));
    assert_eq!(s.h("x-alter-caller"), Some("svc"));

    // An explicit traceparent replaces the ambient one; no actor headers when not asked for.
    w.sent.clear();
    let input = CallInput {
        actor_headers: false,
        context: pairs(&[("k", "v")]),
        traceparent: Some("00-11111111111111111111111111111111-2222222222222222-01".into()),
        extra_headers: pairs(&[("traceparent", TRACEPARENT)]),
        ..call_input("GET", "/sdk/agents")
    };
    done(&w.call(input));
    let s = &w.sent[0];
    assert_eq!(s.h("traceparent"), Some(TRACEPARENT));
    assert!(s.h("x-alter-actor-id").is_none());
    assert!(s.h("x-alter-context").is_none());
    assert_eq!(
        s.h("x-alter-caller"),
        Some("svc"),
        "the constructor caller always goes"
    );

    // A per-call caller override: sent instead of the constructor caller, and no actor id.
    w.sent.clear();
    done(&w.call(CallInput {
        caller: Some("night".into()),
        ..call_input("GET", "/sdk/agents")
    }));
    assert_eq!(w.sent[0].h("x-alter-caller"), Some("night"));
    assert!(w.sent[0].h("x-alter-actor-id").is_none());
}

#[test]
fn namespace_call_actor_cache() {
    let mut w = World::with(config());
    // An answer to a call with a caller override is never cached; without one it is.
    w.vault(
        "/sdk/agents",
        vec![Resp::json(200, "{}").header("x-alter-actor-id", ACTOR)],
    );
    done(&w.call(CallInput {
        caller: Some("night".into()),
        ..call_input("GET", "/sdk/agents")
    }));
    assert!(w.engine.client().actor_id().is_none());
    done(&w.call(CallInput {
        actor_headers: false,
        ..call_input("GET", "/sdk/agents")
    }));
    assert!(
        w.engine.client().actor_id().is_none(),
        "read_actor follows actor_headers"
    );
    done(&w.call(call_input("GET", "/sdk/agents")));
    assert_eq!(w.engine.client().actor_id().as_deref(), Some(ACTOR));
}

#[test]
fn namespace_mappers() {
    let j = |e: &str| format!("{{\"detail\":{{\"error\":\"{e}\",\"message\":\"m\"}}}}");
    // (mapper, status, body, class, code)
    let cases: Vec<(Option<&str>, u16, String, C, &str)> = vec![
        (
            Some("agents"),
            401,
            j("invalid_key"),
            C::InvalidKeyError,
            "invalid_key",
        ),
        (
            Some("agents"),
            404,
            j("agent_not_found"),
            C::AgentNotFoundError,
            "agent_not_found",
        ),
        (
            Some("agents"),
            404,
            j("grant_not_found"),
            C::BackendError,
            "grant_not_found",
        ),
        (
            Some("agents"),
            409,
            j("agent_name_exists"),
            C::AgentNameExistsError,
            "agent_name_exists",
        ),
        (
            Some("agents"),
            500,
            "<html>".into(),
            C::BackendError,
            "backend_error",
        ),
        (
            None,
            404,
            j("grant_not_found"),
            C::GrantNotFoundError,
            "grant_not_found",
        ),
        (
            Some("canonical"),
            403,
            j("insufficient_scope"),
            C::InsufficientScopeError,
            "insufficient_scope",
        ),
        (
            Some("canonical"),
            410,
            "{}".into(),
            C::GrantDeletedError,
            "grant_deleted",
        ),
        (
            Some("canonical"),
            418,
            "{}".into(),
            C::BackendError,
            "backend_error",
        ),
        (
            Some("proxy"),
            403,
            j("approval_denied"),
            C::ApprovalDeniedError,
            "approval_denied",
        ),
        (
            Some("proxy"),
            410,
            j("approval_expired"),
            C::ApprovalExpiredError,
            "approval_expired",
        ),
        (
            Some("proxy"),
            404,
            j("grant_not_found"),
            C::GrantNotFoundError,
            "grant_not_found",
        ),
        (
            Some("proxy"),
            503,
            "{}".into(),
            C::BackendError,
            "backend_error",
        ),
    ];
    for agent in [false, true] {
        for (mapper, status, body, class, code) in &cases {
            let mut w = World::with(ClientConfig {
                agent,
                max_retries: Some(0.0),
                ..config()
            });
            w.vault("/sdk/", vec![Resp::json(*status, body)]);
            let path = if *mapper == Some("proxy") {
                "/sdk/proxy"
            } else {
                "/sdk/agents/me"
            };
            let input = CallInput {
                mapper: mapper.map(str::to_string),
                body: Some("{}".into()),
                ..call_input("POST", path)
            };
            let end = w.call(input);
            // call() never re-raises GrantNotFoundError: the JS layer does it for proxyRequest.
            let e = assert_err(&end, *class, code);
            assert_eq!(e.status, Some(*status), "{mapper:?} {status}");
            assert_eq!(w.sent.len(), 1);
        }
    }
}

#[test]
fn namespace_transport_failures() {
    let mut w = World::with(ClientConfig {
        max_retries: Some(0.0),
        ..config()
    });
    w.vault("/sdk/agents", vec![Resp::Net("ECONNREFUSED".into())]);
    let e = assert_err(
        &w.call(call_input("GET", "/sdk/agents")),
        C::NetworkError,
        "network_error",
    );
    assert!(e.message.contains("ECONNREFUSED"));
    w.vault("/sdk/agents", vec![Resp::TimedOut]);
    let e = assert_err(
        &w.call(CallInput {
            timeout_ms: Some(250.0),
            ..call_input("GET", "/sdk/agents")
        }),
        C::TimeoutError,
        "timeout",
    );
    assert!(e.message.contains("250 ms"), "{}", e.message);
    w.vault("/sdk/agents", vec![Resp::Aborted]);
    assert_eq!(
        w.call(call_input("GET", "/sdk/agents")),
        Action::Fail(alter_edge::action::Failure::Aborted)
    );
    let _: Value = Value::Null;
}
