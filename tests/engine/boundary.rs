//! The JSON each step becomes at the wasm boundary (`Step::to_json`), field by field as
//! js/core/driver.js and fetch.js read them.

use crate::harness::*;
use alter_edge::action::{Action, Failure, Peer, Step};
use alter_edge::client::ClientConfig;
use alter_edge::request::RequestInput;
use serde_json::{json, Value};

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn step_json_shapes() {
    let mut w = World::with(ClientConfig {
        caller: Some("svc".into()),
        ..config()
    });
    w.vault(
        "/sdk/token",
        vec![
            Resp::status(503),
            Resp::token(json!({"additional_injections": [
                {"target": "query_param", "key": "k", "value_source": "token"}
            ]}))
            .header("x-alter-key-deprecated", "true"),
        ],
    );
    w.provider(vec![
        Resp::text(403, "no").header("www-authenticate", "Bearer error=\"insufficient_scope\"")
    ]);
    let end = w.request(RequestInput {
        method: "POST".into(),
        json: Some("{}".into()),
        query: pairs(&[("q", "1")]),
        ..get("https://api.example.com/x")
    });
    assert!(matches!(end, Action::Fail(_)));
    let s = &w.steps_json;
    let kinds: Vec<&str> = s.iter().map(|v| v["a"].as_str().unwrap()).collect();
    // token, sleep, token, provider (fail comes after), then the two jobs: send, end each.
    assert_eq!(
        kinds,
        ["send", "sleep", "send", "send", "fail", "send", "end", "send", "end"]
    );

    let token = &s[0];
    assert_eq!(
        keys(token),
        ["id", "a", "to", "method", "url", "headers", "body", "ms"]
    );
    assert_eq!(token["to"], "vault");
    assert_eq!(token["ms"], TIMEOUT_MS);
    assert!(token["headers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p.as_array().unwrap().len() == 2));
    let sleep = &s[1];
    assert_eq!(keys(sleep), ["id", "a", "ms"]);
    assert_eq!(sleep["id"], token["id"]);
    let second = &s[2];
    assert_eq!(
        keys(second),
        ["id", "a", "to", "method", "url", "headers", "body", "ms", "log"]
    );
    assert_eq!(second["log"][0][0], "debug");
    let provider = &s[3];
    assert_eq!(
        keys(provider),
        [
            "id",
            "a",
            "to",
            "method",
            "url",
            "headers",
            "callerBody",
            "ms",
            "capture",
            "shadowUrl",
            "provider",
            "log"
        ]
    );
    assert_eq!(provider["to"], "provider");
    assert_eq!(provider["callerBody"], true);
    assert_eq!(provider["capture"], alter_edge::audit::CAPTURE_LIMIT);
    assert_eq!(provider["shadowUrl"], "https://api.example.com/x?q=1");
    assert_eq!(provider["log"][0][0], "warn", "the deprecation warning");
    let fail = &s[4];
    assert_eq!(keys(fail), ["id", "a", "error", "spawn"]);
    assert_eq!(fail["error"]["class"], "ScopeReauthRequiredError");
    assert_eq!(
        keys(&fail["error"]),
        ["class", "code", "message", "status", "details", "fields"]
    );
    let spawn = fail["spawn"].as_array().unwrap();
    assert_eq!(spawn.len(), 2);
    assert_ne!(spawn[0]["id"], fail["id"]);
    assert_eq!(spawn[0]["a"], "send");
    assert!(spawn[0]["url"].as_str().unwrap().ends_with(AUDIT_PATH));
    assert!(!s
        .iter()
        .any(|v| v.to_string().contains("SECRET") && v["to"] == "vault"));
    let end = &s[6];
    assert_eq!(keys(end), ["id", "a"]);
    let report_end = &s[8];
    assert_eq!(keys(report_end), ["id", "a", "log"]);
}

#[test]
fn done_aborted_token_and_read_json() {
    let mut w = World::with(config());
    w.provider(vec![
        Resp::status(200).body(Body::Pending(alter_edge::action::Captured::Over))
    ]);
    let end = w.request(get("https://api.example.com/x"));
    done(&end);
    let done_step = w.steps_json.iter().find(|v| v["a"] == "done").unwrap();
    assert_eq!(keys(done_step), ["id", "a", "result", "spawn"]);
    assert_eq!(done_step["result"], json!({"retryInfo": null}));
    assert_eq!(done_step["spawn"][0]["a"], "read");
    assert_eq!(keys(&done_step["spawn"][0]), ["id", "a"]);

    let s = Step::new(7, Action::Fail(Failure::Aborted));
    assert_eq!(s.to_json(), r#"{"id":7,"a":"fail","aborted":true}"#);
    assert_eq!(
        Step::new(8, Action::ResolveToken).to_json(),
        r#"{"id":8,"a":"token"}"#
    );
    let _ = Peer::Vault;
}
