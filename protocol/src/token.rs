//! `POST /sdk/token`: the request body (§3.2), its strict parser for the dev vault, the addressing
//! shape rules of `request()` (§4.2 steps 1–2), and the fail-closed response contract (§3.4).

use serde_json::{Map, Value};

use crate::error::{codes, ProtocolError, Result};
use crate::json::write_string;
use crate::retry::{parse_retry_info, RetryInfo};

/// How the credential is addressed (§3.2): exactly one mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantTarget {
    Grant {
        grant_id: String,
    },
    Provider {
        provider_id: String,
        account: Option<String>,
        label: Option<String>,
        app_user_id: Option<String>,
    },
}

/// The inputs of one `/sdk/token` body. `url` is the templated URL without `query_params` (§4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    pub target: GrantTarget,
    pub reason: Option<String>,
    pub method: String,
    pub url: String,
    /// Only when a user token resolved (§9). It travels only here, never in a header.
    pub user_token: Option<String>,
}

/// The raw addressing arguments of `request()`, before the mode is decided.
#[derive(Debug, Clone, Copy, Default)]
pub struct TargetArgs<'a> {
    pub grant_id: Option<&'a str>,
    pub provider: Option<&'a str>,
    pub account: Option<&'a str>,
    pub label: Option<&'a str>,
    pub app_user_id: Option<&'a str>,
}

fn value_err(msg: &str) -> ProtocolError {
    ProtocolError::value(msg)
}

/// §4.2 step 1: `user_token`, when given, is a non-empty string.
pub fn validate_user_token(user_token: Option<&str>) -> Result<()> {
    match user_token {
        Some("") => Err(value_err(
            "user_token must be a non-empty string when provided",
        )),
        _ => Ok(()),
    }
}

/// §4.2 steps 1–2 for `request()`: shape and mode checks on the addressing arguments, then exactly
/// one of `grant_id` / `provider`.
///
/// Decision §14.4: `account` with `grant_id` is an `AlterValueError` (Python drops it silently in
/// `request()`; `proxy_request()` already rejects it). An empty `account` in provider mode is
/// dropped from the body, as in Python.
pub fn build_target(args: &TargetArgs) -> Result<GrantTarget> {
    if args.app_user_id == Some("") {
        return Err(value_err(
            "app_user_id must be a non-empty string when provided",
        ));
    }
    if args.app_user_id.is_some() && args.provider.is_none() {
        return Err(value_err(
            "app_user_id is only valid with provider resolution — pass provider= (not grant_id=) when selecting a user by app_user_id",
        ));
    }
    if args.label == Some("") {
        return Err(value_err("label must be a non-empty string when provided"));
    }
    if args.label.is_some() && args.provider.is_none() {
        return Err(value_err(
            "label is only valid with provider resolution — pass provider= (not grant_id=) when selecting a sibling grant by label",
        ));
    }
    if args.account.is_some() && args.provider.is_none() {
        return Err(value_err(
            "account is only valid with provider resolution — pass provider= (not grant_id=) when selecting an account",
        ));
    }
    let target = match (args.grant_id, args.provider) {
        (None, None) => {
            return Err(ProtocolError::sdk(
                codes::INVALID_ARGUMENT,
                "Provide grant_id or provider",
            ))
        }
        (Some(_), Some(_)) => {
            return Err(ProtocolError::sdk(
                codes::INVALID_ARGUMENT,
                "Cannot provide both grant_id and provider",
            ))
        }
        (Some(g), None) => GrantTarget::Grant {
            grant_id: g.to_string(),
        },
        (None, Some(p)) => GrantTarget::Provider {
            provider_id: p.to_string(),
            account: args.account.filter(|a| !a.is_empty()).map(str::to_string),
            label: args.label.map(str::to_string),
            app_user_id: args.app_user_id.map(str::to_string),
        },
    };
    validate_target(&target)?;
    Ok(target)
}

/// §4.2 step 1 on an already-built target: the provider-mode narrowers, when present, are
/// non-empty (`label`, `app_user_id`; an empty `account` is simply not sent). The grant mode cannot
/// carry them by construction; `grant_id` is sent as given (not validated as a UUID, §3.2).
pub fn validate_target(target: &GrantTarget) -> Result<()> {
    if let GrantTarget::Provider {
        label, app_user_id, ..
    } = target
    {
        if app_user_id.as_deref() == Some("") {
            return Err(value_err(
                "app_user_id must be a non-empty string when provided",
            ));
        }
        if label.as_deref() == Some("") {
            return Err(value_err("label must be a non-empty string when provided"));
        }
    }
    Ok(())
}

/// §3.2: the exact body bytes (compact, ASCII-escaped, insertion order). Grant mode:
/// `grant_id, reason, request[, user_token]`; provider mode: `provider_id, reason, request
/// [, user_token][, app_user_id][, account][, label]`. `reason` is always present (`null` when
/// absent); `account` and `label` only when non-empty. Written field by field (it runs once per
/// call); the unit tests compare it with the same body built as a map.
pub fn token_request_body(req: &TokenRequest) -> String {
    let mut out = String::with_capacity(128 + req.url.len());
    let field = |out: &mut String, name: &str, v: &str| {
        out.push_str(name);
        write_string(out, v, true);
    };
    match &req.target {
        GrantTarget::Grant { grant_id } => field(&mut out, "{\"grant_id\":", grant_id),
        GrantTarget::Provider { provider_id, .. } => {
            field(&mut out, "{\"provider_id\":", provider_id)
        }
    }
    match &req.reason {
        Some(r) => field(&mut out, ",\"reason\":", r),
        None => out.push_str(",\"reason\":null"),
    }
    field(
        &mut out,
        ",\"request\":{\"method\":",
        &req.method.to_ascii_uppercase(),
    );
    field(&mut out, ",\"url\":", &req.url);
    out.push('}');
    if let Some(t) = &req.user_token {
        field(&mut out, ",\"user_token\":", t);
    }
    if let GrantTarget::Provider {
        account,
        label,
        app_user_id,
        ..
    } = &req.target
    {
        if let Some(a) = app_user_id {
            field(&mut out, ",\"app_user_id\":", a);
        }
        if let Some(a) = account.as_deref().filter(|a| !a.is_empty()) {
            field(&mut out, ",\"account\":", a);
        }
        if let Some(l) = label.as_deref().filter(|l| !l.is_empty()) {
            field(&mut out, ",\"label\":", l);
        }
    }
    out.push('}');
    out
}

fn req_err(msg: impl Into<String>) -> ProtocolError {
    ProtocolError::value(msg)
}

fn opt_nonempty_string(obj: &Map<String, Value>, key: &str) -> Result<Option<String>> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(_) => Err(req_err(format!(
            "{key} must be a non-empty string when present"
        ))),
    }
}

/// For the dev vault: parse a `/sdk/token` body strictly. Exactly one of `grant_id` /
/// `provider_id`; `reason` present (string or null); `request` = `{method, url}` strings;
/// `user_token` a non-empty string when present; `app_user_id` / `account` / `label` only in
/// provider mode; unknown keys refused. Errors are `AlterValueError` (`invalid_argument`).
pub fn parse_token_request_body(body: &[u8]) -> Result<TokenRequest> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| req_err("token request body must be valid JSON"))?;
    let obj = v
        .as_object()
        .ok_or_else(|| req_err("token request body must be a JSON object"))?;
    let provider_mode = match (
        obj.contains_key("grant_id"),
        obj.contains_key("provider_id"),
    ) {
        (true, false) => false,
        (false, true) => true,
        (true, true) => return Err(req_err("Cannot provide both grant_id and provider_id")),
        (false, false) => return Err(req_err("Provide grant_id or provider_id")),
    };
    let allowed: &[&str] = if provider_mode {
        &[
            "provider_id",
            "reason",
            "request",
            "user_token",
            "app_user_id",
            "account",
            "label",
        ]
    } else {
        &["grant_id", "reason", "request", "user_token"]
    };
    if let Some(k) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(req_err(format!("unexpected field in token request: {k:?}")));
    }
    let reason = match obj.get("reason") {
        Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(req_err("reason must be a string or null")),
        None => return Err(req_err("reason is required (string or null)")),
    };
    let request = obj
        .get("request")
        .and_then(Value::as_object)
        .ok_or_else(|| req_err("request must be an object {method, url}"))?;
    if request.len() != 2 {
        return Err(req_err("request must have exactly the keys method and url"));
    }
    let method = request
        .get("method")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| req_err("request.method must be a non-empty string"))?;
    let url = request
        .get("url")
        .and_then(Value::as_str)
        .ok_or_else(|| req_err("request.url must be a string"))?;
    let user_token = opt_nonempty_string(obj, "user_token")?;
    let target = if provider_mode {
        let provider_id = obj
            .get("provider_id")
            .and_then(Value::as_str)
            .ok_or_else(|| req_err("provider_id must be a string"))?;
        GrantTarget::Provider {
            provider_id: provider_id.to_string(),
            account: opt_nonempty_string(obj, "account")?,
            label: opt_nonempty_string(obj, "label")?,
            app_user_id: opt_nonempty_string(obj, "app_user_id")?,
        }
    } else {
        let grant_id = obj
            .get("grant_id")
            .and_then(Value::as_str)
            .ok_or_else(|| req_err("grant_id must be a string"))?;
        GrantTarget::Grant {
            grant_id: grant_id.to_string(),
        }
    };
    Ok(TokenRequest {
        target,
        reason,
        method: method.to_string(),
        url: url.to_string(),
        user_token,
    })
}

// ------------------------------------------------------------------------------------------------
// Response contract (§3.4)

/// Where an additional injection goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectionTarget {
    Header,
    QueryParam,
}

/// One `additional_injections` rule (§3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InjectionRule {
    pub target: InjectionTarget,
    pub key: String,
    /// `token` or `additional_credentials.<field>`.
    pub value_source: String,
}

/// A validated `/sdk/token` 200 payload. `Debug` redacts every credential value.
pub struct TokenResponse {
    pub access_token: String,
    pub grant_id: String,
    pub token_type: String,
    pub expires_in: Option<u64>,
    pub expires_at: Option<String>,
    pub scopes: Vec<String>,
    pub provider_id: String,
    pub token_generation: Option<String>,
    pub scope_mismatch: bool,
    pub injection_header: String,
    pub injection_format: String,
    pub additional_credentials: Option<Vec<(String, String)>>,
    pub additional_injections: Vec<InjectionRule>,
    pub retry_info: Option<RetryInfo>,
    /// alter-edge extension: the hosts this credential may be sent to (`allowed_hosts`, patterns
    /// as the `allowedHosts` client option takes them), honoured by the SDK when a vault sends it.
    pub allowed_hosts: Option<Vec<String>>,
}

const REDACTED: &str = "<redacted>";

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let creds: Option<Vec<(&str, &str)>> = self
            .additional_credentials
            .as_ref()
            .map(|c| c.iter().map(|(k, _)| (k.as_str(), REDACTED)).collect());
        f.debug_struct("TokenResponse")
            .field("access_token", &REDACTED)
            .field("grant_id", &self.grant_id)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .field("provider_id", &self.provider_id)
            .field("token_generation", &self.token_generation)
            .field("scope_mismatch", &self.scope_mismatch)
            .field("injection_header", &self.injection_header)
            .field("injection_format", &self.injection_format)
            .field("additional_credentials", &creds)
            .field("additional_injections", &self.additional_injections)
            .field("retry_info", &self.retry_info.as_ref().map(|_| "<present>"))
            .field("allowed_hosts", &self.allowed_hosts)
            .finish()
    }
}

/// §3.4: injection header names a backend may never ask for (compared case-insensitively).
pub const FORBIDDEN_INJECTION_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "cookie",
    "set-cookie",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
    "x-http-method-override",
    "x-method-override",
    "www-authenticate",
    "strict-transport-security",
    "content-security-policy",
];

/// The SigV4 marker of `injection_format` (§3.5).
pub const SIGV4_FORMAT_PREFIX: &str = "AWS4-HMAC-SHA256";
const TOKEN_PLACEHOLDER: &str = "{token}";

// §3.4 / §13 limits.
const MAX_IDENTIFIER_LEN: usize = 255;
const MAX_INJECTION_HEADER_LEN: usize = 60;
const MAX_INJECTION_FORMAT_LEN: usize = 200;
const MAX_INJECTION_RULES: usize = 10;
const MAX_INJECTION_KEY_LEN: usize = 100;
const MAX_VALUE_SOURCE_LEN: usize = 100;
const MAX_ADDITIONAL_CREDENTIALS: usize = 10;
const MAX_ADDITIONAL_CREDENTIAL_KEY_LEN: usize = 50;
const MAX_ADDITIONAL_CREDENTIAL_VALUE_LEN: usize = 8_192;

/// §3.4: the exact `BackendError` messages.
pub mod messages {
    pub const MALFORMED: &str = "Backend returned a malformed token response";
    pub const ACCESS_TOKEN: &str = "Backend returned an invalid access_token";
    pub const TOKEN_TYPE: &str = "Backend returned an invalid token_type";
    pub const EXPIRES_IN: &str = "Backend returned an invalid expires_in";
    pub const EXPIRES_AT: &str = "Backend returned an invalid expires_at";
    pub const SCOPES: &str = "Backend returned invalid scopes";
    pub const GRANT_ID: &str = "Backend returned an invalid grant_id";
    pub const GRANT_ID_NON_CANONICAL: &str = "Backend returned a non-canonical grant_id";
    pub const PROVIDER_ID: &str = "Backend returned an invalid provider_id";
    pub const SCOPE_MISMATCH: &str = "Backend returned invalid scope_mismatch";
    pub const INJECTION_HEADER: &str = "Backend returned an invalid injection_header";
    pub const INJECTION_FORMAT: &str = "Backend returned an invalid injection_format";
    pub const ADDITIONAL_CREDENTIALS: &str = "Backend returned invalid additional_credentials";
    pub const ADDITIONAL_INJECTIONS: &str = "Backend returned invalid additional_injections";
}
use crate::grammar::{
    char_len, has_ascii_control, has_crlf_nul, is_canonical_uuid, is_header_name, is_lenient_uuid,
    is_rfc3339_with_offset,
};
use messages as msg;

/// §3.4 required fields, sorted (they are reported sorted in `details.missing_fields`).
const REQUIRED_FIELDS: &[&str] = &["access_token", "grant_id"];

fn bad(message: &str) -> ProtocolError {
    ProtocolError::malformed(message)
}

fn is_injection_key(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic())
        && c.all(|x| x.is_ascii_alphanumeric() || x == '-' || x == '_')
}

fn is_value_source(s: &str) -> bool {
    if s == "token" {
        return true;
    }
    match s.strip_prefix("additional_credentials.") {
        Some(f) => {
            let mut c = f.chars();
            matches!(c.next(), Some(x) if x.is_ascii_lowercase())
                && c.all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || x == '_')
        }
        None => false,
    }
}

fn is_forbidden_header(name: &str) -> bool {
    FORBIDDEN_INJECTION_HEADERS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
}

/// Field-by-field contract of §3.4, in the order the Python SDK checks it (so the first failing
/// field decides the message).
pub fn parse_token_response(body: &[u8]) -> Result<TokenResponse> {
    let v: Value = serde_json::from_slice(body).map_err(|_| bad(msg::MALFORMED))?;
    let obj = v.as_object().ok_or_else(|| bad(msg::MALFORMED))?;

    let missing: Vec<Value> = REQUIRED_FIELDS
        .iter()
        .filter(|f| !obj.contains_key(**f))
        .map(|f| Value::from(*f))
        .collect();
    if !missing.is_empty() {
        return Err(bad(msg::MALFORMED).with_detail("missing_fields", Value::Array(missing)));
    }

    let access_token = match obj.get("access_token") {
        Some(Value::String(s)) if !s.is_empty() && !has_crlf_nul(s) => s.clone(),
        _ => return Err(bad(msg::ACCESS_TOKEN)),
    };

    let token_type = match obj.get("token_type") {
        None => "Bearer".to_string(),
        Some(Value::String(s))
            if !s.trim().is_empty()
                && s.trim() == s
                && char_len(s) <= MAX_IDENTIFIER_LEN
                && !has_ascii_control(s) =>
        {
            s.clone()
        }
        Some(_) => return Err(bad(msg::TOKEN_TYPE)),
    };

    // JSON integers only: no floats (`3600.0`), no booleans, no negatives.
    let expires_in = match obj.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.is_u64() => n.as_u64(),
        Some(_) => return Err(bad(msg::EXPIRES_IN)),
    };

    let expires_at = match obj.get("expires_at") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if is_rfc3339_with_offset(s) => Some(s.clone()),
        Some(_) => return Err(bad(msg::EXPIRES_AT)),
    };

    let scopes = match obj.get("scopes") {
        None => Vec::new(),
        Some(Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                match it {
                    Value::String(s) if !s.is_empty() && s.trim() == s && !has_ascii_control(s) => {
                        out.push(s.clone())
                    }
                    _ => return Err(bad(msg::SCOPES)),
                }
            }
            out
        }
        Some(_) => return Err(bad(msg::SCOPES)),
    };

    let grant_id = match obj.get("grant_id") {
        Some(Value::String(s)) if is_canonical_uuid(s) => s.clone(),
        Some(Value::String(s)) if is_lenient_uuid(s) => {
            return Err(bad(msg::GRANT_ID_NON_CANONICAL))
        }
        _ => return Err(bad(msg::GRANT_ID)),
    };

    let provider_id = match obj.get("provider_id") {
        None => String::new(),
        Some(Value::String(s))
            if s.trim() == s && char_len(s) <= MAX_IDENTIFIER_LEN && !has_ascii_control(s) =>
        {
            s.clone()
        }
        Some(_) => return Err(bad(msg::PROVIDER_ID)),
    };

    let scope_mismatch = match obj.get("scope_mismatch") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(bad(msg::SCOPE_MISMATCH)),
    };

    let injection_header = match obj.get("injection_header") {
        None => "Authorization".to_string(),
        Some(Value::String(s))
            if s.len() <= MAX_INJECTION_HEADER_LEN
                && is_header_name(s)
                && !is_forbidden_header(s) =>
        {
            s.clone()
        }
        Some(_) => return Err(bad(msg::INJECTION_HEADER)),
    };

    let injection_format = match obj.get("injection_format") {
        None => "Bearer {token}".to_string(),
        Some(Value::String(s))
            if char_len(s) <= MAX_INJECTION_FORMAT_LEN
                && !has_crlf_nul(s)
                && (s.starts_with(SIGV4_FORMAT_PREFIX) || s.contains(TOKEN_PLACEHOLDER)) =>
        {
            s.clone()
        }
        Some(_) => return Err(bad(msg::INJECTION_FORMAT)),
    };

    let additional_credentials = match obj.get("additional_credentials") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) if m.len() <= MAX_ADDITIONAL_CREDENTIALS => {
            let mut out = Vec::with_capacity(m.len());
            for (k, v) in m {
                match v {
                    Value::String(s)
                        if char_len(k) <= MAX_ADDITIONAL_CREDENTIAL_KEY_LEN
                            && !s.trim().is_empty()
                            && char_len(s) <= MAX_ADDITIONAL_CREDENTIAL_VALUE_LEN
                            && !has_crlf_nul(s) =>
                    {
                        out.push((k.clone(), s.clone()))
                    }
                    _ => return Err(bad(msg::ADDITIONAL_CREDENTIALS)),
                }
            }
            Some(out)
        }
        Some(_) => return Err(bad(msg::ADDITIONAL_CREDENTIALS)),
    };

    let mut extra_rule_keys = false;
    let additional_injections = match obj.get("additional_injections") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(rules)) if rules.len() <= MAX_INJECTION_RULES => {
            let mut out = Vec::with_capacity(rules.len());
            for r in rules {
                let rule = r
                    .as_object()
                    .ok_or_else(|| bad(msg::ADDITIONAL_INJECTIONS))?;
                let target = match rule.get("target").and_then(Value::as_str) {
                    Some("header") => InjectionTarget::Header,
                    Some("query_param") => InjectionTarget::QueryParam,
                    _ => return Err(bad(msg::ADDITIONAL_INJECTIONS)),
                };
                let key = rule.get("key").and_then(Value::as_str).unwrap_or("");
                let source = rule
                    .get("value_source")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if key.len() > MAX_INJECTION_KEY_LEN
                    || !is_injection_key(key)
                    || source.len() > MAX_VALUE_SOURCE_LEN
                    || !is_value_source(source)
                    || (target == InjectionTarget::Header && is_forbidden_header(key))
                {
                    return Err(bad(msg::ADDITIONAL_INJECTIONS));
                }
                extra_rule_keys |= rule.len() != 3;
                out.push(InjectionRule {
                    target,
                    key: key.to_string(),
                    value_source: source.to_string(),
                });
            }
            out
        }
        Some(_) => return Err(bad(msg::ADDITIONAL_INJECTIONS)),
    };

    // Second, whole-schema pass (Python's strict model): a rule with keys beyond
    // {target, key, value_source} and a token_generation that is not a canonical UUID fail as a
    // malformed response rather than with a field message, as in the Python SDK.
    if extra_rule_keys {
        return Err(bad(msg::MALFORMED));
    }
    let token_generation = match obj.get("token_generation") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if is_canonical_uuid(s) => Some(s.clone()),
        Some(_) => return Err(bad(msg::MALFORMED)),
    };

    // Best effort (§7.7): a malformed retry_info is dropped, never fatal.
    let retry_info = match obj.get("retry_info") {
        None | Some(Value::Null) => None,
        Some(v) => parse_retry_info(v),
    };
    // An extension, but a restriction: a malformed list fails closed like the rest.
    let allowed_hosts = match obj.get("allowed_hosts") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let mut hosts = Vec::with_capacity(items.len());
            for h in items {
                match h.as_str() {
                    Some(s) if !s.is_empty() && !has_ascii_control(s) => hosts.push(s.to_string()),
                    _ => return Err(bad(msg::MALFORMED)),
                }
            }
            Some(hosts)
        }
        Some(_) => return Err(bad(msg::MALFORMED)),
    };

    Ok(TokenResponse {
        access_token,
        grant_id,
        token_type,
        expires_in,
        expires_at,
        scopes,
        provider_id,
        token_generation,
        scope_mismatch,
        injection_header,
        injection_format,
        additional_credentials,
        additional_injections,
        retry_info,
        allowed_hosts,
    })
}

/// §3.5: the SigV4 path is taken when `injection_format` starts with `AWS4-HMAC-SHA256` **and**
/// `additional_credentials` is an object (even an empty one).
pub fn is_sigv4(resp: &TokenResponse) -> bool {
    resp.injection_format.starts_with(SIGV4_FORMAT_PREFIX) && resp.additional_credentials.is_some()
}

/// The body as the first implementation built it (a map serialised at the end): the oracle the
/// writer above is compared against, byte for byte.
#[cfg(test)]
mod reference {
    use super::*;
    use crate::json::to_json_ascii;

    fn request_object(method: &str, url: &str) -> Value {
        let mut r = Map::new();
        r.insert("method".into(), Value::String(method.to_ascii_uppercase()));
        r.insert("url".into(), Value::String(url.to_string()));
        Value::Object(r)
    }

    /// §3.2: the exact body bytes (compact, ASCII-escaped, insertion order). Grant mode:
    /// `grant_id, reason, request[, user_token]`; provider mode: `provider_id, reason, request
    /// [, user_token][, app_user_id][, account][, label]`. `reason` is always present (`null` when
    /// absent); `account` and `label` only when non-empty.
    pub fn token_request_body(req: &TokenRequest) -> String {
        let mut m = Map::new();
        let reason = req.reason.clone().map(Value::String).unwrap_or(Value::Null);
        match &req.target {
            GrantTarget::Grant { grant_id } => {
                m.insert("grant_id".into(), Value::String(grant_id.clone()));
                m.insert("reason".into(), reason);
                m.insert("request".into(), request_object(&req.method, &req.url));
                if let Some(t) = &req.user_token {
                    m.insert("user_token".into(), Value::String(t.clone()));
                }
            }
            GrantTarget::Provider {
                provider_id,
                account,
                label,
                app_user_id,
            } => {
                m.insert("provider_id".into(), Value::String(provider_id.clone()));
                m.insert("reason".into(), reason);
                m.insert("request".into(), request_object(&req.method, &req.url));
                if let Some(t) = &req.user_token {
                    m.insert("user_token".into(), Value::String(t.clone()));
                }
                if let Some(a) = app_user_id {
                    m.insert("app_user_id".into(), Value::String(a.clone()));
                }
                if let Some(a) = account.as_ref().filter(|a| !a.is_empty()) {
                    m.insert("account".into(), Value::String(a.clone()));
                }
                if let Some(l) = label.as_ref().filter(|l| !l.is_empty()) {
                    m.insert("label".into(), Value::String(l.clone()));
                }
            }
        }
        to_json_ascii(&Value::Object(m))
    }
}

#[cfg(test)]
mod body_tests {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        "[ -~\\u{e9}\\u{7f}\\u{1f600}\\n\\\\\"]{0,12}"
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn written_body_equals_reference(
            grant in any::<bool>(), id in text(), reason in proptest::option::of(text()),
            method in "[a-zA-Z]{1,7}", url in text(), user_token in proptest::option::of(text()),
            account in proptest::option::of(text()), label in proptest::option::of(text()),
            app_user_id in proptest::option::of(text()),
        ) {
            let target = if grant {
                GrantTarget::Grant { grant_id: id }
            } else {
                GrantTarget::Provider { provider_id: id, account, label, app_user_id }
            };
            let req = TokenRequest { target, reason, method, url, user_token };
            prop_assert_eq!(token_request_body(&req), reference::token_request_body(&req));
        }
    }
}
