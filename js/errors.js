// The SDK's error classes (api-surface.md §3.2, 0.29.0 tree, plus the TypeScript names of ts-api.md
// §12) and the ONE factory that turns the engine's structured Rust error into one of them (design
// rule 5; the driver calls it). It imports only values.js, so nothing stands between an entry and
// its one instance.
//
// Every error: `name` (the class name), `message` (never a credential), `code` (stable: the backend
// `error` code, or a local code), `status`/`statusCode` (HTTP status when one caused it, else null),
// `details` (a plain object; the parsed backend body, snake_case as on the wire) and the class's
// attributes in camelCase (api-surface.md §6.6).

import { isPlainObject } from "./values.js";

/** Keys that a `fields` entry may never overwrite on an error object. */
const PROTECTED_KEYS = new Set([
  "name", "message", "stack", "cause", "code", "status", "statusCode", "details",
  "constructor", "toJSON", "toString", "__proto__", "prototype",
]);

/** snake_case (or kebab-case) → camelCase; other strings unchanged. */
function camelCase(key) {
  return key.replace(/[_-]+([a-zA-Z0-9])/g, (_, c) => c.toUpperCase());
}

/** Plain JSON data from a value that may hold `Map`s (the factory takes them from any caller). */
function toPlain(value, depth = 0) {
  if (depth > 32) return null;
  if (value instanceof Map) {
    const out = {};
    for (const [k, v] of value) if (typeof k === "string") out[k] = toPlain(v, depth + 1);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => toPlain(v, depth + 1));
  if (value !== null && typeof value === "object") {
    const out = {};
    for (const k of Object.keys(value)) out[k] = toPlain(value[k], depth + 1);
    return out;
  }
  if (typeof value === "bigint") return Number(value);
  return value;
}

/** Field values: object keys camel-cased all the way down (e.g. `candidates[].grantId`). */
function camelizeDeep(value, depth = 0) {
  if (depth > 32) return null;
  if (Array.isArray(value)) return value.map((v) => camelizeDeep(v, depth + 1));
  if (value !== null && typeof value === "object") {
    const out = {};
    for (const k of Object.keys(value)) {
      const ck = camelCase(k);
      if (ck === "__proto__") continue;
      out[ck] = camelizeDeep(value[k], depth + 1);
    }
    return out;
  }
  return value;
}

function asStatus(v) {
  return typeof v === "number" && Number.isInteger(v) && v >= 100 && v <= 599 ? v : null;
}

/**
 * Class attributes with their defaults (api-surface.md §3.3, camelCased per §6.6). A fresh value
 * is made per instance so arrays are never shared.
 */
const FIELD_DEFAULTS = {
  MemoryIsolationError: {},
  GrantExpiredError: { providerId: null, agentId: null, appUserId: null },
  GrantRevokedError: { grantId: null },
  CredentialRevokedError: { grantId: null, providerId: null, appUserId: null },
  GrantNotFoundError: { providerId: null, agentId: null, appUserId: null },
  AmbiguousGrantError: {
    providerId: null, accountIdentifiers: [], accountWasProvided: false, appUserIds: [],
    grantIds: [], candidates: [], candidatesTruncated: false,
  },
  NoDelegatedGrantError: { providerId: null, agentId: null, appUserId: null },
  PolicyViolationError: { policyError: null },
  StepUpRequiredError: { maxSessionAgeSeconds: null },
  GrantNotDelegableError: { detailReason: null },
  SiblingLabelConflictError: { label: null },
  CredentialIdRequiredError: { credentials: [] },
  InsufficientScopeError: {
    required: [], granted: [], missing: [], scopeVersion: null, currentScopeVersion: null,
    scopeVersionMismatch: false, documentationUrl: null, requiredAnyOf: false,
  },
  TokenRefreshInProgressError: { grantId: null },
  QuotaExceededError: { retryAfter: null },
  RateLimitError: { retryAfter: null, scope: null, limit: null, windowSeconds: null },
  AgentError: { hint: null },
  ProviderAPIError: { responseBody: null },
  ScopeReauthRequiredError: { grantId: null, providerId: null, missingScopes: null },
  ProviderUnauthorizedError: { grantId: null, providerId: null },
  ApprovalError: { approvalId: null },
};

function copyDefault(v) {
  return Array.isArray(v) ? [...v] : v;
}

/**
 * Root of the hierarchy. `new AlterSDKError(message, details?, init?)` where `init` may carry
 * `{ code, status, fields }` (what the factory passes). `details` that is not a plain object
 * becomes `{}`. No `cause` is ever attached: an original error may hold a JWT or a token.
 */
export class AlterSDKError extends Error {
  constructor(message, details, init) {
    super(typeof message === "string" ? message : message == null ? "" : String(message));
    const opts = init !== null && typeof init === "object" ? init : {};
    const det = isPlainObject(details) ? details : {};
    const ctor = new.target;
    // Class defaults first (walk from the root down so a child's defaults win).
    const chain = [];
    for (let c = ctor; c && c !== Error && c !== Object; c = Object.getPrototypeOf(c)) chain.unshift(c);
    for (const c of chain) {
      const defs = FIELD_DEFAULTS[c.errorName];
      if (defs) for (const k of Object.keys(defs)) this[k] = copyDefault(defs[k]);
    }
    const status = asStatus(opts.status) ?? asStatus(det.status_code);
    this.code = typeof opts.code === "string" && opts.code ? opts.code : ctor.defaultCode ?? "alter_sdk_error";
    this.status = status;
    this.statusCode = status;
    this.details = det;
    const fields = isPlainObject(opts.fields) ? opts.fields : {};
    for (const k of Object.keys(fields)) {
      const ck = camelCase(k);
      if (PROTECTED_KEYS.has(ck)) continue;
      this[ck] = camelizeDeep(fields[k]);
    }
  }

  /** JSON form: name, code, message, status and the class attributes; never a stack. */
  toJSON() {
    const out = { name: this.name, code: this.code, message: this.message, status: this.status };
    for (const k of Object.keys(this)) {
      if (k === "stack" || k === "statusCode") continue;
      out[k] = this[k];
    }
    return out;
  }

  toString() {
    return `${this.name}: ${this.message}`;
  }
}

// ---- The tree (parents before children). Names and default codes are attached below. ------------
export class AlterValueError extends AlterSDKError {}
export class MemoryIsolationError extends AlterSDKError {}
export class BackendError extends AlterSDKError {}
export class BlockedDestinationError extends BackendError {}
export class ReAuthRequiredError extends BackendError {}
export class GrantExpiredError extends ReAuthRequiredError {}
export class GrantRevokedError extends ReAuthRequiredError {}
export class CredentialRevokedError extends ReAuthRequiredError {}
export class GrantDeletedError extends ReAuthRequiredError {}
export class GrantNotFoundError extends BackendError {}
export class AgentDelegationMissingError extends GrantNotFoundError {}
export class AmbiguousGrantError extends BackendError {}
export class NoDelegatedGrantError extends BackendError {}
export class PolicyViolationError extends BackendError {}
export class StepUpRequiredError extends PolicyViolationError {}
export class RedactDischargeFailedError extends PolicyViolationError {}
export class RestrictedGrantRequiresProxyError extends BackendError {}
export class GrantNotDelegableError extends BackendError {}
export class ServerFeatureUnsupportedError extends BackendError {}
export class SiblingLabelConflictError extends BackendError {}
export class CredentialIdRequiredError extends BackendError {}
export class EndUserCredentialNotAssignableError extends BackendError {}
export class InsufficientScopeError extends BackendError {
  /** Aliases of api-surface.md §3.3. */
  get requiredScopes() { return this.required; }
  get grantedScopes() { return this.granted; }
  get docsUrl() { return this.documentationUrl; }
}
export class TokenRefreshInProgressError extends BackendError {}
export class QuotaExceededError extends BackendError {}
export class RateLimitError extends BackendError {}
export class AgentError extends BackendError {
  constructor(message, details, init) {
    super(message, details, init);
    // §3.1: an AgentError's message falls back to its code.
    if (!this.message) this.message = this.code;
  }
}
export class InvalidKeyError extends AgentError {}
export class AgentNotFoundError extends AgentError {}
export class CallerAgentMismatchError extends AgentError {}
export class CallerAgentResolutionError extends AgentError {}
export class AgentNameExistsError extends AgentError {}
export class AgentConcurrentUpdateError extends AgentError {}
export class MeRequiresAgentKeyError extends AgentError {}
export class KeyRevokedError extends AgentError {}
export class KeyExpiredError extends AgentError {}
export class KeyRotationExpiredError extends AgentError {}
export class KeyInactiveError extends AgentError {}
export class KeyAppNotFoundError extends AgentError {}
export class AgentInactiveError extends AgentError {}
export class AgentRevokedError extends AgentError {}
export class IdempotencyKeyBodyMismatchError extends AgentError {}
export class IdempotencyKeyAgentRevokedError extends AgentError {}
export class IdempotencyKeyAgentInactiveError extends AgentError {}
export class AgentCannotMintSubagentsError extends AgentError {}
export class KeyAlreadyRevokedError extends AgentError {}
export class KeyNotFoundError extends AgentError {}
export class LastActiveKeyError extends AgentError {}
export class AgentKeyLimitError extends AgentError {}
export class ConnectFlowError extends AlterSDKError {}
export class ConnectDeniedError extends ConnectFlowError {}
export class ConnectConfigError extends ConnectFlowError {}
export class ConnectTimeoutError extends ConnectFlowError {}
export class ProviderAPIError extends AlterSDKError {}
export class ScopeReauthRequiredError extends ProviderAPIError {}
export class ProviderUnauthorizedError extends ProviderAPIError {}
export class NetworkError extends AlterSDKError {}
// Shadows the global TimeoutError inside this module only (api-surface.md §6.6).
export class TimeoutError extends NetworkError {}
export class ApprovalError extends AlterSDKError {}
export class ApprovalDeniedError extends ApprovalError {}
export class ApprovalExpiredError extends ApprovalError {}
export class ApprovalTimeoutError extends ApprovalError {}
export class ApprovalExecutionFailedError extends ApprovalError {}
/**
 * alter-edge: with `confirmAudit`, the provider answered but the vault did not accept the call's
 * audit row. `response` is the provider's Response (unread).
 */
export class AuditNotConfirmedError extends BackendError {}

/**
 * [class, name, default code]. The name is written out so it does not depend on `Function.name`.
 * Default codes: AgentError subclasses carry the backend code as a class constant (§3.3); the
 * others a snake_case code used when user code constructs the class itself.
 */
const CLASSES = [
  [AlterSDKError, "AlterSDKError", "alter_sdk_error"],
  [AlterValueError, "AlterValueError", "invalid_argument"],
  [MemoryIsolationError, "MemoryIsolationError", "memory_isolation_error"],
  [BackendError, "BackendError", "backend_error"],
  [BlockedDestinationError, "BlockedDestinationError", "blocked_destination"],
  [ReAuthRequiredError, "ReAuthRequiredError", "reauth_required"],
  [GrantExpiredError, "GrantExpiredError", "grant_expired"],
  [GrantRevokedError, "GrantRevokedError", "grant_revoked"],
  [CredentialRevokedError, "CredentialRevokedError", "credential_revoked"],
  [GrantDeletedError, "GrantDeletedError", "grant_deleted"],
  [GrantNotFoundError, "GrantNotFoundError", "grant_not_found"],
  [AgentDelegationMissingError, "AgentDelegationMissingError", "grant_not_found"],
  [AmbiguousGrantError, "AmbiguousGrantError", "ambiguous_grant"],
  [NoDelegatedGrantError, "NoDelegatedGrantError", "no_delegated_grant"],
  [PolicyViolationError, "PolicyViolationError", "policy_violation"],
  [StepUpRequiredError, "StepUpRequiredError", "step_up_required"],
  [RedactDischargeFailedError, "RedactDischargeFailedError", "redact_discharge_failed"],
  [RestrictedGrantRequiresProxyError, "RestrictedGrantRequiresProxyError", "restricted_grant_requires_proxy"],
  [GrantNotDelegableError, "GrantNotDelegableError", "grant_not_delegable"],
  [ServerFeatureUnsupportedError, "ServerFeatureUnsupportedError", "server_feature_unsupported"],
  [SiblingLabelConflictError, "SiblingLabelConflictError", "sibling_label_conflict"],
  [CredentialIdRequiredError, "CredentialIdRequiredError", "credential_id_required"],
  [EndUserCredentialNotAssignableError, "EndUserCredentialNotAssignableError", "end_user_credential_not_assignable"],
  [InsufficientScopeError, "InsufficientScopeError", "insufficient_scope"],
  [TokenRefreshInProgressError, "TokenRefreshInProgressError", "token_refresh_in_progress"],
  [QuotaExceededError, "QuotaExceededError", "quota_exceeded"],
  [RateLimitError, "RateLimitError", "rate_limit_exceeded"],
  [AgentError, "AgentError", "agent_error"],
  [InvalidKeyError, "InvalidKeyError", "invalid_key"],
  [AgentNotFoundError, "AgentNotFoundError", "agent_not_found"],
  [CallerAgentMismatchError, "CallerAgentMismatchError", "caller_agent_mismatch"],
  [CallerAgentResolutionError, "CallerAgentResolutionError", "caller_agent_resolution_error"],
  [AgentNameExistsError, "AgentNameExistsError", "agent_name_exists"],
  [AgentConcurrentUpdateError, "AgentConcurrentUpdateError", "agent_concurrent_update"],
  [MeRequiresAgentKeyError, "MeRequiresAgentKeyError", "me_requires_agent_key"],
  [KeyRevokedError, "KeyRevokedError", "key_revoked"],
  [KeyExpiredError, "KeyExpiredError", "key_expired"],
  [KeyRotationExpiredError, "KeyRotationExpiredError", "key_rotated_grace_expired"],
  [KeyInactiveError, "KeyInactiveError", "key_not_active"],
  [KeyAppNotFoundError, "KeyAppNotFoundError", "app_not_found_for_key"],
  [AgentInactiveError, "AgentInactiveError", "agent_inactive"],
  [AgentRevokedError, "AgentRevokedError", "agent_revoked"],
  [IdempotencyKeyBodyMismatchError, "IdempotencyKeyBodyMismatchError", "idempotency_key_body_mismatch"],
  [IdempotencyKeyAgentRevokedError, "IdempotencyKeyAgentRevokedError", "idempotency_key_agent_revoked"],
  [IdempotencyKeyAgentInactiveError, "IdempotencyKeyAgentInactiveError", "idempotency_key_agent_inactive"],
  [AgentCannotMintSubagentsError, "AgentCannotMintSubagentsError", "agent_cannot_mint_subagents"],
  [KeyAlreadyRevokedError, "KeyAlreadyRevokedError", "key_revoked"],
  [KeyNotFoundError, "KeyNotFoundError", "key_not_found"],
  [LastActiveKeyError, "LastActiveKeyError", "last_active_key"],
  [AgentKeyLimitError, "AgentKeyLimitError", "agent_key_limit_reached"],
  [ConnectFlowError, "ConnectFlowError", "connect_flow_error"],
  [ConnectDeniedError, "ConnectDeniedError", "connect_denied"],
  [ConnectConfigError, "ConnectConfigError", "connect_config_error"],
  [ConnectTimeoutError, "ConnectTimeoutError", "connect_timeout"],
  [ProviderAPIError, "ProviderAPIError", "provider_error"],
  [ScopeReauthRequiredError, "ScopeReauthRequiredError", "scope_mismatch"],
  [ProviderUnauthorizedError, "ProviderUnauthorizedError", "provider_unauthorized"],
  [NetworkError, "NetworkError", "network_error"],
  [TimeoutError, "TimeoutError", "timeout"],
  [ApprovalError, "ApprovalError", "approval_error"],
  [ApprovalDeniedError, "ApprovalDeniedError", "approval_denied"],
  [ApprovalExpiredError, "ApprovalExpiredError", "approval_expired"],
  [ApprovalTimeoutError, "ApprovalTimeoutError", "approval_timeout"],
  [ApprovalExecutionFailedError, "ApprovalExecutionFailedError", "approval_execution_failed"],
  [AuditNotConfirmedError, "AuditNotConfirmedError", "audit_not_confirmed"],
];

/** Exported class name → class (own properties only; a null prototype so no `constructor` lookup). */
const BY_NAME = Object.create(null);
for (const [cls, name, code] of CLASSES) {
  Object.defineProperty(cls, "errorName", { value: name });
  Object.defineProperty(cls, "defaultCode", { value: code });
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true });
  BY_NAME[name] = cls;
}

/** Every error class by name (read-only). */
export const ERROR_CLASSES = Object.freeze({ ...BY_NAME });

/** Known `RateLimitError.scope` values (non-exhaustive; api-surface.md §3.3). */
export const RATE_LIMIT_SCOPE_VALUES = Object.freeze(["ip", "api_key", "organization"]);

/** Closed vocabulary of `MemoryIsolationError.code` (api-surface.md §3.3). */
export const MEMORY_ISOLATION_CODES = Object.freeze([
  "memory_identity_unverified", "memory_live_refresh_required", "memory_refresh_not_live",
  "memory_identity_expired", "memory_assertion_invalid", "memory_agent_required",
  "memory_user_required", "memory_user_not_active", "memory_user_cannot_be_dropped",
  "memory_identity_changed", "memory_store_scope_violation",
]);

/**
 * The one factory (design rule 5). `plain` = `{ class, code, message, status, details, fields }`
 * (`ProtocolError::to_json()`), as an object, a `Map` or JSON text. An unknown class name gives an
 * `AlterSDKError` that keeps the code. Never throws.
 */
export function createAlterError(plain) {
  let p = plain;
  try {
    if (typeof p === "string") p = JSON.parse(p);
    p = toPlain(p);
  } catch {
    p = null;
  }
  if (!isPlainObject(p)) {
    return new AlterSDKError("Internal SDK error", {}, { code: "internal_error" });
  }
  const name = typeof p.class === "string" ? p.class : "";
  const cls = BY_NAME[name] ?? AlterSDKError;
  const message = typeof p.message === "string" ? p.message : "";
  return new cls(message, p.details, { code: p.code, status: p.status, fields: p.fields });
}

/** True for any error made by this module (works where `instanceof` cannot, e.g. across realms). */
export function isAlterError(value) {
  return value instanceof AlterSDKError ||
    (value !== null && typeof value === "object" && typeof value.name === "string" &&
      BY_NAME[value.name] !== undefined && typeof value.code === "string");
}
