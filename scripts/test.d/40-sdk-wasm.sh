#!/usr/bin/env bash
# The SDK engine: scripts/build.sh (installs the wasm32 target, wasm-bindgen CLI 0.2.130 and
# binaryen into .cache when missing; builds, optimises, assembles dist/pkg, npm pack), then the
# engine's native tests (`cargo test -p alter-edge`: the request-assembly rules, and every request,
# vault-call and background-job path over a scripted transport, tests/engine/), then the size.
set -euo pipefail
cd "$ROOT"
export PATH="$CACHE/tools/bin:$PATH"
bash scripts/build.sh
cargo test -p alter-edge --locked 2>&1
echo "sdk wasm size: $(cat dist/size.txt)"
