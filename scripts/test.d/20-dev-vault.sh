#!/usr/bin/env bash
# Rust: the dev vault's tests (config loader, handlers through the router, the binary over real
# sockets), then the release binary that the conformance, SDK and example parts start.
set -euo pipefail
ROOT="${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$ROOT"
cargo test -p alter-dev-vault --locked 2>&1
cargo build --release -p alter-dev-vault --locked 2>&1 | tail -n 5
test -x target/release/alter-dev-vault
