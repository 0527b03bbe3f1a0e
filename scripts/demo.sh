#!/usr/bin/env bash
# The README demo: build the package, start the dev vault with dev-vault/demo.toml, run
# examples/express against the packed tarball, make one credentialed request through it with curl,
# print the provider's answer and the audit row, then stop everything (also on failure or Ctrl-C).
# Idempotent: every run starts from a fresh vault data dir and free ports.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
CACHE="${CACHE:-$ROOT/.cache}"
export npm_config_cache="$CACHE/npm-cache" npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# Fixed values of dev-vault/demo.toml (table in dev-vault/README.md).
APP_KEY="${DEMO_APP_KEY:-alter_rk_demoappallscopesaaaaaa_hoz64e}"   # key "demo-full"
ADMIN_TOKEN="dev-admin-token"
DEMO_USER="${DEMO_USER:-alice}"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/alter-demo.XXXXXX")
VAULT_PID="" EXAMPLE_PID=""
cleanup() {
  local rc=$?
  [ -n "$EXAMPLE_PID" ] && kill "$EXAMPLE_PID" 2>/dev/null && wait "$EXAMPLE_PID" 2>/dev/null || true
  [ -n "$VAULT_PID" ] && kill "$VAULT_PID" 2>/dev/null && wait "$VAULT_PID" 2>/dev/null || true
  if [ $rc -ne 0 ]; then
    for f in vault.err example.out example.err; do
      [ -s "$WORK/$f" ] && { echo "--- $f (last lines)" >&2; tail -n 20 "$WORK/$f" >&2; }
    done
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits for a line matching $2 in file $1 (written by a background process $3); prints the URL.
wait_for_url() {
  local file=$1 pattern=$2 pid=$3 i
  for i in $(seq 1 300); do
    if grep -qE "$pattern" "$file" 2>/dev/null; then
      grep -oE "$pattern" "$file" | head -n1 | grep -oE 'http://127\.0\.0\.1:[0-9]+'
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { echo "demo: process $pid exited early" >&2; return 1; }
    sleep 0.1
  done
  echo "demo: timed out waiting for $file" >&2
  return 1
}

say "build the package (scripts/build.sh) and the dev vault"
scripts/build.sh
cargo build --release -p alter-dev-vault --locked

say "start the dev vault (dev-vault/demo.toml)"
target/release/alter-dev-vault --config dev-vault/demo.toml --port 0 --data-dir "$WORK/data" \
  > "$WORK/vault.out" 2> "$WORK/vault.err" &
VAULT_PID=$!
VAULT=$(wait_for_url "$WORK/vault.out" 'alter-dev-vault listening on http://127\.0\.0\.1:[0-9]+' "$VAULT_PID")
echo "dev vault at $VAULT"

say "install examples/express against the packed tarball"
version=$(node -p 'require("./dist/pkg/package.json").version')
want="$(node -p 'require("./examples/express/package.json").dependencies["alter-edge"]')"
[ "$want" = "file:../../.cache/pkg/alter-edge-$version.tgz" ] ||
  { echo "demo: examples/express/package.json must depend on file:../../.cache/pkg/alter-edge-$version.tgz (has $want)" >&2; exit 1; }
rm -rf examples/express/node_modules/alter-edge
(cd examples/express && npm install --no-package-lock --loglevel=error)

say "start examples/express"
(cd examples/express && exec env ALTER_API_KEY="$APP_KEY" ALTER_BASE_URL="$VAULT" PORT=0 node server.mjs) \
  > "$WORK/example.out" 2> "$WORK/example.err" &
EXAMPLE_PID=$!
EXAMPLE=$(wait_for_url "$WORK/example.out" 'example-express listening on http://127\.0\.0\.1:[0-9]+' "$EXAMPLE_PID")
echo "example at $EXAMPLE"

say "mint a JWT for user '$DEMO_USER' from the dev vault's IdP"
JWT=$(curl -fsS -X POST "$VAULT/admin/idp/token" -H "Authorization: Bearer $ADMIN_TOKEN" \
  -H 'Content-Type: application/json' -d "{\"sub\":\"$DEMO_USER\"}" | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => process.stdout.write(JSON.parse(s).token));')
echo "JWT: ${JWT:0:24}… (${#JWT} chars)"

say "curl -H 'Authorization: Bearer <jwt>' $EXAMPLE/events"
status=$(curl -sS -o "$WORK/answer.json" -w '%{http_code}' -H "Authorization: Bearer $JWT" "$EXAMPLE/events")
echo "HTTP $status — the provider's answer (the mock reports which user's credential it received):"
node -e 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")), null, 2))' "$WORK/answer.json"
[ "$status" = 200 ] || { echo "demo: expected HTTP 200" >&2; exit 1; }

say "stop the example (SIGTERM → app.close() flushes the audit row)"
kill -TERM "$EXAMPLE_PID"
wait "$EXAMPLE_PID" 2>/dev/null || true
EXAMPLE_PID=""

say "the audit row (GET /admin/audit)"
curl -fsS "$VAULT/admin/audit" -H "Authorization: Bearer $ADMIN_TOKEN" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const rows = JSON.parse(s).rows;
    if (!rows.length) { console.error("demo: no audit row"); process.exit(1); }
    console.log(JSON.stringify(rows[rows.length - 1], null, 2));
  });'

say "done (vault and example stopped)"
