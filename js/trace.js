// The ambient run context of `agent.trace()` (protocol-core.md §8.2, api-surface.md §1.8).
//
// One store per module instance, shared by every client: a request made inside a trace scope on the
// Agent, on its parent App or anywhere else uses the scope's context when it passes no explicit
// `context`. The store is an AsyncLocalStorage where the runtime has one; the context is read in the
// caller's async context before anything enters wasm (design rule 2). Where no AsyncLocalStorage
// exists, `trace` hands the callback a client bound to the run instead (design rule 8).

import { AlterValueError } from "./errors.js";
import { asyncLocalStorageSync, loadAsyncLocalStorage } from "./runtime.js";
import { checkTraceOptions } from "./strict.js";

/** Keys the SDK owns; trace metadata may not set them (§8.2). */
export const RESERVED_TRACE_KEYS = Object.freeze([
  "agent", "parent_agent", "run_id", "thread_id", "tool", "tool_call_id", "framework",
]);
const RESERVED = new Set(RESERVED_TRACE_KEYS);

/** Trace metadata limits, in UTF-8 bytes (§8.2). */
export const TRACE_METADATA_LIMITS = Object.freeze({
  maxKeys: 20, maxKeyBytes: 64, maxValueBytes: 512, maxTotalBytes: 4096,
});

const encoder = new TextEncoder();
const utf8Len = (s) => encoder.encode(s).length;

let store = null;

function getStore() {
  if (!store) {
    const Als = asyncLocalStorageSync();
    if (Als) store = new Als();
  }
  return store;
}

/** True when trace scopes propagate through async calls by themselves in this runtime. */
export function hasAmbientTrace() {
  return getStore() !== null;
}

/** The context of the innermost enclosing trace scope (a frozen Map), or undefined. */
export function currentTraceContext() {
  const s = getStore();
  return s ? s.getStore() : undefined;
}

/**
 * Run `fn(arg)` with `ctx` as the ambient context (when the runtime has AsyncLocalStorage; the
 * store is loaded first if needed). Returns whatever `fn` returns (awaited by the caller).
 */
export async function runInTraceContext(ctx, fn, arg) {
  let s = getStore();
  if (!s) {
    await loadAsyncLocalStorage();
    s = getStore();
  }
  if (s) return s.run(ctx, () => fn(arg));
  return fn(arg);
}

function validateMetadata(metadata) {
  const keys = Object.keys(metadata);
  if (keys.length === 0) return;
  const L = TRACE_METADATA_LIMITS;
  if (keys.length > L.maxKeys) {
    throw new AlterValueError(`trace() metadata has too many keys (${keys.length}); max is ${L.maxKeys}`);
  }
  const reserved = keys.filter((k) => RESERVED.has(k)).sort();
  if (reserved.length) {
    throw new AlterValueError(
      `trace() metadata contains reserved key(s) ${JSON.stringify(reserved)}; use runId / threadId ` +
        `for those. Reserved keys: ${JSON.stringify([...RESERVED_TRACE_KEYS].sort())}`,
    );
  }
  let total = 0;
  for (const k of keys) {
    const kb = utf8Len(k);
    if (kb > L.maxKeyBytes) {
      throw new AlterValueError(`trace() metadata key ${JSON.stringify(k.slice(0, 32))} exceeds max length (${kb} > ${L.maxKeyBytes} bytes)`);
    }
    const v = metadata[k];
    if (typeof v !== "string") {
      throw new AlterValueError(`trace() metadata value for key ${JSON.stringify(k)} must be a string, got ${v === null ? "null" : typeof v}`);
    }
    const vb = utf8Len(v);
    if (vb > L.maxValueBytes) {
      throw new AlterValueError(`trace() metadata value for key ${JSON.stringify(k)} exceeds max length (${vb} > ${L.maxValueBytes} bytes)`);
    }
    total += kb + vb;
  }
  if (total > L.maxTotalBytes) {
    throw new AlterValueError(`trace() metadata total size ${total} bytes exceeds ${L.maxTotalBytes} byte limit`);
  }
}

function optionalId(name, v) {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new AlterValueError(`${name} must be a string, got ${typeof v}`);
  return v;
}

/**
 * Build the context of a new trace scope (§8.2 merge rules):
 * outer non-reserved keys; `agent` = this agent (a different outer agent becomes `parent_agent`,
 * same-agent re-entry keeps the outer `parent_agent`); `parent` omitted = ambient, null or "" =
 * none, a string = forced; `run_id`/`thread_id` given or inherited; then the metadata.
 *
 * @param {Map<string,string>|undefined} outer
 * @param {string} agentId
 * @param {object} options `{ runId, threadId, parent, ...metadata }`
 * @returns {Map<string,string>} frozen
 */
export function buildTraceContext(outer, agentId, options) {
  if (options !== undefined && (options === null || typeof options !== "object" || Array.isArray(options))) {
    throw new AlterValueError("trace() options must be an object");
  }
  checkTraceOptions(options); // metadata is free-form, but runID / thread-id are slips (strict.js)
  const { runId, threadId, parent, ...metadata } = options ?? {};
  const hasParent = options !== undefined && Object.prototype.hasOwnProperty.call(options, "parent") && parent !== undefined;
  if (hasParent && parent !== null && typeof parent !== "string") {
    throw new AlterValueError(`parent must be a string or null, got ${typeof parent}`);
  }
  const run = optionalId("runId", runId);
  const thread = optionalId("threadId", threadId);
  validateMetadata(metadata);

  const ctx = new Map();
  if (outer) {
    for (const [k, v] of outer) if (!RESERVED.has(k)) ctx.set(k, v);
    const outerAgent = outer.get("agent");
    if (outerAgent) {
      ctx.set("agent", outerAgent);
      const outerParent = outer.get("parent_agent");
      if (outerParent) ctx.set("parent_agent", outerParent);
    }
  }
  const ambientAgent = ctx.get("agent");
  if (ambientAgent && ambientAgent !== agentId) ctx.set("parent_agent", ambientAgent);
  ctx.set("agent", agentId);

  if (hasParent) {
    if (typeof parent === "string" && parent !== "") ctx.set("parent_agent", parent);
    else ctx.delete("parent_agent");
  }
  if (run !== undefined) ctx.set("run_id", run);
  else if (outer?.has("run_id")) ctx.set("run_id", outer.get("run_id"));
  if (thread !== undefined) ctx.set("thread_id", thread);
  else if (outer?.has("thread_id")) ctx.set("thread_id", outer.get("thread_id"));
  for (const k of Object.keys(metadata)) ctx.set(k, metadata[k]);
  return freezeMap(ctx);
}

/**
 * The context of a tool scope: everything of the enclosing scope (the run, the agent), with
 * `tool`, `tool_call_id` and `framework` set for the calls inside it (an inner tool scope replaces
 * the outer one's tool keys).
 *
 * @param {Map<string,string>|undefined} outer
 * @param {object} options `{ tool, toolCallId, framework }`
 */
export function buildToolContext(outer, options) {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new AlterValueError("withTool(options, fn): options must be an object with a tool name");
  }
  const { tool, toolCallId, framework } = options;
  const value = (name, v, required) => {
    if (v === undefined || v === null) {
      if (required) throw new AlterValueError(`withTool: ${name} is required`);
      return undefined;
    }
    if (typeof v !== "string" || v === "") throw new AlterValueError(`withTool: ${name} must be a non-empty string`);
    if (utf8Len(v) > TRACE_METADATA_LIMITS.maxValueBytes) {
      throw new AlterValueError(`withTool: ${name} exceeds max length (${TRACE_METADATA_LIMITS.maxValueBytes} bytes)`);
    }
    return v;
  };
  const entries = [["tool", value("tool", tool, true)], ["tool_call_id", value("toolCallId", toolCallId)], ["framework", value("framework", framework)]];
  const ctx = new Map();
  if (outer) for (const [k, v] of outer) if (k !== "tool" && k !== "tool_call_id" && k !== "framework") ctx.set(k, v);
  for (const [k, v] of entries) if (v !== undefined) ctx.set(k, v);
  return freezeMap(ctx);
}

function freezeMap(m) {
  const frozen = new Map(m);
  frozen.set = frozen.delete = frozen.clear = () => {
    throw new TypeError("trace context is read-only");
  };
  return Object.freeze(frozen);
}
