// Everything the package exports. Each runtime entry (index.node.js, index.deno.js,
// index.workerd.js) initialises the wasm module, then re-exports this file.
export * from "./errors.js";
export * from "./client.js";
export { RESERVED_TRACE_KEYS, TRACE_METADATA_LIMITS } from "./trace.js";
export { AlterVault } from "./alter-vault.js";
