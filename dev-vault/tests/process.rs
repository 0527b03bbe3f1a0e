//! The binary as users start it: the listening line, real HTTP, the drop_connection fault over a
//! real socket, and a clean failure on a bad config. (Proxy upstreams over real sockets:
//! socket_guards.rs.)

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Running {
    child: Child,
    addr: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data_dir: &std::path::Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_alter-dev-vault"))
        .args(["--config", common::demo_path().to_str().expect("path"), "--port", "0", "--data-dir"])
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn vault");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read listening line");
    let prefix = "alter-dev-vault listening on http://";
    assert!(line.starts_with(prefix), "unexpected first line {line:?}");
    let addr = line.trim_end().trim_start_matches(prefix).to_string();
    Running { child, addr }
}

fn raw(addr: &str, request: &str) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(30))).expect("timeout");
    s.write_all(request.as_bytes()).expect("write");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

#[test]
fn binary_prints_its_url_serves_http_and_drops_connections_on_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let v = start(dir.path());
    let health = raw(&v.addr, &format!("GET /admin/health HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", v.addr));
    let text = String::from_utf8_lossy(&health);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("{\"status\":\"ok\"}"));
    let body = r#"{"endpoint":"/mock/google/*","count":1,"fault":{"drop_connection":true}}"#;
    let add = raw(
        &v.addr,
        &format!("POST /admin/faults HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer dev-admin-token\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", v.addr, body.len()),
    );
    assert!(String::from_utf8_lossy(&add).starts_with("HTTP/1.1 200"));
    let mock = format!("GET /mock/google/x HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", v.addr);
    let dropped = raw(&v.addr, &mock);
    assert!(dropped.is_empty(), "expected no response bytes, got {:?}", String::from_utf8_lossy(&dropped));
    let after = raw(&v.addr, &mock);
    assert!(String::from_utf8_lossy(&after).starts_with("HTTP/1.1 401"), "fault applies once; the mock then answers 401 without a credential");
}

#[test]
fn bad_config_exits_2_with_a_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[server]\nadmin_token = \"t\"\n[[apps]]\nname = \"a\"\nid = \"nope\"\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_alter-dev-vault")).args(["--config", cfg.to_str().expect("path")]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("canonical lowercase UUID"), "{err}");
    assert!(out.stdout.is_empty());
    let usage = Command::new(env!("CARGO_BIN_EXE_alter-dev-vault")).arg("--bogus").output().expect("run");
    assert_eq!(usage.status.code(), Some(2));
}
