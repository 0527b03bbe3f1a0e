// The TypeScript declarations (js/index.d.ts) compile against documented usage: tsc --noEmit on
// types/consumer.ts, which also holds @ts-expect-error lines for what the API must reject.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const tsc = `${here}node_modules/typescript/bin/tsc`;

// Consumer set-ups: a Node project (@types/node, lib ES2022), a web/Workers-style one (lib ES2022
// + DOM, no Node types), both on js/index.d.ts; and the installed tarball through its exports map.
const installed = existsSync(`${here}node_modules/alter-edge/package.json`);
for (const config of ["tsconfig.json", "tsconfig.dom.json", "tsconfig.installed.json"]) {
  const skip = !existsSync(tsc) ? "typescript not installed (scripts/test.d/50-sdk-node.sh installs it)"
    : config === "tsconfig.installed.json" && !installed ? "alter-edge tarball not installed under tests/node" : false;
  test(`index.d.ts type-checks the documented usage (${config})`, { skip }, () => {
    let out = "";
    try {
      out = execFileSync(process.execPath, [tsc, "-p", `${here}types/${config}`], { encoding: "utf8" });
    } catch (e) {
      assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
    }
    assert.equal(out.trim(), "");
  });
}

test("index.d.ts declares every runtime export of api.js, and nothing that does not exist", async () => {
  const { readFileSync } = await import("node:fs");
  const { loadWithFakeCore, ROOT } = await import("./helpers/js-under-test.mjs");
  const { api } = await loadWithFakeCore();
  const dts = readFileSync(`${ROOT}/js/index.d.ts`, "utf8") + readFileSync(`${ROOT}/js/ns/index.d.ts`, "utf8"); // + issue 5 (J)
  const declared = new Set([...dts.matchAll(/^export declare (?:abstract )?(?:class|const|function) (\w+)/gm)].map((m) => m[1]));
  const runtime = new Set(Object.keys(api));
  assert.deepEqual([...runtime].filter((n) => !declared.has(n)).sort(), [], "exported but not declared");
  assert.deepEqual([...declared].filter((n) => !runtime.has(n)).sort(), [], "declared but not exported");
});
