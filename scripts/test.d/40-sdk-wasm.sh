#!/usr/bin/env bash
# The SDK's wasm build: scripts/build.sh (installs the wasm32 target, wasm-bindgen CLI 0.2.130 and
# binaryen into .cache when missing; builds, optimises, assembles dist/pkg, npm pack), the native
# unit tests of the request-assembly rules, then the wasm-bindgen tests under Node, then the size.
set -euo pipefail
cd "$ROOT"
export PATH="$CACHE/tools/bin:$PATH"
bash scripts/build.sh
cargo test -p alter-edge --locked 2>&1
cargo test --target wasm32-unknown-unknown -p alter-edge --test wasm --locked 2>&1
echo "sdk wasm size: $(cat dist/size.txt)"
