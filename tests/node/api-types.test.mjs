// Issue 5: the declarations of the whole surface (js/index.d.ts + js/ns/index.d.ts) compile against
// types/api-usage.ts, which calls every method with its documented options and holds
// @ts-expect-error lines for what must not compile (methods absent on Agent / App, api-surface §1.4).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const tsc = `${here}node_modules/typescript/bin/tsc`;
const installed = existsSync(`${here}node_modules/alter-edge/package.json`);

for (const config of ["tsconfig.api.json", "tsconfig.api.dom.json", "tsconfig.api.installed.json"]) {
  const skip = !existsSync(tsc) ? "typescript not installed (scripts/test.d/50-sdk-node.sh installs it)"
    : config === "tsconfig.api.installed.json" && !installed ? "alter-edge tarball not installed under tests/node" : false;
  test(`api-usage.ts type-checks every method (${config})`, { skip }, () => {
    let out = "";
    try {
      out = execFileSync(process.execPath, [tsc, "-p", `${here}types/${config}`], { encoding: "utf8" });
    } catch (e) {
      assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
    }
    assert.equal(out.trim(), "");
  });
}

test("api-usage.ts calls every method the runtime installs on App and Agent", async () => {
  const { loadWithFakeCore } = await import("./helpers/js-under-test.mjs");
  const { api } = await loadWithFakeCore();
  const usage = readFileSync(`${here}types/api-usage.ts`, "utf8");
  const app = new api.App({ apiKey: "alter_rk_demoappallscopesaaaaaa_hoz64e", baseUrl: "http://127.0.0.1:9", logger: null });
  const agent = new api.Agent({ apiKey: "alter_ak_emailassistantaaaaaaaa_ofxaxb", baseUrl: "http://127.0.0.1:9", logger: null });
  const missing = [];
  for (const [client, proto] of [[app, api.App.prototype], [agent, api.Agent.prototype]]) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === "constructor") continue;
      if (!new RegExp(`\\.${name}\\b`).test(usage)) missing.push(`${proto.constructor.name}.${name}`);
      const ns = ["agents", "keys", "scopes", "oauthProviders"].includes(name) ? client[name] : null;
      if (ns) {
        for (const m of Object.getOwnPropertyNames(Object.getPrototypeOf(ns))) {
          if (m !== "constructor" && !new RegExp(`\\.${name}\\.${m}\\b`).test(usage)) missing.push(`${name}.${m}`);
        }
      }
    }
  }
  // Methods client.js defines itself (request, trace, …) are covered by types/consumer.ts.
  const fromClientJs = new Set(["App.getAgent", "Agent.trace"]);
  assert.deepEqual(missing.filter((m) => !fromClientJs.has(m)), []);
  await Promise.all([app.close(), agent.close()]);
});
