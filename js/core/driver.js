// The driver: one small loop that performs what the engine asks, for every runtime. It owns the
// timers, the caller's AbortSignal, retry sleeps and the background jobs; it calls the user's
// callbacks (`userTokenGetter`, `fetch`, the logger) itself, so each runs in the caller's async
// context by construction: this loop is an async function started by the caller's own call.

import { createAlterError } from "../errors.js";
import { providerExchange, vaultExchange } from "./fetch.js";
import { allowedHostsOption, checkDestination } from "./hosts.js";
import { BODY, CAPTURE_UNAVAILABLE, TOKEN, WOKE } from "./outcome.js";
import { entryVaultTransport } from "./wasm.js";

/**
 * What one call carries through the loop:
 * - `fetch`: the application's fetch, or undefined for the global one;
 * - `signal`: the caller's AbortSignal, if any (never for background jobs);
 * - `body`: the caller's body for the provider call (JSON text or bytes);
 * - `resolveToken`: runs the userTokenGetter (the engine asks only after its local checks);
 * - `allowedHosts`: the client's checked `allowedHosts` option, or null (./hosts.js);
 * - `emit(level, message)`: the client's logger (filtered by its level), or null;
 * - `describe`: at log level debug, `{ kind: "request" | "vault", method, url }` for the one
 *   line logged when the call ends; else absent;
 * - `track(promise)`: registers a background job for flush()/close()/waitUntil.
 */
export async function drive(engine, first, ctx) {
  if (ctx.describe === undefined || !ctx.emit) return await loop(engine, first, ctx, null);
  // One debug line per call: never the credential (the URL is the caller's, without its query),
  // the API key or the user's token (none of them is read here).
  const stats = { started: Date.now(), retries: 0, status: 0, audit: false, url: ctx.describe.url };
  try {
    const out = await loop(engine, first, ctx, stats);
    ctx.emit("debug", callLine(ctx.describe, stats, String(stats.status)));
    return out;
  } catch (e) {
    const what = e !== null && typeof e === "object" && typeof e.name === "string" ? e.name : "error";
    const code = e !== null && typeof e === "object" && typeof e.code === "string" ? ` (${e.code})` : "";
    ctx.emit("debug", callLine(ctx.describe, stats, `failed ${what}${code}`));
    throw e;
  }
}

/** `<kind> <method> <host/path> -> <status or failure> in <ms> ms (retries <n>[, audit queued|none])`. */
function callLine(describe, stats, outcome) {
  const ms = Date.now() - stats.started;
  const where = describe.kind === "request" ? hostAndPath(stats.url) : String(describe.url).split("?")[0];
  const audit = describe.kind === "request" ? `, audit ${stats.audit ? "queued" : "none"}` : "";
  return `alter: ${describe.kind} ${describe.method} ${where} -> ${outcome} in ${ms} ms (retries ${stats.retries}${audit})`;
}

/** Host and path of a URL, without user info, query or fragment. */
function hostAndPath(url) {
  try {
    const u = new URL(url);
    return u.host + u.pathname;
  } catch {
    return "(invalid url)";
  }
}

async function loop(engine, first, ctx, stats) {
  let step = first;
  let response = null;
  let capture = ctx.capture ?? null;
  // The runtime's error behind the last failed exchange, when it may be shown (see below).
  let netError = null;
  for (;;) {
    if (step.log !== undefined && ctx.emit) for (const [level, text] of step.log) ctx.emit(level, text);
    if (step.spawn !== undefined) {
      if (stats) stats.audit = true;
      for (const job of step.spawn) ctx.track(runJob(engine, job, ctx, capture));
    }
    switch (step.a) {
      case "send": {
        // Stopped by the caller before this exchange: nothing more is sent, and no audit row is
        // owed for an attempt that was never made.
        giveUpOnThrow(engine, step.id, () => {
          if (ctx.signal && ctx.signal.aborted) throw ctx.signal.reason;
          if (step.to !== "provider") return;
          // The client's list, and the vault's own list for this credential when it sent one.
          if (ctx.allowedHosts) checkDestination(ctx.allowedHosts, step.provider, step.url);
          if (step.allowedHosts) checkDestination(vaultHosts(step.allowedHosts), step.provider, step.url, "the vault's allowed_hosts");
        });
        const out = await exchange(step, ctx);
        if (out.response !== undefined) {
          response = out.response;
          capture = out.capture ?? null;
        }
        // The cause of a NetworkError: the runtime's error for a vault exchange (it can quote only
        // the vault URL) or for a provider call whose credential is not in the URL. When the
        // credential is in the URL (`shadowUrl`), the runtime's text may quote it: never kept.
        netError = out.error !== undefined && !(step.to === "provider" && step.shadowUrl) ? out.error : null;
        if (stats) {
          if (out.status) stats.status = out.status;
          if (step.to === "provider") stats.url = step.shadowUrl ?? step.url;
        }
        step = engine.step(step.id, out.kind, out.detail ?? 0, out.status ?? 0, out.text ?? "", out.body);
        break;
      }
      case "sleep":
        if (stats) stats.retries++;
        await giveUpOnThrow(engine, step.id, () => sleep(step.ms, ctx.signal));
        step = engine.step(step.id, WOKE);
        break;
      case "token": {
        const token = await giveUpOnThrow(engine, step.id, () => ctx.resolveToken());
        step = engine.step(step.id, TOKEN, 0, 0, token);
        break;
      }
      case "read": {
        const [detail, bytes] = await (capture ?? Promise.resolve([CAPTURE_UNAVAILABLE]));
        capture = null;
        step = engine.step(step.id, BODY, detail, 0, "", bytes);
        break;
      }
      case "done":
        return { result: step.result, response };
      case "fail": {
        if (step.aborted) throw ctx.signal ? ctx.signal.reason : new Error("aborted");
        const err = createAlterError(step.error);
        if (netError !== null && err.name === "NetworkError") {
          Object.defineProperty(err, "cause", { value: netError, writable: true, configurable: true, enumerable: false });
        }
        throw err;
      }
      case "end":
        return step.unconfirmed === true ? UNCONFIRMED : null;
      default:
        throw createAlterError({ class: "AlterSDKError", code: "internal_error", message: "Internal SDK error (unknown engine action)" });
    }
  }
}

/**
 * Runs `fn` (sync, or returning a promise); when it throws or rejects, the engine forgets call `id`
 * (the driver gives up on it) and the error goes on. A sync `fn` stays sync: the first exchange of
 * a call still starts before `request()` returns.
 */
function giveUpOnThrow(engine, id, fn) {
  const forget = (e) => {
    engine.forget(id);
    throw e;
  };
  let out;
  try {
    out = fn();
  } catch (e) {
    forget(e);
  }
  return out !== null && typeof out === "object" && typeof out.then === "function" ? out.then(undefined, forget) : out;
}

/** The token answer's `allowed_hosts` (an extension); a list that does not parse fails closed. */
function vaultHosts(list) {
  try {
    return allowedHostsOption(list);
  } catch {
    throw createAlterError({ class: "BackendError", code: "malformed_response", message: "Backend returned an invalid allowed_hosts" });
  }
}

/** What a background job ends with when the vault did not accept its audit row. */
const UNCONFIRMED = Symbol("unconfirmed");

/**
 * A background job (audit row, scope report): never rejects, never sees the caller's signal.
 * Resolves to false when the vault did not accept its audit row, else true.
 */
function runJob(engine, first, parent, capture) {
  const ctx = { fetch: parent.fetch, signal: null, emit: parent.emit, track: parent.track, capture };
  return loop(engine, first, ctx, null).then((r) => r !== UNCONFIRMED, () => false);
}

function exchange(step, ctx) {
  if (step.to === "provider") return providerExchange(step, ctx.fetch, ctx.signal, step.callerBody ? ctx.body : undefined);
  if (!ctx.fetch) {
    const viaEntry = entryVaultTransport();
    const p = viaEntry === null ? null : viaEntry(step, ctx.signal);
    if (p !== null) return p;
  }
  return vaultExchange(step, ctx.fetch, ctx.signal);
}

/** Waits `ms`; with a signal, rejects with its reason as soon as it fires (and clears the timer). */
export function sleep(ms, signal) {
  if (!signal) return new Promise((r) => setTimeout(r, Math.max(0, ms)));
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
