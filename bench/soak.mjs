#!/usr/bin/env node
// Soak: 100,000 request() calls through our SDK (the built package) on loopback, then the growth
// of the V8 heap and of the process RSS, each measured after forced GC (needs --expose-gc).
// Target: growth at most 5 MB.
//
//   node --expose-gc bench/soak.mjs [--vault rust|mock] [--total 100000] [--c 16] [--chunk 10000]
//        [--warmup 2000] [--max-seconds 1800] [--pkg DIR]
//
// One App for the whole soak. The requests run in chunks; after each chunk a child process
// (bench/check-run.mjs) waits for the fire-and-forget audit rows, checks provider = audit = chunk
// size through the admin API and resets the vault (so the vault's own audit log does not grow);
// token calls are counted here. Then memory is sampled after GC. The admin answers are parsed in
// the child on purpose: parsed here, 10,000 audit rows left an ~11 MB step in this process's heap
// that is not the SDK's (measured: without them the heap stays flat).
// "before" is sampled after a warm-up (JIT, connection pool, wasm memory at its working size).
// If the time bound is hit the soak stops and says how many requests it ran.
// Writes bench/results/raw/soak.json.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, DEMO_KEY, DEMO_GRANT, MOCK_GRANT, arg, reset, startVault, stopVault, cpuSeconds, tokenCounter } from './lib.mjs';

if (typeof globalThis.gc !== 'function') { console.error('soak: run with node --expose-gc'); process.exit(2); }
const CACHE = process.env.CACHE || path.join(ROOT, '.cache');
const PKG = arg('pkg', existsSync(path.join(CACHE, 'bench/pkg/package.json')) ? path.join(CACHE, 'bench/pkg') : path.join(ROOT, 'dist/pkg'));
const BIN = process.env.ALTER_DEV_VAULT_BIN || path.join(ROOT, 'target/release/alter-dev-vault');
const KIND = arg('vault', existsSync(BIN) ? 'rust' : 'mock');
const TOTAL = Number(arg('total', '100000'));
const C = Number(arg('c', '16'));
const CHUNK = Number(arg('chunk', '10000'));
const WARMUP = Number(arg('warmup', '2000'));
const MAX_SECONDS = Number(arg('max-seconds', '1800'));
const MB = 1e6; // decimal megabytes: the target is "at most 5 MB"

const tokens = await tokenCounter();

async function settle() {
  for (let i = 0; i < 4; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers };
}

const v = await startVault(KIND, { bin: BIN, config: path.join(ROOT, 'dev-vault/demo.toml') });
const grant = KIND === 'rust' ? DEMO_GRANT : MOCK_GRANT;
const url = `${v.base}/mock/google/calendar/v3/calendars/primary/events`;
const { App } = await import(pathToFileURL(path.join(PKG, 'dist/index.node.js')).href);
const app = new App({ apiKey: DEMO_KEY, baseUrl: v.base });
const call = async () => {
  const res = await app.request('GET', url, { grantId: grant, queryParams: { maxResults: 10 } });
  await res.text();
  if (res.status !== 200) throw new Error(`provider status ${res.status}`);
};

async function batch(n) {
  let next = 0; let errors = 0; let first = null;
  const worker = async () => {
    for (;;) {
      if (next >= n) return;
      next++;
      try { await call(); } catch (e) { errors++; first ??= String(e?.message ?? e); }
    }
  };
  await Promise.all(Array.from({ length: C }, worker));
  return { errors, first };
}

function checkChunk(n) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bench/check-run.mjs'), '--base', v.base, '--n', String(n), '--grant', grant, '--reset'],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('exit', (code) => {
      try { resolve(JSON.parse(out.trim().split('\n').at(-1))); } catch { resolve({ problems: [`check-run exited ${code}`] }); }
    });
  });
}

const problems = [];
const samples = [];
let done = 0;
let stoppedEarly = null;
try {
  await reset(v.base);
  const w = await batch(WARMUP);
  if (w.errors) throw new Error(`warm-up errors: ${w.errors} (${w.first})`);
  const wc = await checkChunk(WARMUP);
  if (wc.problems.length) throw new Error(`warm-up checks: ${wc.problems.join(', ')}`);
  const before = await settle();
  samples.push({ done: 0, ...before });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const vc0 = cpuSeconds(v.pid);
  while (done < TOTAL) {
    if ((performance.now() - t0) / 1000 > MAX_SECONDS) { stoppedEarly = `time bound ${MAX_SECONDS} s reached`; break; }
    const n = Math.min(CHUNK, TOTAL - done);
    tokens.reset();
    const r = await batch(n);
    const chk = await checkChunk(n); // also resets the vault
    const bad = [...chk.problems];
    if (r.errors) bad.push(`${r.errors} errors (${r.first})`);
    if (tokens.count() !== n) bad.push(`token calls ${tokens.count()} != ${n}`);
    if (bad.length) problems.push(`chunk at ${done}: ${bad.join(', ')}`);
    done += n;
    const s = await settle();
    samples.push({ done, seconds: (performance.now() - t0) / 1000, ...s });
    console.error(`soak ${done}/${TOTAL} ${((performance.now() - t0) / 1000).toFixed(0)} s heap ${(s.heapUsed / MB).toFixed(2)} MB rss ${(s.rss / MB).toFixed(1)} MB${bad.length ? ' CHECK FAILED ' + bad.join(', ') : ''}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const after = samples.at(-1);
  const result = {
    vault: KIND, total: TOTAL, done, c: C, chunk: CHUNK, warmup: WARMUP, seconds, rps: done / seconds,
    clientCpuMsPerReq: (cpu.user + cpu.system) / 1000 / done, vaultCores: (cpuSeconds(v.pid) - vc0) / seconds,
    before, after,
    heapGrowthMB: (after.heapUsed - before.heapUsed) / MB,
    rssGrowthMB: (after.rss - before.rss) / MB,
    externalGrowthMB: (after.external - before.external) / MB,
    maxRssMB: Math.max(...samples.map((s) => s.rss)) / MB,
    samples, problems, stoppedEarly, measured: new Date().toISOString(), node: process.version,
  };
  result.ok = !problems.length && !stoppedEarly && result.heapGrowthMB <= 5 && result.rssGrowthMB <= 5;
  const OUT = path.join(ROOT, 'bench/results/raw/soak.json');
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify(result, null, 1));
  console.log(JSON.stringify({ ...result, samples: undefined }));
} finally {
  await app.close().catch(() => {});
  await stopVault(v);
}
process.exit(0);
