#!/usr/bin/env node
// Size of the package as npm installs it (the packed tarball unpacked), and of the unbundled
// layout for reference (build/stage/dist + package.json + README: what the package shipped
// before bundling). Writes bench/results/raw/package-size.json.
//
//   node bench/package-size.mjs [--pkg DIR] [--tgz FILE] [--ref DIR]

import { existsSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT, arg } from './lib.mjs';

const CACHE = process.env.CACHE || path.join(ROOT, '.cache');
const PKG = path.resolve(arg('pkg', path.join(CACHE, 'bench/pkg')));
const TGZ = arg('tgz', '');
const REF = path.resolve(arg('ref', path.join(ROOT, 'build/stage')));

function walk(dir, files = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, files); else files.push([p, statSync(p).size]);
  }
  return files;
}
function tally(files) {
  const sum = (re) => files.filter(([p]) => re.test(p)).reduce((a, [, n]) => a + n, 0);
  return {
    files: files.length, bytes: files.reduce((a, [, n]) => a + n, 0), wasm: sum(/\.wasm$/), js: sum(/\.js$/),
    maps: sum(/\.js\.map$/), dts: sum(/\.d\.ts$/),
  };
}
const out = { measured: new Date().toISOString(), pkg: { ...tally(walk(PKG)), tarball: TGZ && existsSync(TGZ) ? statSync(TGZ).size : null } };
if (existsSync(path.join(REF, 'dist'))) {
  const files = walk(path.join(REF, 'dist'));
  for (const f of ['package.json']) if (existsSync(path.join(REF, f))) files.push([f, statSync(path.join(REF, f)).size]);
  const readme = path.join(ROOT, 'pkg-template/README.md');
  files.push([readme, statSync(readme).size]);
  out.unbundled = tally(files);
}
const file = path.join(ROOT, 'bench/results/raw/package-size.json');
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify(out, null, 1));
console.log(JSON.stringify(out));
