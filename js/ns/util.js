// Shared plumbing of the namespaces: the signed vault call through the engine (which signs, sends,
// retries and maps non-2xx answers to the Alter error classes), argument checks, and the client
// internals handed over by client.js (`installApi`).
//
// Choice recorded for the report: request/response shapes of these endpoints are built in JS (here
// and in the sibling modules), not in protocol/. Signing, error mapping, key grammar, the
// constraint headers and URL templating stay in Rust and are reached through the engine.

import { AlterSDKError, AlterValueError, BackendError } from "../errors.js";
import { canonicalUuidOf, isPlainObject, typeName } from "../values.js";
import { activeTraceparent } from "../otel.js";
import { checkOptionKeys } from "../strict.js";
import { currentTraceContext } from "../trace.js";

const encoder = new TextEncoder();

/** Filled once by install.js with what client.js keeps private. */
export const internals = {
  STATE: null,
  RUN: null,
  resolveUserToken: null,
  wrapInternal: (e) => e,
  closedError: () => new AlterSDKError("SDK instance has been closed.", {}, { code: "client_closed" }),
  App: null,
  Agent: null,
};

/** True for an Agent (also a trace-scoped view of one). */
export function isAgent(client) {
  return internals.Agent !== null && client instanceof internals.Agent;
}

export function stateOf(client) {
  const st = client && internals.STATE ? client[internals.STATE] : undefined;
  if (!st) throw new AlterSDKError("not an App or Agent instance", {}, { code: "invalid_argument" });
  return st;
}

export { isPlainObject, typeName };

/**
 * Options object (undefined/null → {}), else AlterValueError. A `signal` in it must be an
 * AbortSignal (checked here, before any I/O, for every method that takes options).
 */
export function optionsOf(what, options) {
  if (options === undefined || options === null) return {};
  if (!isPlainObject(options)) throw new AlterValueError(`${what}: options must be an object, got ${typeName(options)}`);
  checkOptionKeys(what, options); // unknown names name the right one (strict.js)
  const signal = options.signal;
  if (signal !== undefined && signal !== null && (typeof AbortSignal === "undefined" || !(signal instanceof AbortSignal))) {
    throw new AlterValueError(`${what}: signal must be an AbortSignal, got ${typeName(signal)}`);
  }
  return options;
}

/** The per-call AbortSignal of checked options, if any. */
export function signalOf(o) {
  return o.signal ?? undefined;
}

export function reqString(what, v) {
  if (typeof v !== "string" || v.trim() === "") throw new AlterValueError(`${what} must be a non-empty string`);
  return v;
}

export function optString(what, v) {
  if (v === undefined || v === null) return undefined;
  return reqString(what, v);
}

export function optBool(what, v) {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw new AlterValueError(`${what} must be a boolean, got ${typeName(v)}`);
  return v;
}

/** Integer (not boolean) within [min, max]; undefined/null → dflt. */
export function intIn(what, v, min, max, dflt) {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new AlterValueError(`${what} must be an integer in ${min}..${max === Infinity ? "∞" : max}, got ${typeof v === "number" ? v : typeName(v)}`);
  }
  return v;
}

export function stringList(what, v, { nonEmpty = true } = {}) {
  if (!Array.isArray(v) || (nonEmpty && v.length === 0)) throw new AlterValueError(`${what} must be a non-empty array of strings`);
  for (const s of v) if (typeof s !== "string" || s.trim() === "") throw new AlterValueError(`${what} entries must be non-empty strings`);
  return [...v];
}

/** api-surface §2.0: ids that must be a canonical hyphenated UUID (case-insensitive) → lowercase. */
export function canonicalUuid(what, v) {
  const id = canonicalUuidOf(v);
  if (id === null) throw new AlterValueError(`${what} must be a canonical UUID (8-4-4-4-12 hex)`);
  return id;
}

/** A path segment percent-encoded with no safe characters. */
export function seg(v) {
  return encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Ambient audit context of the caller (explicit `context` wins), as pairs for the core. */
export function contextPairs(client, explicit) {
  if (explicit !== undefined && explicit !== null) {
    if (!isPlainObject(explicit)) throw new AlterValueError("context must be an object of string values");
    const out = [];
    for (const k of Object.keys(explicit)) {
      if (typeof explicit[k] !== "string") throw new AlterValueError(`context[${JSON.stringify(k)}] must be a string`);
      out.push([k, explicit[k]]);
    }
    return out;
  }
  const ambient = currentTraceContext() ?? (internals.RUN ? client[internals.RUN] : undefined);
  return ambient && ambient.size ? [...ambient] : undefined;
}

/** The end user's token: explicit wins, else (when `useGetter`) the client's getter; fails closed. */
export async function userTokenFor(client, explicit, useGetter) {
  if (explicit !== undefined && explicit !== null) {
    if (typeof explicit !== "string" || explicit === "") throw new AlterValueError("userToken must be a non-empty string");
    return explicit;
  }
  const st = stateOf(client);
  if (useGetter && st.getter) return internals.resolveUserToken(st.getter);
  return undefined;
}

/**
 * One signed backend call: `{status, headers, json}` for 2xx; rejects with the mapped Alter error.
 * `opts`: mapper ("canonical" | "agents" | "proxy"), actorHeaders, context (pairs), caller,
 * extraHeaders (pairs), timeoutMs, signal (an AbortSignal: it stops the exchange and any retry
 * wait, and the call rejects with its `reason`, unchanged).
 */
export async function backendCall(client, method, path, body, opts = {}) {
  const st = stateOf(client);
  if (st.closed) throw internals.closedError();
  const signal = opts.signal ?? undefined;
  if (signal && signal.aborted) throw signal.reason;
  const input = { method, path, mapper: opts.mapper ?? "canonical" };
  if (opts.actorHeaders === false) input.actorHeaders = false;
  if (opts.context && opts.context.length) input.context = opts.context;
  if (opts.caller !== undefined) input.caller = opts.caller;
  if (opts.extraHeaders && opts.extraHeaders.length) input.extraHeaders = opts.extraHeaders;
  if (opts.timeoutMs !== undefined) input.timeoutMs = opts.timeoutMs;
  if (st.constraints) Object.assign(input, st.constraints);
  const tp = activeTraceparent();
  if (tp) input.traceparent = tp;
  const text = body === undefined || body === null ? undefined : encoder.encode(JSON.stringify(body));
  let out;
  try {
    const ctx = { fetch: st.fetch, signal, emit: st.emit };
    if (st.debug) ctx.describe = { kind: "vault", method, url: path };
    out = await st.core.call(input, text, ctx);
  } catch (e) {
    // The caller's own AbortSignal: its reason passes through unchanged.
    if (signal && signal.aborted && e === signal.reason) throw e;
    throw internals.wrapInternal(e);
  }
  const reply = out.result;
  let json = {};
  const raw = typeof reply?.body === "string" ? reply.body : "";
  if (raw.trim() !== "") {
    try {
      json = JSON.parse(raw);
    } catch {
      throw new BackendError(`Backend returned a non-JSON body for ${method} ${path.split("?")[0]}`, { status_code: reply.status }, { code: "malformed_response", status: reply.status });
    }
  }
  return { status: reply.status, headers: reply.headers ?? [], json };
}

/** A malformed 2xx body (api-surface §4: required fields) → BackendError. */
export function malformed(what) {
  return new BackendError(`Backend returned a malformed ${what} response`, {}, { code: "malformed_response" });
}

/** Waits `ms`; with a signal, rejects with its reason as soon as it fires (the driver's sleep). */
export { sleep } from "../core/driver.js";
