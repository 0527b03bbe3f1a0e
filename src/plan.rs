//! Pure request-assembly rules of the SDK (no JS, no I/O), so they are unit-tested natively:
//! the backend header set of §1.4/§2.5/§3.1/§8, the actor-id cache rule of §8.4, and the header
//! checks done before any network I/O.

use alter_protocol::signing::{self, Identity, PreparedKey, SignInput};
use alter_protocol::{ProtocolError, Result};

/// Client-wide settings that go on every backend request (§1.4).
#[derive(Clone)]
pub struct ClientDefaults {
    pub api_key: String,
    pub user_agent: String,
    /// Constructor `caller` (§1.5).
    pub caller: Option<String>,
    /// Constructor caller type, `agent` or `service`; sent only together with a caller.
    pub caller_type: String,
}

impl std::fmt::Debug for ClientDefaults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientDefaults")
            .field("api_key", &"<redacted>")
            .field("user_agent", &self.user_agent)
            .field("caller", &self.caller)
            .field("caller_type", &self.caller_type)
            .finish()
    }
}

/// The per-request actor headers (§8): present on token, audit and namespace calls, absent on the
/// scope report (§2.5 "no per-request actor headers").
#[derive(Clone, Copy, Default, Debug)]
pub struct ActorHeaders<'a> {
    /// Per-call `caller` override (§1.5); when set the cached actor id is not sent (§8.4).
    pub caller_override: Option<&'a str>,
    /// The cached actor id.
    pub actor_id: Option<&'a str>,
    /// The exact `X-Alter-Context` JSON (§8.1).
    pub context: Option<&'a str>,
}

/// One signed backend request, before the clock and nonce are read.
#[derive(Clone, Copy, Debug)]
pub struct BackendRequestParts<'a> {
    pub method: &'a str,
    /// SDK path starting with `/sdk/`, query included, exactly as sent.
    pub path: &'a str,
    pub body: Option<&'a [u8]>,
    pub actor: Option<ActorHeaders<'a>>,
    pub traceparent: Option<&'a str>,
    /// Extra headers already checked by [`check_namespace_headers`].
    pub extra_headers: &'a [(String, String)],
    /// `X-Alter-Scope-Constraints` value (§2.8), "" when unconstrained.
    pub scope_constraints: &'a str,
    pub request_rule: Option<&'a str>,
}

/// The full header set of a backend request, in the order of §3.1: client defaults, actor headers, traceparent, extra headers, the
/// signature set, then `Content-Type` when a body is sent.
pub fn backend_headers(
    defaults: &ClientDefaults,
    key: &PreparedKey,
    parts: &BackendRequestParts,
    timestamp: u64,
    nonce: &str,
) -> Vec<(String, String)> {
    let actor = parts.actor.unwrap_or_default();
    let caller = actor
        .caller_override
        .filter(|c| !c.is_empty())
        .or(defaults.caller.as_deref().filter(|c| !c.is_empty()));
    let caller_type = caller.map(|_| defaults.caller_type.as_str());
    let actor_id = match (parts.actor, actor.caller_override) {
        (Some(_), None) => actor.actor_id.filter(|a| !a.is_empty()),
        _ => None,
    };
    let context = actor.context.filter(|c| !c.is_empty());

    let mut b: Vec<(String, String)> = Vec::with_capacity(16);
    let mut put = |name: &str, value: &str| b.push((name.to_string(), value.to_string()));
    put("x-api-key", &defaults.api_key);
    put("User-Agent", &defaults.user_agent);
    if let (Some(c), Some(t)) = (caller, caller_type) {
        put(signing::H_CALLER, c);
        put(signing::H_CALLER_TYPE, t);
    }
    if let Some(a) = actor_id {
        put(signing::H_ACTOR_ID, a);
    }
    if let Some(c) = context {
        put(signing::H_CONTEXT, c);
    }
    if let Some(tp) = parts.traceparent.filter(|t| !t.is_empty()) {
        put("traceparent", tp);
    }
    for (k, v) in parts.extra_headers {
        put(k, v);
    }

    let body = parts.body.unwrap_or(&[]);
    let input = SignInput {
        method: parts.method,
        path: parts.path,
        body,
        timestamp,
        nonce,
        scope_constraints: parts.scope_constraints,
        request_rule: parts.request_rule,
        identity: Identity {
            caller,
            caller_type,
            actor_id,
            context,
        },
    };
    signing::sign_with(key, &input).each(&mut put);
    if parts.body.is_some() {
        put("Content-Type", "application/json");
    }
    b
}

/// What to do with an `X-Alter-Actor-ID` response header (§8.4).
#[derive(Debug, PartialEq, Eq)]
pub enum ActorUpdate {
    /// Nothing to change.
    Keep,
    /// First canonical UUID seen: cache it (stored as received).
    Store(String),
    /// A different id arrived after one was cached: ignored, worth a warning.
    Conflict,
}

/// §8.4: cache only when nothing is cached yet, only a hyphenated UUID (any case), never from a
/// call that used a per-call caller override.
pub fn actor_update(
    cached: Option<&str>,
    received: Option<&str>,
    used_override: bool,
) -> ActorUpdate {
    let Some(received) = received else {
        return ActorUpdate::Keep;
    };
    if used_override || !alter_protocol::grammar::is_uuid_any_case(received) {
        return ActorUpdate::Keep;
    }
    match cached {
        None => ActorUpdate::Store(received.to_string()),
        Some(c) if c == received => ActorUpdate::Keep,
        Some(_) => ActorUpdate::Conflict,
    }
}

/// RFC 9110 token (header names and methods).
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A header value fetch accepts (a ByteString: no character above U+00FF) and that cannot split a
/// header: no CR, LF or NUL, and no other control character except tab.
pub fn is_header_value(s: &str) -> bool {
    s.chars()
        .all(|c| c == '\t' || (!c.is_control() && u32::from(c) <= 0xFF))
}

/// Provider headers must be sendable, checked before any I/O so that a bad header never costs a
/// credential fetch (§4.2). Messages name the header, never its value.
pub fn check_header_pairs(headers: &[(String, String)]) -> Result<()> {
    for (name, value) in headers {
        if !is_token(name) {
            return Err(ProtocolError::value(format!(
                "extraHeaders: invalid header name {:?}",
                truncate_chars(name, 100)
            )));
        }
        if !is_header_value(value) {
            return Err(ProtocolError::value(format!(
                "extraHeaders: the value of header {name:?} contains a control character"
            )));
        }
    }
    Ok(())
}

/// The provider request headers before injection (§4.4): the caller's headers in order, then the
/// SDK `User-Agent` unless the caller gave one.
pub fn provider_headers(
    mut extra: Vec<(String, String)>,
    user_agent: &str,
) -> Vec<(String, String)> {
    if !extra
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("user-agent"))
    {
        extra.push(("User-Agent".into(), user_agent.to_string()));
    }
    extra
}

/// Header pairs in order.
pub type Headers = Vec<(String, String)>;

/// §4.5, backend namespace calls: extra headers may not override the signature, identity, key or
/// `Content-Type` headers; an explicit `traceparent` replaces the ambient one and must be valid.
/// Returns the remaining headers and the traceparent to send.
pub fn check_namespace_headers(
    extra: Headers,
    ambient_traceparent: Option<String>,
) -> Result<(Headers, Option<String>)> {
    check_header_pairs(&extra)?;
    let mut rest = Vec::with_capacity(extra.len());
    let mut traceparent = ambient_traceparent;
    for (name, value) in extra {
        let lower = name.to_ascii_lowercase();
        if lower.starts_with("x-alter-") || lower == "content-type" || lower == "x-api-key" {
            return Err(ProtocolError::value(format!(
                "extraHeaders may not set {name:?}: it is reserved for request signing and identity"
            )));
        }
        if lower == "traceparent" {
            alter_protocol::context::validate_traceparent(&value)?;
            traceparent = Some(value);
        } else {
            rest.push((name, value));
        }
    }
    Ok((rest, traceparent))
}

/// HTTP method normalisation (§4.1): upper-cased, and it must be a token fetch accepts.
pub fn normalize_method(method: &str) -> Result<String> {
    if !is_token(method) {
        return Err(ProtocolError::value(
            "method must be a non-empty HTTP method token",
        ));
    }
    let m = method.to_ascii_uppercase();
    // The Fetch standard refuses these outright; refuse them before any I/O instead.
    if matches!(m.as_str(), "CONNECT" | "TRACE" | "TRACK") {
        return Err(ProtocolError::value(format!(
            "method {m} cannot be sent with fetch"
        )));
    }
    Ok(m)
}

/// The §5.3 oversize placeholder when the response headers already prove the decoded body is
/// larger than the capture limit: a `Content-Length` above it and no `Content-Encoding` (fetch
/// decodes encoded bodies, so their length says nothing about the decoded size). Never for a
/// response without a body (HEAD, 204, 304), whose Content-Length describes another response.
pub fn known_oversize_body(
    method: &str,
    status: u16,
    headers: &[(String, String)],
) -> Option<Vec<u8>> {
    if method == "HEAD" || status == 204 || status == 304 {
        return None;
    }
    let encoded = alter_protocol::header(headers, "content-encoding")
        .is_some_and(|e| !e.trim().eq_ignore_ascii_case("identity"));
    if encoded {
        return None;
    }
    let len: usize = alter_protocol::header(headers, "content-length")?
        .trim()
        .parse()
        .ok()?;
    (len > alter_protocol::audit::AUDIT_BODY_CAPTURE_LIMIT)
        .then(|| format!("<response too large: {len} bytes>").into_bytes())
}

/// At most `n` characters of `s` (never splits a character).
pub fn truncate_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alter_protocol::keys;

    fn derive_signing_key(api_key: &str) -> PreparedKey {
        PreparedKey::new(&keys::derive_signing_key(api_key))
    }

    const KEY: &str = "alter_rk_abcdefghijklmnopqrstuv_iwpykn";

    fn defaults(caller: Option<&str>) -> ClientDefaults {
        ClientDefaults {
            api_key: KEY.into(),
            user_agent: "alter-edge/test".into(),
            caller: caller.map(str::to_string),
            caller_type: "service".into(),
        }
    }

    fn get<'a>(h: &'a [(String, String)], n: &str) -> Option<&'a str> {
        alter_protocol::header(h, n)
    }

    fn parts<'a>(
        body: Option<&'a [u8]>,
        actor: Option<ActorHeaders<'a>>,
    ) -> BackendRequestParts<'a> {
        BackendRequestParts {
            method: "POST",
            path: "/sdk/token",
            body,
            actor,
            traceparent: None,
            extra_headers: &[],
            scope_constraints: "",
            request_rule: None,
        }
    }

    fn read_vectors() -> serde_json::Value {
        let dir = std::env::var("ALTER_SHARED_DIR")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared").to_string());
        let text = std::fs::read_to_string(format!("{dir}/spec/signing-vectors.json"))
            .expect("signing-vectors.json (set ALTER_SHARED_DIR)");
        serde_json::from_str(&text).expect("vectors parse")
    }

    /// Rebuilds exchange `i` of `example_flow` (§2.7: token call legacy-signed, audit call V2-signed
    /// over the actor id cached from the token response) and compares the whole header list,
    /// names, values and order.
    fn check_exchange(i: usize, actor_id: Option<&str>) {
        let v = read_vectors();
        let ex = &v["example_flow"]["exchanges"][i];
        let expected: Vec<(String, String)> = ex["headers"]
            .as_object()
            .expect("headers")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect();
        let url = ex["url"].as_str().expect("url");
        let path = &url[url.find("/sdk/").expect("sdk path")..];
        let body = ex["body_utf8"].as_str().expect("body").as_bytes();
        let mut d = defaults(None);
        d.user_agent = "alter-sdk-python/0.29.0".into();
        let actor = ActorHeaders {
            caller_override: None,
            actor_id,
            context: None,
        };
        let h = backend_headers(
            &d,
            &derive_signing_key(KEY),
            &BackendRequestParts {
                path,
                ..parts(Some(body), Some(actor))
            },
            1767225600,
            "00112233445566778899aabbccddeeff",
        );
        assert_eq!(h, expected);
    }

    #[test]
    fn example_flow_token_headers() {
        check_exchange(0, None);
    }

    #[test]
    fn example_flow_audit_headers_v2() {
        check_exchange(2, Some("7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"));
    }

    #[test]
    fn caller_override_replaces_caller_and_drops_actor_id() {
        let key = derive_signing_key(KEY);
        let actor = ActorHeaders {
            caller_override: Some("nightly-job"),
            actor_id: Some("7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),
            context: Some(r#"{"run_id":"r1"}"#),
        };
        let h = backend_headers(
            &defaults(Some("billing")),
            &key,
            &parts(None, Some(actor)),
            1,
            "00",
        );
        assert_eq!(get(&h, "x-alter-caller"), Some("nightly-job"));
        assert_eq!(get(&h, "x-alter-caller-type"), Some("service"));
        assert_eq!(get(&h, "x-alter-actor-id"), None);
        assert_eq!(get(&h, "x-alter-context"), Some(r#"{"run_id":"r1"}"#));
        assert_eq!(
            h.iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("x-alter-caller"))
                .count(),
            1
        );
        assert!(get(&h, "x-alter-signature-v2").is_some());
        assert_eq!(get(&h, "content-type"), None);
    }

    #[test]
    fn no_actor_headers_keeps_default_caller_only() {
        let key = derive_signing_key(KEY);
        let mut p = parts(Some(b"{}"), None);
        p.traceparent = Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        let h = backend_headers(&defaults(Some("billing")), &key, &p, 1, "00");
        assert_eq!(get(&h, "x-alter-caller"), Some("billing"));
        assert_eq!(get(&h, "x-alter-actor-id"), None);
        assert_eq!(get(&h, "x-alter-context"), None);
        assert!(get(&h, "traceparent").is_some());
        assert!(get(&h, "x-alter-signature-v2").is_some());
    }

    #[test]
    fn actor_cache_rule() {
        let id = "7A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D";
        assert_eq!(
            actor_update(None, Some(id), false),
            ActorUpdate::Store(id.into())
        );
        assert_eq!(actor_update(None, Some(id), true), ActorUpdate::Keep);
        assert_eq!(
            actor_update(None, Some("not-a-uuid"), false),
            ActorUpdate::Keep
        );
        assert_eq!(actor_update(None, None, false), ActorUpdate::Keep);
        assert_eq!(actor_update(Some(id), Some(id), false), ActorUpdate::Keep);
        assert_eq!(
            actor_update(
                Some(id),
                Some("7a1b2c3d-4e5f-4a6b-8c7d-000000000000"),
                false
            ),
            ActorUpdate::Conflict
        );
    }

    #[test]
    fn header_checks() {
        let ok = vec![("X-Custom".to_string(), "a\tb".to_string())];
        assert!(check_header_pairs(&ok).is_ok());
        let bad_name = vec![("X Custom".to_string(), "v".to_string())];
        assert!(check_header_pairs(&bad_name).is_err());
        assert!(check_header_pairs(&[("X-Name".to_string(), "Zoë".to_string())]).is_ok());
        assert!(check_header_pairs(&[("X-Name".to_string(), "✓".to_string())]).is_err());
        let bad_value = vec![("X-Custom".to_string(), "secret\r\nInjected: 1".to_string())];
        let e = check_header_pairs(&bad_value).unwrap_err();
        assert!(
            !e.message.contains("secret"),
            "message must not echo the value"
        );
    }

    #[test]
    fn user_agent_added_unless_given() {
        let h = provider_headers(vec![("Accept".into(), "x".into())], "ua/1");
        assert_eq!(get(&h, "user-agent"), Some("ua/1"));
        let h = provider_headers(vec![("user-agent".into(), "mine".into())], "ua/1");
        assert_eq!(get(&h, "user-agent"), Some("mine"));
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn namespace_headers_reserved() {
        assert!(
            check_namespace_headers(vec![("X-Alter-Caller".into(), "x".into())], None).is_err()
        );
        assert!(check_namespace_headers(vec![("content-type".into(), "x".into())], None).is_err());
        let tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        let (rest, t) = check_namespace_headers(
            vec![
                ("traceparent".into(), tp.into()),
                ("X-Other".into(), "1".into()),
            ],
            Some("ambient".into()),
        )
        .unwrap();
        assert_eq!(t.as_deref(), Some(tp));
        assert_eq!(rest.len(), 1);
        assert!(
            check_namespace_headers(vec![("traceparent".into(), "bogus".into())], None).is_err()
        );
    }

    #[test]
    fn methods() {
        assert_eq!(normalize_method("get").unwrap(), "GET");
        assert!(normalize_method("").is_err());
        assert!(normalize_method("GE T").is_err());
        assert!(normalize_method("trace").is_err());
        assert_eq!(normalize_method("purge").unwrap(), "PURGE");
    }

    #[test]
    fn oversize_known_from_headers() {
        let h = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let big = h(&[("content-length", "30000")]);
        assert_eq!(
            known_oversize_body("GET", 200, &big).as_deref(),
            Some(&b"<response too large: 30000 bytes>"[..])
        );
        assert_eq!(
            known_oversize_body("GET", 200, &h(&[("content-length", "10000")])),
            None
        );
        assert_eq!(known_oversize_body("HEAD", 200, &big), None);
        assert_eq!(known_oversize_body("GET", 304, &big), None);
        let gz = h(&[("Content-Length", "30000"), ("Content-Encoding", "gzip")]);
        assert_eq!(known_oversize_body("GET", 200, &gz), None);
        assert_eq!(
            known_oversize_body("GET", 200, &h(&[("content-length", "x")])),
            None
        );
    }

    #[test]
    fn truncation_respects_chars() {
        assert_eq!(truncate_chars("añb", 2), "añ");
        assert_eq!(truncate_chars("ab", 5), "ab");
    }
}
