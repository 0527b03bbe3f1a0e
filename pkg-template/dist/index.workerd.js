// Cloudflare Workers (workerd, wrangler, miniflare) entry: a .wasm import is a WebAssembly.Module.
import wasmModule from './alter_edge_bg.wasm';
import { initSync } from './alter_edge.js';
import { bindWasm } from './core/wasm.js';

bindWasm(initSync({ module: wasmModule }));

export * from './api.js';
