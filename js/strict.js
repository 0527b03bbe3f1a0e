// Strict options (design rule 11): every options object the SDK takes is checked against the names
// it knows, before any I/O. An unknown name is an AlterValueError (code `unknown_option`) that
// names the right one when there is one: a known alias (headers → extraHeaders), the camelCase of a
// snake_case name (grant_id → grantId), a case variant (baseURL → baseUrl) or a near spelling
// (userTokenGeter → userTokenGetter). A key is unknown whatever its value, `undefined` included:
// the name is the slip, and an undefined value only hides it until the day it is set.
//
// Also here: the first-contact warnings (a constructor timeout that looks like seconds;
// request({ grantId }) on an App.getAgent() agent), each logged once per process.

import { AlterValueError } from "./errors.js";

const CALL = ["signal"];
const REQUEST_SHAPE = [
  "grantId", "provider", "account", "label", "appUserId", "json", "extraHeaders", "queryParams", "pathParams",
  "reason", "context", "userToken", "caller",
];
const CLIENT = [
  "apiKey", "baseUrl", "timeout", "maxRetries", "caller", "callerType", "userTokenGetter", "logger", "logLevel", "fetch",
  "allowedHosts", "confirmAudit",
];
const POLL = ["timeout", "timeoutMs", "pollInterval", "pollIntervalMs", "signal"];

/** The option names of every method that takes an options object (js/index.d.ts documents each). */
export const OPTION_KEYS = Object.freeze({
  "new App": CLIENT,
  "new Agent": CLIENT,
  request: [...REQUEST_SHAPE, "body", "confirmAudit", ...CALL],
  // `body` is known so that proxyRequest can say why it takes none (approvals.js).
  proxyRequest: [...REQUEST_SHAPE, "body", ...CALL],
  getApprovalStatus: ["wait", ...CALL],
  awaitApproval: ["timeoutMs", "pollIntervalMs", ...CALL],
  listGrants: ["providerId", "status", "account", "label", "endUserToken", "userToken", "limit", "offset", ...CALL],
  revokeGrant: ["reason", ...CALL],
  mintGrant: ["label", "grantPolicy", "grantTags", ...CALL],
  createManagedSecretGrant: ["principal", "grantPolicy", "credentialId", ...CALL],
  delegate: ["delegable", "scopeConstraint", "ttlSeconds", ...CALL],
  revokeDelegation: ["agentId"],
  createConnectSession: [
    "allowedProviders", "returnUrl", "allowedOrigin", "metadata", "grantPolicy", "requiredScopes", "agent", "userToken",
    "requestedGrant", "repairGrantId", "delegable", "scopeConstraint", "switchAccount", "allowUserPolicyRules", "direct",
    ...CALL,
  ],
  pollConnectSession: [...POLL, "onEvent"],
  createConnectSessionForError: ["allowedOrigin", "returnUrl", "metadata", "grantPolicy", "requiredScopes", "userToken", ...CALL],
  createManagedSecretConnectSession: [
    "provider", "templateSlug", "userToken", "agent", "delegatedAgentId", "delegable", "direct", "allowUserPolicyRules",
    "requestedGrant", "grantPolicy", "requestedTtlSeconds", "repairGrantId", "allowedOrigin", "returnUrl", ...CALL,
  ],
  pollAuthSession: POLL,
  "agents.create": ["name", "scopes", "displayName", "type", "metadata", "policy", "idempotencyKey", ...CALL],
  "agents.list": ["includeRevoked", "limit", "offset", ...CALL],
  "agents.update": ["displayName", "metadata", "scopes", "policy", "expectedVersion", "graceSeconds", ...CALL],
  "agents.revokeKey": ["force", ...CALL],
  "keys.derive": ["scopes", "expiresIn", "cidrAllowlist", "name", "metadata", ...CALL],
  "keys.rotate": ["keyId", "overlapDays"],
  "keys.revoke": ["keyId", "force"],
  "oauthProviders.list": ["forceRefresh", ...CALL],
  resolveIdentity: ["userToken", "appUserId", "includeProfile", ...CALL],
  "providerSpecs.list": CALL,
  "providerSpecs.get": CALL,
  "providerSpecs.listOperations": ["search", "limit", "offset", ...CALL],
  "providerSpecs.getOperation": CALL,
  withConstraints: ["scopes", "rule"],
  withTool: ["tool", "toolCallId", "framework"],
  // each span of spans.emit([...]); the snake_case wire names are accepted too
  "spans.emit": [
    "traceId", "trace_id", "name", "startTime", "start_time", "spanId", "span_id", "parentSpanId", "parent_span_id",
    "endTime", "end_time", "attributes",
  ],
  contentMatchRule: ["operations", "families", "params", "effect", "redactFields", "maxSessionAgeSeconds"],
  // alter-edge/express and alter-edge/hono
  "express.bearerAuth": ["optional", "header"],
  "express.alterErrorHandler": ["onError"],
  "express.alterClient": [...CLIENT, "kind"],
  "hono.alterClient": [...CLIENT, "kind"],
  "hono.alter": ["app", "optional", "header"],
  "hono.alterErrorHandler": ["onError", "fallback"],
  // alter-edge/ai
  "ai.alterTools": ["framework", "connect", "onConnectionRequired", "onApprovalPending"],
});

/** Units of the names that carry one, shown next to a suggestion. */
const UNITS = {
  timeout: "milliseconds", timeoutMs: "milliseconds", pollInterval: "milliseconds", pollIntervalMs: "milliseconds",
  wait: "seconds", ttlSeconds: "seconds", requestedTtlSeconds: "seconds", expiresIn: "seconds", graceSeconds: "seconds",
  maxSessionAgeSeconds: "seconds", overlapDays: "days",
};

/**
 * Other names for a known option, from the official SDKs' older APIs, Python and common HTTP
 * clients. Each maps to candidates; the first one the method knows is suggested.
 */
const ALIASES = {
  headers: ["extraHeaders"], header: ["extraHeaders"], requestHeaders: ["extraHeaders"],
  jsonBody: ["json"], data: ["json"], payload: ["json"],
  params: ["queryParams"], query: ["queryParams"], queryParameters: ["queryParams"], searchParams: ["queryParams"],
  qs: ["queryParams"], queryString: ["queryParams"],
  urlParams: ["pathParams"], pathParameters: ["pathParams"], routeParams: ["pathParams"],
  url: ["baseUrl"], endpoint: ["baseUrl"], host: ["baseUrl"], baseUri: ["baseUrl"], apiUrl: ["baseUrl"],
  apiBase: ["baseUrl"], backendUrl: ["baseUrl"], server: ["baseUrl"],
  key: ["apiKey"], apiToken: ["apiKey"], secret: ["apiKey"],
  timeoutMs: ["timeout"], timeoutSeconds: ["timeoutMs", "timeout"], timeoutSecs: ["timeoutMs", "timeout"],
  requestTimeout: ["timeout"], interval: ["pollIntervalMs", "pollInterval"], pollIntervalSeconds: ["pollIntervalMs", "pollInterval"],
  connectionId: ["grantId"], grant: ["grantId"],
  providerId: ["provider"], provider: ["providerId"], providers: ["allowedProviders"],
  userId: ["appUserId"], appUser: ["appUserId"], user: ["appUserId"],
  jwt: ["userToken", "endUserToken"], idToken: ["userToken", "endUserToken"], endUserToken: ["userToken"],
  userToken: ["endUserToken", "userTokenGetter"],
  getUserToken: ["userTokenGetter"], tokenGetter: ["userTokenGetter"], getToken: ["userTokenGetter"],
  userTokenProvider: ["userTokenGetter"], getJwt: ["userTokenGetter"],
  abortSignal: ["signal"],
  retries: ["maxRetries"], retry: ["maxRetries"], maxRetry: ["maxRetries"], maxAttempts: ["maxRetries"],
  log: ["logger"],
  fetchFn: ["fetch"], fetchImpl: ["fetch"], fetchImplementation: ["fetch"], customFetch: ["fetch"], fetcher: ["fetch"],
  actorType: ["callerType"], actorIdentifier: ["caller"], callerId: ["caller"], callerName: ["caller"],
  agentId: ["agent"], agentUuid: ["agent"],
  waitSeconds: ["wait"], ttl: ["ttlSeconds", "requestedTtlSeconds", "expiresIn"],
  policy: ["grantPolicy"], tags: ["grantTags"], refresh: ["forceRefresh"], includeDeleted: ["includeRevoked"],
  version: ["expectedVersion"], id: ["keyId", "agentId"],
  headerName: ["header"], required: ["optional"], client: ["app"], onErr: ["onError"],
};

const REQUEST_HINTS = {
  method: { note: "Method and url are arguments, not options: (method, url, { ... })" },
  url: { note: "Method and url are arguments, not options: (method, url, { ... })" },
  timeout: { to: "signal", note: "A call has no timeout option: the client's timeout (milliseconds) applies, or pass signal: AbortSignal.timeout(ms)" },
  timeoutMs: { to: "signal", note: "A call has no timeout option: the client's timeout (milliseconds) applies, or pass signal: AbortSignal.timeout(ms)" },
  scope: { note: "A call takes no scopes: narrow the client with withConstraints({ scopes })" },
  scopes: { note: "A call takes no scopes: narrow the client with withConstraints({ scopes })" },
  constraints: { note: "A call takes no constraints: use withConstraints({ scopes, rule }) on the client" },
  userTokenGetter: { to: "userToken", note: "The client option is userTokenGetter; a single call takes userToken" },
};

const TIMEOUT_SECONDS_NOTE = (name) => (value) =>
  `Python's await_approval(${name === "timeoutMs" ? "timeout" : "poll_interval"}=...) counts seconds; ${name} counts milliseconds` +
  (typeof value === "number" && Number.isFinite(value) ? `: ${value} seconds is ${name}: ${value * 1000}` : "");

/** Per-method names and notes; they win over ALIASES. */
const HINTS = {
  request: REQUEST_HINTS,
  proxyRequest: { ...REQUEST_HINTS },
  awaitApproval: {
    timeout: { to: "timeoutMs", note: TIMEOUT_SECONDS_NOTE("timeoutMs") },
    pollInterval: { to: "pollIntervalMs", note: TIMEOUT_SECONDS_NOTE("pollIntervalMs") },
    wait: { to: "timeoutMs", note: "It waits up to timeoutMs (milliseconds); wait (seconds) is getApprovalStatus's option" },
  },
  getApprovalStatus: {
    timeout: { to: "wait", note: "This method takes wait (seconds, at most 25 on the server); awaitApproval takes timeoutMs" },
    timeoutMs: { to: "wait", note: "This method takes wait (seconds, at most 25 on the server); awaitApproval takes timeoutMs" },
  },
  "new App": {
    userToken: { to: "userTokenGetter", note: "The client takes a function, userTokenGetter: () => jwt; a single call takes userToken" },
    timeoutSeconds: { to: "timeout", note: "The timeout is in milliseconds: multiply seconds by 1000" },
  },
  "new Agent": {
    userToken: { to: "userTokenGetter", note: "The client takes a function, userTokenGetter: () => jwt; a single call takes userToken" },
    timeoutSeconds: { to: "timeout", note: "The timeout is in milliseconds: multiply seconds by 1000" },
  },
};

const OWN = Object.prototype.hasOwnProperty;

function camel(k) {
  return k.replace(/[_-]+([a-zA-Z0-9])/g, (_, c) => c.toUpperCase());
}

function norm(k) {
  return k.toLowerCase().replace(/[_\-\s]/g, "");
}

/** Optimal-string-alignment distance (Damerau-Levenshtein with adjacent swaps), capped early. */
export function editDistance(a, b, cap = 4) {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev2 = null;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (prev2 && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > cap) return cap + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length];
}

function fromTable(table, key, known) {
  const hit = table && OWN.call(table, key) ? table[key] : undefined;
  if (hit === undefined) return null;
  if (Array.isArray(hit)) {
    const to = hit.find((c) => known.includes(c));
    return to ? { to, note: null } : null;
  }
  if (hit.to && !known.includes(hit.to)) return hit.note ? { to: null, note: hit.note } : null;
  return { to: hit.to ?? null, note: hit.note ?? null };
}

/**
 * The right name for an unknown option `key` of `method` (with the options it `known`s):
 * `{ to, note }`, `to` null when there is no single right name. Null when nothing fits.
 */
export function suggestOption(method, key, known = OPTION_KEYS[method] ?? []) {
  const hints = HINTS[method];
  const c = camel(key);
  for (const k of c === key ? [key] : [key, c]) {
    if (k !== key && known.includes(k)) return { to: k, note: null };
    const hit = fromTable(hints, k, known) ?? fromTable(ALIASES, k, known);
    if (hit) return hit;
  }
  const n = norm(key);
  const same = known.find((k) => norm(k) === n);
  if (same) return { to: same, note: null };
  for (const table of [hints, ALIASES]) {
    if (!table) continue;
    const alias = Object.keys(table).find((a) => norm(a) === n);
    if (alias) {
      const hit = fromTable(table, alias, known);
      if (hit) return hit;
    }
  }
  // Singular for plural and back (family → families, scope → scopes, reasons → reason).
  const forms = [`${n}s`, `${n}es`, n.replace(/y$/, "ies"), n.replace(/ies$/, "y"), n.replace(/e?s$/, "")];
  const plural = known.find((k) => forms.includes(norm(k)));
  if (plural) return { to: plural, note: null };
  // A known name that starts or ends with this one (maxTtl → maxTtlSeconds, type → ruleType).
  if (n.length >= 4) {
    const part = [...new Set(known.filter((k) => norm(k).startsWith(n) || norm(k).endsWith(n)).map(norm))];
    if (part.length === 1) return { to: known.find((k) => norm(k) === part[0]), note: null };
  }
  // A near spelling: the closest known name, if it is close for its length and the only one.
  const limit = n.length <= 4 ? 1 : n.length <= 9 ? 2 : 3;
  let best = null;
  let bestD = limit + 1;
  let tie = false;
  for (const k of known) {
    const d = editDistance(n, norm(k), limit);
    if (d < bestD) {
      best = k;
      bestD = d;
      tie = false;
    } else if (best !== null && d === bestD && norm(k) !== norm(best)) tie = true; // user_token and userToken are one name
  }
  return best && !tie ? { to: best, note: null } : null;
}

/**
 * For the nested objects that check their own keys (grantPolicy, principal, requestedGrant, rule):
 * `; did you mean "x"?` when a right name is found, else "".
 */
export function didYouMean(key, known) {
  const s = suggestOption("", key, known);
  return s?.to ? `; did you mean ${JSON.stringify(s.to)}?` : "";
}

function describe(method, key, value, known) {
  const s = suggestOption(method, key, known);
  let text = `unknown option ${JSON.stringify(key)}`;
  if (s?.to) text += `; did you mean ${JSON.stringify(s.to)}${UNITS[s.to] ? ` (${UNITS[s.to]})` : ""}?`;
  const note = typeof s?.note === "function" ? s.note(value) : s?.note;
  if (note) text += `${s?.to ? " " : ". "}${note}.`;
  else if (!s?.to) text += ".";
  return { text, to: s?.to ?? null, hinted: Boolean(s) };
}

function label(method) {
  return method.startsWith("new ") ? `${method}(options)` : `${method}()`;
}

/**
 * Throws AlterValueError naming every unknown key of `options` (a plain object; anything else is
 * left to the method's own checks). `known` defaults to the table entry of `method`.
 */
export function checkOptionKeys(method, options, known = OPTION_KEYS[method]) {
  if (options === null || typeof options !== "object" || Array.isArray(options) || !known) return;
  let unknown = null;
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) (unknown ??= []).push(k);
  }
  if (!unknown) return;
  const parts = unknown.map((k) => describe(method, k, options[k], known));
  let message = `${label(method)}: ${parts.map((p) => p.text).join(" ")}`;
  if (parts.some((p) => !p.hinted)) message += ` Known options: ${known.join(", ")}.`;
  const suggestions = {};
  unknown.forEach((k, i) => {
    suggestions[k] = parts[i].to;
  });
  throw new AlterValueError(message, { method, unknown_options: unknown, suggestions }, {
    code: "unknown_option",
    fields: { option: unknown[0], suggestion: parts[0].to },
  });
}

// ---- first-contact warnings ----------------------------------------------------------------------

/** One registry per process (shared by every copy of the package loaded in it). */
const WARNED = (() => {
  const sym = Symbol.for("alter-edge.warned-once");
  try {
    if (!(globalThis[sym] instanceof Set)) {
      Object.defineProperty(globalThis, sym, { value: new Set(), configurable: true });
    }
    return globalThis[sym];
  } catch {
    return new Set();
  }
})();

/**
 * Logs `message` through `logger.warn` the first time `id` is seen in this process. A client
 * without a logger (`logger: null`) neither logs nor uses up the one time.
 */
export function warnOnce(logger, id, message) {
  if (WARNED.has(id) || !logger || typeof logger.warn !== "function") return false;
  WARNED.add(id); // latched first: a throwing logger never makes the warning repeat
  try {
    logger.warn(message);
  } catch {
    // an advisory never breaks the call it annotates
  }
  return true;
}

/** The logger a constructor will use: `null` silences, omitted means console. */
function loggerOf(options) {
  if (options.logger === null || options.logLevel === "error" || options.logLevel === "silent") return null;
  if (options.logger === undefined) return typeof console !== "undefined" ? console : null;
  return options.logger;
}

/** Below this a constructor timeout (milliseconds) was most likely meant as seconds. */
export const TIMEOUT_WARN_BELOW_MS = 100;

/**
 * `new App(options)` / `new Agent(options)`: strict keys, then the one-time warning for a timeout
 * that looks like seconds (Python's `timeout` is in seconds, ours in milliseconds).
 */
export function checkClientOptions(kind, options) {
  if (options === null || typeof options !== "object" || Array.isArray(options)) return;
  checkOptionKeys(`new ${kind}`, options);
  const t = options.timeout;
  if (typeof t === "number" && Number.isFinite(t) && t > 0 && t < TIMEOUT_WARN_BELOW_MS) {
    warnOnce(loggerOf(options), "timeout-unit",
      `alter-edge: new ${kind}({ timeout: ${t} }) means ${t} milliseconds. The timeout is in milliseconds ` +
      `(the Python SDK's is in seconds); for ${t} seconds write timeout: ${t * 1000}. (Logged once.)`);
  }
}

const HTTP_METHOD = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$/i;

/**
 * `request(method, url, options)`: the old positional form, strict keys, then the one-time
 * warning for `grantId` on an impersonating Agent (App.getAgent): that path runs on the App's
 * credentials and can reach grants the named agent holds no delegation for.
 */
export function checkRequestOptions(state, method, url, options) {
  if (typeof options === "string" && typeof url === "string" && HTTP_METHOD.test(url)) {
    throw new AlterValueError(
      "request(method, url, options): the old request(grantId, method, url) form is now " +
        "request(method, url, { grantId })", {}, { code: "invalid_argument" },
    );
  }
  checkOptionKeys("request", options);
  if (!state || !state.impersonating || options === null || typeof options !== "object") return;
  const grant = options.grantId;
  const provider = options.provider;
  if (typeof grant === "string" && grant !== "" && (provider === undefined || provider === null || provider === "")) {
    warnOnce(state.warnLogger, "impersonation-grant-id",
      "alter-edge: request({ grantId }) on an Agent from App.getAgent() uses the App's key with the agent " +
        "as caller: it is impersonation, not delegation-scoped access, and can reach grants the agent has no " +
        "delegation for. For delegation-scoped access use the agent's own key (new Agent({ apiKey })), or " +
        "request({ provider, userToken }) to go through the agent's delegations. (Logged once.)");
  }
}

/**
 * `agent.trace(options, fn)`: metadata is free-form, but a case or separator variant of runId,
 * threadId or parent (runID, thread-id, Parent) would become metadata instead of the run fields.
 */
export function checkTraceOptions(options) {
  if (options === null || typeof options !== "object" || Array.isArray(options)) return;
  for (const k of Object.keys(options)) {
    if (k === "runId" || k === "threadId" || k === "parent") continue;
    const n = norm(k);
    const to = n === "runid" ? "runId" : n === "threadid" ? "threadId" : n === "parent" ? "parent" : null;
    if (to && k !== to.replace(/I/, "_i")) {
      throw new AlterValueError(
        `trace(options): ${JSON.stringify(k)} would be recorded as metadata; did you mean ${JSON.stringify(to)}?`,
        { method: "trace", unknown_options: [k], suggestions: { [k]: to } },
        { code: "unknown_option", fields: { option: k, suggestion: to } },
      );
    }
  }
}
