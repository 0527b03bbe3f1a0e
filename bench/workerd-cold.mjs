#!/usr/bin/env node
// Cold start in workerd: time from spawning `workerd serve` to the first HTTP response of a minimal
// Worker that imports the built package and constructs an App per request, against the same
// Worker without the package (the runtime's own start). Fresh workerd process per run, runs
// interleaved; the same code unbundled (`--ref`, default build/stage, the layout before bundling)
// is measured as a third Worker when present. The capnp config comes from tests/runtimes/workerd/gen-capnp.mjs (the runtime tests'
// generator: node_modules resolution with the Workers conditions, .wasm as a wasm module).
// Writes bench/results/raw/cold-workerd.json.
//
//   node bench/workerd-cold.mjs [--runs 15] [--pkg DIR] [--ref DIR] [--workerd PATH]

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT, DEMO_KEY, arg, median } from './lib.mjs';
import { generateConfig } from '../tests/runtimes/workerd/gen-capnp.mjs';

const RUNS = Number(arg('runs', '15'));
const CACHE = process.env.CACHE || path.join(ROOT, '.cache');
const PKG = path.resolve(arg('pkg', existsSync(path.join(CACHE, 'bench/pkg/package.json')) ? path.join(CACHE, 'bench/pkg') : path.join(ROOT, 'dist/pkg')));
const REF = path.resolve(arg('ref', path.join(ROOT, 'build/stage')));
const HAS_REF = existsSync(path.join(REF, 'dist/index.workerd.js')) && REF !== PKG;
// bench.sh installs workerd under bench-tools; the runtime tests' copy (same version) also serves.
const WORKERD = arg('workerd', [path.join(CACHE, 'bench-tools/node_modules/.bin/workerd'), path.join(CACHE, 'runtimes/node_modules/.bin/workerd')].find((p) => existsSync(p)) ?? path.join(CACHE, 'bench-tools/node_modules/.bin/workerd'));
const DIR = path.join(CACHE, 'bench/workerd');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

const WORKER = `import { App } from 'alter-edge';
export default {
  async fetch(request, env) {
    const app = new App({ apiKey: env.ALTER_API_KEY, baseUrl: 'https://backend.alterauth.com' });
    return new Response(app.baseUrl ? 'ok' : 'no');
  },
};
`;

function config(root, entry, port) {
  return generateConfig({
    root,
    workers: [{ name: 'main', entry, port, compatibilityFlags: ['nodejs_compat'], bindings: { ALTER_API_KEY: DEMO_KEY } }],
  });
}

function setup(port) {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(path.join(DIR, 'node_modules'), { recursive: true });
  symlinkSync(PKG, path.join(DIR, 'node_modules/alter-edge'));
  const configs = {};
  if (HAS_REF) {
    const ref = path.join(DIR, 'unbundled');
    mkdirSync(path.join(ref, 'node_modules'), { recursive: true });
    symlinkSync(REF, path.join(ref, 'node_modules/alter-edge'));
    writeFileSync(path.join(ref, 'worker.mjs'), WORKER);
    configs.unbundled = path.join(ref, 'worker.capnp');
    writeFileSync(configs.unbundled, config(ref, 'worker.mjs', port));
  }
  writeFileSync(path.join(DIR, 'with-pkg.mjs'), `import { App } from 'alter-edge';
export default {
  async fetch(request, env) {
    const app = new App({ apiKey: env.ALTER_API_KEY, baseUrl: 'https://backend.alterauth.com' });
    return new Response(app.baseUrl ? 'ok' : 'no');
  },
};
`);
  writeFileSync(path.join(DIR, 'bare.mjs'), `export default { async fetch() { return new Response('ok'); } };\n`);
  for (const name of ['with-pkg', 'bare']) {
    const text = generateConfig({
      root: DIR,
      workers: [{ name: 'main', entry: `${name}.mjs`, port, compatibilityFlags: ['nodejs_compat'], bindings: { ALTER_API_KEY: DEMO_KEY } }],
    });
    configs[name] = path.join(DIR, `${name}.capnp`);
    writeFileSync(configs[name], text);
  }
  return configs;
}

async function once(config, port) {
  const t0 = process.hrtime.bigint();
  const child = spawn(WORKERD, ['serve', config], { cwd: DIR, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  let exited = false;
  child.on('exit', () => { exited = true; });
  try {
    for (;;) {
      if (exited) throw new Error(`workerd exited: ${err.slice(-800)}`);
      if (Number(process.hrtime.bigint() - t0) / 1e6 > 20_000) throw new Error(`no response in 20 s: ${err.slice(-800)}`);
      try {
        const r = await fetch(`http://127.0.0.1:${port}/`);
        const body = await r.text();
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (r.status !== 200 || body !== 'ok') throw Object.assign(new Error(`status ${r.status}: ${body.slice(0, 300)} ${err.slice(-500)}`), { fatal: true });
        return ms;
      } catch (e) {
        if (e.fatal) throw e;
        await new Promise((r) => setTimeout(r, 2));
      }
    }
  } finally {
    if (!exited) { child.kill('SIGKILL'); await new Promise((r) => child.once('exit', r)); }
  }
}

if (!existsSync(WORKERD)) {
  console.error(`workerd-cold: ${WORKERD} missing (scripts/bench.sh installs workerd@1.20261117.1)`);
  process.exit(2);
}
const port = await freePort();
const configs = setup(port);
const version = (await new Promise((resolve) => {
  const c = spawn(WORKERD, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let o = ''; c.stdout.on('data', (d) => { o += d; }); c.on('exit', () => resolve(o.trim()));
}));
await once(configs['with-pkg'], port); await once(configs.bare, port); // warm the page cache
if (HAS_REF) await once(configs.unbundled, port);
const withPkg = []; const bare = []; const unbundled = [];
for (let i = 0; i < RUNS; i++) {
  bare.push(await once(configs.bare, port));
  withPkg.push(await once(configs['with-pkg'], port));
  if (HAS_REF) unbundled.push(await once(configs.unbundled, port));
}
const stat = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const result = {
  runtime: version, runs: RUNS, firstResponseMs: stat(withPkg), bareFirstResponseMs: stat(bare),
  unbundledFirstResponseMs: HAS_REF ? stat(unbundled) : null,
  packageCostMs: median(withPkg) - median(bare), measured: new Date().toISOString(),
  configBytes: readFileSync(configs['with-pkg']).length,
};
const OUT = path.join(ROOT, 'bench/results/raw/cold-workerd.json');
mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify(result, null, 1));
console.log(JSON.stringify(result));
