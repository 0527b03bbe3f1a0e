//! Where a URL goes: its host parsed the narrow way, and `allowed_hosts` patterns matched against
//! it. Shared by the SDK (the `allowedHosts` option and the token answer's `allowed_hosts`) and
//! the dev vault (`blocked_destination`).
//!
//! The parser is deliberately narrower than a browser's: anything a WHATWG parser could read as
//! another host (userinfo, backslashes, tabs or newlines, percent-escapes or non-ASCII in the
//! host, shorthand IPv4 forms) is refused, so an allowed verdict always means the same host to
//! the client that connects.

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
        format!(
            "{}://{}:{}",
            if self.https { "https" } else { "http" },
            self.host_for_url(),
            self.port
        )
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
        let inner = inner
            .strip_suffix(']')
            .ok_or("an IPv6 literal must end with ]")?;
        let words = ipv6_words(inner).ok_or("not a valid IPv6 literal")?;
        return Ok(ipv6_text(&words));
    }
    if raw.is_empty() {
        return Err("the host is empty".into());
    }
    if !raw.is_ascii() {
        return Err(
            "the host is not ASCII; write an internationalised name in its xn-- (punycode) form"
                .into(),
        );
    }
    if raw.contains('%') {
        return Err("the host contains a percent-escape".into());
    }
    if !raw
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
    {
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
    let numeric = last.bytes().all(|b| b.is_ascii_digit())
        || (last.starts_with("0x") && last[2..].bytes().all(|b| b.is_ascii_hexdigit()));
    if numeric && ipv4_octets(host).is_none() {
        return Err("the host is a non-canonical IPv4 address; write it as a.b.c.d".into());
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
    p.parse::<u16>()
        .map(Some)
        .map_err(|_| "the port is not a number in 0..=65535".into())
}

/// Splits `host[:port]` / `[v6][:port]` into the raw host and the port.
fn split_host_port(hp: &str) -> Result<(&str, Option<u16>), String> {
    if hp.starts_with('[') {
        let close = hp.find(']').ok_or("an IPv6 literal must end with ]")?;
        let (host, after) = hp.split_at(close + 1);
        let port = match after {
            "" => None,
            _ => parse_port(
                after
                    .strip_prefix(':')
                    .ok_or("unexpected characters after the IPv6 literal")?,
            )?,
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
    if url
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return Err("the URL contains whitespace, a control character or a backslash".into());
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or("the URL is not absolute (scheme://host/...)")?;
    let https = match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => false,
        _ => return Err("the scheme must be https (or http on a loopback host)".into()),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err(
            "the URL has userinfo (user@host); credentials are never sent to such URLs".into(),
        );
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
    let mut d = Dest {
        https,
        host,
        port: 0,
        path,
        query,
    };
    d.port = port.unwrap_or_else(|| d.default_port());
    Ok(d)
}

/// One `allowed_hosts` entry: `"api.example.com"`, `"api.example.com:8443"`, `"*.example.com"`
/// (any subdomain, not the apex), `"[::1]:8080"`, or `"*"` (any host the URL rules allow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    Any,
    /// `port: None` means the URL scheme's default port only.
    Exact {
        host: String,
        port: Option<u16>,
    },
    /// `suffix` starts with a dot.
    Subdomains {
        suffix: String,
        port: Option<u16>,
    },
}

impl HostPattern {
    pub fn parse(entry: &str) -> Result<HostPattern, String> {
        if entry == "*" {
            return Ok(HostPattern::Any);
        }
        if entry.contains(['/', '?', '#', '@']) || entry.contains("://") {
            return Err(format!(
                "{entry:?} must be a host with an optional port, not a URL"
            ));
        }
        let (wild, hp) = match entry.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, entry),
        };
        let (raw_host, port) = split_host_port(hp).map_err(|e| format!("{entry:?}: {e}"))?;
        let host = normalize_host(raw_host).map_err(|e| format!("{entry:?}: {e}"))?;
        if wild {
            if host.contains(':') || !host.contains('.') {
                return Err(format!(
                    "{entry:?}: a wildcard needs a domain with at least two labels after *."
                ));
            }
            return Ok(HostPattern::Subdomains {
                suffix: format!(".{host}"),
                port,
            });
        }
        Ok(HostPattern::Exact { host, port })
    }

    pub fn matches(&self, d: &Dest) -> bool {
        let port_ok = |p: &Option<u16>| p.map_or(d.port == d.default_port(), |p| p == d.port);
        match self {
            HostPattern::Any => true,
            HostPattern::Exact { host, port } => *host == d.host && port_ok(port),
            HostPattern::Subdomains { suffix, port } => {
                d.host.ends_with(suffix.as_str()) && d.host.len() > suffix.len() && port_ok(port)
            }
        }
    }
}

/// A dotted-quad IPv4 address in its canonical form only (four decimal octets, no leading zeros).
/// Written here rather than with `std::net`, whose parsers and printers cost the SDK's wasm more
/// than this whole module.
fn ipv4_octets(s: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split('.');
    for o in out.iter_mut() {
        let p = parts.next()?;
        let canonical = !p.is_empty()
            && p.len() <= 3
            && p.bytes().all(|b| b.is_ascii_digit())
            && (p == "0" || !p.starts_with('0'));
        if !canonical {
            return None;
        }
        *o = p.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// The eight 16-bit words of an IPv6 literal (without brackets): `::` expanded, an IPv4 tail
/// accepted.
fn ipv6_words(s: &str) -> Option<[u16; 8]> {
    fn side(text: &str, last: bool) -> Option<Vec<u16>> {
        let mut out = Vec::new();
        if text.is_empty() {
            return Some(out);
        }
        let parts: Vec<&str> = text.split(':').collect();
        for (i, part) in parts.iter().enumerate() {
            if last && i + 1 == parts.len() && part.contains('.') {
                let [a, b, c, d] = ipv4_octets(part)?;
                out.push(u16::from_be_bytes([a, b]));
                out.push(u16::from_be_bytes([c, d]));
            } else if !part.is_empty()
                && part.len() <= 4
                && part.bytes().all(|b| b.is_ascii_hexdigit())
            {
                out.push(u16::from_str_radix(part, 16).ok()?);
            } else {
                return None;
            }
        }
        Some(out)
    }
    let words = match s.split_once("::") {
        None => side(s, true)?,
        Some((head, tail)) => {
            let head = side(head, false)?;
            let tail = side(tail, true)?;
            if head.len() + tail.len() > 7 {
                return None;
            }
            let mut w = head;
            w.resize(8 - tail.len(), 0);
            w.extend(tail);
            w
        }
    };
    words.try_into().ok()
}

/// RFC 5952 text: lowercase hex without leading zeros, the first longest run of two or more zero
/// words written as `::`.
fn ipv6_text(w: &[u16; 8]) -> String {
    let (mut best, mut best_len, mut i) = (8, 1, 0);
    while i < 8 {
        let start = i;
        while i < 8 && w[i] == 0 {
            i += 1;
        }
        if i - start > best_len {
            best = start;
            best_len = i - start;
        }
        i += 1;
    }
    let mut out = String::with_capacity(39);
    for (k, x) in w.iter().enumerate() {
        if k == best {
            out.push_str("::");
        }
        if (best..best + best_len).contains(&k) && best < 8 {
            continue;
        }
        if !out.is_empty() && !out.ends_with(':') {
            out.push(':');
        }
        let digits = 4 - (x.leading_zeros() / 4).min(3) as usize;
        for d in (0..digits).rev() {
            out.push(char::from(
                b"0123456789abcdef"[usize::from((x >> (4 * d)) & 15)],
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_literals_in_canonical_form() {
        for (input, want) in [
            ("[::1]", "::1"),
            ("[0:0:0:0:0:0:0:1]", "::1"),
            ("[2001:DB8:0:0:1:0:0:1]", "2001:db8::1:0:0:1"),
            ("[fe80::]", "fe80::"),
            ("[::]", "::"),
            ("[1:2:3:4:5:6:7:8]", "1:2:3:4:5:6:7:8"),
            ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
            ("[1:0:0:2:0:0:0:3]", "1:0:0:2::3"),
        ] {
            assert_eq!(normalize_host(input).as_deref(), Ok(want), "{input}");
        }
        for bad in [
            "[1::2::3]",
            "[12345::]",
            "[1:2:3:4:5:6:7:8:9]",
            "[::g]",
            "[1.2.3.4::]",
            "[::1",
        ] {
            assert!(normalize_host(bad).is_err(), "{bad}");
        }
        assert_eq!(normalize_host("127.0.0.1").as_deref(), Ok("127.0.0.1"));
        for bad in [
            "127.1",
            "0x7f.0.0.1",
            "127.000.0.1",
            "2130706433",
            "256.0.0.1",
            "1.2.3.4.5",
        ] {
            assert!(normalize_host(bad).is_err(), "{bad}");
        }
    }
}
