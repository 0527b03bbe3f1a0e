// The wasm core's I/O, one call per HTTP exchange (imported by src/js.rs as a wasm-bindgen
// snippet; not part of the public API).
//
// Why in JS: every JS↔wasm crossing costs, and an exchange driven from Rust took ~100 of them
// (RequestInit fields, one Array per header, a header iterator, body reads, timers, signals). Here
// the core passes one header block and gets one back; the timer, the AbortController and the body
// read stay on this side. The protocol decisions stay in Rust: which headers, which body, how long,
// what the answer means. Nothing here throws: every outcome is a resolved array (see `exchange`).

/** Header block separator: header names and values can never contain a line feed. */
const SEP = "\n";

/** Outcome kinds (first element of the result array); mirrored in src/transport.rs. */
const OK = 0;
const TIMEOUT = 1;
const ABORTED = 2;
const NETWORK = 3;

/** Exchange modes; mirrored in src/transport.rs. */
const MODE_BACKEND = 0;

/** Statuses whose responses carry no body (a Response cannot be built with one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * The header block as fetch `headers`: a plain object (Node's fetch builds a Request from one
 * faster than from pairs), or pairs when a name repeats exactly (an object would keep only one).
 */
function headerInit(block) {
  const obj = {};
  // Scanned with indexOf instead of split: no array of parts (about a third faster).
  const n = block.length;
  let i = 0;
  while (i < n) {
    const a = block.indexOf(SEP, i);
    const b = a < 0 ? -1 : block.indexOf(SEP, a + 1);
    if (b < 0) break;
    const k = block.slice(i, a);
    const c = k.charCodeAt(0);
    // Pairs instead for a repeated name, a name an object would not keep in place (integer-like
    // keys go first: any name starting with a digit, to keep the test cheap) and "__proto__"; an
    // inherited name ("constructor") also takes this path, harmlessly.
    if ((c >= 48 && c <= 57) || obj[k] !== undefined || k === "__proto__") return pairs(block.split(SEP));
    obj[k] = block.slice(a + 1, b);
    i = b + 1;
  }
  return obj;
}

function pairs(parts) {
  const out = [];
  for (let i = 0; i + 1 < parts.length; i += 2) out.push([parts[i], parts[i + 1]]);
  return out;
}

function headerBlock(headers) {
  let s = "";
  for (const [k, v] of headers) s += k + SEP + v + SEP;
  return s;
}

/** `err.message` plus `err.cause.message`/`code` (undici puts the reason there), ≤ 300 chars. */
function errorText(err) {
  let text = "";
  try {
    if (err !== null && typeof err === "object") {
      if (typeof err.message === "string") text = err.message;
      const cause = err.cause;
      if (cause !== null && typeof cause === "object") {
        const m = typeof cause.message === "string" && cause.message ? cause.message
          : typeof cause.code === "string" ? cause.code : "";
        if (m) text = text ? `${text} (${m})` : m;
      }
    } else if (typeof err === "string") {
      text = err;
    }
  } catch {
    // a hostile error object: no text
  }
  if (!text) text = "fetch failed";
  return text.length > 300 ? text.slice(0, 300) : text;
}

/**
 * The body length as the response declares it (0 for HEAD and null-body statuses), or -1 when it
 * is not known in advance (no or bad Content-Length, or a content coding: the decoded length is
 * then unknown).
 */
function declaredLength(response, method, status) {
  if (method === "HEAD" || NULL_BODY.has(status)) return 0;
  const h = response.headers;
  const enc = h.get("content-encoding");
  if (enc !== null && enc.trim().toLowerCase() !== "identity") return -1;
  const cl = h.get("content-length");
  if (cl === null || !/^\s*\d+\s*$/.test(cl)) return -1;
  return Number(cl);
}

/**
 * A Response equal to `original` (status, statusText, headers, body, url, type, redirected) around
 * body bytes already read. `url` is the caller-visible URL (`shadowUrl` when the credential was
 * injected into the query, else the original's).
 */
function rebuild(original, bytes, shadowUrl) {
  const status = original.status;
  const body = NULL_BODY.has(status) ? null : bytes;
  let r;
  try {
    r = new Response(body, { status, statusText: original.statusText, headers: original.headers });
  } catch {
    // A status text the runtime returned but will not take back: the rest is kept (the status is
    // in 200..=599, checked before the body was read).
    r = new Response(body, { status, headers: original.headers });
  }
  const props = {
    url: { value: shadowUrl || original.url, enumerable: false, configurable: false, writable: false },
  };
  if (r.type !== original.type) props.type = { value: original.type, enumerable: false };
  if (r.redirected !== original.redirected) props.redirected = { value: original.redirected, enumerable: false };
  Object.defineProperties(r, props);
  return r;
}

/**
 * Reads a body the caller does not see (a clone) for the audit row: at most `limit + 1` bytes kept
 * and the total counted, giving up after `ms` (a streamed response must not hold the audit, and
 * close(), forever; the reader is then cancelled). Resolves to [bytes, total] or null.
 */
export function capture(response, limit, ms) {
  const body = response.body;
  if (body === null || body === undefined) return Promise.resolve([new Uint8Array(0), 0]);
  let reader;
  try {
    reader = body.getReader();
  } catch {
    return Promise.resolve(null);
  }
  const keep = limit + 1;
  const chunks = [];
  let kept = 0;
  let total = 0;
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const pump = async () => {
    for (;;) {
      const next = await Promise.race([reader.read(), late]);
      if (next === false) return false;
      if (next.done) return true;
      const value = next.value;
      if (!(value instanceof Uint8Array)) return false;
      if (kept < keep) {
        const part = value.subarray(0, Math.min(value.length, keep - kept));
        chunks.push(part);
        kept += part.length;
      }
      total += value.length;
    }
  };
  return pump().then(
    (complete) => {
      clearTimeout(timer);
      if (complete) return [concat(chunks, kept), total];
      cancel(reader);
      return null;
    },
    () => {
      clearTimeout(timer);
      cancel(reader);
      return null;
    },
  );
}

function cancel(reader) {
  // Not awaited: a tee branch's cancel settles only once the other branch is cancelled too.
  try {
    reader.cancel().catch(() => {});
  } catch {
    // already released
  }
}

function concat(chunks, length) {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * One HTTP exchange: `fetch(url, {method, headers, body, redirect: "manual", signal})` with a
 * timer that really aborts it and the caller's AbortSignal, if any. A backend exchange in Node
 * with no `fetchFn` may take node:http instead (`nodeTransport`, below), with the same outcomes.
 *
 * - `headers`: "name\nvalue\n…" in order; the body: none (`bodyKind` 0), `bodyText` (1) or
 *   `bodyBytes` (2, a view into wasm memory, copied here);
 * - mode 0 (backend): the body is read under the timer. Resolves to
 *   `[0, status, headerBlock, bodyBytes]`.
 * - mode 1 (provider): resolves to `[0, status, headerBlock, response, bytesOrNull, captureOrNull]`.
 *   A body of declared length within `captureLimit` is read here under the timer, and the
 *   Response handed back is rebuilt around those bytes (no tee: the audit row and the caller
 *   share one read); a body declared larger is not read at all (the audit row only needs its
 *   length); any other body is captured from a clone (`capture`, a promise) while the caller reads
 *   the original. Otherwise the timer ends with the response head, so it cannot cut the caller's
 *   body read. `shadowUrl` (non-empty) replaces `response.url` (a credential injected in the
 *   query must not be readable there).
 * - failures: `[1]` our timer fired, `[2, reason]` the caller's signal fired, `[3, text]` anything
 *   else (the runtime's message, which the core decides whether to show).
 */
export function exchange(fetchFn, url, method, headers, bodyKind, bodyText, bodyBytes, timeoutMs, signal, mode, captureLimit, shadowUrl) {
  if (mode === MODE_BACKEND && !fetchFn) {
    const node = nodeTransport(url);
    if (node !== null) return node(url, method, headers, bodyKind, bodyText, bodyBytes, timeoutMs, signal ?? null);
  }
  const init = { method, headers: headerInit(headers), redirect: "manual" };
  if (bodyKind === 1) init.body = bodyText;
  else if (bodyKind === 2) init.body = bodyBytes.slice();
  const caller = signal ?? null;
  // An AbortController of its own for each exchange in flight (reused afterwards in Node, see
  // ownDeadline). Sharing one between concurrent exchanges was measured and dropped: Node's fetch
  // adds an abort listener per request to the signal it is given and only removes it when the
  // request is garbage-collected.
  const deadline = ownDeadline(timeoutMs);
  // Only the runtime's own fetch, which keeps nothing of the signal once the body is read, and
  // no caller signal (the signal fetch gets is then a composite) may hand the controller back.
  const reusable = caller === null && !fetchFn;
  init.signal = caller === null ? deadline.signal : anySignal(deadline.controller, caller);
  const fail = (err) => {
    deadline.done();
    if (caller !== null && caller.aborted) return [ABORTED, caller.reason];
    if (deadline.expired()) return [TIMEOUT];
    return [NETWORK, errorText(err)];
  };
  let pending;
  try {
    pending = fetchFn ? fetchFn(url, init) : fetch(url, init);
  } catch (err) {
    return Promise.resolve(fail(err));
  }
  return Promise.resolve(pending).then((response) => {
    // Anything unexpected past this point (a custom fetch's odd Response, a url that cannot be
    // shadowed) fails the exchange closed, with the timer cleared.
    try {
      if (response === null || typeof response !== "object" || typeof response.status !== "number" || !response.headers) {
        deadline.done();
        return [NETWORK, "fetch did not return a Response"];
      }
      const status = response.status;
      const block = headerBlock(response.headers);
      if (mode === MODE_BACKEND) {
        return response.arrayBuffer().then((buf) => {
          if (reusable) deadline.release();
          else deadline.done();
          return [OK, status, block, new Uint8Array(buf)];
        }, fail);
      }
      const declared = declaredLength(response, method, status);
      // (200..=599: what a Response can be built with; a fetch result never has less but 0.)
      if (declared >= 0 && declared <= captureLimit && status >= 200 && status <= 599) {
        return response.arrayBuffer().then((buf) => {
          // The caller gets a Response rebuilt around these bytes: nothing reads the original.
          if (reusable) deadline.release();
          else deadline.done();
          const bytes = new Uint8Array(buf);
          return [OK, status, block, rebuild(response, bytes, shadowUrl), bytes, null];
        }, fail);
      }
      // Past this point the timer must not cut the caller's own body read.
      deadline.done();
      let cap = null;
      if (declared < 0) {
        try {
          cap = capture(response.clone(), captureLimit, timeoutMs);
        } catch {
          cap = Promise.resolve(null);
        }
      }
      if (shadowUrl) {
        Object.defineProperty(response, "url", { value: shadowUrl, enumerable: false, configurable: false, writable: false });
      }
      return [OK, status, block, response, null, cap];
    } catch (err) {
      return fail(err);
    }
  }, fail);
}

/*
 * The backend exchanges in Node (the SDK's own calls to the vault: /sdk/token, the audit row, the
 * other vault endpoints) go over node:http / node:https with one keep-alive Agent per scheme for the
 * process, not over fetch. Measured on this project's machines (2 cores, Node 20, loopback): a
 * POST exchange costs about 40 µs of CPU over node:http at concurrency 16 and about 380 µs over
 * fetch with its AbortSignal (c=1: ~120 against ~530 µs); a request() makes two of them. The
 * provider call stays on fetch: the caller gets a fetch Response.
 *
 * Taken only when nothing asks for fetch: Node itself (not Deno, Bun or workerd, whose `process`
 * is a compatibility layer), no `fetch` option, the global fetch still Node's own (a wrapper or
 * mock installed by the app is honoured), no undici global dispatcher other than the one Node's
 * fetch made itself (a ProxyAgent or MockAgent is honoured), no NODE_USE_ENV_PROXY, and an http:
 * or https: URL. The outcome arrays are those of `exchange`; the deadline destroys the request
 * (socket included), and so does the caller's signal.
 */
let NODE = undefined;
let seenFetch = null;
let seenFetchIsNode = false;
let firstDispatcher = undefined;
const DISPATCHER = Symbol.for("undici.globalDispatcher.1");
const NODE_FETCH_SOURCE = /internal\/deps\/undici\/undici|lazyUndici\(\)/;

function nodeTransport(url) {
  if (NODE === undefined) NODE = loadNode();
  if (NODE === null) return null;
  const g = globalThis;
  const f = g.fetch;
  if (f !== seenFetch) {
    seenFetch = f;
    try {
      seenFetchIsNode = typeof f === "function" && f.name === "fetch" && NODE_FETCH_SOURCE.test(Function.prototype.toString.call(f));
    } catch {
      seenFetchIsNode = false;
    }
  }
  if (!seenFetchIsNode) return null;
  const d = g[DISPATCHER];
  if (d !== undefined) {
    // Node's fetch installs a plain Agent the first time it runs; any other dispatcher, or a
    // later replacement of that one, is the app's choice.
    if (firstDispatcher === undefined) firstDispatcher = d?.constructor?.name === "Agent" ? d : null;
    if (d !== firstDispatcher) return null;
  }
  if (url.startsWith("https:")) return NODE.https;
  if (url.startsWith("http:")) return NODE.http;
  return null;
}

function loadNode() {
  try {
    const p = globalThis.process;
    if (!poolingAllowed() || typeof p.getBuiltinModule !== "function" || p.env.NODE_USE_ENV_PROXY) return null;
    const http = p.getBuiltinModule("node:http");
    const https = p.getBuiltinModule("node:https");
    const zlib = p.getBuiltinModule("node:zlib");
    if (!http || !https || !zlib) return null;
    // keepAlive like fetch; `timeout` closes a socket idle for 4 s (undici's keepAliveTimeout).
    // An active request is not affected by it: its deadline is ours.
    const opts = { keepAlive: true, timeout: 4000 };
    const httpAgent = new http.Agent(opts);
    const httpsAgent = new https.Agent(opts);
    return {
      http: (...a) => nodeExchange(http, httpAgent, zlib, ...a),
      https: (...a) => nodeExchange(https, httpsAgent, zlib, ...a),
    };
  } catch {
    return null;
  }
}

function nodeExchange(mod, agent, zlib, url, method, block, bodyKind, bodyText, bodyBytes, ms, caller) {
  if (caller !== null && caller.aborted) return Promise.resolve([ABORTED, caller.reason]);
  return new Promise((resolve) => {
    let req = null;
    let settled = false;
    let onAbort = null;
    const timer = setTimeout(() => end([TIMEOUT]), ms);
    function end(outcome) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (onAbort !== null) caller.removeEventListener("abort", onAbort);
      // An exchange that did not complete stops here, its socket with it.
      if (outcome[0] !== OK && req !== null) req.destroy();
      resolve(outcome);
    }
    try {
      const headers = nodeHeaders(block);
      let body = null;
      if (bodyKind === 1) body = bodyText;
      else if (bodyKind === 2) body = bodyBytes.slice();
      if (body !== null) headers["content-length"] = String(typeof body === "string" ? Buffer.byteLength(body) : body.length);
      if (caller !== null) {
        onAbort = () => end([ABORTED, caller.reason]);
        caller.addEventListener("abort", onAbort, { once: true });
      }
      req = mod.request(url, { method, headers, agent });
      req.on("error", (err) => end([NETWORK, errorText(err)]));
      req.on("response", (res) => {
        const chunks = [];
        let length = 0;
        res.on("data", (c) => {
          chunks.push(c);
          length += c.length;
        });
        res.on("error", (err) => end([NETWORK, errorText(err)]));
        res.on("aborted", () => end([NETWORK, "response aborted"]));
        res.on("end", () => {
          if (settled) return;
          try {
            const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
            const bytes = decode(zlib, res.headers["content-encoding"], method, res.statusCode, raw);
            end([OK, res.statusCode, nodeHeaderBlock(res.headers), new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)]);
          } catch (err) {
            end([NETWORK, errorText(err)]);
          }
        });
      });
      if (!settled) req.end(body === null ? undefined : body);
    } catch (err) {
      end([NETWORK, errorText(err)]);
    }
  });
}

/** The header block as a node:http headers object (a repeated name becomes an array). */
function nodeHeaders(block) {
  let h = headerInit(block);
  if (Array.isArray(h)) {
    const obj = Object.create(null);
    for (const [k, v] of h) {
      const prev = obj[k];
      obj[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    h = obj;
  }
  // What fetch would send when none is given.
  for (const k in h) if (k.length === 6 && k.toLowerCase() === "accept") return h;
  h.accept = "*/*";
  return h;
}

/** node:http's headers object (names lower-cased, repeats joined) as a block. */
function nodeHeaderBlock(h) {
  let s = "";
  for (const k in h) {
    const v = h[k];
    if (Array.isArray(v)) for (const x of v) s += k + SEP + x + SEP;
    else if (v !== undefined) s += k + SEP + v + SEP;
  }
  return s;
}

/**
 * The body as Node's fetch hands it over: gzip, deflate and br codings removed, last applied first
 * (none is asked for, so a server rarely sends one). A coding list with any other coding in it is
 * left as it came, as fetch leaves it; a body that does not decode fails the exchange.
 */
function decode(zlib, coding, method, status, raw) {
  if (coding === undefined || method === "HEAD" || NULL_BODY.has(status) || raw.length === 0) return raw;
  const codings = coding.toLowerCase().split(",").map((c) => c.trim()).filter((c) => c !== "" && c !== "identity");
  if (!codings.every((c) => c === "gzip" || c === "x-gzip" || c === "deflate" || c === "br")) return raw;
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

/**
 * One exchange's own deadline: an AbortController aborted by a timer. `done()` clears the timer;
 * `release()` clears it too and, when the exchange is over for good (its body read in full, no
 * caller signal, the runtime's own fetch), lets a later exchange reuse the controller;
 * `expired()` tells a timeout from any other failure.
 *
 * Reuse is for Node only, where each new AbortSignal goes through `makeTransferable` (Node 20:
 * about 2% of a request's CPU per signal, and an exchange costs two: ours and the one inside
 * `new Request`). A reused controller is never shared by two exchanges at once, and it is only
 * taken back after an exchange whose response nobody reads any more, so an abort of it can only
 * ever stop the exchange that holds it. Node's fetch leaves one abort listener per request on the
 * signal until that request is garbage-collected, and lists them all on each new Request
 * (`getEventListeners`): with 32 uses per controller that listing cost more than the controller
 * saved on loopback, so each controller serves at most REUSE_MAX exchanges. Elsewhere signals are
 * cheap and every exchange gets a fresh controller.
 */
const POOL = [];
const POOL_MAX = 64;
const REUSE_MAX = 4;
let pooling;

function poolingAllowed() {
  if (pooling === undefined) {
    try {
      const g = globalThis;
      pooling = typeof g.process?.versions?.node === "string" && !g.Deno && !g.Bun &&
        g.navigator?.userAgent !== "Cloudflare-Workers";
    } catch {
      pooling = false;
    }
  }
  return pooling;
}

function ownDeadline(ms) {
  let entry = poolingAllowed() ? POOL.pop() : undefined;
  if (entry === undefined) entry = { controller: new AbortController(), uses: 0 };
  entry.uses++;
  const controller = entry.controller;
  let expired = false;
  let over = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort();
  }, ms);
  const done = () => {
    over = true;
    clearTimeout(timer);
  };
  return {
    controller,
    signal: controller.signal,
    done,
    release: () => {
      const first = !over;
      done();
      if (first && !expired && !controller.signal.aborted && entry.uses < REUSE_MAX &&
          POOL.length < POOL_MAX && poolingAllowed()) {
        POOL.push(entry);
      }
    },
    expired: () => expired,
  };
}

/** A signal that fires when either our controller or the caller's signal does. */
function anySignal(controller, caller) {
  if (typeof AbortSignal.any === "function") return AbortSignal.any([controller.signal, caller]);
  // Runtimes without AbortSignal.any: forward the caller's abort to our controller.
  if (caller.aborted) return caller;
  caller.addEventListener("abort", () => controller.abort(caller.reason), { once: true });
  return controller.signal;
}

/*
 * The executor's side (src/exec.rs): an awaited promise reports back through one callback set
 * once per instance, and a task's Promise is made here and settled by slot number. No closure
 * crosses the boundary per await or per task.
 */
let SETTLE = null;
const RESOLVE = [];
const REJECT = [];

export function setSettle(f) {
  SETTLE = f;
}

export function watch(p, id) {
  Promise.resolve(p).then((v) => SETTLE(id, true, v), (e) => SETTLE(id, false, e));
}

export function deferred(id) {
  return new Promise((resolve, reject) => {
    RESOLVE[id] = resolve;
    REJECT[id] = reject;
  });
}

export function finish(id, ok, value) {
  const settle = ok ? RESOLVE[id] : REJECT[id];
  RESOLVE[id] = undefined;
  REJECT[id] = undefined;
  if (settle !== undefined) settle(value);
}

/** Bit i set when obj[names[i]] is neither undefined nor null (src/convert.rs `Opts`). */
export function present(obj, names) {
  let mask = 0;
  for (let i = 0; i < names.length; i++) {
    const v = obj[names[i]];
    if (v !== undefined && v !== null) mask |= 1 << i;
  }
  return mask >>> 0;
}
