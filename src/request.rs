//! `request()` in retrieve mode (§4): local checks, `POST /sdk/token`, injection, the provider
//! call, the audit row, and the provider-response classification.

use crate::audit::{self, AuditJob, Observed};
use crate::backend::{self, ActorArgs, BackendCall, Constraints};
use crate::client::{rejected, Inner};
use crate::convert;
use crate::error::Failure;
use crate::js;
use crate::plan;
use crate::retry;
use crate::transport::{self, TransportError};
use alter_protocol::error::codes;
use alter_protocol::provider::{self, ProviderErrorContext, ProviderOutcome};
use alter_protocol::token::{self, GrantTarget, TokenRequest};
use alter_protocol::{challenge, context, inject, mapping, url, ProtocolError, Result};
use js_sys::{Function, Promise};
use serde_json::Value;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use web_sys::AbortSignal;

const TOKEN_PATH: &str = "/sdk/token";

/// A request that passed every local check (§4.2), ready for I/O.
struct Prepared {
    method: String,
    target: GrantTarget,
    /// The caller's `grantId` argument (error details, §4.6), `None` in provider mode.
    grant_id_arg: Option<String>,
    /// After path params, before query params: sent in the token request and the audit row.
    templated_url: String,
    /// With query params appended (§4.4, appended rather than replacing: decision §14.1).
    url_with_query: String,
    headers: Vec<(String, String)>,
    json: Option<(Value, Vec<u8>)>,
    raw: Option<Vec<u8>>,
    reason: Option<String>,
    context_pairs: Option<Vec<(String, String)>>,
    context_header: Option<String>,
    user_token: Option<String>,
    caller: Option<String>,
    traceparent: Option<String>,
    signal: Option<AbortSignal>,
    fetch: Option<Function>,
    constraints: Constraints,
    /// Caller-bound log function (`Inner::log_via`).
    log: Option<Function>,
}

fn non_empty(what: &str, v: Option<String>) -> Result<Option<String>> {
    match v {
        Some(s) if s.is_empty() => Err(ProtocolError::value(format!(
            "{what} must be a non-empty string"
        ))),
        other => Ok(other),
    }
}

/// The local checks of §4.2 alone (the work of `prepare`, result dropped).
pub fn check(inner: &Inner, call: &JsValue) -> Result<()> {
    prepare(inner, call).map(|_| ())
}

/// §4.2 steps 1–6, in order, all before any I/O.
fn prepare(inner: &Inner, call: &JsValue) -> Result<Prepared> {
    if !call.is_object() {
        return Err(ProtocolError::value("request options must be an object"));
    }
    let o = convert::Opts::request(call);
    let s = |k: &'static str| o.string(k);
    let grant_id = s("grantId")?.filter(|g| !g.is_empty());
    let provider = s("provider")?.filter(|p| !p.is_empty());
    let account = s("account")?.filter(|a| !a.is_empty());

    // 1. user token, app_user_id, label shape and mode checks.
    let user_token = non_empty("userToken", s("userToken")?)?;
    let app_user_id = non_empty("appUserId", s("appUserId")?)?;
    let label = non_empty("label", s("label")?)?;
    if provider.is_none() {
        if app_user_id.is_some() {
            return Err(ProtocolError::value("appUserId requires provider"));
        }
        if label.is_some() {
            return Err(ProtocolError::value("label requires provider"));
        }
        if account.is_some() && grant_id.is_some() {
            // Python drops it silently; rejected here as proxy mode does (§14.4).
            return Err(ProtocolError::value(
                "account requires provider; it cannot narrow a grantId request",
            ));
        }
    }
    // 2. addressing mode and body kind.
    let target = match (grant_id.clone(), provider) {
        (None, None) => {
            return Err(ProtocolError::sdk(
                codes::INVALID_ARGUMENT,
                "Provide grantId or provider",
            ))
        }
        (Some(_), Some(_)) => {
            return Err(ProtocolError::sdk(
                codes::INVALID_ARGUMENT,
                "Cannot provide both grantId and provider",
            ))
        }
        (Some(grant_id), None) => GrantTarget::Grant { grant_id },
        (None, Some(provider_id)) => GrantTarget::Provider {
            provider_id,
            account,
            label,
            app_user_id,
        },
    };
    let json_text = s("json")?;
    let raw = o.read("body", convert::opt_bytes)?;
    if json_text.is_some() && raw.is_some() {
        return Err(ProtocolError::sdk(
            codes::INVALID_ARGUMENT,
            "Cannot provide both json and body",
        ));
    }
    // 3. the JSON body (serialised by JS; parsed here once for the audit row).
    let json = match json_text {
        Some(t) => match serde_json::from_str::<Value>(&t) {
            Ok(v) => Some((v, t.into_bytes())),
            Err(_) => {
                return Err(ProtocolError::value(
                    "json must be a JSON-serialisable value",
                ))
            }
        },
        None => None,
    };
    // 4. closed client.
    inner.check_open()?;
    // 5. reset lastRetryInfo, normalise the method, the URL must be a string.
    inner.set_last_retry_info(None);
    let method = plan::normalize_method(&o.req_string("method")?)?;
    let raw_url = o.req_string("url")?;
    // 6. path params, URL rules, length (before retrieval, so a bad URL never costs a credential).
    let path_params = o
        .read("pathParams", convert::opt_pairs)?
        .unwrap_or_default();
    let templated_url = url::apply_path_params(&raw_url, &path_params)?;
    url::validate_provider_url(&templated_url)?;
    let query = o.read("query", convert::opt_pairs)?.unwrap_or_default();
    let url_with_query = if query.is_empty() {
        templated_url.clone()
    } else {
        url::append_query(&templated_url, &query)
    };
    url::check_url_length(&url_with_query)?;

    // The remaining inputs, still before I/O.
    let headers = o.read("headers", convert::opt_pairs)?.unwrap_or_default();
    plan::check_header_pairs(&headers)?;
    if (json.is_some() || raw.is_some()) && (method == "GET" || method == "HEAD") {
        return Err(ProtocolError::value(
            "a GET or HEAD request cannot carry a body",
        ));
    }
    let caller = s("caller")?;
    if let Some(c) = &caller {
        context::validate_caller(c)?;
    }
    let context_pairs = o
        .read("context", convert::opt_pairs)?
        .filter(|c| !c.is_empty());
    let context_header = match &context_pairs {
        Some(c) => context::encode_context(c)?,
        None => None,
    };
    // The traceparent is ambient (chosen by JS); an invalid one means "no header" (§8.3).
    let traceparent = s("traceparent")?.filter(|t| context::validate_traceparent(t).is_ok());
    let signal = o.read("signal", convert::opt_signal)?;
    let fetch = o
        .read("fetch", convert::opt_function)?
        .or_else(|| inner.fetch.clone());
    let constraints = Constraints::from_opts(&o)?;
    let log = o.read("log", convert::opt_function)?;
    Ok(Prepared {
        method,
        target,
        grant_id_arg: grant_id,
        templated_url,
        url_with_query,
        headers,
        json,
        raw,
        reason: s("reason")?,
        context_pairs,
        context_header,
        user_token,
        caller,
        traceparent,
        signal,
        fetch,
        constraints,
        log,
    })
}

pub fn start(inner: &Rc<Inner>, call: &JsValue) -> Promise {
    let prepared = match prepare(inner, call) {
        Ok(p) => p,
        Err(e) => return rejected(e.into()),
    };
    let inner = Rc::clone(inner);
    crate::exec::spawn_promise(async move { run(&inner, prepared).await.map_err(JsValue::from) })
}

async fn run(inner: &Rc<Inner>, p: Prepared) -> std::result::Result<JsValue, Failure> {
    // §3: credential retrieval.
    let token_body = token::token_request_body(&TokenRequest {
        target: p.target,
        reason: p.reason.clone(),
        method: p.method.clone(),
        url: p.templated_url.clone(),
        user_token: p.user_token,
    });
    // Retried on transient vault answers (crate::retry: a deliberate divergence from §7.4); the
    // provider call below is never repeated.
    let token_call = BackendCall {
        method: "POST".into(),
        path: TOKEN_PATH.into(),
        body: Some(token_body.into_bytes()),
        actor: Some(ActorArgs {
            caller_override: p.caller.clone(),
            context: p.context_header.clone(),
        }),
        traceparent: p.traceparent.clone(),
        extra_headers: Vec::new(),
        timeout_ms: inner.timeout_ms,
        signal: p.signal.clone(),
        read_actor: true,
        fetch: p.fetch.clone(),
        constraints: p.constraints.clone(),
        log: p.log.clone(),
    };
    let (reply, client_retries) = backend::send_retrying(inner, &token_call).await;
    drop(token_call);
    let attempts = client_retries.len() as u32 + 1;
    if !client_retries.is_empty() {
        // Reported even when the call finally failed, so the caller can see what was tried.
        inner.set_last_retry_info(retry::report(None, attempts, &client_retries));
    }
    let reply = reply?;
    if reply.status >= 400 {
        let e = mapping::map_backend_error(reply.status, &reply.headers, &reply.body);
        let e = if inner.agent {
            mapping::as_agent_delegation_missing(e)
        } else {
            e
        };
        return Err(e.into());
    }
    // §3.4: fail closed before the credential is used.
    let token = token::parse_token_response(&reply.body)?;
    drop(reply);
    let retry_text = retry::report(
        token.retry_info.as_ref().map(|r| r.to_json()),
        attempts,
        &client_retries,
    );
    inner.set_last_retry_info(retry_text.clone());

    // §3.5 injection, then the length check again (§4.3).
    let base_headers = plan::provider_headers(p.headers, &inner.defaults.user_agent);
    let injected = inject::inject_credential(&token, base_headers.clone(), &p.url_with_query)?;
    url::check_url_length(&injected.url)?;
    let mut send_headers = injected.headers;
    if p.json.is_some() && alter_protocol::header(&send_headers, "content-type").is_none() {
        send_headers.push(("Content-Type".into(), "application/json".into()));
    }
    let body = match (&p.json, &p.raw) {
        (Some((_, bytes)), _) => transport::Body::text_or_bytes(bytes),
        (None, Some(b)) => transport::Body::Bytes(b),
        (None, None) => transport::Body::None,
    };

    // §4.4: the provider call. Caller headers and body as given, no redirects followed.
    if let Some(reason) = transport::already_aborted(p.signal.as_ref()) {
        // Aborted before the provider was contacted: no attempt, so no audit row (§5.1).
        return Err(Failure::Js(reason));
    }
    // A credential injected as a query parameter is in the URL fetch records as `response.url`:
    // that Response goes back to the caller, so its `url` then shows the caller's URL instead.
    let query_injected = injected.url != p.url_with_query;
    let shadow_url = if query_injected {
        p.url_with_query.as_str()
    } else {
        ""
    };
    let started = js::now_ms();
    let sent = transport::provider(
        &transport::Outgoing {
            fetch: p.fetch.as_ref(),
            url: &injected.url,
            method: &p.method,
            headers: &plan::header_block(&send_headers),
            body,
            timeout_ms: inner.timeout_ms,
            signal: p.signal.as_ref(),
        },
        audit::CAPTURE_LIMIT,
        shadow_url,
    )
    .await;
    drop(send_headers);
    drop(injected.url);
    let elapsed = js::now_ms() - started;
    let latency_ms = if elapsed.is_finite() && elapsed > 0.0 {
        elapsed.floor() as u64
    } else {
        0
    };

    let details = |e: ProtocolError| {
        e.with_detail(
            "grant_id",
            p.grant_id_arg
                .clone()
                .map(Value::from)
                .unwrap_or(Value::Null),
        )
        .with_detail("method", p.method.clone())
        .with_detail("url", p.templated_url.clone())
    };
    let job = |token| AuditJob {
        token,
        method: p.method.clone(),
        url: p.templated_url.clone(),
        request_headers: base_headers.clone(),
        request_json: p.json.as_ref().map(|(v, _)| v.clone()),
        request_raw: p.raw.clone(),
        reason: p.reason.clone(),
        context_pairs: p.context_pairs.clone(),
        context_header: p.context_header.clone(),
        traceparent: p.traceparent.clone(),
        injected_header_names: injected.injected_header_names.clone(),
        latency_ms,
        fetch: p.fetch.clone(),
        constraints: p.constraints.clone(),
        log: p.log.clone(),
    };

    let mut head = match sent {
        Ok(h) => h,
        Err(err) => {
            // §4.6: transport failure → audit row with status 0, then the error.
            return Err(match err {
                TransportError::Timeout => {
                    let after_ms = inner.timeout_ms.floor() as u64;
                    let _ = audit::schedule(inner, job(token), Observed::Timeout { after_ms });
                    details(mapping::timeout_error("Provider API request timed out")).into()
                }
                TransportError::Network(_) => {
                    // The runtime's message may quote the URL, which can hold a query credential:
                    // it is not passed on.
                    let _ = audit::schedule(inner, job(token), Observed::NetworkFailure);
                    details(mapping::network_error("Failed to call provider API", None)).into()
                }
                TransportError::Aborted(reason) => {
                    let _ = audit::schedule(inner, job(token), Observed::NetworkFailure);
                    Failure::Js(reason)
                }
            });
        }
    };

    let status = head.status;
    let body = audit::ProviderBody::of(&p.method, &mut head);
    if status < 400 {
        // Success (§4.6): the Response goes back to the caller; the audit row reads the body the
        // transport read on the way, or a clone (crate::transport::provider).
        let audit = audit::schedule(
            inner,
            job(token),
            Observed::Response {
                status,
                headers: head.headers,
                body,
            },
        );
        return Ok(result_object(&head.response, retry_text.as_deref(), &audit));
    }

    // status >= 400: the body decides the outcome (it may not be an error after all).
    let body = body.read(inner.timeout_ms).await;
    let correlation = js::random16()
        .map(|r| challenge::correlation_id(&r))
        .unwrap_or_default();
    let ctx = ProviderErrorContext {
        grant_id_arg: p.grant_id_arg.as_deref(),
        method: &p.method,
        url: &p.templated_url,
    };
    let outcome = provider::classify_provider_response(
        status,
        &head.headers,
        &body,
        &token,
        &ctx,
        &correlation,
    );
    let grant_id = token.grant_id.clone();
    let observed = Observed::Response {
        status,
        headers: head.headers,
        body: audit::ProviderBody::Read(body),
    };
    match outcome {
        ProviderOutcome::Success => {
            let audit = audit::schedule(inner, job(token), observed);
            Ok(result_object(&head.response, retry_text.as_deref(), &audit))
        }
        ProviderOutcome::Failure {
            error,
            scope_report,
        } => {
            // The audit is scheduled first, then the report, then the error is raised (§4.6).
            let _ = audit::schedule(inner, job(token), observed);
            if let Some(report) = scope_report {
                let _ = audit::schedule_scope_report(
                    inner,
                    &grant_id,
                    report,
                    p.traceparent.clone(),
                    p.fetch.clone(),
                    p.constraints.clone(),
                    p.log.clone(),
                );
            }
            Err(error.into())
        }
    }
}

/// `[response, retryInfoJson | null, audit]` (one array: fewer crossings than an object).
fn result_object(
    response: &web_sys::Response,
    retry_info: Option<&str>,
    audit: &Promise,
) -> JsValue {
    let retry = retry_info.map(JsValue::from_str).unwrap_or(JsValue::NULL);
    js_sys::Array::of3(response, &retry, audit).into()
}
