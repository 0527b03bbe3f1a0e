// The instantiated wasm module, handed over by the runtime entry (index.<runtime>.js) once at
// import, and the vault transport that entry chose (in Node: node:http; elsewhere: fetch).

let exports = null;
let vaultTransport = null;
let fillRandom = null;

/**
 * Called by each runtime entry with what `initSync` returned, its vault transport if any, and a
 * way to fill bytes from the OS CSPRNG if it has a cheaper one than Web Crypto's first use.
 */
export function bindWasm(wasmExports, transport = null, random = null) {
  exports = wasmExports;
  vaultTransport = transport;
  fillRandom = random;
}

/** Fills `bytes` from the runtime's CSPRNG. */
export function randomFill(bytes) {
  if (fillRandom !== null) fillRandom(bytes);
  else globalThis.crypto.getRandomValues(bytes);
  return bytes;
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
