// The JS face of the wasm engine: one crossing per engine call. A call's input goes into a buffer
// in wasm memory as JSON text (plus any body bytes) and the engine's answer comes back the same
// way (see src/wasm.rs): no glue allocation or string conversion per call.

import {
  WasmEngine, applyPathParams as wasmApplyPathParams, encodeRequestRule as wasmEncodeRequestRule,
  encodeScopeConstraints as wasmEncodeScopeConstraints, ioBuffer, isValidKey as wasmIsValidKey,
} from "../alter_edge.js";
import { createAlterError } from "../errors.js";
import { memory, randomFill } from "./wasm.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const TWO_32 = 4294967296;
/** Seed length for the engine's nonce source (src/rng.rs). */
const SEED_LEN = 32;

let inPtr = 0;
let inCap = 0;

/** JS↔wasm crossings (engine calls), for the benchmarks' diagnostics. */
export const crossings = { count: 0 };

/** Writes a plain text and `body` (bytes or undefined) to the input buffer. */
function writeRaw(text, body) {
  const bodyLen = body === undefined || body === null ? 0 : body.length;
  const need = text.length * 3 + bodyLen;
  if (need > inCap) {
    const cap = Math.max(need, 16384);
    crossings.count++;
    inPtr = ioBuffer(cap);
    inCap = cap;
  }
  const mem = new Uint8Array(memory().buffer, inPtr, inCap);
  const { written } = text.length === 0 ? { written: 0 } : encoder.encodeInto(text, mem);
  if (bodyLen > 0) mem.set(body, written);
  return [written, bodyLen];
}

/** Writes `json` (an object, as JSON text) and `body` to the input buffer. */
function writeInput(json, body) {
  return writeRaw(JSON.stringify(json), body);
}

/** The engine's answer: `ptr · 2^32 + len` of a JSON text in wasm memory. */
function readOutput(where) {
  const ptr = Math.floor(where / TWO_32);
  const len = where - ptr * TWO_32;
  return JSON.parse(decoder.decode(new Uint8Array(memory().buffer, ptr, len)));
}

/** A random seed from the runtime's CSPRNG. */
function seed() {
  return randomFill(new Uint8Array(SEED_LEN));
}

/** Thrown by the engine's constructor and free functions: the JSON text of an Alter error. */
export function fromEngineError(e) {
  if (typeof e === "string") return createAlterError(e);
  return e;
}

export class Engine {
  /** `config`: apiKey, baseUrl, timeoutMs, caller, callerType, userAgent, maxRetries, agent. */
  constructor(config) {
    try {
      this.wasm = new WasmEngine(JSON.stringify(config), seed());
    } catch (e) {
      throw fromEngineError(e);
    }
  }

  request(input, body) {
    const [j, b] = writeInput(input, body);
    crossings.count++;
    return readOutput(this.wasm.request(j, b, Date.now()));
  }

  call(input, body) {
    const [j, b] = writeInput(input, body);
    crossings.count++;
    return readOutput(this.wasm.call(j, b, Date.now()));
  }

  /**
   * Reports outcome `kind` of call `id` (./outcome.js): `text` is the header block of a received
   * answer, the user token or an error text; `body` the bytes read.
   */
  step(id, kind, detail = 0, status = 0, text = "", body = undefined) {
    const [t, b] = writeRaw(text, body);
    crossings.count++;
    return readOutput(this.wasm.step(id, kind, detail, status, t, b, Date.now()));
  }

  forget(id) {
    crossings.count++;
    this.wasm.forget(id);
  }
}

/** Calls a free function of the wasm module, turning its thrown JSON text into an Alter error. */
function checked(fn) {
  try {
    return fn();
  } catch (e) {
    throw fromEngineError(e);
  }
}

/** The client-side key grammar of api-surface §1.1; false for anything that is not a string. */
export function isValidKey(key) {
  return typeof key === "string" && wasmIsValidKey(key) === true;
}

/** The `X-Alter-Scope-Constraints` value (§1.9). */
export function encodeScopeConstraints(scopes) {
  return checked(() => wasmEncodeScopeConstraints(scopes));
}

/** The `X-Alter-Request-Rule` value (§1.9) of a rule whose body is JSON text. */
export function encodeRequestRule(ruleType, ruleBodyJson) {
  return checked(() => wasmEncodeRequestRule(ruleType, ruleBodyJson));
}

/** `url` with its `{name}` placeholders filled from `pairs` and percent-encoded (§4.3). */
export function applyPathParams(url, pairs) {
  return checked(() => wasmApplyPathParams(url, JSON.stringify(pairs)));
}
