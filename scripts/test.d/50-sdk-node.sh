#!/usr/bin/env bash
# Node tests of the SDK (tests/node, node --test): the JS layer against a fake core, then the BUILT
# package — installed from the packed tarball, as a user would — against a dev vault each test
# file starts. Installs the test dependencies (express, typescript) under tests/node, cached.
set -euo pipefail
ROOT="${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
CACHE="${CACHE:-$ROOT/.cache}"
cd "$ROOT"
export npm_config_cache="$CACHE/npm-cache"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# 1. test dependencies, reinstalled only when the lockfile changed
T="$ROOT/tests/node"
stamp="$T/node_modules/.alter-lock.sha256"
want=$(sha256sum "$T/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  (cd "$T" && npm ci --loglevel=error)
  echo "$want" > "$stamp"
fi

# 2. the package (scripts/build.sh is incremental) and the dev vault
scripts/build.sh
cargo build --release -p alter-dev-vault --locked
export ALTER_DEV_VAULT_BIN="$ROOT/target/release/alter-dev-vault"

# 3. install the packed tarball as npm would (the package has no dependencies, so unpacking it into
#    node_modules is the whole install, and the test lockfile stays untouched)
version=$(node -p 'require("./dist/pkg/package.json").version')
tgz="$CACHE/pkg/alter-edge-$version.tgz"
[ -f "$tgz" ] || { echo "50-sdk-node: $tgz missing after scripts/build.sh" >&2; exit 1; }
rm -rf "$T/node_modules/alter-edge"
mkdir -p "$T/node_modules/alter-edge"
tar -xzf "$tgz" -C "$T/node_modules/alter-edge" --strip-components=1

# 4. examples/express against the same tarball (its package.json points at it)
rm -rf examples/express/node_modules/alter-edge
(cd examples/express && npm install --no-package-lock --loglevel=error)

# 5. run
ALTER_EDGE_IMPORT=installed node --test --test-reporter=spec "$T/"
