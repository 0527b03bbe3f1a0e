//! Classification of the provider's response in retrieve mode (§4.6). The errors carry the
//! provider's (capped) response text and the pre-injection URL, never the credential: every field
//! of the error and of the scope report goes through the audit row's [`Redactor`].

use serde_json::{Map, Value};

use crate::audit::capture_response_body;
use crate::challenge::{is_space, parse_bearer_challenge, scope_report_body};
use crate::error::{codes, ErrorClass, ProtocolError};
use crate::redact::Redactor;
use crate::retry::joined_header;
use crate::token::TokenResponse;
use crate::HeaderList;

/// §4.6 message of the provider-detected `insufficient_scope` 403.
pub const PROVIDER_INSUFFICIENT_SCOPE_MESSAGE: &str = "Provider returned insufficient_scope; the grant must be re-authorized to regain access to the requested resource.";
/// §4.6 message of a provider 403 on a grant the backend flagged `scope_mismatch`.
pub const BACKEND_FLAG_SCOPE_MESSAGE: &str = "Provider API returned 403 and the grant's scopes don't match the provider config. The user needs to re-authorize to grant updated permissions.";
/// §4.6 message of a provider 401 (credential rejected provider-side).
pub const PROVIDER_UNAUTHORIZED_MESSAGE: &str = "Provider returned 401 — the grant's credential was rejected provider-side. For an OAuth grant the token was revoked/expired (re-authorize via a Connect session); for a managed-secret grant the stored key is invalid (the application rotates a developer credential; an end user replaces their own key through a managed-secret Connect session with repair_grant_id).";

/// Local codes of the provider errors.
pub const SCOPE_REAUTH_CODE: &str = "scope_mismatch";
pub const PROVIDER_UNAUTHORIZED_CODE: &str = "provider_unauthorized";

/// What the caller knows about the provider call.
#[derive(Debug, Clone, Copy)]
pub struct ProviderErrorContext<'a> {
    /// The caller's `grant_id` argument (null in provider mode).
    pub grant_id_arg: Option<&'a str>,
    /// Upper-cased method.
    pub method: &'a str,
    /// The templated URL before query params and credential injection (§4.4).
    pub url: &'a str,
}

/// The result of a provider call. (The contract's shape: `Failure` is large but short-lived, and
/// boxing it would only add an allocation on the error path.)
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum ProviderOutcome {
    /// Status < 400 (3xx included): return the response unchanged.
    Success,
    /// Status ≥ 400. `scope_report` is the §6.1 body when a report is due (provider 403 with an
    /// `insufficient_scope` Bearer challenge), to POST to
    /// `/sdk/grants/{token.grant_id}/report-scope-mismatch`.
    Failure {
        error: ProtocolError,
        scope_report: Option<String>,
    },
}

fn opt_str(v: Option<&str>) -> Value {
    v.map(Value::from).unwrap_or(Value::Null)
}

/// `ScopeReauthRequiredError` / `ProviderUnauthorizedError` share grant/provider attributes.
fn provider_error(
    class: ErrorClass,
    code: &str,
    message: &str,
    status: u16,
    response_body: &str,
    details: Map<String, Value>,
) -> ProtocolError {
    let mut e = ProtocolError::new(class, code, message).with_status(status);
    e.details = details;
    e.fields
        .insert("response_body".into(), Value::from(response_body));
    e
}

/// The identifiers from the token response, kept as they are (a short test credential must not
/// garble them); every other field of a provider error is scrubbed.
const IDENTIFIERS: &[&str] = &["grant_id", "provider_id"];

/// §4.6 provider response classification. Every field of the error (the provider's body, its
/// `WWW-Authenticate` header and what is parsed from it, the caller's URL) and of the scope report
/// is scrubbed of every form of every secret of `token`, as the audit row is.
pub fn classify_provider_response(
    status: u16,
    headers: &HeaderList,
    body: &[u8],
    token: &TokenResponse,
    ctx: &ProviderErrorContext,
    correlation_id: &str,
) -> ProviderOutcome {
    if status < 400 {
        return ProviderOutcome::Success;
    }
    let redact = Redactor::new(token);
    match classify(status, headers, body, token, ctx, correlation_id, &redact) {
        ProviderOutcome::Failure {
            mut error,
            scope_report,
        } => {
            redact.scrub_map(&mut error.details, IDENTIFIERS);
            redact.scrub_map(&mut error.fields, IDENTIFIERS);
            ProviderOutcome::Failure {
                error,
                scope_report,
            }
        }
        ok => ok,
    }
}

fn classify(
    status: u16,
    headers: &HeaderList,
    body: &[u8],
    token: &TokenResponse,
    ctx: &ProviderErrorContext,
    correlation_id: &str,
    redact: &Redactor,
) -> ProviderOutcome {
    let response_body = capture_response_body(body);
    let www_auth = joined_header(headers, "WWW-Authenticate").unwrap_or_default();
    let challenge = parse_bearer_challenge(&www_auth);
    let param = |name: &str| {
        challenge
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let insufficient_scope = param("error") == Some("insufficient_scope");

    let base_details = || {
        let mut d = Map::new();
        d.insert("grant_id".into(), Value::from(token.grant_id.clone()));
        d.insert("provider_id".into(), Value::from(token.provider_id.clone()));
        d.insert("method".into(), Value::from(ctx.method));
        d.insert("url".into(), Value::from(ctx.url));
        d
    };

    if status == 403 && insufficient_scope {
        // Challenge `scope` split on whitespace; absent or empty → null.
        let missing: Option<Vec<String>> = match param("scope") {
            Some(s) if !s.is_empty() => Some(
                s.split(is_space)
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
            _ => None,
        };
        let missing_json = match &missing {
            Some(list) => Value::Array(list.iter().cloned().map(Value::from).collect()),
            None => Value::Null,
        };
        let mut details = base_details();
        details.insert("source".into(), Value::from("provider_insufficient_scope"));
        details.insert("missing_scopes".into(), missing_json.clone());
        details.insert(
            "www_authenticate".into(),
            if www_auth.is_empty() {
                Value::Null
            } else {
                Value::from(www_auth.clone())
            },
        );
        let mut error = provider_error(
            ErrorClass::ScopeReauthRequiredError,
            SCOPE_REAUTH_CODE,
            PROVIDER_INSUFFICIENT_SCOPE_MESSAGE,
            status,
            &response_body,
            details,
        );
        attach_grant(&mut error, token);
        error.fields.insert("missing_scopes".into(), missing_json);
        let clean_missing: Option<Vec<String>> = missing
            .as_ref()
            .map(|l| l.iter().map(|x| redact.scrub(x).into_owned()).collect());
        let report = scope_report_body(
            clean_missing.as_deref(),
            &redact.scrub(&www_auth),
            &redact.scrub(ctx.url),
            correlation_id,
        );
        return ProviderOutcome::Failure {
            error,
            scope_report: Some(report),
        };
    }

    if status == 403 && token.scope_mismatch {
        let mut details = base_details();
        details.insert("source".into(), Value::from("backend_flag"));
        let mut error = provider_error(
            ErrorClass::ScopeReauthRequiredError,
            SCOPE_REAUTH_CODE,
            BACKEND_FLAG_SCOPE_MESSAGE,
            status,
            &response_body,
            details,
        );
        attach_grant(&mut error, token);
        error.fields.insert("missing_scopes".into(), Value::Null);
        return ProviderOutcome::Failure {
            error,
            scope_report: None,
        };
    }

    // RFC 6750 §3.1: a 401 carrying insufficient_scope means the token is still valid, so it
    // falls through to the generic error.
    if status == 401 && !insufficient_scope {
        let mut details = base_details();
        details.insert("source".into(), Value::from("provider_unauthorized"));
        let mut error = provider_error(
            ErrorClass::ProviderUnauthorizedError,
            PROVIDER_UNAUTHORIZED_CODE,
            PROVIDER_UNAUTHORIZED_MESSAGE,
            status,
            &response_body,
            details,
        );
        attach_grant(&mut error, token);
        return ProviderOutcome::Failure {
            error,
            scope_report: None,
        };
    }

    let mut details = Map::new();
    details.insert("grant_id".into(), opt_str(ctx.grant_id_arg));
    details.insert("method".into(), Value::from(ctx.method));
    details.insert("url".into(), Value::from(ctx.url));
    let error = provider_error(
        ErrorClass::ProviderAPIError,
        codes::PROVIDER_ERROR,
        &format!("Provider API returned error {status}"),
        status,
        &response_body,
        details,
    );
    ProviderOutcome::Failure {
        error,
        scope_report: None,
    }
}

/// The resolved grant and provider (from the token response) that every scope/auth failure names.
fn attach_grant(error: &mut ProtocolError, token: &TokenResponse) {
    error
        .fields
        .insert("grant_id".into(), Value::from(token.grant_id.clone()));
    error
        .fields
        .insert("provider_id".into(), Value::from(token.provider_id.clone()));
}
