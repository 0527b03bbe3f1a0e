// Connect sessions, auth sessions and verifyUserToken (api-surface.md §2.4, §2.5; ts-api.md §8).

import {
  AlterSDKError, AlterValueError, BackendError, ConnectConfigError, ConnectDeniedError, ConnectFlowError,
  ConnectTimeoutError, CredentialRevokedError, GrantNotFoundError, NoDelegatedGrantError, RateLimitError,
  ServerFeatureUnsupportedError,
} from "../errors.js";
import { didYouMean } from "../strict.js";
import { grantPolicyWire, scopeConstraintWire } from "./grants.js";
import { AuthResult, AuthSession, ConnectResult, ConnectSession, ManagedSecretConnectSession } from "./models.js";
import {
  backendCall, canonicalUuid, isPlainObject, optBool, optionsOf, optString, reqString, sleep, stateOf, userTokenFor,
  isAgent,
} from "./util.js";

export const DEFAULT_CONNECT_TIMEOUT_MS = 300_000;
export const DEFAULT_CONNECT_POLL_INTERVAL_MS = 2_000;
const MAX_AUTH_WAIT_MS = 25_000;

const CONFIG_CODES = [
  "connect_config_error", "invalid_redirect_uri", "invalid_client", "unauthorized_client",
  "provider_configuration_unavailable", "shared_dev_credential_unavailable", "managed_oauth_scope_approval_required",
];

function distinctProviders(list) {
  return new Set((list ?? []).map((p) => p.trim().toLowerCase())).size;
}

function requestedGrantWire(v, { restrictions }) {
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw new AlterValueError("requestedGrant must be an object");
  const out = {};
  for (const k of Object.keys(v)) {
    if (k === "label") {
      if (typeof v.label !== "string" || v.label.length < 1 || v.label.length > 255) throw new AlterValueError("requestedGrant.label must be 1..255 characters");
      out.label = v.label;
    } else if (k === "restrictions" && restrictions) {
      const r = v.restrictions;
      if (!isPlainObject(r)) throw new AlterValueError("requestedGrant.restrictions must be an object");
      const rw = {};
      for (const rk of Object.keys(r)) {
        const key = { allowedMethods: "allowed_methods", allowed_methods: "allowed_methods", allowedEndpoints: "allowed_endpoints", allowed_endpoints: "allowed_endpoints" }[rk];
        if (!key) throw new AlterValueError(`requestedGrant.restrictions: unknown key ${JSON.stringify(rk)}${didYouMean(rk, ["allowedMethods", "allowedEndpoints"])}`);
        if (!Array.isArray(r[rk]) || r[rk].some((s) => typeof s !== "string")) throw new AlterValueError(`requestedGrant.restrictions.${rk} must be an array of strings`);
        rw[key] = [...r[rk]];
      }
      out.restrictions = rw;
    } else {
      throw new AlterValueError(`requestedGrant: unknown key ${JSON.stringify(k)}${didYouMean(k, restrictions ? ["label", "restrictions"] : ["label"])}`);
    }
  }
  if (out.label === undefined) throw new AlterValueError("requestedGrant.label is required");
  return out;
}

function metadataWire(m) {
  if (m === undefined || m === null) return null;
  if (!isPlainObject(m)) throw new AlterValueError("metadata must be an object with ipAddress / userAgent");
  const out = {};
  for (const k of Object.keys(m)) {
    const key = { ipAddress: "ip_address", ip_address: "ip_address", userAgent: "user_agent", user_agent: "user_agent" }[k];
    if (!key) throw new AlterValueError(`metadata: unknown key ${JSON.stringify(k)} (ipAddress, userAgent)${didYouMean(k, ["ipAddress", "userAgent"])}`);
    if (m[k] === null || m[k] === undefined) continue;
    if (typeof m[k] !== "string") throw new AlterValueError(`metadata.${k} must be a string`);
    out[key] = m[k];
  }
  return out;
}

function requiredScopesWire(v) {
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw new AlterValueError("requiredScopes must be an object of provider → scope list");
  for (const k of Object.keys(v)) {
    if (!Array.isArray(v[k]) || v[k].some((s) => typeof s !== "string")) throw new AlterValueError(`requiredScopes[${JSON.stringify(k)}] must be an array of strings`);
  }
  return v;
}

/** `createConnectSession({...})` → ConnectSession (§2.4.1; every option of ts-api / api-surface §6.4). */
export async function createConnectSession(options) {
  const o = optionsOf("createConnectSession", options);
  let allowed = null;
  if (o.allowedProviders !== undefined && o.allowedProviders !== null) {
    if (!Array.isArray(o.allowedProviders) || o.allowedProviders.length === 0 || o.allowedProviders.some((p) => typeof p !== "string" || p.trim() === "")) {
      throw new AlterValueError("allowedProviders must be a non-empty array of non-empty strings");
    }
    allowed = [...o.allowedProviders];
  }
  const direct = optBool("direct", o.direct) ?? false;
  const switchAccount = optBool("switchAccount", o.switchAccount) ?? false;
  const allowRules = optBool("allowUserPolicyRules", o.allowUserPolicyRules) ?? true;
  const delegable = optBool("delegable", o.delegable);
  const agent = optString("agent", o.agent);
  const requested = requestedGrantWire(o.requestedGrant, { restrictions: true });
  const repair = o.repairGrantId === undefined || o.repairGrantId === null ? undefined : canonicalUuid("repairGrantId", o.repairGrantId);
  if (direct && distinctProviders(allowed) !== 1) throw new AlterValueError("direct requires exactly one allowed provider");
  if (repair) {
    if (distinctProviders(allowed) !== 1) throw new AlterValueError("repairGrantId requires exactly one allowed provider");
    if (requested || agent || switchAccount) throw new AlterValueError("repairGrantId cannot be combined with requestedGrant, agent or switchAccount");
  }
  const body = {
    allowed_providers: allowed,
    return_url: o.returnUrl ?? null,
    allowed_origin: o.allowedOrigin ?? null,
    metadata: metadataWire(o.metadata),
  };
  for (const [k, v] of [["returnUrl", body.return_url], ["allowedOrigin", body.allowed_origin]]) {
    if (v !== null && typeof v !== "string") throw new AlterValueError(`${k} must be a string`);
  }
  // direct is forced off when delegating with delegable=true (§2.4.1).
  if (direct && !(agent && delegable === true)) body.direct = true;
  if (switchAccount) body.switch_account = true;
  if (!allowRules) body.allow_user_policy_rules = false;
  const policy = grantPolicyWire("grantPolicy", o.grantPolicy, { forbid: ["expires_at"] });
  if (policy !== undefined) body.grant_policy = policy;
  const req = requiredScopesWire(o.requiredScopes);
  if (req !== undefined) body.required_scopes = req;
  if (requested) body.requested_grant = requested;
  if (repair) body.repair_grant_id = repair;
  if (agent) body.agent = agent;
  if (delegable !== undefined) body.delegable = delegable;
  const sc = scopeConstraintWire(o.scopeConstraint);
  if (sc) body.scope_constraint = sc;
  const token = await userTokenFor(this, o.userToken, true);
  if (token) body.user_token = token;
  const reply = await backendCall(this, "POST", "/sdk/oauth/connect/session", body, { signal: o.signal });
  return new ConnectSession(reply.json);
}

function pollTiming(o) {
  const timeout = o.timeout ?? o.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const interval = o.pollInterval ?? o.pollIntervalMs ?? DEFAULT_CONNECT_POLL_INTERVAL_MS;
  if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0) throw new AlterValueError("timeout must be a positive number of milliseconds");
  if (typeof interval !== "number" || !Number.isFinite(interval) || interval <= 0) throw new AlterValueError("pollInterval must be a positive number of milliseconds");
  return { timeout, interval };
}

function completedResults(json) {
  const grants = json.grants === undefined || json.grants === null ? [] : json.grants;
  if (!Array.isArray(grants)) throw new BackendError("Connect poll: grants is not a list", {}, { code: "malformed_response" });
  let failed = json.failed_grants ?? [];
  if (!Array.isArray(failed) || failed.some((f) => !isPlainObject(f) || [f.provider_id, f.reason, f.message].some((s) => typeof s !== "string" || s === ""))) {
    throw new BackendError("Connect poll: malformed failed_grants", {}, { code: "malformed_response" });
  }
  failed = failed.map((f) => ({ provider_id: f.provider_id, reason: f.reason, message: f.message }));
  const results = grants.map((g) => {
    if (!isPlainObject(g) || typeof g.grant_id !== "string" || typeof g.provider_id !== "string") {
      throw new BackendError("Connect poll: malformed grant entry", {}, { code: "malformed_response" });
    }
    if (g.operation !== undefined && g.operation !== null && !["creation", "reauth"].includes(g.operation)) {
      throw new BackendError("Connect poll: unknown grant operation", {}, { code: "malformed_response" });
    }
    if (g.delegation !== undefined && g.delegation !== null) {
      const d = g.delegation;
      if (!isPlainObject(d) || typeof d.agent_id !== "string" || typeof d.delegable !== "boolean") {
        throw new BackendError("Connect poll: malformed delegation", {}, { code: "malformed_response" });
      }
    }
    return new ConnectResult({ ...g, operation: g.operation ?? "creation", failed_grants: failed });
  });
  if (results.length === 0 && failed.length > 0) {
    const onlyActivation = failed.every((f) => f.reason === "not_selected" || f.reason === "activation_failed");
    throw new ConnectFlowError("No grant was created by the Connect session", {
      error_code: onlyActivation ? "grant_activation_failed" : "grant_policy_application_failed", failed_grants: failed,
    }, { code: onlyActivation ? "grant_activation_failed" : "grant_policy_application_failed" });
  }
  return results;
}

function pollError(err) {
  if (!isPlainObject(err) || typeof err.error_code !== "string" || !err.error_code.trim() || typeof err.error_message !== "string" || !err.error_message.trim()) {
    return new BackendError("Connect poll: malformed error", {}, { code: "malformed_response" });
  }
  const details = { error_code: err.error_code };
  if (err.retry_after_seconds !== undefined) details.retry_after_seconds = err.retry_after_seconds;
  const code = err.error_code;
  if (code === "connect_denied") return new ConnectDeniedError(err.error_message, details, { code });
  if (CONFIG_CODES.includes(code)) return new ConnectConfigError(err.error_message, details, { code });
  if (code === "service_unavailable") return new BackendError(err.error_message, { ...details, status_code: 503 }, { code, status: 503 });
  if (code === "identity_provider_inactive" || code === "identity_group_name_ambiguous") {
    return new BackendError(err.error_message, { ...details, status_code: 409 }, { code, status: 409 });
  }
  return new ConnectFlowError(err.error_message, details, { code });
}

/**
 * `pollConnectSession(sessionToken, { timeout = 300000, pollInterval = 2000, onEvent })` (ms):
 * polls until the session completes; resolves to one ConnectResult per connected grant (§2.4.2).
 */
export async function pollConnectSession(sessionToken, options) {
  reqString("sessionToken", sessionToken);
  const o = optionsOf("pollConnectSession", options);
  const { timeout, interval } = pollTiming(o);
  if (o.onEvent !== undefined && o.onEvent !== null && typeof o.onEvent !== "function") throw new AlterValueError("onEvent must be a function");
  const deadline = Date.now() + timeout;
  const declined = new Map();
  let sawPending = false;
  const timeoutError = (reason, extra = {}) => {
    const details = { timeout, reason, ...extra };
    if (declined.size) details.declined_providers = [...declined.keys()].sort();
    return new ConnectTimeoutError(`Connect session did not complete (${reason})`, details, { code: "connect_timeout" });
  };
  for (;;) {
    let json;
    try {
      ({ json } = await backendCall(this, "POST", "/sdk/oauth/connect/session/poll", { session_token: sessionToken }, { signal: o.signal }));
    } catch (e) {
      if (!(e instanceof RateLimitError)) throw e;
      const left = deadline - Date.now();
      if (left <= 0) throw timeoutError("rate_limited", { retry_after: e.retryAfter ?? null });
      await sleep(Math.min(Math.max((e.retryAfter ?? 0) * 1000, interval), left), o.signal);
      continue;
    }
    if (!isPlainObject(json) || typeof json.status !== "string" || json.status === "") {
      throw new BackendError("Connect poll returned no status", {}, { code: "malformed_response" });
    }
    switch (json.status) {
      case "completed":
        return completedResults(json);
      case "error":
        throw pollError(json.error);
      case "expired":
        if (sawPending) throw timeoutError("session_expired");
        throw new ConnectFlowError("The Connect session expired or was not found before polling began", {}, { code: "connect_session_expired" });
      case "pending": {
        sawPending = true;
        for (const d of Array.isArray(json.declined_providers) ? json.declined_providers : []) {
          if (!isPlainObject(d) || typeof d.provider_id !== "string" || typeof d.error_code !== "string" || declined.has(d.provider_id)) continue;
          declined.set(d.provider_id, true);
          if (o.onEvent) {
            try {
              o.onEvent({ type: "provider_declined", providerId: d.provider_id, errorCode: d.error_code, declinedAt: typeof d.declined_at === "string" ? d.declined_at : null });
            } catch {
              stateOf(this).emit?.("warn", "pollConnectSession: onEvent callback threw");
            }
          }
        }
        break;
      }
      default:
        throw new ConnectFlowError(`Unexpected poll status from server: ${json.status.slice(0, 64)}`, {}, { code: "connect_unexpected_status" });
    }
    const left = deadline - Date.now();
    if (left <= 0) throw timeoutError("poll_deadline_elapsed");
    await sleep(Math.min(interval, left), o.signal);
  }
}

/**
 * `createConnectSessionForError(error, { allowedOrigin, returnUrl, metadata, grantPolicy,
 * requiredScopes, userToken })`: a Connect session that repairs what `error` reports (§2.4.3).
 */
export async function createConnectSessionForError(error, options) {
  const o = optionsOf("createConnectSessionForError", options);
  if (error === null || typeof error !== "object") throw new AlterValueError("createConnectSessionForError needs the caught error");
  const providerId = error.providerId ?? null;
  if (!providerId) throw new AlterValueError("this error names no provider, so no Connect session can repair it (e.g. a stale grantId)");
  const agentId = error.agentId ?? null;
  if (error instanceof NoDelegatedGrantError && !agentId) throw new AlterValueError("NoDelegatedGrantError without agentId: no recovery session can be derived");
  const repair = error instanceof CredentialRevokedError && error.grantId ? error.grantId : undefined;
  const base = {
    allowedProviders: [providerId], allowedOrigin: o.allowedOrigin, returnUrl: o.returnUrl, metadata: o.metadata,
    grantPolicy: o.grantPolicy, requiredScopes: o.requiredScopes, userToken: o.userToken, signal: o.signal,
  };
  if (agentId) base.agent = agentId;
  if (repair && !agentId) {
    try {
      return await createConnectSession.call(this, { ...base, repairGrantId: repair });
    } catch (e) {
      if (!(e instanceof GrantNotFoundError)) throw e;
    }
  }
  return createConnectSession.call(this, base);
}

const SLUG = /^[a-z0-9-]{1,50}$/;
const TEMPLATE = /^[A-Za-z0-9-]+$/;
const UUID_ANY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
let templateWarned = false;

/**
 * `createManagedSecretConnectSession({ provider, userToken, agent, delegable, requestedGrant,
 * grantPolicy, direct, repairGrantId, allowUserPolicyRules, allowedOrigin, returnUrl,
 * requestedTtlSeconds, templateSlug, delegatedAgentId })` (§2.4.5). On an Agent, agent /
 * repairGrantId / delegatedAgentId are not taken: an impersonating Agent names its own UUID.
 */
export async function createManagedSecretConnectSession(options) {
  const o = optionsOf("createManagedSecretConnectSession", options);
  const agentClient = isAgent(this);
  if (agentClient) {
    for (const k of ["agent", "repairGrantId", "delegatedAgentId"]) {
      if (o[k] !== undefined && o[k] !== null) throw new AlterValueError(`Agent.createManagedSecretConnectSession does not take ${k}`);
    }
  }
  const provider = o.provider === undefined || o.provider === null ? undefined : o.provider;
  if (provider !== undefined && (typeof provider !== "string" || !SLUG.test(provider))) throw new AlterValueError("provider must match [a-z0-9-]{1,50}");
  let template;
  if (o.templateSlug !== undefined && o.templateSlug !== null) {
    if (typeof o.templateSlug !== "string" || !TEMPLATE.test(o.templateSlug)) throw new AlterValueError("templateSlug must match [A-Za-z0-9-]+");
    template = o.templateSlug.toLowerCase();
    if (!templateWarned) {
      templateWarned = true;
      stateOf(this).emit?.("warn", "createManagedSecretConnectSession: templateSlug is deprecated; use provider");
    }
  }
  if (!provider && !template) throw new AlterValueError("provider is required");
  if (typeof o.userToken !== "string" || o.userToken === "") throw new AlterValueError("userToken is required (a managed-secret Connect session is always user-bound)");
  let agent = optString("agent", o.agent);
  let delegatedAgentId = o.delegatedAgentId === undefined || o.delegatedAgentId === null ? undefined : canonicalUuid("delegatedAgentId", o.delegatedAgentId);
  if (agent && delegatedAgentId) throw new AlterValueError("agent and delegatedAgentId are mutually exclusive");
  if (agentClient) {
    const pinned = stateOf(this).traceAgentId;
    if (typeof pinned === "string" && UUID_ANY.test(pinned)) {
      if (template && !provider) delegatedAgentId = pinned.toLowerCase();
      else agent = pinned.toLowerCase();
    }
  }
  const delegable = optBool("delegable", o.delegable) ?? false;
  const direct = optBool("direct", o.direct) ?? false;
  const allowRules = optBool("allowUserPolicyRules", o.allowUserPolicyRules) ?? true;
  const requested = requestedGrantWire(o.requestedGrant, { restrictions: false });
  const policy = grantPolicyWire("grantPolicy", o.grantPolicy);
  let ttl;
  if (o.requestedTtlSeconds !== undefined && o.requestedTtlSeconds !== null) {
    if (typeof o.requestedTtlSeconds !== "number" || !Number.isInteger(o.requestedTtlSeconds) || o.requestedTtlSeconds <= 0) {
      throw new AlterValueError("requestedTtlSeconds must be a positive integer");
    }
    ttl = o.requestedTtlSeconds;
  }
  if (policy !== undefined && ttl !== undefined) throw new AlterValueError("grantPolicy and requestedTtlSeconds are mutually exclusive");
  const repair = o.repairGrantId === undefined || o.repairGrantId === null ? undefined : canonicalUuid("repairGrantId", o.repairGrantId);
  if (repair && (agent || delegatedAgentId || requested)) throw new AlterValueError("repairGrantId cannot be combined with agent, delegatedAgentId or requestedGrant");
  for (const k of ["allowedOrigin", "returnUrl"]) if (o[k] !== undefined && o[k] !== null && typeof o[k] !== "string") throw new AlterValueError(`${k} must be a string`);
  const body = {};
  if (provider) body.provider = provider;
  if (template) body.template_slug = template;
  if (agent) body.agent = agent;
  else if (delegatedAgentId) body.delegated_agent_id = delegatedAgentId;
  body.user_token = o.userToken;
  if (ttl !== undefined) body.requested_ttl_seconds = ttl;
  if (typeof o.allowedOrigin === "string") body.allowed_origin = o.allowedOrigin;
  if (typeof o.returnUrl === "string") body.return_url = o.returnUrl;
  if (!allowRules) body.allow_user_policy_rules = false;
  if (delegable) body.delegable = true;
  if (requested) body.requested_grant = requested;
  if (policy !== undefined) body.grant_policy = policy;
  if (direct) body.direct = true;
  if (repair) body.repair_grant_id = repair;
  const reply = await backendCall(this, "POST", "/sdk/managed-secrets/connect/session", body, { signal: o.signal });
  const json = reply.json;
  // Old-backend detection on 2xx (§2.4.5).
  if (delegable && json.delegable_requested !== true) {
    throw new ServerFeatureUnsupportedError("The backend ignored delegable", { feature: "managed_secret_connect_delegable" }, { code: "server_feature_unsupported" });
  }
  if (!delegable && json.delegable_requested === true) throw new BackendError("The backend echoed delegable_requested without it being sent", {}, { code: "malformed_response" });
  const newOptions = provider || agent || requested || policy !== undefined || direct || repair;
  if (newOptions && !Object.prototype.hasOwnProperty.call(json, "path")) {
    throw new ServerFeatureUnsupportedError("The backend does not support this managed-secret Connect session", { feature: "managed_secret_connect_provider" }, { code: "server_feature_unsupported" });
  }
  if (provider && json.secret_slug !== undefined && json.secret_slug !== null && json.secret_slug !== provider) {
    throw new BackendError("The backend answered for another provider", {}, { code: "malformed_response" });
  }
  return new ManagedSecretConnectSession(json);
}

/** App only: `createAuthSession()` → AuthSession (§2.5; success status 201). */
export async function createAuthSession() {
  const reply = await backendCall(this, "POST", "/sdk/auth/session", {});
  if (reply.status !== 201) throw new AlterSDKError(`POST /sdk/auth/session returned ${reply.status}`, {}, { code: "unexpected_status" });
  return new AuthSession(reply.json);
}

/** App only: `pollAuthSession(sessionToken, { timeout = 300000, pollInterval = 2000 })` → AuthResult. */
export async function pollAuthSession(sessionToken, options) {
  reqString("sessionToken", sessionToken);
  const o = optionsOf("pollAuthSession", options);
  const { timeout, interval } = pollTiming(o);
  const deadline = Date.now() + timeout;
  for (;;) {
    const left = deadline - Date.now();
    const waitMs = Math.floor(Math.max(0, Math.min(left, MAX_AUTH_WAIT_MS)));
    const body = { session_token: sessionToken };
    if (waitMs > 0) body.wait_ms = waitMs;
    let json = null;
    try {
      ({ json } = await backendCall(this, "POST", "/sdk/auth/poll", body, { timeoutMs: waitMs + 15_000, signal: o.signal }));
    } catch (e) {
      const permanent = [400, 401, 403, 404, 422].includes(e?.status);
      if (permanent || !(e instanceof AlterSDKError) || e.code === "client_closed") throw e;
    }
    if (json !== null) {
      if (!isPlainObject(json) || typeof json.status !== "string" || json.status === "") throw new AlterSDKError("Auth poll returned no status", {}, { code: "malformed_response" });
      if (json.status === "completed") {
        if (typeof json.user_token !== "string" || json.user_token === "") throw new AlterSDKError("Auth poll completed without a user token", {}, { code: "malformed_response" });
        return new AuthResult({ user_token: json.user_token, user_info: isPlainObject(json.user_info) ? json.user_info : {} });
      }
      if (json.status === "error") {
        const code = json.error_code;
        if (code === "service_unavailable" || code === "identity_provider_inactive" || code === "identity_group_name_ambiguous") {
          const status = code === "service_unavailable" ? 503 : 409;
          throw new BackendError(`Authentication failed: ${json.error_message ?? code}`, { error_code: code, status_code: status }, { code, status });
        }
        throw new AlterSDKError(`Authentication failed: ${json.error_message || "unknown error"}`, {}, { code: typeof code === "string" ? code : "auth_failed" });
      }
      if (json.status === "expired") throw new AlterSDKError("Authentication session expired", {}, { code: "auth_session_expired" });
      if (json.status !== "pending") throw new AlterSDKError(`Unexpected auth poll status: ${json.status.slice(0, 64)}`, {}, { code: "malformed_response" });
    }
    const rest = deadline - Date.now();
    if (rest <= 0) throw new ConnectTimeoutError("Authentication did not complete in time", { timeout, reason: "poll_deadline_elapsed" }, { code: "connect_timeout" });
    await sleep(Math.min(interval, rest), o.signal);
  }
}

/** App only: `verifyUserToken(token)` → the verified `sub`, or null on any failure (never throws). */
export async function verifyUserToken(token) {
  try {
    if (typeof token !== "string" || token.trim() === "") return null;
    const st = stateOf(this);
    if (st.closed) return null;
    const { json } = await backendCall(this, "POST", "/sdk/auth/verify-token", { token });
    return isPlainObject(json) && typeof json.sub === "string" && json.sub.trim() !== "" ? json.sub : null;
  } catch (e) {
    if (!(e?.status === 401)) {
      try {
        stateOf(this).emit?.("warn", `verifyUserToken: verification failed (${e?.name ?? typeof e})`);
      } catch {
        // never throws
      }
    }
    return null;
  }
}
