//! One whole request() (§3–§5), the token contract (§3.4), backend error mapping (§7.2), the
//! response hooks (§1.8, §7.6, §8.4) and the actor rules of provider mode and caller overrides.

use crate::harness::*;
use alter_edge::action::{Action, ExchangeBody, Level, Peer};
use alter_edge::client::{ClientConfig, RateLimit};
use alter_edge::request::RequestInput;
use alter_protocol::ErrorClass as C;
use serde_json::{json, Value};

#[test]
fn request_round_trip() {
    let mut w = World::with(ClientConfig {
        caller: Some("billing-cron".into()),
        ..config()
    });
    w.vault(
        "/sdk/token",
        vec![Resp::token(
            json!({"retry_info": {"total_attempts": 2, "successful_attempt": 2, "errors": []}}),
        )],
    );
    w.provider(vec![
        Resp::json(200, "{\"items\":[]}").header("x-provider", "yes")
    ]);
    let input = RequestInput {
        method: "post".into(),
        url: "https://api.example.com/v1/{kind}/items".into(),
        grant_id: Some(GRANT.into()),
        path_params: pairs(&[("kind", "a b/c")]),
        query: pairs(&[("limit", "5")]),
        headers: pairs(&[("X-Custom", "1")]),
        json: Some("{\"name\":\"Zo\u{eb}\"}".into()),
        reason: Some("sync".into()),
        context: pairs(&[("run_id", "r-1")]),
        traceparent: Some(TRACEPARENT.into()),
        ..Default::default()
    };
    // Step by step: the main call ends before its audit job runs.
    let first = w.engine.request(input, w.now);
    let mut jobs = Default::default();
    let end = w.drive_main(first, &mut jobs);
    assert_eq!(w.sent.len(), 2, "token + provider before the audit runs");
    assert_eq!(jobs.len(), 1, "one audit job");
    assert_eq!(w.engine.in_flight(), 1, "only the audit job is left");
    let retry = retry_info(&end);
    assert_eq!(retry["total_attempts"], 2);
    let last: Value = serde_json::from_str(&w.engine.client().last_retry_info().unwrap()).unwrap();
    assert_eq!(last["successful_attempt"], 2);
    assert_eq!(w.engine.client().actor_id().as_deref(), Some(ACTOR));
    w.drain(jobs);
    assert_eq!(w.engine.in_flight(), 0);
    assert_eq!(w.sent.len(), 3);
    let (token, provider, audit) = (&w.sent[0], &w.sent[1], &w.sent[2]);

    // Token call (§3): signed (verified by the fake vault), V2 identity headers, body per §3.2.
    assert_eq!(token.x.to, Peer::Vault);
    assert_eq!(token.x.method, "POST");
    assert_eq!(token.x.url, format!("{BASE}/sdk/token"));
    assert_eq!(token.h("x-alter-caller"), Some("billing-cron"));
    assert_eq!(token.h("x-alter-caller-type"), Some("service"));
    assert_eq!(token.h("x-alter-context"), Some(r#"{"run_id":"r-1"}"#));
    assert_eq!(token.h("traceparent"), Some(TRACEPARENT));
    assert_eq!(token.h("x-api-key"), Some(KEY));
    assert_eq!(token.h("user-agent"), Some("alter-edge/test"));
    assert_eq!(token.h("content-type"), Some("application/json"));
    assert!(token.h("x-alter-actor-id").is_none());
    assert!(token.h("x-alter-signature-v2").is_some());
    assert_eq!(token.x.timeout_ms, TIMEOUT_MS);
    let tb = token.body_json();
    assert_eq!(tb["request"]["method"], "POST");
    assert_eq!(
        tb["request"]["url"],
        "https://api.example.com/v1/a%20b%2Fc/items"
    );
    assert_eq!(tb["reason"], "sync");
    assert_eq!(tb["grant_id"], GRANT);

    // Provider call (§4.4): credential injected, query appended, caller headers kept.
    assert_eq!(provider.x.to, Peer::Provider);
    assert_eq!(
        provider.x.url,
        "https://api.example.com/v1/a%20b%2Fc/items?limit=5"
    );
    assert_eq!(provider.x.method, "POST");
    assert_eq!(
        provider.h("authorization"),
        Some(format!("Bearer {SECRET}").as_str())
    );
    assert_eq!(provider.h("x-custom"), Some("1"));
    assert_eq!(provider.h("content-type"), Some("application/json"));
    assert_eq!(provider.h("user-agent"), Some("alter-edge/test"));
    assert_eq!(provider.x.body, ExchangeBody::Caller);
    assert_eq!(provider.x.shadow_url, None);
    assert_eq!(provider.x.timeout_ms, TIMEOUT_MS);

    // Audit call (§5): V2 over the cached actor id; the row without any credential.
    assert_eq!(audit.x.url, format!("{BASE}{AUDIT_PATH}"));
    assert_eq!(audit.x.method, "POST");
    assert_eq!(audit.h("x-alter-actor-id"), Some(ACTOR));
    assert_eq!(audit.h("x-alter-caller"), Some("billing-cron"));
    assert_eq!(audit.h("x-alter-context"), Some(r#"{"run_id":"r-1"}"#));
    assert_eq!(audit.h("traceparent"), Some(TRACEPARENT));
    let rows = w.audit_rows();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row["grant_id"], GRANT);
    assert_eq!(row["provider_id"], "google");
    assert_eq!(row["token_generation"], GENERATION);
    assert_eq!(row["method"], "POST");
    assert_eq!(row["url"], "https://api.example.com/v1/a%20b%2Fc/items");
    assert_eq!(row["response_status"], 200);
    assert_eq!(row["response_body"], "{\"items\":[]}");
    assert_eq!(row["response_headers"]["x-provider"], "yes");
    assert_eq!(row["request_headers"]["X-Custom"], "1");
    assert!(row["request_headers"].get("Authorization").is_none());
    assert_eq!(row["request_body"]["name"], "Zo\u{eb}");
    assert_eq!(row["context"]["run_id"], "r-1");
    assert_eq!(row["reason"], "sync");
    assert_eq!(row["latency_ms"], 0);
    for s in w.sent.iter().filter(|s| s.x.to == Peer::Vault) {
        assert!(
            !s.dump().contains("SECRET"),
            "credential reached the vault: {}",
            s.x.url
        );
    }
    assert!(w.warns().is_empty(), "{:?}", w.warns());
}

#[test]
fn latency_is_measured_on_the_callers_clock() {
    let mut w = World::with(config());
    w.provider(vec![Resp::text(200, "ok").delay(37.0)]);
    done(&w.request(get("https://api.example.com/x")));
    assert_eq!(w.audit_rows()[0]["latency_ms"], 37);
}

#[test]
fn malformed_token_response_fails_closed() {
    let bad: Vec<(&str, Resp)> = vec![
        (
            "crlf token",
            Resp::token(json!({"access_token": "tok\nen"})),
        ),
        ("empty token", Resp::token(json!({"access_token": ""}))),
        ("no grant id", Resp::json(200, "{\"access_token\":\"t\"}")),
        ("bad grant id", Resp::token(json!({"grant_id": "g"}))),
        ("not json", Resp::text(200, "<html>")),
        ("array", Resp::json(200, "[]")),
        ("empty body", Resp::status(200)),
        (
            "forbidden injection header",
            Resp::token(json!({"injection_header": "Host"})),
        ),
        (
            "float expires_in",
            Resp::token(json!({"expires_in": 3600.5})),
        ),
    ];
    for (name, resp) in bad {
        let mut w = World::with(config());
        w.vault("/sdk/token", vec![resp]);
        let end = w.request(get("https://api.example.com/x"));
        let e = assert_err(&end, C::BackendError, "malformed_response");
        assert!(
            !e.message.contains("tok\nen") && !e.message.contains(SECRET),
            "{name}: {}",
            e.message
        );
        assert_eq!(w.sent.len(), 1, "{name}: only the token call may happen");
        assert!(
            w.jobs.is_empty(),
            "{name}: no audit without a provider call"
        );
    }
}

#[test]
fn backend_errors_map_to_classes() {
    let gnf = "{\"detail\":{\"error\":\"grant_not_found\",\"message\":\"No grant\"}}";
    type Case = (u16, &'static str, C, &'static str);
    let cases: Vec<Case> = vec![
        (404, gnf, C::GrantNotFoundError, "grant_not_found"),
        (
            401,
            "{\"detail\":{\"error\":\"invalid_key\",\"message\":\"bad\"}}",
            C::InvalidKeyError,
            "invalid_key",
        ),
        (
            403,
            "{\"detail\":{\"error\":\"grant_revoked\"}}",
            C::GrantRevokedError,
            "grant_revoked",
        ),
        (
            403,
            "{\"detail\":{\"error\":\"grant_expired\"}}",
            C::GrantExpiredError,
            "grant_expired",
        ),
        (
            403,
            "{\"detail\":{\"error\":\"policy_denied\",\"message\":\"no\"}}",
            C::PolicyViolationError,
            "policy_denied",
        ),
        (410, "{}", C::GrantDeletedError, "grant_deleted"),
        (
            409,
            "{\"detail\":{\"error\":\"ambiguous_grant\"}}",
            C::AmbiguousGrantError,
            "ambiguous_grant",
        ),
        (
            429,
            "{\"detail\":{\"error\":\"quota_exceeded\"}}",
            C::QuotaExceededError,
            "quota_exceeded",
        ),
        (
            429,
            "<html>slow down</html>",
            C::RateLimitError,
            "rate_limited",
        ),
        (500, "oops", C::BackendError, "backend_error"),
        (
            400,
            "{\"detail\":\"bad request\"}",
            C::BackendError,
            "backend_error",
        ),
    ];
    for agent in [false, true] {
        for (status, body, class, code) in &cases {
            // maxRetries 0: the retried statuses are covered in retries.rs.
            let mut w = World::with(ClientConfig {
                caller: Some("worker".into()),
                caller_type: Some(if agent { "agent" } else { "service" }.into()),
                agent,
                max_retries: Some(0.0),
                ..config()
            });
            w.vault(
                "/sdk/token",
                vec![Resp::json(*status, body).header("x-alter-actor-id", ACTOR)],
            );
            let end = w.request(get("https://api.example.com/x"));
            let want = if agent && *class == C::GrantNotFoundError {
                C::AgentDelegationMissingError
            } else {
                *class
            };
            let e = assert_err(&end, want, code);
            assert_eq!(e.status, Some(*status), "{status} {body}");
            assert!(e.class.is_a(C::BackendError) || e.class == C::RateLimitError);
            assert_eq!(w.sent.len(), 1);
            assert!(w.jobs.is_empty());
            // §8.4: the actor id is cached even from an error answer.
            assert_eq!(w.engine.client().actor_id().as_deref(), Some(ACTOR));
        }
    }
}

#[test]
fn vault_transport_failures() {
    let mut w = World::with(ClientConfig {
        max_retries: Some(0.0),
        ..config()
    });
    w.vault("/sdk/token", vec![Resp::Net("ECONNREFUSED".into())]);
    let e = assert_err(
        &w.request(get("https://api.example.com/x")),
        C::NetworkError,
        "network_error",
    );
    assert!(
        e.message
            .starts_with("Failed to connect to Alter Vault backend"),
        "{}",
        e.message
    );
    assert!(e.message.contains("ECONNREFUSED"));
    assert_eq!(e.details["base_url"], BASE);

    let mut w = World::with(config());
    w.vault("/sdk/token", vec![Resp::TimedOut]);
    let e = assert_err(
        &w.request(get("https://api.example.com/x")),
        C::TimeoutError,
        "timeout",
    );
    assert!(e.message.contains("2000 ms"), "{}", e.message);
    assert_eq!(
        w.sent.len(),
        1,
        "a timeout spends the budget: never retried"
    );
}

/// §1.8 / §7.6 / §8.4 hooks on every vault answer: the rate-limit snapshot, the deprecated-key
/// warning once per client, a conflicting actor id ignored with a warning.
#[test]
fn response_hooks() {
    let mut w = World::with(ClientConfig {
        caller: Some("svc".into()),
        ..config()
    });
    w.vault(
        "/sdk/token",
        vec![Resp::token(json!({}))
            .header("x-ratelimit-limit", "100")
            .header("x-ratelimit-remaining", "42")
            .header("x-ratelimit-reset", "1767225600")
            .header("x-alter-key-deprecated", "true")],
    );
    w.vault(
        AUDIT_PATH,
        vec![Resp::status(204).header("x-alter-actor-id", "00000000-1111-4222-8333-444444444444")],
    );
    assert!(w.engine.last_rate_limit().is_none());
    for _ in 0..2 {
        done(&w.request(get("https://api.example.com/x")));
    }
    assert_eq!(
        w.engine.last_rate_limit(),
        Some(RateLimit {
            limit: 100,
            remaining: 42,
            reset_at: 1767225600
        })
    );
    assert_eq!(w.engine.client().actor_id().as_deref(), Some(ACTOR));
    let warns = w.warns();
    assert_eq!(
        warns.iter().filter(|w| w.contains("deprecated")).count(),
        1,
        "{warns:?}"
    );
    assert!(
        warns.iter().any(|w| w.contains("X-Alter-Actor-ID")),
        "{warns:?}"
    );
    assert!(!format!("{:?}", w.logs).contains("SECRET"));
    // The second token call sends the cached id.
    let tokens = w.sent_to("/sdk/token");
    assert!(tokens[0].h("x-alter-actor-id").is_none());
    assert_eq!(tokens[1].h("x-alter-actor-id"), Some(ACTOR));

    // A partial or malformed rate-limit set keeps the previous snapshot.
    w.vault(
        "/sdk/token",
        vec![Resp::token(json!({})).header("x-ratelimit-limit", "7")],
    );
    done(&w.request(get("https://api.example.com/x")));
    assert_eq!(w.engine.last_rate_limit().map(|r| r.remaining), Some(42));
    // A non-UUID actor id is never cached.
    let mut w = World::with(config());
    w.vault(
        "/sdk/token",
        vec![Resp::json(200, &token_json(json!({}))).header("x-alter-actor-id", "not-a-uuid")],
    );
    done(&w.request(get("https://api.example.com/x")));
    assert!(w.engine.client().actor_id().is_none());
}

/// §3.2 provider mode: the token body carries provider_id, user_token, app_user_id, account and
/// label in that order; §8.4: a call with a per-call caller override neither sends nor caches the
/// actor id, while the next plain call caches it and then sends it; §5.2: the audit of the
/// override call is attributed to the constructor caller.
#[test]
fn provider_mode_body_and_caller_override_actor_rules() {
    let mut w = World::with(ClientConfig {
        caller: Some("svc".into()),
        ..config()
    });
    let call = RequestInput {
        method: "GET".into(),
        url: "https://api.example.com/x".into(),
        provider: Some("google".into()),
        account: Some("a@b.c".into()),
        label: Some("work".into()),
        app_user_id: Some("user-7".into()),
        user_token: Some("jwt-1".into()),
        caller: Some("nightly".into()),
        ..Default::default()
    };
    done(&w.request(call));
    assert!(
        w.engine.client().actor_id().is_none(),
        "no caching from an override call"
    );
    done(&w.request(get("https://api.example.com/x")));
    assert_eq!(w.engine.client().actor_id().as_deref(), Some(ACTOR));
    done(&w.request(get("https://api.example.com/x")));

    let tokens = w.sent_to("/sdk/token");
    assert_eq!(tokens.len(), 3);
    let body: serde_json::Map<String, Value> = serde_json::from_str(tokens[0].body_text()).unwrap();
    let keys: Vec<&str> = body.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "provider_id",
            "reason",
            "request",
            "user_token",
            "app_user_id",
            "account",
            "label"
        ]
    );
    assert_eq!(body["user_token"], "jwt-1");
    assert_eq!(tokens[0].h("x-alter-caller"), Some("nightly"));
    assert!(tokens[0].h("x-alter-actor-id").is_none());
    assert!(
        tokens[1].h("x-alter-actor-id").is_none(),
        "nothing cached yet"
    );
    assert_eq!(tokens[2].h("x-alter-actor-id"), Some(ACTOR));
    assert_eq!(tokens[2].h("x-alter-caller"), Some("svc"));
    let audits = w.sent_to(AUDIT_PATH);
    assert_eq!(audits.len(), 3);
    assert_eq!(audits[0].h("x-alter-caller"), Some("svc"));
    // The user token travels in the token body only.
    for s in w.sent.iter().filter(|s| !s.x.url.ends_with("/sdk/token")) {
        assert!(!s.dump().contains("jwt-1"), "user token in {}", s.x.url);
    }
}

/// A credential injected into the query: the provider URL has it, the caller's Response shows
/// the caller's URL (shadow_url), and the audit row's URL (templated, no query) never has it.
#[test]
fn query_credential_injection() {
    let mut w = World::with(config());
    w.vault(
        "/sdk/token",
        vec![Resp::token(json!({"additional_injections": [
            {"target": "query_param", "key": "api_key", "value_source": "token"}
        ]}))],
    );
    let input = RequestInput {
        query: pairs(&[("q", "1")]),
        ..get("https://api.example.com/open")
    };
    done(&w.request(input));
    let p = &w.provider_calls()[0];
    assert!(
        p.x.url.contains(SECRET) || p.x.url.contains("SECRET"),
        "{}",
        p.x.url
    );
    assert!(
        p.x.url.starts_with("https://api.example.com/open?"),
        "{}",
        p.x.url
    );
    assert_eq!(
        p.x.shadow_url.as_deref(),
        Some("https://api.example.com/open?q=1")
    );
    let rows = w.audit_rows();
    assert_eq!(rows[0]["url"], "https://api.example.com/open");
    assert!(!rows[0].to_string().contains("SECRET"), "{}", rows[0]);

    // Without a query injection there is no shadow URL.
    let mut w = World::with(config());
    done(&w.request(RequestInput {
        query: pairs(&[("q", "1")]),
        ..get("https://api.example.com/open")
    }));
    assert_eq!(w.provider_calls()[0].x.shadow_url, None);
}

/// A provider that echoes the credential back (headers or body) never gets it into the row.
#[test]
fn echoed_credential_is_redacted_from_the_row() {
    let mut w = World::with(config());
    w.provider(vec![Resp::text(200, &format!("your token is {SECRET}"))
        .header("x-echo", &format!("Bearer {SECRET}"))
        .header("Authorization", SECRET)]);
    done(&w.request(RequestInput {
        headers: pairs(&[("X-Mine", SECRET)]),
        ..get("https://api.example.com/x")
    }));
    let row = &w.audit_rows()[0];
    assert!(!row.to_string().contains("SECRET"), "{row}");
    assert_eq!(w.logs.iter().filter(|(l, _)| *l == Level::Warn).count(), 0);
}

#[test]
fn audit_refusal_is_a_warning_only() {
    let mut w = World::with(config());
    w.vault(
        AUDIT_PATH,
        vec![Resp::json(
            403,
            "{\"detail\":{\"error\":\"x\",\"message\":\"row refused\"}}",
        )],
    );
    let end = w.request(get("https://api.example.com/x?token=abc"));
    done(&end);
    let warns = w.warns();
    assert_eq!(warns.len(), 1, "{warns:?}");
    assert!(warns[0].contains("refused (HTTP 403)"), "{}", warns[0]);
    assert!(
        !warns[0].contains("abc"),
        "the URL is redacted in the warning: {}",
        warns[0]
    );
    assert!(matches!(end, Action::Done { .. }));

    let mut w = World::with(config());
    w.vault(AUDIT_PATH, vec![Resp::Net("reset".into())]);
    done(&w.request(get("https://api.example.com/x")));
    assert!(
        w.warns()[0].starts_with("Audit log for a call to"),
        "{:?}",
        w.warns()
    );
}

/// §4.6: last_retry_info is set right after the token answer, so a failing provider call keeps it.
#[test]
fn last_retry_info_survives_a_provider_failure() {
    let mut w = World::with(config());
    w.vault(
        "/sdk/token",
        vec![Resp::token(
            json!({"retry_info": {"total_attempts": 2, "successful_attempt": 2, "errors": []}}),
        )],
    );
    w.provider(vec![Resp::status(500)]);
    assert_err(
        &w.request(get("https://api.example.com/x")),
        C::ProviderAPIError,
        "provider_error",
    );
    let last: Value = serde_json::from_str(&w.engine.client().last_retry_info().unwrap()).unwrap();
    assert_eq!(last["total_attempts"], 2);
    // A malformed retry_info is dropped, never fatal (§7.7).
    let mut w = World::with(config());
    w.vault(
        "/sdk/token",
        vec![Resp::token(json!({"retry_info": {"total_attempts": "x"}}))],
    );
    assert_eq!(
        retry_info(&w.request(get("https://api.example.com/x"))),
        Value::Null
    );
}

/// §4.3: the URL length is checked again after a query injection; a failure then sends nothing
/// to the provider and writes no audit row (§5.1).
#[test]
fn url_length_is_checked_again_after_injection() {
    let mut w = World::with(config());
    w.vault(
        "/sdk/token",
        vec![Resp::token(json!({"additional_injections": [
            {"target": "query_param", "key": "api_key", "value_source": "token"}
        ]}))],
    );
    let base = "https://api.example.com/";
    let url = format!("{base}{}", "a".repeat(65_536 - base.len() - 5));
    let e = assert_err(
        &w.request(get(&url)),
        C::AlterValueError,
        "invalid_argument",
    );
    assert!(!e.message.contains("SECRET"), "{}", e.message);
    assert_eq!(w.sent.len(), 1, "the token call only");
    assert!(w.jobs.is_empty(), "no audit row without a provider attempt");
    // The same URL without the injection goes through.
    let mut w = World::with(config());
    done(&w.request(get(&url)));
}

/// The driver stops a call the caller aborted before its next exchange by forgetting it: after
/// the token answer, that means no provider call and no audit row.
#[test]
fn forget_before_the_provider_call() {
    let mut w = World::with(config());
    let first = w.engine.request(get("https://api.example.com/x"), w.now);
    let o = w.perform(first.id, &first.action).unwrap();
    let s = w.engine.step(first.id, o, w.now);
    assert!(matches!(&s.action, Action::Send(x) if x.to == Peer::Provider));
    assert!(s.spawned.is_empty());
    w.engine.forget(s.id);
    assert_eq!(w.engine.in_flight(), 0);
}

#[test]
fn provider_mode_error_details() {
    let mut w = World::with(config());
    w.provider(vec![Resp::text(500, "x")]);
    let input = RequestInput {
        method: "GET".into(),
        url: "https://api.example.com/x".into(),
        provider: Some("google".into()),
        ..Default::default()
    };
    let e = assert_err(
        &w.request(input.clone()),
        C::ProviderAPIError,
        "provider_error",
    );
    assert_eq!(
        e.details["grant_id"],
        Value::Null,
        "the caller's argument: none in provider mode"
    );
    w.provider(vec![Resp::TimedOut]);
    let e = assert_err(&w.request(input), C::TimeoutError, "timeout");
    assert_eq!(e.details["grant_id"], Value::Null);
    // The rows carry the resolved grant.
    for row in w.audit_rows() {
        assert_eq!(row["grant_id"], GRANT);
    }
}

/// §3.5 / §4.5: the injected header replaces the caller's (any case) so exactly one goes out;
/// header injections from additional credentials never reach the row; the caller's own
/// Content-Type and User-Agent are kept, once.
#[test]
fn injection_rules() {
    let mut w = World::with(config());
    w.vault(
        "/sdk/token",
        vec![Resp::token(json!({
            "additional_credentials": {"api_key": "K-123-SECRET"},
            "additional_injections": [
                {"target": "header", "key": "X-Key", "value_source": "additional_credentials.api_key"},
                {"target": "header", "key": "X-Missing", "value_source": "additional_credentials.nope"}
            ]
        }))],
    );
    done(&w.request(RequestInput {
        method: "PUT".into(),
        json: Some("{\"a\":1}".into()),
        headers: pairs(&[
            ("authorization", "mine"),
            ("AUTHORIZATION", "also mine"),
            ("x-key", "caller"),
            ("Content-Type", "application/merge-patch+json"),
            ("User-Agent", "caller-ua/1"),
        ]),
        ..get("https://api.example.com/x")
    }));
    let p = &w.provider_calls()[0];
    let all = |name: &str| -> Vec<&str> {
        p.x.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(all("authorization"), [format!("Bearer {SECRET}").as_str()]);
    assert_eq!(all("x-key"), ["K-123-SECRET"]);
    assert!(
        all("x-missing").is_empty(),
        "a rule whose source is missing is skipped"
    );
    assert_eq!(all("content-type"), ["application/merge-patch+json"]);
    assert_eq!(all("user-agent"), ["caller-ua/1"]);
    let row = &w.audit_rows()[0];
    let text = row.to_string();
    assert!(!text.contains("K-123") && !text.contains("SECRET"), "{row}");
    assert!(row["request_headers"].get("x-key").is_none());
    assert_eq!(row["request_headers"]["User-Agent"], "caller-ua/1");
    for s in w.sent.iter().filter(|s| s.x.to == Peer::Vault) {
        assert!(
            !s.dump().contains("K-123"),
            "an additional credential reached the vault"
        );
    }
}

/// §3.5 SigV4 is not supported: it fails closed before anything is sent to the provider.
#[test]
fn sigv4_grant_fails_closed() {
    let mut w = World::with(config());
    w.vault(
        "/sdk/token",
        vec![Resp::token(json!({
            "injection_format": "AWS4-HMAC-SHA256 Credential={token}",
            "additional_credentials": {"secret_access_key": "AWS-SECRET"}
        }))],
    );
    let e = assert_err(
        &w.request(get("https://api.example.com/x")),
        C::BackendError,
        "unsupported",
    );
    assert!(!format!("{e:?}").contains("AWS-SECRET"));
    assert_eq!(w.sent.len(), 1);
    assert!(w.jobs.is_empty());
}

/// §7.6 draft-11 fallback: reset = the clock when the answer arrived + t. §8.4: an upper-case
/// actor id is stored and sent back as received (and bound in V2: the fake vault verifies it).
#[test]
fn rate_limit_fallback_and_actor_case() {
    let upper = "7A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D";
    let mut w = World::with(ClientConfig {
        timeout_ms: Some(10_000.0),
        ..config()
    });
    w.vault(
        "/sdk/token",
        vec![Resp::json(200, &token_json(json!({})))
            .header("x-alter-actor-id", upper)
            .header("RateLimit-Policy", "\"default\";q=100;w=60")
            .header("RateLimit", "\"default\";r=5;t=30")
            .delay(5000.0 - 1.0)],
    );
    done(&w.request(get("https://api.example.com/x")));
    let answered_s = ((T0_MS + 4999.0) / 1000.0) as u64;
    assert_eq!(
        w.engine.last_rate_limit(),
        Some(RateLimit {
            limit: 100,
            remaining: 5,
            reset_at: answered_s + 30
        })
    );
    assert_eq!(w.engine.client().actor_id().as_deref(), Some(upper));
    done(&w.request(get("https://api.example.com/x")));
    assert_eq!(
        w.sent_to("/sdk/token")[1].h("x-alter-actor-id"),
        Some(upper)
    );
}
