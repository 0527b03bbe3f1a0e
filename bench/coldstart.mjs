#!/usr/bin/env node
// Cold start of the built package: a fresh process per run, runs interleaved, references measured
// in the same run. Writes bench/results/raw/cold-node.json (and cold-runtimes.json for Bun/Deno).
//
//   node bench/coldstart.mjs [--runs 21] [--pkg DIR] [--ref DIR] [--parts node,first,bun,deno]
//
// Parts:
//   node   Node (this process's node): in-process `await import(<package node entry>)` and the first
//          `new App({...})`, wall and CPU (process.cpuUsage, all threads), plus the process wall
//          time (spawn to exit). References: a bare `node -e` process, the import of an empty ES
//          module (the loader's own cost), read + `new WebAssembly.Module` of the .wasm alone, and
//          the same package unbundled (`--ref`, default build/stage: the layout before bundling,
//          same code) when present.
//   first  Node: import + App + the first `request()` (token, provider call with the body read;
//          the audit row in the background) against bench/mock-vault.mjs, against the hand-written
//          baseline client (bench/baseline-client.mjs, all three exchanges over fetch) doing the
//          same first request in its own fresh process.
//   bun    Bun (BUN_BIN or .cache/bun): import + first App of the node entry (what Bun resolves),
//          against an empty module import in Bun.
//   deno   Deno (DENO_BIN or .cache/runtimes): import + first App of the deno entry, against an
//          empty module import in Deno.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, DEMO_KEY, arg, median, startVault, stopVault } from './lib.mjs';

const RUNS = Number(arg('runs', '21'));
const CACHE = process.env.CACHE || path.join(ROOT, '.cache');
const PKG = path.resolve(arg('pkg', existsSync(path.join(CACHE, 'bench/pkg/package.json')) ? path.join(CACHE, 'bench/pkg') : path.join(ROOT, 'dist/pkg')));
const REF = path.resolve(arg('ref', path.join(ROOT, 'build/stage')));
const PARTS = new Set(arg('parts', 'node,first,bun,deno').split(','));
const BUN = process.env.BUN_BIN || path.join(CACHE, 'bun/node_modules/@oven/bun-linux-x64/bin/bun');
const DENO = process.env.DENO_BIN || path.join(CACHE, 'runtimes/node_modules/.bin/deno');
const MOCK_GRANT = '3f2c1a9e-8b7d-4c6e-9f01-23456789abcd';
const url = (dir, f) => pathToFileURL(path.join(dir, 'dist', f)).href;
const TMP = mkdtempSync(path.join(os.tmpdir(), 'alter-cold-'));
const EMPTY = path.join(TMP, 'empty.mjs');
writeFileSync(EMPTY, 'export const empty = true;\n');

/** In-process probe: import `entry`, build the first App; wall and (where the runtime has it) CPU. */
const appProbe = (entry) => `
const cpu = globalThis.process?.cpuUsage?.bind(globalThis.process);
const c0 = cpu?.();
const t0 = performance.now();
const m = await import(${JSON.stringify(entry)});
const t1 = performance.now();
const app = new m.App({ apiKey: ${JSON.stringify(DEMO_KEY)}, baseUrl: 'https://backend.alterauth.com' });
const t2 = performance.now();
const c = cpu?.(c0);
if (!app.baseUrl) throw new Error('no app');
const out = { importMs: t1 - t0, appMs: t2 - t1, totalMs: t2 - t0, sinceStartMs: t2 };
if (c) out.cpuMs = (c.user + c.system) / 1000;
console.log(JSON.stringify(out));
`;
const emptyProbe = `
const cpu = globalThis.process?.cpuUsage?.bind(globalThis.process);
const c0 = cpu?.();
const t0 = performance.now();
await import(${JSON.stringify(pathToFileURL(EMPTY).href)});
const t1 = performance.now();
const c = cpu?.(c0);
const out = { importMs: t1 - t0 };
if (c) out.cpuMs = (c.user + c.system) / 1000;
console.log(JSON.stringify(out));
`;
const bareProbe = `console.log(JSON.stringify({ sinceStartMs: performance.now() }));`;
const compileProbe = (dir) => `
import { readFileSync } from 'node:fs';
const t0 = performance.now();
const bytes = readFileSync(new URL(${JSON.stringify(url(dir, 'alter_edge_bg.wasm'))}));
const t1 = performance.now();
new WebAssembly.Module(bytes);
const t2 = performance.now();
console.log(JSON.stringify({ readMs: t1 - t0, compileMs: t2 - t1 }));
`;
/** First request against the mock vault: `client` is 'ours' (the package) or 'baseline'. */
const firstProbe = (client, base) => `
const t0 = performance.now();
let call, close;
if (${JSON.stringify(client)} === 'ours') {
  const m = await import(${JSON.stringify(url(PKG, 'index.node.js'))});
  const app = new m.App({ apiKey: ${JSON.stringify(DEMO_KEY)}, baseUrl: ${JSON.stringify(base)}, logger: null });
  call = async () => { const r = await app.request('GET', ${JSON.stringify(`${base}/mock/google/calendar/v3/calendars/primary/events`)}, { grantId: ${JSON.stringify(MOCK_GRANT)}, queryParams: { maxResults: 10 } }); await r.text(); return r.status; };
  close = () => app.close();
} else {
  const { BaselineClient } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'bench/baseline-client.mjs')).href)});
  const b = new BaselineClient({ apiKey: ${JSON.stringify(DEMO_KEY)}, baseUrl: ${JSON.stringify(base)} });
  call = async () => (await b.request('GET', ${JSON.stringify(`${base}/mock/google/calendar/v3/calendars/primary/events`)}, { grantId: ${JSON.stringify(MOCK_GRANT)}, queryParams: { maxResults: '10' } })).status;
  close = () => b.flush();
}
const t1 = performance.now();
const status = await call();
const t2 = performance.now();
await close();
if (status !== 200) throw new Error('status ' + status);
console.log(JSON.stringify({ setupMs: t1 - t0, requestMs: t2 - t1, totalMs: t2 - t0, sinceStartMs: t2 }));
`;

function once(cmd, args, src) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, [...args, src], { encoding: 'utf8', cwd: TMP, env: { ...process.env, NO_COLOR: '1' } });
  const wallMs = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`probe failed (${cmd}): ${(r.stderr || r.stdout).slice(-800)}`);
  return { ...JSON.parse(r.stdout.trim().split('\n').pop()), wallMs };
}
const node = (src) => once(process.execPath, ['--input-type=module', '-e'], src);
const stat = (xs) => (xs.length ? { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length } : null);
const col = (runs, k) => stat(runs.map((r) => r[k]).filter((x) => typeof x === 'number'));
const version = (cmd) => spawnSync(cmd, ['--version'], { encoding: 'utf8' }).stdout.trim().split('\n')[0];

const out = { measured: new Date().toISOString(), runs: RUNS, pkg: PKG, machine: { cpus: os.cpus().length, loadavg: os.loadavg() } };
const raw = path.join(ROOT, 'bench/results/raw');
mkdirSync(raw, { recursive: true });

if (PARTS.has('node')) {
  const hasRef = existsSync(path.join(REF, 'dist/index.node.js')) && REF !== PKG;
  const pkgRuns = []; const refRuns = []; const bareRuns = []; const emptyRuns = []; const compileRuns = [];
  node(appProbe(url(PKG, 'index.node.js'))); node(bareProbe); // page cache
  for (let i = 0; i < RUNS; i++) {
    bareRuns.push(node(bareProbe));
    emptyRuns.push(node(emptyProbe));
    pkgRuns.push(node(appProbe(url(PKG, 'index.node.js'))));
    if (hasRef) refRuns.push(node(appProbe(url(REF, 'index.node.js'))));
    compileRuns.push(node(compileProbe(PKG)));
  }
  Object.assign(out, {
    runtime: `node ${process.version}`,
    importMs: col(pkgRuns, 'importMs'), appMs: col(pkgRuns, 'appMs'), totalMs: col(pkgRuns, 'totalMs'), cpuMs: col(pkgRuns, 'cpuMs'),
    emptyImportMs: col(emptyRuns, 'importMs'), emptyImportCpuMs: col(emptyRuns, 'cpuMs'),
    wasmReadMs: col(compileRuns, 'readMs'), wasmCompileMs: col(compileRuns, 'compileMs'),
    processWallMs: col(pkgRuns, 'wallMs'), bareProcessWallMs: col(bareRuns, 'wallMs'),
    unbundled: hasRef ? { pkg: REF, importMs: col(refRuns, 'importMs'), appMs: col(refRuns, 'appMs'), totalMs: col(refRuns, 'totalMs'), cpuMs: col(refRuns, 'cpuMs'), processWallMs: col(refRuns, 'wallMs') } : null,
  });
}

if (PARTS.has('first')) {
  const vault = await startVault('mock');
  try {
    const ours = []; const base = [];
    node(firstProbe('ours', vault.base)); node(firstProbe('baseline', vault.base));
    for (let i = 0; i < RUNS; i++) {
      const pair = [() => ours.push(node(firstProbe('ours', vault.base))), () => base.push(node(firstProbe('baseline', vault.base)))];
      if (i % 2) pair.reverse();
      pair.forEach((f) => f());
    }
    out.firstRequest = {
      vault: 'bench/mock-vault.mjs',
      ours: { setupMs: col(ours, 'setupMs'), requestMs: col(ours, 'requestMs'), totalMs: col(ours, 'totalMs'), processWallMs: col(ours, 'wallMs') },
      baseline: { setupMs: col(base, 'setupMs'), requestMs: col(base, 'requestMs'), totalMs: col(base, 'totalMs'), processWallMs: col(base, 'wallMs') },
    };
  } finally {
    await stopVault(vault);
  }
}

const runtimes = {};
function otherRuntime(name, bin, args, entry) {
  if (!existsSync(bin)) { console.error(`coldstart: ${name} not found at ${bin}: skipped`); return; }
  const pkgRuns = []; const emptyRuns = []; const bareRuns = [];
  once(bin, args, appProbe(entry)); once(bin, args, emptyProbe);
  for (let i = 0; i < RUNS; i++) {
    bareRuns.push(once(bin, args, 'console.log("{}")'));
    emptyRuns.push(once(bin, args, emptyProbe));
    pkgRuns.push(once(bin, args, appProbe(entry)));
  }
  runtimes[name] = {
    runtime: `${name} ${version(bin)}`, entry: path.relative(PKG, new URL(entry).pathname),
    importMs: col(pkgRuns, 'importMs'), appMs: col(pkgRuns, 'appMs'), totalMs: col(pkgRuns, 'totalMs'), cpuMs: col(pkgRuns, 'cpuMs'),
    emptyImportMs: col(emptyRuns, 'importMs'), processWallMs: col(pkgRuns, 'wallMs'), bareProcessWallMs: col(bareRuns, 'wallMs'),
  };
}
// Bun resolves the package's "node" condition (tests/runtimes: bun_export).
if (PARTS.has('bun')) otherRuntime('bun', BUN, ['-e'], url(PKG, 'index.node.js'));
if (PARTS.has('deno')) otherRuntime('deno', DENO, ['eval', '--ext=js', '--no-check'], url(PKG, 'index.deno.js'));

if (PARTS.has('node') || PARTS.has('first')) writeFileSync(path.join(raw, 'cold-node.json'), JSON.stringify(out, null, 1));
if (Object.keys(runtimes).length) writeFileSync(path.join(raw, 'cold-runtimes.json'), JSON.stringify({ measured: out.measured, runs: RUNS, pkg: PKG, ...runtimes }, null, 1));
console.log(JSON.stringify({ ...out, runtimes }));
