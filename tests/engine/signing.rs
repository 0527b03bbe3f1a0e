//! Every signed vault exchange verifies at the fake vault, whatever identity, context,
//! constraints, method, path and body the call carries.

use crate::harness::*;
use alter_edge::action::{Action, Peer};
use alter_edge::call::CallInput;
use alter_edge::client::ClientConfig;
use alter_edge::engine::Engine;
use alter_edge::request::RequestInput;
use proptest::prelude::*;

fn caller() -> impl Strategy<Value = String> {
    // Printable ASCII (§1.5) without whitespace at either end: see
    // caller_with_edge_whitespace_cannot_verify for those.
    "[!-~]([ -~]{0,18}[!-~])?"
}

fn context() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(("[a-z_]{1,8}", "\\PC{0,12}"), 0..4)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn request_exchanges_verify(
        ctor_caller in proptest::option::of(caller()),
        agent_type in any::<bool>(),
        over in proptest::option::of(caller()),
        ctx in context(),
        tp in prop::sample::select(vec![None, Some(TRACEPARENT), Some("garbage")]),
        scopes in proptest::option::of("[A-Za-z0-9_.:-]{1,30}"),
        rule in proptest::option::of("[A-Za-z0-9_-]{1,30}"),
        reason in proptest::option::of("\\PC{0,20}"),
        warm in any::<bool>(),
        json in proptest::option::of("\\PC{0,20}"),
    ) {
        let mut w = World::with(ClientConfig {
            caller: ctor_caller.clone(),
            caller_type: Some(if agent_type { "agent" } else { "service" }.into()),
            ..config()
        });
        if warm {
            done(&w.request(get("https://api.example.com/warm"))); // caches the actor id
        }
        // A provider 403 with a challenge: token, audit and scope report all go out.
        w.provider(vec![Resp::text(403, "x").header("www-authenticate", "Bearer error=\"insufficient_scope\"")]);
        let input = RequestInput {
            method: if json.is_some() { "POST" } else { "GET" }.into(),
            caller: over.clone(),
            context: ctx,
            traceparent: tp.map(str::to_string),
            scope_constraints: scopes,
            request_rule: rule,
            reason,
            json: json.map(|s| serde_json::Value::from(s).to_string()),
            ..get("https://api.example.com/x")
        };
        let before = w.sent.len();
        match w.request(input) {
            Action::Fail(alter_edge::action::Failure::Error(e)) if w.sent.len() == before => {
                // Refused locally (duplicate or oversized context): nothing sent.
                prop_assert_eq!(e.code.as_str(), "invalid_argument");
            }
            end => {
                prop_assert_eq!(err(&end).class, alter_protocol::ErrorClass::ScopeReauthRequiredError);
                prop_assert_eq!(w.sent_to("/report-scope-mismatch").len(), 1);
                prop_assert_eq!(w.audit_rows().len(), 1 + usize::from(warm));
            }
        }
        // (every vault exchange was verified by the harness as it was performed)
        prop_assert!(w.sent.iter().filter(|s| s.x.to == Peer::Vault).all(|s| s.h("x-alter-context").is_none_or(|c| c.is_ascii())));
    }

    #[test]
    fn call_exchanges_verify(
        over in proptest::option::of(caller()),
        ctx in context(),
        method in prop::sample::select(vec!["get", "POST", "put", "DELETE", "PATCH", "purge"]),
        path in "/sdk/[a-z0-9/%._~-]{0,16}(\\?([a-z+%0-9]{0,4}=[a-zA-Z0-9+%/]{0,6}&?){0,3})?",
        body in proptest::option::of("\\PC{0,30}"),
        actor in any::<bool>(),
    ) {
        let mut w = World::with(ClientConfig { caller: Some("svc".into()), ..config() });
        done(&w.request(get("https://api.example.com/warm")));
        let end = w.call(CallInput {
            caller: over,
            context: ctx,
            body,
            actor_headers: actor,
            ..call_input(method, &path)
        });
        let sent = w.sent.len();
        if let Action::Fail(f) = &end {
            prop_assert_eq!(sent, 2, "only local refusals fail here: {:?}", f);
        }
    }
}

/// A caller label with a space at either end would be signed as given, but every HTTP stack the
/// value crosses drops edge whitespace from a field value (fetch's Headers normalisation,
/// httparse on the server), so the vault would verify a different caller: it is refused locally.
#[test]
fn caller_with_edge_whitespace_cannot_verify() {
    let mut broken = Vec::new();
    for caller in ["billing ", " billing"] {
        // The constructor caller...
        if let Ok(e) = Engine::new(ClientConfig {
            caller: Some(caller.into()),
            ..config()
        }) {
            let mut w = World::new(e);
            if let Some(f) = first_exchange_fails(&mut w, get("https://api.example.com/x")) {
                broken.push(format!("constructor caller {caller:?}: {f}"));
            }
        }
        // ... and the per-call override.
        let mut w = World::with(config());
        let input = RequestInput {
            caller: Some(caller.into()),
            ..get("https://api.example.com/x")
        };
        if let Some(f) = first_exchange_fails(&mut w, input) {
            broken.push(format!("caller override {caller:?}: {f}"));
        }
    }
    assert!(
        broken.is_empty(),
        "accepted, then refused by the vault: {broken:#?}"
    );
}

/// The verifier's failure code when the first action is a vault exchange that does not verify.
fn first_exchange_fails(w: &mut World, input: RequestInput) -> Option<&'static str> {
    let first = w.engine.request(input, w.now);
    w.engine.forget(first.id);
    match &first.action {
        Action::Send(x) => w.verify_result(x).err().map(|e| e.code()),
        _ => None, // refused locally: fine
    }
}

/// Same class: a scope-constraints value with edge whitespace loses it on the way, and a Latin-1
/// character travels as one byte (fetch's ByteString, node:http's latin1) that the server does
/// not decode back to the signed UTF-8. Both the encoder and the engine refuse such values.
#[test]
fn scope_constraints_that_cannot_verify() {
    let mut broken = Vec::new();
    for scope in ["read ", " read", "caf\u{e9}.read"] {
        if let Ok(value) = alter_protocol::context::scope_constraints_header(&[scope.to_string()]) {
            broken.push(format!("encodeScopeConstraints accepted {scope:?} as {value:?}"));
        }
        // A value that did not come from the encoder is checked by the engine too.
        let value = scope.to_string();
        let mut w = World::with(config());
        let input = RequestInput {
            scope_constraints: Some(value),
            ..get("https://api.example.com/x")
        };
        if let Some(f) = first_exchange_fails(&mut w, input) {
            broken.push(format!("scope {scope:?}: {f}"));
        }
    }
    assert!(
        broken.is_empty(),
        "accepted, then refused by the vault: {broken:#?}"
    );
}
