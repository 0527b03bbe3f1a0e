#!/usr/bin/env bash
# Runs every benchmark and writes bench/results/RESULTS.md (raw figures in
# bench/results/raw/*.json). Loopback only. Takes about 20-30 minutes on 2 cores.
#
#   scripts/bench.sh                      # everything
#   BENCH_PARTS="size cold" scripts/bench.sh   # some parts: requests overhead cold workerd size soak
#   BENCH_QUICK=1 scripts/bench.sh        # tiny counts, to check the harness (figures meaningless)
#   scripts/bench.sh cold                 # cold start only (Node, first request, Bun, Deno, workerd,
#                                         # package size) → bench/results/COLD.md; RESULTS.md untouched
#
# It builds what it measures (scripts/build.sh → the packed tarball, unpacked into
# $CACHE/bench/pkg as npm would install it; the release dev vault), and installs, cached under
# $CACHE: a venv with the official Python SDK (alter-sdk==0.29.0) and workerd@1.20261117.1.
# A part that fails is reported in RESULTS.md and the script exits non-zero at the end; missed
# targets are reported, they do not make the script fail. See bench/README.md.
set -uo pipefail
cd "$(dirname "$0")/.."
export ROOT="$PWD"
export CACHE="${CACHE:-$ROOT/.cache}"
export npm_config_cache="$CACHE/npm-cache"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
PARTS="${BENCH_PARTS:-requests overhead cold workerd size soak}"
COLD_ONLY=""
if [ "${1:-}" = cold ]; then PARTS="cold workerd size"; COLD_ONLY=1; fi
RAW="$ROOT/bench/results/raw"
mkdir -p "$RAW" "$CACHE/bench"
notes=()
failed=()
note() { echo "bench: $*" >&2; notes+=("$*"); }
has() { case " $PARTS " in *" $1 "*) return 0;; esac; return 1; }

# 1. what is measured: the package (as a user installs it) and the dev vault
# (other helpers may run build.sh at the same moment, which rebuilds dist/pkg: retry once)
scripts/build.sh || { sleep 20; scripts/build.sh; } || { echo "bench: scripts/build.sh failed" >&2; exit 1; }
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1) # as build.sh names the tarball
tgz="$CACHE/pkg/alter-edge-$version.tgz"
rm -rf "$CACHE/bench/pkg" && mkdir -p "$CACHE/bench/pkg"
tar -xzf "$tgz" -C "$CACHE/bench/pkg" --strip-components=1 || { echo "bench: cannot unpack $tgz" >&2; exit 1; }
if has requests || has soak; then
  cargo build --release -p alter-dev-vault --locked || note "cargo build of the dev vault failed: request benchmarks use the node:http mock vault only"
fi

# 2. tools, cached
if has requests; then
  PY="$CACHE/bench-py/bin/python"
  if ! "$PY" -c 'import alter_sdk, importlib.metadata as m; assert m.version("alter-sdk") == "0.29.0"' 2>/dev/null; then
    python3 -m venv "$CACHE/bench-py" && "$CACHE/bench-py/bin/pip" install -q alter-sdk==0.29.0 ||
      note "could not install alter-sdk 0.29.0: Python runs skipped"
  fi
fi
if has workerd && [ ! -x "$CACHE/bench-tools/node_modules/.bin/workerd" ] && [ ! -x "$CACHE/runtimes/node_modules/.bin/workerd" ]; then
  mkdir -p "$CACHE/bench-tools"
  npm install --prefix "$CACHE/bench-tools" --loglevel=error workerd@1.20261117.1 ||
    note "could not install workerd@1.20261117.1: workerd cold start not measured"
fi

# 3. the parts (each writes bench/results/raw/<part>.json)
if [ -n "${BENCH_QUICK:-}" ]; then
  REQ_ARGS=(--rounds 2 --py-rounds 1 --n1 200 --n 400 --warmup 100 --py-n 100 --py-warmup 20)
  COLD_RUNS=5; SOAK_ARGS=(--total 4000 --chunk 2000 --warmup 500); OVERHEAD_ARGS=(--rounds 1 --n 2000)
  note "BENCH_QUICK: tiny counts, figures not meaningful"
else
  REQ_ARGS=(--rounds 5 --mock-rounds 3 --py-n 1000); COLD_RUNS=21; SOAK_ARGS=(); OVERHEAD_ARGS=()
fi
run() { # name, command...
  local name=$1; shift
  echo "=== bench part: $name" >&2
  local t=$(date +%s)
  if "$@"; then echo "=== $name: done ($(( $(date +%s) - t )) s)" >&2
  else note "part $name failed (exit $?); see the log"; failed+=("$name"); fi
}
if has size; then
  rm -f "$RAW/size.json" "$RAW/package-size.json"
  node bench/size-check.mjs --json "$RAW/size.json" || true
  node bench/package-size.mjs --pkg "$CACHE/bench/pkg" --tgz "$tgz" >/dev/null || note "package size not measured"
fi
if has cold; then
  rm -f "$RAW/cold-node.json" "$RAW/cold-runtimes.json"
  # Bun and Deno from the runtime tests' cache when present (scripts/test.d/70-runtimes.sh installs them).
  run cold node bench/coldstart.mjs --runs "$COLD_RUNS"
fi
if has workerd; then
  rm -f "$RAW/cold-workerd.json"
  { [ -x "$CACHE/bench-tools/node_modules/.bin/workerd" ] || [ -x "$CACHE/runtimes/node_modules/.bin/workerd" ]; } &&
    run workerd node bench/workerd-cold.mjs --runs "$(( COLD_RUNS < 15 ? COLD_RUNS : 15 ))"
fi
if has requests; then
  rm -f "$RAW/requests.json"
  py=(); [ -x "$CACHE/bench-py/bin/python" ] || py=(--no-python)
  run requests node bench/requests.mjs "${REQ_ARGS[@]}" "${py[@]}"
fi
if has overhead; then
  rm -f "$RAW/overhead.json"
  run overhead node bench/overhead.mjs --pkg "$CACHE/bench/pkg" "${OVERHEAD_ARGS[@]}"
fi
if has soak; then rm -f "$RAW/soak.json"; run soak node --expose-gc bench/soak.mjs "${SOAK_ARGS[@]}"; fi

# 4. the table
node -e 'require("fs").writeFileSync(process.argv[1], JSON.stringify({notes: process.argv.slice(2)}, null, 1))' \
  "$RAW/notes.json" "${notes[@]}"
if [ -n "$COLD_ONLY" ]; then
  node bench/cold-report.mjs
  echo "bench: wrote bench/results/COLD.md${failed:+ (failed parts: ${failed[*]})}" >&2
else
  node bench/report.mjs
  echo "bench: wrote bench/results/RESULTS.md${failed:+ (failed parts: ${failed[*]})}" >&2
fi
[ ${#failed[@]} = 0 ]
