#!/usr/bin/env node
// Benchmark (not a test): POST /sdk/token throughput of the release alter-dev-vault on loopback.
//
// Starts target/release/alter-dev-vault with dev-vault/demo.toml on a free port, then drives it
// with C concurrent clients. Each client signs every request itself with node:crypto, following
// ../shared/spec/protocol-core.md §1.2 and §2 (the same algorithm as the conformance suite's
// alter_signer.py, which is checked there against the official SDK's signatures), and sends it
// over node:http with a keep-alive agent. Every response must be 200 with a JSON body carrying
// access_token and the expected grant_id; anything else counts as an error and fails the run.
// Each level is bounded by a request count and a wall-clock limit, whichever comes first.
//
// Usage: node bench/vault_token_throughput.mjs [--levels 1,16,64] [--requests 20000]
//          [--seconds 20] [--warmup 500] [--out bench/results/vault-token.md]
// The machine has 2 cores shared by this client and the vault, so the figure is a floor for the
// vault; the table reports the CPU each side used so the reader can see who was saturated.

import { spawn, execSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}
const LEVELS = arg('levels', '1,16,64').split(',').map(Number);
const MAX_REQUESTS = Number(arg('requests', '20000'));
const MAX_SECONDS = Number(arg('seconds', '20'));
const WARMUP = Number(arg('warmup', '500'));
const OUT = path.resolve(ROOT, arg('out', 'bench/results/vault-token.md'));
const BIN = process.env.ALTER_DEV_VAULT_BIN || path.join(ROOT, 'target/release/alter-dev-vault');
const CONFIG = path.join(ROOT, 'dev-vault/demo.toml');

// Demo fixtures (dev-vault/README.md): the all-scopes app key and the google grants of the
// generated users user-001 .. user-050 (one per client, round robin).
const DEMO = {
  appKey: 'alter_rk_demoappallscopesaaaaaa_hoz64e',
  grants: Array.from({ length: 50 }, (_, i) => `6a000000-0000-4000-8000-${String(100000000001 + i)}`),
};

// ── signing, protocol-core.md §1.2 / §2.3 / §2.5 (legacy form: no identity headers) ──────────
const signingKey = (apiKey) => createHmac('sha256', apiKey).update('alter-signing-v1').digest();
function signedHeaders(apiKey, key, method, sdkPath, body) {
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const hash = createHash('sha256').update(body).digest('hex');
  const sts = `${method}\n${sdkPath}\n${ts}\n${nonce}\n${hash}\n`;
  return {
    'x-api-key': apiKey,
    'X-Alter-Timestamp': ts,
    'X-Alter-Nonce': nonce,
    'X-Alter-Content-SHA256': hash,
    'X-Alter-Signature': createHmac('sha256', key).update(sts).digest('hex'),
    'Content-Type': 'application/json',
    'Content-Length': String(body.length),
  };
}

function startVault(dataDir) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['--config', CONFIG, '--port', '0', '--data-dir', dataDir], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'],
    });
    let buf = '';
    const timer = setTimeout(() => reject(new Error('vault did not print its listening line')), 60000);
    child.on('exit', (code) => reject(new Error(`vault exited early (${code})`)));
    child.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/alter-dev-vault listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve({ child, base: new URL(m[1]) }); }
    });
  });
}

function cpuTicks(pid) {
  // /proc/<pid>/stat fields 14, 15 = utime, stime (clock ticks); the name field may hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}
const CLK_TCK = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

function post(agent, base, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      agent, host: base.hostname, port: base.port, method: 'POST', path: '/sdk/token', headers,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function runLevel(base, vaultPid, concurrency, maxRequests, maxSeconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const key = signingKey(DEMO.appKey);
  const lat = [];
  let issued = 0, errors = 0, firstError = null;
  const deadline = performance.now() + maxSeconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  async function worker(w) {
    const grant = DEMO.grants[w % DEMO.grants.length];
    const body = Buffer.from(JSON.stringify({
      grant_id: grant, reason: null,
      request: { method: 'GET', url: `${base.origin}/mock/google/bench` },
    }));
    while (issued < maxRequests && performance.now() < deadline) {
      issued++;
      const s = performance.now();
      try {
        const r = await post(agent, base, signedHeaders(DEMO.appKey, key, 'POST', '/sdk/token', body), body);
        const ok = r.status === 200 && (() => {
          const j = JSON.parse(r.body);
          return typeof j.access_token === 'string' && j.access_token.length > 0 && j.grant_id === grant;
        })();
        if (!ok) { errors++; firstError ??= `HTTP ${r.status}`; }
      } catch (e) { errors++; firstError ??= String(e.code || e.message); }
      lat.push(performance.now() - s);
    }
  }
  const vaultCpu0 = cpuTicks(vaultPid);
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const wall = (performance.now() - t0) / 1000;
  const vaultCpu = (cpuTicks(vaultPid) - vaultCpu0) / CLK_TCK;
  const c = process.cpuUsage(cpu0);
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return {
    concurrency, n: lat.length, errors, firstError, wall,
    rps: lat.length / wall, p50: q(0.5), p99: q(0.99),
    vaultCores: vaultCpu / wall, clientCores: (c.user + c.system) / 1e6 / wall,
  };
}

// One sentence on what bounded this run, derived from the measured CPU columns.
function observation(rows, loadEnd1) {
  const maxVault = Math.max(...rows.map((r) => r.vaultCores));
  const maxClient = Math.max(...rows.map((r) => r.clientCores));
  const best = rows.reduce((a, b) => (b.rps > a.rps ? b : a));
  const usPerReq = (best.vaultCores * best.wall * 1e6) / best.n;
  const limit = maxClient >= 0.9 ? 'the Node client (a full core) bounded req/s'
    : maxVault >= 0.9 ? 'the vault (a full core) bounded req/s'
    : loadEnd1 > 1.6 ? 'neither process used a full core, but other work on the machine competed ' +
      'for the cores, so req/s is a lower bound'
    : 'neither process used a full core, so the loopback round trip between the two processes, ' +
      'not CPU, bounded req/s';
  return `Observed: best ${fmt(best.rps, 0)} req/s at ${best.concurrency} clients; vault at most ` +
    `${fmt(maxVault, 2)} cores, client at most ${fmt(maxClient, 2)} cores: ${limit}. The vault spent ` +
    `about ${fmt(usPerReq, 0)} µs of CPU per request there, i.e. roughly ` +
    `${fmt(1e6 / usPerReq / 1000, 0)}k req/s per core of its own work (an estimate).`;
}

function fmt(x, d = 1) { return x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }); }

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vault-bench-'));
  const { child, base } = await startVault(dataDir);
  const load = os.loadavg();
  let loadEnd = load;
  const rows = [];
  try {
    await runLevel(base, child.pid, 4, WARMUP, 30); // warm-up: connections, allocator, caches
    for (const level of LEVELS) {
      const r = await runLevel(base, child.pid, level, MAX_REQUESTS, MAX_SECONDS);
      console.log(JSON.stringify(r));
      rows.push(r);
    }
  } finally {
    loadEnd = os.loadavg();
    child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
  const failed = rows.filter((r) => r.errors > 0);
  const commit = (() => { try { return execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim(); } catch { return '?'; } })();
  const cpuModel = os.cpus()[0]?.model ?? '?';
  const md = [
    '# alter-dev-vault: `POST /sdk/token` throughput on loopback',
    '',
    `Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} by \`node bench/vault_token_throughput.mjs\` ` +
      `(commit ${commit}).`,
    '',
    `Machine: ${os.cpus().length} vCPU (${cpuModel}), ${fmt(os.totalmem() / 2 ** 30, 0)} GiB RAM, ` +
      `Linux ${os.release()}, Node ${process.version}. Vault: release build, \`dev-vault/demo.toml\`, ` +
      '`--data-dir` on a temp dir. Client and vault share the same 2 cores. Load average',
    `(1/5/15 min) at the start: ${load.map((x) => x.toFixed(2)).join(' / ')}, at the end: ` +
      `${loadEnd.map((x) => x.toFixed(2)).join(' / ')} (this run itself adds about 1; above that, other ` +
      'work on the machine competed for the cores).',
    '',
    'Method: C concurrent clients over node:http keep-alive, each sending signed grant-mode',
    '`POST /sdk/token` requests (fresh nonce and timestamp per request, signed per',
    'protocol-core.md §2 with node:crypto; one demo user grant per client) back to back. Every',
    'response was checked (200, JSON, non-empty access_token, the requested grant_id). Each level',
    `stops at ${MAX_REQUESTS.toLocaleString('en-US')} requests or ${MAX_SECONDS} s, after a ` +
      `${WARMUP}-request warm-up. CPU columns are cores used on average during the level`,
    '(vault from /proc/<pid>/stat, client from process.cpuUsage()).',
    '',
    '| clients | requests | errors | req/s | p50 ms | p99 ms | vault CPU (cores) | client CPU (cores) | vault CPU µs/request |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.concurrency} | ${r.n.toLocaleString('en-US')} | ${r.errors} | ` +
      `${fmt(r.rps, 0)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.vaultCores, 2)} | ${fmt(r.clientCores, 2)} | ` +
      `${fmt((r.vaultCores * r.wall * 1e6) / r.n, 0)} |`),
    '',
    observation(rows, loadEnd[0]),
    '',
    'Reading: req/s is what this loopback setup achieved end to end. When the client column is near',
    'a full core, the single-threaded Node client is the limit and req/s is a lower bound for the',
    'vault. The last column is the vault\'s own CPU time per request (verification, nonce cache,',
    'resolution, token payload, HTTP), from which its capacity per core is about 10^6 / that figure',
    '(CPU accounting at clock-tick resolution; an estimate, not a measured ceiling).',
    '',
  ].join('\n');
  writeFileSync(OUT, md);
  console.log(md);
  if (failed.length) {
    console.error(`errors in ${failed.length} level(s); first: ${failed[0].firstError}`);
    process.exit(1);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
