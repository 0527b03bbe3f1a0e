//! Where a grant's credential may go (`blocked_destination`, protocol-core §4.3, §7.2, §11): the
//! provider's `allowed_hosts`, and the vault's own mock of that provider. Used by `/sdk/token`
//! (the SDK sends the credential to `request.url`) and `/sdk/proxy` (the vault sends it).
//!
//! The URL parser is deliberately narrower than a browser's: anything a WHATWG parser could read
//! as another host (userinfo, backslashes, tabs or newlines, percent-escapes or non-ASCII in the
//! host, shorthand IPv4 forms) is refused, so an allowed verdict always means the same host to the
//! client that connects.

pub use alter_protocol::hosts::{is_loopback_name, normalize_host, parse_dest, Dest, HostPattern};

use crate::util::{new_uuid, ApiError};

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
