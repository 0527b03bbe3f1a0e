#!/usr/bin/env bash
# Size budget of the shipped .wasm: at most 280,000 bytes after wasm-opt -Oz, checked on
# the package scripts/build.sh produces (incremental: seconds when nothing changed).
set -euo pipefail
ROOT="${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
CACHE="${CACHE:-$ROOT/.cache}"
cd "$ROOT"
export ROOT CACHE
scripts/build.sh
node bench/size-check.mjs
