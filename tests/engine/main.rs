//! Native tests of the sans-I/O engine (`cargo test -p alter-edge --test engine`): every scenario
//! is driven through `Engine::request` / `call` / `step` by a scripted transport (harness.rs)
//! whose fake vault checks each signed exchange with the protocol verifier, as the dev vault does.
//! They port the behaviour tests/wasm/main.rs checked on the old wasm client to the engine level.

mod harness;

mod boundary;
mod concurrency;
mod getter;
mod local_checks;
mod namespace;
mod props;
mod provider;
mod retries;
mod round_trip;
mod signing;
