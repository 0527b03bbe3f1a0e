// Runtime features, detected by feature and never by runtime name (design rule 8): environment
// variables, AsyncLocalStorage, random UUIDs. Nothing here throws at import time.

/**
 * Read an environment variable where the runtime has an environment: Deno (only when the `env`
 * permission for that variable is already granted, so no prompt ever appears), else
 * `process.env` (Node, Bun, workerd with nodejs_compat). Returns undefined otherwise.
 */
export function readEnv(name) {
  try {
    const deno = globalThis.Deno;
    if (deno && typeof deno.env?.get === "function") {
      const query = deno.permissions?.querySync;
      if (typeof query === "function") {
        const st = query.call(deno.permissions, { name: "env", variable: name });
        if (!st || st.state !== "granted") return undefined;
      }
      const v = deno.env.get(name);
      return typeof v === "string" ? v : undefined;
    }
    const env = globalThis.process?.env;
    if (env && typeof env === "object") {
      const v = env[name];
      return typeof v === "string" ? v : undefined;
    }
  } catch {
    // No permission or no environment: behave as if unset.
  }
  return undefined;
}

/** A short description of the runtime for the User-Agent (feature-detected). */
export function runtimeTag() {
  try {
    if (globalThis.Deno?.version?.deno) return `deno/${globalThis.Deno.version.deno}`;
    if (globalThis.navigator?.userAgent === "Cloudflare-Workers") return "workerd";
    if (typeof globalThis.EdgeRuntime === "string") return "edge-light";
    if (typeof globalThis.Bun?.version === "string") return `bun/${globalThis.Bun.version}`;
    const node = globalThis.process?.versions?.node;
    if (typeof node === "string") return `node/${node}`;
  } catch {
    // ignore
  }
  return "unknown";
}

/** RFC 4122 v4 UUID from the Web Crypto API (every supported runtime has it). */
export function randomUuid() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---- AsyncLocalStorage ---------------------------------------------------------------------------
// Found synchronously when possible (a global, as workerd offers with nodejs_als, or Node's
// `process.getBuiltinModule`), else by a dynamic import started once; where none exists the trace
// layer falls back to clients scoped to the run.

let alsClass = null;
/** `AsyncResource` from the same module, where the runtime has it (binds a function to a context). */
let resourceClass = null;
let alsLoading = null;
findAlsSync();

function adopt(mod) {
  if (mod && typeof mod.AsyncLocalStorage === "function") {
    alsClass = mod.AsyncLocalStorage;
    if (typeof mod.AsyncResource === "function") resourceClass = mod.AsyncResource;
  }
}

function findAlsSync() {
  try {
    const getBuiltin = globalThis.process?.getBuiltinModule;
    const mod = typeof getBuiltin === "function" ? getBuiltin.call(globalThis.process, "node:async_hooks") : null;
    const global = globalThis.AsyncLocalStorage;
    if (typeof global !== "function") {
      adopt(mod);
    } else {
      alsClass = global;
      // AsyncResource only from the module that provides this very class.
      if (mod && mod.AsyncLocalStorage === global) adopt(mod);
    }
  } catch {
    // not available
  }
}

/** For a runtime entry whose bundler maps a static `node:async_hooks` import only. */
export function provideAsyncHooks(mod) {
  if (!alsClass) {
    try {
      adopt(mod);
    } catch {
      // not usable: behave as without it
    }
  }
}

/** The AsyncLocalStorage class if already known (sync), else null. */
export function asyncLocalStorageSync() {
  return alsClass;
}

/** The AsyncResource class found with AsyncLocalStorage (sync), else null. */
export function asyncResourceSync() {
  return resourceClass;
}

/** Resolves to the AsyncLocalStorage class, or null where the runtime has none. Never rejects. */
export function loadAsyncLocalStorage() {
  if (alsClass) return Promise.resolve(alsClass);
  if (!alsLoading) {
    // A computed specifier keeps bundlers from trying to resolve the Node builtin statically.
    const spec = ["node", "async_hooks"].join(":");
    alsLoading = (async () => {
      try {
        adopt(await import(spec));
      } catch {
        // none
      }
      return alsClass;
    })();
  }
  return alsLoading;
}
