// Imports the BUILT package. $ALTER_EDGE_IMPORT selects it:
//   unset / "dist"  → dist/pkg (scripts/build.sh output), through its package.json exports map
//   "installed"     → the packed tarball installed into tests/node/node_modules (50-sdk-node.sh)
//   any other value → that path (a package directory or an entry file)
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./js-under-test.mjs";

function entryOf(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const dot = pkg.exports?.["."];
  const rel = (typeof dot === "string" ? dot : dot?.node ?? dot?.default) ?? pkg.main;
  return join(dir, rel);
}

export function sdkEntry() {
  const sel = process.env.ALTER_EDGE_IMPORT;
  if (!sel || sel === "dist") {
    const dir = join(ROOT, "dist/pkg");
    if (!existsSync(join(dir, "package.json"))) throw new Error("dist/pkg missing: run scripts/build.sh");
    return entryOf(dir);
  }
  if (sel === "installed") {
    const req = createRequire(join(ROOT, "tests/node/package.json"));
    return entryOf(join(req.resolve("alter-edge/package.json"), ".."));
  }
  return statSync(sel).isDirectory() ? entryOf(sel) : sel;
}

export async function loadSdk() {
  return import(pathToFileURL(sdkEntry()).href);
}
