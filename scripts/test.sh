#!/usr/bin/env bash
# Runs every test of the project. Each part lives in scripts/test.d/NN-name.sh and is run in
# order; a part installs what it needs (cached under .cache/, which git ignores).
# Usage: scripts/test.sh [part-name-substring...]
set -euo pipefail
cd "$(dirname "$0")/.."
export ROOT="$PWD"
export CACHE="$ROOT/.cache"
mkdir -p "$CACHE"
pass=0; fail=0; failed=()
for part in scripts/test.d/*.sh; do
  name=$(basename "$part" .sh)
  if [ $# -gt 0 ]; then
    keep=0; for want in "$@"; do case "$name" in *"$want"*) keep=1;; esac; done
    [ $keep = 1 ] || continue
  fi
  echo "=== test part: $name"
  start=$(date +%s)
  if bash "$part"; then pass=$((pass+1)); st=ok; else fail=$((fail+1)); failed+=("$name"); st=FAILED; fi
  echo "=== $name: $st ($(( $(date +%s) - start )) s)"
done
[ "$fail" = 0 ] || echo "failed parts: ${failed[*]}"
echo "parts: ${pass} passed, ${fail} failed"
[ "$fail" = 0 ]
