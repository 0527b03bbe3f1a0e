// proxyRequest, getApprovalStatus, awaitApproval (api-surface.md §2.1, §2.2; ts-api.md §5.3, §6).

import * as core from "../core/engine.js";
import {
  AgentDelegationMissingError, AlterSDKError, AlterValueError, ApprovalDeniedError, ApprovalExecutionFailedError,
  ApprovalExpiredError, ApprovalTimeoutError, BackendError, GrantNotFoundError, NetworkError,
} from "../errors.js";
import { checkUrlScheme, serializeJson } from "../options.js";
import { ApprovalResult, ApprovalStatus, PendingApproval } from "./models.js";
import {
  backendCall, contextPairs, isPlainObject, optionsOf, reqString, sleep, stateOf, typeName, userTokenFor,
  internals, isAgent,
} from "./util.js";

/** §2.1: headers the backend injects itself; refused in extraHeaders (trimmed, case-insensitive). */
export const PROXY_FORBIDDEN_HEADERS = Object.freeze([
  "host", "authorization", "proxy-authorization", "authentication", "cookie", "set-cookie", "x-api-key",
  "x-auth-token", "x-amz-security-token", "x-amz-date", "x-amz-content-sha256", "x-goog-authorization",
  "x-goog-iam-authorization-token", "x-stripe-account", "x-shopify-access-token", "x-http-method",
  "x-http-method-override", "x-method-override",
]);
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** §2.2.1: the backend's MAX_LONG_POLL_SECONDS. */
export const MAX_APPROVAL_WAIT_SECONDS = 25;
/** §2.2.3 defaults, milliseconds (ts-api.md §6.2). */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 300_000;
export const DEFAULT_APPROVAL_POLL_INTERVAL_MS = 2_000;

function applyPathParams(url, pathParams) {
  if (pathParams === undefined || pathParams === null) {
    if (/[{}]/.test(url) && typeof core.applyPathParams === "function") return core.applyPathParams(url, []);
    return url;
  }
  if (!isPlainObject(pathParams)) throw new AlterValueError("pathParams must be an object of string values");
  const pairs = [];
  for (const k of Object.keys(pathParams)) {
    if (typeof pathParams[k] !== "string") throw new AlterValueError(`pathParams[${JSON.stringify(k)}] must be a string`);
    pairs.push([k, pathParams[k]]);
  }
  if (typeof core.applyPathParams !== "function") throw new AlterSDKError("URL templating needs the engine", {}, { code: "internal_error" });
  return core.applyPathParams(url, pairs);
}

function checkQuery(q) {
  if (q === undefined || q === null) return undefined;
  if (!isPlainObject(q)) throw new AlterValueError(`queryParams must be an object, got ${typeName(q)}`);
  const scalar = (v) => v === null || ["string", "boolean"].includes(typeof v) || (typeof v === "number" && Number.isFinite(v));
  for (const k of Object.keys(q)) {
    const v = q[k];
    if (!(scalar(v) || (Array.isArray(v) && v.every(scalar)))) {
      throw new AlterValueError(`queryParams[${JSON.stringify(k)}] must be a string, number, boolean, null or an array of those`);
    }
  }
  return q;
}

function checkHeaders(h) {
  if (h === undefined || h === null) return undefined;
  if (!isPlainObject(h)) throw new AlterValueError(`extraHeaders must be an object of string values, got ${typeName(h)}`);
  const out = {};
  for (const k of Object.keys(h)) {
    const name = k.trim();
    if (!TOKEN_RE.test(name)) throw new AlterValueError(`extraHeaders: ${JSON.stringify(k)} is not a valid header name`);
    if (PROXY_FORBIDDEN_HEADERS.includes(name.toLowerCase())) {
      throw new AlterValueError(`extraHeaders: ${name} is set by the backend and cannot be sent with proxyRequest`);
    }
    if (typeof h[k] !== "string") throw new AlterValueError(`extraHeaders[${JSON.stringify(k)}] must be a string`);
    out[k] = h[k];
  }
  return out;
}

/** Agent clients re-raise GrantNotFoundError as AgentDelegationMissingError (§1.4). */
function agentRemap(client, e) {
  if (!isAgent(client) || !(e instanceof GrantNotFoundError) || e instanceof AgentDelegationMissingError) return e;
  return new AgentDelegationMissingError(
    `${e.message} (the grant may not be delegated to this agent, or a user/base grant id was passed where the agent's own delegation id is required)`,
    e.details, { code: e.code, status: e.status, fields: { providerId: e.providerId, agentId: e.agentId, appUserId: e.appUserId } },
  );
}

/**
 * `proxyRequest(method, url, options?)` or `proxyRequest({ method, url, ...options })` (both shapes
 * of the docs, ts-api.md §5.3). Resolves to ApprovalResult (ran inline) or PendingApproval (202).
 */
export async function proxyRequest(methodOrOptions, url, options) {
  let method = methodOrOptions;
  let o;
  if (isPlainObject(methodOrOptions) && url === undefined) {
    ({ method, url, ...o } = methodOrOptions);
    optionsOf("proxyRequest", o); // checks `signal`
  } else {
    o = optionsOf("proxyRequest", options);
  }
  if (typeof method !== "string" || method.trim() === "") throw new AlterValueError("method must be a non-empty string or HttpMethod");
  reqString("url", url);
  checkUrlScheme(url);
  if (o.body !== undefined && o.body !== null) throw new AlterValueError("proxyRequest has no raw body: use json");
  const str = (name) => {
    const v = o[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string" || v === "") throw new AlterValueError(`${name} must be a non-empty string`);
    return v;
  };
  const grantId = str("grantId");
  const provider = str("provider");
  if ((grantId === undefined) === (provider === undefined)) {
    throw new AlterValueError(grantId ? "Provide either grantId or provider, not both" : "Provide exactly one of grantId or provider");
  }
  const account = str("account");
  const label = str("label");
  const appUserId = str("appUserId");
  if (!provider && (account || label || appUserId)) throw new AlterValueError("account, label and appUserId require provider");
  const reason = o.reason === undefined || o.reason === null ? undefined : o.reason;
  if (reason !== undefined && typeof reason !== "string") throw new AlterValueError("reason must be a string");
  const caller = o.caller === undefined || o.caller === null ? undefined : o.caller;
  if (caller !== undefined && typeof caller !== "string") throw new AlterValueError("caller must be a string");
  const headers = checkHeaders(o.extraHeaders);
  const query = checkQuery(o.queryParams);
  const jsonGiven = o.json !== undefined && o.json !== null;
  const json = jsonGiven ? JSON.parse(serializeJson(o.json)) : undefined;
  const finalUrl = applyPathParams(url, o.pathParams);
  const context = contextPairs(this, o.context);
  if (stateOf(this).closed) throw internals.closedError();
  const userToken = await userTokenFor(this, o.userToken, true);
  // §2.1 body, keys present only when set, in this order.
  const body = { method: method.toUpperCase(), url: finalUrl };
  if (grantId) body.grant_id = grantId;
  if (provider) body.provider_id = provider;
  if (account) body.account = account;
  if (label) body.label = label;
  if (userToken) body.user_token = userToken;
  if (appUserId) body.app_user_id = appUserId;
  if (jsonGiven) body.body = json;
  if (headers) body.headers = headers;
  if (query) body.query_params = query;
  if (reason !== undefined) body.reason = reason;
  let reply;
  try {
    reply = await backendCall(this, "POST", "/sdk/proxy", body, { mapper: "proxy", context, caller, signal: o.signal });
  } catch (e) {
    throw agentRemap(this, e);
  }
  if (reply.status === 202) return new PendingApproval(reply.json);
  return new ApprovalResult(reply.json);
}

function checkApprovalId(id) {
  return reqString("approvalId", id);
}

function isTransient(e) {
  return e instanceof NetworkError || (e instanceof BackendError && [502, 503, 504].includes(e.statusCode ?? e.details?.status_code));
}

async function statusPoll(client, approvalId, waitS, timeoutMs, signal) {
  const path = `/sdk/approvals/${encodeURIComponent(approvalId)}${waitS > 0 ? `?wait=${waitS}` : ""}`;
  let reply;
  try {
    reply = await backendCall(client, "GET", path, null, { timeoutMs, signal });
  } catch (e) {
    // §2.2.1: any non-200 is a BackendError (not the canonical classes); transport errors pass.
    if (e instanceof AlterSDKError && typeof e.status === "number" && !(e instanceof NetworkError)) {
      const code = e.code && e.code !== "alter_sdk_error" ? e.code : null;
      throw new BackendError(
        `GET ${path} returned ${e.status}${code ? ` (${code}${e.message ? `: ${e.message}` : ""})` : ""}`,
        code ? { status_code: e.status, error: code } : { status_code: e.status },
        { code: code ?? "backend_error", status: e.status },
      );
    }
    throw e;
  }
  return new ApprovalStatus(reply.json);
}

/**
 * `getApprovalStatus(approvalId, { wait? })`: a snapshot; `wait` (seconds, floored, ≤ 25 by the
 * server) holds the request until the status changes.
 */
export async function getApprovalStatus(approvalId, options) {
  checkApprovalId(approvalId);
  const o = optionsOf("getApprovalStatus", options);
  let wait = 0;
  if (o.wait !== undefined && o.wait !== null) {
    if (typeof o.wait !== "number" || !Number.isFinite(o.wait)) throw new AlterValueError("wait must be a finite number of seconds");
    wait = Math.max(0, Math.floor(o.wait));
  }
  const timeoutMs = wait > 0 ? (Math.min(wait, MAX_APPROVAL_WAIT_SECONDS) + 15) * 1000 : undefined;
  return statusPoll(this, approvalId, wait, timeoutMs, o.signal);
}

async function fetchResult(client, approvalId, signal) {
  const reply = await backendCall(client, "GET", `/sdk/approvals/${encodeURIComponent(approvalId)}/result`, null, { mapper: "proxy", signal });
  return new ApprovalResult(reply.json);
}

function approvalError(Cls, approvalId, message, code) {
  return new Cls(message, { approval_id: approvalId }, { code, fields: { approvalId } });
}

/**
 * `awaitApproval(approvalId, { timeoutMs = 300000, pollIntervalMs = 2000 })` (§2.2.3): polls with the
 * server-side wait until a terminal status; resolves to the ApprovalResult once executed.
 */
export async function awaitApproval(approvalId, options) {
  checkApprovalId(approvalId);
  const o = optionsOf("awaitApproval", options);
  // Milliseconds; the Python names (timeout, poll_interval: seconds) are refused by strict.js.
  let timeoutMs = o.timeoutMs;
  let pollMs = o.pollIntervalMs;
  if (timeoutMs === undefined || timeoutMs === null) timeoutMs = DEFAULT_APPROVAL_TIMEOUT_MS;
  if (pollMs === undefined || pollMs === null) pollMs = DEFAULT_APPROVAL_POLL_INTERVAL_MS;
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs)) throw new AlterValueError("timeoutMs must be a finite number");
  if (typeof pollMs !== "number" || !Number.isFinite(pollMs) || pollMs <= 0) throw new AlterValueError("pollIntervalMs must be a finite number > 0");
  const timeoutText = `${timeoutMs / 1000}s`;
  const timedOut = (last) => {
    let msg = `local wait of ${timeoutText} elapsed; approval still pending`;
    if (last instanceof NetworkError) msg += " (polling failed with transport errors)";
    else if (last) msg += ` (the backend was returning transient ${last.statusCode}s)`;
    return approvalError(ApprovalTimeoutError, approvalId, msg, "approval_timeout");
  };
  if (timeoutMs <= 0) throw timedOut(null);
  const deadline = Date.now() + timeoutMs;
  let lastTransient = null;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw timedOut(lastTransient);
    const waitS = Math.max(0, Math.min(MAX_APPROVAL_WAIT_SECONDS, Math.floor(remaining / 1000)));
    const perCall = Math.max(1, Math.min(remaining, (waitS + 15) * 1000));
    let status;
    try {
      status = await statusPoll(this, approvalId, waitS, perCall, o.signal);
      lastTransient = null;
    } catch (e) {
      if (!isTransient(e)) throw e;
      lastTransient = e;
      await sleep(Math.min(pollMs, deadline - Date.now()), o.signal);
      continue;
    }
    switch (status.status) {
      case "executed":
        if (!status.hasResult) break;
        for (;;) {
          try {
            return await fetchResult(this, approvalId, o.signal);
          } catch (e) {
            if (!isTransient(e)) throw e;
            lastTransient = e;
            if (deadline - Date.now() <= 0) throw timedOut(e);
            await sleep(Math.min(pollMs, deadline - Date.now()), o.signal);
          }
        }
      case "denied":
        throw approvalError(ApprovalDeniedError, approvalId, status.decisionReason || "approver denied the request", "approval_denied");
      case "expired":
        throw approvalError(ApprovalExpiredError, approvalId, "approval window elapsed without a decision", "approval_expired");
      case "failed":
        throw approvalError(ApprovalExecutionFailedError, approvalId,
          status.executionError || status.decisionReason || "backend proxy execution failed", "approval_execution_failed");
      default:
        break;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw timedOut(null);
    await sleep(Math.min(pollMs, left), o.signal);
  }
}
