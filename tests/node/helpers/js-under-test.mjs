// Loads the JS layer from the sources in js/ with the fake wasm glue in place of alter_edge.js, so
// the identity, trace, option and close logic can be tested without a wasm build. The fake's
// provider calls go to an echo URL, answered by a fetch installed here that passes every other
// URL to the runtime's own fetch.
import { cpSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

let loaded = null;

export async function loadWithFakeCore() {
  if (loaded) return loaded;
  const dir = mkdtempSync(join(tmpdir(), "alter-edge-js-"));
  for (const f of readdirSync(join(ROOT, "js"))) {
    if (f.endsWith(".js")) cpSync(join(ROOT, "js", f), join(dir, f));
    else if (f === "ns" || f === "core") cpSync(join(ROOT, "js", f), join(dir, f), { recursive: true });
  }
  cpSync(fileURLToPath(new URL("./fake_alter_edge.js", import.meta.url)), join(dir, "alter_edge.js"));
  const core = await import(pathToFileURL(join(dir, "alter_edge.js")).href);
  const { bindWasm } = await import(pathToFileURL(join(dir, "core", "wasm.js")).href);
  bindWasm({ memory: core.memory });
  const runtimeFetch = globalThis.fetch;
  globalThis.fetch = (url, init) => {
    if (url !== core.ECHO_URL) return runtimeFetch(url, init);
    const echo = init.headers["x-echo"];
    return Promise.resolve(new Response(echo, { status: 200, headers: { "content-type": "application/json", "content-length": String(new TextEncoder().encode(echo).length) } }));
  };
  const api = await import(pathToFileURL(join(dir, "api.js")).href);
  loaded = { api, fake: core.fake, dir };
  return loaded;
}
