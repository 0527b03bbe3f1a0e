#!/usr/bin/env node
// request() throughput and latency: our SDK (the built package) against the hand-written baseline
// (bench/baseline-client.mjs) and the official Python SDK 0.29.0, side by side in one run, against
// the same vault process. Writes bench/results/raw/requests.json (bench/report.mjs renders it).
//
//   node bench/requests.mjs [--vaults rust,mock] [--levels 1,16,64] [--rounds 5] [--mock-rounds 5] [--py-rounds 3]
//        [--n1 3000] [--n 6000] [--warmup 500] [--py-n 1500] [--py-warmup 200] [--no-python]
//        [--pkg DIR] [--python PATH]
//
// Each run is a fresh process (bench/drive.mjs or bench/py_drive.py) that warms up, resets the vault
// and runs a bounded number of requests. Clients are interleaved in rounds (the order rotates every
// round) so a noisy neighbour on the 2 cores hits all of them alike. After every run the harness
// checks, through the admin API, that token = provider = audit = N (token calls counted by the
// driver; the node:http mock vault also counts them server-side) and resets the vault.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, DEMO_GRANT, MOCK_GRANT, arg, admin, counts, reset, startVault, stopVault, machineFacts } from './lib.mjs';

const VAULTS = arg('vaults', 'rust,mock').split(',').filter(Boolean);
const LEVELS = arg('levels', '1,16,64').split(',').map(Number);
const ROUNDS = Number(arg('rounds', '5'));
const MOCK_ROUNDS = Number(arg('mock-rounds', String(ROUNDS))); // the mock vault is the secondary setup
const PY_ROUNDS = process.argv.includes('--no-python') ? 0 : Number(arg('py-rounds', '3'));
const N1 = Number(arg('n1', '3000'));
const NN = Number(arg('n', '6000'));
const WARMUP = Number(arg('warmup', '500'));
const PY_N = Number(arg('py-n', '1500'));
const PY_WARMUP = Number(arg('py-warmup', '200'));
const CACHE = process.env.CACHE || path.join(ROOT, '.cache');
const PKG = arg('pkg', existsSync(path.join(CACHE, 'bench/pkg/package.json')) ? path.join(CACHE, 'bench/pkg') : path.join(ROOT, 'dist/pkg'));
const PYTHON = arg('python', path.join(CACHE, 'bench-py/bin/python'));
const BIN = process.env.ALTER_DEV_VAULT_BIN || path.join(ROOT, 'target/release/alter-dev-vault');
const OUT = path.join(ROOT, 'bench/results/raw/requests.json');

function runChild(cmd, args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = ''; let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').reverse().find((l) => l.startsWith('{'));
      let rec = null;
      try { rec = line ? JSON.parse(line) : null; } catch { rec = null; }
      resolve({ code, rec, stderr: err.slice(-2000) });
    });
  });
}

async function verify(v, rec, n, grant) {
  const problems = [];
  if (rec.errors) problems.push(`${rec.errors} request errors (first: ${rec.firstError})`);
  if (rec.tokenCalls !== n) problems.push(`token calls ${rec.tokenCalls} != ${n}`);
  const { audit, calls } = await counts(v.base);
  if (audit.length !== n) problems.push(`audit rows ${audit.length} != ${n}`);
  const badRows = audit.filter((a) => a.row?.grant_id !== grant || a.row?.response_status !== 200).length;
  if (badRows) problems.push(`${badRows} audit rows with another grant or status`);
  if (calls.length !== n) problems.push(`provider calls ${calls.length} != ${n}`);
  const badCalls = calls.filter((c) => !c.credential_ok).length;
  if (badCalls) problems.push(`${badCalls} provider calls without a valid credential`);
  let serverTokens = null;
  if (v.kind === 'mock') {
    const s = await admin(v.base, 'GET', '/admin/stats');
    serverTokens = s.token;
    if (s.token !== n) problems.push(`vault saw ${s.token} token calls != ${n}`);
    if (s.rejected) problems.push(`vault rejected ${s.rejected} requests`);
  }
  return { ok: problems.length === 0, problems, token: rec.tokenCalls, serverTokens, provider: calls.length, audit: audit.length };
}

const started = new Date();
const runs = [];
const notes = [];
for (const kind of VAULTS) {
  if (kind === 'rust' && !existsSync(BIN)) { notes.push(`rust vault skipped: ${BIN} missing`); console.error(notes.at(-1)); continue; }
  const v = await startVault(kind, { bin: BIN, config: path.join(ROOT, 'dev-vault/demo.toml') });
  const grant = kind === 'rust' ? DEMO_GRANT : MOCK_GRANT;
  const providerUrl = `${v.base}/mock/google/calendar/v3/calendars/primary/events`;
  console.error(`vault ${kind} at ${v.base} (pid ${v.pid})`);
  try {
    for (const c of LEVELS) {
      const n = c === 1 ? N1 : NN;
      for (let r = 0; r < (kind === 'mock' ? MOCK_ROUNDS : ROUNDS); r++) {
        const clients = ['ours', 'baseline', 'baseline-http', 'floor', ...(r < PY_ROUNDS ? ['python'] : [])];
        const order = clients.map((_, i) => clients[(i + r) % clients.length]);
        for (const client of order) {
          await reset(v.base);
          const common = ['--base', v.base, '--provider-url', providerUrl, '--grant', grant, '--c', String(c), '--vault-pid', String(v.pid)];
          const res = client === 'python'
            ? await runChild(PYTHON, [path.join(ROOT, 'bench/py_drive.py'), ...common, '--n', String(PY_N), '--warmup', String(PY_WARMUP)], 600_000)
            : await runChild(process.execPath, [path.join(ROOT, 'bench/drive.mjs'), '--client', client, '--pkg', PKG, ...common,
              '--n', String(n), '--warmup', String(WARMUP)], 600_000);
          const want = client === 'python' ? PY_N : n;
          let rec = res.rec;
          let check;
          if (!rec || rec.fatal) {
            check = { ok: false, problems: [`driver failed (exit ${res.code}): ${rec?.fatal ?? res.stderr.slice(-400)}`] };
            rec = { client, c, n: want };
          } else {
            check = await verify(v, rec, want, grant);
          }
          const row = { vault: kind, round: r, ...rec, check };
          runs.push(row);
          console.error(`${kind} c=${c} r${r} ${client}: ${rec.rps ? rec.rps.toFixed(0) : '-'} req/s p50 ${rec.p50?.toFixed(1)} p99 ${rec.p99?.toFixed(1)} ms ` +
            `cpu ${rec.clientCpuMsPerReq?.toFixed(2)} ms/req vault ${rec.vaultCores?.toFixed(2)} cores ${check.ok ? 'ok' : 'CHECK FAILED: ' + check.problems.join('; ')}`);
        }
      }
    }
  } finally {
    await stopVault(v);
  }
}

mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify({
  started: started.toISOString(), finished: new Date().toISOString(), machine: machineFacts(), pkg: PKG,
  params: { vaults: VAULTS, levels: LEVELS, rounds: ROUNDS, mockRounds: MOCK_ROUNDS, pyRounds: PY_ROUNDS, n1: N1, n: NN, warmup: WARMUP, pyN: PY_N, pyWarmup: PY_WARMUP },
  notes, runs,
}, null, 1));
console.error(`wrote ${OUT}`);
