// `.spans.emit(spans)` → EmitSpansResult (api-surface.md §2.8, tier 3): user telemetry spans, not
// audit evidence. Each span `{ traceId, name, startTime, spanId?, parentSpanId?, endTime?, attributes? }`
// (snake_case keys accepted); times as Date or ISO-8601 strings; null fields are omitted.

import { AlterValueError } from "../errors.js";
import { checkOptionKeys } from "../strict.js";
import { backendCall, isPlainObject } from "./util.js";

/** §2.8 bounds. */
export const SPAN_LIMITS = Object.freeze({ maxSpans: 50, maxIdChars: 255, maxSpanIdChars: 32 });

export class EmitSpansResult {
  constructor(wire) {
    this.accepted = Number(wire?.accepted ?? 0);
    Object.freeze(this);
  }

  toJSON() {
    return { accepted: this.accepted };
  }
}

function text(what, v, max, required) {
  if (v === undefined || v === null) {
    if (required) throw new AlterValueError(`span ${what} is required`);
    return undefined;
  }
  if (typeof v !== "string" || v.length < 1 || v.length > max) throw new AlterValueError(`span ${what} must be 1..${max} characters`);
  return v;
}

function time(what, v, required) {
  if (v === undefined || v === null) {
    if (required) throw new AlterValueError(`span ${what} is required`);
    return undefined;
  }
  const d = v instanceof Date ? v : typeof v === "string" ? new Date(v) : null;
  if (!d || Number.isNaN(d.getTime())) throw new AlterValueError(`span ${what} must be a Date or an ISO-8601 string`);
  return typeof v === "string" ? v : d.toISOString();
}

function spanWire(s) {
  if (!isPlainObject(s)) throw new AlterValueError("each span must be an object");
  checkOptionKeys("spans.emit", s); // a misspelt field (attribute, startedAt) is never dropped silently
  const get = (c, k) => (s[c] !== undefined ? s[c] : s[k]);
  const out = {
    trace_id: text("traceId", get("traceId", "trace_id"), SPAN_LIMITS.maxIdChars, true),
    name: text("name", s.name, SPAN_LIMITS.maxIdChars, true),
    start_time: time("startTime", get("startTime", "start_time"), true),
  };
  const spanId = text("spanId", get("spanId", "span_id"), SPAN_LIMITS.maxSpanIdChars, false);
  if (spanId) out.span_id = spanId;
  const parent = text("parentSpanId", get("parentSpanId", "parent_span_id"), SPAN_LIMITS.maxSpanIdChars, false);
  if (parent) out.parent_span_id = parent;
  const end = time("endTime", get("endTime", "end_time"), false);
  if (end) out.end_time = end;
  const attrs = s.attributes ?? {};
  if (!isPlainObject(attrs) || Object.values(attrs).some((v) => typeof v !== "string")) throw new AlterValueError("span attributes must be an object of strings");
  out.attributes = { ...attrs };
  return out;
}

export class SpansNamespace {
  #client;

  constructor(client) {
    this.#client = client;
  }

  /** Emit 1..50 spans; resolves to `{ accepted }` (newly stored; duplicates are absorbed). */
  async emit(spans) {
    if (!Array.isArray(spans) || spans.length < 1 || spans.length > SPAN_LIMITS.maxSpans) {
      throw new AlterValueError(`spans.emit takes an array of 1..${SPAN_LIMITS.maxSpans} spans`);
    }
    const r = await backendCall(this.#client, "POST", "/sdk/spans", { spans: spans.map(spanWire) });
    return new EmitSpansResult(r.json);
  }
}
