#!/usr/bin/env bash
# Builds the npm package `alter-edge` into dist/pkg and packs it into .cache/pkg/.
#
#   cargo (profile wasm-release: LTO, 1 codegen unit, panic=abort)  -> alter_edge.wasm
#   wasm-bindgen 0.2.130 --target web                               -> glue (the engine imports nothing)
#   wasm-opt -Oz (npm binaryen@132; Debian's binaryen 108 breaks the externref table)
#   build/stage/dist = js/ + glue + the per-runtime entries, as the sources lay out (unbundled;
#                      bench diagnostics run it)
#   dist/pkg = pkg-template/ + the stage bundled by esbuild (scripts/bundle.mjs: one module per
#              runtime entry and adapter, one shared chunk, source maps) + the .wasm + the .d.ts.
#
# Installs what it needs (the wasm32 target, the wasm-bindgen CLI into .cache/tools, binaryen and
# esbuild into .cache/npm-tools; build-time tools, never dependencies of the package) when missing. Idempotent; a warm re-run takes a few seconds.
# Recipe and measurements: ../shared/notes/toolchain.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${ROOT:-$PWD}"
CACHE="${CACHE:-$ROOT/.cache}"
WB_VERSION=0.2.130
BINARYEN_VERSION=132.0.0
ESBUILD_VERSION=0.28.2
TARGET=wasm32-unknown-unknown
PROFILE=wasm-release
CRATE=alter_edge
export PATH="$CACHE/tools/bin:$PATH"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
step() { echo "build: $*" >&2; }
t_all=$(now)

# 1. toolchain pieces (each only when missing)
if ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
  step "installing rust target $TARGET"
  rustup target add "$TARGET"
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WB_VERSION\b"; then
  step "installing wasm-bindgen-cli $WB_VERSION into $CACHE/tools (takes ~2 min once)"
  t=$(now)
  # No --locked: the index served here lacks a version the CLI's lockfile pins (toolchain.md).
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --root "$CACHE/tools"
  step "wasm-bindgen-cli installed in $(elapsed "$t")"
fi
WASM_OPT="$CACHE/npm-tools/node_modules/.bin/wasm-opt"
ESBUILD_DIR="$CACHE/npm-tools/node_modules/esbuild"
npm_has() { grep -q "\"version\": \"$2\"" "$CACHE/npm-tools/node_modules/$1/package.json" 2>/dev/null; }
if [ ! -x "$WASM_OPT" ] || ! npm_has binaryen "$BINARYEN_VERSION" || ! npm_has esbuild "$ESBUILD_VERSION"; then
  step "installing npm binaryen@$BINARYEN_VERSION and esbuild@$ESBUILD_VERSION into $CACHE/npm-tools"
  mkdir -p "$CACHE/npm-tools"
  npm install --prefix "$CACHE/npm-tools" --save-exact --no-audit --no-fund --loglevel=error \
    "binaryen@$BINARYEN_VERSION" "esbuild@$ESBUILD_VERSION"
fi

# 2. compile
t=$(now)
# The source paths of dependency crates end up in the wasm (panic locations, which can never be
# shown: the profile aborts on panic); mapping the registry folder away shortens each one.
remap=""
for d in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do remap="$remap --remap-path-prefix=$d="; done
RUSTFLAGS="${RUSTFLAGS:-}$remap" cargo build --profile "$PROFILE" --target "$TARGET" -p alter-edge --locked
step "cargo build: $(elapsed "$t")"
WASM="$ROOT/target/$TARGET/$PROFILE/$CRATE.wasm"

# 3. glue
BG="$ROOT/build/bindgen"
rm -rf "$BG"
wasm-bindgen --target web --out-dir "$BG" "$WASM"

# 4. optimise (skipped when the bindgen output did not change)
OPT="$ROOT/build/opt"
mkdir -p "$OPT"
sum=$(sha256sum "$BG/${CRATE}_bg.wasm" | cut -d' ' -f1)
if [ ! -f "$OPT/${CRATE}_bg.wasm" ] || [ "$(cat "$OPT/input.sha256" 2>/dev/null)" != "$sum" ]; then
  t=$(now)
  "$WASM_OPT" -Oz "$BG/${CRATE}_bg.wasm" -o "$OPT/${CRATE}_bg.wasm.tmp"
  mv "$OPT/${CRATE}_bg.wasm.tmp" "$OPT/${CRATE}_bg.wasm"
  echo "$sum" > "$OPT/input.sha256"
  step "wasm-opt -Oz: $(elapsed "$t")"
fi

# 5. stage the sources as the package lays them out, then bundle them into dist/pkg
STAGE="$ROOT/build/stage"
rm -rf "$STAGE"
mkdir -p "$STAGE/dist"
cp pkg-template/dist/*.js "$STAGE/dist/"
(cd js && find . -type f ! -name '*.test.*' ! -path './test/*' -print0) |
  while IFS= read -r -d '' f; do mkdir -p "$STAGE/dist/$(dirname "$f")"; cp "js/$f" "$STAGE/dist/$f"; done
cp "$BG/$CRATE.js" "$BG/$CRATE.d.ts" "$STAGE/dist/"
cp "$OPT/${CRATE}_bg.wasm" "$STAGE/dist/"
# The package version follows Cargo.toml (one source of truth).
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
printf '// Written by scripts/build.sh from Cargo.toml.\nexport const SDK_VERSION = "%s";\n' "$version" > "$STAGE/dist/version.js"
cp pkg-template/package.json "$STAGE/"

PKG="$ROOT/dist/pkg"
rm -rf "$PKG"
mkdir -p "$PKG/dist"
cp pkg-template/package.json pkg-template/README.md "$PKG/"
t=$(now)
node scripts/bundle.mjs "$ESBUILD_DIR" "$STAGE/dist" "$PKG/dist" "$ROOT"
step "bundle: $(elapsed "$t")"
(cd js && find . -type f -name '*.d.ts' -print0) |
  while IFS= read -r -d '' f; do mkdir -p "$PKG/dist/$(dirname "$f")"; cp "js/$f" "$PKG/dist/$f"; done
cp "$OPT/${CRATE}_bg.wasm" "$PKG/dist/"
node -e '
  const fs = require("fs"); const p = process.argv[1];
  const j = JSON.parse(fs.readFileSync(p, "utf8")); j.version = process.argv[2];
  fs.writeFileSync(p, JSON.stringify(j, null, 2) + "\n");' "$PKG/package.json" "$version"

# 6. size report
raw=$(wc -c < "$PKG/dist/${CRATE}_bg.wasm")
gz=$(gzip -9 -c "$PKG/dist/${CRATE}_bg.wasm" | wc -c)
printf 'alter_edge_bg.wasm raw_bytes=%d gzip9_bytes=%d\n' "$raw" "$gz" > "$ROOT/dist/size.txt"

# 7. pack
mkdir -p "$CACHE/pkg"
tgz=$(cd "$PKG" && npm pack --pack-destination "$CACHE/pkg" --loglevel=error | tail -n1)
step "packed $CACHE/pkg/$tgz"
step "$(cat "$ROOT/dist/size.txt")"
step "total: $(elapsed "$t_all")"
