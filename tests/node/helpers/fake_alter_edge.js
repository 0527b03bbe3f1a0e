// A stand-in for the wasm glue (`alter_edge.js`) that speaks the engine's boundary (src/wasm.rs):
// input JSON and body bytes in a buffer, each answer a JSON step written back to "memory". Used by
// the JS-layer unit tests only. It records every call it receives; a call then sleeps a random
// delay, "sends" the provider call to an echo URL (served by the fetch the loader installs) and
// schedules an audit job per provider attempt, like the real engine. Copied next to the js/
// sources by helpers/js-under-test.mjs.

export const memory = { buffer: new ArrayBuffer(1 << 20) };
const IN = 0;
const OUT = 1 << 19;
const enc = new TextEncoder();
const dec = new TextDecoder();

export const fake = {
  calls: [],
  audits: 0,
  auditsDone: 0,
  maxDelayMs: 0,
  auditDelayMs: 0,
  failWith: null, // a plain error object for the next calls
  instances: [],
  reset() {
    this.calls = [];
    this.audits = 0;
    this.auditsDone = 0;
    this.maxDelayMs = 0;
    this.auditDelayMs = 0;
    this.failWith = null;
  },
};

/** Where the fake provider call goes; the loader's fetch answers it with the echoed call. */
export const ECHO_URL = "https://fake-provider.invalid/echo";

export function ioBuffer() {
  return IN;
}

function readInput(jl, bl) {
  const view = new Uint8Array(memory.buffer);
  const json = JSON.parse(dec.decode(view.subarray(IN, IN + jl)));
  const body = bl > 0 ? view.slice(IN + jl, IN + jl + bl) : undefined;
  return { json, body };
}

function out(step) {
  const bytes = enc.encode(JSON.stringify(step));
  new Uint8Array(memory.buffer).set(bytes, OUT);
  return OUT * 4294967296 + bytes.length;
}

const errorText = (cls, code, message) => JSON.stringify({ class: cls, code, message, status: null, details: {}, fields: {} });

export function isValidKey(key) {
  return key.startsWith("alter_");
}
export function encodeScopeConstraints(scopes) {
  return scopes.join(" ");
}
export function encodeRequestRule() {
  return "rule";
}
export function applyPathParams(url) {
  return url;
}

export class WasmEngine {
  constructor(configJson) {
    const config = JSON.parse(configJson);
    if (typeof config.apiKey !== "string" || !config.apiKey.startsWith("alter_")) {
      throw errorText("AlterSDKError", "invalid_api_key_format", "Invalid API key format");
    }
    this.config = { ...config };
    delete this.config.apiKey;
    this.runs = new Map();
    this.nextId = 0;
    this.lastRetry = null;
    this.auditsScheduled = 0;
    this.auditsDone = 0;
    fake.instances.push(this);
  }

  request(jl, bl) {
    const { json, body } = readInput(jl, bl);
    const id = ++this.nextId;
    if (String(json.url).includes("bad-check")) {
      return out({ id, a: "fail", error: JSON.parse(errorText("AlterValueError", "invalid_argument", "bad url")) });
    }
    const run = { call: { ...json, body }, state: "start" };
    this.runs.set(id, run);
    if (json.getter && json.userToken === undefined) {
      run.state = "token";
      return out({ id, a: "token" });
    }
    return out(this.begin(id, run));
  }

  begin(id, run) {
    const call = run.call;
    delete call.getter;
    fake.calls.push(call);
    this.lastRetry = null;
    run.state = "delay";
    return { id, a: "sleep", ms: fake.maxDelayMs ? Math.random() * fake.maxDelayMs : 0 };
  }

  audit() {
    fake.audits++;
    this.auditsScheduled++;
    const id = ++this.nextId;
    this.runs.set(id, { state: "audit" });
    return { id, a: "sleep", ms: fake.auditDelayMs };
  }

  step(id, kind, detail, status, tl) {
    const run = this.runs.get(id);
    const text = dec.decode(new Uint8Array(memory.buffer).subarray(IN, IN + tl));
    if (!run) return out({ id, a: "fail", error: JSON.parse(errorText("AlterSDKError", "internal_error", "no run")) });
    if (run.state === "token") {
      run.call.userToken = text;
      return out(this.begin(id, run));
    }
    if (run.state === "audit") {
      this.runs.delete(id);
      fake.auditsDone++;
      this.auditsDone++;
      return out({ id, a: "end" });
    }
    if (run.state === "delay") {
      if (fake.failWith) {
        this.runs.delete(id);
        return out({ id, a: "fail", error: fake.failWith, spawn: [this.audit()] });
      }
      run.state = "provider";
      const { userToken, ...echo } = run.call;
      echo.hasUserToken = userToken !== undefined;
      if (echo.body) echo.body = Array.from(echo.body);
      return out({
        id, a: "send", to: "provider", method: "POST", url: ECHO_URL, headers: [["x-echo", JSON.stringify(echo)]],
        ms: 30000, capture: 10000,
      });
    }
    // The provider answered.
    this.runs.delete(id);
    const retryInfo = String(run.call.url).includes("retry")
      ? { total_attempts: 2, successful_attempt: 2, errors: [{ attempt: 1, error: "x", error_type: "T", delay_s: 0.5 }] }
      : null;
    this.lastRetry = retryInfo === null ? null : JSON.stringify(retryInfo);
    const log = String(run.call.url).includes("log") ? [["warn", "a warning from the engine"]] : undefined;
    return out({ id, a: "done", result: { retryInfo: this.lastRetry }, log, spawn: [this.audit()] });
  }

  call() {
    const id = ++this.nextId;
    return out({ id, a: "done", result: { status: 200, headers: [], body: "{}" } });
  }

  forget(id) {
    this.runs.delete(id);
  }

  actorId() {
    return undefined;
  }

  lastRetryInfo() {
    return this.lastRetry ?? undefined;
  }

  lastRateLimit() {
    return undefined;
  }

  baseUrl() {
    return this.config.baseUrl ?? "https://backend.alterauth.com";
  }

  // Plain http only for loopback ports 7700-7799 (the tests of the once-per-process advisory), so
  // other tests' http base URLs log nothing.
  insecureLoopback() {
    return /^http:\/\/127\.0\.0\.1:77\d\d$/.test(String(this.config.baseUrl ?? ""));
  }
}
