// `app.agents` namespace (App key only) and `agent.me()` (api-surface.md §2.6; ts-api.md §9.2,
// §9.3). Errors go through the agents mapper (api-surface §3.4).

import { AlterValueError } from "../errors.js";
import { AgentCreateResult, AgentInfo, AgentKey, AgentKeyList, AgentKeyMintResult, AgentListResult } from "./models.js";
import { backendCall, intIn, isPlainObject, optBool, optionsOf, reqString, seg, typeName } from "./util.js";

const AGENTS = { mapper: "agents" };
/** §2.6: compact JSON of `scopes` at most 12 × 1024 UTF-8 bytes. */
export const MAX_AGENT_SCOPES_BYTES = 12 * 1024;
/** §2.6: `graceSeconds` at most 7 days. */
export const MAX_GRACE_SECONDS = 604_800;

function scopesWire(scopes) {
  if (!isPlainObject(scopes)) throw new AlterValueError(`scopes must be an object of provider → scope list, got ${typeName(scopes)}`);
  for (const k of Object.keys(scopes)) {
    if (k === "" || k.trim() !== k) throw new AlterValueError(`scopes: provider key ${JSON.stringify(k)} must be non-empty without surrounding whitespace`);
    const v = scopes[k];
    if (!Array.isArray(v) || v.length === 0) throw new AlterValueError(`scopes[${JSON.stringify(k)}] must be a non-empty array of strings`);
    for (const s of v) {
      if (typeof s !== "string" || s === "" || s.trim() !== s) throw new AlterValueError(`scopes[${JSON.stringify(k)}] entries must be non-empty strings without surrounding whitespace`);
    }
  }
  if (new TextEncoder().encode(JSON.stringify(scopes)).length > MAX_AGENT_SCOPES_BYTES) {
    throw new AlterValueError(`scopes exceed ${MAX_AGENT_SCOPES_BYTES} bytes of JSON`);
  }
  return scopes;
}

function objectOpt(what, v) {
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw new AlterValueError(`${what} must be an object`);
  return v;
}

function agentPath(agentId) {
  return `/sdk/agents/${seg(reqString("agentId", agentId))}`;
}

/** The `agents` namespace bound to one client. */
export class AgentsNamespace {
  #client;

  constructor(client) {
    this.#client = client;
  }

  /** `create({ name, scopes, displayName, type, metadata, policy, idempotencyKey })` → AgentCreateResult. */
  async create(options) {
    const o = optionsOf("agents.create", options);
    const name = reqString("name", o.name);
    const type = o.type ?? "agent";
    if (type !== "agent" && type !== "service") throw new AlterValueError("type must be \"agent\" or \"service\"");
    const body = { name, type, scopes: scopesWire(o.scopes ?? {}), metadata: objectOpt("metadata", o.metadata) ?? {} };
    if (o.displayName !== undefined && o.displayName !== null) body.display_name = reqString("displayName", o.displayName);
    const policy = objectOpt("policy", o.policy);
    if (policy !== undefined) body.policy = policy;
    const extraHeaders = [];
    if (o.idempotencyKey !== undefined && o.idempotencyKey !== null) {
      if (typeof o.idempotencyKey !== "string" || o.idempotencyKey === "" || /[\r\n]/.test(o.idempotencyKey)) {
        throw new AlterValueError("idempotencyKey must be a non-empty string without CR/LF");
      }
      extraHeaders.push(["Idempotency-Key", o.idempotencyKey]);
    }
    const r = await backendCall(this.#client, "POST", "/sdk/agents", body, { ...AGENTS, extraHeaders, signal: o.signal });
    return new AgentCreateResult(r.json);
  }

  /** `list({ includeRevoked = false, limit = 100, offset = 0 })` → AgentListResult. */
  async list(options) {
    const o = optionsOf("agents.list", options);
    const inc = optBool("includeRevoked", o.includeRevoked) ?? false;
    const limit = intIn("limit", o.limit, 1, 1000, 100);
    const offset = intIn("offset", o.offset, 0, Number.MAX_SAFE_INTEGER, 0);
    const r = await backendCall(this.#client, "GET", `/sdk/agents?include_revoked=${inc}&limit=${limit}&offset=${offset}`, null, { ...AGENTS, signal: o.signal });
    return new AgentListResult(r.json);
  }

  /** `get(agentId)` → AgentInfo. */
  async get(agentId) {
    const r = await backendCall(this.#client, "GET", agentPath(agentId), null, AGENTS);
    return new AgentInfo(r.json);
  }

  /** `getByName(name)` → AgentInfo, or null when no agent has that name. */
  async getByName(name) {
    reqString("name", name);
    const r = await backendCall(this.#client, "GET", `/sdk/agents?name=${seg(name)}`, null, AGENTS);
    const items = Array.isArray(r.json?.items) ? r.json.items : [];
    return items.length ? new AgentInfo(items[0]) : null;
  }

  /** `update(agentId, { displayName, metadata, scopes, expectedVersion, graceSeconds, policy })`. */
  async update(agentId, options) {
    const path = agentPath(agentId);
    const o = optionsOf("agents.update", options);
    const body = {};
    if (o.displayName !== undefined && o.displayName !== null) body.display_name = reqString("displayName", o.displayName);
    const metadata = objectOpt("metadata", o.metadata);
    if (metadata !== undefined) body.metadata = metadata;
    const hasScopes = o.scopes !== undefined && o.scopes !== null;
    if (hasScopes) body.scopes = scopesWire(o.scopes);
    const policy = objectOpt("policy", o.policy);
    if (policy !== undefined) body.policy = policy;
    const query = [];
    if (o.graceSeconds !== undefined && o.graceSeconds !== null) {
      if (!hasScopes) throw new AlterValueError("graceSeconds needs scopes");
      query.push(`grace_seconds=${intIn("graceSeconds", o.graceSeconds, 0, MAX_GRACE_SECONDS)}`);
    }
    if (o.expectedVersion !== undefined && o.expectedVersion !== null) {
      query.push(`expected_version=${intIn("expectedVersion", o.expectedVersion, 1, Number.MAX_SAFE_INTEGER)}`);
    } else if (hasScopes) {
      throw new AlterValueError("expectedVersion is required with scopes (read it from agents.get(id).version)");
    }
    const r = await backendCall(this.#client, "PATCH", query.length ? `${path}?${query.join("&")}` : path, body, { ...AGENTS, signal: o.signal });
    return new AgentInfo(r.json);
  }

  /** `suspend(agentId)`: status inactive. */
  async suspend(agentId) {
    const r = await backendCall(this.#client, "PATCH", agentPath(agentId), { status: "inactive" }, AGENTS);
    return new AgentInfo(r.json);
  }

  /** `resume(agentId)`: status active. */
  async resume(agentId) {
    const r = await backendCall(this.#client, "PATCH", agentPath(agentId), { status: "active" }, AGENTS);
    return new AgentInfo(r.json);
  }

  /** `delete(agentId)`: soft delete (status revoked), its keys revoked; idempotent. */
  async delete(agentId) {
    const r = await backendCall(this.#client, "DELETE", agentPath(agentId), null, AGENTS);
    return new AgentInfo(r.json);
  }

  /** `mintKey(agentId)` → AgentKeyMintResult (the key in plaintext, once). */
  async mintKey(agentId) {
    const r = await backendCall(this.#client, "POST", `${agentPath(agentId)}/keys`, {}, AGENTS);
    return new AgentKeyMintResult(r.json);
  }

  /** `listKeys(agentId)` → AgentKeyList. */
  async listKeys(agentId) {
    const r = await backendCall(this.#client, "GET", `${agentPath(agentId)}/keys`, null, AGENTS);
    return new AgentKeyList(r.json);
  }

  /** `deprecateKey(agentId, keyId)` → AgentKey (idempotent). */
  async deprecateKey(agentId, keyId) {
    const r = await backendCall(this.#client, "PATCH", `${agentPath(agentId)}/keys/${seg(reqString("keyId", keyId))}/deprecate`, {}, AGENTS);
    return new AgentKey(r.json);
  }

  /** `undeprecateKey(agentId, keyId)` → AgentKey (idempotent). */
  async undeprecateKey(agentId, keyId) {
    const r = await backendCall(this.#client, "PATCH", `${agentPath(agentId)}/keys/${seg(reqString("keyId", keyId))}/undeprecate`, {}, AGENTS);
    return new AgentKey(r.json);
  }

  /** `revokeKey(agentId, keyId, { force })` → AgentKey; the last active key needs force. */
  async revokeKey(agentId, keyId, options) {
    const o = optionsOf("agents.revokeKey", options);
    const force = optBool("force", o.force) ?? false;
    const path = `${agentPath(agentId)}/keys/${seg(reqString("keyId", keyId))}${force ? "?force=true" : ""}`;
    const r = await backendCall(this.#client, "DELETE", path, null, { ...AGENTS, signal: o.signal });
    return new AgentKey(r.json);
  }
}

/** Agent only: `me()` → the calling agent's AgentInfo (works while the agent is paused). */
export async function me() {
  const r = await backendCall(this, "GET", "/sdk/agents/me", null, AGENTS);
  return new AgentInfo(r.json);
}
