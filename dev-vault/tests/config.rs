//! The config loader: demo.toml loads with its documented values; bad configs fail with a clear
//! message naming the problem.

mod common;

use alter_dev_vault::Config;

#[test]
fn demo_config_loads_with_documented_values() {
    let cfg = common::demo_config();
    assert_eq!(cfg.server.admin_token, "dev-admin-token");
    assert_eq!(cfg.server.signature_window_secs, 300);
    assert_eq!(cfg.apps.len(), 2);
    // alice, bob, carol + user-001..user-050
    assert_eq!(cfg.users.len(), 53);
    assert!(cfg.users.iter().any(|u| u.sub == "user-050" && u.id == "1e000000-0000-4000-8000-100000000050"));
    // generated grants: 50 google + 10 github
    let generated = cfg.grants.iter().filter(|g| g.id.starts_with("6a000000-0000-4000-8000-1") || g.id.starts_with("6b000000")).count();
    assert_eq!(generated, 60);
    assert!(cfg.grants.iter().any(|g| g.id == "6b000000-0000-4000-8000-100000000005" && g.provider == "github"));
    for k in &cfg.keys {
        assert!(alter_protocol::keys::is_valid_key(&k.key), "demo key {} is not valid per §1.1", k.name);
    }
    assert!(alter_protocol::keys::is_valid_key(common::UNKNOWN_KEY));
    assert!(!cfg.keys.iter().any(|k| k.key == common::UNKNOWN_KEY), "the documented unknown key must stay unregistered");
}

fn minimal(extra: &str) -> String {
    format!(
        r#"
[server]
admin_token = "t"

[[apps]]
name = "a"
id = "a0000000-0000-4000-8000-000000000001"
{extra}
"#
    )
}

fn err_of(text: &str) -> String {
    match Config::parse(text) {
        Ok(_) => panic!("config unexpectedly accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn minimal_config_is_enough() {
    let cfg = Config::parse(&minimal("")).expect("minimal config");
    assert!(cfg.idp.is_none());
    assert_eq!(cfg.server.max_body_bytes, 1024 * 1024);
    assert_eq!((cfg.server.max_connections, cfg.server.read_timeout_secs), (4096, 30));
    assert!(cfg.server.allowed_host_headers.is_empty() && cfg.providers.is_empty());
}

#[test]
fn demo_config_declares_provider_hosts() {
    let cfg = common::demo_config();
    let google = cfg.providers.iter().find(|p| p.id == "google").expect("google");
    assert_eq!(google.allowed_hosts, ["www.googleapis.com", "*.googleapis.com", "127.0.0.1:2"]);
    let resend = cfg.managed_secrets.iter().find(|m| m.slug == "resend").expect("resend");
    assert_eq!(resend.allowed_hosts, ["api.resend.com"]);
    // Providers without a list (dropbox, weather-api, ...) get only their mock.
    assert!(!cfg.providers.iter().any(|p| p.id == "dropbox"));
}

#[test]
fn bad_destination_and_server_settings_are_refused() {
    let provider = |hosts: &str| format!("[[providers]]\nid = \"p\"\nallowed_hosts = {hosts}");
    let cases = [
        (provider(r#"["https://api.example.com"]"#), "not a URL"),
        (provider(r#"["api.example.com/v1"]"#), "not a URL"),
        (provider(r#"["user@api.example.com"]"#), "not a URL"),
        (provider(r#"["api.example.com:99999"]"#), "port"),
        (provider(r#"["*.com"]"#), "wildcard"),
        (provider(r#"["bücher.example"]"#), "xn--"),
        (provider(r#"["127.1"]"#), "IPv4"),
        (provider(r#"[""]"#), "empty"),
        (format!("{}\n{}", provider("[]"), provider("[]")), "declared twice"),
        ("[[providers]]\nid = \"\"".to_string(), "non-empty"),
        ("[[providers]]\nid = \"p\"\nhosts = []".to_string(), "unknown field"),
        (
            "[[managed_secrets]]\nslug = \"m\"\nid = \"5e000000-0000-4000-8000-000000000001\"\nname = \"M\"\nallowed_hosts = [\"a..b\"]".to_string(),
            "managed_secrets \"m\": allowed_hosts",
        ),
        (
            "[[managed_secrets]]\nslug = \"m\"\nid = \"5e000000-0000-4000-8000-000000000001\"\nname = \"M\"\n[[providers]]\nid = \"m\"".to_string(),
            "put allowed_hosts on its [[managed_secrets]]",
        ),
    ];
    for (extra, needle) in &cases {
        let msg = err_of(&minimal(extra));
        assert!(msg.contains(needle), "expected {needle:?} in error for:\n{extra}\ngot: {msg}");
    }
    let server = |line: &str| format!("[server]\nadmin_token = \"t\"\n{line}\n[[apps]]\nname = \"a\"\nid = \"a0000000-0000-4000-8000-000000000001\"\n");
    for (line, needle) in [
        ("max_connections = 0", "max_connections"),
        ("read_timeout_secs = 0", "read_timeout_secs"),
        ("allowed_host_headers = [\"a b\"]", "allowed_host_headers"),
    ] {
        let msg = err_of(&server(line));
        assert!(msg.contains(needle), "{line}: {msg}");
    }
    let ok = Config::parse(&server("allowed_host_headers = [\"*\", \"Dev.Example.\"]\nmax_connections = 8")).expect("valid server settings");
    assert_eq!(ok.server.max_connections, 8);
}

#[test]
fn bad_configs_are_refused_with_clear_messages() {
    let cases: &[(&str, &str)] = &[
        ("[[keys]]\nname = \"k\"\nid = \"4b000000-0000-4000-8000-000000000001\"\nkey = \"alter_rk_abcdefghijklmnopqrstuv_aaaaaa\"\napp = \"a\"", "not a valid API key"),
        ("[[keys]]\nname = \"k\"\nid = \"4b000000-0000-4000-8000-000000000001\"\nkey = \"alter_rk_abcdefghijklmnopqrstuv_iwpykn\"\napp = \"nope\"", "unknown app"),
        ("[[keys]]\nname = \"k\"\nid = \"NOT-A-UUID\"\nkey = \"alter_rk_abcdefghijklmnopqrstuv_iwpykn\"\napp = \"a\"", "canonical lowercase UUID"),
        ("[[grants]]\nid = \"a0000000-0000-4000-8000-000000000001\"\nprovider = \"google\"", "used twice"),
        ("[[grants]]\nid = \"6a000000-0000-4000-8000-000000000001\"\nprovider = \"google\"\nprincipal = \"user:nobody\"", "not in [[users]]"),
        ("[[grants]]\nid = \"6a000000-0000-4000-8000-000000000001\"\nprovider = \"google\"\nstatus = \"weird\"", "status must be one of"),
        ("[[grants]]\nid = \"6a000000-0000-4000-8000-000000000001\"\nprovider = \"google\"\ninjection_header = \"Host\"", "injection_header"),
        ("[[grants]]\nid = \"6a000000-0000-4000-8000-000000000001\"\nkind = \"managed_secret\"\nprovider = \"nope\"", "not declared"),
        ("[[policies]]\nname = \"p\"\neffect = \"maybe\"", "effect must be"),
        ("[[grants]]\nid = \"6a000000-0000-4000-8000-000000000001\"\nprovider = \"google\"\ncolour = \"red\"", "unknown field"),
        ("[idp]\nissuer = \"i\"\nsigning_seed = \"xyz\"", "signing_seed"),
        ("[[managed_secrets]]\nslug = \"m\"\nid = \"5e000000-0000-4000-8000-000000000001\"\nname = \"M\"\ncredentials = [{ id = \"c7000000-0000-4000-8000-000000000001\", label = \"a\", kind = \"shared\" }]", "credential kind"),
        ("[[managed_secrets]]\nslug = \"m\"\nid = \"5e000000-0000-4000-8000-000000000001\"\nname = \"M\"\ncredentials = [{ id = \"5e000000-0000-4000-8000-000000000001\", label = \"a\" }]", "used twice"),
    ];
    for (extra, needle) in cases {
        let msg = err_of(&minimal(extra));
        assert!(msg.contains(needle), "expected {needle:?} in error for:\n{extra}\ngot: {msg}");
    }
    assert!(err_of("this is = = not toml").contains("line"), "TOML syntax errors name the location");
    assert!(err_of("apps = []\n[server]\nadmin_token = \"t\"").contains("at least one"));
}

#[test]
fn missing_file_is_reported_with_its_path() {
    let e = Config::load(std::path::Path::new("/nonexistent/dev-vault.toml")).expect_err("error");
    assert!(e.to_string().contains("/nonexistent/dev-vault.toml"));
}
