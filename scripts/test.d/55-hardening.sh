#!/usr/bin/env bash
# Hardening suite (tests/hardening, node --test) against the BUILT package in dist/pkg:
# fault injection through a dev vault each test file starts (client-side retries of vault calls,
# timeouts, aborts, close() under load, one audit row per provider call), the bad-input table
# (typed errors before any I/O) and the security checks (no credential in errors / logs / audit
# rows / reachable objects, no redirect following, no API key at a provider, signatures refused).
set -euo pipefail
ROOT="${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
CACHE="${CACHE:-$ROOT/.cache}"
cd "$ROOT"
export PATH="$CACHE/tools/bin:$PATH"
scripts/build.sh
cargo build --release -p alter-dev-vault --locked
export ALTER_DEV_VAULT_BIN="$ROOT/target/release/alter-dev-vault"
# dist/pkg, not the installed tarball: the helpers' default (tests/node/helpers/sdk.mjs).
unset ALTER_EDGE_IMPORT
node --test --test-reporter=spec --test-concurrency=1 "$ROOT/tests/hardening/"
# The fault suite again with no `fetch` option: in Node the SDK's vault calls then take node:http
# (js/io.js nodeTransport), observed through diagnostics_channel (tests/hardening/common.mjs).
ALTER_TEST_TRANSPORT=node node --test --test-reporter=spec --test-concurrency=1 "$ROOT/tests/hardening/faults.test.mjs"
