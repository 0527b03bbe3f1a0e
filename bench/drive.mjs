#!/usr/bin/env node
// One benchmark run of one Node client, in a fresh process (bench/run.mjs starts it; it can be
// run by hand too). Prints one JSON line with the figures.
//
//   node bench/drive.mjs --client ours|baseline|baseline-http|floor --base URL --provider-url URL --grant ID
//        --c 16 --n 6000 --warmup 500 [--pkg DIR] [--vault-pid PID] [--caller NAME]
//
// Flow: warm up (`warmup` requests at concurrency c), wait until the vault holds every warm-up
// audit row, reset the vault (POST /admin/reset), then `n` requests by `c` workers pulling from one
// counter; latency of each request() = call until the provider body is read. Then wait for the
// fire-and-forget audits to land (that tail is reported, not counted in the throughput).
// Every client runs on Node's own global fetch (the SDK sends its vault calls over node:http in
// Node, see js/core/node.js); `/sdk/token` calls are counted through diagnostics_channel for all of them
// alike (the dev vault's admin API has no token counter).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { arg, cpuSeconds, machineBusySeconds, percentile, reset, waitForAudits, ROOT, DEMO_KEY, tokenCounter } from './lib.mjs';
import { BaselineClient } from './baseline-client.mjs';

const CLIENT = arg('client', 'ours');
const BASE = arg('base');
const PROVIDER_URL = arg('provider-url', `${BASE}/mock/google/calendar/v3/calendars/primary/events`);
const GRANT = arg('grant');
const C = Number(arg('c', '16'));
const N = Number(arg('n', '6000'));
const WARMUP = Number(arg('warmup', '500'));
const PKG = arg('pkg', path.join(ROOT, 'dist/pkg'));
const VAULT_PID = Number(arg('vault-pid', '0'));
const CALLER = arg('caller', '');
const API_KEY = arg('api-key', DEMO_KEY);

const tokens = await tokenCounter();

let client; let call; let sdkVersion = null;
if (CLIENT === 'ours') {
  const mod = await import(pathToFileURL(path.join(PKG, 'dist/index.node.js')).href);
  sdkVersion = JSON.parse(readFileSync(path.join(PKG, 'package.json'), 'utf8')).version;
  client = new mod.App({ apiKey: API_KEY, baseUrl: BASE, ...(CALLER ? { caller: CALLER } : {}) });
  call = async () => {
    const res = await client.request('GET', PROVIDER_URL, { grantId: GRANT, queryParams: { maxResults: 10 } });
    await res.text();
    if (res.status !== 200) throw new Error(`provider status ${res.status}`);
  };
} else if (CLIENT === 'baseline') {
  client = new BaselineClient({ apiKey: API_KEY, baseUrl: BASE, ...(CALLER ? { caller: CALLER } : {}) });
  call = async () => {
    const r = await client.request('GET', PROVIDER_URL, { grantId: GRANT, queryParams: { maxResults: '10' } });
    if (r.status !== 200) throw new Error(`provider status ${r.status}`);
  };
} else if (CLIENT === 'baseline-http') {
  // The baseline with its two vault exchanges over node:http (as the SDK in Node): reference only.
  client = new BaselineClient({ apiKey: API_KEY, baseUrl: BASE, transport: 'http', ...(CALLER ? { caller: CALLER } : {}) });
  call = async () => {
    const r = await client.request('GET', PROVIDER_URL, { grantId: GRANT, queryParams: { maxResults: '10' } });
    if (r.status !== 200) throw new Error(`provider status ${r.status}`);
  };
} else if (CLIENT === 'floor') {
  // The baseline plus the SDK's obligations (timeouts that abort, a Response to read): see
  // baseline-client.mjs. Compared with, never a target.
  client = new BaselineClient({ apiKey: API_KEY, baseUrl: BASE, obligations: true, ...(CALLER ? { caller: CALLER } : {}) });
  call = async () => {
    const res = await client.request('GET', PROVIDER_URL, { grantId: GRANT, queryParams: { maxResults: '10' } });
    await res.text();
    if (res.status !== 200) throw new Error(`provider status ${res.status}`);
  };
} else {
  throw new Error(`unknown client ${CLIENT}`);
}

async function runBatch(n, c, lat) {
  let next = 0; let errors = 0; let firstError = null;
  async function worker() {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const t0 = performance.now();
      try { await call(); } catch (e) { errors++; firstError ??= String(e?.message ?? e); }
      if (lat) lat[i] = performance.now() - t0;
    }
  }
  await Promise.all(Array.from({ length: Math.min(c, n) }, worker));
  return { errors, firstError };
}

// warm-up, then a clean vault
const w = await runBatch(WARMUP, C, null);
if (w.errors) { console.log(JSON.stringify({ client: CLIENT, fatal: `warm-up: ${w.errors} errors, first: ${w.firstError}` })); process.exit(1); }
await waitForAudits(BASE, WARMUP);
await reset(BASE);
tokens.reset();
globalThis.gc?.();

const lat = new Float64Array(N);
const cpu0 = process.cpuUsage();
const v0 = VAULT_PID ? cpuSeconds(VAULT_PID) : NaN;
const m0 = machineBusySeconds();
const t0 = performance.now();
const r = await runBatch(N, C, lat);
const t1 = performance.now();
const cpu1 = process.cpuUsage(cpu0);
const v1 = VAULT_PID ? cpuSeconds(VAULT_PID) : NaN;
const m1 = machineBusySeconds();
const landed = await waitForAudits(BASE, N);
const t2 = performance.now();

const sorted = Array.from(lat).sort((a, b) => a - b);
const secs = (t1 - t0) / 1000;
console.log(JSON.stringify({
  client: CLIENT, sdkVersion, c: C, n: N, warmup: WARMUP, errors: r.errors, firstError: r.firstError,
  seconds: secs, rps: N / secs, p50: percentile(sorted, 50), p99: percentile(sorted, 99),
  mean: sorted.reduce((a, b) => a + b, 0) / N,
  clientCpuMsPerReq: ((cpu1.user + cpu1.system) / 1000) / N,
  vaultCores: (v1 - v0) / secs,
  clientCores: ((cpu1.user + cpu1.system) / 1e6) / secs,
  otherCores: ((m1 - m0) - (v1 - v0) - (cpu1.user + cpu1.system) / 1e6) / secs,
  tokenCalls: tokens.count(), auditTailMs: t2 - t1, auditRowsSeen: landed.audit.length,
  actorId: client.actorId ?? null,
}));
process.exit(0);
