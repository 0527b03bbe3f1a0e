// Shared helpers of the benchmark scripts (bench/*.mjs): vault processes, the dev vault's admin
// API, CPU accounting from /proc, percentiles, machine facts.

import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ADMIN_TOKEN = 'dev-admin-token';
// dev-vault/README.md demo values: the all-scopes app key and the system google grant (no user
// token needed in grant mode).
export const DEMO_KEY = 'alter_rk_demoappallscopesaaaaaa_hoz64e';
export const DEMO_GRANT = '6a000000-0000-4000-8000-000000000006';
export const MOCK_GRANT = '3f2c1a9e-8b7d-4c6e-9f01-23456789abcd';

export function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

/** Starts a vault process (the Rust dev vault or bench/mock-vault.mjs) on a free loopback port. */
export function startVault(kind, { bin, config, dataDir } = {}) {
  const cmd = kind === 'rust' ? bin : process.execPath;
  const args = kind === 'rust'
    ? ['--config', config, '--port', '0', ...(dataDir ? ['--data-dir', dataDir] : [])]
    : [path.join(ROOT, 'bench/mock-vault.mjs'), '--port', '0'];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    let buf = '';
    const timer = setTimeout(() => { child.kill(); reject(new Error(`${kind} vault did not start`)); }, 60_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${kind} vault exited early (${code})`)); });
    child.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve({ child, pid: child.pid, base: m[1].replace(/\/+$/, ''), kind }); }
    });
  });
}

export function stopVault(v) {
  if (!v || v.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    v.child.removeAllListeners('exit');
    v.child.once('exit', () => resolve());
    v.child.kill('SIGTERM');
  });
}

export async function admin(base, method, p, body) {
  const r = await fetch(base + p, {
    method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`admin ${method} ${p} → ${r.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : null;
}

/** Audit rows and provider calls the vault has seen since the last reset. */
export async function counts(base) {
  const [a, c] = await Promise.all([admin(base, 'GET', '/admin/audit'), admin(base, 'GET', '/admin/mock/calls')]);
  return { audit: a.rows, calls: c.calls };
}

/** Polls until the vault has `n` audit rows (fire-and-forget audits still landing) or times out. */
export async function waitForAudits(base, n, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const c = await counts(base);
    if (c.audit.length >= n || Date.now() > until) return c;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const reset = (base) => admin(base, 'POST', '/admin/reset');

/** utime+stime of a process in seconds (Linux /proc). */
export function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100; // USER_HZ = 100 on Linux
  } catch { return NaN; }
}

/** Busy CPU seconds of the whole machine (all cores) from /proc/stat: total minus idle and iowait. */
export function machineBusySeconds() {
  try {
    const f = readFileSync('/proc/stat', 'utf8');
    const v = f.slice(0, f.indexOf('\n')).trim().split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // user..steal (guest is inside user)
    return (total - v[3] - v[4]) / 100;
  } catch { return NaN; }
}

export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export const median = (xs) => {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function sh(cmd, args) {
  try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return null; }
}

export function machineFacts() {
  const cpus = os.cpus();
  let flags = '';
  try { flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? ''; } catch {}
  return {
    cpuModel: flags || cpus[0]?.model || 'unknown',
    cpuCount: cpus.length,
    cpuMHz: cpus[0]?.speed,
    memGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    python: sh(path.join(ROOT, '.cache/bench-py/bin/python'), ['--version']) ?? sh('python3', ['--version']),
    rustc: sh('rustc', ['--version']),
    gitCommit: sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
    gitDirty: (sh('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
    loadavg: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

/**
 * Counts the `/sdk/token` exchanges of this process, whichever transport made them: the SDK sends
 * its vault calls over node:http in Node (js/core/node.js), the reference clients over
 * fetch. Read through diagnostics_channel, the same way for every client (a global fetch wrapper
 * would not see node:http, and would turn the SDK's Node transport off). `count()` reads it,
 * `reset()` zeroes it.
 */
export async function tokenCounter() {
  const dc = (await import('node:diagnostics_channel')).default;
  let n = 0;
  const isToken = (path) => typeof path === 'string' && (path.endsWith('/sdk/token') || path.includes('/sdk/token?'));
  dc.subscribe('http.client.request.start', ({ request }) => { if (isToken(request.path)) n++; });
  dc.subscribe('undici:request:create', ({ request }) => { if (isToken(request.path)) n++; });
  return { count: () => n, reset: () => { n = 0; } };
}
