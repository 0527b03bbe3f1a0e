//! The binary left running on a laptop, over real sockets: the DNS-rebinding Host check, request
//! read timeouts, the connection cap, the proxy reaching only allowed upstreams, and the warning
//! when bound beyond loopback. Socket reads carry generous timeouts as hang guards only; no test
//! asserts on elapsed time.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const GUARD: Duration = Duration::from_secs(60);

struct Running {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn demo_text() -> String {
    std::fs::read_to_string(common::demo_path()).expect("demo.toml")
}

/// demo.toml with `[server]` lines replaced.
fn demo_with_all(changes: &[(&str, &str)]) -> String {
    let mut text = demo_text();
    for (line, replacement) in changes {
        assert!(text.contains(line), "demo.toml has no line {line:?}");
        text = text.replace(line, replacement);
    }
    text
}

fn demo_with(line: &str, replacement: &str) -> String {
    demo_with_all(&[(line, replacement)])
}

fn start(config: &str, args: &[&str]) -> Running {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.toml");
    std::fs::write(&path, config).expect("write config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_alter-dev-vault"))
        .args(["--config", path.to_str().expect("path"), "--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn vault");
    let addr = listening_addr(&mut child);
    Running { child, addr, _dir: dir }
}

fn listening_addr(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read listening line");
    let prefix = "alter-dev-vault listening on http://";
    assert!(line.starts_with(prefix), "unexpected first line {line:?}");
    line.trim_end().trim_start_matches(prefix).to_string()
}

fn connect(addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(GUARD)).expect("guard");
    s
}

/// Sends `request` on a fresh connection and reads until the server closes it.
fn exchange(addr: &str, request: &str) -> String {
    let mut s = connect(addr);
    s.write_all(request.as_bytes()).expect("write");
    read_all(&mut s)
}

fn read_all(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads exactly one response (head + Content-Length body); `None` when the server closed the
/// connection before sending anything. Hitting the hang guard fails the test.
fn read_response(s: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                panic!("no answer and no close within the hang guard")
            }
            _ => return if buf.is_empty() { None } else { Some(String::from_utf8_lossy(&buf).into_owned()) },
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let len = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).expect("response body");
    Some(head + &String::from_utf8_lossy(&body))
}

fn get(path: &str, host: &str, extra: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n")
}

// ───────────────────────────── Host header (DNS rebinding) ─────────────────────────────

#[test]
fn requests_must_name_a_loopback_host_or_an_allowed_one() {
    let v = start(&demo_text(), &["--allow-host", "dev.example"]);
    let port = v.addr.rsplit(':').next().expect("port").to_string();
    for host in [v.addr.clone(), "localhost".into(), format!("LOCALHOST.:{port}"), format!("[::1]:{port}"), "[0:0:0:0:0:0:0:1]".into(), format!("dev.example:{port}"), "DEV.example".into()] {
        let r = exchange(&v.addr, &get("/admin/health", &host, ""));
        assert!(r.starts_with("HTTP/1.1 200"), "Host {host}: {r}");
    }
    for host in ["evil.example".to_string(), format!("evil.example:{port}"), "localhost.evil.example".into(), "127.0.0.1.nip.io".into(), "dev.example.evil.example".into(), "127.1".into(), "".into()] {
        let r = exchange(&v.addr, &get("/admin/health", &host, ""));
        assert!(r.starts_with("HTTP/1.1 403"), "Host {host:?}: {r}");
        assert!(r.contains("\"error\":\"host_not_allowed\""), "{r}");
        assert!(r.contains("DNS-rebinding") && r.contains("--allow-host"), "the refusal says why and what to do: {r}");
    }
    // Without any Host header (HTTP/1.0).
    let r = exchange(&v.addr, "GET /admin/health HTTP/1.0\r\n\r\n");
    assert!(r.starts_with("HTTP/1.0 403") || r.starts_with("HTTP/1.1 403"), "{r}");
    // Every route is covered: a mock call under a foreign Host is refused before it is counted.
    let r = exchange(&v.addr, &get("/mock/google/rebound", "evil.example", ""));
    assert!(r.contains("host_not_allowed"), "{r}");
    let calls = exchange(&v.addr, &get("/admin/mock/calls", &v.addr, "Authorization: Bearer dev-admin-token\r\n"));
    assert!(calls.starts_with("HTTP/1.1 200") && !calls.contains("rebound"), "{calls}");
    // A signed SDK call under a foreign Host.
    let body = serde_json::json!({"grant_id": common::grant("06"), "reason": null, "request": {"method": "GET", "url": "https://www.googleapis.com/x"}});
    let s = common::Signed::json("POST", "/sdk/token", &body, common::FULL_KEY);
    let r = exchange(&v.addr, &raw_signed_text(&s, "evil.example"));
    assert!(r.starts_with("HTTP/1.1 403") && r.contains("host_not_allowed") && !r.contains("access_token"), "{r}");
}

#[test]
fn the_host_check_can_be_turned_off_on_purpose() {
    let v = start(&demo_with("allowed_host_headers = []", "allowed_host_headers = [\"*\"]"), &[]);
    let r = exchange(&v.addr, &get("/admin/health", "anything.example", ""));
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
}

// ───────────────────────────── read timeouts ─────────────────────────────

#[test]
fn a_client_that_never_sends_its_body_is_dropped() {
    let v = start(&demo_with("read_timeout_secs = 30", "read_timeout_secs = 1"), &[]);
    let head = format!("POST /admin/idp/token HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer dev-admin-token\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n", v.addr);
    // Headers only, then silence; then a body cut short.
    for partial in ["", "{\"sub\":"] {
        let mut s = connect(&v.addr);
        s.write_all(head.as_bytes()).expect("write head");
        s.write_all(partial.as_bytes()).expect("write partial body");
        let r = read_all(&mut s);
        assert!(r.starts_with("HTTP/1.1 408"), "partial body {partial:?}: {r}");
        assert!(r.contains("\"error\":\"request_timeout\""), "{r}");
    }
    // Headers that never finish: the connection is closed without an answer to the request.
    let mut s = connect(&v.addr);
    s.write_all(format!("GET /admin/health HTTP/1.1\r\nHost: {}\r\nX-Slow:", v.addr).as_bytes()).expect("write");
    let r = read_all(&mut s);
    assert!(!r.contains("200 OK") && !r.contains("\"status\":\"ok\""), "{r}");
    // The vault still serves a well-behaved client.
    assert!(exchange(&v.addr, &get("/admin/health", &v.addr, "")).starts_with("HTTP/1.1 200"));
}

// ───────────────────────────── connection cap ─────────────────────────────

#[test]
fn at_the_connection_cap_an_idle_keep_alive_connection_makes_room() {
    // A long read timeout, so only the cap can close the idle connection within the hang guard.
    let v = start(&demo_with_all(&[("max_connections = 4096", "max_connections = 1"), ("read_timeout_secs = 30", "read_timeout_secs = 3600")]), &[]);
    let mut idle = connect(&v.addr);
    idle.write_all(format!("GET /admin/health HTTP/1.1\r\nHost: {}\r\n\r\n", v.addr).as_bytes()).expect("write");
    let first = read_response(&mut idle).expect("first answer");
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    // `idle` holds the only slot. A new client is served once the vault closes it.
    let r = exchange(&v.addr, &get("/admin/health", &v.addr, ""));
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert_eq!(read_response(&mut idle), None, "the idle keep-alive connection was closed to make room");
}

#[test]
fn at_the_connection_cap_a_new_client_waits_for_a_busy_one() {
    let v = start(&demo_with("max_connections = 4096", "max_connections = 1"), &[]);
    let session = common::Signed::json("POST", "/sdk/auth/session", &serde_json::json!({}), common::FULL_KEY);
    let created = exchange(&v.addr, &raw_signed_text(&session, &v.addr));
    let token = created.split("\"session_token\":\"").nth(1).and_then(|t| t.split('"').next()).expect("session token").to_string();
    // `busy` long-polls the session (held up to 3 s unless it is decided) and holds the only slot:
    // the vault has asked for its body with 100 Continue, so the request is in progress.
    let poll = common::Signed::json("POST", "/sdk/auth/poll", &serde_json::json!({"session_token": token, "wait_ms": 3000}), common::FULL_KEY);
    let mut poll_text = raw_signed_text(&poll, &v.addr).replacen("\r\n", "\r\nExpect: 100-continue\r\n", 1);
    let body = poll_text.split_off(poll_text.find("\r\n\r\n").expect("head end") + 4);
    let mut busy = connect(&v.addr);
    busy.write_all(poll_text.as_bytes()).expect("write head");
    let cont = read_response(&mut busy).expect("100 Continue");
    assert!(cont.starts_with("HTTP/1.1 100"), "{cont}");
    // A second client denies the session. If it were served now, the poll would answer "error".
    let mut waiting = connect(&v.addr);
    waiting.write_all(format!("POST /admin/auth/{token}/deny HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer dev-admin-token\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", v.addr).as_bytes()).expect("write");
    busy.write_all(body.as_bytes()).expect("write body");
    let answer = read_all(&mut busy);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"status\":\"pending\""), "the deny was served while the only slot was taken: {answer}");
    // Once the slot frees, the waiting client is served.
    let denied = read_all(&mut waiting);
    assert!(denied.starts_with("HTTP/1.1 200") && denied.contains("denied"), "{denied}");
}

// ───────────────────────────── proxy upstreams ─────────────────────────────

/// A loopback HTTP server that answers every request with 200 and records what it received.
fn upstream() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind upstream");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let _ = s.set_read_timeout(Some(GUARD));
            let head = read_response(&mut s).unwrap_or_default();
            record.lock().unwrap_or_else(|e| e.into_inner()).push(head);
            let body = "{\"upstream\":\"ok\"}";
            let _ = s.write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).as_bytes());
        }
    });
    (port, seen)
}

fn raw_signed_text(s: &common::Signed, host: &str) -> String {
    let mut text = format!("{} {} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n", s.method, s.path, s.body.len());
    for (k, v) in s.headers() {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(&String::from_utf8_lossy(&s.body));
    text
}

fn proxy(v: &Running, grant_id: &str, url: &str) -> String {
    let body = serde_json::json!({"method": "GET", "url": url, "grant_id": grant_id});
    let s = common::Signed::json("POST", "/sdk/proxy", &body, common::FULL_KEY);
    exchange(&v.addr, &raw_signed_text(&s, &v.addr))
}

#[test]
fn proxy_reaches_only_the_grant_mock_and_allowed_upstreams() {
    let (port, seen) = upstream();
    let (other_port, other_seen) = upstream();
    let extra = format!(
        r#"
[[providers]]
id = "local-api"
allowed_hosts = ["127.0.0.1:{port}"]

[[grants]]
id = "6a000000-0000-4000-8000-0000000000c1"
provider = "local-api"
access_token = "local-api-secret"
"#
    );
    let v = start(&(demo_text() + &extra), &[]);
    let local = "6a000000-0000-4000-8000-0000000000c1";
    let google = common::grant("06");
    // The custom provider's allowed loopback upstream is called over HTTP with its credential.
    let ok = proxy(&v, local, &format!("http://127.0.0.1:{port}/v1/things"));
    assert!(ok.starts_with("HTTP/1.1 200") && ok.contains("\"status_code\":200"), "{ok}");
    {
        let seen = seen.lock().unwrap_or_else(|e| e.into_inner());
        assert_eq!(seen.len(), 1);
        assert!(seen[0].starts_with("GET /v1/things"), "{}", seen[0]);
        assert!(seen[0].to_ascii_lowercase().contains("authorization: bearer local-api-secret"), "{}", seen[0]);
    }
    // Any other grant's credential, another loopback port, the vault's own endpoints and another
    // provider's mock: 422 blocked_destination, nothing sent.
    let blocked = [
        (google.as_str(), format!("http://127.0.0.1:{port}/v1/things")),
        (local, format!("http://127.0.0.1:{other_port}/v1/things")),
        (local, format!("http://localhost:{port}/v1/things")),
        (google.as_str(), format!("http://{}/idp/.well-known/jwks.json", v.addr)),
        (google.as_str(), format!("http://{}/sdk/grants/list", v.addr)),
        (google.as_str(), format!("http://{}/mock/github/x", v.addr)),
    ];
    for (g, url) in &blocked {
        let r = proxy(&v, g, url);
        assert!(r.starts_with("HTTP/1.1 422") && r.contains("blocked_destination"), "{g} → {url}: {r}");
        assert!(r.to_ascii_lowercase().contains("x-request-id:"), "{r}");
    }
    assert_eq!(seen.lock().unwrap_or_else(|e| e.into_inner()).len(), 1, "the upstream got no further call");
    assert!(other_seen.lock().unwrap_or_else(|e| e.into_inner()).is_empty());
    // The grant's own mock works; an allowed https host cannot be reached offline (502, audited).
    let mock = proxy(&v, &google, &format!("http://{}/mock/google/x", v.addr));
    assert!(mock.starts_with("HTTP/1.1 200") && mock.contains("\"status_code\":200"), "{mock}");
    let remote = proxy(&v, &google, "https://www.googleapis.com/calendar/v3/events");
    assert!(remote.starts_with("HTTP/1.1 502") && remote.contains("upstream_unreachable"), "{remote}");
    let audit = exchange(&v.addr, &get("/admin/audit", &v.addr, "Authorization: Bearer dev-admin-token\r\n"));
    let body = audit.split("\r\n\r\n").nth(1).unwrap_or("");
    let rows: serde_json::Value = serde_json::from_str(body).expect("audit JSON");
    let statuses: Vec<&serde_json::Value> = rows["rows"].as_array().expect("rows").iter().map(|r| &r["row"]["response_status"]).collect();
    assert_eq!(statuses, [&serde_json::json!(200), &serde_json::json!(200), &serde_json::json!(0)], "one row per upstream call made");
}

// ───────────────────────────── bound beyond loopback ─────────────────────────────

/// Starts the binary with stderr piped; its lines arrive on the receiver until the process ends.
fn start_with_stderr(args: &[&str]) -> (Running, std::sync::mpsc::Receiver<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.toml");
    std::fs::write(&path, demo_text()).expect("write config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_alter-dev-vault"))
        .args(["--config", path.to_str().expect("path"), "--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn vault");
    let addr = listening_addr(&mut child);
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (Running { child, addr, _dir: dir }, rx)
}

/// Collects stderr lines up to and including the first one containing `marker`.
fn lines_until(rx: &std::sync::mpsc::Receiver<String>, marker: &str) -> String {
    let mut text = String::new();
    while let Ok(line) = rx.recv_timeout(GUARD) {
        text.push_str(&line);
        text.push('\n');
        if line.contains(marker) {
            break;
        }
    }
    text
}

#[test]
fn binding_beyond_loopback_prints_the_real_address_and_a_warning() {
    let (v, rx) = start_with_stderr(&["--host", "0.0.0.0"]);
    let warning = lines_until(&rx, "unless you mean this");
    let port = v.addr.rsplit(':').next().expect("port");
    assert!(v.addr.starts_with("127.0.0.1:"), "the stdout URL reaches the vault from this machine: {}", v.addr);
    assert!(warning.contains(&format!("WARNING: bound to 0.0.0.0:{port}")), "{warning}");
    assert!(warning.contains("EVERY network interface"), "{warning}");
    // The Host check still applies; the bind name itself is accepted.
    assert!(exchange(&v.addr, &get("/admin/health", "evil.example", "")).starts_with("HTTP/1.1 403"));
    assert!(exchange(&v.addr, &get("/admin/health", &format!("0.0.0.0:{port}"), "")).starts_with("HTTP/1.1 200"));
}

#[test]
fn loopback_binding_prints_no_warning() {
    let (mut v, rx) = start_with_stderr(&[]);
    let first = lines_until(&rx, "serving http://");
    assert!(first.contains(&format!("serving http://{}", v.addr)), "{first}");
    assert!(exchange(&v.addr, &get("/admin/health", &v.addr, "")).starts_with("HTTP/1.1 200"));
    let _ = v.child.kill();
    let _ = v.child.wait();
    let rest: Vec<String> = rx.iter().collect();
    assert!(!first.contains("WARNING") && !rest.iter().any(|l| l.contains("WARNING")), "{first}{rest:?}");
}
