//! The binary left running on a laptop, over real sockets: the proxy reaching only allowed
//! upstreams. Socket reads carry generous timeouts as hang guards only; no test
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
