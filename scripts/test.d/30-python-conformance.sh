#!/usr/bin/env bash
# Conformance: the official Python SDK (alter-sdk 0.29.0 from PyPI, unchanged) against the
# release build of alter-dev-vault, plus the tamper tests. See tests/conformance/python/.
set -euo pipefail
cd "$ROOT"
VENV="$CACHE/venv-conformance"
REQS="tests/conformance/python/requirements.txt"
STAMP="$VENV/.requirements.sha256"
want=$(sha256sum "$REQS" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$want" ]; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQS"
  echo "$want" > "$STAMP"
fi
cargo build --release --locked -p alter-dev-vault 2>&1 | tail -n 20
export ALTER_DEV_VAULT_BIN="$ROOT/target/release/alter-dev-vault"
cd tests/conformance/python
# -p no:cacheprovider: keep the source tree free of .pytest_cache.
exec "$VENV/bin/python" -m pytest -p no:cacheprovider -q -rfE "$@"
