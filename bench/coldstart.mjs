#!/usr/bin/env node
// Cold start of the built package in Node: a fresh process per run that measures, in-process,
// `await import(<package node entry>)` and the first `new App({...})`, plus the process wall time
// (spawn to exit) against a bare Node process doing nothing. Runs are interleaved (bare, package).
// Writes bench/results/raw/cold-node.json.
//
//   node bench/coldstart.mjs [--runs 21] [--pkg DIR]

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, DEMO_KEY, arg, median } from './lib.mjs';

const RUNS = Number(arg('runs', '21'));
const CACHE = process.env.CACHE || path.join(ROOT, '.cache');
const PKG = arg('pkg', existsSync(path.join(CACHE, 'bench/pkg/package.json')) ? path.join(CACHE, 'bench/pkg') : path.join(ROOT, 'dist/pkg'));
const entry = pathToFileURL(path.join(PKG, 'dist/index.node.js')).href;

const probe = `
const t0 = performance.now();
const m = await import(${JSON.stringify(entry)});
const t1 = performance.now();
const app = new m.App({ apiKey: ${JSON.stringify(DEMO_KEY)}, baseUrl: 'https://backend.alterauth.com' });
const t2 = performance.now();
if (!app) throw new Error('no app');
process.stdout.write(JSON.stringify({ importMs: t1 - t0, appMs: t2 - t1, totalMs: t2 - t0, sinceStartMs: t2 }));
`;
const bare = `process.stdout.write(JSON.stringify({ sinceStartMs: performance.now() }));`;
// the share of the import that is reading + compiling the .wasm alone (fresh process as well)
const compile = `
import { readFileSync } from 'node:fs';
const t0 = performance.now();
const bytes = readFileSync(new URL('./alter_edge_bg.wasm', ${JSON.stringify(entry)}));
const t1 = performance.now();
new WebAssembly.Module(bytes);
const t2 = performance.now();
process.stdout.write(JSON.stringify({ readMs: t1 - t0, compileMs: t2 - t1 }));
`;

function once(src) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', src], { encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`probe failed: ${r.stderr.slice(-500)}`);
  return { ...JSON.parse(r.stdout), wallMs };
}

const pkgRuns = []; const bareRuns = []; const compileRuns = [];
once(probe); once(bare); // page cache
for (let i = 0; i < RUNS; i++) { bareRuns.push(once(bare)); pkgRuns.push(once(probe)); compileRuns.push(once(compile)); }
const stat = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const result = {
  runtime: `node ${process.version}`, runs: RUNS, pkg: PKG,
  importMs: stat(pkgRuns.map((r) => r.importMs)),
  appMs: stat(pkgRuns.map((r) => r.appMs)),
  totalMs: stat(pkgRuns.map((r) => r.totalMs)),
  wasmReadMs: stat(compileRuns.map((r) => r.readMs)),
  wasmCompileMs: stat(compileRuns.map((r) => r.compileMs)),
  processWallMs: stat(pkgRuns.map((r) => r.wallMs)),
  bareProcessWallMs: stat(bareRuns.map((r) => r.wallMs)),
  measured: new Date().toISOString(),
};
const OUT = path.join(ROOT, 'bench/results/raw/cold-node.json');
mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify(result, null, 1));
console.log(JSON.stringify(result));
