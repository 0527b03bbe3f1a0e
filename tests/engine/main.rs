//! Native tests of the sans-I/O engine (`cargo test -p alter-edge --test engine`): every scenario
//! is driven through `Engine::request` / `call` / `step` by a scripted transport (harness.rs): a
//! fake vault that checks each signed exchange with the protocol verifier (header values read as
//! they arrive on the wire, nonces never reused), a fake provider, a fake clock, and a driver
//! loop that performs each action as js/core/driver.js does and follows the background jobs.
//! Every driven scenario ends with no machine left in the engine (`in_flight() == 0`). They port
//! what tests/wasm/main.rs checked on the old wasm client to the engine level.
//!
//! * local_checks: configuration and input refused before any exchange; ids; the fake vault
//! * round_trip: request() end to end, token contract, backend error mapping, hooks, injection
//! * provider: provider errors, scope report, timeouts, abort, body states
//! * namespace: call() with each mapper, headers, actor rules
//! * retries: what is retried, Retry-After, the one timeout budget, what never is
//! * getter: the userTokenGetter path
//! * boundary: the step JSON the driver reads
//! * concurrency: interleaved calls in one engine
//! * signing, props: property tests (every exchange verifies; random outcomes never panic and
//!   always end; scripted failures keep the invariants)

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
