//! `alter-dev-vault --config FILE [--port N] [--host H] [--data-dir DIR]`

use std::io::Write;
use std::path::PathBuf;

use alter_dev_vault::{router, serve, Config, Vault};

const USAGE: &str = "usage: alter-dev-vault --config FILE [--port N] [--host 127.0.0.1] [--data-dir DIR]";

struct Args {
    config: PathBuf,
    port: u16,
    host: String,
    data_dir: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut config = None;
    let mut port = 0u16;
    let mut host = "127.0.0.1".to_string();
    let mut data_dir = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--config" => config = Some(PathBuf::from(value("--config")?)),
            "--port" => port = value("--port")?.parse().map_err(|_| "--port must be 0..65535".to_string())?,
            "--host" => host = value("--host")?,
            "--data-dir" => data_dir = Some(PathBuf::from(value("--data-dir")?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let config = config.ok_or("--config is required")?;
    Ok(Args { config, port, host, data_dir })
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
    let shown_host = if addr.ip().is_unspecified() { "127.0.0.1".to_string() } else if addr.is_ipv6() { format!("[{}]", addr.ip()) } else { addr.ip().to_string() };
    let base = format!("http://{shown_host}:{}", addr.port());
    vault.set_base_url(&base);
    let app = router(vault);
    tokio::spawn(serve(listener, app));
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "alter-dev-vault listening on {base}");
        let _ = out.flush();
    }
    eprintln!("alter-dev-vault: serving {} (config {})", base, args.config.display());
    shutdown_signal().await;
    eprintln!("alter-dev-vault: stopping");
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
