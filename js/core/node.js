// The vault exchanges in Node (the SDK's own calls: /sdk/token, the audit row, the other vault
// endpoints) over node:http / node:https with one keep-alive Agent per scheme for the process,
// instead of fetch: Node's fetch with an AbortSignal costs several times the CPU of node:http for
// the same exchange (bench/results/analysis.md). The provider call stays on fetch: the caller
// gets a fetch Response. Imported only by the Node entry (the package's `node` export condition).
//
// Taken only when nothing asks for fetch: no `fetch` option, the global fetch still the one Node
// had when this module loaded (a wrapper or mock installed by the app is honoured), no
// NODE_USE_ENV_PROXY, and an http: or https: URL. Outcomes are those of ./fetch.js; the deadline
// and the caller's signal destroy the request, socket included.

import { NULL_BODY } from "./fetch.js";
import { ABORTED, BODY_COMPLETE, NETWORK_ERROR, RECEIVED, TIMED_OUT, errorText } from "./outcome.js";

const nodeFetch = globalThis.fetch;
/** node:http, node:https, node:zlib and one keep-alive Agent per scheme, loaded on first use. */
let mods = null;

function load() {
  if (mods === null) {
    const get = (name) => process.getBuiltinModule(name);
    const http = get("node:http");
    const https = get("node:https");
    // keepAlive like fetch; `timeout` closes a socket idle for 4 s (undici's keepAliveTimeout).
    const opts = { keepAlive: true, timeout: 4000 };
    mods = {
      http, https, zlib: get("node:zlib"),
      httpAgent: new http.Agent(opts), httpsAgent: new https.Agent(opts),
    };
  }
  return mods;
}

/** The exchange over node:http, or null when fetch must carry it. */
export function nodeVaultTransport(step, caller) {
  if (globalThis.fetch !== nodeFetch || typeof process.getBuiltinModule !== "function" || process.env.NODE_USE_ENV_PROXY) return null;
  const url = step.url;
  if (url.startsWith("https:")) return exchange(load().https, mods.httpsAgent, step, caller);
  if (url.startsWith("http:")) return exchange(load().http, mods.httpAgent, step, caller);
  return null;
}

function exchange(mod, agent, step, caller) {
  if (caller && caller.aborted) return Promise.resolve({ kind: ABORTED });
  return new Promise((resolve) => {
    let req = null;
    let settled = false;
    let onAbort = null;
    const timer = setTimeout(() => end({ kind: TIMED_OUT }), step.ms);
    function end(outcome) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (onAbort !== null) caller.removeEventListener("abort", onAbort);
      // An exchange that did not complete stops here, its socket with it.
      if (outcome.kind !== RECEIVED && req !== null) req.destroy();
      resolve(outcome);
    }
    const netError = (err) => end({ kind: NETWORK_ERROR, text: errorText(err), error: err });
    try {
      const headers = nodeHeaders(step.headers);
      const body = step.body ?? null;
      if (body !== null) headers["content-length"] = String(Buffer.byteLength(body));
      if (caller) {
        onAbort = () => end({ kind: ABORTED });
        caller.addEventListener("abort", onAbort, { once: true });
      }
      req = mod.request(step.url, { method: step.method, headers, agent });
      req.on("error", netError);
      req.on("response", (res) => {
        const chunks = [];
        let length = 0;
        res.on("data", (c) => {
          chunks.push(c);
          length += c.length;
        });
        res.on("error", netError);
        res.on("aborted", () => end({ kind: NETWORK_ERROR, text: "response aborted" }));
        res.on("end", () => {
          if (settled) return;
          try {
            const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
            const bytes = decode(res.headers["content-encoding"], step.method, res.statusCode, raw);
            end({
              kind: RECEIVED, detail: BODY_COMPLETE,
              status: res.statusCode, text: headerBlock(res.headers),
              body: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length),
            });
          } catch (err) {
            netError(err);
          }
        });
      });
      if (!settled) req.end(body === null ? undefined : body);
    } catch (err) {
      netError(err);
    }
  });
}

/** Header pairs as a node:http headers object (a repeated name becomes an array). */
function nodeHeaders(pairs) {
  const h = Object.create(null);
  let accept = false;
  for (const [k, v] of pairs) {
    const prev = h[k];
    h[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    if (k.length === 6 && k.toLowerCase() === "accept") accept = true;
  }
  // What fetch would send when none is given.
  if (!accept) h.accept = "*/*";
  return h;
}

/** node:http's headers object (names lower-cased, repeats as arrays) as the engine's block. */
function headerBlock(h) {
  let s = "";
  for (const k in h) {
    const v = h[k];
    if (Array.isArray(v)) for (const x of v) s += k + "\n" + x + "\n";
    else if (v !== undefined) s += k + "\n" + v + "\n";
  }
  return s;
}

/**
 * The body as Node's fetch hands it over: gzip, deflate and br codings removed, last applied first
 * (none is asked for, so a server rarely sends one). A coding list with any other coding in it is
 * left as it came, as fetch leaves it; a body that does not decode fails the exchange.
 */
function decode(coding, method, status, raw) {
  if (coding === undefined || method === "HEAD" || NULL_BODY.has(status) || raw.length === 0) return raw;
  const codings = coding.toLowerCase().split(",").map((c) => c.trim()).filter((c) => c !== "" && c !== "identity");
  if (!codings.every((c) => c === "gzip" || c === "x-gzip" || c === "deflate" || c === "br")) return raw;
  const zlib = mods.zlib;
  let out = raw;
  for (let i = codings.length - 1; i >= 0; i--) {
    const c = codings[i];
    if (c === "br") out = zlib.brotliDecompressSync(out);
    // deflate: zlib-wrapped (CM = 8 in the low nibble of the first byte) or raw, as fetch accepts
    else if (c === "deflate") out = (out[0] & 0x0f) === 8 ? zlib.inflateSync(out) : zlib.inflateRawSync(out);
    else out = zlib.gunzipSync(out, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  }
  return out;
}
