#!/usr/bin/env bash
# The SDK's wasm build: scripts/build.sh (installs the wasm32 target, wasm-bindgen CLI 0.2.130 and
# binaryen into .cache when missing; builds, optimises, assembles dist/pkg, npm pack), the native
# unit tests of the request-assembly rules, then the wasm-bindgen tests under Node, then the size.
set -euo pipefail
cd "$ROOT"
export PATH="$CACHE/tools/bin:$PATH"
bash scripts/build.sh
cargo test -p alter-edge --locked 2>&1
# wasm-bindgen-test-runner exits 0 without a summary when Node runs out of work while a test is
# still awaiting (a promise that never settles), so the summary line itself is required.
log="$CACHE/sdk-wasm-test.log"
cargo test --target wasm32-unknown-unknown -p alter-edge --test wasm --locked 2>&1 | tee "$log"
if ! grep -Eq '^test result: ok\. [0-9]+ passed; 0 failed' "$log"; then
  echo "40-sdk-wasm: the wasm tests did not report a passing summary (a test hung or the runner died)" >&2
  exit 1
fi
echo "sdk wasm size: $(cat dist/size.txt)"
