// Bundles the staged package sources (scripts/build.sh step 5: the runtime entries, js/, the glue,
// version.js, laid out as the package's dist/) into the published dist/: one module per runtime
// entry and per adapter, all sharing ONE chunk, `sdk.js`, that holds the JS layer and the glue, so
// `alter-edge`, `alter-edge/express` and `alter-edge/hono` see the same error classes and state.
// The .wasm stays a separate file, imported as each entry does; Node built-ins stay imports.
// Each output file gets a source map (sources point at the repository's files, content included).
//
//   node scripts/bundle.mjs <esbuild package dir> <stage dir> <out dir> <repo root>
//
// esbuild's code splitting makes one chunk per set of entries that share code. Every entry here
// reaches the same modules (every entry also imports ADAPTER_SHARED, the adapters
// import api.js), so there is one chunk; a second one would collide with the fixed chunk name and
// fail the build, and the checks below fail on any other shape.

import { createRequire } from "node:module";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const [esbuildDir, stage, out, repo] = process.argv.slice(2).map((p) => resolve(p));
const esbuild = createRequire(join(esbuildDir, "package.json"))(esbuildDir);

const RUNTIMES = ["node", "deno", "workerd", "edge-light"];
const ADAPTERS = ["express", "hono", "ai"];
// Modules only some adapters reach: every entry imports them, so they join the one chunk.
const ADAPTER_SHARED = ["adapters/http-map.js", "adapters/client-kind.js"];
const CHUNK = "sdk";

// Wrapper entry points (build-time only): each pulls in what the others reach, so that all of
// them share one chunk.
const wrap = join(stage, "..", "entries");
mkdirSync(wrap, { recursive: true });
const entryPoints = {};
for (const r of RUNTIMES) {
  const f = join(wrap, `index.${r}.js`);
  writeFileSync(f, `${ADAPTER_SHARED.map((m) => `import "../dist/${m}";\n`).join("")}export * from "../dist/index.${r}.js";\n`);
  entryPoints[`index.${r}`] = f;
}
for (const a of ADAPTERS) {
  const f = join(wrap, `${a}.js`);
  writeFileSync(f, `import "../dist/api.js";\n${ADAPTER_SHARED.map((m) => `import "../dist/${m}";\n`).join("")}export * from "../dist/adapters/${a}.js";\n`);
  entryPoints[`adapters/${a}`] = f;
}

const result = await esbuild.build({
  entryPoints,
  outdir: out,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "neutral",
  // No syntax lowering: the package supports Node >= 20.19 and current Deno, Bun and workerd.
  target: "esnext",
  chunkNames: CHUNK,
  // Whitespace and syntax only: less to parse at import; names stay (stack traces, Function.name).
  minifyWhitespace: true,
  minifySyntax: true,
  external: ["node:*", "*.wasm", "*.wasm?module"],
  sourcemap: "linked",
  sourcesContent: true,
  legalComments: "none",
  charset: "utf8",
  metafile: true,
  logLevel: "warning",
});

// Shape checks: every entry imports the one chunk and nothing else of ours.
const outputs = result.metafile.outputs;
const js = Object.keys(outputs).filter((f) => f.endsWith(".js"));
const chunk = js.filter((f) => !outputs[f].entryPoint);
if (chunk.length !== 1 || !chunk[0].endsWith(`/${CHUNK}.js`)) throw new Error(`bundle: expected one chunk ${CHUNK}.js, got ${chunk.join(", ")}`);
for (const f of js) {
  for (const imp of outputs[f].imports) {
    const ok = imp.external ? /^node:|\.wasm(\?module)?$/.test(imp.path) : imp.path === chunk[0];
    if (!ok) throw new Error(`bundle: ${f} imports ${imp.path}`);
  }
}

// Nothing heavy at import in Node: an ES import of a built-in builds its namespace (for node:fs
// that loads fs.promises and the streams); the Node entry takes built-ins from
// process.getBuiltinModule when it needs them.
const nodeEntry = js.find((f) => f.endsWith("/index.node.js"));
const builtins = outputs[nodeEntry].imports.filter((i) => i.path.startsWith("node:"));
if (builtins.length) throw new Error(`bundle: the Node entry imports ${builtins.map((i) => i.path).join(", ")} at import`);

// Source maps: the staged copies are build artefacts; point at the files in the repository.
const bindgen = join(repo, "build", "bindgen");
function repoFile(staged) {
  const rel = relative(join(stage), staged).split(sep).join("/");
  if (rel === "alter_edge.js") return join(bindgen, rel);
  if (rel === "version.js") return null; // written by build.sh from Cargo.toml
  if (/^index\.[\w-]+\.js$/.test(rel)) return join(repo, "pkg-template", "dist", rel);
  return join(repo, "js", rel);
}
for (const f of Object.keys(outputs).filter((x) => x.endsWith(".map"))) {
  const file = resolve(f);
  const map = JSON.parse(readFileSync(file, "utf8"));
  map.sources = map.sources.map((s) => {
    const abs = resolve(dirname(file), s);
    if (abs.startsWith(wrap + sep)) return `build/entries/${relative(wrap, abs)}`;
    const real = repoFile(abs);
    return real === null ? "dist/version.js (generated)" : relative(repo, real).split(sep).join("/");
  });
  writeFileSync(file, JSON.stringify(map));
}

const sizes = js.map((f) => `${relative(out, f)} ${outputs[f].bytes}`).join(", ");
console.error(`bundle: ${sizes}`);
