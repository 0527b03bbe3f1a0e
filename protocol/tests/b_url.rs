//! §1.3 base URL, §4.3 templating and provider URL rules, §4.4 query appending, §5.4 redaction.

use alter_protocol::url::*;
use alter_protocol::ErrorClass;

fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn base_url_rules() {
    let b = validate_base_url(DEFAULT_BASE_URL).unwrap();
    assert_eq!(
        b,
        BaseUrl {
            url: DEFAULT_BASE_URL.into(),
            insecure_loopback: false
        }
    );
    assert_eq!(
        validate_base_url("https://b.test/prefix///").unwrap().url,
        "https://b.test/prefix"
    );
    for ok in [
        "http://localhost:8080",
        "http://127.0.0.1",
        "http://[::1]:9/",
        "HTTP://LocalHost",
    ] {
        let b = validate_base_url(ok).unwrap();
        assert!(b.insecure_loopback, "{ok}");
    }
    let cases: &[(&str, &str)] = &[
        ("", "Backend URL must be a non-empty string"),
        ("http://example.com", "Backend URL must use https:// in production (http:// is only permitted for loopback hosts)"),
        ("http://127.0.0.2", "Backend URL must use https:// in production (http:// is only permitted for loopback hosts)"),
        ("ftp://example.com", "Backend URL must use an http or https URL"),
        ("example.com", "Backend URL must use an http or https URL"),
        ("https://", "Backend URL must use an http or https URL"),
        ("///", "Backend URL must use an http or https URL"),
        ("https://u:p@example.com", "Backend URL must not include URL credentials"),
        ("https://example.com?x=1", "Backend URL must not include a query or fragment"),
        ("https://example.com/#f", "Backend URL must not include a query or fragment"),
        ("https://example.com?", "Backend URL must not include a query or fragment"),
        ("https://example.com:abc", "Backend URL must be a valid URL"),
        ("https://example.com:70000", "Backend URL must be a valid URL"),
        ("https://[::1", "Backend URL must be a valid URL"),
        ("https://exa mple.com", "Backend URL must be a valid URL"),
    ];
    for (input, msg) in cases {
        let e = validate_base_url(input).unwrap_err();
        assert_eq!(e.class, ErrorClass::AlterSDKError, "{input}");
        assert_eq!(e.code, "invalid_base_url");
        assert_eq!(&e.message, msg, "{input}");
    }
}

#[test]
fn path_params_templating() {
    assert_eq!(
        apply_path_params(
            "https://a.test/{cal}/events/{cal}",
            &p(&[("cal", "primary")])
        )
        .unwrap(),
        "https://a.test/primary/events/primary"
    );
    assert_eq!(
        apply_path_params("https://a.test/{v}", &p(&[("v", "a/b c?d&é~_.-")])).unwrap(),
        "https://a.test/a%2Fb%20c%3Fd%26%C3%A9~_.-"
    );
    // A value containing braces is encoded, never re-templated.
    assert_eq!(
        apply_path_params("https://a.test/{a}/{b}", &p(&[("a", "{b}"), ("b", "x")])).unwrap(),
        "https://a.test/%7Bb%7D/x"
    );
    let e = apply_path_params("https://a.test/{cal}/{id}", &p(&[("cal", "x")])).unwrap_err();
    assert_eq!(e.class, ErrorClass::AlterValueError);
    assert_eq!(
        e.message,
        "Invalid URL template or missing path_params: 'id'"
    );
    let e = apply_path_params("https://a.test/{{x}}", &[]).unwrap_err();
    assert_eq!(
        e.message,
        "Invalid URL template or missing path_params: 'x'"
    );
    for stray in [
        "https://a.test/{0}",
        "https://a.test/x?q={",
        "https://a.test/}",
        "https://a.test/{a.b}",
        "https://a.test/{k:spec}",
    ] {
        let e = apply_path_params(stray, &[]).unwrap_err();
        assert_eq!(
            e.message, "Invalid URL template or missing path_params",
            "{stray}"
        );
    }
    for bad_key in ["1a", "a-b", "", "é"] {
        let e = apply_path_params("https://a.test/", &p(&[(bad_key, "v")])).unwrap_err();
        assert!(
            e.message.starts_with("path_params must be a dict"),
            "{bad_key}"
        );
    }
    assert_eq!(
        apply_path_params("https://a.test/x", &p(&[("unused", "v")])).unwrap(),
        "https://a.test/x"
    );
}

#[test]
fn provider_url_rules() {
    for ok in [
        "https://a.test",
        "https://a.test:0/x",
        "https://a.test:65535/x?y#z",
        "http://localhost:3000/x",
        "http://LOCALHOST/",
        "http://127.0.0.1:1/",
        "http://[::1]:8080/",
        "https://[2001:db8::1]/",
        "https://u:p@a.test/",
        "https://a.test/a b",
        "https://bücher.example/",
    ] {
        validate_provider_url(ok).unwrap_or_else(|e| panic!("{ok}: {}", e.message));
    }
    let cases: &[(&str, &str)] = &[
        ("", "url must be a non-empty absolute URL"),
        ("/relative", "url must include a hostname"),
        ("a.test/x", "url must include a hostname"),
        ("https:///x", "url must include a hostname"),
        ("mailto:x@y", "url must include a hostname"),
        (
            "https://a.test:65536/",
            "url must use a valid port (0-65535)",
        ),
        (
            "https://a.test:99999999999999/",
            "url must use a valid port (0-65535)",
        ),
        ("https://a.test:-1/", "url must use a valid port (0-65535)"),
        ("https://:99999/", "url must include a hostname"),
        (
            "https://a.test:8x/",
            "url must be a valid absolute HTTP URL",
        ),
        ("https://a.test/\n", "url must be a valid absolute HTTP URL"),
        ("https://[zz::1]/", "url must be a valid absolute HTTP URL"),
        (
            "https://a.test\\@evil.test/",
            "url must be a valid absolute HTTP URL",
        ),
        (
            "http://example.com/",
            "url must use https; http is permitted only for localhost loopback development",
        ),
        (
            "http://127.0.0.2/",
            "url must use https; http is permitted only for localhost loopback development",
        ),
        (
            "http://[::2]/",
            "url must use https; http is permitted only for localhost loopback development",
        ),
        (
            "ws://localhost/",
            "url must use https; http is permitted only for localhost loopback development",
        ),
    ];
    for (input, msg) in cases {
        let e = validate_provider_url(input).unwrap_err();
        assert_eq!(e.class, ErrorClass::AlterValueError, "{input}");
        assert_eq!(&e.message, msg, "{input}");
    }
}

#[test]
fn loopback_hosts() {
    for h in ["localhost", "LocalHost", "127.0.0.1", "::1", "[::1]"] {
        assert!(is_loopback_host(h), "{h}");
    }
    for h in [
        "localhost.",
        "127.0.0.2",
        "0.0.0.0",
        "::2",
        "example.com",
        "",
    ] {
        assert!(!is_loopback_host(h), "{h}");
    }
}

#[test]
fn query_appending() {
    let q = p(&[("maxResults", "10"), ("q", "a b&c"), ("é", "~")]);
    assert_eq!(
        append_query("https://a.test/x", &q),
        "https://a.test/x?maxResults=10&q=a+b%26c&%C3%A9=~"
    );
    // §14.1 decision: the URL's own query is kept.
    assert_eq!(
        append_query("https://a.test/x?keep=1", &p(&[("limit", "5")])),
        "https://a.test/x?keep=1&limit=5"
    );
    assert_eq!(
        append_query("https://a.test/x?", &p(&[("limit", "5")])),
        "https://a.test/x?limit=5"
    );
    assert_eq!(
        append_query("https://a.test/x?a=1&", &p(&[("b", "")])),
        "https://a.test/x?a=1&b="
    );
    assert_eq!(
        append_query("https://a.test/x#f", &p(&[("k", "v")])),
        "https://a.test/x?k=v#f"
    );
    assert_eq!(
        append_query("https://a.test/x?k=1", &[]),
        "https://a.test/x?k=1"
    );
    assert_eq!(
        set_query_param("https://a.test/x?k=1&K=2&k=3", "k", "v w"),
        "https://a.test/x?K=2&k=v+w"
    );
}

#[test]
fn url_length_cap() {
    let base = "https://a.test/";
    let exact = format!("{base}{}", "x".repeat(MAX_PROVIDER_URL_LEN - base.len()));
    assert!(check_url_length(&exact).is_ok());
    let over = format!("{exact}x");
    let e = check_url_length(&over).unwrap_err();
    assert_eq!(e.class, ErrorClass::AlterValueError);
    assert_eq!(
        e.message,
        "url with query_params must be at most 65,536 characters once percent-encoded"
    );
    assert_eq!(validate_provider_url(&over).unwrap_err().message, e.message);
    // Counted once percent-encoded: a non-ASCII character is 3 per UTF-8 byte, a space 3.
    assert_eq!(
        encoded_len("https://a.test/é "),
        "https://a.test/".len() + 6 + 3
    );
    let accents = format!(
        "{base}{}",
        "é".repeat((MAX_PROVIDER_URL_LEN - base.len()) / 6 + 1)
    );
    assert!(check_url_length(&accents).is_err());
}

#[test]
fn log_redaction() {
    let cases = [
        (
            "https://user:pw@Api.Example.com:8443/hooks/SECRET?token=x#frag",
            "https://api.example.com",
        ),
        ("HTTP://[::1]:80/x", "http://[::1]"),
        ("https://[2001:DB8::1]/p", "https://[2001:db8::1]"),
        ("https://a.test:99999/", "<unparseable-url>"),
        ("not a url", "<unparseable-url>"),
        ("/relative/path", "<unparseable-url>"),
        ("", "<unparseable-url>"),
    ];
    for (input, want) in cases {
        assert_eq!(redact_url_for_log(input), want, "{input}");
    }
}

#[test]
fn query_pairs_from_json() {
    let params = serde_json::json!({"limit": 5, "on": true, "off": false, "none": null, "ids": [1, "b"], "s": "x y"});
    let pairs = query_pairs(params.as_object().unwrap()).unwrap();
    assert_eq!(
        pairs,
        p(&[
            ("limit", "5"),
            ("on", "true"),
            ("off", "false"),
            ("none", ""),
            ("ids", "1"),
            ("ids", "b"),
            ("s", "x y")
        ])
    );
    assert_eq!(
        append_query("https://a.test/", &pairs),
        "https://a.test/?limit=5&on=true&off=false&none=&ids=1&ids=b&s=x+y"
    );
    for bad in [
        serde_json::json!({"o": {"a": 1}}),
        serde_json::json!({"l": [[1]]}),
    ] {
        let e = query_pairs(bad.as_object().unwrap()).unwrap_err();
        assert_eq!(e.class, ErrorClass::AlterValueError);
        assert_eq!(e.message, "query_params cannot be encoded into the URL");
    }
}

/// The provider URL as the WHATWG serializer (what fetch sends) writes it; the expected values
/// are what `new URL(input).href` gives in Node, Deno and workerd.
#[test]
fn canonical_provider_urls() {
    use alter_protocol::url::canonical_provider_url;
    for (input, want) in [
        (
            "https://api.example.com/v1/x?a=1",
            "https://api.example.com/v1/x?a=1",
        ),
        ("https://API.Example.COM/V1", "https://api.example.com/V1"),
        ("HTTPS://api.example.com", "https://api.example.com/"),
        ("https://api.example.com:443/x", "https://api.example.com/x"),
        (
            "https://api.example.com:0443/x",
            "https://api.example.com/x",
        ),
        (
            "https://api.example.com:8443/x",
            "https://api.example.com:8443/x",
        ),
        ("http://localhost:80/x", "http://localhost/x"),
        ("https://api.example.com./x", "https://api.example.com./x"),
        (
            "https://api.example.com/a b/\"c\"/<d>/`e`",
            "https://api.example.com/a%20b/%22c%22/%3Cd%3E/%60e%60",
        ),
        (
            "https://api.example.com/caf\u{e9}?q=caf\u{e9}",
            "https://api.example.com/caf%C3%A9?q=caf%C3%A9",
        ),
        (
            "https://api.example.com/x?q=a b&r='s'",
            "https://api.example.com/x?q=a%20b&r=%27s%27",
        ),
        (
            "https://api.example.com/%2F/x?%41",
            "https://api.example.com/%2F/x?%41",
        ),
        (
            "https://api.example.com/x^|y",
            "https://api.example.com/x^|y",
        ),
        ("https://[::1]:8080/x", "https://[::1]:8080/x"),
        ("https://[0:0:0:0:0:0:0:1]/x", "https://[::1]/x"),
        (
            "https://api.example.com/x#frag ment",
            "https://api.example.com/x#frag%20ment",
        ),
    ] {
        assert_eq!(
            canonical_provider_url(input).as_deref(),
            Ok(want),
            "{input}"
        );
    }
    for bad in [
        "https://api.example.com/admin\\users\\delete",
        "https://api.example.com/a/../admin",
        "https://api.example.com/a/%2e%2E/admin",
        "https://api.example.com/a/./b",
        "https://api.example.com/a/.%2e",
        "https://api.example.com/a\tb",
        "https://api.example.com/a\nb",
        "https://user:pw@api.example.com/",
        "https://allowed.com@evil.com/",
        "https://api\u{ff0e}example.com/",
        "https://ex%61mple.com/",
        "https://127.1/",
        "https://api.example.com:99999/",
        " https://api.example.com/",
    ] {
        assert!(canonical_provider_url(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn dot_path_params_are_refused() {
    use alter_protocol::url::apply_path_params;
    for v in [".", ".."] {
        let e = apply_path_params(
            "https://a.test/users/{id}/profile",
            &[("id".into(), v.into())],
        )
        .unwrap_err();
        assert!(e.message.contains("'.' or '..'"), "{}", e.message);
    }
    assert!(apply_path_params("https://a.test/users/{id}", &[("id".into(), "...".into())]).is_ok());
}
