//! wasm-bindgen tests of the SDK core, run under Node by wasm-bindgen-test-runner
//! (`cargo test --target wasm32-unknown-unknown -p alter-edge`, see scripts/test.d/40-sdk-wasm.sh).
//!
//! They exercise what only the wasm build can show: errors reach JS as real instances of the
//! js/errors.js classes, local checks reject before any I/O, and one whole request() over a
//! scripted `fetch` (signatures checked with the protocol verifier, the provider's Response handed
//! back as the same object, the audit row tracked until sent, no credential outside the provider
//! call, timeouts that abort).
#![cfg(target_arch = "wasm32")]
// WasmClient has no Debug, so `.ok().expect(..)`; JsValue errors read best as `.err().expect(..)`.
#![allow(clippy::ok_expect, clippy::err_expect)]

use alter_edge::WasmClient;
use alter_protocol::verify::{verify_request, IncomingRequest, VerifyPolicy};
use js_sys::{Array, Function, Object, Promise, Reflect, JSON};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

const KEY: &str = "alter_rk_abcdefghijklmnopqrstuv_iwpykn";
const BASE: &str = "https://vault.test";
const GRANT: &str = "3f2c1a9e-8b7d-4c6e-9f01-23456789abcd";
const ACTOR: &str = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const SECRET: &str = "ya29.SECRET-ACCESS-TOKEN";

fn js(v: Value) -> JsValue {
    JSON::parse(&v.to_string()).expect("json")
}

fn to_json(v: &JsValue) -> Value {
    let s = JSON::stringify(v)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| "null".into());
    serde_json::from_str(&s).unwrap_or(Value::Null)
}

fn prop(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
}

/// Element `i` of the array `request()` resolves to: [response, retryInfo JSON | null, audit].
fn nth(v: &JsValue, i: u32) -> JsValue {
    Reflect::get_u32(v, i).unwrap_or(JsValue::UNDEFINED)
}

fn prop_str(v: &JsValue, k: &str) -> Option<String> {
    prop(v, k).as_string()
}

/// The class names along an object's prototype chain, e.g. ["AlterValueError", "AlterSDKError",
/// "Error", "Object"]: proves the value is an instance of the js/errors.js class tree.
fn class_chain(v: &JsValue) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = Object::get_prototype_of(v);
    while !cur.is_null() && !cur.is_undefined() {
        let ctor = prop(&cur, "constructor");
        out.push(prop_str(&ctor, "name").unwrap_or_default());
        cur = Object::get_prototype_of(&cur);
    }
    out
}

fn assert_alter_error(e: &JsValue, class: &str, code: &str) {
    let chain = class_chain(e);
    assert_eq!(
        chain.first().map(String::as_str),
        Some(class),
        "chain {chain:?}"
    );
    assert!(
        chain.iter().any(|c| c == "AlterSDKError"),
        "chain {chain:?}"
    );
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error instance");
    assert_eq!(
        prop_str(e, "code").as_deref(),
        Some(code),
        "code of {chain:?}: {:?}",
        prop_str(e, "message")
    );
    assert_eq!(prop_str(e, "name").as_deref(), Some(class));
}

/// A scripted fetch: `routes` is a list of {match, status, headers, body, hang}; every call is
/// recorded in `f.calls` (url, method, the header pairs as sent (in order, from the object or the
/// pairs fetch was given), body text, redirect).
fn fake_fetch(routes: Value) -> JsValue {
    let factory = Function::new_with_args(
        "routes",
        r#"
        const calls = [];
        const f = async (url, init) => {
          const body = init.body == null ? null : typeof init.body === "string" ? init.body : new TextDecoder().decode(init.body);
          const headers = Array.isArray(init.headers) ? init.headers : Object.entries(init.headers);
          const rec = { url, method: init.method, headers, body, redirect: init.redirect };
          calls.push(rec);
          const route = routes.find((r) => url.includes(r.match));
          if (!route) throw new TypeError("fetch failed");
          if (route.hang) {
            return new Promise((_, reject) => {
              const s = init.signal;
              if (s.aborted) reject(s.reason);
              s.addEventListener("abort", () => reject(s.reason));
            });
          }
          if (route.bigBody) {
            const init = { status: route.status ?? 200, headers: route.headers ?? {} };
            const res = new Response("x".repeat(route.bigBody), init);
            rec.response = res;
            rec.clones = 0;
            res.clone = function () { rec.clones++; return Response.prototype.clone.call(this); };
            return res;
          }
          if (route.endless) {
            const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("partial")); } });
            const res = new Response(stream, { status: 200 });
            rec.response = res;
            return res;
          }
          const res = new Response(route.body ?? null, { status: route.status ?? 200, headers: route.headers ?? {} });
          rec.response = res;
          if (route.frozen) Object.freeze(res);
          return res;
        };
        f.calls = calls;
        return f;
        "#,
    );
    factory
        .call1(&JsValue::NULL, &js(routes))
        .expect("fake fetch")
}

fn calls(fetch: &JsValue) -> Array {
    prop(fetch, "calls").unchecked_into()
}

/// The audit rows the fake fetch received (parsed bodies of the `/api-call` POSTs), in order.
fn audit_rows(fetch: &JsValue) -> Vec<Value> {
    let log = to_json(&calls(fetch));
    log.as_array()
        .unwrap()
        .iter()
        .filter(|c| c["url"].as_str().is_some_and(|u| u.ends_with("/api-call")))
        .map(|c| serde_json::from_str(c["body"].as_str().unwrap()).unwrap())
        .collect()
}

fn client(extra: Value, fetch: &JsValue) -> WasmClient {
    let mut cfg = serde_json::json!({
        "apiKey": KEY, "baseUrl": BASE, "timeoutMs": 2000, "callerType": "service", "userAgent": "alter-edge/test"
    });
    if let (Some(c), Some(e)) = (cfg.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            c.insert(k.clone(), v.clone());
        }
    }
    let cfg = js(cfg);
    if !fetch.is_undefined() {
        Reflect::set(&cfg, &"fetch".into(), fetch).unwrap();
    }
    match WasmClient::new(cfg) {
        Ok(c) => c,
        Err(e) => panic!("construction failed: {:?}", prop_str(&e, "message")),
    }
}

async fn settle(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

async fn wait_audits(c: &WasmClient) {
    for _ in 0..10 {
        let pending = c.pending_audits();
        if pending.length() == 0 {
            return;
        }
        let _ = JsFuture::from(Promise::all_settled(&pending)).await;
    }
}

fn token_route(extra: Value) -> Value {
    let mut body = serde_json::json!({
        "access_token": SECRET, "grant_id": GRANT, "provider_id": "google",
        "token_generation": "0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e",
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    serde_json::json!({
        "match": "/sdk/token", "status": 200,
        "headers": {"content-type": "application/json", "x-alter-actor-id": ACTOR},
        "body": body.to_string(),
    })
}

fn audit_route() -> Value {
    serde_json::json!({"match": "/sdk/oauth/audit/api-call", "status": 204})
}

/// Checks a recorded backend call with the protocol verifier (what the dev vault runs).
fn verify_backend_call(call: &Value) {
    let url = call["url"].as_str().unwrap();
    let path = url.strip_prefix(BASE).unwrap();
    let headers: Vec<(String, String)> = call["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_string(),
                p[1].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let body = call["body"].as_str().unwrap_or("").as_bytes();
    let req = IncomingRequest {
        method: call["method"].as_str().unwrap(),
        path_and_query: path,
        headers: &headers,
        body,
    };
    let now = (js_sys::Date::now() / 1000.0) as u64;
    let res = verify_request(&req, KEY, now, &VerifyPolicy::default(), &mut |_, _| false);
    assert!(
        res.is_ok(),
        "signature of {path} did not verify: {:?}",
        res.err().map(|e| e.code())
    );
}

fn header<'a>(call: &'a Value, name: &str) -> Option<&'a str> {
    call["headers"]
        .as_array()?
        .iter()
        .find(|p| p[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .and_then(|p| p[1].as_str())
}

#[wasm_bindgen_test]
fn construction_errors_are_alter_error_instances() {
    let bad_key = js(serde_json::json!({"apiKey": "alter_rk_not_a_key", "timeoutMs": 1000}));
    let e = WasmClient::new(bad_key).err().expect("bad key must throw");
    assert_alter_error(&e, "AlterSDKError", "invalid_api_key_format");

    let missing = js(serde_json::json!({"timeoutMs": 1000}));
    let e = WasmClient::new(missing)
        .err()
        .expect("missing key must throw");
    assert_alter_error(&e, "AlterValueError", "invalid_argument");

    let http_remote = js(serde_json::json!({"apiKey": KEY, "baseUrl": "http://vault.example.com"}));
    let e = WasmClient::new(http_remote)
        .err()
        .expect("plain http remote base URL must throw");
    assert_alter_error(&e, "AlterSDKError", "invalid_base_url");

    let bad_type = js(serde_json::json!({"apiKey": KEY, "callerType": "robot"}));
    let e = WasmClient::new(bad_type)
        .err()
        .expect("bad caller type must throw");
    assert_alter_error(&e, "AlterValueError", "invalid_argument");

    let ok = js(serde_json::json!({"apiKey": KEY, "baseUrl": "https://vault.test/"}));
    let c = WasmClient::new(ok).ok().expect("valid config");
    assert_eq!(c.base_url(), "https://vault.test");
    assert!(c.actor_id().is_none());
    assert!(c.last_retry_info().is_null());
}

/// §4.2: every local check fails before any network I/O. Uses the *global* fetch binding: the
/// stub replaces globalThis.fetch for the duration of the test.
#[wasm_bindgen_test]
async fn bad_input_is_rejected_before_any_fetch() {
    let global = js_sys::global();
    let saved = prop(&global, "fetch");
    let fetch = fake_fetch(serde_json::json!([]));
    Reflect::set(&global, &"fetch".into(), &fetch).unwrap();
    // maxRetries 0: one attempt per request, so the fetch counts below are exact (the client-side
    // retries of src/retry.rs are tested in tests/hardening).
    let c = client(serde_json::json!({"maxRetries": 0}), &JsValue::UNDEFINED);

    let cases: Vec<(Value, &str, &str)> = vec![
        (
            serde_json::json!({"method": "GET", "url": "http://api.example.com/x", "grantId": "g"}),
            "AlterValueError",
            "invalid_argument",
        ),
        (
            serde_json::json!({"method": "GET", "url": "https://api.example.com/{id}", "grantId": "g"}),
            "AlterValueError",
            "invalid_argument",
        ),
        (
            serde_json::json!({"method": "GET", "url": "https://api.example.com/x"}),
            "AlterSDKError",
            "invalid_argument",
        ),
        (
            serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "grantId": "g", "provider": "google"}),
            "AlterSDKError",
            "invalid_argument",
        ),
        (
            serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "grantId": "g", "account": "a@b.c"}),
            "AlterValueError",
            "invalid_argument",
        ),
        (
            serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "provider": "google", "userToken": ""}),
            "AlterValueError",
            "invalid_argument",
        ),
        (
            serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "grantId": "g", "label": "work"}),
            "AlterValueError",
            "invalid_argument",
        ),
        (
            serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "grantId": "g", "json": "{}"}),
            "AlterValueError",
            "invalid_argument",
        ),
        (
            serde_json::json!({"method": "POST", "url": "https://api.example.com/x", "grantId": "g", "json": "{not json"}),
            "AlterValueError",
            "invalid_argument",
        ),
        (
            serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "grantId": "g", "headers": [["Bad Name", "v"]]}),
            "AlterValueError",
            "invalid_argument",
        ),
        (
            serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "grantId": "g", "caller": ""}),
            "AlterValueError",
            "invalid_argument",
        ),
        (
            serde_json::json!({"method": "GET", "url": format!("https://api.example.com/{}", "a".repeat(70_000)), "grantId": "g"}),
            "AlterValueError",
            "invalid_argument",
        ),
    ];
    for (i, (call, class, code)) in cases.into_iter().enumerate() {
        let e = settle(c.request(js(call)))
            .await
            .err()
            .unwrap_or_else(|| panic!("case {i} must reject"));
        assert_alter_error(&e, class, code);
    }
    // json and a raw body together (the body must be a real Uint8Array).
    let call = js(
        serde_json::json!({"method": "POST", "url": "https://api.example.com/x", "grantId": "g", "json": "{}"}),
    );
    Reflect::set(
        &call,
        &"body".into(),
        &js_sys::Uint8Array::new_with_length(3),
    )
    .unwrap();
    let e = settle(c.request(call))
        .await
        .err()
        .expect("json + body must reject");
    assert_alter_error(&e, "AlterSDKError", "invalid_argument");
    // Too many context keys (§8.1: at most 20).
    let ctx: Vec<Value> = (0..21)
        .map(|i| serde_json::json!([format!("k{i}"), "v"]))
        .collect();
    let call = serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "grantId": "g", "context": ctx});
    let e = settle(c.request(js(call)))
        .await
        .err()
        .expect("21 context keys must reject");
    assert_alter_error(&e, "AlterValueError", "invalid_argument");

    assert_eq!(
        calls(&fetch).length(),
        0,
        "a local check let a request reach fetch"
    );

    // A valid request does reach the (global) fetch; the stub fails it like a refused connection.
    let call =
        serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "grantId": "g"});
    let e = settle(c.request(js(call)))
        .await
        .err()
        .expect("stub fetch fails");
    assert_alter_error(&e, "NetworkError", "network_error");
    assert!(prop_str(&e, "message")
        .unwrap_or_default()
        .starts_with("Failed to connect to Alter Vault backend"));
    assert_eq!(calls(&fetch).length(), 1);

    // After close(), nothing reaches fetch either.
    c.close();
    let call =
        serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "grantId": "g"});
    let e = settle(c.request(js(call))).await.err().expect("closed");
    assert_alter_error(&e, "AlterSDKError", "client_closed");
    let e = settle(c.call("GET".into(), "/sdk/agents".into(), None, JsValue::UNDEFINED))
        .await
        .err()
        .expect("closed");
    assert_alter_error(&e, "AlterSDKError", "client_closed");
    assert_eq!(calls(&fetch).length(), 1);
    Reflect::set(&global, &"fetch".into(), &saved).unwrap();
}

/// One whole request(): token call signed and verifiable, credential injected only into the
/// provider call, the provider's Response (no declared length) returned as the same object, the
/// audit row sent, the actor id cached from the token response and used (V2) on the audit call.
#[wasm_bindgen_test]
async fn request_round_trip() {
    let fetch = fake_fetch(serde_json::json!([
        token_route(serde_json::json!({"retry_info": {"total_attempts": 2, "successful_attempt": 2, "errors": []}})),
        audit_route(),
        {"match": "api.example.com", "status": 200, "headers": {"content-type": "application/json", "x-provider": "yes"}, "body": "{\"items\":[]}"},
    ]));
    let c = client(serde_json::json!({"caller": "billing-cron"}), &fetch);
    let call = serde_json::json!({
        "method": "post", "url": "https://api.example.com/v1/{kind}/items", "grantId": GRANT,
        "pathParams": [["kind", "a b/c"]], "query": [["limit", "5"]],
        "headers": [["X-Custom", "1"]], "json": "{\"name\":\"Zo\u{eb}\"}", "reason": "sync",
        "context": [["run_id", "r-1"]],
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    });
    let out = settle(c.request(js(call)))
        .await
        .unwrap_or_else(|e| panic!("request failed: {:?}", prop_str(&e, "message")));
    let response = nth(&out, 0);
    let log = calls(&fetch);
    assert_eq!(log.length(), 2, "token + provider before the audit runs");
    let provider_call = log.get(1);
    assert!(
        Object::is(&response, &prop(&provider_call, "response")),
        "a provider Response without a declared length must be returned as is"
    );
    let retry: Value =
        serde_json::from_str(&nth(&out, 1).as_string().expect("retry json")).unwrap();
    assert_eq!(retry["total_attempts"], 2);
    assert_eq!(to_json(&c.last_retry_info())["successful_attempt"], 2);
    assert_eq!(c.actor_id().as_deref(), Some(ACTOR));
    let audit = nth(&out, 2);
    assert!(audit.is_instance_of::<Promise>());
    assert_eq!(c.pending_audits().length(), 1);
    wait_audits(&c).await;
    assert_eq!(c.pending_audits().length(), 0);

    let log = to_json(&calls(&fetch));
    let all: Vec<&Value> = log.as_array().unwrap().iter().collect();
    assert_eq!(all.len(), 3);
    let (token, provider, audit) = (all[0], all[1], all[2]);

    // Token call (§3): signed, V2 because of the caller and context, body per §3.2.
    assert_eq!(token["url"], format!("{BASE}/sdk/token"));
    verify_backend_call(token);
    assert_eq!(header(token, "x-alter-caller"), Some("billing-cron"));
    assert_eq!(
        header(token, "x-alter-context"),
        Some(r#"{"run_id":"r-1"}"#)
    );
    assert_eq!(
        header(token, "traceparent"),
        Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    );
    assert!(header(token, "x-alter-actor-id").is_none());
    let tb: Value = serde_json::from_str(token["body"].as_str().unwrap()).unwrap();
    assert_eq!(tb["request"]["method"], "POST");
    assert_eq!(
        tb["request"]["url"],
        "https://api.example.com/v1/a%20b%2Fc/items"
    );
    assert_eq!(tb["reason"], "sync");

    // Provider call (§4.4): injected credential, query appended, caller headers kept, no redirects.
    assert_eq!(
        provider["url"],
        "https://api.example.com/v1/a%20b%2Fc/items?limit=5"
    );
    assert_eq!(provider["method"], "POST");
    assert_eq!(provider["redirect"], "manual");
    assert_eq!(
        header(provider, "authorization"),
        Some(format!("Bearer {SECRET}").as_str())
    );
    assert_eq!(header(provider, "x-custom"), Some("1"));
    assert_eq!(header(provider, "content-type"), Some("application/json"));
    assert!(
        header(provider, "x-api-key").is_none(),
        "the Alter key must not reach the provider"
    );
    assert_eq!(provider["body"], "{\"name\":\"Zo\u{eb}\"}");

    // Audit call (§5): V2 over the cached actor id, the row without any credential.
    assert_eq!(audit["url"], format!("{BASE}/sdk/oauth/audit/api-call"));
    verify_backend_call(audit);
    assert_eq!(header(audit, "x-alter-actor-id"), Some(ACTOR));
    let row: Value = serde_json::from_str(audit["body"].as_str().unwrap()).unwrap();
    assert_eq!(row["grant_id"], GRANT);
    assert_eq!(row["url"], "https://api.example.com/v1/a%20b%2Fc/items");
    assert_eq!(row["response_status"], 200);
    assert_eq!(row["response_body"], "{\"items\":[]}");
    assert_eq!(row["request_body"]["name"], "Zo\u{eb}");
    assert_eq!(row["context"]["run_id"], "r-1");
    assert_eq!(row["reason"], "sync");
    for backend in [token, audit] {
        assert!(
            !backend.to_string().contains("SECRET"),
            "credential reached the backend"
        );
    }
    // The caller can still read the body: the audit read a clone.
    let text = JsFuture::from(
        response
            .unchecked_ref::<web_sys::Response>()
            .text()
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(text.as_string().as_deref(), Some("{\"items\":[]}"));
}

/// §3.4: a token response that breaks the contract fails closed: no provider call, no audit.
#[wasm_bindgen_test]
async fn malformed_token_response_fails_closed() {
    let fetch = fake_fetch(serde_json::json!([
        token_route(serde_json::json!({"access_token": "tok\nen"})),
        audit_route(),
        {"match": "api.example.com", "status": 200},
    ]));
    let c = client(serde_json::json!({}), &fetch);
    let call =
        serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "grantId": GRANT});
    let e = settle(c.request(js(call)))
        .await
        .err()
        .expect("must fail closed");
    assert_alter_error(&e, "BackendError", "malformed_response");
    assert_eq!(calls(&fetch).length(), 1, "only the token call may happen");
    assert_eq!(c.pending_audits().length(), 0);
}

/// §7.2 through the choke point: a backend 404 becomes GrantNotFoundError, and for an agent
/// client AgentDelegationMissingError (its subclass); the actor id is cached even from the error.
#[wasm_bindgen_test]
async fn backend_errors_map_to_classes() {
    let routes = serde_json::json!([{
        "match": "/sdk/token", "status": 404,
        "headers": {"content-type": "application/json", "x-alter-actor-id": ACTOR},
        "body": "{\"detail\":{\"error\":\"grant_not_found\",\"message\":\"No grant\"}}",
    }]);
    let call =
        serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "grantId": GRANT});
    let c = client(
        serde_json::json!({"caller": "worker"}),
        &fake_fetch(routes.clone()),
    );
    let e = settle(c.request(js(call.clone())))
        .await
        .err()
        .expect("404");
    assert_alter_error(&e, "GrantNotFoundError", "grant_not_found");
    assert_eq!(prop(&e, "status").as_f64(), Some(404.0));
    assert_eq!(c.actor_id().as_deref(), Some(ACTOR));

    let a = client(
        serde_json::json!({"caller": "worker", "callerType": "agent", "agent": true}),
        &fake_fetch(routes),
    );
    let e = settle(a.request(js(call))).await.err().expect("404");
    let chain = class_chain(&e);
    assert_eq!(
        chain.first().map(String::as_str),
        Some("AgentDelegationMissingError"),
        "{chain:?}"
    );
    assert!(chain.iter().any(|c| c == "GrantNotFoundError"));
}

/// §4.6 + §6.1: a provider 403 with an insufficient_scope challenge raises
/// ScopeReauthRequiredError, and both the audit row and the scope report are sent (tracked).
#[wasm_bindgen_test]
async fn provider_insufficient_scope_reports_and_audits() {
    let fetch = fake_fetch(serde_json::json!([
        token_route(serde_json::json!({})),
        audit_route(),
        {"match": "/report-scope-mismatch", "status": 204, "headers": {"x-correlation-id": "c-1"}},
        {"match": "api.example.com", "status": 403,
         "headers": {"www-authenticate": "Bearer error=\"insufficient_scope\", scope=\"a b\""}, "body": "denied"},
    ]));
    let c = client(serde_json::json!({}), &fetch);
    let call =
        serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "grantId": GRANT});
    let e = settle(c.request(js(call))).await.err().expect("403");
    let chain = class_chain(&e);
    assert_eq!(
        chain.first().map(String::as_str),
        Some("ScopeReauthRequiredError"),
        "{chain:?}"
    );
    assert!(!format!("{:?}", to_json(&e)).contains("SECRET"));
    assert_eq!(
        c.pending_audits().length(),
        2,
        "audit row and scope report are both tracked"
    );
    wait_audits(&c).await;
    let log = to_json(&calls(&fetch));
    let urls: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["url"].as_str())
        .collect();
    assert!(
        urls.iter()
            .any(|u| u.ends_with("/sdk/oauth/audit/api-call")),
        "{urls:?}"
    );
    let report = log
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/report-scope-mismatch"))
        })
        .expect("report sent");
    assert_eq!(
        report["url"],
        format!("{BASE}/sdk/grants/{GRANT}/report-scope-mismatch")
    );
    verify_backend_call(report);
    let body: Value = serde_json::from_str(report["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["missing_scopes"], serde_json::json!(["a", "b"]));
    assert_eq!(body["provider_status_code"], 403);
}

/// §1.6/§4.6: the timeout really aborts the provider fetch (the scripted fetch only ends when the
/// signal fires), becomes TimeoutError, and the audit row records status 0.
#[wasm_bindgen_test]
async fn provider_timeout_aborts_and_audits() {
    let fetch = fake_fetch(serde_json::json!([
        token_route(serde_json::json!({})),
        audit_route(),
        {"match": "api.example.com", "hang": true},
    ]));
    let c = client(serde_json::json!({"timeoutMs": 50}), &fetch);
    let call =
        serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "grantId": GRANT});
    let e = settle(c.request(js(call))).await.err().expect("timeout");
    assert_alter_error(&e, "TimeoutError", "timeout");
    assert_eq!(
        to_json(&prop(&e, "details"))["url"],
        "https://api.example.com/x"
    );
    wait_audits(&c).await;
    let log = to_json(&calls(&fetch));
    let audit = log
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["url"].as_str().is_some_and(|u| u.ends_with("/api-call")))
        .expect("audit");
    let row: Value = serde_json::from_str(audit["body"].as_str().unwrap()).unwrap();
    assert_eq!(row["response_status"], 0);
    assert_eq!(
        row["response_body"],
        "<transport error: timeout after 50ms>"
    );
}

/// The caller's AbortSignal cancels the call and its reason comes back unchanged.
#[wasm_bindgen_test]
async fn caller_abort_signal_passes_through() {
    let fetch = fake_fetch(serde_json::json!([{"match": "/sdk/token", "hang": true}]));
    let c = client(serde_json::json!({"timeoutMs": 10000}), &fetch);
    let ctrl = web_sys::AbortController::new().unwrap();
    let call = js(
        serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "grantId": GRANT}),
    );
    Reflect::set(&call, &"signal".into(), &ctrl.signal()).unwrap();
    let p = c.request(call);
    let reason = js_sys::Error::new("stop");
    ctrl.abort_with_reason(&reason);
    let e = settle(p).await.err().expect("aborted");
    assert!(
        Object::is(&e, &reason),
        "the signal's reason must come back as is"
    );
}

/// A namespace call: signed, mapped with the chosen mapper on non-2xx, plain object on success.
#[wasm_bindgen_test]
async fn namespace_call() {
    let fetch = fake_fetch(serde_json::json!([
        {"match": "/sdk/agents/me", "status": 401, "headers": {"content-type": "application/json"},
         "body": "{\"detail\":{\"error\":\"invalid_key\",\"message\":\"bad key\"}}"},
        {"match": "/sdk/agents", "status": 200, "headers": {"content-type": "application/json"}, "body": "{\"agents\":[]}"},
    ]));
    let c = client(serde_json::json!({}), &fetch);
    let opts = js(serde_json::json!({"mapper": "agents", "context": [["k", "v"]]}));
    let out = settle(c.call(
        "get".into(),
        "/sdk/agents?limit=10&offset=0".into(),
        None,
        opts,
    ))
    .await
    .expect("200");
    assert_eq!(prop(&out, "status").as_f64(), Some(200.0));
    assert_eq!(prop_str(&out, "body").as_deref(), Some("{\"agents\":[]}"));
    let e = settle(c.call(
        "GET".into(),
        "/sdk/agents/me".into(),
        None,
        js(serde_json::json!({"mapper": "agents"})),
    ))
    .await
    .err()
    .expect("401");
    let chain = class_chain(&e);
    assert_eq!(
        chain.first().map(String::as_str),
        Some("InvalidKeyError"),
        "{chain:?}"
    );
    let bad = js(serde_json::json!({"extraHeaders": [["X-Alter-Caller", "x"]]}));
    let e = settle(c.call("GET".into(), "/sdk/agents".into(), None, bad))
        .await
        .err()
        .expect("reserved header");
    assert_alter_error(&e, "AlterValueError", "invalid_argument");
    let log = to_json(&calls(&fetch));
    assert_eq!(log.as_array().unwrap().len(), 2);
    verify_backend_call(&log[0]);
    assert_eq!(header(&log[0], "x-alter-context"), Some(r#"{"k":"v"}"#));
}

/// A logger whose calls are recorded as [level, message] in `logger.lines`.
fn recording_logger() -> JsValue {
    Function::new_with_args(
        "",
        r#"
        const lines = [];
        const rec = (level) => (msg) => { lines.push([level, String(msg)]); };
        return { lines, debug: rec("debug"), info: rec("info"), warn: rec("warn"), error: rec("error") };
        "#,
    )
    .call0(&JsValue::NULL)
    .expect("logger")
}

/// §1.8 / §7.6 / §8.4 response hooks on every backend response: the rate-limit snapshot, the
/// deprecated-key warning once per client, a conflicting actor id ignored with a warning; and the
/// onAudit callback receiving each scheduled audit Promise.
#[wasm_bindgen_test]
async fn response_hooks_and_on_audit() {
    let mut token = token_route(serde_json::json!({}));
    token["headers"]["x-ratelimit-limit"] = "100".into();
    token["headers"]["x-ratelimit-remaining"] = "42".into();
    token["headers"]["x-ratelimit-reset"] = "1767225600".into();
    token["headers"]["x-alter-key-deprecated"] = "true".into();
    let fetch = fake_fetch(serde_json::json!([
        token,
        {"match": "/sdk/oauth/audit/api-call", "status": 204,
         "headers": {"x-alter-actor-id": "00000000-1111-4222-8333-444444444444"}},
        {"match": "api.example.com", "status": 200, "body": "ok"},
    ]));
    let c = client(serde_json::json!({"caller": "svc"}), &fetch);
    assert!(c.last_rate_limit().is_null());
    let logger = recording_logger();
    c.set_logger(logger.clone());
    let seen = Array::new();
    let push = Function::new_with_args("arr", "return (p) => arr.push(p);")
        .call1(&JsValue::NULL, &seen)
        .unwrap();
    c.on_audit(push).unwrap();

    let call =
        serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "grantId": GRANT});
    for _ in 0..2 {
        let out = settle(c.request(js(call.clone()))).await.expect("request");
        wait_audits(&c).await;
        assert!(
            Object::is(&nth(&out, 2), &seen.get(seen.length() - 1)),
            "onAudit got the same Promise"
        );
    }
    assert_eq!(seen.length(), 2);
    let rl = to_json(&c.last_rate_limit());
    assert_eq!(
        rl,
        serde_json::json!({"limit": 100, "remaining": 42, "resetAt": 1767225600})
    );
    // The first actor id (from the token response) stays; the audit's different one is ignored.
    assert_eq!(c.actor_id().as_deref(), Some(ACTOR));
    let lines = to_json(&prop(&logger, "lines"));
    let warns: Vec<&str> = lines
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l[0] == "warn")
        .filter_map(|l| l[1].as_str())
        .collect();
    assert_eq!(
        warns.iter().filter(|w| w.contains("deprecated")).count(),
        1,
        "{warns:?}"
    );
    assert!(
        warns.iter().any(|w| w.contains("X-Alter-Actor-ID")),
        "{warns:?}"
    );
    assert!(!lines.to_string().contains("SECRET"));
}

/// §1.3: plain http to loopback is accepted with one warning, given once a logger is set.
#[wasm_bindgen_test]
fn loopback_http_warns_once() {
    let c = WasmClient::new(js(
        serde_json::json!({"apiKey": KEY, "baseUrl": "http://127.0.0.1:8080/"}),
    ))
    .ok()
    .expect("loopback http");
    assert_eq!(c.base_url(), "http://127.0.0.1:8080");
    let logger = recording_logger();
    c.set_logger(logger.clone());
    c.set_logger(logger.clone());
    let lines = to_json(&prop(&logger, "lines"));
    assert_eq!(lines.as_array().map(Vec::len), Some(1), "{lines}");
}

/// A body with a declared length within the capture limit is read once, by the transport: the
/// caller gets a Response rebuilt around those bytes (same status, status text, headers, body and
/// url; no clone made) and the audit row gets the same bytes. An error status with such a body
/// is classified from it too.
#[wasm_bindgen_test]
async fn small_declared_body_is_read_once() {
    let fetch = fake_fetch(serde_json::json!([
        token_route(serde_json::json!({})),
        audit_route(),
        {"match": "api.example.com/err", "bigBody": 40, "status": 500, "headers": {"content-length": "40"}},
        {"match": "api.example.com/small", "bigBody": 12, "status": 201,
         "headers": {"content-length": "12", "x-provider": "yes", "content-type": "text/plain"}},
    ]));
    let c = client(serde_json::json!({}), &fetch);
    let call = serde_json::json!({"method": "POST", "url": "https://api.example.com/small", "grantId": GRANT, "json": "{}"});
    let out = settle(c.request(js(call))).await.expect("small");
    let response: web_sys::Response = nth(&out, 0).unchecked_into();
    let log = calls(&fetch);
    let original = prop(&log.get(1), "response");
    assert!(
        !Object::is(&response, &original),
        "rebuilt around the bytes read"
    );
    assert_eq!(prop(&log.get(1), "clones").as_f64(), Some(0.0), "no tee");
    assert_eq!(response.status(), 201);
    assert_eq!(
        response.headers().get("x-provider").unwrap().as_deref(),
        Some("yes")
    );
    assert_eq!(
        response.headers().get("content-length").unwrap().as_deref(),
        Some("12")
    );
    assert_eq!(prop_str(&response, "url"), prop_str(&original, "url"));
    let text = JsFuture::from(response.text().unwrap()).await.unwrap();
    assert_eq!(text.as_string().as_deref(), Some("xxxxxxxxxxxx"));
    let call = serde_json::json!({"method": "GET", "url": "https://api.example.com/err", "grantId": GRANT});
    let e = settle(c.request(js(call))).await.err().expect("500");
    assert_alter_error(&e, "ProviderAPIError", "provider_error");
    assert_eq!(
        prop_str(&e, "responseBody").as_deref(),
        Some("x".repeat(40).as_str())
    );
    wait_audits(&c).await;
    let rows = audit_rows(&fetch);
    assert_eq!(rows.len(), 2);
    let small = rows
        .iter()
        .find(|r| r["url"] == "https://api.example.com/small")
        .expect("small row");
    assert_eq!(small["response_body"], "xxxxxxxxxxxx");
    assert_eq!(small["response_status"], 201);
    let err = rows
        .iter()
        .find(|r| r["url"] == "https://api.example.com/err")
        .expect("err row");
    assert_eq!(err["response_body"], "x".repeat(40));
}

/// A credential injected into the query is never readable from `response.url`: on the original
/// Response (length not declared, audit from a clone) and on a rebuilt one (length declared) the
/// url is the caller's; a Response whose url cannot be shadowed (frozen by a custom fetch) is not
/// handed back at all: the call fails closed as a network error.
#[wasm_bindgen_test]
async fn query_credential_never_in_response_url() {
    let inject = serde_json::json!({"additional_injections": [{"target": "query_param", "key": "api_key", "value_source": "token"}]});
    let fetch = fake_fetch(serde_json::json!([
        token_route(inject),
        audit_route(),
        {"match": "api.example.com/open", "body": "streamed"},
        {"match": "api.example.com/sized", "body": "sized!", "headers": {"content-length": "6"}},
        {"match": "api.example.com/frozen", "body": "x", "frozen": true},
    ]));
    let c = client(serde_json::json!({}), &fetch);
    for (path, rebuilt) in [("open", false), ("sized", true)] {
        let call = serde_json::json!({"method": "GET", "url": format!("https://api.example.com/{path}"), "grantId": GRANT, "query": [["q", "1"]]});
        let out = settle(c.request(js(call)))
            .await
            .unwrap_or_else(|e| panic!("{path}: {:?}", prop_str(&e, "message")));
        let response = nth(&out, 0);
        let log = calls(&fetch);
        let sent = (0..log.length())
            .rev()
            .map(|i| log.get(i))
            .find(|c| {
                prop_str(c, "url").is_some_and(|u| u.contains(&format!("api.example.com/{path}")))
            })
            .expect("the provider call");
        let sent_url = prop_str(&sent, "url").unwrap_or_default();
        assert!(
            sent_url.contains(SECRET),
            "{path}: the credential went in the query: {sent_url}"
        );
        assert_eq!(
            prop_str(&response, "url").as_deref(),
            Some(format!("https://api.example.com/{path}?q=1").as_str()),
            "{path}"
        );
        assert_eq!(
            !Object::is(&response, &prop(&sent, "response")),
            rebuilt,
            "{path}"
        );
    }
    let call = serde_json::json!({"method": "GET", "url": "https://api.example.com/frozen", "grantId": GRANT});
    let e = settle(c.request(js(call))).await.err().expect("frozen");
    assert_alter_error(&e, "NetworkError", "network_error");
    assert!(!prop_str(&e, "message").unwrap_or_default().contains(SECRET));
}

/// §5.3 capture rules on the success path, where the audit reads a clone: an oversize body is
/// reported by length (and the caller still gets all of it); a body that never ends does not hold
/// the audit forever.
#[wasm_bindgen_test]
async fn audit_capture_of_large_and_endless_bodies() {
    let fetch = fake_fetch(serde_json::json!([
        token_route(serde_json::json!({})),
        audit_route(),
        {"match": "api.example.com/bigerr", "bigBody": 20_000, "status": 502},
        {"match": "api.example.com/biglen", "bigBody": 30_000, "headers": {"content-length": "30000"}},
        {"match": "api.example.com/big", "bigBody": 50_000},
        {"match": "api.example.com/stream", "endless": true},
    ]));
    let c = client(serde_json::json!({"timeoutMs": 200}), &fetch);
    async fn body_len(out: &JsValue) -> Option<usize> {
        let r = nth(out, 0);
        let text = JsFuture::from(r.unchecked_ref::<web_sys::Response>().text().ok()?)
            .await
            .ok()?;
        text.as_string().map(|t| t.len())
    }
    let big = serde_json::json!({"method": "GET", "url": "https://api.example.com/big", "grantId": GRANT});
    let out = settle(c.request(js(big))).await.expect("big");
    assert_eq!(body_len(&out).await, Some(50_000));
    // With a Content-Length above the limit (and no encoding) the body is not teed at all.
    let biglen = serde_json::json!({"method": "GET", "url": "https://api.example.com/biglen", "grantId": GRANT});
    let out = settle(c.request(js(biglen))).await.expect("biglen");
    assert_eq!(body_len(&out).await, Some(30_000));
    let bigerr = serde_json::json!({"method": "GET", "url": "https://api.example.com/bigerr", "grantId": GRANT});
    let e = settle(c.request(js(bigerr))).await.err().expect("502");
    assert_alter_error(&e, "ProviderAPIError", "provider_error");
    assert_eq!(
        prop_str(&e, "responseBody").as_deref(),
        Some("<response too large: 20000 bytes>")
    );
    let stream = serde_json::json!({"method": "GET", "url": "https://api.example.com/stream", "grantId": GRANT});
    let _ = settle(c.request(js(stream))).await.expect("stream head");
    wait_audits(&c).await;
    let rows = audit_rows(&fetch);
    assert_eq!(rows.len(), 4);
    // Rows are sent as each capture finishes, so they are looked up by URL, not by order.
    let row = |path: &str| {
        let url = format!("https://api.example.com/{path}");
        rows.iter()
            .find(|r| r["url"] == url.as_str())
            .unwrap_or_else(|| panic!("no row for {path}"))
            .clone()
    };
    assert_eq!(
        row("big")["response_body"],
        "<response too large: 50000 bytes>"
    );
    assert_eq!(
        row("biglen")["response_body"],
        "<response too large: 30000 bytes>"
    );
    assert_eq!(
        row("bigerr")["response_body"],
        "<response too large: 20000 bytes>"
    );
    assert_eq!(row("bigerr")["response_status"], 502);
    assert_eq!(
        row("stream")["response_body"],
        "<response body unavailable: not complete within 200 ms>"
    );
    assert_eq!(row("stream")["response_status"], 200);
    let log = to_json(&calls(&fetch));
    let clones: Vec<Option<f64>> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["url"].as_str().is_some_and(|u| u.contains("/big")))
        .map(|c| c["clones"].as_f64())
        .collect();
    assert_eq!(
        clones,
        [Some(1.0), Some(0.0), Some(1.0)],
        "big (teed), biglen (not), bigerr (teed)"
    );
}

/// A per-call `fetch` (JS binds it to the caller's async context) carries every exchange of that
/// request: the token call, the provider call and the audit row.
#[wasm_bindgen_test]
async fn per_call_fetch_carries_all_exchanges() {
    let fetch = fake_fetch(serde_json::json!([
        token_route(serde_json::json!({})),
        audit_route(),
        {"match": "api.example.com", "status": 200, "body": "ok"},
    ]));
    let c = client(serde_json::json!({}), &JsValue::UNDEFINED);
    let call = js(
        serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "grantId": GRANT}),
    );
    Reflect::set(&call, &"fetch".into(), &fetch).unwrap();
    settle(c.request(call))
        .await
        .expect("request over the per-call fetch");
    wait_audits(&c).await;
    let log = to_json(&calls(&fetch));
    let urls: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["url"].as_str())
        .collect();
    assert_eq!(
        urls,
        [
            format!("{BASE}/sdk/token").as_str(),
            "https://api.example.com/x",
            format!("{BASE}/sdk/oauth/audit/api-call").as_str()
        ]
    );
}

/// §3.2 provider mode: the token body carries provider_id, user_token, app_user_id, account and
/// label in that order; §8.4: a call with a per-call caller override neither sends nor caches the
/// actor id, while the next plain call caches it and then sends it.
#[wasm_bindgen_test]
async fn provider_mode_body_and_caller_override_actor_rules() {
    let fetch = fake_fetch(serde_json::json!([
        token_route(serde_json::json!({})),
        audit_route(),
        {"match": "api.example.com", "status": 200, "body": "ok"},
    ]));
    let c = client(serde_json::json!({"caller": "svc"}), &fetch);
    let call = serde_json::json!({
        "method": "GET", "url": "https://api.example.com/x", "provider": "google",
        "account": "a@b.c", "label": "work", "appUserId": "user-7", "userToken": "jwt-1", "caller": "nightly",
    });
    settle(c.request(js(call))).await.expect("override call");
    wait_audits(&c).await;
    assert!(
        c.actor_id().is_none(),
        "no caching from a call with a caller override"
    );
    let plain =
        serde_json::json!({"method": "GET", "url": "https://api.example.com/x", "grantId": GRANT});
    settle(c.request(js(plain.clone())))
        .await
        .expect("plain call");
    wait_audits(&c).await;
    assert_eq!(c.actor_id().as_deref(), Some(ACTOR));
    settle(c.request(js(plain))).await.expect("third call");
    wait_audits(&c).await;

    let log = to_json(&calls(&fetch));
    let tokens: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["url"].as_str().is_some_and(|u| u.ends_with("/sdk/token")))
        .collect();
    assert_eq!(tokens.len(), 3);
    let body = tokens[0]["body"].as_str().unwrap();
    let keys: Vec<String> = serde_json::from_str::<serde_json::Map<String, Value>>(body)
        .unwrap()
        .keys()
        .cloned()
        .collect();
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
    assert_eq!(header(tokens[0], "x-alter-caller"), Some("nightly"));
    assert!(header(tokens[0], "x-alter-actor-id").is_none());
    assert!(
        header(tokens[1], "x-alter-actor-id").is_none(),
        "nothing cached yet"
    );
    assert_eq!(header(tokens[2], "x-alter-actor-id"), Some(ACTOR));
    assert_eq!(header(tokens[2], "x-alter-caller"), Some("svc"));
    for t in &tokens {
        verify_backend_call(t);
    }
    // §5.2: the audit of the override call is attributed to the constructor caller.
    let audits: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["url"].as_str().is_some_and(|u| u.ends_with("/api-call")))
        .collect();
    assert_eq!(header(audits[0], "x-alter-caller"), Some("svc"));
}
