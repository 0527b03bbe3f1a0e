#!/usr/bin/env node
// The clients' own cost per request, without the network: the same three exchanges as the request
// benchmark, answered from memory by a `fetch` that builds the vault's and the provider's
// Responses (the example_flow token response of protocol-core §3.6, a small JSON provider body
// with a Content-Length, an empty audit answer). What is left is the SDK's work (checks, signing,
// the token contract, injection, the audit row, the JS layer, wasm crossings) plus the Response
// objects, the same for both clients. Much less noisy than the loopback runs, so it is the figure
// to watch while optimising; on loopback the cost roughly doubles (caches are cold between the
// network work), see analysis.md.
//
//   node bench/overhead.mjs [--rounds 5] [--n 30000] [--c 16] [--pkg DIR] [--json OUT] [--crossings-pkg DIR]
//   node bench/overhead.mjs --child ours|baseline|floor --n N --c C [--pkg DIR]   (one run, JSON line)
//
// Each run is a fresh process: 3,000 warm-up requests, then `n` requests by `c` workers; CPU time
// of the process (user + system) per request, and wall time per request. Clients alternate.

import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { arg, median, ROOT, DEMO_KEY, MOCK_GRANT } from './lib.mjs';

const PROVIDER_URL = 'https://www.googleapis.com/calendar/v3/calendars/primary/events';
const TOKEN_BODY = JSON.stringify({
  access_token: 'ya29.a0AfB_overhead-benchmark-token', token_type: 'Bearer', expires_in: 3599,
  expires_at: '2026-01-01T00:59:59Z', scopes: ['https://www.googleapis.com/auth/calendar.readonly'],
  grant_id: MOCK_GRANT, provider_id: 'google', token_generation: '0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e',
  scope_mismatch: false, injection_header: 'Authorization', injection_format: 'Bearer {token}',
});
const PROVIDER_BODY = '{"items":[{"id":"e1","summary":"standup"}]}';
const json = (body) => ({ status: 200, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } });

/** Answers from memory; counts each kind of call so a run can prove it did all three exchanges. */
function memoryFetch(counts) {
  return async (input) => {
    const url = String(input);
    if (url.endsWith('/sdk/token')) { counts.token++; return new Response(TOKEN_BODY, json(TOKEN_BODY)); }
    if (url.endsWith('/sdk/oauth/audit/api-call')) { counts.audit++; return new Response('{}', json('{}')); }
    counts.provider++;
    return new Response(PROVIDER_BODY, json(PROVIDER_BODY));
  };
}

async function child(which, n, c, pkg) {
  const counts = { token: 0, provider: 0, audit: 0 };
  const fetch = memoryFetch(counts);
  let call; let flush;
  // Every client calls the memory fetch: the baselines through the global, ours through its
  // `fetch` option (in Node the SDK would otherwise send its vault calls over node:http, which
  // the global fetch it found at import does not replace).
  globalThis.fetch = fetch;
  if (which === 'ours') {
    const mod = await import(pathToFileURL(path.join(pkg, 'dist/index.node.js')).href);
    const app = new mod.App({ apiKey: DEMO_KEY, baseUrl: 'https://vault.example', logger: null, fetch });
    call = async () => {
      const r = await app.request('GET', PROVIDER_URL, { grantId: MOCK_GRANT, queryParams: { maxResults: 10 } });
      await r.text();
    };
    flush = () => app.flush();
  } else {
    const { BaselineClient } = await import('./baseline-client.mjs');
    // floor = the baseline with the SDK's obligations (timeouts that abort, a Response): see
    // baseline-client.mjs.
    const obligations = which === 'floor';
    const b = new BaselineClient({ apiKey: DEMO_KEY, baseUrl: 'https://vault.example', obligations });
    call = obligations
      ? async () => { const r = await b.request('GET', PROVIDER_URL, { grantId: MOCK_GRANT, queryParams: { maxResults: '10' } }); await r.text(); }
      : () => b.request('GET', PROVIDER_URL, { grantId: MOCK_GRANT, queryParams: { maxResults: '10' } });
    flush = () => b.flush();
  }
  const batch = async (count) => {
    let next = 0;
    await Promise.all(Array.from({ length: c }, async () => { while (next++ < count) await call(); }));
    await flush();
  };
  await batch(3000);
  for (const k of Object.keys(counts)) counts[k] = 0;
  // The unbundled layout (build/stage, or bench/allocs.sh's copy of it) exposes the glue and the
  // engine module: a package built with the alloc-stats feature counts wasm heap allocations, and
  // engine.js counts JS↔wasm crossings (engine calls; the engine imports nothing from JS). The
  // published package is bundled (dist/sdk.js) and reports neither.
  const unbundled = which === 'ours' && existsSync(path.join(pkg, 'dist/core/engine.js'));
  const glue = unbundled ? await import(pathToFileURL(path.join(pkg, 'dist/alter_edge.js')).href) : {};
  const allocs0 = glue.allocStats?.();
  const engineCrossings = unbundled ? (await import(pathToFileURL(path.join(pkg, 'dist/core/engine.js')).href)).crossings : null;
  const crossings0 = engineCrossings?.count;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await batch(n);
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  const allocs1 = glue.allocStats?.();
  const crossings1 = engineCrossings?.count;
  const ok = counts.token === n && counts.provider === n && counts.audit === n;
  const res = { client: which, n, c, cpuUsPerReq: (cpu.user + cpu.system) / n, wallUsPerReq: (wall * 1000) / n, counts, ok };
  if (engineCrossings) res.crossingsPerReq = (crossings1 - crossings0) / n;
  if (allocs0 && allocs1) {
    res.allocsPerReq = (allocs1[0] - allocs0[0]) / n;
    res.allocBytesPerReq = (allocs1[1] - allocs0[1]) / n;
  }
  console.log(JSON.stringify(res));
}

const who = arg('child', '');
const N = Number(arg('n', '30000'));
const C = Number(arg('c', '16'));
const PKG = arg('pkg', path.join(ROOT, 'dist/pkg'));
if (who) {
  await child(who, N, C, PKG);
} else {
  const rounds = Number(arg('rounds', '5'));
  const out = arg('json', path.join(ROOT, 'bench/results/raw/overhead.json'));
  const self = fileURLToPath(import.meta.url);
  const runs = [];
  for (let r = 0; r < rounds; r++) {
    const clients = ['ours', 'baseline', 'floor'];
    for (const which of clients.map((_, i) => clients[(i + r) % clients.length])) {
      const p = spawnSync(process.execPath, [self, '--child', which, '--n', String(N), '--c', String(C), '--pkg', PKG], { encoding: 'utf8' });
      const line = p.stdout.trim().split('\n').pop();
      let res;
      try { res = JSON.parse(line); } catch { throw new Error(`${which} run failed: ${p.stderr.slice(0, 500)}`); }
      if (!res.ok) throw new Error(`${which} run did not make every exchange: ${JSON.stringify(res.counts)}`);
      console.error(`overhead r${r} ${which}: ${res.cpuUsPerReq.toFixed(1)} us CPU/req, ${res.wallUsPerReq.toFixed(1)} us wall/req`);
      runs.push(res);
    }
  }
  const med = (client, k) => median(runs.filter((x) => x.client === client).map((x) => x[k]));
  const result = {
    measured: new Date().toISOString(), node: process.version, n: N, c: C, rounds, runs,
    ours: { cpuUsPerReq: med('ours', 'cpuUsPerReq'), wallUsPerReq: med('ours', 'wallUsPerReq') },
    baseline: { cpuUsPerReq: med('baseline', 'cpuUsPerReq'), wallUsPerReq: med('baseline', 'wallUsPerReq') },
    floor: { cpuUsPerReq: med('floor', 'cpuUsPerReq'), wallUsPerReq: med('floor', 'wallUsPerReq') },
  };
  // The crossings per request come from the engine module of the unbundled layout (the same code;
  // the bundled package does not expose it): one short extra run there.
  const stage = arg('crossings-pkg', path.join(ROOT, 'build/stage'));
  const counted = runs.find((x) => x.client === 'ours' && x.crossingsPerReq !== undefined);
  if (counted) result.ours.crossingsPerReq = counted.crossingsPerReq;
  else if (existsSync(path.join(stage, 'dist/core/engine.js'))) {
    const p = spawnSync(process.execPath, [self, '--child', 'ours', '--n', '2000', '--c', String(C), '--pkg', stage], { encoding: 'utf8' });
    try { result.ours.crossingsPerReq = JSON.parse(p.stdout.trim().split('\n').pop()).crossingsPerReq; } catch { /* not reported */ }
  }
  writeFileSync(out, JSON.stringify(result, null, 1));
  console.error(`overhead: ours ${result.ours.cpuUsPerReq.toFixed(1)} us, baseline ${result.baseline.cpuUsPerReq.toFixed(1)} us, floor ${result.floor.cpuUsPerReq.toFixed(1)} us CPU per request; wrote ${out}`);
}
