// Node.js entry: compile the module from the file next to this one, synchronously, at import.
import { readFileSync } from 'node:fs';
import { initSync } from './alter_edge.js';

initSync({ module: readFileSync(new URL('./alter_edge_bg.wasm', import.meta.url)) });

export * from './api.js';
