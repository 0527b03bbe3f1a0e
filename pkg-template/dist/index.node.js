// Node.js entry: compile the module from the file next to this one, synchronously, at import; the
// SDK's own vault calls go over node:http (core/node.js), the provider call over fetch.
import { readFileSync } from 'node:fs';
import { initSync } from './alter_edge.js';
import { nodeVaultTransport } from './core/node.js';
import { bindWasm } from './core/wasm.js';

bindWasm(initSync({ module: readFileSync(new URL('./alter_edge_bg.wasm', import.meta.url)) }), nodeVaultTransport);

export * from './api.js';
