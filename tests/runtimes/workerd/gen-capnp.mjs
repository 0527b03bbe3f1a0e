// Generates a workerd capnp config for Workers that live in a consumer project (an npm project
// with node_modules), without a bundler: it walks the static imports from each entry, resolves
// bare specifiers through package.json "exports" with the Workers conditions (workerd, worker,
// browser, import, default: the order wrangler/esbuild use), and lists every module file. A bare
// specifier becomes an alias module of that exact name re-exporting the resolved file. `.wasm`
// files become `wasm` modules (a WebAssembly.Module on import, as in Cloudflare's runtime).
//
// The `internet` service allows private and local addresses, so a Worker can reach the dev vault
// on 127.0.0.1 (workerd's default only allows public ones; toolchain.md).
//
// Usage (as a module): generateConfig({ root, workers: [{ name, entry, port, compatibilityFlags,
//   bindings: {NAME: "text"} }], compatibilityDate }) → capnp text (write it into `root`).

import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, posix, relative, resolve, sep } from "node:path";

const CONDITIONS = ["workerd", "worker", "browser", "import", "default"];
const STATIC_IMPORT = /(?:^|[\s;})])(?:import|export)\s*(?:[\w*{}\s,$]*?\s*from\s*)?["']([^"']+)["']/g;
const DYNAMIC_IMPORT = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/**
 * Source with comments blanked out, scanning strings and template literals so that a `/*` or
 * `//` inside one (or a `/*` inside a line comment) is not taken for a comment. Regex literals
 * are not recognised; module import sections never need them.
 */
function stripComments(src) {
  let out = "";
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    const d = src[i + 1];
    if (c === "/" && d === "/") {
      while (i < n && src[i] !== "\n") i++;
    } else if (c === "/" && d === "*") {
      const end = src.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
      out += " ";
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < n && src[j] !== c) {
        if (src[j] === "\\") j++;
        else if (c !== "`" && src[j] === "\n") break;
        j++;
      }
      out += src.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Specifiers a module source imports statically (and by literal dynamic import). */
export function importsOf(src) {
  const s = stripComments(src);
  const out = new Set();
  for (const re of [STATIC_IMPORT, DYNAMIC_IMPORT]) {
    re.lastIndex = 0;
    let m;
    while ((m = re.exec(s))) out.add(m[1]);
  }
  return [...out];
}

function pickConditional(target) {
  if (typeof target === "string") return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const r = pickConditional(t);
      if (r) return r;
    }
    return null;
  }
  if (target && typeof target === "object") {
    for (const k of Object.keys(target)) {
      if (CONDITIONS.includes(k)) {
        const r = pickConditional(target[k]);
        if (r) return r;
      }
    }
  }
  return null;
}

/** Resolve `subpath` ("." or "./x") against a package.json `exports` field. */
function resolveExports(exportsField, subpath) {
  if (typeof exportsField === "string" || Array.isArray(exportsField)) return subpath === "." ? pickConditional(exportsField) : null;
  if (!exportsField || typeof exportsField !== "object") return null;
  const keys = Object.keys(exportsField);
  if (!keys.some((k) => k.startsWith("."))) return subpath === "." ? pickConditional(exportsField) : null;
  if (subpath in exportsField) return pickConditional(exportsField[subpath]);
  for (const k of keys) {
    const star = k.indexOf("*");
    if (star < 0) continue;
    const pre = k.slice(0, star);
    const post = k.slice(star + 1);
    if (subpath.startsWith(pre) && subpath.endsWith(post) && subpath.length >= pre.length + post.length) {
      const mid = subpath.slice(pre.length, subpath.length - post.length);
      const t = pickConditional(exportsField[k]);
      if (t) return t.split("*").join(mid);
    }
  }
  return null;
}

function packageDir(fromDir, name, root) {
  for (let d = fromDir; ; d = dirname(d)) {
    const cand = join(d, "node_modules", name);
    if (existsSync(join(cand, "package.json"))) return cand;
    if (d === root || dirname(d) === d) break;
  }
  const cand = join(root, "node_modules", name);
  return existsSync(join(cand, "package.json")) ? cand : null;
}

function resolveBare(spec, fromFile, root) {
  const parts = spec.split("/");
  const name = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  const sub = spec.slice(name.length);
  const dir = packageDir(dirname(fromFile), name, root);
  if (!dir) throw new Error(`cannot resolve ${spec} from ${relative(root, fromFile)}`);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  let target = null;
  if (pkg.exports !== undefined) target = resolveExports(pkg.exports, sub ? `.${sub}` : ".");
  else target = sub ? `.${sub}` : pkg.module ?? pkg.main ?? "./index.js";
  if (!target) throw new Error(`${spec}: no export for the Workers conditions`);
  return resolveFile(resolve(dir, target));
}

function resolveFile(p) {
  if (existsSync(p) && statSync(p).isFile()) return p;
  for (const ext of [".js", ".mjs", "/index.js"]) if (existsSync(p + ext)) return p + ext;
  throw new Error(`missing file ${p}`);
}

const isBuiltin = (s) => s.startsWith("node:") || s.startsWith("cloudflare:") || s.startsWith("workerd:");

/** name → file for every module reachable from `entry` (a path inside root). */
export function collectModules(root, entry) {
  const files = new Map(); // module name (path relative to root, '/'-separated) → abs file
  const aliases = new Map(); // bare specifier → module name of the file
  const queue = [resolve(root, entry)];
  const nameOf = (abs) => relative(root, abs).split(sep).join("/");
  while (queue.length) {
    const file = queue.shift();
    const name = nameOf(file);
    if (files.has(name)) continue;
    files.set(name, file);
    if (file.endsWith(".wasm")) continue;
    for (const spec of importsOf(readFileSync(file, "utf8"))) {
      if (isBuiltin(spec)) continue;
      let target;
      if (spec.startsWith("./") || spec.startsWith("../") || spec.startsWith("/")) {
        target = resolveFile(resolve(dirname(file), spec));
      } else {
        target = resolveBare(spec, file, root);
        // workerd resolves a bare specifier like a relative path from the importing module's
        // directory ("hono" imported by "src/index.js" is the module "src/hono").
        aliases.set(posix.join(posix.dirname(name), spec), nameOf(target));
      }
      queue.push(target);
    }
  }
  return { files, aliases };
}

function capnpString(s) {
  return JSON.stringify(s);
}

function hasDefaultExport(src) {
  return /export\s+default\b|\bas\s+default\b/.test(stripComments(src));
}

/** The capnp text. Alias modules (bare specifiers) are inline sources (`esModule = "<text>"`). */
export function generateConfig({ root, workers, compatibilityDate = "2026-11-01" }) {
  const out = ['using Workerd = import "/workerd/workerd.capnp";', "", "const config :Workerd.Config = ("];
  const services = workers.map((w, i) => `    (name = ${capnpString(w.name)}, worker = .worker${i})`);
  services.push('    (name = "internet", network = (allow = ["public", "private", "local"], tlsOptions = (trustBrowserCas = true)))');
  out.push("  services = [", services.join(",\n"), "  ],");
  out.push("  sockets = [");
  out.push(workers.map((w) => `    (name = ${capnpString(w.name)}, address = ${capnpString(`127.0.0.1:${w.port}`)}, http = (), service = ${capnpString(w.name)})`).join(",\n"));
  out.push("  ],", ");", "");
  workers.forEach((w, i) => {
    const { files, aliases } = collectModules(root, w.entry);
    const mods = [];
    for (const [name, file] of files) {
      const rel = relative(root, file).split(sep).join("/");
      mods.push(`    (name = ${capnpString(name)}, ${file.endsWith(".wasm") ? "wasm" : "esModule"} = embed ${capnpString(rel)})`);
    }
    for (const [spec, name] of aliases) {
      const target = `/${name}`;
      let src = `export * from ${JSON.stringify(target)};`;
      if (hasDefaultExport(readFileSync(files.get(name), "utf8"))) src += ` export { default } from ${JSON.stringify(target)};`;
      mods.push(`    (name = ${capnpString(spec)}, esModule = ${capnpString(src)})`);
    }
    const bindings = Object.entries(w.bindings ?? {}).map(([k, v]) => `    (name = ${capnpString(k)}, text = ${capnpString(v)})`);
    out.push(`const worker${i} :Workerd.Worker = (`);
    out.push("  modules = [", mods.join(",\n"), "  ],");
    out.push(`  compatibilityDate = ${capnpString(w.compatibilityDate ?? compatibilityDate)},`);
    out.push(`  compatibilityFlags = [${(w.compatibilityFlags ?? []).map(capnpString).join(", ")}],`);
    out.push("  bindings = [", bindings.join(",\n"), "  ],");
    out.push(");", "");
  });
  return out.join("\n");
}
