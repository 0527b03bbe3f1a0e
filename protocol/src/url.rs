//! URLs: the backend base URL (§1.3), provider URL templating and validation (§4.2–4.4), query
//! appending, the length cap, and log redaction (§5.4).
//!
//! A small hand-written parser ([`parse`]) is used instead of the `url` crate: only the split into
//! scheme / userinfo / host / port / path / query / fragment is needed, and it is stricter than a
//! browser parser (it refuses backslashes in the authority, control characters and `scheme:///`),
//! so a URL it accepts cannot mean a different host to the `fetch` that later sends it.

use crate::canonical::{form_decode, quote_plus};
use crate::error::{codes, ProtocolError, Result};
use serde_json::{Map, Value};

/// §1.3: the default backend.
pub const DEFAULT_BASE_URL: &str = "https://backend.alterauth.com";
/// §4.3 / §13: the longest provider URL, in characters once percent-encoded.
pub const MAX_PROVIDER_URL_LEN: usize = 65_536;
const MAX_PORT: u32 = 65_535;
/// §1.3 / §4.3: the only hosts `http` is allowed for (compared case-insensitively).
const LOOPBACK_HOSTS: &[&str] = &["localhost", "127.0.0.1", "::1"];

const MSG_URL_EMPTY: &str = "url must be a non-empty absolute URL";
const MSG_URL_INVALID: &str = "url must be a valid absolute HTTP URL";
const MSG_URL_NO_HOST: &str = "url must include a hostname";
const MSG_URL_PORT: &str = "url must use a valid port (0-65535)";
const MSG_URL_SCHEME: &str =
    "url must use https; http is permitted only for localhost loopback development";
const MSG_URL_TOO_LONG: &str =
    "url with query_params must be at most 65,536 characters once percent-encoded";
const MSG_PATH_PARAMS_SHAPE: &str =
    "path_params must be a dict of string values keyed by identifiers matching [A-Za-z_][A-Za-z0-9_]*";
const MSG_QUERY_ENCODE: &str = "query_params cannot be encoded into the URL";
const MSG_TEMPLATE: &str = "Invalid URL template or missing path_params";

/// The validated backend base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// The URL with every trailing `/` stripped.
    pub url: String,
    /// True for `http://` on a loopback host (the SDK logs a warning once).
    pub insecure_loopback: bool,
}

/// Why [`parse`] refused a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlError {
    /// Not parseable (bad characters, bad IPv6 literal, non-numeric port).
    Malformed,
    /// No `scheme://host`.
    NoHost,
    /// A numeric port above 65535.
    BadPort,
}

/// The parts of an absolute `scheme://authority/path?query#fragment` URL, borrowed from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedUrl<'a> {
    /// As written (compare case-insensitively).
    pub scheme: &'a str,
    pub userinfo: Option<&'a str>,
    /// IPv6 literals without their brackets.
    pub host: &'a str,
    pub ipv6: bool,
    /// `None` when absent or empty (`https://h:/`).
    pub port: Option<u32>,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub fragment: Option<&'a str>,
}

fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
}

/// Characters allowed in a registered host name: unreserved, sub-delims, `%`, and any non-ASCII
/// character (internationalised names; the transport applies IDNA).
fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=%".contains(c) || !c.is_ascii()
}

fn is_hex4(g: &str) -> bool {
    !g.is_empty() && g.len() <= 4 && g.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u16>().map(|n| n <= 255).unwrap_or(false)
        })
}

/// Count the 16-bit groups of one side of an IPv6 address (`None` if malformed). The last group may
/// be a dotted IPv4 address (two groups) when `allow_v4_tail`.
fn ipv6_groups(side: &str, allow_v4_tail: bool) -> Option<usize> {
    if side.is_empty() {
        return Some(0);
    }
    let groups: Vec<&str> = side.split(':').collect();
    let mut n = 0;
    for (i, g) in groups.iter().enumerate() {
        if i + 1 == groups.len() && allow_v4_tail && g.contains('.') {
            if !is_ipv4(g) {
                return None;
            }
            n += 2;
        } else if is_hex4(g) {
            n += 1;
        } else {
            return None;
        }
    }
    Some(n)
}

/// An IPv6 literal (without brackets, without a zone id).
pub(crate) fn is_ipv6(s: &str) -> bool {
    match s.find("::") {
        Some(i) => {
            let (left, right) = (&s[..i], &s[i + 2..]);
            if right.contains("::") {
                return false;
            }
            match (ipv6_groups(left, false), ipv6_groups(right, true)) {
                (Some(l), Some(r)) => l + r <= 7,
                _ => false,
            }
        }
        None => ipv6_groups(s, true) == Some(8),
    }
}

fn parse_port(p: &str) -> std::result::Result<Option<u32>, UrlError> {
    if p.is_empty() {
        return Ok(None);
    }
    // A negative number is a port out of range, like any other number above 65535.
    let digits = p.strip_prefix('-').unwrap_or(p);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UrlError::Malformed);
    }
    if digits.len() != p.len() {
        return Err(UrlError::BadPort);
    }
    // Saturating parse: any digit string is a number, possibly out of range.
    let mut n: u32 = 0;
    for b in p.bytes() {
        n = n.saturating_mul(10).saturating_add(u32::from(b - b'0'));
    }
    if n > MAX_PORT {
        return Err(UrlError::BadPort);
    }
    Ok(Some(n))
}

/// Split an absolute URL. Refuses control characters anywhere, a missing `scheme://`, an empty host,
/// backslashes or spaces in the authority, malformed IPv6 literals and bad ports.
pub(crate) fn parse(url: &str) -> std::result::Result<ParsedUrl<'_>, UrlError> {
    if url.chars().any(|c| c.is_control()) {
        return Err(UrlError::Malformed);
    }
    let colon = url.find(':').ok_or(UrlError::NoHost)?;
    let scheme = &url[..colon];
    if !is_scheme(scheme) {
        return Err(UrlError::NoHost);
    }
    let rest = url[colon + 1..]
        .strip_prefix("//")
        .ok_or(UrlError::NoHost)?;
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    if authority.contains('\\') {
        return Err(UrlError::Malformed);
    }
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let (host, ipv6, port_str) = if let Some(inner) = hostport.strip_prefix('[') {
        let close = inner.find(']').ok_or(UrlError::Malformed)?;
        let host = &inner[..close];
        let after = &inner[close + 1..];
        let port_str = if after.is_empty() {
            ""
        } else {
            after.strip_prefix(':').ok_or(UrlError::Malformed)?
        };
        if !is_ipv6(host) {
            return Err(UrlError::Malformed);
        }
        (host, true, port_str)
    } else {
        let (host, port_str) = match hostport.find(':') {
            Some(i) => (&hostport[..i], &hostport[i + 1..]),
            None => (hostport, ""),
        };
        if !host.chars().all(is_host_char) {
            return Err(UrlError::Malformed);
        }
        (host, false, port_str)
    };
    if host.is_empty() {
        return Err(UrlError::NoHost);
    }
    let port = parse_port(port_str)?;
    let (before_frag, fragment) = match tail.find('#') {
        Some(i) => (&tail[..i], Some(&tail[i + 1..])),
        None => (tail, None),
    };
    let (path, query) = match before_frag.find('?') {
        Some(i) => (&before_frag[..i], Some(&before_frag[i + 1..])),
        None => (before_frag, None),
    };
    Ok(ParsedUrl {
        scheme,
        userinfo,
        host,
        ipv6,
        port,
        path,
        query,
        fragment,
    })
}

/// §1.3 / §4.3: `localhost`, `127.0.0.1` or `::1` (case-insensitive; `[::1]` accepted too).
pub fn is_loopback_host(host: &str) -> bool {
    let h = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    LOOPBACK_HOSTS.iter().any(|l| l.eq_ignore_ascii_case(h))
}

fn base_err(message: &str) -> ProtocolError {
    ProtocolError::sdk(codes::INVALID_BASE_URL, message)
}

/// §1.3: validate and normalise the backend base URL. Failures are `AlterSDKError`
/// (`invalid_base_url`).
///
/// Decision: a bare `?` or `#` (empty query/fragment) is refused too; Python lets
/// `https://h?` through (empty query) and would then build `https://h?/sdk/token`.
pub fn validate_base_url(s: &str) -> Result<BaseUrl> {
    if s.is_empty() {
        return Err(base_err("Backend URL must be a non-empty string"));
    }
    let normalized = s.trim_end_matches('/');
    let parsed = match parse(normalized) {
        Ok(p) => p,
        Err(UrlError::NoHost) => return Err(base_err("Backend URL must use an http or https URL")),
        Err(_) => return Err(base_err("Backend URL must be a valid URL")),
    };
    let scheme = parsed.scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(base_err("Backend URL must use an http or https URL"));
    }
    if parsed.userinfo.is_some() {
        return Err(base_err("Backend URL must not include URL credentials"));
    }
    if parsed.query.is_some() || parsed.fragment.is_some() {
        return Err(base_err("Backend URL must not include a query or fragment"));
    }
    let insecure_loopback = scheme == "http";
    if insecure_loopback && !is_loopback_host(parsed.host) {
        return Err(base_err(
            "Backend URL must use https:// in production (http:// is only permitted for loopback hosts)",
        ));
    }
    Ok(BaseUrl {
        url: normalized.to_string(),
        insecure_loopback,
    })
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// §4.3: percent-encode everything except `A–Z a–z 0–9 _ . - ~` (uppercase hex).
pub fn encode_path_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The first `{identifier}` in `s` (leftmost start), like Python's `re.search`.
fn first_placeholder(s: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(off) = s[from..].find('{') {
        let start = from + off + 1;
        if let Some(len) = s[start..].find('}') {
            let name = &s[start..start + len];
            if is_identifier(name) {
                return Some(name);
            }
        }
        from = start;
    }
    None
}

/// §4.3: substitute `{name}` placeholders. Every occurrence of each key is replaced by the fully
/// percent-encoded value; a remaining `{identifier}` or any stray `{`/`}` (query included) is an
/// `AlterValueError`. (The Python SDK prefixes these messages with `request: `; callers add their
/// own prefix if they want one.)
pub fn apply_path_params(url: &str, params: &[(String, String)]) -> Result<String> {
    if params.iter().any(|(k, _)| !is_identifier(k)) {
        return Err(ProtocolError::value(MSG_PATH_PARAMS_SHAPE));
    }
    if let Some((k, _)) = params.iter().find(|(_, v)| v == "." || v == "..") {
        // A URL parser removes such a segment together with the one before it.
        return Err(ProtocolError::value(format!(
            "path_params value for '{k}' cannot be '.' or '..'"
        )));
    }
    let mut resolved = url.to_string();
    for (k, v) in params {
        let placeholder = format!("{{{k}}}");
        if resolved.contains(&placeholder) {
            resolved = resolved.replace(&placeholder, &encode_path_value(v));
        }
    }
    if let Some(name) = first_placeholder(&resolved) {
        return Err(ProtocolError::value(format!("{MSG_TEMPLATE}: '{name}'")));
    }
    if resolved.contains(['{', '}']) {
        return Err(ProtocolError::value(MSG_TEMPLATE));
    }
    Ok(resolved)
}

/// The provider URL exactly as fetch will send it (the WHATWG URL serializer, for the URLs this
/// SDK accepts), so the token request, the provider call and the audit row carry one URL. What a
/// WHATWG parser would read differently from a plain reading is refused instead of rewritten:
/// backslashes, control characters (tabs and newlines are silently dropped by it), `.` and `..`
/// segments (also percent-encoded), user info, and hosts that are not plain ASCII names or
/// canonical addresses (fullwidth dots, percent-escapes, `127.1`). What it only spells differently
/// is written its way: the scheme and host in lower case, a default port dropped, an empty path
/// as `/`, spaces, quotes, angle brackets, backticks, braces and non-ASCII percent-encoded.
pub fn canonical_provider_url(url: &str) -> Result<String> {
    let refuse = |why: &str| Err(ProtocolError::value(format!("url {why}")));
    if url.chars().any(|c| c == '\\' || c.is_control()) {
        return refuse("must not contain a backslash or a control character");
    }
    if url.starts_with(' ') || url.ends_with(' ') {
        return refuse("must not start or end with a space");
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(ProtocolError::value(MSG_URL_INVALID));
    };
    let scheme = scheme.to_ascii_lowercase();
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return refuse("must not contain user info (user@host)");
    }
    let (raw_host, port) = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => (&authority[..i], Some(&authority[i + 1..])),
        _ => (authority, None),
    };
    let host = match crate::hosts::normalize_host(raw_host) {
        Ok(h) if raw_host.starts_with('[') => format!("[{h}]"),
        Ok(_) => raw_host.to_ascii_lowercase(),
        Err(why) => return refuse(&format!("host is not accepted: {why}")),
    };
    let default_port = if scheme == "https" { 443 } else { 80 };
    let port = match port {
        None | Some("") => None,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            match p.trim_start_matches('0').parse::<u32>() {
                Ok(n) if n <= MAX_PORT && n != default_port => Some(n),
                Ok(n) if n <= MAX_PORT => None,
                _ if p.bytes().all(|b| b == b'0') => Some(0),
                _ => return Err(ProtocolError::value(MSG_URL_PORT)),
            }
        }
        Some(_) => return Err(ProtocolError::value(MSG_URL_PORT)),
    };
    let (before_fragment, fragment) = match tail.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (tail, None),
    };
    let (path, query) = match before_fragment.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (before_fragment, None),
    };
    for seg in path.split('/') {
        let lower = seg.to_ascii_lowercase().replace("%2e", ".");
        if lower == "." || lower == ".." {
            return refuse("must not contain `.` or `..` path segments (fetch would remove them)");
        }
    }
    let mut out = String::with_capacity(url.len() + 8);
    out.push_str(&scheme);
    out.push_str("://");
    out.push_str(&host);
    if let Some(p) = port {
        out.push(':');
        out.push_str(&p.to_string());
    }
    if path.is_empty() {
        out.push('/');
    } else {
        percent_encode_into(&mut out, path, b" \"<>`{}");
    }
    if let Some(q) = query {
        out.push('?');
        percent_encode_into(&mut out, q, b" \"<>'");
    }
    if let Some(f) = fragment {
        out.push('#');
        percent_encode_into(&mut out, f, b" \"<>`");
    }
    Ok(out)
}

/// Appends `s` with `set` and every non-ASCII byte percent-encoded (upper-case hex, as the WHATWG
/// serializer writes it); `%` and everything else as it is.
fn percent_encode_into(out: &mut String, s: &str, set: &[u8]) {
    for (i, c) in s.char_indices() {
        if c.is_ascii() && !set.contains(&(c as u8)) {
            out.push(c);
        } else {
            for b in s[i..i + c.len_utf8()].bytes() {
                out.push('%');
                out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
                out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
            }
        }
    }
}

/// §4.3: the final provider URL must be absolute, have a host and a port in 0–65535, and use
/// `https` (or `http` on a loopback host). Runs before token retrieval. `AlterValueError`.
pub fn validate_provider_url(url: &str) -> Result<()> {
    if url.is_empty() {
        return Err(ProtocolError::value(MSG_URL_EMPTY));
    }
    check_url_length(url)?;
    let parsed = parse(url).map_err(|e| {
        ProtocolError::value(match e {
            UrlError::Malformed => MSG_URL_INVALID,
            UrlError::NoHost => MSG_URL_NO_HOST,
            UrlError::BadPort => MSG_URL_PORT,
        })
    })?;
    let scheme = parsed.scheme.to_ascii_lowercase();
    if scheme == "https" || (scheme == "http" && is_loopback_host(parsed.host)) {
        return Ok(());
    }
    Err(ProtocolError::value(MSG_URL_SCHEME))
}

/// Characters a URL serializer leaves alone; everything else counts as `%XX` per UTF-8 byte.
fn stays_literal(c: char) -> bool {
    c.is_ascii_graphic() && !matches!(c, '"' | '<' | '>' | '`' | '{' | '}' | '|' | '\\' | '^')
}

/// The URL's length once percent-encoded (what the transport sends). By byte: a character that
/// is not left alone is written as `%XX` per UTF-8 byte, and every byte of a non-ASCII character
/// is such a byte.
pub fn encoded_len(url: &str) -> usize {
    url.bytes()
        .map(|b| {
            if b.is_ascii() && stays_literal(b as char) {
                1
            } else {
                3
            }
        })
        .sum()
}

/// §4.3: the provider URL, query included, once percent-encoded, is at most 65,536 characters.
pub fn check_url_length(url: &str) -> Result<()> {
    // Encoding at most triples the length: a short URL needs no count.
    if url.len() <= MAX_PROVIDER_URL_LEN / 3 {
        return Ok(());
    }
    if encoded_len(url) > MAX_PROVIDER_URL_LEN {
        return Err(ProtocolError::value(MSG_URL_TOO_LONG));
    }
    Ok(())
}

/// Split off a `#fragment` so query edits land before it.
fn split_fragment(url: &str) -> (&str, &str) {
    match url.find('#') {
        Some(i) => url.split_at(i),
        None => (url, ""),
    }
}

fn join_query(base: &str, fragment: &str, pairs: &str) -> String {
    if pairs.is_empty() {
        return format!("{base}{fragment}");
    }
    let sep = match base.find('?') {
        None => "?",
        Some(i) if i + 1 == base.len() || base.ends_with('&') => "",
        Some(_) => "&",
    };
    format!("{base}{sep}{pairs}{fragment}")
}

fn encode_pairs(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", quote_plus(k), quote_plus(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn scalar_to_query_string(v: &Value) -> Option<String> {
    match v {
        Value::Null => Some(String::new()),
        Value::Bool(b) => Some(if *b { "true" } else { "false" }.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// §4.4: turn a `query_params` object into ordered pairs: scalars stringified (`true`/`false`
/// for booleans, `""` for null), a list repeats its key once per element. Nested objects or lists
/// inside lists are an `AlterValueError`.
pub fn query_pairs(params: &Map<String, Value>) -> Result<Vec<(String, String)>> {
    let bad = || ProtocolError::value(MSG_QUERY_ENCODE);
    let mut out = Vec::with_capacity(params.len());
    for (k, v) in params {
        match v {
            Value::Array(items) => {
                for item in items {
                    out.push((k.clone(), scalar_to_query_string(item).ok_or_else(bad)?));
                }
            }
            other => out.push((k.clone(), scalar_to_query_string(other).ok_or_else(bad)?)),
        }
    }
    Ok(out)
}

/// §4.4 (decision §14.1): form-encode `params` (space → `+`) and **append** them to the URL's own
/// query, before any fragment. The Python SDK replaces the URL's query instead; we keep it.
pub fn append_query(url: &str, params: &[(String, String)]) -> String {
    let (base, fragment) = split_fragment(url);
    join_query(base, fragment, &encode_pairs(params))
}

/// §3.5 query injection (decision §14.1): drop every existing query field whose decoded name is
/// `key`, then append `key=value`. The injected credential wins over a caller's same-named field.
pub fn set_query_param(url: &str, key: &str, value: &str) -> String {
    let (base, fragment) = split_fragment(url);
    let (path, query) = match base.find('?') {
        Some(i) => (&base[..i], Some(&base[i + 1..])),
        None => (base, None),
    };
    let kept: Vec<&str> = query
        .map(|q| {
            q.split('&')
                .filter(|seg| {
                    !seg.is_empty()
                        && form_decode(seg).first().map(|(n, _)| n.as_str()) != Some(key)
                })
                .collect()
        })
        .unwrap_or_default();
    let mut out = path.to_string();
    out.push('?');
    out.push_str(&kept.join("&"));
    let pair = encode_pairs(&[(key.to_string(), value.to_string())]);
    join_query(&out, fragment, &pair)
}

/// §5.4: reduce a URL to `scheme://host` for local log lines (no userinfo, port, path, query or
/// fragment; IPv6 re-bracketed); `<unparseable-url>` when it cannot be parsed.
pub fn redact_url_for_log(url: &str) -> String {
    match parse(url) {
        Ok(p) => {
            let (scheme, host) = (p.scheme.to_ascii_lowercase(), p.host.to_ascii_lowercase());
            if p.ipv6 {
                format!("{scheme}://[{host}]")
            } else {
                format!("{scheme}://{host}")
            }
        }
        Err(_) => "<unparseable-url>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_literals() {
        for ok in [
            "::1",
            "::",
            "2001:db8::1",
            "1:2:3:4:5:6:7:8",
            "::ffff:127.0.0.1",
            "fe80::",
        ] {
            assert!(is_ipv6(ok), "{ok}");
        }
        for bad in [
            "",
            ":::",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            "12345::",
            "g::1",
            "1:2:3:4:5:6:7",
        ] {
            assert!(!is_ipv6(bad), "{bad}");
        }
    }

    #[test]
    fn parse_splits_parts() {
        let p = parse("https://u:p@[::1]:8443/a/b?x=1#f").unwrap();
        assert_eq!(p.userinfo, Some("u:p"));
        assert_eq!(p.host, "::1");
        assert!(p.ipv6);
        assert_eq!(p.port, Some(8443));
        assert_eq!(
            (p.path, p.query, p.fragment),
            ("/a/b", Some("x=1"), Some("f"))
        );
    }
}

#[cfg(test)]
mod encoded_len_tests {
    use super::*;
    use proptest::prelude::*;

    /// The per-character count the byte count replaced.
    fn by_char(url: &str) -> usize {
        url.chars()
            .map(|c| {
                if stays_literal(c) {
                    1
                } else {
                    3 * c.len_utf8()
                }
            })
            .sum()
    }

    proptest! {
        #[test]
        fn byte_count_equals_char_count(s in "\\PC{0,40}", t in "[ -~\\u{80}-\\u{7ff}\\u{10000}]{0,40}") {
            prop_assert_eq!(encoded_len(&s), by_char(&s));
            prop_assert_eq!(encoded_len(&t), by_char(&t));
        }
    }
}
