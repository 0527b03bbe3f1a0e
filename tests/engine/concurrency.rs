//! Many calls in flight in one engine, advanced in a scrambled order (as concurrent requests
//! are): each keeps its own state, its own provider call and its own audit row.

use crate::harness::*;
use alter_edge::action::{Action, Peer, Step};
use alter_edge::call::CallInput;
use std::collections::{HashMap, VecDeque};

#[test]
fn interleaved_calls_do_not_mix() {
    // Room for retries: the shared clock advances with every call's sleeps.
    let mut w = World::with(alter_edge::client::ClientConfig {
        max_retries: Some(10.0),
        timeout_ms: Some(600_000.0),
        ..config()
    });
    // Every third token attempt is a 503 (retried), so sleeps interleave with sends.
    let mut script = Vec::new();
    for i in 0..200 {
        script.push(if i % 3 == 1 {
            Resp::status(503)
        } else {
            Resp::token(serde_json::json!({}))
        });
    }
    w.vault("/sdk/token", script);
    let n = 40;
    for i in 0..n {
        let status = if i % 5 == 0 { 500 } else { 200 };
        w.route(
            Peer::Provider,
            &format!("/x{i:02}"),
            vec![Resp::text(status, &format!("b{i:02}"))],
        );
    }
    let mut live: Vec<Step> = Vec::new();
    let mut kind: HashMap<u32, (usize, bool)> = HashMap::new(); // id → (i, is a request)
    for i in 0..n {
        let step = if i % 4 == 3 {
            w.engine.call(
                CallInput {
                    body: Some(format!("{{\"i\":{i}}}")),
                    ..call_input("PUT", &format!("/sdk/agents/a{i:02}"))
                },
                w.now,
            )
        } else {
            w.engine
                .request(get(&format!("https://api.example.com/x{i:02}")), w.now)
        };
        kind.insert(step.id, (i, i % 4 != 3));
        live.push(step);
    }
    assert_eq!(w.engine.in_flight(), n);
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    let mut ends: HashMap<u32, Action> = HashMap::new();
    let mut guard = 0;
    while !live.is_empty() {
        guard += 1;
        assert!(guard < 10_000);
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut step = live.swap_remove((seed % live.len() as u64) as usize);
        let mut spawned = VecDeque::new();
        w.absorb(&mut step, &mut spawned);
        live.extend(spawned);
        match w.perform(step.id, &step.action) {
            None => {
                ends.insert(step.id, step.action);
            }
            Some(o) => live.push(w.engine.step(step.id, o, w.now)),
        }
    }
    assert_eq!(w.engine.in_flight(), 0);
    for (id, (i, request)) in &kind {
        let end = ends.get(id).expect("every call ended");
        if *request && i % 5 == 0 {
            let e = err(end);
            assert_eq!(e.fields["response_body"], format!("b{i:02}"));
            assert_eq!(e.details["url"], format!("https://api.example.com/x{i:02}"));
        } else if *request {
            done(end);
        } else {
            assert_eq!(done(end)["status"], 200);
        }
    }
    let requests = kind.values().filter(|(_, r)| *r).count();
    assert_eq!(w.provider_calls().len(), requests);
    let rows = w.audit_rows();
    assert_eq!(rows.len(), requests);
    for row in &rows {
        let url = row["url"].as_str().unwrap();
        let i = &url[url.len() - 2..];
        assert_eq!(row["response_body"], format!("b{i}"), "row of {url}");
    }
    // Each provider call went to its own URL once.
    let mut urls: Vec<&str> = w
        .provider_calls()
        .iter()
        .map(|s| s.x.url.as_str())
        .collect();
    urls.sort();
    urls.dedup();
    assert_eq!(urls.len(), requests);
    // Namespace bodies stayed with their calls.
    for s in w.sent_to("/sdk/agents/") {
        let i: usize = s.x.url[s.x.url.len() - 2..].parse().unwrap();
        assert_eq!(s.body_text(), format!("{{\"i\":{i}}}"));
    }
    assert!(!w.sleeps.is_empty());
}
