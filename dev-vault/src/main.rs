//! `alter-dev-vault --config FILE [--port N] [--host H] [--data-dir DIR] [--allow-host NAME]...`

use std::io::Write;
use std::path::PathBuf;

use alter_dev_vault::{router, serve, Config, ServeOptions, Vault};

const USAGE: &str = "usage: alter-dev-vault --config FILE [--port N] [--host 127.0.0.1] [--data-dir DIR] [--allow-host NAME]...";

struct Args {
    config: PathBuf,
    port: u16,
    host: String,
    data_dir: Option<PathBuf>,
    allow_hosts: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut config = None;
    let mut port = 0u16;
    let mut host = "127.0.0.1".to_string();
    let mut data_dir = None;
    let mut allow_hosts = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--config" => config = Some(PathBuf::from(value("--config")?)),
            "--port" => port = value("--port")?.parse().map_err(|_| "--port must be 0..65535".to_string())?,
            "--host" => host = value("--host")?,
            "--data-dir" => data_dir = Some(PathBuf::from(value("--data-dir")?)),
            "--allow-host" => {
                let name = value("--allow-host")?;
                if name != "*" {
                    alter_dev_vault::dest::normalize_host(&name).map_err(|e| format!("--allow-host {name:?}: {e}"))?;
                }
                allow_hosts.push(name);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let config = config.ok_or("--config is required")?;
    Ok(Args { config, port, host, data_dir, allow_hosts })
}

fn fail(msg: &str) -> ! {
    eprintln!("alter-dev-vault: {msg}");
    std::process::exit(2);
}

#[tokio::main]
async fn main() {
    let args = parse_args().unwrap_or_else(|e| fail(&format!("{e}\n{USAGE}")));
    let cfg = Config::load(&args.config).unwrap_or_else(|e| fail(&e.to_string()));
    let vault = Vault::new(cfg, args.data_dir).unwrap_or_else(|e| fail(&e));
    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
        .await
        .unwrap_or_else(|e| fail(&format!("cannot listen on {}:{}: {e}", args.host, args.port)));
    let addr = listener.local_addr().unwrap_or_else(|e| fail(&format!("no local address: {e}")));
    // The printed URL reaches the vault from this machine: for a wildcard bind, its loopback.
    let shown_host = match addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv6() => "[::1]".to_string(),
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        ip if ip.is_ipv6() => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    let base = format!("http://{shown_host}:{}", addr.port());
    vault.set_base_url(&base);
    let opts = ServeOptions::from_config(&vault.cfg.server, &args.host, &args.allow_hosts);
    let app = router(vault);
    tokio::spawn(serve(listener, app, opts.clone()));
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "alter-dev-vault listening on {base}");
        let _ = out.flush();
    }
    eprintln!("alter-dev-vault: serving {} (config {})", base, args.config.display());
    if !addr.ip().is_loopback() {
        warn_exposed(addr, &opts);
    }
    shutdown_signal().await;
    eprintln!("alter-dev-vault: stopping");
}

/// Bound beyond loopback: say where, loudly, on stderr.
fn warn_exposed(addr: std::net::SocketAddr, opts: &ServeOptions) {
    let reach = if addr.ip().is_unspecified() { "EVERY network interface of this machine" } else { "a network interface, not only loopback" };
    let hosts = match &opts.host_names {
        None => "any Host header (allowed_host_headers / --allow-host \"*\")".to_string(),
        Some(names) if names.is_empty() => "Host localhost, 127.0.0.1 or [::1] only".to_string(),
        Some(names) => format!("Host localhost, 127.0.0.1, [::1] or {}", names.join(", ")),
    };
    let bar = "!".repeat(78);
    eprintln!("{bar}");
    eprintln!("alter-dev-vault: WARNING: bound to {addr}: {reach}.");
    eprintln!("alter-dev-vault: WARNING: anyone who can reach it can use this config's API keys, admin token");
    eprintln!("alter-dev-vault: WARNING: and grants (the demo.toml values are public). Requests must name {hosts}.");
    eprintln!("alter-dev-vault: WARNING: bind to 127.0.0.1 (the default) unless you mean this.");
    eprintln!("{bar}");
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
