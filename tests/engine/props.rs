//! Property: whatever outcomes the driver reports, in whatever order, for whichever live call or
//! job, at whatever clock reading, the engine never panics; a call never answers like a job (End)
//! nor a job like a call (Done / Fail / ResolveToken); and once every live id is answered
//! sensibly, everything ends and the engine holds no machine.

use crate::harness::*;
use alter_edge::action::{Action, BodyState, Captured, Outcome, Step};
use alter_edge::call::CallInput;
use alter_edge::client::ClientConfig;
use alter_edge::engine::Engine;
use alter_edge::request::RequestInput;
use proptest::prelude::*;
use serde_json::json;
use std::collections::HashMap;

#[derive(Debug, Clone)]
enum Pick {
    Received {
        status: u16,
        body: u8,
        state: u8,
        headers: u8,
    },
    TimedOut,
    Aborted,
    Net,
    Woke,
    Token(bool),
    Body(u8),
    Forget,
    Stale,
}

fn pick() -> impl Strategy<Value = Pick> {
    let statuses = prop::sample::select(vec![
        200u16, 201, 204, 302, 400, 401, 403, 404, 409, 410, 429, 500, 502, 503, 504,
    ]);
    prop_oneof![
        6 => (statuses, 0u8..6, 0u8..3, 0u8..4)
            .prop_map(|(status, body, state, headers)| Pick::Received { status, body, state, headers }),
        1 => Just(Pick::TimedOut),
        1 => Just(Pick::Aborted),
        1 => Just(Pick::Net),
        2 => Just(Pick::Woke),
        1 => any::<bool>().prop_map(Pick::Token),
        2 => (0u8..3).prop_map(Pick::Body),
        1 => Just(Pick::Forget),
        1 => Just(Pick::Stale),
    ]
}

fn clock() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => (0u32..5000).prop_map(f64::from),
        1 => Just(-1.0e9),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(1.0e300),
    ]
}

fn body(kind: u8) -> Vec<u8> {
    match kind {
        0 => token_json(json!({})).into_bytes(),
        1 => token_json(json!({"additional_injections": [
            {"target": "query_param", "key": "k", "value_source": "token"}
        ], "scope_mismatch": true}))
        .into_bytes(),
        2 => b"{\"detail\":{\"error\":\"token_refresh_in_progress\"}}".to_vec(),
        3 => b"{\"detail\":{\"error\":\"rate_limit_exceeded\",\"retry_after\":1}}".to_vec(),
        4 => vec![0xff, 0xfe, b'{'],
        _ => Vec::new(),
    }
}

fn outcome(p: &Pick) -> Option<Outcome> {
    Some(match p {
        Pick::Received {
            status,
            body: b,
            state,
            headers,
        } => {
            let mut h = vec![("content-type".to_string(), "application/json".to_string())];
            if *headers & 1 == 1 {
                h.push(("x-alter-actor-id".into(), ACTOR.into()));
                h.push(("retry-after".into(), "1".into()));
            }
            if *headers & 2 == 2 {
                h.push((
                    "www-authenticate".into(),
                    "Bearer error=\"insufficient_scope\", scope=\"a\"".into(),
                ));
                h.push(("content-length".into(), "99999".into()));
            }
            Outcome::Received {
                status: *status,
                headers: h,
                body: match state {
                    0 => BodyState::Complete(body(*b)),
                    1 => BodyState::NotRead,
                    _ => BodyState::Pending,
                },
            }
        }
        Pick::TimedOut => Outcome::TimedOut,
        Pick::Aborted => Outcome::Aborted,
        Pick::Net => Outcome::NetworkError("reset".into()),
        Pick::Woke => Outcome::Woke,
        Pick::Token(t) => Outcome::Token(if *t { "jwt".into() } else { String::new() }),
        Pick::Body(0) => Outcome::Body(Captured::Whole(b"err".to_vec())),
        Pick::Body(1) => Outcome::Body(Captured::Over),
        Pick::Body(_) => Outcome::Body(Captured::Unavailable),
        Pick::Forget | Pick::Stale => return None,
    })
}

fn start(e: &Engine, kind: u8, now: f64) -> Step {
    let req = |i: RequestInput| e.request(i, now);
    match kind {
        0 => req(get("https://api.example.com/x")),
        1 => req(RequestInput {
            method: "POST".into(),
            json: Some("{\"a\":1}".into()),
            query: pairs(&[("q", "1")]),
            context: pairs(&[("k", "v")]),
            caller: Some("night".into()),
            ..get("https://api.example.com/x")
        }),
        2 => req(RequestInput {
            method: "GET".into(),
            url: "https://api.example.com/x".into(),
            provider: Some("google".into()),
            token_from_getter: true,
            ..Default::default()
        }),
        3 => e.call(call_input("GET", "/sdk/agents"), now),
        4 => e.call(
            CallInput {
                body: Some("{}".into()),
                mapper: Some("proxy".into()),
                ..call_input("POST", "/sdk/proxy")
            },
            now,
        ),
        _ => e.call(
            CallInput {
                mapper: Some("agents".into()),
                ..call_input("POST", "/sdk/agents")
            },
            now,
        ),
    }
}

struct Live {
    /// id → (is a job, its last action)
    ids: HashMap<u32, (bool, Action)>,
    order: Vec<u32>,
}

impl Live {
    fn take(&mut self, step: Step, job: bool) {
        let _ = step.to_json(); // the boundary's serialisation never panics either
        let terminal = match &step.action {
            Action::Done { .. } | Action::Fail(_) => {
                assert!(!job, "job {} answered {:?}", step.id, step.action);
                true
            }
            Action::End => {
                assert!(job, "call {} answered End", step.id);
                true
            }
            Action::ResolveToken => {
                assert!(!job, "a job asked for the user token");
                false
            }
            _ => false,
        };
        for s in step.spawned {
            self.take(s, true);
        }
        if terminal {
            self.ids.remove(&step.id);
            self.order.retain(|i| *i != step.id);
        } else {
            if !self.ids.contains_key(&step.id) {
                self.order.push(step.id);
            }
            self.ids.insert(step.id, (job, step.action));
        }
    }
}

fn sensible(a: &Action) -> Outcome {
    match a {
        Action::Send(_) => Outcome::TimedOut,
        Action::Sleep { .. } => Outcome::Woke,
        Action::ResolveToken => Outcome::Token("jwt".into()),
        Action::ReadBody => Outcome::Body(Captured::Unavailable),
        other => panic!("not a live action: {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_outcomes_never_panic_and_always_end(
        kind in 0u8..6,
        max_retries in 0u8..4,
        script in prop::collection::vec((any::<prop::sample::Index>(), pick(), clock()), 0..40),
    ) {
        let e = engine(ClientConfig { max_retries: Some(f64::from(max_retries)), ..config() });
        let mut now = T0_MS;
        let mut live = Live { ids: HashMap::new(), order: Vec::new() };
        live.take(start(&e, kind, now), false);
        for (n, (which, p, jump)) in script.iter().enumerate() {
            now = if jump.is_finite() && *jump >= 0.0 && *jump < 1e6 { now + jump } else { *jump };
            if live.order.is_empty() {
                break;
            }
            let id = live.order[which.index(live.order.len())];
            match p {
                Pick::Forget => {
                    e.forget(id);
                    live.ids.remove(&id);
                    live.order.retain(|i| *i != id);
                }
                Pick::Stale => {
                    let s = e.step(1_000_000 + n as u32, Outcome::Woke, now);
                    prop_assert!(matches!(s.action, Action::Fail(_)));
                }
                p => {
                    let job = live.ids[&id].0;
                    let s = e.step(id, outcome(p).unwrap(), now);
                    prop_assert_eq!(s.id, id);
                    live.take(s, job);
                }
            }
        }
        // Settle: answer every live id sensibly until nothing is left.
        let mut now = T0_MS + 1.0e7;
        for _ in 0..500 {
            let Some(&id) = live.order.first() else { break };
            let (job, action) = live.ids[&id].clone();
            now += 1.0;
            let s = e.step(id, sensible(&action), now);
            live.take(s, job);
        }
        prop_assert!(live.order.is_empty(), "still live: {:?}", live.ids);
        prop_assert_eq!(e.in_flight(), 0);
    }
}

fn vault_resp() -> impl Strategy<Value = Resp> {
    prop_oneof![
        3 => Just(Resp::token(json!({}))),
        1 => Just(Resp::status(503)),
        1 => Just(Resp::status(502)),
        1 => Just(Resp::status(504)),
        1 => Just(Resp::status(500)),
        1 => Just(Resp::json(409, "{\"detail\":{\"error\":\"token_refresh_in_progress\"}}")),
        1 => Just(Resp::json(429, "{\"detail\":{\"error\":\"rate_limit_exceeded\"}}").header("retry-after", "1")),
        1 => Just(Resp::json(404, "{\"detail\":{\"error\":\"grant_not_found\"}}")),
        1 => Just(Resp::Net("reset".into())),
        1 => Just(Resp::TimedOut),
        1 => Just(Resp::Aborted),
        1 => Just(Resp::text(200, "garbage")),
    ]
    .prop_flat_map(|r| (Just(r), prop::sample::select(vec![0.0, 10.0, 400.0, 1500.0, 2500.0])))
    .prop_map(|(r, d)| r.delay(d))
}

fn provider_resp() -> impl Strategy<Value = Resp> {
    let status = prop::sample::select(vec![200u16, 204, 302, 401, 403, 404, 500, 503]);
    let body = prop_oneof![
        Just(Body::Complete(b"ok".to_vec())),
        Just(Body::NotRead),
        Just(Body::Pending(Captured::Whole(b"late".to_vec()))),
        Just(Body::Pending(Captured::Over)),
        Just(Body::Pending(Captured::Unavailable)),
    ];
    prop_oneof![
        6 => (status, body, any::<bool>()).prop_map(|(s, b, challenge)| {
            let r = Resp::status(s).body(b).header("content-length", "99999");
            if challenge {
                r.header("www-authenticate", "Bearer error=\"insufficient_scope\", scope=\"a\"")
            } else {
                r
            }
        }),
        1 => Just(Resp::TimedOut),
        1 => Just(Resp::Aborted),
        1 => Just(Resp::Net("reset".into())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Over a well-behaved driver and a randomly failing vault and provider: every call ends;
    /// token attempts stay within 1 + maxRetries and the timeout budget; the provider is called
    /// at most once, and every provider attempt gets exactly one audit row; nothing leaks.
    #[test]
    fn scripted_requests_keep_the_invariants(
        max_retries in 0u8..4,
        token in prop::collection::vec(vault_resp(), 1..6),
        provider in provider_resp(),
        audit in vault_resp(),
        kind in 0u8..3,
    ) {
        let mut w = World::with(ClientConfig { max_retries: Some(f64::from(max_retries)), ..config() });
        w.vault("/sdk/token", token);
        w.vault(AUDIT_PATH, vec![audit]);
        w.provider(vec![provider]);
        let input = match kind {
            0 => get("https://api.example.com/x"),
            1 => RequestInput { method: "POST".into(), json: Some("[1]".into()), ..get("https://api.example.com/x") },
            _ => RequestInput {
                method: "GET".into(),
                url: "https://api.example.com/x".into(),
                provider: Some("google".into()),
                token_from_getter: true,
                ..Default::default()
            },
        };
        let start = w.now;
        let end = w.request(input); // asserts in_flight() == 0
        let tokens = w.sent_to("/sdk/token");
        prop_assert!(!tokens.is_empty());
        prop_assert!(tokens.len() <= 1 + max_retries as usize);
        prop_assert_eq!(w.sleeps.len(), tokens.len() - 1);
        let token_start = tokens[0].at_ms;
        for t in &tokens {
            prop_assert!(t.at_ms - token_start + t.x.timeout_ms <= TIMEOUT_MS + 0.01);
        }
        let providers = w.provider_calls().len();
        prop_assert!(providers <= 1);
        prop_assert_eq!(w.sent_to(AUDIT_PATH).len(), providers, "one row per provider attempt");
        prop_assert!(w.sent_to("/report-scope-mismatch").len() <= providers);
        if matches!(end, Action::Done { .. }) {
            prop_assert_eq!(providers, 1);
        }
        prop_assert!(w.now >= start);
    }
}
