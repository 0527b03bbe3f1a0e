// Models of the tier-1/tier-2 surface (api-surface.md §4; names ts-api.md §2.3, §11). Every model is
// a runtime class (instanceof works), frozen, with camelCase fields; the constructor takes the
// snake_case wire object (camelCase keys accepted too) and toJSON() gives the snake_case form back.
// Timestamps stay ISO-8601 strings as the wire sends them (the TS docs leave Date vs string open).

import { BackendError } from "../errors.js";

function camel(k) {
  return k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

function pick(wire, snake) {
  if (wire === null || typeof wire !== "object") return undefined;
  if (wire[snake] !== undefined) return wire[snake];
  const c = camel(snake);
  return wire[c];
}

function freezeDeep(v, depth = 0) {
  if (depth > 16 || v === null || typeof v !== "object" || Object.isFrozen(v)) return v;
  for (const k of Object.keys(v)) freezeDeep(v[k], depth + 1);
  return Object.freeze(v);
}

function copy(v) {
  if (v === null || typeof v !== "object") return v;
  return JSON.parse(JSON.stringify(v));
}

function toWire(v) {
  if (v instanceof WireModel) return v.toJSON();
  if (Array.isArray(v)) return v.map(toWire);
  return v;
}

/**
 * Base of every model. Subclasses declare `static fields` (snake name → default; `undefined`
 * default = null), optionally `static required` (missing → BackendError "malformed"),
 * `static nested` (snake name → model class or (wire) => instance, applied to each array entry)
 * and `static wireAliases` (field → other wire key it may arrive under).
 */
export class WireModel {
  constructor(wire) {
    const C = new.target;
    const w = wire instanceof WireModel ? wire.toJSON() : wire;
    if (w === null || typeof w !== "object" || Array.isArray(w)) {
      throw new BackendError(`Backend returned a malformed ${C.name} (not an object)`, {}, { code: "malformed_response" });
    }
    const nested = C.nested ?? {};
    const aliases = C.wireAliases ?? {};
    for (const [snake, dflt] of Object.entries(C.fields)) {
      let v = pick(w, snake);
      if (v === undefined && aliases[snake]) v = pick(w, aliases[snake]);
      if ((v === undefined || v === null) && (C.required ?? []).includes(snake)) {
        throw new BackendError(`Backend returned a malformed ${C.name}: missing ${snake}`, {}, { code: "malformed_response" });
      }
      if (v === undefined || v === null) v = dflt === undefined ? null : copy(dflt);
      else if (nested[snake] && v !== null) {
        const make = nested[snake];
        const one = (x) => (make.prototype instanceof WireModel ? (x instanceof make ? x : new make(x)) : make(x));
        v = Array.isArray(v) ? v.map(one) : one(v);
      } else v = copy(v);
      this[camel(snake)] = freezeDeep(v);
    }
    if (typeof this.init === "function") this.init(w);
    Object.freeze(this);
  }

  toJSON() {
    const out = {};
    for (const snake of Object.keys(this.constructor.fields)) out[snake] = toWire(this[camel(snake)]);
    return out;
  }
}

// ---- Approvals (§2.1, §2.2) -----------------------------------------------------------------------

export class ApprovalGate extends WireModel {
  static fields = { approval_id: undefined, expires_at: undefined, expires_in: undefined, approval_url: undefined };
}

export class PendingApproval extends WireModel {
  static fields = {
    approval_id: undefined, approval_group_id: undefined, status: "pending", expires_at: undefined,
    expires_in: undefined, approval_url: undefined, gates: [],
  };
  static required = ["approval_id", "approval_url"];
  static nested = { gates: ApprovalGate };
}

export class ApprovalGateStatus extends WireModel {
  static fields = { approval_id: undefined, status: undefined, expires_at: undefined, decided_at: undefined };
}

/** Terminal approval statuses (§2.2.3); approved / executing are not. */
export const TERMINAL_APPROVAL_STATUSES = Object.freeze(["denied", "expired", "executed", "failed"]);

export class ApprovalStatus extends WireModel {
  static fields = {
    approval_id: undefined, status: undefined, approval_group_id: undefined, gates: [],
    expires_at: undefined, decided_at: undefined, decision_reason: undefined, executed_at: undefined,
    execution_error: undefined, has_result: undefined,
  };
  static required = ["approval_id", "status", "has_result"];
  static nested = { gates: ApprovalGateStatus };

  get isTerminal() {
    return TERMINAL_APPROVAL_STATUSES.includes(this.status);
  }
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The provider's answer to a proxied call (the "ProxyResponse"). */
export class ApprovalResult extends WireModel {
  static fields = {
    approval_id: undefined, status_code: undefined, headers: {}, body_b64: "", body_truncated: false,
    duration_ms: undefined, credential_hint: undefined,
  };
  static required = ["status_code"];

  init() {
    if (typeof this.bodyB64 !== "string" || !B64.test(this.bodyB64)) {
      throw new BackendError("Backend returned a malformed ApprovalResult: body_b64 is not base64", {}, { code: "malformed_response" });
    }
  }

  /** The provider body as bytes. */
  bodyBytes() {
    const bin = atob(this.bodyB64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  /** The provider body decoded as text (default UTF-8, invalid bytes replaced). */
  bodyText(encoding = "utf-8") {
    return new TextDecoder(encoding).decode(this.bodyBytes());
  }

  /** The provider body parsed as JSON (throws SyntaxError when it is not JSON). */
  bodyJson() {
    return JSON.parse(this.bodyText());
  }
}

// ---- Grants (§2.3) --------------------------------------------------------------------------------

export class GrantPolicy extends WireModel {
  static fields = { expires_at: undefined, created_by: undefined, created_at: undefined };
}

export class OAuthGrantItem extends WireModel {
  static fields = {
    grant_kind: "oauth", grant_id: undefined, provider_id: undefined, scopes: [], account_identifier: undefined,
    account_display_name: undefined, api_base_url: undefined, status: undefined, scope_mismatch: false,
    needs_reconnect: false, expires_at: undefined, grant_expires_at: undefined, created_at: undefined,
    last_used_at: undefined, principal_type: undefined, access_via: undefined, delegated_at: undefined,
    delegated_agent_ids: [], label: undefined, credential_id: undefined, grant_policy: undefined,
    parent_grant_id: undefined, depth: 0, delegable: false, scope_constraint: undefined,
  };
  static required = ["grant_id"];
}

export class ManagedSecretGrantItem extends WireModel {
  static fields = {
    grant_kind: "managed_secret", grant_id: undefined, managed_secret_id: undefined, managed_secret_slug: undefined,
    managed_secret_name: undefined, agent_id: undefined, label: undefined, status: undefined,
    account_identifier: undefined, grant_policy: undefined, expires_at: undefined, grant_expires_at: undefined,
    created_at: undefined, last_used_at: undefined, principal_type: undefined, access_via: undefined,
    delegated_at: undefined, parent_grant_id: undefined, depth: 0, delegable: false, scope_constraint: undefined,
    credential_id: undefined, credential_kind: undefined, credential_label: undefined,
  };
  static required = ["grant_id"];
}

function grantItem(w) {
  if (w instanceof OAuthGrantItem || w instanceof ManagedSecretGrantItem) return w;
  return pick(w, "grant_kind") === "managed_secret" ? new ManagedSecretGrantItem(w) : new OAuthGrantItem(w);
}

export class UnifiedGrantListResult extends WireModel {
  static fields = { grants: [], total: 0, limit: undefined, offset: 0, has_more: false };
  static nested = { grants: grantItem };
}

export class GrantInfo extends WireModel {
  static fields = {
    grant_id: undefined, provider_id: undefined, scopes: [], account_identifier: undefined,
    account_display_name: undefined, api_base_url: undefined, status: undefined, scope_mismatch: false,
    expires_at: undefined, created_at: undefined, last_used_at: undefined, principal_type: undefined,
    label: undefined, credential_id: undefined, grant_policy: undefined,
  };
  static required = ["grant_id"];
}

export class RevokeGrantResult extends WireModel {
  static fields = { success: undefined, message: undefined, grant_id: undefined, revoked_at: undefined };
  static required = ["success", "grant_id"];
}

export class CreateGrantResult extends WireModel {
  static fields = { grant_id: undefined, principal_type: undefined, label: undefined, created_at: undefined, credential_id: undefined };
  static required = ["grant_id"];
}

export class DelegationResult extends WireModel {
  static fields = {
    grant_id: undefined, grant_kind: undefined, parent_grant_id: undefined, depth: undefined,
    delegable: undefined, status: undefined, expires_at: undefined,
  };
  static required = ["grant_id", "grant_kind", "parent_grant_id", "depth", "delegable", "status"];
}

// ---- Connect (§2.4) -------------------------------------------------------------------------------

export class ConnectSession extends WireModel {
  static fields = {
    session_token: undefined, connect_url: undefined, expires_in: undefined, expires_at: undefined,
    scope_constraint_warnings: [], single_provider: false, direct: false,
  };
  static required = ["session_token", "connect_url"];
}

const MS_PATHS = ["fast_path", "key_entry", "repair"];

export class ManagedSecretConnectSession extends WireModel {
  static fields = {
    session_token: undefined, connect_url: undefined, expires_in: undefined, expires_at: undefined,
    delegable_requested: false, path: undefined, existing_grant_id: undefined, direct: false,
    secret_slug: undefined, template_slug: undefined, agent_id: undefined,
  };
  static required = ["session_token", "connect_url"];

  init() {
    // An unknown path is kept as null (§4).
    if (this.path !== null && !MS_PATHS.includes(this.path)) this.path = null;
  }
}

export class ConnectFailedGrant extends WireModel {
  static fields = { provider_id: undefined, reason: undefined, message: undefined };
}

export class ConnectDelegation extends WireModel {
  static fields = { agent_id: undefined, delegable: false, policy_refused: false };
}

export class ConnectResult extends WireModel {
  static fields = {
    grant_id: undefined, provider_id: undefined, account_identifier: undefined, scopes: [], api_base_url: undefined,
    operation: "creation", grant_policy: undefined, failed_grants: [], delegation: undefined,
  };
  static required = ["grant_id", "provider_id"];
  static nested = { grant_policy: GrantPolicy, failed_grants: ConnectFailedGrant, delegation: ConnectDelegation };
}

export class AuthSession extends WireModel {
  static fields = { session_token: undefined, auth_url: undefined, expires_in: undefined, expires_at: undefined };
  static required = ["session_token", "auth_url"];
}

export class AuthResult extends WireModel {
  static fields = { user_token: undefined, user_info: {} };
  static required = ["user_token"];

  toString() {
    return "AuthResult(userToken=[REDACTED])";
  }
}

// ---- Agents and keys (§2.6, §2.7) -----------------------------------------------------------------

const AGENT_FIELDS = {
  id: undefined, name: undefined, display_name: undefined, type: undefined, status: undefined, scopes: {},
  scopes_pending: undefined, scopes_applies_at: undefined, policy: {}, metadata: {},
  rate_limit_per_minute: undefined, version: undefined, created_at: undefined, last_used_at: undefined,
  parent_agent_id: undefined, stored_legacy_managed_secret_names: [],
};

export class AgentInfo extends WireModel {
  static fields = AGENT_FIELDS;
  static required = ["id", "name"];
}

export class AgentCreateResult extends AgentInfo {
  static fields = { ...AGENT_FIELDS, api_key: undefined, key_id: undefined };
  static required = ["id", "name"];

  toString() {
    return `AgentCreateResult(id=${this.id}, name=${this.name}, apiKey=[REDACTED])`;
  }
}

export class AgentListResult extends WireModel {
  static fields = { agents: [], total: 0, limit: undefined, offset: 0, has_more: false };
  static wireAliases = { agents: "items" };
  static nested = { agents: AgentInfo };
}

const AGENT_KEY_FIELDS = {
  key_id: undefined, key_prefix: undefined, name: undefined, created_at: undefined, deprecated_at: undefined,
  revoked_at: undefined, last_used_at: undefined,
};

function keyStatus(k) {
  return k.revokedAt ? "revoked" : k.deprecatedAt ? "deprecated" : "active";
}

export class AgentKey extends WireModel {
  static fields = AGENT_KEY_FIELDS;
  static required = ["key_id"];

  /** Derived: revoked | deprecated | active. */
  get status() {
    return keyStatus(this);
  }
}

export class AgentKeyMintResult extends AgentKey {
  static fields = { ...AGENT_KEY_FIELDS, api_key: undefined };
  static required = ["key_id"];

  toString() {
    return `AgentKeyMintResult(keyId=${this.keyId}, apiKey=[REDACTED])`;
  }
}

export class AgentKeyList extends WireModel {
  static fields = { items: [] };
  static nested = { items: AgentKey };
}

const API_KEY_FIELDS = {
  id: undefined, name: undefined, key_prefix: undefined, key_type: undefined, scopes: [], scope_version: undefined,
  cidr_allowlist: undefined, rate_limit_rpm: undefined, effective_rate_limit_rpm: undefined,
  rate_limit_source: undefined, expires_at: undefined, deprecated_at: undefined, revoked_at: undefined,
  parent_key_id: undefined, created_at: undefined, last_used_at: undefined,
};

function apiKeyStatus(k) {
  return k.revokedAt ? "revoked" : k.deprecatedAt ? "rotated" : "active";
}

export class APIKeyInfo extends WireModel {
  static fields = API_KEY_FIELDS;
  static required = ["id"];

  /** Derived: revoked | rotated | active. */
  get status() {
    return apiKeyStatus(this);
  }
}

export class MintedKey extends APIKeyInfo {
  static fields = { ...API_KEY_FIELDS, api_key: undefined };
  static required = ["id", "api_key"];

  toString() {
    return `MintedKey(id=${this.id}, apiKey=[REDACTED])`;
  }
}

// ---- Catalogs (§2.9, §2.10) -----------------------------------------------------------------------

export class ResourceScopes extends WireModel {
  static fields = { verbs: [] };
}

export class ScopeCatalog extends WireModel {
  static fields = { scope_version: undefined, resources: {}, action_verbs: [], deprecated: [] };

  init(w) {
    const res = {};
    const src = pick(w, "resources");
    if (src && typeof src === "object") for (const k of Object.keys(src)) res[k] = new ResourceScopes(src[k]);
    this.resources = Object.freeze(res);
  }

  toJSON() {
    const out = super.toJSON();
    out.resources = Object.fromEntries(Object.entries(this.resources).map(([k, v]) => [k, v.toJSON()]));
    return out;
  }
}

export class OAuthProviderScopeInfo extends WireModel {
  static fields = { description: undefined, required: false, is_default: false, requires: [] };
}

export class OAuthProviderCatalogItem extends WireModel {
  static fields = {
    id: undefined, name: undefined, display_name: undefined, category: undefined, description: undefined,
    logo_url: undefined, supports_refresh: false, supports_pkce: false, available_scopes: {},
    default_scopes: [], required_scopes: [], status: undefined,
  };

  init(w) {
    const scopes = {};
    const src = pick(w, "available_scopes");
    if (src && typeof src === "object") for (const k of Object.keys(src)) scopes[k] = new OAuthProviderScopeInfo(src[k] ?? {});
    this.availableScopes = Object.freeze(scopes);
  }

  toJSON() {
    const out = super.toJSON();
    out.available_scopes = Object.fromEntries(Object.entries(this.availableScopes).map(([k, v]) => [k, v.toJSON()]));
    return out;
  }
}

export class OAuthProviderCatalog extends WireModel {
  static fields = { providers: {} };

  init(w) {
    const out = {};
    const src = pick(w, "providers");
    if (src && typeof src === "object") for (const k of Object.keys(src)) out[k] = new OAuthProviderCatalogItem(src[k] ?? {});
    this.providers = Object.freeze(out);
  }

  /** Default scopes of a provider (empty when unknown). */
  getDefaultScopes(provider) {
    return [...(this.providers[provider]?.defaultScopes ?? [])];
  }

  /** Required scopes of a provider (empty when unknown). */
  getRequiredScopes(provider) {
    return [...(this.providers[provider]?.requiredScopes ?? [])];
  }

  toJSON() {
    return { providers: Object.fromEntries(Object.entries(this.providers).map(([k, v]) => [k, v.toJSON()])) };
  }
}

// ---- Rate limit (api-surface §1.3, §4) ------------------------------------------------------------

/** Budget from the rate-limit headers of the most recent metered backend response. */
export class RateLimitSnapshot {
  constructor(wire) {
    const w = wire ?? {};
    this.limit = Number(w.limit ?? 0);
    this.remaining = Number(w.remaining ?? 0);
    const reset = w.reset_at ?? w.resetAt;
    this.resetAt = reset instanceof Date ? new Date(reset.getTime()) : typeof reset === "number" ? new Date(reset * 1000) : new Date(String(reset));
    Object.freeze(this);
  }

  toJSON() {
    return { limit: this.limit, remaining: this.remaining, reset_at: Number.isNaN(this.resetAt.getTime()) ? null : this.resetAt.toISOString() };
  }
}
