#!/usr/bin/env node
// The cold-start section of the results, from bench/results/raw/cold-node.json,
// cold-runtimes.json, cold-workerd.json and package-size.json. bench/report.mjs includes it in
// RESULTS.md; run alone (`scripts/bench.sh cold`) it writes bench/results/COLD.md.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './lib.mjs';

const RAW = path.join(ROOT, 'bench/results/raw');
const load = (f) => { const p = path.join(RAW, f); return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : null; };
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f0 = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const row = (label, s, f = f1) => (s ? `| ${label} | ${f(s.median)} | ${f(s.min)} | ${f(s.max)} |` : `| ${label} | – | – | – |`);
const HEAD = ['| measure | median ms | min ms | max ms |', '|---|---|---|---|'];

/** Target rows [what, figure, result] and the markdown lines of the section. */
export function coldSection() {
  const node = load('cold-node.json');
  const rt = load('cold-runtimes.json');
  const wd = load('cold-workerd.json');
  const size = load('package-size.json');
  const targets = [];
  const out = ['## Cold start', ''];
  if (node?.totalMs) {
    const u = node.unbundled;
    out.push(`Node (${node.runtime}), fresh process per run, ${node.runs} runs, interleaved with its references. ` +
      `Load average at the start: ${node.machine.loadavg.map((x) => x.toFixed(2)).join(' ')} on ${node.machine.cpus} cores ` +
      '(the machine is shared: compare figures with the references of the same run). CPU = process.cpuUsage over the import ' +
      'and the App, all threads.', '');
    out.push(...HEAD);
    out.push(row('`await import(\'alter-edge\')` (node entry: read + compile .wasm, instantiate, the bundled JS layer)', node.importMs));
    out.push(row('first `new App({...})`', node.appMs));
    out.push(row('**import + first App**', node.totalMs));
    out.push(row('import + first App, CPU', node.cpuMs));
    out.push(row('reference: `await import()` of an empty module (the ES loader\'s own cost)', node.emptyImportMs));
    out.push(row('reference: `new WebAssembly.Module(bytes)` of the .wasm alone', node.wasmCompileMs));
    if (u) {
      out.push(row('reference: import + first App of the same code unbundled (build/stage: the layout before bundling)', u.totalMs));
      out.push(row('reference: the same unbundled, CPU', u.cpuMs));
    }
    out.push(row('whole process wall time (spawn → exit) with the package', node.processWallMs, f0));
    out.push(row('whole process wall time of a bare `node -e` process', node.bareProcessWallMs, f0));
    out.push('');
    targets.push(['Node 20: import + first App ≤ 10 ms (median)', `${f1(node.totalMs.median)} ms (unbundled, same run: ${f1(u?.totalMs?.median)} ms)`, node.totalMs.median <= 10 ? 'met' : '**missed**']);
  } else out.push('Node: not measured.', '');
  const fr = node?.firstRequest;
  if (fr) {
    out.push(`Time to the first completed request (Node, fresh process per run, ${node.runs} pairs, order alternating), against ` +
      `${fr.vault} on loopback: import of the client, its construction, then one \`request()\` until the provider body is read ` +
      '(token exchange, provider call; the audit row is sent in the background and awaited after the timing).', '');
    out.push('| client | import + construct, median ms | first request, median ms | total, median ms | total, min ms | process wall, median ms |', '|---|---|---|---|---|---|');
    out.push(`| alter-edge (built package) | ${f1(fr.ours.setupMs.median)} | ${f1(fr.ours.requestMs.median)} | ${f1(fr.ours.totalMs.median)} | ${f1(fr.ours.totalMs.min)} | ${f0(fr.ours.processWallMs.median)} |`);
    out.push(`| hand-written baseline (bench/baseline-client.mjs, fetch) | ${f1(fr.baseline.setupMs.median)} | ${f1(fr.baseline.requestMs.median)} | ${f1(fr.baseline.totalMs.median)} | ${f1(fr.baseline.totalMs.min)} | ${f0(fr.baseline.processWallMs.median)} |`);
    out.push('');
  }
  if (rt) {
    out.push(`Bun and Deno: import + first App, fresh process per run, ${rt.runs} runs interleaved with an empty-module import and a bare process.`, '');
    out.push('| runtime | entry | import ms | first App ms | import + App, median ms | min ms | empty module import ms | process wall ms | bare process wall ms |', '|---|---|---|---|---|---|---|---|---|');
    for (const k of ['bun', 'deno']) {
      const r = rt[k];
      if (!r) continue;
      out.push(`| ${r.runtime} | \`${r.entry}\` | ${f1(r.importMs.median)} | ${f1(r.appMs.median)} | ${f1(r.totalMs.median)} | ${f1(r.totalMs.min)} | ${f1(r.emptyImportMs?.median)} | ${f0(r.processWallMs.median)} | ${f0(r.bareProcessWallMs.median)} |`);
    }
    out.push('');
  }
  if (wd) {
    out.push(`workerd (${wd.runtime}): time from spawning \`workerd serve\` to the first HTTP response, fresh process per run, ${wd.runs} runs interleaved. ` +
      'The Worker imports the package (workerd entry, .wasm as a wasm module) and builds an `App` in its fetch handler; ' +
      'the bare Worker returns a Response without the package.', '');
    out.push('| Worker | median ms | min ms | max ms |', '|---|---|---|---|');
    out.push(row('with alter-edge (import + App)', wd.firstResponseMs));
    out.push(row('bare Worker', wd.bareFirstResponseMs));
    if (wd.unbundledFirstResponseMs) out.push(row('reference: with the same code unbundled (build/stage)', wd.unbundledFirstResponseMs));
    out.push(`| difference of medians (the package's cost) | ${f1(wd.packageCostMs)} | | |`);
    if (wd.unbundledFirstResponseMs) out.push(`| reference: the unbundled package's cost | ${f1(wd.unbundledFirstResponseMs.median - wd.bareFirstResponseMs.median)} | | |`);
    out.push('');
    targets.push(['workerd: the package\'s cost over a bare Worker ≤ 5 ms', `${f1(wd.packageCostMs)} ms`, wd.packageCostMs <= 5 ? 'met' : '**missed**']);
  } else out.push('workerd: not measured.', '');
  if (size) {
    out.push('Package size (the packed tarball as npm installs it):', '');
    out.push('| package | files | unpacked bytes | of which .wasm | of which JS (+ maps) | of which .d.ts | tarball bytes |', '|---|---|---|---|---|---|---|');
    for (const [label, s] of [['alter-edge (bundled)', size.pkg], ['reference: the unbundled layout (build/stage/dist, as the package was before bundling)', size.unbundled]]) {
      if (s) out.push(`| ${label} | ${s.files} | ${f0(s.bytes)} | ${f0(s.wasm)} | ${f0(s.js)} (${f0(s.maps)}) | ${f0(s.dts)} | ${s.tarball ? f0(s.tarball) : '–'} |`);
    }
    out.push('');
  }
  return { targets, lines: out };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { targets, lines } = coldSection();
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const doc = ['# Cold-start results', '', `Generated by \`scripts/bench.sh cold\` (bench/cold-report.mjs) on ${when} UTC. ` +
    'The full run (`scripts/bench.sh`) puts the same section into RESULTS.md.', '',
    '| target | figure | result |', '|---|---|---|', ...targets.map((t) => `| ${t.join(' | ')} |`), '', ...lines];
  writeFileSync(path.join(ROOT, 'bench/results/COLD.md'), doc.join('\n'));
  console.error('cold-report: wrote bench/results/COLD.md');
}
