// The instantiated wasm module, handed over by the runtime entry (index.<runtime>.js) once at
// import, and the vault transport that entry chose (in Node: node:http; elsewhere: fetch).

let exports = null;
let vaultTransport = null;

/** Called by each runtime entry with what `initSync` returned, and its vault transport if any. */
export function bindWasm(wasmExports, transport = null) {
  exports = wasmExports;
  vaultTransport = transport;
}

/** The module's linear memory (its buffer changes when the memory grows: read it every time). */
export function memory() {
  if (exports === null) throw new Error("alter-edge: the wasm module is not initialised (import the package entry, not its files)");
  return exports.memory;
}

/** The runtime entry's vault transport, or null for fetch. */
export function entryVaultTransport() {
  return vaultTransport;
}
