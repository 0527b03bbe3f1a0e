// Grants: listGrants, revokeGrant, mintGrant, createManagedSecretGrant, delegate, revokeDelegation
// (api-surface.md §2.3; ts-api.md §7).

import { AlterValueError, SiblingLabelConflictError } from "../errors.js";
import { checkOptionKeys, didYouMean } from "../strict.js";
import {
  CreateGrantResult, DelegationResult, GrantInfo, RevokeGrantResult, UnifiedGrantListResult,
} from "./models.js";
import {
  backendCall, canonicalUuid, intIn, isPlainObject, optBool, optionsOf, optString, reqString, seg, typeName,
  userTokenFor,
  isAgent,
} from "./util.js";


function snake(k) {
  return k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function camelOf(k) {
  return k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
}

/**
 * GrantPolicyInput (§4): `{ expiresAt?, maxTtlSeconds?, defaultTtlSeconds? }` (snake_case keys
 * accepted too) → the wire object; anything else → AlterValueError. `extraKeys` lists further wire
 * keys a route takes as-is (mint: restrictions, requires_approval).
 */
export function grantPolicyWire(what, policy, { extraKeys = [], forbid = [] } = {}) {
  if (policy === undefined || policy === null) return undefined;
  if (!isPlainObject(policy)) throw new AlterValueError(`${what} must be an object, got ${typeName(policy)}`);
  const out = {};
  for (const k of Object.keys(policy)) {
    const key = snake(k);
    const v = policy[k];
    if (forbid.includes(key)) throw new AlterValueError(`${what}.${k} is not allowed here`);
    if (v === undefined) continue;
    if (key === "expires_at") {
      if (typeof v !== "string" || v.trim() === "" || Number.isNaN(Date.parse(v))) {
        throw new AlterValueError(`${what}.expiresAt must be an ISO-8601 timestamp string`);
      }
      out.expires_at = v;
    } else if (key === "max_ttl_seconds" || key === "default_ttl_seconds") {
      if (v === null) continue;
      if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) throw new AlterValueError(`${what}.${k} must be a positive integer`);
      out[key] = v;
    } else if (extraKeys.includes(key)) {
      out[key] = v;
    } else {
      const known = ["expiresAt", "maxTtlSeconds", "defaultTtlSeconds", ...extraKeys.map(camelOf)].filter((x) => !forbid.includes(snake(x)));
      throw new AlterValueError(`${what}: unknown key ${JSON.stringify(k)}${didYouMean(k, known)}`);
    }
  }
  if (out.default_ttl_seconds !== undefined && out.max_ttl_seconds !== undefined && out.default_ttl_seconds > out.max_ttl_seconds) {
    throw new AlterValueError(`${what}.defaultTtlSeconds must not exceed maxTtlSeconds`);
  }
  return out;
}

/** `listGrants({ providerId, status, account, label, endUserToken, limit = 100, offset = 0 })`. */
export async function listGrants(options) {
  const o = optionsOf("listGrants", options);
  const limit = intIn("limit", o.limit, 1, 1000, 100);
  const offset = intIn("offset", o.offset, 0, Number.MAX_SAFE_INTEGER, 0);
  const body = { limit, offset };
  const providerId = optString("providerId", o.providerId);
  const status = optString("status", o.status);
  const account = optString("account", o.account);
  const label = optString("label", o.label);
  if (providerId) body.provider_id = providerId;
  if (status) body.status = status;
  if (account) body.account = account;
  if (label) body.label = label;
  // App: the getter's token scopes the list to that user (never a silent app-wide fallback);
  // Agent: only an explicit token is sent (§2.3.1).
  const token = await userTokenFor(this, o.endUserToken ?? o.userToken, !isAgent(this));
  if (token) body.user_token = token;
  const reply = await backendCall(this, "POST", "/sdk/grants/list", body, { signal: o.signal });
  return new UnifiedGrantListResult(reply.json);
}

/** App only: `revokeGrant(grantId, { reason })` (§2.3.2). */
export async function revokeGrant(grantId, options) {
  const id = canonicalUuid("grantId", grantId);
  const o = optionsOf("revokeGrant", options);
  const body = {};
  if (o.reason !== undefined && o.reason !== null) {
    if (typeof o.reason !== "string") throw new AlterValueError("reason must be a string");
    body.reason = o.reason;
  }
  const token = await userTokenFor(this, undefined, true);
  if (token) body.user_token = token;
  const reply = await backendCall(this, "POST", `/sdk/oauth/grants/${seg(id)}/revoke`, body, { signal: o.signal });
  return new RevokeGrantResult(reply.json);
}

/** App only: `mintGrant(sourceGrantId, { label, grantPolicy, grantTags })` (§2.3.3). */
export async function mintGrant(sourceGrantId, options) {
  reqString("sourceGrantId", sourceGrantId);
  const o = optionsOf("mintGrant", options);
  const label = reqString("label", o.label);
  const body = { label };
  const policy = grantPolicyWire("grantPolicy", o.grantPolicy, {
    extraKeys: ["restrictions", "requires_approval"], forbid: ["default_ttl_seconds"],
  });
  if (policy !== undefined) body.grant_policy = policy;
  if (o.grantTags !== undefined && o.grantTags !== null) {
    if (!Array.isArray(o.grantTags) || o.grantTags.some((t) => typeof t !== "string" || t.trim() === "")) {
      throw new AlterValueError("grantTags must be an array of non-empty strings");
    }
    body.grant_tags = [...o.grantTags];
  }
  try {
    const reply = await backendCall(this, "POST", `/sdk/grants/${seg(sourceGrantId)}/mint`, body, { signal: o.signal });
    return new GrantInfo(reply.json);
  } catch (e) {
    if (e instanceof SiblingLabelConflictError && !e.label) e.label = label;
    throw e;
  }
}

function len(what, v, min, max, required) {
  if (v === undefined || v === null) {
    if (required) throw new AlterValueError(`${what} is required`);
    return null;
  }
  if (typeof v !== "string" || v.length < min || v.length > max) {
    throw new AlterValueError(`${what} must be a string of ${min}..${max} characters`);
  }
  return v;
}

/** Principal (ts-api.md §11.6; camelCase or snake_case keys) → the wire object (§2.3.4). */
export function principalWire(p) {
  if (!isPlainObject(p)) throw new AlterValueError("principal must be an object with a type");
  const get = (c, s) => (p[c] !== undefined ? p[c] : p[s]);
  const allowed = {
    user: ["type", "userToken", "user_token", "label"],
    group: ["type", "externalGroupId", "external_group_id", "idpId", "idp_id", "label"],
    system: ["type", "label"],
    agent: ["type", "label"],
  }[p.type];
  if (!allowed) throw new AlterValueError("principal.type must be user, group, system or agent");
  for (const k of Object.keys(p)) if (!allowed.includes(k)) throw new AlterValueError(`principal: unknown field ${JSON.stringify(k)}${didYouMean(k, allowed)}`);
  switch (p.type) {
    case "user":
      return { type: "user", user_token: len("principal.userToken", get("userToken", "user_token"), 1, 8192, true), label: len("principal.label", p.label, 1, 255, true) };
    case "group":
      return {
        type: "group",
        external_group_id: len("principal.externalGroupId", get("externalGroupId", "external_group_id"), 1, 255, true),
        idp_id: len("principal.idpId", get("idpId", "idp_id"), 1, 255, true),
        label: len("principal.label", p.label, 1, 255, true),
      };
    default:
      return { type: p.type, label: len("principal.label", p.label, 0, 255, false) };
  }
}

/** App only: `createManagedSecretGrant(managedSecretId, { principal, grantPolicy, credentialId })`. */
export async function createManagedSecretGrant(managedSecretId, options) {
  reqString("managedSecretId", managedSecretId);
  const o = optionsOf("createManagedSecretGrant", options);
  const principal = principalWire(o.principal);
  const body = { principal, grant_policy: grantPolicyWire("grantPolicy", o.grantPolicy) ?? {} };
  const credentialId = optString("credentialId", o.credentialId);
  if (credentialId) body.credential_id = credentialId;
  const reply = await backendCall(this, "POST", `/sdk/managed-secrets/${seg(managedSecretId)}/grants`, body, { signal: o.signal });
  return new CreateGrantResult(reply.json);
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** §2.3.5 shared validator: null, or 1..100 RFC 6749 scope tokens (not "*", ≤ 512 chars). */
export function scopeConstraintWire(v) {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length === 0 || v.length > 100) throw new AlterValueError("scopeConstraint must be a non-empty array of at most 100 scopes");
  return v.map((s) => {
    const t = typeof s === "string" ? s.trim() : "";
    if (t === "" || t === "*" || t.length > 512 || !SCOPE_TOKEN.test(t)) {
      throw new AlterValueError(`scopeConstraint: ${JSON.stringify(s)} is not a valid scope`);
    }
    return t;
  });
}

/** Agent only: `delegate(grantId, toAgentId, { delegable, scopeConstraint, ttlSeconds })`. */
export async function delegate(grantId, toAgentId, options) {
  reqString("grantId", grantId);
  reqString("toAgentId", toAgentId);
  const o = optionsOf("delegate", options);
  const body = { to_agent_id: toAgentId };
  const delegable = optBool("delegable", o.delegable);
  if (delegable !== undefined) body.delegable = delegable;
  const sc = scopeConstraintWire(o.scopeConstraint);
  if (sc) body.scope_constraint = sc;
  if (o.ttlSeconds !== undefined && o.ttlSeconds !== null) body.ttl_seconds = intIn("ttlSeconds", o.ttlSeconds, 1, Number.MAX_SAFE_INTEGER);
  const reply = await backendCall(this, "POST", `/sdk/grants/${seg(grantId)}/delegate`, body, { signal: o.signal });
  return new DelegationResult(reply.json);
}

/** App: `revokeDelegation(grantId, agentId)` (or `{ agentId }`); resolves to undefined (204). */
export async function revokeDelegationApp(grantId, agentId) {
  const g = canonicalUuid("grantId", grantId);
  checkOptionKeys("revokeDelegation", agentId);
  const raw = isPlainObject(agentId) ? agentId.agentId : agentId;
  const a = canonicalUuid("agentId", raw);
  await backendCall(this, "DELETE", `/sdk/grants/${seg(g)}/delegations/${seg(a)}`, null);
}

/** Agent: `revokeDelegation(grantId)`, the agent's own delegation (self-revoke). */
export async function revokeDelegationAgent(grantId, extra) {
  const g = canonicalUuid("grantId", grantId);
  if (extra !== undefined && extra !== null) {
    throw new AlterValueError("Agent.revokeDelegation(grantId) revokes this agent's own delegation; it takes no agentId");
  }
  await backendCall(this, "DELETE", `/sdk/grants/${seg(g)}/delegations/me`, null);
}
