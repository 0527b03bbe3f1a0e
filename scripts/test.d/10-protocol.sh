#!/usr/bin/env bash
# Rust: the protocol crate (vectors read from ../shared/spec at test time) and its property tests.
set -euo pipefail
cd "$ROOT"
cargo test -p alter-protocol --locked 2>&1
