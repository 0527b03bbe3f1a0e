//! Credential injection into the provider request (§3.5), with the decisions of §14.1 (query
//! injection appends to / overrides the URL's query) and §14.2 (the credential header replaces a
//! caller header of the same name case-insensitively, so exactly one copy is sent).

use crate::error::{codes, ErrorClass, ProtocolError, Result};
use crate::token::{is_sigv4, InjectionTarget, TokenResponse};
use crate::url::{check_url_length, set_query_param};

/// The provider request after injection. Holds the credential: never log or expose it.
pub struct Injected {
    pub headers: Vec<(String, String)>,
    pub url: String,
    /// Lower-cased names of every header the credential may have gone into (the injection header
    /// and every `header`-target rule key, applied or skipped), for audit stripping (§5.3).
    pub injected_header_names: Vec<String>,
}

const VALUE_SOURCE_TOKEN: &str = "token";
const VALUE_SOURCE_CREDENTIAL_PREFIX: &str = "additional_credentials.";

/// §3.5: `token` → the access token; `additional_credentials.<f>` → that entry, if any.
fn resolve_value_source<'a>(token: &'a TokenResponse, source: &str) -> Option<&'a str> {
    if source == VALUE_SOURCE_TOKEN {
        return Some(&token.access_token);
    }
    let field = source.strip_prefix(VALUE_SOURCE_CREDENTIAL_PREFIX)?;
    token
        .additional_credentials
        .as_ref()?
        .iter()
        .find(|(k, _)| k == field)
        .map(|(_, v)| v.as_str())
}

/// Set `name: value`, removing every existing header of that name in any letter case (§14.2).
fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value));
}

fn note_name(names: &mut Vec<String>, name: &str) {
    let lower = name.to_ascii_lowercase();
    if !names.contains(&lower) {
        names.push(lower);
    }
}

/// §3.5: inject the credential. `headers` are the caller's provider headers (plus the SDK's
/// `User-Agent`); `url` is the provider URL with `query_params` already appended.
///
/// 1. `injection_format` with its **first** `{token}` replaced by the access token goes into
///    `injection_header`, replacing any same-named caller header (case-insensitive).
/// 2. Each `additional_injections` rule in order: resolve its source; skip it when that is
///    missing or empty; a `header` rule sets/overrides the header, a `query_param` rule replaces
///    any same-named query field of the URL and appends `key=value`.
/// 3. The final URL is length-checked again (§4.3).
///
/// The SigV4 path (§3.5) is not implemented yet: it fails closed with `BackendError` code
/// `unsupported` before anything is built.
pub fn inject_credential(
    token: &TokenResponse,
    mut headers: Vec<(String, String)>,
    url: &str,
) -> Result<Injected> {
    if is_sigv4(token) {
        return Err(ProtocolError::new(
            ErrorClass::BackendError,
            codes::UNSUPPORTED,
            "This grant uses AWS SigV4 request signing, which this SDK does not support yet",
        ));
    }
    let mut names = Vec::new();
    let value = token
        .injection_format
        .replacen("{token}", &token.access_token, 1);
    set_header(&mut headers, &token.injection_header, value);
    note_name(&mut names, &token.injection_header);

    let mut url = url.to_string();
    for rule in &token.additional_injections {
        if rule.target == InjectionTarget::Header {
            note_name(&mut names, &rule.key);
        }
        let Some(v) = resolve_value_source(token, &rule.value_source).filter(|v| !v.is_empty())
        else {
            continue;
        };
        match rule.target {
            InjectionTarget::Header => set_header(&mut headers, &rule.key, v.to_string()),
            InjectionTarget::QueryParam => url = set_query_param(&url, &rule.key, v),
        }
    }
    check_url_length(&url)?;
    Ok(Injected {
        headers,
        url,
        injected_header_names: names,
    })
}
