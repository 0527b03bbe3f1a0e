#!/usr/bin/env bash
# Parity run: every scenario of tests/conformance/scenarios.json through our SDK in Node
# against the dev vault (tests/parity/run.mjs), compared with the outcomes the official Python SDK
# (alter-sdk 0.29.0) observed in the conformance suite, run here first with a small pytest plugin that
# records them (tests/parity/py_observed.py → $CACHE/conformance/python-observed.json). When the
# Python side cannot run, the comparison falls back to the expected outcomes of scenarios.json and
# the table says so. Prints the parity table; fails on any difference.
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

# 1. the official Python SDK's observed outcomes (same venv and requirements as 30-python-conformance)
RESULTS="$CACHE/conformance/python-observed.json"
rm -f "$RESULTS"
VENV="$CACHE/venv-conformance"
REQS="tests/conformance/python/requirements.txt"
STAMP="$VENV/.requirements.sha256"
if [ -f "$REQS" ]; then
  want=$(sha256sum "$REQS" | cut -d' ' -f1)
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$want" ]; then
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQS" && echo "$want" > "$STAMP"
  fi
  # Its pass/fail is 30-python-conformance's business; here only the observations are used.
  (cd tests/conformance/python &&
    ALTER_PARITY_PYTHON_RESULTS="$RESULTS" PYTHONPATH="$ROOT/tests/parity" \
      "$VENV/bin/python" -m pytest -p no:cacheprovider -p py_observed -q >"$CACHE/conformance-python-for-parity.log" 2>&1) ||
    echo "52-sdk-api: the Python suite reported failures (see $CACHE/conformance-python-for-parity.log); comparing with what it observed"
fi

# 2. our SDK, the package as built (dist/pkg through its exports map; 50-sdk-node covers the tarball)
ALTER_PARITY_PYTHON_RESULTS="$RESULTS" ALTER_EDGE_IMPORT=dist node tests/parity/run.mjs
