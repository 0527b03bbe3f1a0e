//! Background jobs after a provider attempt: the audit row (§5) and the scope-mismatch report
//! (§6.1). Both are fire-and-forget for the caller, tracked by the driver for `close()` and
//! `waitUntil`, never retried, and never fail anything: problems become warnings.

use crate::action::{Action, Captured, Level, Outcome};
use crate::client::Client;
use crate::vault::{ActorArgs, Constraints, Progress, VaultCall, VaultRun};
use alter_protocol::audit::{self, AuditInput, AuditOutcome, AuditRequestBody};
use alter_protocol::token::TokenResponse;
use alter_protocol::url::redact_url_for_log;

const AUDIT_PATH: &str = "/sdk/oauth/audit/api-call";
/// §6.1: the report is best-effort with a hard 2 s timeout.
const SCOPE_REPORT_TIMEOUT_MS: f64 = 2_000.0;

/// The audit capture limit (§5.3), also the largest body the driver reads before handing the
/// Response back.
pub const CAPTURE_LIMIT: usize = audit::AUDIT_BODY_CAPTURE_LIMIT;

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
    pub constraints: Constraints,
}

/// What the provider attempt produced.
pub enum Observed {
    Response {
        status: u16,
        headers: Vec<(String, String)>,
        /// `None`: the body is still to be read by the driver ([`Action::ReadBody`]).
        body: Option<Vec<u8>>,
    },
    Timeout {
        after_ms: u64,
    },
    NetworkFailure,
}

/// The bytes the row (and an error's classification) get for a bounded read: the texts follow
/// `alter_protocol::audit::capture_response_body`.
pub fn captured_bytes(c: Captured, timeout_ms: f64) -> Vec<u8> {
    match c {
        Captured::Whole(b) => b,
        Captured::Over => format!("<response too large: over {CAPTURE_LIMIT} bytes>").into_bytes(),
        Captured::Unavailable => format!(
            "<response body unavailable: not complete within {} ms>",
            timeout_ms as u64
        )
        .into_bytes(),
    }
}

/// A background job in flight.
pub enum Job {
    /// The audit row waits for the provider body.
    AwaitBody {
        job: Box<AuditJob>,
        status: u16,
        headers: Vec<(String, String)>,
    },
    /// The row or report is being sent; `what` names it in warnings.
    Sending { run: Box<VaultRun>, what: Sent },
}

pub enum Sent {
    /// The audit row of a call to this (redacted) URL.
    Audit(String),
    ScopeReport,
}

/// Starts the audit job for one provider attempt.
pub fn start_audit(
    client: &Client,
    job: AuditJob,
    observed: Observed,
    now_ms: f64,
) -> (Job, Action) {
    match observed {
        Observed::Response {
            status,
            headers,
            body: None,
        } => (
            Job::AwaitBody {
                job: Box::new(job),
                status,
                headers,
            },
            Action::ReadBody,
        ),
        Observed::Response {
            status,
            headers,
            body: Some(body),
        } => send_row(
            client,
            job,
            AuditOutcome::Response {
                status,
                headers: &headers,
                body: &body,
            },
            now_ms,
        ),
        Observed::Timeout { after_ms } => {
            send_row(client, job, AuditOutcome::Timeout { after_ms }, now_ms)
        }
        Observed::NetworkFailure => send_row(client, job, AuditOutcome::NetworkFailure, now_ms),
    }
}

fn send_row(client: &Client, job: AuditJob, outcome: AuditOutcome, now_ms: f64) -> (Job, Action) {
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
    let what = Sent::Audit(redact_url_for_log(&job.url));
    // The credential is dropped with the job here, before the network wait.
    let call = VaultCall {
        method: "POST".into(),
        path: AUDIT_PATH.into(),
        body: Some(row),
        // §5.2: actor headers rebuilt from the cache and the request's context, without the
        // per-call caller override.
        actor: Some(ActorArgs {
            caller_override: None,
            context: job.context_header,
        }),
        traceparent: job.traceparent,
        extra_headers: Vec::new(),
        timeout_ms: client.timeout_ms,
        read_actor: true,
        constraints: job.constraints,
        retries: false,
    };
    let (run, action) = VaultRun::start(client, call, now_ms);
    (
        Job::Sending {
            run: Box::new(run),
            what,
        },
        action,
    )
}

/// §6.1: the scope-mismatch report, or `None` when the grant id cannot be put in a path.
pub fn start_scope_report(
    client: &Client,
    grant_id: &str,
    body: String,
    traceparent: Option<String>,
    constraints: Constraints,
    now_ms: f64,
) -> Option<(Job, Action)> {
    // The resolved grant id is a canonical UUID (checked by the token contract), so it needs no
    // percent-encoding; anything else is not reported.
    if !alter_protocol::grammar::is_canonical_uuid(grant_id) {
        return None;
    }
    let call = VaultCall {
        method: "POST".into(),
        path: format!("/sdk/grants/{grant_id}/report-scope-mismatch"),
        body: Some(body),
        actor: None,
        traceparent,
        extra_headers: Vec::new(),
        timeout_ms: SCOPE_REPORT_TIMEOUT_MS,
        read_actor: false,
        constraints,
        retries: false,
    };
    let (run, action) = VaultRun::start(client, call, now_ms);
    Some((
        Job::Sending {
            run: Box::new(run),
            what: Sent::ScopeReport,
        },
        action,
    ))
}

impl Job {
    /// Advances on an outcome; `None` as the job when it is over (then the action is `End`, and
    /// `unconfirmed` says whether an audit row was not accepted).
    pub fn on(
        self,
        client: &Client,
        outcome: Outcome,
        now_ms: f64,
        log: &mut Vec<(Level, String)>,
        unconfirmed: &mut bool,
    ) -> (Option<Job>, Action) {
        match self {
            Job::AwaitBody {
                job,
                status,
                headers,
            } => {
                let body = match outcome {
                    Outcome::Body(c) => captured_bytes(c, client.timeout_ms),
                    _ => captured_bytes(Captured::Unavailable, client.timeout_ms),
                };
                let (job, action) = send_row(
                    client,
                    *job,
                    AuditOutcome::Response {
                        status,
                        headers: &headers,
                        body: &body,
                    },
                    now_ms,
                );
                (Some(job), action)
            }
            Job::Sending { mut run, what } => match run.on(client, outcome, now_ms, log) {
                Progress::Next(action) => (Some(Job::Sending { run, what }), action),
                Progress::Over(result) => {
                    *unconfirmed = matches!(what, Sent::Audit(_))
                        && !matches!(&result, Ok(r) if (200..300).contains(&r.status));
                    log.extend(report(&what, result));
                    (None, Action::End)
                }
            },
        }
    }
}

/// The log line for how a background send ended.
fn report(
    what: &Sent,
    result: std::result::Result<crate::vault::Reply, crate::action::Failure>,
) -> Option<(Level, String)> {
    use crate::action::Failure;
    match (what, result) {
        (Sent::Audit(_), Ok(r)) if (200..300).contains(&r.status) => None,
        (Sent::Audit(where_), Ok(r)) => {
            let why = audit::sanitize_refusal_message(&r.body)
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            Some((
                Level::Warn,
                format!(
                    "Audit log for a call to {where_} was refused (HTTP {}){why}",
                    r.status
                ),
            ))
        }
        (Sent::Audit(where_), Err(Failure::Error(e))) => Some((
            Level::Warn,
            format!("Audit log for a call to {where_} failed: {}", e.message),
        )),
        (Sent::Audit(where_), Err(Failure::Aborted)) => Some((
            Level::Warn,
            format!("Audit log for a call to {where_} failed"),
        )),
        (Sent::ScopeReport, Ok(r)) if (200..300).contains(&r.status) => {
            let id = alter_protocol::header(&r.headers, "x-correlation-id").unwrap_or("-");
            Some((
                Level::Debug,
                format!("Scope mismatch reported (correlation id {id})"),
            ))
        }
        (Sent::ScopeReport, Ok(r)) => Some((
            Level::Warn,
            format!("Scope mismatch report refused (HTTP {})", r.status),
        )),
        (Sent::ScopeReport, Err(_)) => Some((
            Level::Warn,
            "Scope mismatch report could not be sent".into(),
        )),
    }
}
