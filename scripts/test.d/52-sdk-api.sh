#!/usr/bin/env bash
# Issue 5 parity run: every scenario of tests/conformance/scenarios.json through our SDK in Node
# against the dev vault, compared with the official Python SDK's observed outcomes when
# $CACHE/conformance/python-observed.json (or $ALTER_PARITY_PYTHON_RESULTS) exists, else with the
# expected outcomes of scenarios.json. Prints the parity table; fails on any difference.
# (The per-method API tests, tests/node/api-*.test.mjs, run in 50-sdk-node with the other Node tests.)
set -euo pipefail
ROOT="${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
CACHE="${CACHE:-$ROOT/.cache}"
export CACHE
cd "$ROOT"
export PATH="$CACHE/tools/bin:$PATH"
scripts/build.sh                                   # incremental; installs its own tools
cargo build --release -p alter-dev-vault --locked 2>&1 | tail -n 3
export ALTER_DEV_VAULT_BIN="$ROOT/target/release/alter-dev-vault"
# The package as built (dist/pkg, through its exports map); 50-sdk-node covers the packed tarball.
ALTER_EDGE_IMPORT=dist node tests/parity/run.mjs
