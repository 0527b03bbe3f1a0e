// Runs a Vercel Edge Function of a consumer project locally the way `vercel dev` does
// (@vercel/node's edge handler): esbuild bundles the entry for the browser platform with the
// `edge-light` condition into one CommonJS script, a `.wasm?module` import becomes a global
// binding holding a WebAssembly.Module compiled by the host, `node:async_hooks` & co. (the Node
// APIs Vercel Edge offers) become global bindings too; the script runs in `edge-runtime`
// (npm edge-runtime, Vercel's Edge Runtime) behind its HTTP server. Stricter than `vercel dev`, like
// production: no code generation from strings or wasm bytes inside the function.
//
// The function's default export is called as Vercel calls it: handler(request, { waitUntil }).
// SIGTERM: stop, wait for everything handed to waitUntil (edge-runtime's server.close()), then exit
// at once, dropping any other pending work (a platform freezes the function then).
//
// Usage: node serve.mjs <projectDir> <entry>   (env EDGE_TOOLS = node_modules with esbuild and
// edge-runtime; EDGE_ENV = JSON object exposed as process.env; PORT, default 0)
// Prints "vercel-edge bundled <alter-edge file>" and "vercel-edge listening on <url>".
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import * as asyncHooks from "node:async_hooks";
import * as buffer from "node:buffer";
import * as events from "node:events";

const [dir, entry] = process.argv.slice(2);
const require = createRequire(join(process.env.EDGE_TOOLS, "noop.js"));
const esbuild = require("esbuild");
const { EdgeRuntime, runServer } = require("edge-runtime");

const wasmBindings = {}; // global name → WebAssembly.Module
const wasmPlugin = {
  name: "vercel-wasm",
  setup(b) {
    b.onResolve({ filter: /\.wasm\?module$/i }, async (args) => {
      const r = await b.resolve(args.path.replace(/\?module$/i, ""), { importer: args.importer, resolveDir: args.resolveDir, kind: args.kind });
      if (!r.path) return { errors: [{ text: `WebAssembly file could not be located: ${args.path}` }] };
      const bytes = readFileSync(r.path);
      const name = `wasm_${createHash("sha1").update(bytes).digest("hex")}`;
      wasmBindings[name] ??= await WebAssembly.compile(bytes);
      return { path: name, namespace: "vercel-wasm" };
    });
    b.onLoad({ filter: /.*/, namespace: "vercel-wasm" }, (args) => ({ loader: "js", contents: `export default globalThis[${JSON.stringify(args.path)}];` }));
  },
};
const NODE_COMPAT = {
  async_hooks: { AsyncLocalStorage: asyncHooks.AsyncLocalStorage, AsyncResource: asyncHooks.AsyncResource },
  buffer: { Buffer: buffer.Buffer },
  events: { EventEmitter: events.EventEmitter },
};
const compatBindings = {};
const compatPlugin = {
  name: "vercel-node-compat",
  setup(b) {
    b.onResolve({ filter: /^(node:)?(async_hooks|buffer|events)$/ }, (args) => ({ path: args.path.replace(/^node:/, ""), namespace: "vercel-node-compat" }));
    b.onLoad({ filter: /.*/, namespace: "vercel-node-compat" }, (args) => {
      const name = `__vc_node_${args.path}__`;
      compatBindings[name] = NODE_COMPAT[args.path];
      return { loader: "js", contents: `module.exports = globalThis.${name};` };
    });
  },
};

const result = await esbuild.build({
  absWorkingDir: dir, entryPoints: [entry], bundle: true, write: false, metafile: true,
  platform: "browser", conditions: ["edge-light", "development"], format: "cjs", target: "es2022",
  legalComments: "none", logLevel: "silent", plugins: [wasmPlugin, compatPlugin],
});
const used = Object.keys(result.metafile.inputs).filter((p) => /node_modules\/alter-edge\/dist\/index\.[^/]*\.js$/.test(p));
console.log(`vercel-edge bundled ${used.map((p) => relative(join(dir, "node_modules/alter-edge"), join(dir, p))).join(",") || "(no alter-edge entry)"}`);

// The function as Vercel wraps it: the module's default export answers each FetchEvent.
const code = `"use strict";
(() => { ${result.outputFiles[0].text}
})();
const userModule = module.exports;
addEventListener("fetch", (event) => {
  const handler = userModule.default;
  event.respondWith(Promise.resolve().then(() => handler(event.request, { waitUntil: (p) => event.waitUntil(p) })));
});`;

const runtime = new EdgeRuntime({
  initialCode: code,
  codeGeneration: { strings: false, wasm: false },
  extend: (context) => Object.assign(context, { module: {}, process: { env: JSON.parse(process.env.EDGE_ENV ?? "{}") }, ...compatBindings, ...wasmBindings }),
});
const server = await runServer({ runtime, host: "127.0.0.1", port: Number(process.env.PORT ?? 0) });
console.log(`vercel-edge listening on ${server.url.replace(/\/$/, "")}`);

process.on("SIGTERM", async () => {
  const t = Date.now();
  await server.close(); // waits for every waitUntil promise
  console.log(`vercel-edge closed after waitUntil (${Date.now() - t} ms)`);
  process.exit(0);
});
