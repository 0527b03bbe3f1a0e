#!/usr/bin/env bash
# Fuzz smoke: every protocol fuzz target (fuzz/) replays its seeds and then fuzzes for a few
# seconds; any crash or failed invariant fails the part. The measured runs are scripts/fuzz.sh
# (bench/results/fuzz.md). Installs cargo-fuzz under $CACHE/tools on first use (a few minutes
# once); afterwards the part costs one incremental build plus FUZZ_SMOKE_SECS (default 5) per
# target. No sanitizer here: the crate is safe Rust (panics are caught either way) and the build
# and runs are faster.
set -euo pipefail
ROOT="${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
CACHE="${CACHE:-$ROOT/.cache}"
cd "$ROOT"
FUZZ_SANITIZER="${FUZZ_SANITIZER:-none}" FUZZ_RESULTS=none FUZZ_FAIL_ON_FINDINGS=1 \
  ROOT="$ROOT" CACHE="$CACHE" scripts/fuzz.sh "${FUZZ_SMOKE_SECS:-5}"
