// The driver: one small loop that performs what the engine asks, for every runtime. It owns the
// timers, the caller's AbortSignal, retry sleeps and the background jobs; it calls the user's
// callbacks (`userTokenGetter`, `fetch`, the logger) itself, so each runs in the caller's async
// context by construction: this loop is an async function started by the caller's own call.

import { createAlterError } from "../errors.js";
import { providerExchange, vaultExchange } from "./fetch.js";
import { checkDestination } from "./hosts.js";
import { BODY, CAPTURE_UNAVAILABLE, TOKEN, WOKE } from "./outcome.js";
import { entryVaultTransport } from "./wasm.js";

/**
 * What one call carries through the loop:
 * - `fetch`: the application's fetch, or undefined for the global one;
 * - `signal`: the caller's AbortSignal, if any (never for background jobs);
 * - `body`: the caller's body for the provider call (JSON text or bytes);
 * - `resolveToken`: runs the userTokenGetter (the engine asks only after its local checks);
 * - `allowedHosts`: the client's checked `allowedHosts` option, or null (./hosts.js);
 * - `emit(level, message)`: the client's logger, or null;
 * - `track(promise)`: registers a background job for flush()/close()/waitUntil.
 */
export async function drive(engine, first, ctx) {
  let step = first;
  let response = null;
  let capture = ctx.capture ?? null;
  for (;;) {
    if (step.log !== undefined && ctx.emit) for (const [level, text] of step.log) ctx.emit(level, text);
    if (step.spawn !== undefined) for (const job of step.spawn) ctx.track(runJob(engine, job, ctx, capture));
    switch (step.a) {
      case "send": {
        // Stopped by the caller before this exchange: nothing more is sent, and no audit row is
        // owed for an attempt that was never made.
        if (ctx.signal && ctx.signal.aborted) {
          engine.forget(step.id);
          throw ctx.signal.reason;
        }
        if (step.to === "provider" && ctx.allowedHosts) {
          try {
            checkDestination(ctx.allowedHosts, step.provider, step.url);
          } catch (e) {
            engine.forget(step.id);
            throw e;
          }
        }
        const out = await exchange(step, ctx);
        if (out.response !== undefined) {
          response = out.response;
          capture = out.capture ?? null;
        }
        step = engine.step(step.id, out.kind, out.detail ?? 0, out.status ?? 0, out.text ?? "", out.body);
        break;
      }
      case "sleep":
        try {
          await sleep(step.ms, ctx.signal);
        } catch (reason) {
          engine.forget(step.id);
          throw reason;
        }
        step = engine.step(step.id, WOKE);
        break;
      case "token": {
        let token;
        try {
          token = await ctx.resolveToken();
        } catch (e) {
          engine.forget(step.id);
          throw e;
        }
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
      case "fail":
        if (step.aborted) throw ctx.signal ? ctx.signal.reason : new Error("aborted");
        throw createAlterError(step.error);
      case "end":
        return step.unconfirmed === true ? UNCONFIRMED : null;
      default:
        throw createAlterError({ class: "AlterSDKError", code: "internal_error", message: "Internal SDK error (unknown engine action)" });
    }
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
  return drive(engine, first, ctx).then((r) => r !== UNCONFIRMED, () => false);
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
