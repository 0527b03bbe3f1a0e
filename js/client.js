// App and Agent (ts-api.md §3, §5.1, §9.1, §9.4): the JS side of every call.
//
// Flow of one request() (design.md): check JS-typed options; read the ambient trace context in the
// caller's async context; hand the call to the engine once; the driver (core/driver.js) performs
// what the engine asks (the vault exchange, the userTokenGetter, the provider call, the audit row
// in the background) and returns the provider's own Response. Every call in flight and every
// audit row is tracked so close() loses none of them.

import { CoreClient } from "./core/client-core.js";
import { allowedHostsOption } from "./core/hosts.js";
import { AlterSDKError, AlterValueError, AuditNotConfirmedError } from "./errors.js";
import { uuidFromAnySpelling } from "./values.js";
import { CallerType, HttpMethod, Provider, RetryErrorInfo, RetryInfo } from "./models.js";
import { buildCall, isPlainObject } from "./options.js";
import { activeTraceparent } from "./otel.js";
import { readEnv, randomUuid, runtimeTag } from "./runtime.js";
import { buildToolContext, buildTraceContext, currentTraceContext, runInTraceContext } from "./trace.js";
import { SDK_VERSION } from "./version.js";
import { checkClientOptions, checkOptionKeys as checkWithToolKeys, checkRequestOptions, warnOnce } from "./strict.js";
import installApi from "./ns/install.js";

export { CallerType, HttpMethod, Provider, RetryErrorInfo, RetryInfo };
// The namespaces' public names (js/ns/): models, isValidKey; their methods are installed at the end.
export * from "./ns/index.js";

/** §10: the message of every call on a closed client. */
const CLOSED_MESSAGE = "SDK instance has been closed. Create a new SDK client (App / Agent) to make requests.";
/** Default timeout, milliseconds (ts-api.md §3.1). */
export const DEFAULT_TIMEOUT_MS = 30000;
/** Environment variable read for the backend URL when no `baseUrl` option is given (§1.3). */
export const BASE_URL_ENV = "ALTER_BASE_URL";

/** Engine warnings that every client of a process would repeat: logged once per process. */
const ONCE_PER_PROCESS = [
  "The Alter API key used by this client is deprecated",
  "Backend returned a different X-Alter-Actor-ID",
  "createManagedSecretConnectSession: templateSlug is deprecated",
];

const STATE = Symbol("alter.state");
const RUN = Symbol("alter.runContext");
/** API keys, kept out of reach of console.log / JSON (getAgent needs the App's key). */
const API_KEYS = new WeakMap();

function closedError() {
  return new AlterSDKError(CLOSED_MESSAGE, {}, { code: "client_closed" });
}

function getterError(message, cause) {
  const err = new AlterSDKError(message, {}, { code: "user_token_getter_failed" });
  if (cause !== undefined) Object.defineProperty(err, "cause", { value: cause, writable: true, configurable: true, enumerable: false });
  return err;
}

/**
 * Call the getter (sync or async) and check its result; fails closed (§9.1). What the getter
 * threw becomes the `cause` when it is an Error object: the application's own error, made by its
 * own code (the SDK adds it to no message, log line or JSON form). A thrown value that is not an
 * Error (a string, a plain object) is dropped: it may be the token itself.
 */
async function resolveUserToken(getter) {
  let value;
  try {
    value = getter();
    if (value !== null && typeof value === "object" && typeof value.then === "function") value = await value;
  } catch (e) {
    throw getterError(`userTokenGetter failed${e instanceof Error ? ` (${e.name}; see cause)` : ""}`, e instanceof Error ? e : undefined);
  }
  if (typeof value !== "string" || value.length === 0) {
    throw getterError("userTokenGetter must return a non-empty string");
  }
  return value;
}

/** Log levels, lowest first; a client logs at its level and above. */
export const LOG_LEVELS = Object.freeze(["debug", "info", "warn", "error", "silent"]);
/** Environment variable read for the log level when no `logLevel` option is given. */
export const LOG_LEVEL_ENV = "ALTER_LOG";

/** The `logLevel` option, else `ALTER_LOG`, else "warn". A bad option throws; a bad variable warns once. */
function logLevelOf(option, logger) {
  if (option !== undefined && option !== null) {
    if (!LOG_LEVELS.includes(option)) {
      throw new AlterValueError(`logLevel must be one of ${LOG_LEVELS.map((l) => JSON.stringify(l)).join(", ")}, got ${typeof option === "string" ? JSON.stringify(option.slice(0, 32)) : typeof option}`);
    }
    return option;
  }
  const env = readEnv(LOG_LEVEL_ENV);
  if (env === undefined || env === "") return "warn";
  const level = env.trim().toLowerCase();
  if (LOG_LEVELS.includes(level)) return level;
  warnOnce(logger, "alter-log-env", `${LOG_LEVEL_ENV}=${JSON.stringify(env.slice(0, 32))} is not a log level (${LOG_LEVELS.join(", ")}): using "warn"`);
  return "warn";
}

/** A logger whose methods never throw into the SDK and below `level` do nothing; null = silent. */
function safeLogger(logger, level) {
  if (logger === null || level === "silent") return null;
  const min = LOG_LEVELS.indexOf(level);
  const out = {};
  for (const level of LOG_LEVELS.slice(min, 4)) {
    const fn = logger[level];
    if (typeof fn !== "function") continue;
    out[level] = (...args) => {
      try {
        fn.apply(logger, args);
      } catch {
        // a broken logger must not break a request
      }
    };
  }
  return out;
}

/** A managed-agent id as a canonical lowercase hyphenated UUID (braces / urn prefix allowed). */
function normalizeAgentId(agentId) {
  if (typeof agentId !== "string" || agentId.trim() === "") {
    throw new AlterValueError("agentId must be a non-empty UUID string");
  }
  const id = uuidFromAnySpelling(agentId);
  if (id === null) throw new AlterValueError(`agentId must be a valid UUID, got ${JSON.stringify(agentId.slice(0, 64))}`);
  return id;
}

/** Validate constructor options (JS types) and build the engine's config. */
function readOptions(options, kind) {
  checkClientOptions(kind, options); // unknown names, a timeout that looks like seconds (strict.js)
  if (!isPlainObject(options)) {
    throw new AlterValueError(`new ${kind}(options): options must be an object with an apiKey`);
  }
  const { apiKey, baseUrl, timeout, caller, callerType, userTokenGetter, logger, logLevel, fetch, maxRetries, allowedHosts, confirmAudit } = options;
  if (confirmAudit !== undefined && confirmAudit !== null && typeof confirmAudit !== "boolean") {
    throw new AlterValueError("confirmAudit must be a boolean");
  }
  if (typeof apiKey !== "string" || apiKey.length === 0) {
    throw new AlterValueError("apiKey is required and must be a non-empty string");
  }
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (timeout !== undefined && timeout !== null) {
    if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0) {
      throw new AlterValueError("timeout must be a positive number of milliseconds");
    }
    timeoutMs = timeout;
  }
  // Client-side retries of vault calls (src/retry.rs; a deliberate divergence from §7.4).
  if (maxRetries !== undefined && maxRetries !== null &&
      (typeof maxRetries !== "number" || !Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 10)) {
    throw new AlterValueError("maxRetries must be an integer from 0 to 10");
  }
  if (caller !== undefined && caller !== null && typeof caller !== "string") {
    throw new AlterValueError("caller must be a string");
  }
  let type;
  if (kind === "Agent") {
    if (callerType !== undefined && callerType !== null && callerType !== CallerType.AGENT) {
      throw new AlterValueError("Agent does not accept callerType: an Agent is always CallerType.AGENT");
    }
    type = CallerType.AGENT;
  } else {
    type = callerType ?? CallerType.SERVICE;
    if (typeof type !== "string") throw new AlterValueError("callerType must be \"agent\" or \"service\"");
  }
  if (userTokenGetter !== undefined && userTokenGetter !== null && typeof userTokenGetter !== "function") {
    throw new AlterSDKError("userTokenGetter must be a function", {}, { code: "invalid_argument" });
  }
  let log = console;
  if (logger === null) log = null;
  else if (logger !== undefined) {
    if (typeof logger !== "object" || typeof logger.warn !== "function") {
      throw new AlterSDKError("logger must be an object with at least a warn() method", {}, { code: "invalid_argument" });
    }
    log = logger;
  }
  if (fetch !== undefined && fetch !== null && typeof fetch !== "function") {
    throw new AlterValueError("fetch must be a function");
  }
  let base = baseUrl;
  if (base === undefined || base === null) base = readEnv(BASE_URL_ENV);
  if (base !== undefined && typeof base !== "string") {
    throw new AlterSDKError("baseUrl must be a string", {}, { code: "invalid_base_url" });
  }
  if (typeof base === "string") checkBaseUrlShape(base, baseUrl === undefined || baseUrl === null);
  const level = logLevelOf(logLevel, log);
  const tag = runtimeTag();
  const config = {
    apiKey,
    timeoutMs,
    callerType: type,
    // protocol-core §2: `alter-sdk-<flavour>/<version>`, then the runtime as a comment.
    userAgent: tag === "unknown" ? `alter-sdk-edge/${SDK_VERSION}` : `alter-sdk-edge/${SDK_VERSION} (${tag})`,
  };
  if (base !== undefined && base !== "") config.baseUrl = base;
  if (typeof caller === "string") config.caller = caller;
  if (typeof maxRetries === "number") config.maxRetries = maxRetries;

  // The core re-raises GrantNotFoundError as AgentDelegationMissingError for agents (§7.2).
  if (kind === "Agent") config.agent = true;
  return {
    config,
    allowedHosts: allowedHosts === undefined || allowedHosts === null ? null : allowedHostsOption(allowedHosts),
    allowedHostsOption: allowedHosts,
    confirmAudit: confirmAudit === true,
    safeLogger: safeLogger(log, level),
    logLevel: level,
    getter: typeof userTokenGetter === "function" ? userTokenGetter : null,
    logger: log,
    fetch: typeof fetch === "function" ? fetch : undefined,
    caller: typeof caller === "string" ? caller : null,
  };
}

function checkWithToolOptions(options) {
  if (options !== null && typeof options === "object" && !Array.isArray(options)) checkWithToolKeys("withTool", options);
}

/**
 * `auditDone` on a request's Response (or its error): settles once this call's own audit row (and
 * scope report) is written or given up, never rejects. For `ctx.waitUntil(res.auditDone)`: unlike
 * `flush()`, it waits for nothing of the other calls in flight.
 */
function defineAuditDone(target, jobs) {
  if (target === null || typeof target !== "object" || !Object.isExtensible(target)) return;
  const done = jobs && jobs.length ? Promise.allSettled(jobs).then(() => undefined) : Promise.resolve();
  Object.defineProperty(target, "auditDone", { value: done, enumerable: false, configurable: true, writable: false });
}

/**
 * `confirmAudit`: resolves once the vault accepted this call's audit row; otherwise rejects with
 * AuditNotConfirmedError, which still gives the provider's Response (the official TS docs write
 * the row before the response returns and fail the request when it cannot be written).
 */
async function confirmAuditRow(response, jobs) {
  const accepted = await Promise.all(jobs ?? []);
  if (accepted.every(Boolean)) return;
  const err = new AuditNotConfirmedError(
    "The provider answered, but the vault did not accept the audit row of this call (see the logged warning); the provider's Response is on error.response",
    {}, { code: "audit_not_confirmed" },
  );
  Object.defineProperty(err, "response", { value: response, enumerable: false, configurable: true, writable: false });
  throw err;
}

/**
 * Mistakes in the backend URL that the engine would refuse with a generic message (or accept and
 * then call a wrong path): said plainly, before any I/O.
 */
function checkBaseUrlShape(base, fromEnv) {
  const what = fromEnv ? `${BASE_URL_ENV} (the backend URL)` : "baseUrl";
  const s = base.trim();
  if (s !== "" && !/^[a-z][a-z0-9+.-]*:\/\//i.test(s) && /^[^\s/?#:]+\.[^\s/?#]+|^localhost\b/i.test(s)) {
    throw new AlterSDKError(`${what} has no scheme: write it with https:// in front, e.g. "https://${s.slice(0, 64)}"`, {}, { code: "invalid_base_url" });
  }
  if (/\/sdk\/*$/i.test(s)) {
    throw new AlterSDKError(`${what} must not end in /sdk: the SDK adds /sdk/... to it; drop the /sdk (e.g. "${s.replace(/\/sdk\/*$/i, "").slice(0, 64)}")`, {}, { code: "invalid_base_url" });
  }
}

function wrapInternal(err) {
  if (err instanceof AlterSDKError) return err;
  // Not one of ours (a bug or a wasm trap): keep only the kind, never a message that could echo input.
  const kind = err && typeof err === "object" && typeof err.name === "string" ? err.name : typeof err;
  return new AlterSDKError(`Internal SDK error (${kind})`, {}, { code: "internal_error" });
}

/** What App and Agent share: construction, request(), the getters, close(). */
class ClientBase {
  constructor(options, kind) {
    const opts = readOptions(options, kind);
    let core;
    try {
      core = new CoreClient(opts.config);
    } catch (e) {
      throw wrapInternal(e);
    }
    const safe = opts.safeLogger;
    const state = {
      core,
      closed: false,
      getter: opts.getter,
      loggerOption: opts.logger,
      fetch: opts.fetch,
      timeoutMs: opts.config.timeoutMs,
      maxRetries: opts.config.maxRetries,
      allowedHosts: opts.allowedHosts,
      allowedHostsOption: opts.allowedHostsOption,
      confirmAudit: opts.confirmAudit,
      baseUrlOption: opts.config.baseUrl,
      // §8.2: a trace scope's `agent` is the pinned caller, else a process-local id.
      traceAgentId: opts.caller ?? `agent-local-${randomUuid()}`,
      logLevel: opts.logLevel,
      // What the engine logs about a call (retries, audit failures, warnings read from vault
      // answers) and, at debug, the driver's one line per call. The driver calls it in the
      // caller's async context. Advisories that would repeat for every client are given once per
      // process.
      emit: safe
        ? (level, message) => {
            const f = safe[level];
            if (!f) return;
            if (level === "warn" && ONCE_PER_PROCESS.some((p) => message.startsWith(p))) warnOnce(safe, message, message);
            else f(message);
          }
        : null,
      debug: safe !== null && typeof safe.debug === "function",
      // The logger for one-time advisories (strict.js), null below level "warn".
      warnLogger: safe !== null && typeof safe.warn === "function" ? safe : null,
    };
    Object.defineProperty(this, STATE, { value: state });
    API_KEYS.set(this, opts.config.apiKey);
    if (safe && safe.warn && core.insecureLoopback()) {
      warnOnce(safe, `insecure-loopback ${core.baseUrl()}`, `Alter backend ${core.baseUrl()} uses plain http: allowed for loopback development only`);
    }
  }

  /**
   * Call a provider API with a credential the SDK fetches and injects (ts-api.md §5.1). Resolves
   * to the provider's own Response with `retryInfo` added; rejects with an AlterSDKError subclass.
   */
  async request(method, url, options) {
    checkRequestOptions(this[STATE], method, url, options); // unknown names; getAgent + grantId warning
    const state = this[STATE];
    // Ambient context first, synchronously, in the caller's async context (design rule 2).
    const ambient = currentTraceContext() ?? this[RUN];
    const traceparent = activeTraceparent();
    const { call, userToken, context, confirmAudit } = buildCall(method, url, options);
    const confirm = confirmAudit ?? state.confirmAudit;
    if (state.closed) throw closedError();
    if (traceparent) call.traceparent = traceparent;
    if (context !== undefined) {
      if (context.length) call.context = context;
    } else if (ambient && ambient.size) {
      call.context = [...ambient];
    }
    if (state.constraints) Object.assign(call, state.constraints);
    // Identity: a per-call token wins; else the engine asks for the getter's token once its local
    // checks passed (a request that can never be sent does not call the getter).
    if (userToken !== undefined) call.userToken = userToken;
    else if (state.getter) call.getter = true;
    const { signal, body } = call;
    delete call.signal;
    delete call.body;
    const ctx = {
      fetch: state.fetch,
      signal,
      body: call.json ?? body,
      allowedHosts: state.allowedHosts,
      // A client closed while the getter ran sends nothing.
      resolveToken: async () => {
        const token = await resolveUserToken(state.getter);
        if (state.closed) throw closedError();
        return token;
      },
      emit: state.emit,
    };
    if (state.debug) ctx.describe = { kind: "request", method: call.method, url: call.url };
    let out;
    try {
      out = await state.core.request(call, body, ctx);
    } catch (e) {
      // The caller's own AbortSignal: its reason passes through unchanged.
      if (signal && signal.aborted && e === signal.reason) throw e;
      const err = wrapInternal(e);
      defineAuditDone(err, ctx.ownJobs);
      // With confirmAudit the call ends after its row (if any) was handled; the error stays.
      if (confirm) await err.auditDone;
      throw err;
    }
    const response = out.response;
    if (response === null || typeof response !== "object") {
      throw wrapInternal(new TypeError("core returned no response"));
    }
    const retryInfo = typeof out.result.retryInfo === "string" ? JSON.parse(out.result.retryInfo) : null;
    Object.defineProperty(response, "retryInfo", {
      value: RetryInfo.from(retryInfo), enumerable: true, configurable: true, writable: false,
    });
    defineAuditDone(response, ctx.ownJobs);
    if (confirm) await confirmAuditRow(response, ctx.ownJobs);
    return response;
  }

  /**
   * Run `fn` with `tool`, `toolCallId` and `framework` added to the current run scope, for every
   * call inside it (the audit rows' context), as the Python SDK's tool decorator does:
   * `await agent.withTool({ tool: "calendar.list", toolCallId }, async (scoped) => ...)`. The run
   * of an enclosing `trace()` stays; concurrent runs never see each other's tool. Where the runtime
   * has no AsyncLocalStorage, use `scoped`. A per-call `context` still replaces the whole scope
   * (protocol-core §8.1).
   */
  async withTool(options, fn) {
    if (typeof fn !== "function") throw new AlterValueError("withTool(options, fn): fn must be a function");
    checkWithToolOptions(options);
    const ctx = buildToolContext(currentTraceContext() ?? this[RUN], options);
    const scoped = Object.create(this, { [RUN]: { value: ctx } });
    return runInTraceContext(ctx, fn, scoped);
  }

  /** Backend-resolved actor id, cached after the first call that returned one (§8.4). */
  get actorId() {
    return this[STATE].core.actorId();
  }

  /** Retry metadata of the most recent request() (§7.7). */
  get lastRetryInfo() {
    return RetryInfo.from(this[STATE].core.lastRetryInfo());
  }

  /** The backend endpoint in use (diagnostic). */
  get baseUrl() {
    return this[STATE].core.baseUrl();
  }

  /** True after close(). */
  get closed() {
    return this[STATE].closed;
  }

  /**
   * Wait for the calls in flight now and, once they finished, for every audit row pending then
   * (one snapshot, so it settles under steady load). Does not close; never rejects. For Workers:
   * `ctx.waitUntil(app.flush())` keeps the isolate alive until the rows are written (§5.4).
   */
  async flush() {
    const { core } = this[STATE];
    await Promise.allSettled([...core.calls]);
    await Promise.allSettled([...core.jobs]);
  }

  /**
   * Stop accepting calls, then wait for every call in flight and every queued audit row (§10).
   * Calls in flight run to their end (none is aborted), and each provider call still gets its
   * audit row. Idempotent. Later calls reject with AlterSDKError code `client_closed`.
   */
  async close() {
    const state = this[STATE];
    if (!state.closed) {
      state.closed = true;
      API_KEYS.delete(this); // §10: a closed App drops its key (getAgent needs it)
    }
    const { core } = state;
    const waited = new WeakSet();
    for (;;) {
      const fresh = [];
      for (const p of [...core.calls, ...core.jobs]) {
        if (!waited.has(p)) {
          waited.add(p);
          fresh.push(p);
        }
      }
      if (fresh.length === 0) break;
      await Promise.allSettled(fresh);
    }
  }
}

if (typeof Symbol.asyncDispose === "symbol") {
  Object.defineProperty(ClientBase.prototype, Symbol.asyncDispose, {
    value() {
      return this.close();
    },
  });
}

/** The application client (ts-api.md §3.1). */
export class App extends ClientBase {
  constructor(options) {
    super(options, "App");
  }

  /**
   * An Agent backed by this App's key with `caller` pinned to the managed agent's UUID
   * (impersonation, §9.1). Synchronous; does not inherit the userTokenGetter (§9.1).
   */
  getAgent(agentId) {
    const state = this[STATE];
    if (state.closed) throw new AlterValueError("App has been closed; cannot mint an impersonating agent.");
    const id = normalizeAgentId(agentId);
    const opts = { apiKey: API_KEYS.get(this), caller: id, timeout: state.timeoutMs, logger: state.loggerOption, logLevel: state.logLevel, maxRetries: state.maxRetries };
    if (state.allowedHostsOption) opts.allowedHosts = state.allowedHostsOption;
    if (state.confirmAudit) opts.confirmAudit = true;
    opts.baseUrl = this.baseUrl;
    if (state.fetch) opts.fetch = state.fetch;
    const agent = new Agent(opts);
    agent[STATE].impersonating = true; // request({ grantId }) warns once (strict.js)
    return agent;
  }
}

/** The workload client (ts-api.md §3.2); caller type is always agent. */
export class Agent extends ClientBase {
  constructor(options) {
    super(options, "Agent");
  }

  /**
   * Run `fn` with a run context bound to every request inside it (§8.2, ts-api.md §9.4):
   * `agent.trace({ runId, threadId, parent, ...metadata }, async (scoped) => { ... })`.
   * Resolves to `fn`'s result. Where the runtime has AsyncLocalStorage the context follows every
   * await inside `fn` and concurrent runs stay apart; everywhere, `fn` also receives `scoped`, a
   * view of this Agent bound to the run, for runtimes without it.
   */
  async trace(options, fn) {
    if (typeof options === "function" && fn === undefined) {
      fn = options;
      options = undefined;
    }
    if (typeof fn !== "function") throw new AlterValueError("trace(options, fn): fn must be a function");
    const outer = currentTraceContext() ?? this[RUN];
    const ctx = buildTraceContext(outer, this[STATE].traceAgentId, options);
    const scoped = Object.create(this, { [RUN]: { value: ctx } });
    return runInTraceContext(ctx, fn, scoped);
  }
}

// proxy/approvals, grants, connect, agents, keys, scopes, oauthProviders,
// withConstraints, verifyUserToken on App / Agent (js/ns/install.js).
installApi({ App, Agent, STATE, RUN, resolveUserToken, wrapInternal, closedError });
