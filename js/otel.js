// The W3C `traceparent` of the active OpenTelemetry span, when the application uses
// @opentelemetry/api (protocol-core.md §8.3). Read through the API's global registry, so the SDK
// has no dependency on it; read in the caller's async context (design rule 2), like every
// per-request value. Returns undefined when there is no valid active span.

const OTEL_API_GLOBAL = Symbol.for("opentelemetry.js.api.1");
const OTEL_SPAN_KEY = Symbol.for("OpenTelemetry Context Key SPAN");
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

export function activeTraceparent() {
  try {
    const api = globalThis[OTEL_API_GLOBAL];
    const ctx = api?.context?.active?.();
    const span = ctx?.getValue?.(OTEL_SPAN_KEY);
    const sc = span?.spanContext?.();
    if (!sc) return undefined;
    const { traceId, spanId } = sc;
    const flags = Number(sc.traceFlags ?? 0);
    if (typeof traceId !== "string" || typeof spanId !== "string") return undefined;
    if (!TRACE_ID.test(traceId) || !SPAN_ID.test(spanId)) return undefined;
    if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
    if (!Number.isInteger(flags) || flags < 0 || flags > 255) return undefined;
    return `00-${traceId}-${spanId}-${flags.toString(16).padStart(2, "0")}`;
  } catch {
    return undefined;
  }
}
