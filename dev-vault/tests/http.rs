//! Handlers through the in-process router: authentication and tampering, /sdk/token in both modes,
//! the §7.2 error cases, audit validation and persistence, proxy + approvals, mocks, faults, admin.

mod common;

use common::*;
use serde_json::{json, Value};

const URL: &str = "http://127.0.0.1:9/mock/google/calendar/v3/events";

#[tokio::test]
async fn token_grant_mode_legacy_signature() {
    let t = vault();
    let a = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_grant(&grant("06"), URL), FULL_KEY)).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let j = a.json();
    assert_eq!(j["grant_id"], grant("06"));
    assert_eq!(j["provider_id"], "google");
    assert_eq!(j["injection_header"], "Authorization");
    assert!(a.header("x-alter-actor-id").is_none(), "no caller, no actor id");
    // Advisory rate-limit headers the SDK's snapshot parser accepts (§7.6).
    let hl: Vec<(String, String)> = a.headers.iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let snap = alter_protocol::retry::parse_rate_limit(&hl, now()).expect("rate-limit snapshot");
    assert_eq!(snap.limit, 6000);
    assert!(snap.remaining < 6000);
    // The payload satisfies the SDK's strict §3.4 contract.
    let tok = alter_protocol::token::parse_token_response(&a.body).expect("valid §3.4 payload");
    assert!(tok.access_token.starts_with("ya29.dev-system-"));
    assert_eq!(tok.expires_in, Some(3600));
}

#[tokio::test]
async fn token_with_caller_label_is_v2_and_gets_a_stable_actor_id() {
    let t = vault();
    let s = Signed::json("POST", "/sdk/token", &token_body_grant(&grant("06"), URL), FULL_KEY).caller("billing-cron", "service");
    let a = call(&t.app, &s).await;
    assert_eq!(a.status, 200);
    let actor = a.header("x-alter-actor-id").expect("actor id");
    assert!(alter_protocol::grammar::is_canonical_uuid(&actor));
    let mut s2 = Signed::json("POST", "/sdk/token", &token_body_grant(&grant("06"), URL), FULL_KEY).caller("billing-cron", "service");
    s2.actor_id = Some(actor.clone());
    let b = call(&t.app, &s2).await;
    assert_eq!(b.status, 200);
    assert_eq!(b.header("x-alter-actor-id").as_deref(), Some(actor.as_str()));
    // Stripping the identity headers but keeping the V2 digest fails (§2.5 downgrade guard).
    let mut stripped = s.clone();
    stripped.nonce = fresh_nonce();
    let mut req = stripped.request();
    req.headers_mut().remove("X-Alter-Caller");
    req.headers_mut().remove("X-Alter-Caller-Type");
    req.headers_mut().remove("X-Alter-Signature-V2");
    let c = send(&t.app, req).await;
    assert_eq!((c.status.as_u16(), c.code().as_str()), (401, "invalid_signature"));
}

#[tokio::test]
async fn token_provider_mode_with_jwt_and_legacy_key() {
    let t = vault();
    let jwt = mint_jwt(&t.app, "alice").await;
    let a = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_provider("google", URL, Some(&jwt), None), FULL_KEY)).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.json()["grant_id"], grant("01"));
    // Same provider without a user token: the system principal's grant.
    let b = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_provider("google", URL, None, None), FULL_KEY)).await;
    assert_eq!(b.json()["grant_id"], grant("06"));
    // The legacy-syntax key of the second app sees its own system grant.
    let c = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_provider("google", URL, None, None), LEGACY_KEY)).await;
    assert_eq!(c.json()["grant_id"], grant("07"));
    // ...and not the demo app's grants.
    let d = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_grant(&grant("06"), URL), LEGACY_KEY)).await;
    assert_eq!((d.status.as_u16(), d.code().as_str()), (404, "grant_not_found"));
    // A bad JWT is a 401 jwt_validation_error.
    let e = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_provider("google", URL, Some("x.y.z"), None), FULL_KEY)).await;
    assert_eq!((e.status.as_u16(), e.code().as_str()), (401, "jwt_validation_error"));
}

#[tokio::test]
async fn ambiguous_grant_lists_candidates_and_account_resolves_it() {
    let t = vault();
    let jwt = mint_jwt(&t.app, "carol").await;
    let a = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_provider("google", URL, Some(&jwt), None), FULL_KEY)).await;
    assert_eq!((a.status.as_u16(), a.code().as_str()), (409, "ambiguous_grant"));
    let d = &a.json()["detail"];
    let ids: Vec<&str> = d["candidates"].as_array().expect("candidates").iter().filter_map(|c| c["grant_id"].as_str()).collect();
    assert_eq!(ids, vec![grant("03").as_str(), grant("04").as_str()]);
    assert_eq!(d["account_identifiers"], json!(["carol@work.example", "carol@home.example"]));
    let mapped = alter_protocol::mapping::map_backend_error(409, &[], &a.body);
    assert_eq!(mapped.class.name(), "AmbiguousGrantError");
    let b = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_provider("google", URL, Some(&jwt), Some("carol@home.example")), FULL_KEY)).await;
    assert_eq!(b.status, 200);
    assert_eq!(b.json()["grant_id"], grant("04"));
}

#[tokio::test]
async fn grant_errors_map_to_the_sdk_classes() {
    let t = vault();
    let cases = [
        (grant("20"), 403, "GrantRevokedError"),
        (grant("21"), 403, "GrantExpiredError"),
        (grant("22"), 410, "GrantDeletedError"),
        (grant("23"), 409, "TokenRefreshInProgressError"),
        (grant("24"), 403, "ScopeReauthRequiredError"),
        (grant("26"), 403, "RestrictedGrantRequiresProxyError"),
        (grant("30"), 403, "PolicyViolationError"),
        (grant("13"), 400, "RestrictedGrantRequiresProxyError"),
        ("00000000-0000-4000-8000-000000000000".to_string(), 404, "GrantNotFoundError"),
    ];
    for (gid, status, class) in cases {
        let a = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_grant(&gid, URL), FULL_KEY)).await;
        assert_eq!(a.status.as_u16(), status, "grant {gid}: {}", String::from_utf8_lossy(&a.body));
        let e = alter_protocol::mapping::map_backend_error(status, &[], &a.body);
        assert_eq!(e.class.name(), class, "grant {gid}");
    }
    // Advisory scope mismatch: 200 with the flag.
    let a = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_grant(&grant("25"), &mock_url("salesforce")), FULL_KEY)).await;
    assert_eq!(a.json()["scope_mismatch"], true);
    // Deny policy by URL.
    let body = token_body_grant(&grant("06"), "http://127.0.0.1:9/mock/google/admin/users");
    let b = call(&t.app, &Signed::json("POST", "/sdk/token", &body, FULL_KEY)).await;
    assert_eq!((b.status.as_u16(), b.code().as_str()), (403, "policy_violation"));
}

#[tokio::test]
async fn tampered_replayed_stale_and_wrong_key_requests_are_refused() {
    let t = vault();
    let body = token_body_grant(&grant("06"), URL);
    let good = Signed::json("POST", "/sdk/token", &body, FULL_KEY);
    // One body byte flipped (headers unchanged).
    let mut flipped = good.body.clone();
    if let Some(b) = flipped.get_mut(20) {
        *b ^= 0x01;
    }
    let a = send(&t.app, good.request_with_body(flipped)).await;
    assert_eq!((a.status.as_u16(), a.code().as_str()), (401, "content_hash_mismatch"));
    // The authentic request passes, and its replay is refused.
    let ok = call(&t.app, &good).await;
    assert_eq!(ok.status, 200);
    let replay = call(&t.app, &good).await;
    assert_eq!((replay.status.as_u16(), replay.code().as_str()), (401, "replayed_nonce"));
    // Stale timestamp (window 300 s).
    let mut stale = Signed::json("POST", "/sdk/token", &body, FULL_KEY);
    stale.timestamp = now() - 301;
    let s = call(&t.app, &stale).await;
    assert_eq!((s.status.as_u16(), s.code().as_str()), (401, "stale_timestamp"));
    // Signed with another key's signing key.
    let mut wrong = Signed::json("POST", "/sdk/token", &body, FULL_KEY);
    wrong.signing_api_key = LEGACY_KEY.into();
    let w = call(&t.app, &wrong).await;
    assert_eq!((w.status.as_u16(), w.code().as_str()), (401, "invalid_signature"));
    // A signed path that differs from the requested one.
    let mut moved = Signed::json("POST", "/sdk/token", &body, FULL_KEY);
    moved.path = "/sdk/token?x=1".into();
    let mut req = moved.request();
    *req.uri_mut() = "/sdk/token".parse().expect("uri");
    let m = send(&t.app, req).await;
    assert_eq!((m.status.as_u16(), m.code().as_str()), (401, "invalid_signature"));
    // Unknown key, missing key, unsigned request.
    let u = call(&t.app, &Signed::json("POST", "/sdk/token", &body, UNKNOWN_KEY)).await;
    assert_eq!((u.status.as_u16(), u.code().as_str()), (401, "invalid_key"));
    assert_eq!(alter_protocol::mapping::map_backend_error(401, &[], &u.body).class.name(), "InvalidKeyError");
    let bare = axum::http::Request::builder().method("POST").uri("/sdk/token").body(axum::body::Body::from("{}")).expect("req");
    assert_eq!(send(&t.app, bare).await.code(), "missing_api_key");
    let unsigned = axum::http::Request::builder().method("POST").uri("/sdk/token").header("x-api-key", FULL_KEY).body(axum::body::Body::from("{}")).expect("req");
    assert_eq!(send(&t.app, unsigned).await.code(), "missing_signature_header");
}

#[tokio::test]
async fn key_and_agent_status_codes() {
    let t = vault();
    let body = token_body_grant(&grant("06"), URL);
    for (key, code, class) in [(REVOKED_KEY, "key_revoked", "KeyRevokedError"), (EXPIRED_KEY, "key_expired", "KeyExpiredError"), (PAUSED_AGENT_KEY, "agent_inactive", "AgentInactiveError")] {
        let a = call(&t.app, &Signed::json("POST", "/sdk/token", &body, key)).await;
        assert_eq!((a.status.as_u16(), a.code().as_str()), (401, code));
        assert_eq!(alter_protocol::mapping::map_backend_error(401, &[], &a.body).class.name(), class);
    }
    let d = call(&t.app, &Signed::json("POST", "/sdk/token", &body, DEPRECATED_KEY)).await;
    assert_eq!(d.status, 200);
    assert_eq!(d.header("x-alter-key-deprecated").as_deref(), Some("true"));
    // A paused agent may still read itself.
    let me = call(&t.app, &Signed::new("GET", "/sdk/agents/me", b"", PAUSED_AGENT_KEY)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["status"], "inactive");
}

#[tokio::test]
async fn agents_use_delegations_and_uuid_callers_impersonate() {
    let t = vault();
    // Agent key, provider mode: two users delegated google → ambiguous; app_user_id picks alice.
    let a = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_provider("google", URL, None, None), AGENT_KEY)).await;
    assert_eq!(a.code(), "ambiguous_grant");
    let mut body = token_body_provider("google", URL, None, None);
    body["app_user_id"] = json!("1e000000-0000-4000-8000-000000000001");
    let b = call(&t.app, &Signed::json("POST", "/sdk/token", &body, AGENT_KEY)).await;
    assert_eq!(b.status, 200, "{}", String::from_utf8_lossy(&b.body));
    assert_eq!(b.json()["grant_id"], "6d000000-0000-4000-8000-000000000001");
    // A grant the agent holds no delegation of.
    let c = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_grant(&grant("06"), URL), AGENT_KEY)).await;
    assert_eq!((c.status.as_u16(), c.code().as_str()), (404, "grant_not_found"));
    // App key + managed-agent UUID caller acts as that agent; no actor id.
    let s = Signed::json("POST", "/sdk/token", &token_body_grant(&grant("11"), &mock_url("resend")), FULL_KEY).caller(EMAIL_AGENT_ID, "agent");
    let d = call(&t.app, &s).await;
    assert_eq!(d.status, 200);
    assert_eq!(d.json()["grant_id"], "6d000000-0000-4000-8000-000000000003");
    assert!(d.header("x-alter-actor-id").is_none());
    let u = Signed::json("POST", "/sdk/token", &token_body_grant(&grant("11"), &mock_url("resend")), FULL_KEY).caller("a9e00000-0000-4000-8000-0000000000ff", "agent");
    let e = call(&t.app, &u).await;
    assert_eq!((e.status.as_u16(), e.code().as_str()), (404, "caller_agent_unresolved"));
    assert_eq!(alter_protocol::mapping::map_backend_error(404, &[], &e.body).class.name(), "AgentNotFoundError");
}

#[tokio::test]
async fn audit_rows_are_validated_kept_in_order_and_scope_checked() {
    let t = vault();
    for i in 0..3 {
        let mut row = audit_row(&grant("06"));
        row["latency_ms"] = json!(i);
        let a = call(&t.app, &Signed::json("POST", "/sdk/oauth/audit/api-call", &row, FULL_KEY).caller("worker", "service")).await;
        assert_eq!(a.status, 204, "{}", String::from_utf8_lossy(&a.body));
    }
    let mut missing = audit_row(&grant("06"));
    missing.as_object_mut().map(|m| m.remove("context"));
    let mut wrong_type = audit_row(&grant("06"));
    wrong_type["response_status"] = json!("200");
    let mut extra = audit_row(&grant("06"));
    extra["access_token"] = json!("nope");
    let mut float = audit_row(&grant("06"));
    float["latency_ms"] = json!(1.5);
    for bad in [missing, wrong_type, extra, float, json!([1, 2])] {
        let a = call(&t.app, &Signed::json("POST", "/sdk/oauth/audit/api-call", &bad, FULL_KEY)).await;
        assert_eq!(a.status, 422, "accepted {bad}");
    }
    let junk = call(&t.app, &Signed::new("POST", "/sdk/oauth/audit/api-call", b"{not json", FULL_KEY)).await;
    assert_eq!(junk.status, 422);
    let no_scope = call(&t.app, &Signed::json("POST", "/sdk/oauth/audit/api-call", &audit_row(&grant("06")), NO_AUDIT_KEY)).await;
    assert_eq!(no_scope.status, 403);
    assert_eq!(no_scope.json()["error"], "insufficient_scope", "top-level envelope");
    assert_eq!(no_scope.json()["missing"], json!(["audit:emit"]));
    let rows = admin(&t.app, "GET", "/admin/audit", None).await.json()["rows"].as_array().cloned().expect("rows");
    assert_eq!(rows.len(), 3);
    let lat: Vec<u64> = rows.iter().filter_map(|r| r["row"]["latency_ms"].as_u64()).collect();
    assert_eq!(lat, vec![0, 1, 2]);
    assert_eq!(rows[0]["seq"], 1);
    assert_eq!(rows[0]["caller"], "worker");
    assert_eq!(rows[0]["api_key_principal"], "app:demo");
    assert!(rows[0]["actor_id"].as_str().is_some());
}

#[tokio::test]
async fn audit_rows_survive_a_restart_with_data_dir_and_reset_clears_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let t = vault_with(Some(dir.path().to_path_buf()));
        for nn in ["01", "06"] {
            let a = call(&t.app, &Signed::json("POST", "/sdk/oauth/audit/api-call", &audit_row(&grant(nn)), FULL_KEY)).await;
            assert_eq!(a.status, 204);
        }
        // Written before the 204: the file already holds both lines.
        let text = std::fs::read_to_string(dir.path().join("audit.jsonl")).expect("audit file");
        assert_eq!(text.lines().count(), 2);
    }
    let t = vault_with(Some(dir.path().to_path_buf()));
    let rows = admin(&t.app, "GET", "/admin/audit", None).await.json()["rows"].as_array().cloned().expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["row"]["grant_id"], grant("06"));
    let a = call(&t.app, &Signed::json("POST", "/sdk/oauth/audit/api-call", &audit_row(&grant("05")), FULL_KEY)).await;
    assert_eq!(a.status, 204);
    let rows = admin(&t.app, "GET", "/admin/audit", None).await.json()["rows"].as_array().cloned().expect("rows");
    assert_eq!(rows[2]["seq"], 3, "sequence continues after the restart");
    assert_eq!(admin(&t.app, "POST", "/admin/reset", None).await.status, 200);
    assert_eq!(admin(&t.app, "GET", "/admin/audit", None).await.json()["rows"], json!([]));
    assert_eq!(std::fs::read_to_string(dir.path().join("audit.jsonl")).expect("file"), "");
}

#[tokio::test]
async fn proxy_pending_approval_then_approved_result() {
    let t = vault();
    let body = json!({"method": "POST", "url": "http://127.0.0.1:9/mock/stripe-payouts/v1/payouts", "grant_id": grant("13"), "body": {"amount": 5}, "reason": "pay"});
    let a = call(&t.app, &Signed::json("POST", "/sdk/proxy", &body, FULL_KEY)).await;
    assert_eq!(a.status, 202, "{}", String::from_utf8_lossy(&a.body));
    let p = a.json();
    let id = p["approval_id"].as_str().expect("approval id").to_string();
    assert_eq!(p["status"], "pending");
    assert_eq!(p["gates"].as_array().map(Vec::len), Some(1));
    let page = send(&t.app, axum::http::Request::builder().uri(format!("/approvals/{id}")).body(axum::body::Body::empty()).expect("req")).await;
    assert_eq!(page.json()["status"], "pending");
    assert_eq!(p["approval_url"], format!("http://127.0.0.1:9/approvals/{id}"));
    let pending = admin(&t.app, "GET", "/admin/approvals", None).await.json();
    assert_eq!(pending["approvals"][0]["approval_id"], id.as_str());
    let not_ready = call(&t.app, &Signed::new("GET", &format!("/sdk/approvals/{id}/result"), b"", FULL_KEY)).await;
    assert_eq!(not_ready.status, 409);
    // A long poll started before the decision returns once the status changes.
    let app = t.app.clone();
    let poll_path = format!("/sdk/approvals/{id}?wait=25");
    let waiter = tokio::spawn(async move { call(&app, &Signed::new("GET", &poll_path, b"", FULL_KEY)).await });
    tokio::task::yield_now().await;
    let d = admin(&t.app, "POST", &format!("/admin/approvals/{id}/approve"), None).await;
    assert_eq!(d.json()["status"], "executed");
    let polled = waiter.await.expect("join");
    assert_eq!(polled.status, 200);
    assert_ne!(polled.json()["status"], "pending");
    let s = call(&t.app, &Signed::new("GET", &format!("/sdk/approvals/{id}"), b"", FULL_KEY)).await;
    assert_eq!(s.json()["status"], "executed");
    assert_eq!(s.json()["has_result"], true);
    let r = call(&t.app, &Signed::new("GET", &format!("/sdk/approvals/{id}/result"), b"", FULL_KEY)).await;
    assert_eq!(r.status, 200);
    let rj = r.json();
    assert_eq!(rj["approval_id"], id.as_str());
    assert_eq!(rj["status_code"], 200);
    use base64::Engine;
    let upstream: Value = serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(rj["body_b64"].as_str().unwrap_or("")).expect("b64")).expect("json");
    assert_eq!(upstream["grant_id"], grant("13"));
    assert_eq!(upstream["method"], "POST");
    // The vault wrote exactly one proxy audit row, without the credential.
    let rows = admin(&t.app, "GET", "/admin/audit", None).await.json()["rows"].as_array().cloned().expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["source"], "proxy");
    let text = rows[0].to_string();
    let secret = t.vault.lock().grants.iter().find(|g| g.id == grant("13")).map(|g| g.access_token.clone()).expect("grant");
    assert!(!text.contains(&secret), "credential leaked into the audit row");
    // Over-long wait is a 422; deciding twice is a 409.
    assert_eq!(call(&t.app, &Signed::new("GET", &format!("/sdk/approvals/{id}?wait=26"), b"", FULL_KEY)).await.status, 422);
    assert_eq!(admin(&t.app, "POST", &format!("/admin/approvals/{id}/deny"), None).await.status, 409);
}

#[tokio::test]
async fn denied_approval_result_is_approval_denied() {
    let t = vault();
    let body = json!({"method": "POST", "url": "http://127.0.0.1:9/mock/stripe-production/v1/refunds", "grant_id": grant("10")});
    let a = call(&t.app, &Signed::json("POST", "/sdk/proxy", &body, FULL_KEY)).await;
    assert_eq!(a.status, 202);
    let id = a.json()["approval_id"].as_str().expect("id").to_string();
    assert_eq!(admin(&t.app, "POST", &format!("/admin/approvals/{id}/deny"), Some(json!({"reason": "no"}))).await.json()["status"], "denied");
    let r = call(&t.app, &Signed::new("GET", &format!("/sdk/approvals/{id}/result"), b"", FULL_KEY)).await;
    assert_eq!(alter_protocol::mapping::map_proxy_error(r.status.as_u16(), &[], &r.body).class.name(), "ApprovalDeniedError");
    // The same grant without the refund rule goes straight through.
    let direct = json!({"method": "GET", "url": "http://127.0.0.1:9/mock/stripe-production/v1/balance", "grant_id": grant("10"), "query_params": {"limit": 3}});
    let d = call(&t.app, &Signed::json("POST", "/sdk/proxy", &direct, FULL_KEY)).await;
    assert_eq!(d.status, 200);
    assert_eq!(d.json()["approval_id"], Value::Null);
}

#[tokio::test]
async fn mock_identifies_the_credential_without_echoing_it() {
    let t = vault();
    let a = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_grant(&grant("11"), &mock_url("resend")), FULL_KEY)).await;
    let tok = alter_protocol::token::parse_token_response(&a.body).expect("token");
    assert_eq!(tok.injection_header, "X-Api-Key");
    let req = axum::http::Request::builder().uri("/mock/resend/emails?to=x").header("X-Api-Key", tok.access_token.clone()).body(axum::body::Body::empty()).expect("req");
    let m = send(&t.app, req).await;
    assert_eq!(m.status, 200);
    let j = m.json();
    assert_eq!(j["grant_id"], grant("11"));
    assert_eq!(j["user"], "system");
    assert_eq!(j["path"], "/emails");
    assert_eq!(j["query"]["to"], "x");
    assert!(!String::from_utf8_lossy(&m.body).contains(&tok.access_token));
    let none = send(&t.app, axum::http::Request::builder().uri("/mock/resend/emails").body(axum::body::Body::empty()).expect("req")).await;
    assert_eq!(none.status, 401);
    assert_eq!(none.json()["credential_ok"], false);
    for (path, status) in [("/mock/x/status/503", 503u16), ("/mock/x/insufficient-scope", 403), ("/mock/x/redirect", 302), ("/mock/x/large", 200), ("/mock/x/binary", 200), ("/mock/x/status/999", 400)] {
        let r = send(&t.app, axum::http::Request::builder().uri(path).body(axum::body::Body::empty()).expect("req")).await;
        assert_eq!(r.status.as_u16(), status, "{path}");
        if path.ends_with("large") {
            assert_eq!(r.body.len(), 20_000);
        }
        if path.ends_with("binary") {
            assert!(std::str::from_utf8(&r.body).is_err());
        }
        if path.ends_with("insufficient-scope") {
            assert!(r.header("www-authenticate").is_some_and(|h| h.contains("insufficient_scope")));
        }
    }
    let calls = admin(&t.app, "GET", "/admin/mock/calls", None).await.json()["calls"].as_array().cloned().expect("calls");
    assert_eq!(calls.len(), 8);
    assert_eq!(calls[0]["grant_id"], grant("11"));
}

#[tokio::test]
async fn faults_apply_to_the_next_n_requests_only() {
    let t = vault();
    let f = admin(&t.app, "POST", "/admin/faults", Some(json!({"endpoint": "/sdk/token", "count": 1, "fault": {"status": 429, "body": {"detail": {"error": "rate_limit_exceeded", "message": "slow down"}}, "headers": {"Retry-After": "7"}}}))).await;
    assert_eq!(f.status, 200);
    let body = token_body_grant(&grant("06"), URL);
    let a = call(&t.app, &Signed::json("POST", "/sdk/token", &body, FULL_KEY)).await;
    assert_eq!(a.status, 429);
    assert_eq!(a.header("retry-after").as_deref(), Some("7"));
    let e = alter_protocol::mapping::map_backend_error(429, &[("retry-after".into(), "7".into())], &a.body);
    assert_eq!(e.class.name(), "RateLimitError");
    assert_eq!(call(&t.app, &Signed::json("POST", "/sdk/token", &body, FULL_KEY)).await.status, 200);
    // Malformed body and contract violations.
    admin(&t.app, "POST", "/admin/faults", Some(json!({"endpoint": "/sdk/*", "count": 2, "fault": {"malformed_body": true}}))).await;
    for _ in 0..2 {
        let m = call(&t.app, &Signed::json("POST", "/sdk/token", &body, FULL_KEY)).await;
        assert_eq!(m.status, 200);
        assert!(serde_json::from_slice::<Value>(&m.body).is_err());
    }
    admin(&t.app, "POST", "/admin/faults", Some(json!({"endpoint": "/sdk/token", "fault": {"token_contract_violation": "grant_id"}}))).await;
    let v = call(&t.app, &Signed::json("POST", "/sdk/token", &body, FULL_KEY)).await;
    let err = alter_protocol::token::parse_token_response(&v.body).expect_err("violation");
    assert_eq!(err.message, "Backend returned a non-canonical grant_id");
    // Delay then normal handling; DELETE clears pending faults.
    admin(&t.app, "POST", "/admin/faults", Some(json!({"endpoint": "/sdk/token", "fault": {"delay_ms": 5}}))).await;
    assert_eq!(call(&t.app, &Signed::json("POST", "/sdk/token", &body, FULL_KEY)).await.status, 200);
    admin(&t.app, "POST", "/admin/faults", Some(json!({"endpoint": "/sdk/token", "count": 5, "fault": {"status": 503}}))).await;
    assert_eq!(admin(&t.app, "DELETE", "/admin/faults", None).await.status, 200);
    assert_eq!(call(&t.app, &Signed::json("POST", "/sdk/token", &body, FULL_KEY)).await.status, 200);
    // A non-JSON error body reaches the client untouched (§7.1 non-JSON 429 path).
    admin(&t.app, "POST", "/admin/faults", Some(json!({"endpoint": "/sdk/token", "fault": {"status": 429, "raw_body": "<html>slow down</html>", "headers": {"Retry-After": "4"}}}))).await;
    let raw = call(&t.app, &Signed::json("POST", "/sdk/token", &body, FULL_KEY)).await;
    assert_eq!(raw.status, 429);
    assert_eq!(raw.body, b"<html>slow down</html>");
    let e = alter_protocol::mapping::map_backend_error(429, &[("Retry-After".into(), "4".into())], &raw.body);
    assert_eq!((e.class.name(), e.fields.get("retry_after").and_then(Value::as_u64)), ("RateLimitError", Some(4)));
    // Bad fault specs are refused.
    let bad = admin(&t.app, "POST", "/admin/faults", Some(json!({"endpoint": "/sdk/token", "fault": {"status": 42}}))).await;
    assert_eq!(bad.status, 422);
}

#[tokio::test]
async fn admin_api_requires_its_token() {
    let t = vault();
    let none = send(&t.app, axum::http::Request::builder().uri("/admin/audit").body(axum::body::Body::empty()).expect("req")).await;
    assert_eq!((none.status.as_u16(), none.code().as_str()), (401, "admin_unauthorized"));
    let wrong = send(&t.app, axum::http::Request::builder().uri("/admin/audit").header("authorization", "Bearer dev-admin-tokeN").body(axum::body::Body::empty()).expect("req")).await;
    assert_eq!(wrong.status, 401);
    // An SDK API key is not an admin token.
    let sdk = send(&t.app, axum::http::Request::builder().uri("/admin/reset").method("POST").header("authorization", format!("Bearer {FULL_KEY}")).body(axum::body::Body::empty()).expect("req")).await;
    assert_eq!(sdk.status, 401);
    assert_eq!(admin(&t.app, "GET", "/admin/audit", None).await.status, 200);
    let health = send(&t.app, axum::http::Request::builder().uri("/admin/health").body(axum::body::Body::empty()).expect("req")).await;
    assert_eq!(health.status, 200);
}

#[tokio::test]
async fn bad_input_gets_mappable_4xx_json() {
    let t = vault();
    let big = vec![b' '; 1024 * 1024 + 1];
    let a = call(&t.app, &Signed::new("POST", "/sdk/token", &big, FULL_KEY)).await;
    assert_eq!((a.status.as_u16(), a.code().as_str()), (413, "payload_too_large"));
    let b = call(&t.app, &Signed::new("POST", "/sdk/token", b"{\"grant_id\":", FULL_KEY)).await;
    assert_eq!(b.status, 422);
    let c = call(&t.app, &Signed::json("POST", "/sdk/token", &json!({"grant_id": 5, "reason": null, "request": {"method": "GET", "url": URL}}), FULL_KEY)).await;
    assert_eq!(c.status, 422);
    let d = call(&t.app, &Signed::new("GET", "/sdk/no-such-thing", b"", FULL_KEY)).await;
    assert_eq!((d.status.as_u16(), d.code().as_str()), (404, "not_found"));
    let e = call(&t.app, &Signed::new("GET", "/sdk/token", b"", FULL_KEY)).await;
    assert_eq!((e.status.as_u16(), e.code().as_str()), (405, "method_not_allowed"));
    let f = send(&t.app, axum::http::Request::builder().uri("/elsewhere").body(axum::body::Body::empty()).expect("req")).await;
    assert_eq!(f.code(), "not_found");
    let g = call(&t.app, &Signed::json("POST", "/sdk/grants/list", &json!({"limit": 0}), FULL_KEY)).await;
    assert_eq!(g.status, 422);
    let h = call(&t.app, &Signed::json("POST", "/sdk/proxy", &json!({"method": "GET", "url": "ftp://x/y", "grant_id": grant("06")}), FULL_KEY)).await;
    assert_eq!(h.code(), "blocked_destination");
}

#[tokio::test]
async fn namespace_endpoints_answer_their_documented_shapes() {
    let t = vault();
    let list = call(&t.app, &Signed::json("POST", "/sdk/grants/list", &json!({"limit": 2, "offset": 0, "provider_id": "google"}), FULL_KEY)).await;
    let j = list.json();
    assert_eq!(j["grants"].as_array().map(Vec::len), Some(2));
    assert_eq!(j["has_more"], true);
    assert_eq!(j["total"], 55);
    let rv = call(&t.app, &Signed::json("POST", &format!("/sdk/oauth/grants/{}/revoke", grant("08")), &json!({}), FULL_KEY)).await;
    assert_eq!(rv.json()["success"], true);
    let after = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_grant(&grant("08"), URL), FULL_KEY)).await;
    assert_eq!(after.code(), "grant_revoked");
    let cs = call(&t.app, &Signed::json("POST", "/sdk/oauth/connect/session", &json!({"allowed_providers": ["google"], "return_url": null, "allowed_origin": null, "metadata": null}), FULL_KEY)).await;
    let token = cs.json()["session_token"].as_str().expect("token").to_string();
    assert_eq!(cs.json()["single_provider"], true);
    let p1 = call(&t.app, &Signed::json("POST", "/sdk/oauth/connect/session/poll", &json!({"session_token": token}), FULL_KEY)).await;
    assert_eq!(p1.json()["status"], "pending");
    assert_eq!(admin(&t.app, "POST", &format!("/admin/connect/{token}/complete"), Some(json!({"sub": "bob"}))).await.status, 200);
    let p2 = call(&t.app, &Signed::json("POST", "/sdk/oauth/connect/session/poll", &json!({"session_token": token}), FULL_KEY)).await;
    assert_eq!(p2.json()["status"], "completed");
    assert_eq!(p2.json()["grants"][0]["provider_id"], "google");
    let by_name = call(&t.app, &Signed::new("GET", "/sdk/agents?name=email-assistant", b"", FULL_KEY)).await;
    assert_eq!(by_name.json()["items"][0]["id"], EMAIL_AGENT_ID);
    let created = call(&t.app, &Signed::json("POST", "/sdk/agents", &json!({"name": "new-bot", "type": "agent", "scopes": {}, "metadata": {}}), FULL_KEY)).await;
    assert_eq!(created.status, 201);
    let new_key = created.json()["api_key"].as_str().expect("api key").to_string();
    assert!(alter_protocol::keys::is_valid_key(&new_key));
    let me = call(&t.app, &Signed::new("GET", "/sdk/agents/me", b"", &new_key)).await;
    assert_eq!(me.json()["name"], "new-bot");
    let app_me = call(&t.app, &Signed::new("GET", "/sdk/agents/me", b"", FULL_KEY)).await;
    assert_eq!(app_me.code(), "me_requires_agent_key");
    let verify = call(&t.app, &Signed::json("POST", "/sdk/auth/verify-token", &json!({"token": mint_jwt(&t.app, "bob").await}), FULL_KEY)).await;
    assert_eq!(verify.json(), json!({"sub": "bob"}));
    let bad = call(&t.app, &Signed::json("POST", "/sdk/auth/verify-token", &json!({"token": "garbage"}), FULL_KEY)).await;
    assert_eq!(bad.status, 401);
    let scopes = call(&t.app, &Signed::new("GET", "/sdk/scopes", b"", FULL_KEY)).await;
    assert!(scopes.json()["resources"]["tokens"]["verbs"].is_array());
    let report = json!({"provider_status_code": 403, "provider_error_code": "insufficient_scope", "missing_scopes": ["a"], "raw_www_authenticate": "Bearer error=\"insufficient_scope\"", "api_endpoint": URL, "detection_source": "www_authenticate_rfc6750", "sdk_correlation_id": "abcdefghijklmnopqrstuv"});
    let r = call(&t.app, &Signed::json("POST", &format!("/sdk/grants/{}/report-scope-mismatch", grant("05")), &report, FULL_KEY)).await;
    assert_eq!(r.status, 204);
    assert_eq!(r.header("x-correlation-id").as_deref(), Some("abcdefghijklmnopqrstuv"));
    let flagged = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_grant(&grant("05"), URL), FULL_KEY)).await;
    assert_eq!(flagged.code(), "scope_mismatch");
}

#[tokio::test]
async fn junk_bodies_on_every_endpoint_get_4xx_json_never_5xx() {
    let t = vault();
    let g = grant("06");
    let routes: Vec<(&str, String)> = vec![
        ("POST", "/sdk/token".into()),
        ("POST", "/sdk/oauth/audit/api-call".into()),
        ("POST", format!("/sdk/grants/{g}/report-scope-mismatch")),
        ("POST", "/sdk/auth/verify-token".into()),
        ("POST", "/sdk/proxy".into()),
        ("POST", "/sdk/grants/list".into()),
        ("POST", format!("/sdk/oauth/grants/{g}/revoke")),
        ("POST", format!("/sdk/grants/{g}/delegate")),
        ("POST", "/sdk/oauth/connect/session".into()),
        ("POST", "/sdk/oauth/connect/session/poll".into()),
        ("POST", "/sdk/managed-secrets/5e000000-0000-4000-8000-000000000001/grants".into()),
        ("POST", "/sdk/agents".into()),
        ("PATCH", format!("/sdk/agents/{EMAIL_AGENT_ID}?expected_version=x")),
        ("POST", format!("/sdk/agents/{EMAIL_AGENT_ID}/keys")),
        ("GET", "/sdk/agents?limit=abc&offset=-1".into()),
        ("GET", "/sdk/approvals/not-a-uuid?wait=abc".into()),
        ("GET", "/sdk/approvals/%FF%FE/result".into()),
        ("POST", "/sdk/keys/derive".into()),
        ("POST", "/sdk/keys/4b000000-0000-4000-8000-000000000002/rotate".into()),
        ("DELETE", "/sdk/keys/%FF%FE?force=maybe".into()),
        ("POST", format!("/sdk/grants/{g}/mint")),
        ("POST", "/sdk/managed-secrets/connect/session".into()),
        ("POST", "/sdk/auth/session".into()),
        ("POST", "/sdk/auth/poll".into()),
    ];
    let deep = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"not json".to_vec(),
        b"[1,2,3]".to_vec(),
        b"null".to_vec(),
        b"{\"grant_id\": {\"x\": 1}, \"limit\": 1e400, \"principal\": [], \"name\": 5, \"token\": 7, \"session_token\": false}".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x80],
        deep.into_bytes(),
        "{\"\u{1F600}\": \"\u{0000}\"}".as_bytes().to_vec(),
    ];
    for (method, path) in &routes {
        for body in &bodies {
            for key in [FULL_KEY, AGENT_KEY] {
                let a = call(&t.app, &Signed::new(method, path, body, key)).await;
                let s = a.status.as_u16();
                assert!((400..500).contains(&s), "{method} {path} with {:?} ({key}) → {s}: {}", String::from_utf8_lossy(body), String::from_utf8_lossy(&a.body));
                assert!(!a.code().is_empty(), "{method} {path}: no error code in {}", String::from_utf8_lossy(&a.body));
            }
        }
    }
}

#[tokio::test]
async fn fifty_concurrent_users_each_get_their_own_grant() {
    let t = vault();
    let mut tasks = Vec::new();
    for n in 1..=50u32 {
        let app = t.app.clone();
        tasks.push(tokio::spawn(async move {
            let sub = format!("user-{n:03}");
            let jwt = mint_jwt(&app, &sub).await;
            let a = call(&app, &Signed::json("POST", "/sdk/token", &token_body_provider("google", URL, Some(&jwt), None), FULL_KEY)).await;
            (n, a.status.as_u16(), a.body)
        }));
    }
    let mut tokens = std::collections::HashSet::new();
    for task in tasks {
        let (n, status, body) = task.await.expect("join");
        assert_eq!(status, 200);
        let tok = alter_protocol::token::parse_token_response(&body).expect("token");
        assert_eq!(tok.grant_id, format!("6a000000-0000-4000-8000-100000000{n:03}"));
        assert!(tok.access_token.starts_with(&format!("ya29.dev-user-{n:03}-")));
        tokens.insert(tok.access_token);
    }
    assert_eq!(tokens.len(), 50, "access tokens are unique per user");
}

#[tokio::test]
async fn pending_approval_expires_after_its_window() {
    let t = vault();
    let body = json!({"method": "POST", "url": "http://127.0.0.1:9/mock/stripe-payouts/v1/payouts", "grant_id": grant("13")});
    let id = call(&t.app, &Signed::json("POST", "/sdk/proxy", &body, FULL_KEY)).await.json()["approval_id"].as_str().expect("id").to_string();
    for a in t.vault.lock().approvals.iter_mut() {
        a.expires_at = now() - 1;
    }
    let s = call(&t.app, &Signed::new("GET", &format!("/sdk/approvals/{id}?wait=5"), b"", FULL_KEY)).await;
    assert_eq!(s.json()["status"], "expired");
    let r = call(&t.app, &Signed::new("GET", &format!("/sdk/approvals/{id}/result"), b"", FULL_KEY)).await;
    assert_eq!(alter_protocol::mapping::map_proxy_error(r.status.as_u16(), &[], &r.body).class.name(), "ApprovalExpiredError");
    assert_eq!(admin(&t.app, "POST", &format!("/admin/approvals/{id}/approve"), None).await.status, 409);
    assert_eq!(admin(&t.app, "GET", "/admin/approvals", None).await.json()["approvals"], json!([]));
}

#[tokio::test]
async fn onward_delegation_and_cascading_revocation() {
    let t = vault();
    const RESEARCH_KEY: &str = "alter_ak_researchagentaaaaaaaaa_2y5km7";
    const RESEARCH_ID: &str = "a9e00000-0000-4000-8000-000000000002";
    // Not delegable: bob's grant.
    let nd = call(&t.app, &Signed::json("POST", &format!("/sdk/grants/{}/delegate", grant("02")), &json!({"to_agent_id": RESEARCH_ID}), AGENT_KEY)).await;
    assert_eq!(alter_protocol::mapping::map_backend_error(nd.status.as_u16(), &[], &nd.body).class.name(), "GrantNotDelegableError");
    // An app key cannot use the agent path.
    let app_try = call(&t.app, &Signed::json("POST", &format!("/sdk/grants/{}/delegate", grant("01")), &json!({"to_agent_id": RESEARCH_ID}), FULL_KEY)).await;
    assert_eq!(app_try.status, 403);
    let d = call(&t.app, &Signed::json("POST", &format!("/sdk/grants/{}/delegate", grant("01")), &json!({"to_agent_id": RESEARCH_ID, "ttl_seconds": 600}), AGENT_KEY)).await;
    assert_eq!(d.status, 200, "{}", String::from_utf8_lossy(&d.body));
    let dj = d.json();
    assert_eq!(dj["parent_grant_id"], "6d000000-0000-4000-8000-000000000001");
    assert_eq!(dj["depth"], 2);
    let child = dj["grant_id"].as_str().expect("child").to_string();
    let dup = call(&t.app, &Signed::json("POST", &format!("/sdk/grants/{}/delegate", grant("01")), &json!({"to_agent_id": RESEARCH_ID}), AGENT_KEY)).await;
    assert_eq!(dup.status, 409);
    let tok = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_grant(&child, URL), RESEARCH_KEY)).await;
    assert_eq!(tok.status, 200);
    assert_eq!(tok.json()["grant_id"], child.as_str());
    let listed = call(&t.app, &Signed::json("POST", "/sdk/grants/list", &json!({"limit": 10, "offset": 0}), RESEARCH_KEY)).await.json();
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["grants"][0]["access_via"], "oauth_delegation");
    // Operator path with an agent key is refused; the app revokes email-assistant's delegation,
    // which cascades to the onward one.
    let wrong = call(&t.app, &Signed::new("DELETE", &format!("/sdk/grants/{}/delegations/{EMAIL_AGENT_ID}", grant("01")), b"", AGENT_KEY)).await;
    assert_eq!(wrong.code(), "use_self_revoke_path");
    let r = call(&t.app, &Signed::new("DELETE", &format!("/sdk/grants/{}/delegations/{EMAIL_AGENT_ID}", grant("01")), b"", FULL_KEY)).await;
    assert_eq!(r.status, 204);
    let again = call(&t.app, &Signed::new("DELETE", &format!("/sdk/grants/{}/delegations/{EMAIL_AGENT_ID}", grant("01")), b"", FULL_KEY)).await;
    assert_eq!(again.status, 204, "idempotent");
    let gone = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_grant(&child, URL), RESEARCH_KEY)).await;
    assert_eq!(gone.status, 404);
    // Self path.
    let me = call(&t.app, &Signed::new("DELETE", &format!("/sdk/grants/{}/delegations/me", grant("11")), b"", AGENT_KEY)).await;
    assert_eq!(me.status, 204);
    let resend = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_grant(&grant("11"), &mock_url("resend")), AGENT_KEY)).await;
    assert_eq!(resend.status, 404);
}

#[tokio::test]
async fn managed_secret_grants_and_agent_lifecycle() {
    let t = vault();
    let jwt = mint_jwt(&t.app, "alice").await;
    let path = "/sdk/managed-secrets/5e000000-0000-4000-8000-000000000002/grants";
    let c = call(&t.app, &Signed::json("POST", path, &json!({"principal": {"type": "user", "user_token": jwt, "label": "mine"}, "grant_policy": {}}), FULL_KEY)).await;
    assert_eq!(c.status, 201, "{}", String::from_utf8_lossy(&c.body));
    let gid = c.json()["grant_id"].as_str().expect("gid").to_string();
    assert_eq!(c.json()["principal_type"], "user");
    let dup = call(&t.app, &Signed::json("POST", path, &json!({"principal": {"type": "user", "user_token": mint_jwt(&t.app, "alice").await, "label": "mine"}, "grant_policy": {}}), FULL_KEY)).await;
    assert_eq!(alter_protocol::mapping::map_backend_error(dup.status.as_u16(), &[], &dup.body).class.name(), "SiblingLabelConflictError");
    let agent_p = call(&t.app, &Signed::json("POST", path, &json!({"principal": {"type": "agent", "label": "x"}, "grant_policy": {}}), FULL_KEY)).await;
    assert_eq!(agent_p.status, 422);
    let tok = call(&t.app, &Signed::json("POST", "/sdk/token", &token_body_grant(&gid, &mock_url("resend")), FULL_KEY)).await;
    assert_eq!(tok.json()["injection_header"], "X-Api-Key");
    assert_eq!(tok.json()["provider_id"], "resend");
    // Agent lifecycle: update with version, stale version, delete cascades to keys.
    let created = call(&t.app, &Signed::json("POST", "/sdk/agents", &json!({"name": "tmp-bot", "type": "service", "scopes": {}, "metadata": {}}), FULL_KEY)).await.json();
    let id = created["id"].as_str().expect("id").to_string();
    let key = created["api_key"].as_str().expect("key").to_string();
    let no_version = call(&t.app, &Signed::json("PATCH", &format!("/sdk/agents/{id}"), &json!({"scopes": {"google": ["x"]}}), FULL_KEY)).await;
    assert_eq!(no_version.status, 422);
    let up = call(&t.app, &Signed::json("PATCH", &format!("/sdk/agents/{id}?expected_version=1"), &json!({"scopes": {"google": ["x"]}}), FULL_KEY)).await;
    assert_eq!(up.json()["version"], 2);
    let stale = call(&t.app, &Signed::json("PATCH", &format!("/sdk/agents/{id}?expected_version=1"), &json!({"scopes": {}}), FULL_KEY)).await;
    assert_eq!(alter_protocol::mapping::map_agents_error(stale.status.as_u16(), &[], &stale.body).class.name(), "AgentConcurrentUpdateError");
    let keys = call(&t.app, &Signed::new("GET", &format!("/sdk/agents/{id}/keys"), b"", FULL_KEY)).await.json();
    let key_id = keys["items"][0]["key_id"].as_str().expect("key id").to_string();
    let last = call(&t.app, &Signed::new("DELETE", &format!("/sdk/agents/{id}/keys/{key_id}"), b"", FULL_KEY)).await;
    assert_eq!(alter_protocol::mapping::map_agents_error(last.status.as_u16(), &[], &last.body).class.name(), "LastActiveKeyError");
    let del = call(&t.app, &Signed::new("DELETE", &format!("/sdk/agents/{id}"), b"", FULL_KEY)).await;
    assert_eq!(del.json()["status"], "revoked");
    let after = call(&t.app, &Signed::new("GET", "/sdk/agents/me", b"", &key)).await;
    assert_eq!(after.code(), "key_revoked");
    let dup_name = call(&t.app, &Signed::json("POST", "/sdk/agents", &json!({"name": "email-assistant", "type": "agent", "scopes": {}}), FULL_KEY)).await;
    assert_eq!(dup_name.code(), "agent_name_exists");
}

#[tokio::test]
async fn scope_constraints_narrow_the_key_and_cannot_widen_it() {
    let t = vault();
    let mut narrowed = Signed::json("POST", "/sdk/oauth/audit/api-call", &audit_row(&grant("06")), FULL_KEY);
    narrowed.scope_constraints = "tokens:retrieve".into();
    let a = call(&t.app, &narrowed).await;
    assert_eq!((a.status.as_u16(), a.code().as_str()), (403, "insufficient_scope"));
    let mut token = Signed::json("POST", "/sdk/token", &token_body_grant(&grant("06"), URL), FULL_KEY);
    token.scope_constraints = "tokens:retrieve".into();
    assert_eq!(call(&t.app, &token).await.status, 200);
    let mut widen = Signed::json("POST", "/sdk/oauth/audit/api-call", &audit_row(&grant("06")), NO_AUDIT_KEY);
    widen.scope_constraints = "audit:emit,tokens:retrieve".into();
    let w = call(&t.app, &widen).await;
    assert_eq!((w.status.as_u16(), w.code().as_str()), (400, "constraint_not_narrowing"));
}
