#!/usr/bin/env bash
# Wasm heap allocations per request() (diagnostics, not part of the package or of CI): builds the
# crate with the `alloc-stats` feature (a counting global allocator, `allocStats()`), puts that
# wasm and its glue into a copy of the unbundled package layout build/stage (build/pkg-allocs; no
# wasm-opt, which does not change what is allocated), and runs one in-memory overhead run of ours
# (bench/overhead.mjs).
#   bash bench/allocs.sh [N]        (after scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"; CACHE="${CACHE:-$ROOT/.cache}"
export PATH="$CACHE/tools/bin:$PATH"
[ -d build/stage/dist ] || { echo "allocs: run scripts/build.sh first" >&2; exit 1; }
CARGO_TARGET_DIR="$ROOT/target/allocs" \
  cargo build --profile wasm-release --target wasm32-unknown-unknown -p alter-edge --features alloc-stats --locked
rm -rf build/allocs-bindgen build/pkg-allocs
wasm-bindgen --target web --out-dir build/allocs-bindgen target/allocs/wasm32-unknown-unknown/wasm-release/alter_edge.wasm
cp -R build/stage build/pkg-allocs
cp build/allocs-bindgen/alter_edge.js build/allocs-bindgen/alter_edge_bg.wasm build/pkg-allocs/dist/
node bench/overhead.mjs --child ours --n "${1:-5000}" --c 16 --pkg build/pkg-allocs
