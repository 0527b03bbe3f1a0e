// Node.js entry: compile the module from the file next to this one, synchronously, at import; the
// SDK's own vault calls go over node:http (core/node.js), the provider call over fetch.
// node:fs comes from process.getBuiltinModule: an ES `import` of node:fs builds its module
// namespace, which loads fs.promises and the stream modules; the CommonJS object loads nothing.
import { initSync } from './alter_edge.js';
import { nodeVaultTransport } from './core/node.js';
import { bindWasm } from './core/wasm.js';

const { readFileSync } = process.getBuiltinModule('node:fs');
// Seeds from node:crypto: Web Crypto's first use loads much more (the first App's cost).
const randomFill = (bytes) => process.getBuiltinModule('node:crypto').randomFillSync(bytes);
bindWasm(initSync({ module: readFileSync(new URL('./alter_edge_bg.wasm', import.meta.url)) }), nodeVaultTransport, randomFill);

export * from './api.js';
