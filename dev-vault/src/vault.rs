//! The shared server object: config, IdP, the locked state, the audit file.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use serde_json::Value;
use tokio::sync::Notify;

use crate::config::{Config, UserCfg};
use crate::dest::{Destinations, HostPattern, Route};
use crate::idp::Idp;
use crate::state::State;
use crate::util::now_secs;

pub const AUDIT_FILE: &str = "audit.jsonl";

pub struct Vault {
    pub cfg: Config,
    pub idp: Option<Idp>,
    state: Mutex<State>,
    pub data_dir: Option<PathBuf>,
    /// Woken on every approval or connect-session change (long polls wait on it).
    pub changed: Notify,
    base_url: RwLock<String>,
    /// Where credentials may go; the own origins follow `set_base_url`.
    destinations: RwLock<Destinations>,
}

impl Vault {
    /// Builds the vault; with a data dir, reloads the audit rows already in `audit.jsonl`.
    pub fn new(cfg: Config, data_dir: Option<PathBuf>) -> Result<Arc<Vault>, String> {
        let idp = match &cfg.idp {
            Some(c) => Some(Idp::from_config(c).ok_or("idp.signing_seed is invalid")?),
            None => None,
        };
        let mut state = State::from_config(&cfg, now_secs());
        if let Some(dir) = &data_dir {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create data dir {}: {e}", dir.display()))?;
            let path = dir.join(AUDIT_FILE);
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    for (n, line) in text.lines().enumerate() {
                        if line.trim().is_empty() {
                            continue;
                        }
                        match serde_json::from_str::<Value>(line) {
                            Ok(v) => state.audit.push(v),
                            Err(e) => eprintln!("alter-dev-vault: {}:{}: skipping unreadable audit line: {e}", path.display(), n + 1),
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
            }
        }
        let mut destinations = Destinations::default();
        let lists = cfg.providers.iter().map(|p| (&p.id, &p.allowed_hosts)).chain(cfg.managed_secrets.iter().map(|m| (&m.slug, &m.allowed_hosts)));
        for (id, hosts) in lists {
            // Entries were validated with the config; an unparseable one allows nothing.
            let patterns = hosts.iter().filter_map(|h| HostPattern::parse(h).ok()).collect();
            destinations.allowed.insert(id.clone(), patterns);
        }
        let v = Arc::new(Vault {
            cfg,
            idp,
            state: Mutex::new(state),
            data_dir,
            changed: Notify::new(),
            base_url: RwLock::new(String::new()),
            destinations: RwLock::new(destinations),
        });
        v.set_base_url("http://127.0.0.1");
        Ok(v)
    }

    /// The state lock. A poisoned lock (a panic elsewhere) is recovered: the state is plain data.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_base_url(&self, url: &str) {
        let url = url.trim_end_matches('/').to_string();
        let own = [Some(url.as_str()), self.cfg.server.public_url.as_deref()]
            .into_iter()
            .flatten()
            .filter_map(|u| crate::dest::parse_dest(u).ok())
            .collect();
        self.destinations.write().unwrap_or_else(|e| e.into_inner()).own = own;
        *self.base_url.write().unwrap_or_else(|e| e.into_inner()) = url;
    }

    /// May `provider`'s credential go to `url`? `Err` is 422 `blocked_destination`.
    pub fn check_destination(&self, provider: &str, url: &str) -> Result<Route, crate::util::ApiError> {
        let d = self.destinations.read().unwrap_or_else(|e| e.into_inner());
        d.check(provider, url).map_err(|why| crate::dest::blocked(provider, &why))
    }

    /// Public base URL for approval/connect links.
    pub fn public_url(&self) -> String {
        if let Some(u) = &self.cfg.server.public_url {
            return u.trim_end_matches('/').to_string();
        }
        self.base_url.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn user(&self, sub: &str) -> Option<&UserCfg> {
        self.cfg.users.iter().find(|u| u.sub == sub)
    }

    pub fn user_by_id(&self, id: &str) -> Option<&UserCfg> {
        self.cfg.users.iter().find(|u| u.id.eq_ignore_ascii_case(id))
    }

    /// Appends one audit entry: the row gets the next `seq`, is written and flushed to
    /// `audit.jsonl` (with a data dir) and then kept in memory, all under the state lock so file
    /// order = memory order. An I/O failure keeps nothing and is reported (→ 500).
    pub fn append_audit(&self, mut entry: serde_json::Map<String, Value>) -> Result<u64, String> {
        let mut st = self.lock();
        let seq = st.audit.len() as u64 + 1;
        let mut ordered = serde_json::Map::new();
        ordered.insert("seq".into(), Value::from(seq));
        ordered.append(&mut entry);
        let v = Value::Object(ordered);
        if let Some(dir) = &self.data_dir {
            let line = format!("{}\n", serde_json::to_string(&v).map_err(|e| e.to_string())?);
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join(AUDIT_FILE))
                .map_err(|e| format!("cannot open audit file: {e}"))?;
            f.write_all(line.as_bytes()).map_err(|e| format!("cannot write audit file: {e}"))?;
            f.flush().map_err(|e| format!("cannot flush audit file: {e}"))?;
        }
        st.audit.push(v);
        Ok(seq)
    }

    /// `POST /admin/reset`: back to the config state; the audit file is truncated.
    pub fn reset(&self) -> Result<(), String> {
        let mut st = self.lock();
        if let Some(dir) = &self.data_dir {
            std::fs::write(dir.join(AUDIT_FILE), b"").map_err(|e| format!("cannot truncate audit file: {e}"))?;
        }
        *st = State::from_config(&self.cfg, now_secs());
        drop(st);
        self.changed.notify_waiters();
        Ok(())
    }
}
