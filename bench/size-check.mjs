#!/usr/bin/env node
// Size budget of the shipped WebAssembly module: the .wasm in the built package
// (dist/pkg/dist/alter_edge_bg.wasm, i.e. after wasm-opt -Oz in scripts/build.sh) must be at most
// 280,000 bytes. Prints the raw and gzip -9 sizes; exits 1 over budget, 2 if missing.
//
//   node bench/size-check.mjs [--wasm FILE] [--budget BYTES] [--json OUT]

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { gzipSync, brotliCompressSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (n, d) => { const i = process.argv.indexOf(`--${n}`); return i > 0 ? process.argv[i + 1] : d; };
const BUDGET = Number(arg('budget', '280000'));
const WASM = path.resolve(arg('wasm', path.join(ROOT, 'dist/pkg/dist/alter_edge_bg.wasm')));

if (!existsSync(WASM)) {
  console.error(`size-check: ${WASM} not found (run scripts/build.sh first)`);
  process.exit(2);
}
const bytes = readFileSync(WASM);
const raw = bytes.length;
// gzip -9 as scripts/build.sh measures it (the gzip CLI); zlib level 9 if there is no gzip binary.
const cli = spawnSync('gzip', ['-9', '-c', WASM], { maxBuffer: 64 * 1024 * 1024 });
const gzip = cli.status === 0 ? cli.stdout.length : gzipSync(bytes, { level: 9 }).length;
const brotli = brotliCompressSync(bytes).length;
const ok = raw <= BUDGET;
const pct = ((raw / BUDGET) * 100).toFixed(1);
console.log(`${path.relative(ROOT, WASM)}: raw ${raw} bytes, gzip -9 ${gzip} bytes, brotli ${brotli} bytes; ` +
  `budget ${BUDGET} bytes raw (${pct}% used): ${ok ? 'OK' : `OVER BUDGET by ${raw - BUDGET} bytes`}`);
const out = arg('json', null);
if (out) {
  mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  writeFileSync(out, JSON.stringify({ file: path.relative(ROOT, WASM), raw, gzip, brotli, budget: BUDGET, ok, measured: new Date().toISOString() }, null, 1));
}
process.exit(ok ? 0 : 1);
