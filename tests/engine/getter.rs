//! The userTokenGetter path: the driver is asked for the token only once the local checks passed,
//! and an empty token fails the call.

use crate::harness::*;
use alter_edge::action::{Action, Outcome};
use alter_edge::request::RequestInput;
use alter_protocol::ErrorClass as C;

fn provider_mode() -> RequestInput {
    RequestInput {
        method: "GET".into(),
        url: "https://api.example.com/x".into(),
        provider: Some("google".into()),
        token_from_getter: true,
        ..Default::default()
    }
}

#[test]
fn getter_is_asked_after_the_local_checks() {
    let mut w = World::with(config());
    w.user_token = "jwt-9".into();
    let first = w.engine.request(provider_mode(), w.now);
    assert_eq!(first.action, Action::ResolveToken);
    assert!(w.sent.is_empty());
    assert_eq!(w.engine.in_flight(), 1);
    done(&w.drive(first));
    assert_eq!(w.resolves, 1);
    let token = &w.sent_to("/sdk/token")[0];
    assert_eq!(token.body_json()["user_token"], "jwt-9");
    for s in w.sent.iter().filter(|s| !s.x.url.ends_with("/sdk/token")) {
        assert!(!s.dump().contains("jwt-9"), "user token in {}", s.x.url);
    }

    // A request that fails a local check never calls the getter.
    let mut w = World::with(config());
    let bad = RequestInput {
        url: "http://api.example.com/x".into(),
        ..provider_mode()
    };
    assert_err(&w.request(bad), C::AlterValueError, "invalid_argument");
    let bad = RequestInput {
        label: Some(String::new()),
        ..provider_mode()
    };
    assert_err(&w.request(bad), C::AlterValueError, "invalid_argument");
    assert_eq!(w.resolves, 0);
    assert!(w.sent.is_empty());

    // An explicit userToken wins: no getter call.
    let mut w = World::with(config());
    done(&w.request(RequestInput {
        user_token: Some("given".into()),
        ..provider_mode()
    }));
    assert_eq!(w.resolves, 0);
    assert_eq!(
        w.sent_to("/sdk/token")[0].body_json()["user_token"],
        "given"
    );
}

#[test]
fn empty_getter_token_fails() {
    let mut w = World::with(config());
    w.user_token = String::new();
    assert_err(
        &w.request(provider_mode()),
        C::AlterSDKError,
        "user_token_getter_failed",
    );
    assert_eq!(w.resolves, 1);
    assert!(w.sent.is_empty());
    assert_eq!(w.engine.in_flight(), 0);

    // Any other outcome while waiting for the getter ends the call too (nothing leaks).
    for o in [
        Outcome::Woke,
        Outcome::TimedOut,
        Outcome::Aborted,
        Outcome::NetworkError("x".into()),
    ] {
        let w = World::with(config());
        let first = w.engine.request(provider_mode(), w.now);
        let s = w.engine.step(first.id, o.clone(), w.now);
        assert!(matches!(s.action, Action::Fail(_)), "{o:?}: {:?}", s.action);
        assert_eq!(w.engine.in_flight(), 0);
    }
}
