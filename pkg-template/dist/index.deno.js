// Deno entry (Deno >= 2.6): the module comes from a source-phase import, no file read permission.
import source wasmModule from './alter_edge_bg.wasm';
import { initSync } from './alter_edge.js';
import { bindWasm } from './core/wasm.js';

bindWasm(initSync({ module: wasmModule }));

export * from './api.js';
