// Outcome kinds and body states the driver reports to the engine; mirrored in src/wasm.rs.

export const RECEIVED = 0;
export const TIMED_OUT = 1;
export const ABORTED = 2;
export const NETWORK_ERROR = 3;
export const WOKE = 4;
export const TOKEN = 5;
export const BODY = 6;

/** Body of a received answer: read whole, not read (declared over the limit), or pending. */
export const BODY_COMPLETE = 0;
export const BODY_NOT_READ = 1;
export const BODY_PENDING = 2;

/** A bounded body read: whole, over the limit, or unavailable. */
export const CAPTURE_WHOLE = 0;
export const CAPTURE_OVER = 1;
export const CAPTURE_UNAVAILABLE = 2;

/** `err.message` plus `err.cause.message`/`code` (undici puts the reason there), ≤ 300 chars. */
export function errorText(err) {
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
 * A failed exchange: the caller's abort, our deadline, or anything else. A network failure keeps
 * the runtime's error as `error`: the driver may hand it on as the `cause` of a NetworkError.
 */
export function failure(err, caller, expired) {
  if (caller && caller.aborted) return { kind: ABORTED };
  if (expired) return { kind: TIMED_OUT };
  return { kind: NETWORK_ERROR, text: errorText(err), error: err };
}
