//! `blocked_destination` (protocol-core §4.3, §7.2, §11): a grant's credential goes only to its
//! provider's `allowed_hosts` or to the vault's own mock of that provider, on `/sdk/token` and
//! `/sdk/proxy`, with the spec's 422 shape that the SDK maps to `BlockedDestinationError`.

mod common;

use alter_dev_vault::{router, Config, Vault};
use common::*;
use serde_json::{json, Value};

const GOOGLE: &str = "06"; // system google grant
const GITHUB: &str = "05"; // alice's github grant
const DROPBOX: &str = "08"; // provider without allowed_hosts

async fn token(t: &TestVault, nn: &str, url: &str) -> Answer {
    call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_grant(&grant(nn), url), FULL_KEY)).await
}

fn assert_blocked(a: &Answer, what: &str) {
    assert_eq!(a.status.as_u16(), 422, "{what}: {}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.code(), "blocked_destination", "{what}");
    assert!(a.json()["detail"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}");
    assert!(!String::from_utf8_lossy(&a.body).contains("ya29."), "{what}: a credential in the refusal");
}

#[tokio::test]
async fn allowed_hosts_and_the_own_mock_get_a_token() {
    let t = vault();
    let allowed = [
        "https://www.googleapis.com/calendar/v3/events",
        "https://gmail.googleapis.com/gmail/v1/users/me",
        "https://a.b.googleapis.com/x",
        "https://WWW.GoogleAPIs.COM/x",
        "https://www.googleapis.com./x",
        "https://www.googleapis.com:443/x",
        "https://www.googleapis.com:/x",
        "HTTPS://www.googleapis.com?q=1",
        "http://127.0.0.1:9/mock/google/calendar/v3/events?a=1",
        "http://127.0.0.1:9/mock/google",
    ];
    for url in allowed {
        let a = token(&t, GOOGLE, url).await;
        assert_eq!(a.status, 200, "{url}: {}", String::from_utf8_lossy(&a.body));
        assert_eq!(a.json()["grant_id"], grant(GOOGLE));
    }
    assert_eq!(token(&t, GITHUB, "https://api.github.com/repos/a/b").await.status, 200);
    assert_eq!(token(&t, DROPBOX, &mock_url("dropbox")).await.status, 200);
}

#[tokio::test]
async fn other_hosts_ports_and_url_tricks_are_blocked() {
    let t = vault();
    let blocked = [
        // Hosts the provider does not list, including look-alikes and the apex of a wildcard.
        "https://evil.example/x",
        "https://googleapis.com/x",
        "https://www.googleapis.com.evil.example/x",
        "https://wwwXgoogleapis.com/x",
        "https://api.github.com/x",
        // Ports: an entry without a port means 443 only.
        "https://www.googleapis.com:8443/x",
        "https://www.googleapis.com:0/x",
        // Userinfo: the host is what follows the last @.
        "https://www.googleapis.com@evil.example/x",
        "https://www.googleapis.com:443@evil.example/x",
        "https://user:pw@www.googleapis.com/x",
        // What a URL parser would rewrite: backslashes, tabs, newlines, spaces, escapes.
        "https://evil.example\\@www.googleapis.com/x",
        "https://www.googleapis.com\\.evil.example/x",
        "https://evil.example\t.www.googleapis.com/x",
        "https://www.google\napis.com/x",
        "https://www.googleapis.com%2Eevil.example/x",
        "https://%77ww.googleapis.com/x",
        // Non-ASCII hosts (IDNA): only the xn-- form is compared.
        "https://www.googleаpis.com/x",
        "https://ｗｗｗ.googleapis.com/x",
        // Trailing dots beyond one, empty labels.
        "https://www.googleapis.com../x",
        "https://www..googleapis.com/x",
        // Shorthand IPv4 and plain http to a remote host.
        "https://127.1/x",
        "https://0x7f.0.0.1/x",
        "http://www.googleapis.com/x",
        "ftp://www.googleapis.com/x",
        "//www.googleapis.com/x",
        "www.googleapis.com",
        "",
    ];
    for url in blocked {
        assert_blocked(&token(&t, GOOGLE, url).await, url);
    }
    // A provider without allowed_hosts has its own mock and nothing else.
    assert_blocked(&token(&t, DROPBOX, "https://api.dropboxapi.com/2/files").await, "dropbox remote");
}

#[tokio::test]
async fn the_vault_address_serves_only_the_grant_own_mock() {
    let t = vault();
    let blocked = [
        // Another provider's mock, also through dot segments a URL parser would resolve.
        "http://127.0.0.1:9/mock/github/x",
        "http://127.0.0.1:9/mock/google/../github/x",
        "http://127.0.0.1:9/mock/google/%2e%2E/github/x",
        "http://127.0.0.1:9/mock/google/./x",
        "http://127.0.0.1:9/mock/Google/x",
        "http://127.0.0.1:9/mock/google%2Fx",
        // The vault's other endpoints (/admin/ URLs meet the demo's deny policy first).
        "http://127.0.0.1:9/approvals/x",
        "http://127.0.0.1:9/idp/.well-known/jwks.json",
        "http://127.0.0.1:9/sdk/token",
        // Another loopback port, or the mock under a name other than the listening address.
        "http://127.0.0.1:10/mock/google/x",
        "http://127.0.0.1/mock/google/x",
        "http://localhost:9/mock/google/x",
        "http://[::1]:9/mock/google/x",
        "https://127.0.0.1:9/mock/google/x",
    ];
    for url in blocked {
        assert_blocked(&token(&t, GOOGLE, url).await, url);
    }
}

#[tokio::test]
async fn the_refusal_maps_to_blocked_destination_error_with_the_request_id() {
    let t = vault();
    let a = token(&t, GOOGLE, "https://evil.example/x").await;
    assert_blocked(&a, "evil");
    assert_eq!(a.json()["detail"]["provider_id"], "google");
    let rid = a.header("x-request-id").expect("X-Request-ID");
    assert!(alter_protocol::grammar::is_canonical_uuid(&rid), "{rid}");
    let headers = vec![("X-Request-ID".to_string(), rid.clone())];
    let e = alter_protocol::mapping::map_backend_error(422, &headers, &a.body);
    assert_eq!(e.class.name(), "BlockedDestinationError");
    assert_eq!(e.message, "Destination is not permitted. Check the provider host and URL.");
    assert_eq!(e.details.get("request_id").and_then(Value::as_str), Some(rid.as_str()));
    // Each refusal has its own id.
    let b = token(&t, GOOGLE, "https://evil.example/x").await;
    assert_ne!(b.header("x-request-id"), Some(rid));
}

#[tokio::test]
async fn provider_mode_and_agents_are_checked_on_the_resolved_grant() {
    let t = vault();
    let body = token_body_provider("google", "https://evil.example/x", None, None);
    assert_blocked(&call(&t.app, &Signed::json("POST", "/sdk/token", &body, FULL_KEY)).await, "provider mode");
    let body = token_body_provider("google", "https://www.googleapis.com/x", None, None);
    assert_eq!(call(&t.app, &Signed::json("POST", "/sdk/token", &body, FULL_KEY)).await.status, 200);
    // An agent using a delegation of alice's google grant.
    let d = "6d000000-0000-4000-8000-000000000001";
    let a = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_grant(d, "https://evil.example/x"), AGENT_KEY)).await;
    assert_blocked(&a, "delegation");
    let a = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_grant(d, &mock_url("google")), AGENT_KEY)).await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn refusals_of_the_grant_itself_come_first() {
    let t = vault();
    let cases = [("20", 403, "grant_revoked"), ("22", 410, "grant_deleted"), ("30", 403, "policy_violation"), ("13", 400, "hitl_grant_requires_proxy")];
    for (nn, status, code) in cases {
        let a = token(&t, nn, "https://evil.example/x").await;
        assert_eq!((a.status.as_u16(), a.code().as_str()), (status, code), "grant {nn}");
    }
    let a = token(&t, "99", "https://evil.example/x").await;
    assert_eq!(a.code(), "grant_not_found");
}

async fn proxy(t: &TestVault, nn: &str, url: &str) -> Answer {
    call(&t.app, &Signed::json("POST", "/sdk/proxy", &json!({"method": "GET", "url": url, "grant_id": grant(nn)}), FULL_KEY)).await
}

#[tokio::test]
async fn proxy_sends_nothing_to_a_blocked_destination() {
    let t = vault();
    for url in ["https://evil.example/x", "http://127.0.0.1:9/mock/github/x", "http://127.0.0.1:9/sdk/grants/list", "http://127.0.0.1:10/x", "http://localhost:9/mock/google/x"] {
        assert_blocked(&proxy(&t, GOOGLE, url).await, url);
    }
    let calls = admin(&t.app, "GET", "/admin/mock/calls", None).await.json();
    assert_eq!(calls["calls"], json!([]), "no upstream call was made");
    let audit = admin(&t.app, "GET", "/admin/audit", None).await.json();
    assert_eq!(audit["rows"], json!([]), "nothing was sent, so nothing is audited");
    // The grant's own mock still works, in-process.
    let ok = proxy(&t, GOOGLE, &mock_url("google")).await;
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    assert_eq!(ok.json()["status_code"], 200);
    let calls = admin(&t.app, "GET", "/admin/mock/calls", None).await.json();
    assert_eq!(calls["calls"][0]["provider"], "google");
    assert_eq!(calls["calls"][0]["via"], "proxy");
    assert_eq!(calls["calls"][0]["credential_ok"], true);
}

#[tokio::test]
async fn proxy_refuses_before_queueing_an_approval() {
    let t = vault();
    let a = proxy(&t, "13", "https://evil.example/v1/payouts").await;
    assert_blocked(&a, "approval grant");
    assert_eq!(admin(&t.app, "GET", "/admin/approvals", None).await.json()["approvals"], json!([]));
    assert_eq!(proxy(&t, "13", &mock_url("stripe-payouts")).await.status, 202);
    // An allowed host that cannot be reached: queued, and the approved call fails.
    let p = proxy(&t, "13", "https://unreachable.invalid/payouts").await;
    assert_eq!(p.status, 202, "{}", String::from_utf8_lossy(&p.body));
    let id = p.json()["approval_id"].as_str().expect("approval id").to_string();
    let decided = admin(&t.app, "POST", &format!("/admin/approvals/{id}/approve"), Some(json!({}))).await;
    assert_eq!(decided.json()["status"], "failed");
}

/// demo.toml plus a provider whose allowed host is an internationalised name (bücher.example)
/// and a port-specific entry.
fn custom_vault() -> TestVault {
    let extra = r#"
[[providers]]
id = "books"
allowed_hosts = ["xn--bcher-kva.example", "api.books.example:8443", "[::1]:7000", "127.0.0.1:7001"]

[[grants]]
id = "6a000000-0000-4000-8000-0000000000b1"
provider = "books"
"#;
    let text = std::fs::read_to_string(demo_path()).expect("demo.toml") + extra;
    let vault = Vault::new(Config::parse(&text).expect("config"), None).expect("vault");
    vault.set_base_url("http://127.0.0.1:9");
    TestVault { app: router(vault.clone()), vault }
}

#[tokio::test]
async fn custom_providers_declare_their_hosts() {
    let t = custom_vault();
    let ok = [
        "https://xn--bcher-kva.example/x",
        "https://XN--BCHER-KVA.example./x",
        "https://api.books.example:8443/v1",
        "http://[::1]:7000/x",
        "http://[0:0:0:0:0:0:0:1]:7000/x",
        "http://127.0.0.1:7001/x",
        "http://127.0.0.1:9/mock/books/x",
    ];
    for url in ok {
        assert_eq!(token(&t, "b1", url).await.status, 200, "{url}");
    }
    let blocked = [
        // The Unicode form is refused: only the xn-- form is compared (README).
        "https://bücher.example/x",
        "https://api.books.example/v1",
        "https://api.books.example:443/v1",
        "http://[::1]:7001/x",
        "http://127.0.0.1:7000/x",
        "http://localhost:7001/x",
    ];
    for url in blocked {
        assert_blocked(&token(&t, "b1", url).await, url);
    }
}
