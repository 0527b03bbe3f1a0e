//! Where a grant's credential may go (`blocked_destination`, protocol-core §4.3, §7.2, §11): the
//! provider's `allowed_hosts`, and the vault's own mock of that provider. Used by `/sdk/token`
//! (the SDK sends the credential to `request.url`) and `/sdk/proxy` (the vault sends it).
//!
//! The URL parser is deliberately narrower than a browser's: anything a WHATWG parser could read
//! as another host (userinfo, backslashes, tabs or newlines, percent-escapes or non-ASCII in the
//! host, shorthand IPv4 forms) is refused, so an allowed verdict always means the same host to the
//! client that connects.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::util::{new_uuid, ApiError};

/// A parsed provider URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dest {
    pub https: bool,
    /// Lowercase, without a trailing dot; IPv6 literals canonical and without brackets.
    pub host: String,
    /// The effective port (443 / 80 when absent).
    pub port: u16,
    /// The raw path (`""` when absent).
    pub path: String,
    /// The raw query, without `?`.
    pub query: Option<String>,
}

impl Dest {
    pub fn default_port(&self) -> u16 {
        if self.https {
            443
        } else {
            80
        }
    }

    /// `host` as written in a URL (IPv6 in brackets).
    pub fn host_for_url(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }

    /// `scheme://host:port`.
    pub fn origin(&self) -> String {
        format!("{}://{}:{}", if self.https { "https" } else { "http" }, self.host_for_url(), self.port)
    }
}

/// The names `http` is allowed for (§4.3), after normalisation.
pub fn is_loopback_name(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

/// Normalises a host as written in a URL, a config entry or a `Host` header (without the port):
/// ASCII lowercase, one trailing dot dropped, IPv6 canonical. Refuses what a URL parser could
/// rewrite into another host.
pub fn normalize_host(raw: &str) -> Result<String, String> {
    if let Some(inner) = raw.strip_prefix('[') {
        let inner = inner.strip_suffix(']').ok_or("an IPv6 literal must end with ]")?;
        let ip: Ipv6Addr = inner.parse().map_err(|_| "not a valid IPv6 literal")?;
        return Ok(ip.to_string());
    }
    if raw.is_empty() {
        return Err("the host is empty".into());
    }
    if !raw.is_ascii() {
        return Err("the host is not ASCII; write an internationalised name in its xn-- (punycode) form".into());
    }
    if raw.contains('%') {
        return Err("the host contains a percent-escape".into());
    }
    if !raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_') {
        return Err("the host contains characters a host name cannot have".into());
    }
    let lower = raw.to_ascii_lowercase();
    let host = lower.strip_suffix('.').unwrap_or(&lower);
    if host.len() > 253 || host.split('.').any(|l| l.is_empty() || l.len() > 63) {
        return Err("the host has an empty or overlong label".into());
    }
    // A name whose last label looks numeric is an IPv4 address to a URL parser ("127.1",
    // "0x7f.1", "2130706433"): only the canonical dotted quad is accepted.
    let last = host.rsplit('.').next().unwrap_or("");
    let numeric = last.bytes().all(|b| b.is_ascii_digit()) || (last.starts_with("0x") && last[2..].bytes().all(|b| b.is_ascii_hexdigit()));
    if numeric {
        let canonical = host.parse::<Ipv4Addr>().ok().map(|ip| ip.to_string());
        if canonical.as_deref() != Some(host) {
            return Err("the host is a non-canonical IPv4 address; write it as a.b.c.d".into());
        }
    }
    Ok(host.to_string())
}

fn parse_port(p: &str) -> Result<Option<u16>, String> {
    if p.is_empty() {
        return Ok(None);
    }
    if p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the port is not a number in 0..=65535".into());
    }
    p.parse::<u16>().map(Some).map_err(|_| "the port is not a number in 0..=65535".into())
}

/// Splits `host[:port]` / `[v6][:port]` into the raw host and the port.
fn split_host_port(hp: &str) -> Result<(&str, Option<u16>), String> {
    if hp.starts_with('[') {
        let close = hp.find(']').ok_or("an IPv6 literal must end with ]")?;
        let (host, after) = hp.split_at(close + 1);
        let port = match after {
            "" => None,
            _ => parse_port(after.strip_prefix(':').ok_or("unexpected characters after the IPv6 literal")?)?,
        };
        return Ok((host, port));
    }
    match hp.split_once(':') {
        Some((h, p)) => Ok((h, parse_port(p)?)),
        None => Ok((hp, None)),
    }
}

/// Parses a provider URL for the destination check. The `Err` text says why it is refused.
pub fn parse_dest(url: &str) -> Result<Dest, String> {
    if url.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') {
        return Err("the URL contains whitespace, a control character or a backslash".into());
    }
    let (scheme, rest) = url.split_once("://").ok_or("the URL is not absolute (scheme://host/...)")?;
    let https = match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => false,
        _ => return Err("the scheme must be https (or http on a loopback host)".into()),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err("the URL has userinfo (user@host); credentials are never sent to such URLs".into());
    }
    let (raw_host, port) = split_host_port(authority)?;
    let host = normalize_host(raw_host)?;
    if !https && !is_loopback_name(&host) {
        return Err("http is permitted only for localhost, 127.0.0.1 and [::1]".into());
    }
    let tail = tail.split('#').next().unwrap_or("");
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (tail.to_string(), None),
    };
    let mut d = Dest { https, host, port: 0, path, query };
    d.port = port.unwrap_or_else(|| d.default_port());
    Ok(d)
}

/// One `allowed_hosts` entry: `"api.example.com"`, `"api.example.com:8443"`, `"*.example.com"`
/// (any subdomain, not the apex), `"[::1]:8080"`, or `"*"` (any host the URL rules allow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    Any,
    /// `port: None` means the URL scheme's default port only.
    Exact { host: String, port: Option<u16> },
    /// `suffix` starts with a dot.
    Subdomains { suffix: String, port: Option<u16> },
}

impl HostPattern {
    pub fn parse(entry: &str) -> Result<HostPattern, String> {
        if entry == "*" {
            return Ok(HostPattern::Any);
        }
        if entry.contains(['/', '?', '#', '@']) || entry.contains("://") {
            return Err(format!("{entry:?} must be a host with an optional port, not a URL"));
        }
        let (wild, hp) = match entry.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, entry),
        };
        let (raw_host, port) = split_host_port(hp).map_err(|e| format!("{entry:?}: {e}"))?;
        let host = normalize_host(raw_host).map_err(|e| format!("{entry:?}: {e}"))?;
        if wild {
            if host.contains(':') || !host.contains('.') {
                return Err(format!("{entry:?}: a wildcard needs a domain with at least two labels after *."));
            }
            return Ok(HostPattern::Subdomains { suffix: format!(".{host}"), port });
        }
        Ok(HostPattern::Exact { host, port })
    }

    pub fn matches(&self, d: &Dest) -> bool {
        let port_ok = |p: &Option<u16>| p.map_or(d.port == d.default_port(), |p| p == d.port);
        match self {
            HostPattern::Any => true,
            HostPattern::Exact { host, port } => *host == d.host && port_ok(port),
            HostPattern::Subdomains { suffix, port } => d.host.ends_with(suffix.as_str()) && d.host.len() > suffix.len() && port_ok(port),
        }
    }
}

/// True when a path segment is `.` or `..`, also percent-encoded (a URL parser resolves them).
fn is_dot_segment(seg: &str) -> bool {
    let s = seg.to_ascii_lowercase().replace("%2e", ".");
    s == "." || s == ".."
}

/// Where an allowed credential goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The vault's own mock of the grant's provider: `rest` is the path after `/mock/{provider}`.
    OwnMock { rest: String, query: String },
    /// A host the provider's `allowed_hosts` lists.
    Allowed(Dest),
}

/// The vault's own origins (the listening URL and `public_url`) and each provider's patterns.
#[derive(Debug, Clone, Default)]
pub struct Destinations {
    pub own: Vec<Dest>,
    pub allowed: std::collections::HashMap<String, Vec<HostPattern>>,
}

impl Destinations {
    fn is_own(&self, d: &Dest) -> Option<&Dest> {
        self.own.iter().find(|o| {
            o.https == d.https && o.port == d.port && (o.host == d.host || (is_loopback_name(&o.host) && is_loopback_name(&d.host)))
        })
    }

    /// The decision for `provider`'s credential going to `url`.
    pub fn check(&self, provider: &str, url: &str) -> Result<Route, String> {
        let d = parse_dest(url)?;
        if let Some(own) = self.is_own(&d) {
            // The vault's own address serves only the provider's mock; its other endpoints, and the
            // mock of another provider, never receive a credential.
            let mock_rest = d.path.strip_prefix("/mock/").and_then(|after| {
                let (seg, rest) = after.split_at(after.find('/').unwrap_or(after.len()));
                (seg == provider).then_some(rest)
            });
            let exact_host = own.host == d.host;
            return match mock_rest {
                Some(rest) if exact_host && !d.path.split('/').any(is_dot_segment) => {
                    Ok(Route::OwnMock { rest: rest.to_string(), query: d.query.clone().unwrap_or_default() })
                }
                Some(_) if !exact_host => Err(format!("the vault's mock must be addressed as {}", own.origin())),
                _ => Err(format!("on the vault's own address only /mock/{provider}/ may receive this credential")),
            };
        }
        let patterns = self.allowed.get(provider).map(Vec::as_slice).unwrap_or(&[]);
        if patterns.iter().any(|p| p.matches(&d)) {
            return Ok(Route::Allowed(d));
        }
        let hosts = if patterns.is_empty() { "none configured".to_string() } else { format!("see allowed_hosts of {provider}") };
        Err(format!("host {}:{} is not allowed for provider {provider} ({hosts}; its mock is {}/mock/{provider}/)", d.host_for_url(), d.port, self.own.first().map(Dest::origin).unwrap_or_default()))
    }
}

/// 422 `blocked_destination` (§7.2, §11), with an `X-Request-ID` the SDK reports.
pub fn blocked(provider: &str, why: &str) -> ApiError {
    let why: String = why.chars().take(400).collect();
    ApiError::detail(422, "blocked_destination", format!("Destination is not permitted: {why}"))
        .with("provider_id", provider.to_string())
        .header("X-Request-ID", new_uuid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_normalise_or_are_refused() {
        assert_eq!(normalize_host("API.Example.COM.").as_deref(), Ok("api.example.com"));
        assert_eq!(normalize_host("[0:0:0:0:0:0:0:1]").as_deref(), Ok("::1"));
        for bad in ["", "a..b", "ex%61mple.com", "exämple.com", "127.1", "0x7f.0.0.1", "2130706433", "017.0.0.1", "a b", "[::1", "[zz]"] {
            assert!(normalize_host(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn patterns_match_host_and_port() {
        let d = |u: &str| parse_dest(u).expect(u);
        let exact = HostPattern::parse("api.example.com").expect("pattern");
        assert!(exact.matches(&d("https://API.example.com./x")));
        assert!(exact.matches(&d("https://api.example.com:443/x")));
        assert!(!exact.matches(&d("https://api.example.com:8443/x")));
        assert!(!exact.matches(&d("https://api.example.com.evil.com/x")));
        let wild = HostPattern::parse("*.example.com:8443").expect("pattern");
        assert!(wild.matches(&d("https://a.b.example.com:8443/")));
        assert!(!wild.matches(&d("https://example.com:8443/")));
        assert!(!wild.matches(&d("https://badexample.com:8443/")));
        for bad in ["https://a.com", "a.com/x", "*.com", "u@a.com", "a.com:99999", "*"] {
            assert_eq!(HostPattern::parse(bad).is_ok(), bad == "*", "{bad:?}");
        }
    }
}
