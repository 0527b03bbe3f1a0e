//! The endpoints added for the rest of the SDK surface: keys derive / rotate / revoke, mint_grant,
//! managed-secret connect sessions, auth sessions + poll, the OAuth provider catalog, and the
//! `X-Alter-Request-Rule` validation.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use serde_json::{json, Value};

const URL: &str = "http://127.0.0.1:9/mock/google/calendar/v3/events";
const FULL_KEY_ID: &str = "4b000000-0000-4000-8000-000000000001";
const VECTOR_KEY: &str = "alter_rk_abcdefghijklmnopqrstuv_iwpykn";
const VECTOR_KEY_ID: &str = "4b000000-0000-4000-8000-000000000002";
const AGENT_KEY_ID: &str = "4b000000-0000-4000-8000-000000000011";

fn class(a: &Answer) -> String {
    alter_protocol::mapping::map_backend_error(a.status.as_u16(), &[], &a.body).class.name().to_string()
}

fn expect(a: &Answer, status: u16, code: &str) {
    assert_eq!((a.status.as_u16(), a.code().as_str()), (status, code), "{}", String::from_utf8_lossy(&a.body));
}

async fn post(t: &TestVault, path: &str, body: Value, key: &str) -> Answer {
    call(&t.app, &Signed::json("POST", path, &body, key)).await
}

async fn token_ok(t: &TestVault, key: &str, grant_id: &str) -> Answer {
    post(t, "/sdk/token", token_body_grant(grant_id, URL), key).await
}

// ───────────────────────────── keys ─────────────────────────────

#[tokio::test]
async fn derive_mints_a_narrow_expiring_dk_key() {
    let t = vault();
    let a = post(&t, "/sdk/keys/derive", json!({"scopes": ["tokens:retrieve"], "expires_in": 3600, "name": "ci", "metadata": {"job": "1"}}), FULL_KEY).await;
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
    let j = a.json();
    let dk = j["api_key"].as_str().expect("plaintext once").to_string();
    assert!(dk.starts_with("alter_dk_") && alter_protocol::keys::is_valid_key(&dk), "{dk}");
    assert_eq!(j["key_type"], "dk");
    assert_eq!(j["scopes"], json!(["tokens:retrieve"]));
    assert_eq!(j["parent_key_id"], FULL_KEY_ID);
    assert_eq!(j["name"], "ci");
    assert!(j["expires_at"].is_string() && j["revoked_at"].is_null() && j["deprecated_at"].is_null());
    assert_eq!(j["effective_rate_limit_rpm"].is_null(), j["rate_limit_source"].is_null());
    assert!(!j["key_prefix"].as_str().unwrap_or("").is_empty());
    // The derived key authenticates, within its scopes only.
    assert_eq!(token_ok(&t, &dk, &grant("06")).await.status, 200);
    let list = post(&t, "/sdk/grants/list", json!({}), &dk).await;
    expect(&list, 403, "insufficient_scope");
    assert_eq!(class(&list), "InsufficientScopeError");
    // It cannot derive further (no keys:derive).
    expect(&post(&t, "/sdk/keys/derive", json!({"scopes": ["tokens:retrieve"], "expires_in": 60}), &dk).await, 403, "insufficient_scope");
    // A default name, and the TTL capped at 24 h.
    let b = post(&t, "/sdk/keys/derive", json!({"scopes": ["tokens:retrieve"], "expires_in": 10_000_000}), FULL_KEY).await;
    assert_eq!(b.status, 201);
    assert!(b.json()["name"].as_str().unwrap_or("").starts_with("derived-"));
}

#[tokio::test]
async fn derive_refusals() {
    let t = vault();
    let bad = [
        (json!({"scopes": ["keys:derive"], "expires_in": 60}), 400, "invalid_scope_for_derived_key"),
        (json!({"scopes": ["*"], "expires_in": 60}), 400, "invalid_scope_for_derived_key"),
        (json!({"scopes": ["grants:zzz"], "expires_in": 60}), 400, "unknown_scope"),
        (json!({"scopes": [], "expires_in": 60}), 422, "invalid_request"),
        (json!({"scopes": [""], "expires_in": 60}), 422, "invalid_request"),
        (json!({"scopes": ["tokens:retrieve"], "expires_in": 0}), 422, "invalid_request"),
        (json!({"scopes": ["tokens:retrieve"], "expires_in": true}), 422, "invalid_request"),
        (json!({"scopes": ["tokens:retrieve"]}), 422, "invalid_request"),
        (json!({"scopes": "tokens:retrieve", "expires_in": 60}), 422, "invalid_request"),
    ];
    for (body, status, code) in bad {
        let a = post(&t, "/sdk/keys/derive", body.clone(), FULL_KEY).await;
        assert_eq!((a.status.as_u16(), a.code().as_str()), (status, code), "{body}");
    }
    // Not a subset of the caller's (attenuated) scopes.
    let mut s = Signed::json("POST", "/sdk/keys/derive", &json!({"scopes": ["grants:read"], "expires_in": 60}), FULL_KEY);
    s.scope_constraints = "keys:derive,tokens:retrieve".into();
    let a = call(&t.app, &s).await;
    expect(&a, 400, "scope_not_subset");
    assert_eq!(class(&a), "BackendError");
    // A key without keys:derive.
    expect(&post(&t, "/sdk/keys/derive", json!({"scopes": ["tokens:retrieve"], "expires_in": 60}), NO_AUDIT_KEY).await, 403, "insufficient_scope");
    // Junk body.
    let junk = call(&t.app, &Signed::new("POST", "/sdk/keys/derive", b"{nope", FULL_KEY)).await;
    expect(&junk, 422, "invalid_request");
}

#[tokio::test]
async fn rotate_mints_a_successor_and_deprecates_the_old_key() {
    let t = vault();
    let a = post(&t, &format!("/sdk/keys/{VECTOR_KEY_ID}/rotate"), json!({"overlap_days": 7}), FULL_KEY).await;
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
    let j = a.json();
    let succ = j["api_key"].as_str().expect("successor").to_string();
    assert!(succ.starts_with("alter_rk_") && alter_protocol::keys::is_valid_key(&succ));
    assert_eq!(j["parent_key_id"], VECTOR_KEY_ID);
    assert_eq!(j["scopes"], json!(["*"]));
    assert_eq!(token_ok(&t, &succ, &grant("06")).await.status, 200);
    // The old key works during the overlap, flagged as deprecated.
    let old = token_ok(&t, VECTOR_KEY, &grant("06")).await;
    assert_eq!(old.status, 200);
    assert_eq!(old.header("x-alter-key-deprecated").as_deref(), Some("true"));
    // Rotating it again is refused.
    expect(&post(&t, &format!("/sdk/keys/{VECTOR_KEY_ID}/rotate"), json!({"overlap_days": 7}), FULL_KEY).await, 409, "key_already_rotated");

    // overlap_days = 0: the old key stops at once.
    let succ_id = j["id"].as_str().unwrap_or("").to_string();
    let b = post(&t, &format!("/sdk/keys/{succ_id}/rotate"), json!({"overlap_days": 0}), FULL_KEY).await;
    assert_eq!(b.status, 201);
    let gone = token_ok(&t, &succ, &grant("06")).await;
    expect(&gone, 401, "key_rotated_grace_expired");
}

#[tokio::test]
async fn rotate_refusals() {
    let t = vault();
    for (body, status, code) in [
        (json!({"overlap_days": 31}), 422, "invalid_request"),
        (json!({"overlap_days": -1}), 422, "invalid_request"),
        (json!({"overlap_days": "7"}), 422, "invalid_request"),
    ] {
        let a = post(&t, &format!("/sdk/keys/{VECTOR_KEY_ID}/rotate"), body.clone(), FULL_KEY).await;
        assert_eq!((a.status.as_u16(), a.code().as_str()), (status, code), "{body}");
    }
    expect(&post(&t, "/sdk/keys/00000000-0000-4000-8000-000000000000/rotate", json!({"overlap_days": 1}), FULL_KEY).await, 404, "key_not_found");
    expect(&post(&t, "/sdk/keys/not-a-key/rotate", json!({"overlap_days": 1}), FULL_KEY).await, 404, "key_not_found");
    expect(&post(&t, "/sdk/keys/4b000000-0000-4000-8000-000000000004/rotate", json!({"overlap_days": 1}), FULL_KEY).await, 409, "key_not_active");
    // A derived key cannot rotate.
    let dk = post(&t, "/sdk/keys/derive", json!({"scopes": ["tokens:retrieve"], "expires_in": 60}), FULL_KEY).await.json();
    let dk_id = dk["id"].as_str().unwrap_or("");
    expect(&post(&t, &format!("/sdk/keys/{dk_id}/rotate"), json!({"overlap_days": 1}), FULL_KEY).await, 400, "derived_key_not_rotatable");
    // An agent key reaches only its own agent's keys; a key without keys:admin reaches nothing.
    expect(&post(&t, &format!("/sdk/keys/{VECTOR_KEY_ID}/rotate"), json!({"overlap_days": 1}), AGENT_KEY).await, 404, "key_not_found");
    expect(&post(&t, &format!("/sdk/keys/{VECTOR_KEY_ID}/rotate"), json!({"overlap_days": 1}), NO_AUDIT_KEY).await, 403, "insufficient_scope");
    // The legacy app's key is not the demo app's to rotate.
    expect(&post(&t, "/sdk/keys/4b000000-0000-4000-8000-000000000007/rotate", json!({"overlap_days": 1}), FULL_KEY).await, 404, "key_not_found");
}

#[tokio::test]
async fn revoke_cascades_to_derived_keys_and_guards_the_last_agent_key() {
    let t = vault();
    // A derived key under the spec-vector key, and one under that.
    let mut s = Signed::json("POST", "/sdk/keys/derive", &json!({"scopes": ["tokens:retrieve", "keys:admin"], "expires_in": 600}), VECTOR_KEY);
    s.nonce = fresh_nonce();
    let dk1 = call(&t.app, &s).await.json();
    let dk1_key = dk1["api_key"].as_str().unwrap_or("").to_string();
    assert_eq!(token_ok(&t, &dk1_key, &grant("06")).await.status, 200);
    let r = call(&t.app, &Signed::new("DELETE", &format!("/sdk/keys/{VECTOR_KEY_ID}"), b"", FULL_KEY)).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let j = r.json();
    assert_eq!(j["id"], VECTOR_KEY_ID);
    assert!(j["revoked_at"].is_string());
    assert!(j.get("api_key").is_none(), "no plaintext on revoke");
    expect(&token_ok(&t, VECTOR_KEY, &grant("06")).await, 401, "key_revoked");
    expect(&token_ok(&t, &dk1_key, &grant("06")).await, 401, "key_revoked");
    // Idempotent.
    assert_eq!(call(&t.app, &Signed::new("DELETE", &format!("/sdk/keys/{VECTOR_KEY_ID}"), b"", FULL_KEY)).await.status, 200);
    // The agent's only key: refused without force, revoked with it.
    let path = format!("/sdk/keys/{AGENT_KEY_ID}");
    let g = call(&t.app, &Signed::new("DELETE", &path, b"", FULL_KEY)).await;
    expect(&g, 409, "last_active_key");
    // keys.* use the canonical mapper (api-surface §2.7), where this code is a BackendError.
    assert_eq!(class(&g), "BackendError");
    let f = call(&t.app, &Signed::new("DELETE", &format!("{path}?force=true"), b"", FULL_KEY)).await;
    assert_eq!(f.status, 200);
    expect(&token_ok(&t, AGENT_KEY, &grant("01")).await, 401, "key_revoked");
    expect(&call(&t.app, &Signed::new("DELETE", "/sdk/keys/00000000-0000-4000-8000-000000000000", b"", FULL_KEY)).await, 404, "key_not_found");
}

// ───────────────────────────── mint_grant ─────────────────────────────

#[tokio::test]
async fn mint_grant_creates_a_sibling_on_the_same_credential() {
    let t = vault();
    let a = post(&t, &format!("/sdk/grants/{}/mint", grant("01")), json!({"label": "second-use", "grant_policy": {"max_ttl_seconds": 3600}, "grant_tags": ["x"]}), FULL_KEY).await;
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
    let j = a.json();
    let id = j["grant_id"].as_str().expect("id").to_string();
    assert_ne!(id, grant("01"));
    assert_eq!(j["provider_id"], "google");
    assert_eq!(j["principal_type"], "user");
    assert_eq!(j["label"], "second-use");
    assert_eq!(j["status"], "active");
    assert_eq!(j["grant_policy"], json!({"max_ttl_seconds": 3600}));
    assert!(j["created_at"].is_string());
    // Usable, on the source's credential.
    let src = token_ok(&t, FULL_KEY, &grant("01")).await.json();
    let sib = token_ok(&t, FULL_KEY, &id).await.json();
    assert_eq!(sib["grant_id"], id);
    assert_eq!(sib["access_token"], src["access_token"]);
    // The label is taken now.
    let c = post(&t, &format!("/sdk/grants/{}/mint", grant("01")), json!({"label": "second-use"}), FULL_KEY).await;
    expect(&c, 409, "sibling_label_conflict");
    assert_eq!(class(&c), "SiblingLabelConflictError");
    // No delegations are copied: email-assistant holds grant 01 but not the sibling.
    expect(&token_ok(&t, AGENT_KEY, &id).await, 404, "grant_not_found");
}

#[tokio::test]
async fn mint_grant_refusals() {
    let t = vault();
    let path = format!("/sdk/grants/{}/mint", grant("01"));
    let a = post(&t, &path, json!({"label": "x"}), AGENT_KEY).await;
    expect(&a, 403, "agents_cannot_mint");
    assert_eq!(class(&a), "PolicyViolationError");
    expect(&post(&t, &path, json!({"label": "x", "grant_policy": {"default_ttl_seconds": 60}}), FULL_KEY).await, 422, "invalid_grant_policy");
    expect(&post(&t, &path, json!({"label": "x", "grant_policy": {"colour": 1}}), FULL_KEY).await, 422, "invalid_grant_policy");
    for policy in [
        json!({"restrictions": 5}),
        json!({"requires_approval": "yes?"}),
        json!({"restrictions": {"allowed_methods": "GET"}}),
        json!({"restrictions": {"allowed_verbs": ["GET"]}}),
        json!({"expires_at": 5}),
        json!({"max_ttl_seconds": 0}),
    ] {
        let a = post(&t, &path, json!({"label": "x", "grant_policy": policy}), FULL_KEY).await;
        assert_eq!((a.status.as_u16(), a.code().as_str()), (422, "invalid_grant_policy"), "{policy}");
    }
    let ok = post(&t, &path, json!({"label": "restricted", "grant_policy": {"restrictions": {"allowed_methods": ["GET"]}, "requires_approval": false}}), FULL_KEY).await;
    assert_eq!(ok.status, 201, "{}", String::from_utf8_lossy(&ok.body));
    let restricted_id = ok.json()["grant_id"].as_str().unwrap_or("").to_string();
    expect(&token_ok(&t, FULL_KEY, &restricted_id).await, 403, "restricted_grant_requires_proxy");
    expect(&post(&t, &path, json!({"label": ""}), FULL_KEY).await, 422, "invalid_request");
    expect(&post(&t, &path, json!({}), FULL_KEY).await, 422, "invalid_request");
    expect(&post(&t, &path, json!({"label": "x", "grant_tags": [""]}), FULL_KEY).await, 422, "invalid_request");
    let nf = post(&t, "/sdk/grants/00000000-0000-4000-8000-000000000000/mint", json!({"label": "x"}), FULL_KEY).await;
    expect(&nf, 404, "grant_not_found");
    assert_eq!(class(&nf), "GrantNotFoundError");
    // Not active (revoked) → not found; grant-level rules (approval policy, proxy-only) → 403.
    expect(&post(&t, &format!("/sdk/grants/{}/mint", grant("20")), json!({"label": "x"}), FULL_KEY).await, 404, "grant_not_found");
    expect(&post(&t, &format!("/sdk/grants/{}/mint", grant("13")), json!({"label": "x"}), FULL_KEY).await, 403, "mint_source_has_grant_rules");
    expect(&post(&t, &format!("/sdk/grants/{}/mint", grant("26")), json!({"label": "x"}), FULL_KEY).await, 403, "mint_source_has_grant_rules");
    // Another app's grant.
    expect(&post(&t, &format!("/sdk/grants/{}/mint", grant("07")), json!({"label": "x"}), FULL_KEY).await, 404, "grant_not_found");
    // Without grants:write.
    expect(&post(&t, &path, json!({"label": "x"}), NO_AUDIT_KEY).await, 403, "insufficient_scope");
}

// ──────────────────────── managed-secret connect sessions ────────────────────────

const MS_PATH: &str = "/sdk/managed-secrets/connect/session";

fn ms_session_shape_ok(j: &Value) {
    for k in ["session_token", "connect_url", "expires_at"] {
        assert!(j[k].as_str().is_some_and(|s| !s.is_empty()), "{k}: {j}");
    }
    assert!(j["expires_in"].is_u64());
    assert!(j["delegable_requested"].is_boolean() && j["direct"].is_boolean());
    assert!(j.as_object().is_some_and(|m| m.contains_key("path")), "path is always present");
}

#[tokio::test]
async fn managed_secret_connect_session_paths() {
    let t = vault();
    let jwt = mint_jwt(&t.app, "alice").await;
    // alice holds no resend key yet: key_entry.
    let a = post(&t, MS_PATH, json!({"provider": "resend", "user_token": jwt, "requested_grant": {"label": "mine"}}), FULL_KEY).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let j = a.json();
    ms_session_shape_ok(&j);
    assert_eq!(j["path"], "key_entry");
    assert_eq!(j["secret_slug"], "resend");
    assert!(j["existing_grant_id"].is_null() && j["agent_id"].is_null() && j["template_slug"].is_null());
    assert_eq!(j["delegable_requested"], false);
    // The admin API completes it: alice's own resend grant, labelled as requested.
    let token = j["session_token"].as_str().unwrap_or("");
    let done = admin(&t.app, "POST", &format!("/admin/connect/{token}/complete"), None).await;
    assert_eq!(done.status, 200, "{}", String::from_utf8_lossy(&done.body));
    let gid = done.json()["grant"]["grant_id"].as_str().unwrap_or("").to_string();
    assert_eq!(done.json()["grant"]["operation"], "creation");
    let list = post(&t, "/sdk/grants/list", json!({"user_token": jwt, "provider_id": "resend"}), FULL_KEY).await.json();
    assert_eq!(list["grants"][0]["grant_id"], gid);
    assert_eq!(list["grants"][0]["label"], "mine");
    assert_eq!(list["grants"][0]["principal_type"], "user");
    // Now she holds one: fast_path on it, delegated to the named agent.
    let b = post(&t, MS_PATH, json!({"provider": "resend", "agent": "email-assistant", "user_token": jwt, "delegable": true}), FULL_KEY).await;
    assert_eq!(b.status, 200);
    let jb = b.json();
    assert_eq!(jb["path"], "fast_path");
    assert_eq!(jb["existing_grant_id"], gid);
    assert_eq!(jb["agent_id"], EMAIL_AGENT_ID);
    assert_eq!(jb["delegable_requested"], true);
    let tb = jb["session_token"].as_str().unwrap_or("");
    let d = admin(&t.app, "POST", &format!("/admin/connect/{tb}/complete"), None).await.json();
    assert_eq!(d["grant"]["delegation"]["agent_id"], EMAIL_AGENT_ID);
    let del_id = d["grant"]["delegation"]["grant_id"].as_str().unwrap_or("").to_string();
    assert_eq!(post(&t, "/sdk/token", token_body_grant(&del_id, &mock_url("resend")), AGENT_KEY).await.status, 200);
    // repair of her own key.
    let c = post(&t, MS_PATH, json!({"provider": "resend", "user_token": jwt, "repair_grant_id": gid}), FULL_KEY).await.json();
    assert_eq!(c["path"], "repair");
    assert_eq!(c["existing_grant_id"], gid);
    // An agent's own key: the session targets the agent and reveals nothing of what she holds.
    let e = post(&t, MS_PATH, json!({"provider": "resend", "user_token": jwt}), AGENT_KEY).await;
    assert_eq!(e.status, 200);
    let je = e.json();
    ms_session_shape_ok(&je);
    assert!(je["path"].is_null() && je["existing_grant_id"].is_null());
    assert_eq!(je["agent_id"], EMAIL_AGENT_ID);
    // The deprecated template_slug spelling.
    let f = post(&t, MS_PATH, json!({"template_slug": "Resend", "user_token": jwt}), FULL_KEY).await.json();
    assert_eq!(f["secret_slug"], "resend");
    assert_eq!(f["template_slug"], "Resend");
}

#[tokio::test]
async fn managed_secret_connect_session_refusals() {
    let t = vault();
    let jwt = mint_jwt(&t.app, "alice").await;
    let cases = [
        (json!({"provider": "nope", "user_token": jwt}), 404, "secret_not_found"),
        (json!({"provider": "Bad_Slug", "user_token": jwt}), 422, "invalid_request"),
        (json!({"user_token": jwt}), 422, "invalid_request"),
        (json!({"provider": "resend"}), 422, "invalid_request"),
        (json!({"provider": "resend", "user_token": "x.y.z"}), 401, "jwt_validation_error"),
        (json!({"provider": "resend", "user_token": jwt, "allowed_origin": "https://app.example/path"}), 400, "invalid_origin"),
        (json!({"provider": "resend", "user_token": jwt, "agent": "ghost"}), 404, "agent_not_found"),
        (json!({"provider": "resend", "user_token": jwt, "repair_grant_id": "00000000-0000-4000-8000-000000000000"}), 404, "grant_not_found"),
        (json!({"provider": "resend", "user_token": jwt, "repair_grant_id": grant("11"), "agent": "email-assistant"}), 422, "invalid_request"),
        (json!({"provider": "resend", "user_token": jwt, "grant_policy": {"max_ttl_seconds": 60}, "requested_ttl_seconds": 60}), 422, "invalid_request"),
        (json!({"provider": "resend", "user_token": jwt, "grant_policy": {"nope": 1}}), 422, "invalid_grant_policy"),
        (json!({"provider": "resend", "user_token": jwt, "requested_grant": {"label": "a", "x": 1}}), 422, "invalid_request"),
        (json!({"provider": "resend", "user_token": jwt, "delegable": "yes"}), 422, "invalid_request"),
        (json!({"provider": "resend", "user_token": jwt, "surprise": 1}), 422, "invalid_request"),
    ];
    for (body, status, code) in cases {
        let a = post(&t, MS_PATH, body.clone(), FULL_KEY).await;
        assert_eq!((a.status.as_u16(), a.code().as_str()), (status, code), "{body}: {}", String::from_utf8_lossy(&a.body));
    }
    let a = post(&t, MS_PATH, json!({"provider": "nope", "user_token": jwt}), FULL_KEY).await;
    assert_eq!(class(&a), "ConnectConfigError");
    // An agent key naming another agent.
    let b = post(&t, MS_PATH, json!({"provider": "resend", "user_token": jwt, "agent": "research-agent"}), AGENT_KEY).await;
    expect(&b, 400, "agent_cannot_delegate_to_other_agent");
    // Missing scopes (connect:initiate + secrets:write).
    expect(&post(&t, MS_PATH, json!({"provider": "resend", "user_token": jwt}), NO_AUDIT_KEY).await, 403, "insufficient_scope");
}

// ───────────────────────────── auth sessions ─────────────────────────────

#[tokio::test]
async fn auth_session_completes_through_the_admin_api() {
    let t = vault();
    let a = post(&t, "/sdk/auth/session", json!({}), FULL_KEY).await;
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
    let j = a.json();
    let token = j["session_token"].as_str().expect("token").to_string();
    assert!(j["auth_url"].as_str().is_some_and(|u| u.contains(&token)));
    assert!(j["expires_in"].is_u64() && j["expires_at"].is_string());
    let p = post(&t, "/sdk/auth/poll", json!({"session_token": token}), FULL_KEY).await;
    assert_eq!(p.json(), json!({"status": "pending"}));
    // A held poll is answered by the completion.
    let app = t.app.clone();
    let held_token = token.clone();
    let held = tokio::spawn(async move { call(&app, &Signed::json("POST", "/sdk/auth/poll", &json!({"session_token": held_token, "wait_ms": 20000}), FULL_KEY)).await });
    tokio::task::yield_now().await;
    let done = admin(&t.app, "POST", &format!("/admin/auth/{token}/complete"), Some(json!({"sub": "alice"}))).await;
    assert_eq!(done.status, 200, "{}", String::from_utf8_lossy(&done.body));
    let h = held.await.expect("poll task").json();
    assert_eq!(h["status"], "completed");
    assert_eq!(h["user_info"]["sub"], "alice");
    assert_eq!(h["user_info"]["email"], "alice@example.com");
    let jwt = h["user_token"].as_str().expect("jwt");
    let v = post(&t, "/sdk/auth/verify-token", json!({"token": jwt}), FULL_KEY).await;
    assert_eq!(v.json()["sub"], "alice");
    // Decided sessions cannot be decided again.
    assert_eq!(admin(&t.app, "POST", &format!("/admin/auth/{token}/deny"), None).await.status, 409);
}

#[tokio::test]
async fn auth_session_denied_unknown_and_bad_input() {
    let t = vault();
    let token = post(&t, "/sdk/auth/session", json!({}), FULL_KEY).await.json()["session_token"].as_str().unwrap_or("").to_string();
    assert_eq!(admin(&t.app, "POST", &format!("/admin/auth/{token}/deny"), None).await.status, 200);
    let p = post(&t, "/sdk/auth/poll", json!({"session_token": token}), FULL_KEY).await.json();
    assert_eq!(p["status"], "error");
    assert_eq!(p["error_code"], "access_denied");
    assert_eq!(post(&t, "/sdk/auth/poll", json!({"session_token": "as_unknown"}), FULL_KEY).await.json(), json!({"status": "expired"}));
    expect(&post(&t, "/sdk/auth/poll", json!({"session_token": ""}), FULL_KEY).await, 422, "invalid_request");
    expect(&post(&t, "/sdk/auth/poll", json!({"session_token": token, "wait_ms": 30000}), FULL_KEY).await, 422, "invalid_request");
    expect(&post(&t, "/sdk/auth/session", json!([]), FULL_KEY).await, 422, "invalid_request");
    expect(&post(&t, "/sdk/auth/session", json!({}), NO_AUDIT_KEY).await, 403, "insufficient_scope");
    expect(&post(&t, "/sdk/auth/poll", json!({"session_token": token}), NO_AUDIT_KEY).await, 403, "insufficient_scope");
    // Admin completion needs a configured user and the admin token.
    let t2 = post(&t, "/sdk/auth/session", json!({}), FULL_KEY).await.json()["session_token"].as_str().unwrap_or("").to_string();
    assert_eq!(admin(&t.app, "POST", &format!("/admin/auth/{t2}/complete"), Some(json!({"sub": "mallory"}))).await.status, 422);
    assert_eq!(admin(&t.app, "POST", "/admin/auth/as_unknown/complete", Some(json!({"sub": "alice"}))).await.status, 404);
    let req = axum::http::Request::builder().method("POST").uri(format!("/admin/auth/{t2}/complete")).body(axum::body::Body::empty()).expect("req");
    assert_eq!(send(&t.app, req).await.status, 401);
    // The auth_url answers GET with how to decide.
    let page = send(&t.app, axum::http::Request::builder().uri(format!("/auth/{t2}")).body(axum::body::Body::empty()).expect("req")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.json()["status"], "pending");
}

// ───────────────────────────── provider catalog ─────────────────────────────

#[tokio::test]
async fn oauth_provider_catalog() {
    let t = vault();
    let a = call(&t.app, &Signed::new("GET", "/sdk/oauth/provider-catalog", b"", FULL_KEY)).await;
    assert_eq!(a.status, 200);
    let j = a.json();
    let providers = j["providers"].as_object().expect("providers");
    for id in ["google", "github", "slack", "microsoft"] {
        let p = &providers[id];
        assert_eq!(p["id"], id);
        for k in ["name", "display_name", "status"] {
            assert!(p[k].is_string(), "{id}.{k}");
        }
        assert!(p["supports_refresh"].is_boolean() && p["supports_pkce"].is_boolean());
        assert!(p["default_scopes"].is_array() && p["required_scopes"].is_array());
        for (_, s) in p["available_scopes"].as_object().expect("available_scopes") {
            assert!(s["description"].is_string() && s["required"].is_boolean() && s["is_default"].is_boolean() && s["requires"].is_array());
        }
    }
    assert!(providers["google"]["default_scopes"].as_array().is_some_and(|a| a.iter().any(|s| s == "openid")));
    assert!(!providers.contains_key("resend"), "managed secrets are not OAuth providers");
    expect(&call(&t.app, &Signed::new("GET", "/sdk/oauth/provider-catalog", b"", NO_AUDIT_KEY)).await, 403, "insufficient_scope");
}

// ───────────────────────────── request rules ─────────────────────────────

fn rule(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap_or_default())
}

#[tokio::test]
async fn request_rule_is_validated() {
    let t = vault();
    let mut ok = Signed::json("POST", "/sdk/token", &token_body_grant(&grant("06"), URL), FULL_KEY);
    ok.request_rule = Some(rule(&json!({"rule_type": "content_match", "rule_body": {"match": {"families": ["send"]}, "effect": "deny"}})));
    assert_eq!(call(&t.app, &ok).await.status, 200);
    for bad in [
        rule(&json!({"rule_type": "deny_all", "rule_body": {}})),
        rule(&json!({"rule_type": "content_match", "rule_body": {"match": {}, "effect": "deny"}})),
        rule(&json!({"rule_type": "content_match", "rule_body": {"match": {"families": ["send"]}, "effect": "redact"}})),
        "not base64 !".to_string(),
        URL_SAFE_NO_PAD.encode(b"[1,2]"),
        "A".repeat(4097),
    ] {
        let mut s = Signed::json("POST", "/sdk/token", &token_body_grant(&grant("06"), URL), FULL_KEY);
        s.request_rule = Some(bad.clone());
        let a = call(&t.app, &s).await;
        expect(&a, 400, "invalid_request_rule");
    }
    // The rule is part of the signature: stripping it breaks the request.
    let mut req = ok.clone();
    req.nonce = fresh_nonce();
    let mut r = req.request();
    r.headers_mut().remove("X-Alter-Request-Rule");
    expect(&send(&t.app, r).await, 401, "invalid_signature");
}

// ──────────────────────── OAuth connect-session options ────────────────────────

const CS: &str = "/sdk/oauth/connect/session";
const POLL: &str = "/sdk/oauth/connect/session/poll";

async fn session(t: &TestVault, body: Value) -> String {
    let a = post(t, CS, body, FULL_KEY).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    a.json()["session_token"].as_str().expect("token").to_string()
}

async fn poll(t: &TestVault, token: &str) -> Value {
    post(t, POLL, json!({"session_token": token}), FULL_KEY).await.json()
}

#[tokio::test]
async fn connect_session_label_restrictions_policy_and_scope_constraint_reach_the_grant() {
    let t = vault();
    let jwt = mint_jwt(&t.app, "bob").await;
    let s = session(&t, json!({"allowed_providers": ["github"], "user_token": jwt, "requested_grant": {"label": "ci", "restrictions": {"allowed_methods": ["GET"]}}, "grant_policy": {"max_ttl_seconds": 7200, "default_ttl_seconds": 3600}, "required_scopes": {"github": ["repo"]}})).await;
    assert_eq!(admin(&t.app, "POST", &format!("/admin/connect/{s}/complete"), None).await.status, 200);
    let p = poll(&t, &s).await;
    assert_eq!(p["status"], "completed");
    let g = &p["grants"][0];
    assert_eq!(g["operation"], "creation");
    assert_eq!(g["grant_policy"]["created_by"], "developer");
    assert!(g["grant_policy"]["expires_at"].is_string());
    assert_eq!(p["failed_grants"], json!([]));
    let gid = g["grant_id"].as_str().unwrap_or("").to_string();
    let listed = post(&t, "/sdk/grants/list", json!({"user_token": jwt, "provider_id": "github"}), FULL_KEY).await.json();
    assert_eq!(listed["grants"][0]["label"], "ci");
    // Restrictions make the grant proxy-only.
    let tok = token_ok(&t, FULL_KEY, &gid).await;
    expect(&tok, 403, "restricted_grant_requires_proxy");
    // An agent session with a scope constraint: the delegation is proxy-only.
    let s2 = session(&t, json!({"allowed_providers": ["github"], "user_token": jwt, "agent": "email-assistant", "scope_constraint": ["repo"]})).await;
    assert_eq!(admin(&t.app, "POST", &format!("/admin/connect/{s2}/complete"), None).await.status, 200);
    let p2 = poll(&t, &s2).await;
    assert_eq!(p2["grants"][0]["delegation"]["agent_id"], EMAIL_AGENT_ID);
    let root = p2["grants"][0]["grant_id"].as_str().unwrap_or("");
    expect(&token_ok(&t, AGENT_KEY, root).await, 400, "delegated_grant_requires_proxy");
}

#[tokio::test]
async fn connect_session_repair_reauthorises_the_grant() {
    let t = vault();
    let m = post(&t, CS, json!({"allowed_providers": ["google"], "required_scopes": {"google": ["https://www.googleapis.com/auth/gmail.send"]}}), FULL_KEY).await;
    assert_eq!(class(&m), "ConnectConfigError");
    assert_eq!(m.json()["detail"]["details"]["unapproved_scopes"], json!(["https://www.googleapis.com/auth/gmail.send"]));
    assert_eq!(m.json()["detail"]["retryable"], false);
    let jwt = mint_jwt(&t.app, "alice").await;
    let before = token_ok(&t, FULL_KEY, &grant("01")).await.json();
    let s = session(&t, json!({"allowed_providers": ["google"], "user_token": jwt, "repair_grant_id": grant("01")})).await;
    assert_eq!(admin(&t.app, "POST", &format!("/admin/connect/{s}/complete"), None).await.status, 200);
    let p = poll(&t, &s).await;
    assert_eq!(p["grants"][0]["operation"], "reauth");
    assert_eq!(p["grants"][0]["grant_id"], grant("01"));
    let after = token_ok(&t, FULL_KEY, &grant("01")).await.json();
    assert_ne!(before["access_token"], after["access_token"], "a new credential");
    // Refusals.
    let cases = [
        (json!({"allowed_providers": ["google"], "user_token": jwt, "repair_grant_id": grant("05")}), 404, "grant_not_found"),
        (json!({"allowed_providers": ["google"], "repair_grant_id": grant("01")}), 404, "grant_not_found"),
        (json!({"allowed_providers": ["google", "github"], "user_token": jwt, "repair_grant_id": grant("01")}), 422, "invalid_request"),
        (json!({"allowed_providers": ["google"], "user_token": jwt, "repair_grant_id": grant("01"), "switch_account": true}), 422, "invalid_request"),
        (json!({"allowed_providers": ["google"], "user_token": jwt, "repair_grant_id": "6A000000-0000-4000-8000-000000000001"}), 422, "invalid_request"),
        (json!({"allowed_providers": ["google"], "user_token": jwt, "scope_constraint": ["a"]}), 422, "invalid_scope_constraint"),
        (json!({"allowed_providers": ["google"], "grant_policy": {"expires_at": "2030-01-01T00:00:00Z"}}), 422, "invalid_grant_policy"),
        (json!({"allowed_providers": ["google"], "grant_policy": {"max_ttl_seconds": 60, "default_ttl_seconds": 120}}), 422, "invalid_grant_policy"),
        (json!({"allowed_providers": ["google"], "required_scopes": {"google": ["admin"]}}), 400, "scope_not_allowed"),
        (json!({"allowed_providers": ["google"], "required_scopes": {"google": ["openid", "https://www.googleapis.com/auth/gmail.send"]}}), 409, "managed_oauth_scope_approval_required"),
        (json!({"allowed_providers": ["google"], "metadata": {"colour": "red"}}), 422, "invalid_request"),
        (json!({"allowed_providers": ["google"], "requested_grant": {"label": "x", "extra": 1}}), 422, "invalid_request"),
        (json!({"allowed_providers": ["google"], "switch_account": "yes"}), 422, "invalid_request"),
    ];
    for (body, status, code) in cases {
        let a = post(&t, CS, body.clone(), FULL_KEY).await;
        assert_eq!((a.status.as_u16(), a.code().as_str()), (status, code), "{body}: {}", String::from_utf8_lossy(&a.body));
    }
}

#[tokio::test]
async fn connect_session_declines_custom_errors_and_failed_grants() {
    let t = vault();
    let s = session(&t, json!({"allowed_providers": ["google", "github"]})).await;
    let d = admin(&t.app, "POST", &format!("/admin/connect/{s}/decline"), Some(json!({"provider_id": "github"}))).await;
    assert_eq!(d.status, 200);
    let p = poll(&t, &s).await;
    assert_eq!(p["status"], "pending");
    assert_eq!(p["declined_providers"][0]["provider_id"], "github");
    assert_eq!(p["declined_providers"][0]["error_code"], "access_denied");
    assert!(p["declined_providers"][0]["declined_at"].is_string());
    assert_eq!(admin(&t.app, "POST", &format!("/admin/connect/{s}/decline"), None).await.status, 422);
    // Completed with only failures.
    let failed = json!([{"provider_id": "google", "reason": "activation_failed", "message": "boom"}]);
    let c = admin(&t.app, "POST", &format!("/admin/connect/{s}/complete"), Some(json!({"no_grant": true, "failed_grants": failed}))).await;
    assert_eq!(c.status, 200);
    let p = poll(&t, &s).await;
    assert_eq!(p["status"], "completed");
    assert_eq!(p["grants"], json!([]));
    assert_eq!(p["failed_grants"], failed);
    assert_eq!(admin(&t.app, "POST", &format!("/admin/connect/{s}/decline"), Some(json!({"provider_id": "google"}))).await.status, 409);
    // A chosen error code.
    let s2 = session(&t, json!({"allowed_providers": ["google"]})).await;
    assert_eq!(admin(&t.app, "POST", &format!("/admin/connect/{s2}/deny"), Some(json!({"error_code": "connect_config_error", "error_message": "bad client"}))).await.status, 200);
    assert_eq!(poll(&t, &s2).await, json!({"status": "error", "error": {"error_code": "connect_config_error", "error_message": "bad client"}}));
    // Malformed failed_grants.
    let s3 = session(&t, json!({"allowed_providers": ["google"]})).await;
    assert_eq!(admin(&t.app, "POST", &format!("/admin/connect/{s3}/complete"), Some(json!({"failed_grants": [{"provider_id": "x"}]}))).await.status, 422);
    assert_eq!(admin(&t.app, "POST", &format!("/admin/connect/{s3}/explode"), None).await.status, 404);
}

// ───────────────────── managed-secret grants with several credentials ─────────────────────

#[tokio::test]
async fn managed_secret_grant_credential_choice() {
    let t = vault();
    let path = "/sdk/managed-secrets/5e000000-0000-4000-8000-000000000005/grants";
    let sys = json!({"type": "system", "label": null});
    let a = post(&t, path, json!({"principal": sys, "grant_policy": {}}), FULL_KEY).await;
    expect(&a, 409, "credential_id_required");
    assert_eq!(class(&a), "CredentialIdRequiredError");
    let creds = &a.json()["detail"]["details"]["credentials"];
    assert_eq!(creds, &json!([{"id": "c7000000-0000-4000-8000-000000000001", "label": "primary"}, {"id": "c7000000-0000-4000-8000-000000000002", "label": "backup"}]));
    let e = post(&t, path, json!({"principal": sys, "grant_policy": {}, "credential_id": "c7000000-0000-4000-8000-000000000003"}), FULL_KEY).await;
    expect(&e, 409, "end_user_credential_not_assignable");
    assert_eq!(class(&e), "EndUserCredentialNotAssignableError");
    let n = post(&t, path, json!({"principal": sys, "grant_policy": {}, "credential_id": "c7000000-0000-4000-8000-000000000009"}), FULL_KEY).await;
    expect(&n, 404, "grant_not_found");
    let ok = post(&t, path, json!({"principal": {"type": "system", "label": "backup-use"}, "grant_policy": {}, "credential_id": "c7000000-0000-4000-8000-000000000002"}), FULL_KEY).await;
    assert_eq!(ok.status, 201, "{}", String::from_utf8_lossy(&ok.body));
    assert_eq!(ok.json()["credential_id"], "c7000000-0000-4000-8000-000000000002");
    // A single-credential secret needs no credential_id.
    let single = post(&t, "/sdk/managed-secrets/5e000000-0000-4000-8000-000000000001/grants", json!({"principal": {"type": "system", "label": "x"}, "grant_policy": {}}), FULL_KEY).await;
    assert_eq!(single.status, 201);
}

// ───────────────────── agents.update: staged narrowing ─────────────────────

#[tokio::test]
async fn agent_scope_narrowing_is_staged_for_the_grace_period() {
    let t = vault();
    let base = format!("/sdk/agents/{EMAIL_AGENT_ID}");
    let narrower = json!({"scopes": {"google": ["https://www.googleapis.com/auth/gmail.send"]}});
    let a = call(&t.app, &Signed::json("PATCH", &format!("{base}?expected_version=1&grace_seconds=3600"), &narrower, FULL_KEY)).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let j = a.json();
    assert_eq!(j["scopes"]["managed_secret_slugs"], json!(["resend"]), "still in force during the grace period");
    assert_eq!(j["scopes_pending"], narrower["scopes"]);
    assert!(j["scopes_applies_at"].is_string());
    assert_eq!(j["version"], 2);
    // Widening applies at once and clears the staged change.
    let wider = json!({"scopes": {"google": ["https://www.googleapis.com/auth/gmail.send", "openid"], "managed_secret_slugs": ["resend", "openai"]}});
    let b = call(&t.app, &Signed::json("PATCH", &format!("{base}?expected_version=2"), &wider, FULL_KEY)).await.json();
    assert_eq!(b["scopes"], wider["scopes"]);
    assert!(b.get("scopes_pending").is_none());
    // grace_seconds=0 narrows at once.
    let c = call(&t.app, &Signed::json("PATCH", &format!("{base}?expected_version=3&grace_seconds=0"), &narrower, FULL_KEY)).await.json();
    assert_eq!(c["scopes"], narrower["scopes"]);
    // Refusals.
    for (path, body, status, code) in [
        (format!("{base}?grace_seconds=60"), json!({"display_name": "x"}), 422, "invalid_request"),
        (format!("{base}?expected_version=4&grace_seconds=604801"), narrower.clone(), 422, "invalid_request"),
        (format!("{base}?expected_version=4&grace_seconds=abc"), narrower.clone(), 422, "invalid_request"),
        (format!("{base}?expected_version=4"), json!({"scopes": {"managed_secrets": ["Resend"]}}), 422, "legacy_managed_secret_name_rejected"),
        (format!("{base}?expected_version=1"), narrower.clone(), 409, "agent_concurrent_update"),
    ] {
        let r = call(&t.app, &Signed::json("PATCH", &path, &body, FULL_KEY)).await;
        assert_eq!((r.status.as_u16(), r.code().as_str()), (status, code), "{path} {body}");
    }
    let created = post(&t, "/sdk/agents", json!({"name": "legacy-bot", "type": "agent", "scopes": {"managed_secrets": ["Resend"]}, "metadata": {}}), FULL_KEY).await;
    expect(&created, 422, "legacy_managed_secret_name_rejected");
}

// ───────────────────────────── spans ─────────────────────────────

#[tokio::test]
async fn spans_are_stored_once_and_paused_agents_may_emit() {
    let t = vault();
    let span = json!({"trace_id": "run-1", "name": "plan", "start_time": "2026-01-01T00:00:00Z", "span_id": "s1", "attributes": {"step": "1"}});
    let no_id = json!({"trace_id": "run-1", "name": "act", "start_time": "2026-01-01T00:00:01Z", "end_time": "2026-01-01T00:00:02Z", "parent_span_id": "s1"});
    let a = post(&t, "/sdk/spans", json!({"spans": [span, no_id]}), FULL_KEY).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.json(), json!({"accepted": 2}));
    // The same (trace_id, span_id) again is absorbed.
    assert_eq!(post(&t, "/sdk/spans", json!({"spans": [span]}), FULL_KEY).await.json(), json!({"accepted": 0}));
    // A paused agent still emits.
    assert_eq!(post(&t, "/sdk/spans", json!({"spans": [{"trace_id": "run-2", "name": "x", "start_time": "2026-01-01T00:00:00Z"}]}), PAUSED_AGENT_KEY).await.json(), json!({"accepted": 1}));
    let stored = admin(&t.app, "GET", "/admin/spans", None).await.json();
    let list = stored["spans"].as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 3);
    assert!(list[1]["span_id"].as_str().is_some_and(|s| !s.is_empty()), "generated span_id");
    assert_eq!(list[2]["principal"], "agent:paused-bot");
    // Refusals.
    let many: Vec<Value> = (0..51).map(|i| json!({"trace_id": "t", "name": "n", "start_time": "2026-01-01T00:00:00Z", "span_id": format!("{i}")})).collect();
    for body in [
        json!({"spans": []}),
        json!({"spans": many}),
        json!({"spans": [{"trace_id": "", "name": "n", "start_time": "x"}]}),
        json!({"spans": [{"trace_id": "t", "name": "n"}]}),
        json!({"spans": [{"trace_id": "t", "name": "n", "start_time": "x", "span_id": "x".repeat(33)}]}),
        json!({"spans": [{"trace_id": "t", "name": "n", "start_time": "x", "attributes": {"a": 1}}]}),
        json!({"spans": [{"trace_id": "t", "name": "n", "start_time": "x", "colour": "red"}]}),
        json!({"spans": "nope"}),
    ] {
        let r = post(&t, "/sdk/spans", body.clone(), FULL_KEY).await;
        assert_eq!((r.status.as_u16(), r.code().as_str()), (422, "invalid_request"), "{body}");
    }
    expect(&post(&t, "/sdk/spans", json!({"spans": [span]}), NO_AUDIT_KEY).await, 403, "insufficient_scope");
}

// ───────────────────── proxy query rendering ─────────────────────

#[tokio::test]
async fn proxy_query_params_render_like_httpx() {
    use base64::engine::general_purpose::STANDARD;
    let t = vault();
    let body = json!({"method": "GET", "url": "http://127.0.0.1:9/mock/google/calendar/v3/events", "grant_id": grant("06"),
        "query_params": {"flag": true, "off": false, "n": null, "num": 5, "multi": ["a", "b"]}});
    let a = post(&t, "/sdk/proxy", body, FULL_KEY).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let raw = STANDARD.decode(a.json()["body_b64"].as_str().unwrap_or("")).expect("base64 body");
    let upstream: Value = serde_json::from_slice(&raw).expect("mock JSON");
    assert_eq!(upstream["query"]["flag"], "true");
    assert_eq!(upstream["query"]["off"], "false");
    assert_eq!(upstream["query"]["n"], "");
    assert_eq!(upstream["query"]["num"], "5");
    let calls = admin(&t.app, "GET", "/admin/mock/calls", None).await.json();
    let path = calls["calls"][0]["path"].as_str().unwrap_or("").to_string();
    assert!(path.starts_with("/calendar/v3/events"), "{path}");
    // Nested objects are not query values.
    let bad = json!({"method": "GET", "url": "http://127.0.0.1:9/mock/google/x", "grant_id": grant("06"), "query_params": {"o": {"a": 1}}});
    expect(&post(&t, "/sdk/proxy", bad, FULL_KEY).await, 422, "invalid_request");
}

// ───────────────────── self-revoke through impersonation ─────────────────────

#[tokio::test]
async fn self_revoke_path_resolves_the_effective_agent() {
    let t = vault();
    // An app key without a managed-agent caller: refused.
    let app_only = call(&t.app, &Signed::new("DELETE", &format!("/sdk/grants/{}/delegations/me", grant("01")), b"", FULL_KEY)).await;
    expect(&app_only, 403, "agent_key_required");
    // App.get_agent(uuid): the app key acts as that agent (the oracle resolves the agent from the
    // key or the X-Alter-Caller UUID), so its own delegation is revoked.
    let s = Signed::new("DELETE", &format!("/sdk/grants/{}/delegations/me", grant("01")), b"", FULL_KEY).caller(EMAIL_AGENT_ID, "agent");
    assert_eq!(call(&t.app, &s).await.status, 204);
    expect(&token_ok(&t, AGENT_KEY, &grant("01")).await, 404, "grant_not_found");
    // The operator path with an agent key is refused.
    let op = call(&t.app, &Signed::new("DELETE", &format!("/sdk/grants/{}/delegations/{EMAIL_AGENT_ID}", grant("02")), b"", AGENT_KEY)).await;
    expect(&op, 403, "use_self_revoke_path");
}

// ───────────────────────────── provider specs ─────────────────────────────

async fn get_json(t: &TestVault, path: &str, key: &str) -> Answer {
    call(&t.app, &Signed::new("GET", path, b"", key)).await
}

#[tokio::test]
async fn provider_specs_list_get_operations() {
    let t = vault();
    let all = get_json(&t, "/sdk/provider-specs", FULL_KEY).await;
    assert_eq!(all.status, 200, "{}", String::from_utf8_lossy(&all.body));
    let j = all.json();
    assert_eq!(j["total"], j["items"].as_array().map(Vec::len).unwrap_or(0));
    let managed = get_json(&t, "/sdk/provider-specs?kind=managed", FULL_KEY).await.json();
    assert!(managed["items"].as_array().is_some_and(|a| !a.is_empty() && a.iter().all(|s| s["provider_kind"] == "managed")));
    let g = get_json(&t, "/sdk/provider-specs/oauth/google", FULL_KEY).await.json();
    for k in ["provider_kind", "provider_id", "provenance", "content_hash", "fetched_at", "changed_at"] {
        assert!(g[k].is_string(), "{k}");
    }
    assert!(g["version"].is_u64() && g["operation_count"].is_u64());
    let page = get_json(&t, "/sdk/provider-specs/oauth/google/operations?limit=2&offset=1", FULL_KEY).await.json();
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(page["total"], g["operation_count"]);
    assert_eq!(page["has_more"], true);
    assert_eq!(page["spec"]["provider_id"], "google");
    let found = get_json(&t, "/sdk/provider-specs/oauth/google/operations?limit=100&offset=0&search=gmail", FULL_KEY).await.json();
    assert_eq!(found["total"], 1);
    let op = get_json(&t, "/sdk/provider-specs/oauth/google/operation?operation_id=calendar.events.delete", FULL_KEY).await.json();
    assert_eq!(op["method"], "DELETE");
    assert_eq!(op["params_schema"].as_array().map(Vec::len), Some(2));
    assert_eq!(op["spec"]["provider_id"], "google");
    // Errors: unknown spec / operation → 404 (GrantNotFoundError), bad kind / paging → 422, scope.
    let nf = get_json(&t, "/sdk/provider-specs/oauth/nope", FULL_KEY).await;
    expect(&nf, 404, "provider_spec_not_found");
    assert_eq!(class(&nf), "GrantNotFoundError");
    expect(&get_json(&t, "/sdk/provider-specs/oauth/google/operation?operation_id=nope", FULL_KEY).await, 404, "operation_not_found");
    for path in [
        "/sdk/provider-specs?kind=soap",
        "/sdk/provider-specs/soap/google",
        "/sdk/provider-specs/oauth/google/operations?limit=0",
        "/sdk/provider-specs/oauth/google/operations?limit=501",
        "/sdk/provider-specs/oauth/google/operations?offset=-1",
        "/sdk/provider-specs/oauth/google/operation",
        "/sdk/provider-specs/oauth/google/operation?operation_id=%0A",
    ] {
        let a = get_json(&t, path, FULL_KEY).await;
        assert_eq!((a.status.as_u16(), a.code().as_str()), (422, "invalid_request"), "{path}");
    }
    let long = format!("/sdk/provider-specs/oauth/google/operations?search={}", "a".repeat(201));
    expect(&get_json(&t, &long, FULL_KEY).await, 422, "invalid_request");
    expect(&get_json(&t, "/sdk/provider-specs", NO_AUDIT_KEY).await, 403, "insufficient_scope");
}

// ───────────────────────────── identity resolve ─────────────────────────────

#[tokio::test]
async fn identity_resolve_user_agent_and_headless() {
    let t = vault();
    let jwt = mint_jwt(&t.app, "alice").await;
    let a = post(&t, "/sdk/identity/resolve", json!({"include_profile": true, "user_token": jwt}), FULL_KEY).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let j = a.json();
    assert_eq!(j["app_id"], "a0000000-0000-4000-8000-000000000001");
    assert_eq!(j["app_user_id"], "1e000000-0000-4000-8000-000000000001");
    assert_eq!(j["external_subject_id"], "alice");
    assert_eq!(j["email"], "alice@example.com");
    assert!(j["agent_id"].is_null());
    // Without include_profile: no profile fields.
    let b = post(&t, "/sdk/identity/resolve", json!({"include_profile": false, "user_token": jwt}), FULL_KEY).await.json();
    assert!(b.get("email").is_none());
    // Headless.
    let h = post(&t, "/sdk/identity/resolve", json!({"include_profile": false}), FULL_KEY).await.json();
    assert!(h.get("app_user_id").is_none() && h["group_ids"] == json!([]));
    // An agent through a consent edge (alice's google is delegated to email-assistant); trace echo.
    let mut s = Signed::json("POST", "/sdk/identity/resolve", &json!({"include_profile": false, "app_user_id": "1e000000-0000-4000-8000-000000000001"}), AGENT_KEY);
    s.context = Some(r#"{"run_id":"r-1","thread_id":"t-1"}"#.into());
    let ag = call(&t.app, &s).await;
    assert_eq!(ag.status, 200, "{}", String::from_utf8_lossy(&ag.body));
    let aj = ag.json();
    assert_eq!(aj["agent_id"], EMAIL_AGENT_ID);
    assert_eq!(aj["external_subject_id"], "alice");
    assert_eq!(aj["trace"], json!({"run_id": "r-1", "thread_id": "t-1"}));
    // Errors.
    expect(&post(&t, "/sdk/identity/resolve", json!({"include_profile": false, "app_user_id": "1e000000-0000-4000-8000-000000000003"}), AGENT_KEY).await, 404, "consent_not_found");
    expect(&post(&t, "/sdk/identity/resolve", json!({"include_profile": false, "app_user_id": "1e000000-0000-4000-8000-000000000001"}), FULL_KEY).await, 400, "agent_required");
    expect(&post(&t, "/sdk/identity/resolve", json!({"include_profile": false, "user_token": "x.y.z"}), FULL_KEY).await, 401, "jwt_validation_error");
    expect(&post(&t, "/sdk/identity/resolve", json!({"include_profile": "yes"}), FULL_KEY).await, 422, "invalid_request");
    expect(&post(&t, "/sdk/identity/resolve", json!({"include_profile": false, "extra": 1}), FULL_KEY).await, 422, "invalid_request");
}
