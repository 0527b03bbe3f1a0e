// JS-typed checks and conversions of `request()` options, before any I/O (protocol-core.md §4.1,
// §4.2). Only what needs JS types is checked here (wrong types, JSON that JSON.stringify would
// silently mangle, string → UTF-8); the protocol rules (URL, path-param names, context limits,
// header rules) live once, in Rust (design rule 1), and run in the engine.

import { AlterSDKError, AlterValueError } from "./errors.js";
import { isPlainObject, typeName } from "./values.js";

const encoder = new TextEncoder();

export { isPlainObject };

function optString(opts, name, { nonEmpty = false } = {}) {
  const v = opts[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new AlterValueError(`${name} must be a string, got ${typeName(v)}`);
  if (nonEmpty && v.length === 0) throw new AlterValueError(`${name} must be a non-empty string`);
  return v;
}

/** A `Record<string, string>` → entries in insertion order. */
function stringRecord(name, v) {
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw new AlterValueError(`${name} must be an object of string values, got ${typeName(v)}`);
  const out = [];
  for (const k of Object.keys(v)) {
    const val = v[k];
    if (typeof val !== "string") {
      throw new AlterValueError(`${name}[${JSON.stringify(k)}] must be a string, got ${typeName(val)}`);
    }
    out.push([k, val]);
  }
  return out;
}

function queryScalar(name, k, val) {
  if (typeof val === "string") return val;
  if (typeof val === "boolean") return val ? "true" : "false";
  if (val === null) return "";
  if (typeof val === "number") {
    if (!Number.isFinite(val)) throw new AlterValueError(`queryParams[${JSON.stringify(k)}] must be a finite number`);
    return String(val);
  }
  if (typeof val === "bigint") return val.toString();
  throw new AlterValueError(`${name}[${JSON.stringify(k)}] must be a string, number, boolean, null or an array of those, got ${typeName(val)}`);
}

/**
 * `queryParams` → [key, value] pairs (§4.4): booleans "true"/"false", null "", numbers as JS
 * prints them, arrays repeat the key. Undefined values are skipped.
 */
function queryPairs(v) {
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw new AlterValueError(`queryParams must be an object, got ${typeName(v)}`);
  const out = [];
  for (const k of Object.keys(v)) {
    const val = v[k];
    if (val === undefined) continue;
    if (Array.isArray(val)) {
      for (const item of val) out.push([k, queryScalar("queryParams", k, item)]);
    } else {
      out.push([k, queryScalar("queryParams", k, val)]);
    }
  }
  return out;
}

/**
 * Serialise `json` the way the wire wants it: compact JSON text. Rejects what JSON.stringify would
 * silently change or cannot do (NaN/Infinity → null, BigInt, cycles, functions, symbols, Map/Set,
 * typed arrays and other non-plain objects without `toJSON`) with AlterValueError (§4.2 step 3).
 */
export function serializeJson(value) {
  const seen = new Set();
  const check = (v, path, depth) => {
    if (depth > 512) throw new AlterValueError("json is nested too deeply");
    switch (typeof v) {
      case "string":
      case "boolean":
        return;
      case "number":
        if (!Number.isFinite(v)) throw new AlterValueError(`json contains a non-finite number at ${path}`);
        return;
      case "bigint":
        throw new AlterValueError(`json contains a BigInt at ${path}`);
      case "function":
      case "symbol":
        throw new AlterValueError(`json contains a ${typeof v} at ${path}`);
      case "undefined":
        return; // dropped from objects, null in arrays: JSON.stringify semantics
      default:
        break;
    }
    if (v === null) return;
    if (typeof v.toJSON === "function") {
      let j;
      try {
        j = v.toJSON();
      } catch {
        throw new AlterValueError(`json: toJSON() threw at ${path}`);
      }
      if (j === v) throw new AlterValueError(`json: toJSON() returned the same object at ${path}`);
      check(j, path, depth + 1);
      return;
    }
    if (seen.has(v)) throw new AlterValueError(`json contains a cycle at ${path}`);
    if (Array.isArray(v)) {
      seen.add(v);
      v.forEach((item, i) => check(item, `${path}[${i}]`, depth + 1));
      seen.delete(v);
      return;
    }
    if (!isPlainObject(v)) {
      throw new AlterValueError(`json contains a non-plain object (${typeName(v)}) at ${path}`);
    }
    seen.add(v);
    for (const k of Object.keys(v)) check(v[k], `${path}.${k}`, depth + 1);
    seen.delete(v);
  };
  if (value === undefined || typeof value === "function" || typeof value === "symbol") {
    throw new AlterValueError(`json must be a JSON value, got ${typeName(value)}`);
  }
  check(value, "$", 0);
  let text;
  try {
    text = JSON.stringify(value);
  } catch {
    throw new AlterValueError("json is not serialisable");
  }
  if (typeof text !== "string") throw new AlterValueError("json is not serialisable");
  return text;
}

function bodyBytes(v) {
  if (typeof v === "string") return encoder.encode(v);
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  throw new AlterValueError(`body must be a string, Uint8Array or ArrayBuffer, got ${typeName(v)}`);
}

/**
 * A URL with no scheme ("api.example.com/x", "//api.example.com/x", "localhost:3000/x") is refused
 * before any I/O with a message that says what to write; the engine checks everything else.
 */
export function checkUrlScheme(url) {
  if (typeof url !== "string" || url === "" || /^[a-z][a-z0-9+.-]*:(?!\d)/i.test(url)) return;
  const rest = url.replace(/^\/\//, "").split(/[?#]/)[0]; // the example shows no query
  const example = rest.startsWith("/") ? "https://api.example.com" + rest : "https://" + rest;
  throw new AlterValueError(
    `url must be an absolute URL with its scheme: add https:// in front (e.g. ${JSON.stringify(example.slice(0, 80))})`,
  );
}

/**
 * Check `request()` arguments and turn them into the plain call object of the engine (without
 * identity, context and caller resolution, done by the client). Throws AlterValueError /
 * AlterSDKError synchronously. Order follows §4.2 steps 1-3.
 */
export function buildCall(method, url, options) {
  if (options !== undefined && options !== null && !isPlainObject(options)) {
    throw new AlterValueError(`request options must be an object, got ${typeName(options)}`);
  }
  // Unknown option names were refused before this (strict.js, design rule 11).
  const o = options ?? {};
  // Step 1: identity-shaped options.
  const userToken = optString(o, "userToken", { nonEmpty: true });
  const appUserId = optString(o, "appUserId", { nonEmpty: true });
  const label = optString(o, "label", { nonEmpty: true });
  const grantId = optString(o, "grantId");
  const provider = optString(o, "provider");
  const account = optString(o, "account");
  const reason = optString(o, "reason");
  const caller = optString(o, "caller");
  if (o.confirmAudit !== undefined && o.confirmAudit !== null && typeof o.confirmAudit !== "boolean") {
    throw new AlterValueError(`confirmAudit must be a boolean, got ${typeName(o.confirmAudit)}`);
  }
  const confirmAudit = o.confirmAudit ?? undefined;
  if (typeof method !== "string") throw new AlterValueError(`method must be a string or HttpMethod, got ${typeName(method)}`);
  if (typeof url !== "string") throw new AlterValueError(`url must be a string, got ${typeName(url)}`);
  if ((label !== undefined || appUserId !== undefined) && provider === undefined) {
    throw new AlterValueError(`${label !== undefined ? "label" : "appUserId"} requires provider`);
  }
  // Step 2: exactly one target; json xor body (AlterSDKError, as the official SDK raises it).
  const hasGrant = grantId !== undefined && grantId !== "";
  const hasProvider = provider !== undefined && provider !== "";
  if (hasGrant === hasProvider) {
    throw new AlterSDKError(
      hasGrant ? "Provide either grantId or provider, not both" : "Provide exactly one of grantId or provider",
      {}, { code: "invalid_argument" },
    );
  }
  // null means "not given" for both, as None does in the official SDK.
  const hasJson = o.json !== undefined && o.json !== null;
  if (hasJson && o.body !== undefined && o.body !== null) {
    throw new AlterSDKError("json and body are mutually exclusive", {}, { code: "invalid_argument" });
  }
  // Step 3: body conversions.
  const call = { method, url };
  if (hasJson) call.json = serializeJson(o.json);
  if (o.body !== undefined && o.body !== null) call.body = bodyBytes(o.body);
  if (hasGrant) call.grantId = grantId;
  if (hasProvider) call.provider = provider;
  if (account !== undefined) call.account = account;
  if (label !== undefined) call.label = label;
  if (appUserId !== undefined) call.appUserId = appUserId;
  if (reason !== undefined) call.reason = reason;
  if (caller !== undefined) call.caller = caller;
  const headers = stringRecord("extraHeaders", o.extraHeaders);
  if (headers) call.headers = headers;
  const query = queryPairs(o.queryParams);
  if (query) call.query = query;
  const pathParams = stringRecord("pathParams", o.pathParams);
  if (pathParams) call.pathParams = pathParams;
  const context = stringRecord("context", o.context);
  // Per-call AbortSignal: stops the vault exchange, a retry backoff and the provider call.
  if (o.signal !== undefined && o.signal !== null) {
    if (typeof AbortSignal === "undefined" || !(o.signal instanceof AbortSignal)) {
      throw new AlterValueError(`signal must be an AbortSignal, got ${typeName(o.signal)}`);
    }
    call.signal = o.signal;
  }
  checkUrlScheme(url);
  return { call, userToken, context, confirmAudit };
}
