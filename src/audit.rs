//! Background tasks after a provider attempt: the audit row (§5) and the scope-mismatch report
//! (§6.1). Both are fire-and-forget for the caller, tracked for `close()`/`waitUntil`, and never
//! fail anything: problems are logged as warnings.

use crate::backend::{self, ActorArgs, BackendCall, Constraints};
use crate::client::Inner;
use crate::error::Failure;
use crate::transport;
use alter_protocol::audit::{self, AuditInput, AuditOutcome, AuditRequestBody};
use alter_protocol::token::TokenResponse;
use alter_protocol::url::redact_url_for_log;
use js_sys::Promise;
use std::rc::Rc;

const AUDIT_PATH: &str = "/sdk/oauth/audit/api-call";
/// §6.1: the report is best-effort with a hard 2 s timeout.
const SCOPE_REPORT_TIMEOUT_MS: f64 = 2_000.0;

/// Everything the audit row needs, owned, so the row can be built after the caller has moved on.
pub struct AuditJob {
    pub token: TokenResponse,
    pub method: String,
    /// Templated URL without query params or injected query credentials (§4.4).
    pub url: String,
    /// Provider headers before injection (caller headers + User-Agent).
    pub request_headers: Vec<(String, String)>,
    pub request_json: Option<serde_json::Value>,
    pub request_raw: Option<Vec<u8>>,
    pub reason: Option<String>,
    pub context_pairs: Option<Vec<(String, String)>>,
    pub context_header: Option<String>,
    pub traceparent: Option<String>,
    pub injected_header_names: Vec<String>,
    pub latency_ms: u64,
    pub fetch: Option<js_sys::Function>,
    pub constraints: Constraints,
    /// The request's caller-bound log function (`Inner::log_via`).
    pub log: Option<js_sys::Function>,
}

/// The audit capture limit (§5.3), also the largest body `js/io.js` reads before handing the
/// Response back.
pub const CAPTURE_LIMIT: usize = audit::AUDIT_BODY_CAPTURE_LIMIT;

/// The provider body as the audit row and the error details get it (§5.3 capture rules).
pub enum ProviderBody {
    /// Read already: the body itself, or the placeholder `capture_response_body` passes through.
    Read(Vec<u8>),
    /// To be read from a clone the caller never sees ([`transport::capture`]).
    Capture(Promise),
}

impl ProviderBody {
    /// What the transport gave for a response: the body it read on the way, a capture of a
    /// clone, or neither when the declared length is over the limit (only the length matters).
    pub fn of(method: &str, head: &mut transport::ProviderHead) -> ProviderBody {
        if let Some(b) = head.body.take() {
            return ProviderBody::Read(b);
        }
        if let Some(p) = head.capture.take() {
            return ProviderBody::Capture(p);
        }
        ProviderBody::Read(
            crate::plan::known_oversize_body(method, head.status, &head.headers)
                .unwrap_or_else(|| b"<response body unavailable>".to_vec()),
        )
    }

    /// The bytes for the row: a capture that did not complete within the time it was given
    /// becomes a placeholder. The texts mirror alter_protocol::audit::capture_response_body.
    pub async fn read(self, timeout_ms: f64) -> Vec<u8> {
        let p = match self {
            ProviderBody::Read(b) => return b,
            ProviderBody::Capture(p) => p,
        };
        match transport::capture(p).await {
            Some(b) if b.total <= CAPTURE_LIMIT => b.head,
            // Only the length of an oversize body matters; it was not kept.
            Some(b) => format!("<response too large: {} bytes>", b.total).into_bytes(),
            None => format!(
                "<response body unavailable: not complete within {} ms>",
                timeout_ms as u64
            )
            .into_bytes(),
        }
    }
}

/// What the provider attempt produced.
pub enum Observed {
    /// A response: status, headers and its body (read or still to capture).
    Response {
        status: u16,
        headers: Vec<(String, String)>,
        body: ProviderBody,
    },
    Timeout {
        after_ms: u64,
    },
    NetworkFailure,
}

/// Schedules the audit POST in the background and returns its (tracked) Promise.
pub fn schedule(inner: &Rc<Inner>, job: AuditJob, observed: Observed) -> Promise {
    let task_inner = Rc::clone(inner);
    inner.spawn_tracked(async move { send_row(&task_inner, job, observed).await })
}

async fn send_row(inner: &Inner, job: AuditJob, observed: Observed) {
    enum Kind {
        Response(u16),
        Timeout(u64),
        Network,
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut body: Vec<u8> = Vec::new();
    let kind = match observed {
        Observed::Response {
            status,
            headers: h,
            body: b,
        } => {
            headers = h;
            body = b.read(inner.timeout_ms).await;
            Kind::Response(status)
        }
        Observed::Timeout { after_ms } => Kind::Timeout(after_ms),
        Observed::NetworkFailure => Kind::Network,
    };
    let outcome = match kind {
        Kind::Response(status) => AuditOutcome::Response {
            status,
            headers: &headers,
            body: &body,
        },
        Kind::Timeout(after_ms) => AuditOutcome::Timeout { after_ms },
        Kind::Network => AuditOutcome::NetworkFailure,
    };
    let request_body = match (&job.request_json, &job.request_raw) {
        (Some(v), _) => AuditRequestBody::Json(v),
        (None, Some(b)) => AuditRequestBody::Raw(b),
        (None, None) => AuditRequestBody::None,
    };
    let row = audit::audit_row_body(&AuditInput {
        token: &job.token,
        method: &job.method,
        url: &job.url,
        request_headers: &job.request_headers,
        request_body,
        outcome,
        latency_ms: job.latency_ms,
        reason: job.reason.as_deref(),
        context: job.context_pairs.as_deref(),
        injected_header_names: &job.injected_header_names,
    });
    // The credential is not needed any more; drop it before the network wait.
    let where_ = redact_url_for_log(&job.url);
    let log = job.log.clone();
    drop(job.token);
    let call = BackendCall {
        method: "POST".into(),
        path: AUDIT_PATH.into(),
        body: Some(row.into_bytes()),
        // §5.2: actor headers rebuilt from the cache and the request's context, without the
        // per-call caller override.
        actor: Some(ActorArgs {
            caller_override: None,
            context: job.context_header,
        }),
        traceparent: job.traceparent,
        extra_headers: Vec::new(),
        timeout_ms: inner.timeout_ms,
        signal: None,
        read_actor: true,
        fetch: job.fetch,
        constraints: job.constraints,
        log: job.log,
    };
    match backend::send(inner, call).await {
        Ok(r) if (200..300).contains(&r.status) => {}
        Ok(r) => {
            let why = audit::sanitize_refusal_message(&r.body)
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            inner.log_via(
                log.as_ref(),
                "warn",
                &format!(
                    "Audit log for a call to {where_} was refused (HTTP {}){why}",
                    r.status
                ),
            );
        }
        Err(Failure::Protocol(e)) => inner.log_via(
            log.as_ref(),
            "warn",
            &format!("Audit log for a call to {where_} failed: {}", e.message),
        ),
        Err(Failure::Js(_)) => inner.log_via(
            log.as_ref(),
            "warn",
            &format!("Audit log for a call to {where_} failed"),
        ),
    }
}

/// §6.1: POST the scope-mismatch report in the background (2 s, best-effort, tracked).
pub fn schedule_scope_report(
    inner: &Rc<Inner>,
    grant_id: &str,
    body: String,
    traceparent: Option<String>,
    fetch: Option<js_sys::Function>,
    constraints: Constraints,
    log: Option<js_sys::Function>,
) -> Option<Promise> {
    // The resolved grant id is a canonical UUID (checked by the token contract), so it needs no
    // percent-encoding; anything else is not reported.
    if !alter_protocol::token::is_canonical_uuid(grant_id) {
        return None;
    }
    let call = BackendCall {
        method: "POST".into(),
        path: format!("/sdk/grants/{grant_id}/report-scope-mismatch"),
        body: Some(body.into_bytes()),
        actor: None,
        traceparent,
        extra_headers: Vec::new(),
        timeout_ms: SCOPE_REPORT_TIMEOUT_MS,
        signal: None,
        read_actor: false,
        fetch,
        constraints,
        log: log.clone(),
    };
    let task_inner = Rc::clone(inner);
    Some(inner.spawn_tracked(async move {
        match backend::send(&task_inner, call).await {
            Ok(r) if (200..300).contains(&r.status) => {
                let id = alter_protocol::header(&r.headers, "x-correlation-id").unwrap_or("-");
                task_inner.log_via(
                    log.as_ref(),
                    "debug",
                    &format!("Scope mismatch reported (correlation id {id})"),
                );
            }
            Ok(r) => task_inner.log_via(
                log.as_ref(),
                "warn",
                &format!("Scope mismatch report refused (HTTP {})", r.status),
            ),
            Err(_) => task_inner.log_via(
                log.as_ref(),
                "warn",
                "Scope mismatch report could not be sent",
            ),
        }
    }))
}
