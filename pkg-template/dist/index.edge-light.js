// Vercel Edge Runtime entry ("edge-light": Vercel Edge Functions, Next.js edge routes and
// middleware). Edge compiles no wasm at run time; its bundler turns a `.wasm?module` import into a
// precompiled WebAssembly.Module.
import wasmModule from './alter_edge_bg.wasm?module';
// Vercel's bundler maps only a static node:async_hooks import; without it the SDK would find no
// AsyncLocalStorage here (then a userTokenGetter fails closed and trace binds only its client).
import * as asyncHooks from 'node:async_hooks';
import { initSync } from './alter_edge.js';
import { bindWasm } from './core/wasm.js';
import { provideAsyncHooks } from './runtime.js';

// `vercel dev` / `next dev` (edge-runtime: a Node vm context) hand over a Module compiled in the
// host's realm: the glue's `instanceof WebAssembly.Module` fails on it although WebAssembly.Instance
// accepts it, so it gets this realm's prototype. A same-realm Module (production) is used as is.
const module = wasmModule instanceof WebAssembly.Module
  ? wasmModule
  : Object.setPrototypeOf(wasmModule, WebAssembly.Module.prototype);
bindWasm(initSync({ module }));
provideAsyncHooks(asyncHooks);

export * from './api.js';
