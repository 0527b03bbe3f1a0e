// Exchanges over fetch: every vault call outside Node, and the provider call everywhere (the
// caller gets the provider's own fetch Response). Nothing here throws: each exchange resolves to
// an outcome for the engine (./outcome.js).

import {
  BODY_COMPLETE, BODY_NOT_READ, BODY_PENDING, CAPTURE_OVER, CAPTURE_UNAVAILABLE, CAPTURE_WHOLE, RECEIVED, failure,
} from "./outcome.js";

/** Statuses whose responses carry no body (a Response cannot be built with one). */
export const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * Header pairs as fetch `headers`: a plain object (Node's fetch builds a Request from one faster
 * than from pairs), or the pairs when a name repeats or an object would reorder or drop a name
 * (integer-like names go first; "__proto__").
 */
export function headersInit(pairs) {
  const obj = {};
  for (const [k, v] of pairs) {
    const c = k.charCodeAt(0);
    if ((c >= 48 && c <= 57) || obj[k] !== undefined || k === "__proto__") return pairs;
    obj[k] = v;
  }
  return obj;
}

/** Response headers as the engine reads them: `name\nvalue\n…` (no header holds a line feed). */
export function headerBlock(headers) {
  let s = "";
  for (const [k, v] of headers) s += k + "\n" + v + "\n";
  return s;
}

/** One exchange's deadline: an AbortController aborted by a timer, joined with the caller's signal. */
function deadline(ms, caller) {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort();
  }, ms);
  let signal = controller.signal;
  if (caller) {
    if (typeof AbortSignal.any === "function") signal = AbortSignal.any([controller.signal, caller]);
    else if (caller.aborted) signal = caller;
    else caller.addEventListener("abort", () => controller.abort(caller.reason), { once: true });
  }
  return { signal, expired: () => expired, done: () => clearTimeout(timer) };
}

function init(step, body, signal) {
  const i = { method: step.method, headers: headersInit(step.headers), redirect: "manual", signal };
  if (body !== undefined && body !== null) i.body = body;
  return i;
}

/** A vault exchange: the whole answer read under the deadline. */
export async function vaultExchange(step, fetchFn, caller) {
  const d = deadline(step.ms, caller);
  try {
    const r = await (fetchFn ?? fetch)(step.url, init(step, step.body, d.signal));
    if (r === null || typeof r !== "object" || typeof r.status !== "number" || !r.headers) {
      return failure(new Error("fetch did not return a Response"), caller, false);
    }
    const bytes = new Uint8Array(await r.arrayBuffer());
    return { kind: RECEIVED, detail: BODY_COMPLETE, status: r.status, text: headerBlock(r.headers), body: bytes };
  } catch (err) {
    return failure(err, caller, d.expired());
  } finally {
    d.done();
  }
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
 * Rebuilt Response → the fetch Response whose body stream it reads. The original must live as
 * long as the rebuilt one: Node's fetch cancels the body stream of a Response that is garbage
 * collected, which would cut the caller's body. A WeakMap keeps it alive while reachable from
 * nothing the caller can walk.
 */
const origins = new WeakMap();

/**
 * A Response for the caller with the original's status, statusText, headers, type and redirected,
 * around `body` (bytes already read, or the original's stream), and `url` (the caller's URL when
 * the credential was injected into the query). The original is then unreachable, so no way of
 * reading it (`clone().url`, the prototype getter, inspection) shows the credential. Null when the
 * runtime will not build one with that status.
 */
function reframe(original, body, url) {
  const status = original.status;
  if (status < 200 || status > 599) return null;
  const b = NULL_BODY.has(status) ? null : body;
  let r;
  try {
    r = new Response(b, { status, statusText: original.statusText, headers: original.headers });
  } catch {
    try {
      r = new Response(b, { status, headers: original.headers });
    } catch {
      return null;
    }
  }
  const props = { url: { value: url, enumerable: false, configurable: false, writable: false } };
  if (r.type !== original.type) props.type = { value: original.type, enumerable: false };
  if (r.redirected !== original.redirected) props.redirected = { value: original.redirected, enumerable: false };
  Object.defineProperties(r, props);
  if (b !== null && !(b instanceof Uint8Array)) origins.set(r, original);
  return r;
}

/**
 * Reads at most `limit + 1` bytes of a stream nobody else reads (a clone) for the audit row, then
 * lets it go: holding the caller's Response unread never buffers more than that. Gives up after
 * `ms`. Resolves to [CAPTURE_WHOLE, bytes], [CAPTURE_OVER] or [CAPTURE_UNAVAILABLE].
 */
export function boundedCapture(response, limit, ms) {
  const body = response.body;
  if (body === null || body === undefined) return Promise.resolve([CAPTURE_WHOLE, new Uint8Array(0)]);
  let reader;
  try {
    reader = body.getReader();
  } catch {
    return Promise.resolve([CAPTURE_UNAVAILABLE]);
  }
  const chunks = [];
  let kept = 0;
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  const pump = async () => {
    for (;;) {
      const next = await Promise.race([reader.read(), late]);
      if (next === null) return [CAPTURE_UNAVAILABLE];
      if (next.done) return [CAPTURE_WHOLE, concat(chunks, kept)];
      const value = next.value;
      if (!(value instanceof Uint8Array)) return [CAPTURE_UNAVAILABLE];
      chunks.push(value);
      kept += value.length;
      if (kept > limit) return [CAPTURE_OVER];
    }
  };
  return pump().then(
    (out) => {
      clearTimeout(timer);
      if (out[0] !== CAPTURE_WHOLE) cancel(reader);
      return out;
    },
    () => {
      clearTimeout(timer);
      cancel(reader);
      return [CAPTURE_UNAVAILABLE];
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
 * The provider call. A body of declared length within the capture limit is read here under the
 * deadline and the caller gets a Response rebuilt around those bytes (one read serves both); a
 * body declared larger is not read (the audit row only needs its length); any other body is
 * captured, bounded, from a clone. The deadline otherwise ends with the response head, so it never
 * cuts the caller's own body read. Adds `response` (for the caller) and `capture` (a promise, for
 * a pending body) to the outcome.
 */
export async function providerExchange(step, fetchFn, caller, body) {
  const d = deadline(step.ms, caller);
  let response;
  try {
    response = await (fetchFn ?? fetch)(step.url, init(step, body, d.signal));
  } catch (err) {
    d.done();
    return failure(err, caller, d.expired());
  }
  try {
    if (response === null || typeof response !== "object" || typeof response.status !== "number" || !response.headers) {
      d.done();
      return failure(new Error("fetch did not return a Response"), caller, false);
    }
    const status = response.status;
    const text = headerBlock(response.headers);
    const shadow = step.shadowUrl;
    const declared = declaredLength(response, step.method, status);
    if (declared >= 0 && declared <= step.capture && status >= 200 && status <= 599) {
      let bytes;
      try {
        bytes = new Uint8Array(await response.arrayBuffer());
      } catch (err) {
        return failure(err, caller, d.expired());
      } finally {
        d.done();
      }
      const rebuilt = reframe(response, bytes, shadow ?? response.url);
      return { kind: RECEIVED, detail: BODY_COMPLETE, status, text, body: bytes, response: rebuilt ?? response };
    }
    d.done();
    let capture = null;
    if (declared < 0) {
      try {
        capture = boundedCapture(response.clone(), step.capture, step.ms);
      } catch {
        capture = Promise.resolve([CAPTURE_UNAVAILABLE]);
      }
    }
    let forCaller = response;
    if (shadow) {
      forCaller = reframe(response, response.body, shadow);
      if (forCaller === null) {
        forCaller = response;
        Object.defineProperty(response, "url", { value: shadow, enumerable: false, configurable: false, writable: false });
      }
    }
    return {
      kind: RECEIVED, detail: capture === null ? BODY_NOT_READ : BODY_PENDING, status, text, response: forCaller, capture,
    };
  } catch (err) {
    d.done();
    return failure(err, caller, d.expired());
  }
}

