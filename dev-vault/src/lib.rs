//! `alter-dev-vault`: a local, protocol-faithful Alter Vault backend. See README.md.
//!
//! Protocol logic (signature verification, token request parsing, the §3.4 contract, credential
//! injection, the audit row) comes from the `alter-protocol` crate; this crate only keeps state
//! and serves HTTP.

pub mod admin;
pub mod auth;
pub mod config;
pub mod dest;
pub mod faults;
pub mod idp;
pub mod mock;
pub mod resolve;
pub mod rules;
pub mod sdk_agents;
pub mod sdk_core;
pub mod sdk_grants;
pub mod sdk_keys;
pub mod sdk_more;
pub mod sdk_specs;
pub mod sdk_proxy;
pub mod server;
pub mod state;
pub mod util;
pub mod vault;

pub use config::Config;
pub use server::{router, serve, ServeOptions};
pub use vault::Vault;
