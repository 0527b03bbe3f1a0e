// `.keys` namespace: derive / rotate / revoke scoped API keys (api-surface.md §2.7; ts-api.md §10).

import { AlterValueError } from "../errors.js";
import { checkOptionKeys } from "../strict.js";
import { APIKeyInfo, MintedKey } from "./models.js";
import { backendCall, intIn, isPlainObject, optBool, optionsOf, reqString, seg, stringList } from "./util.js";

/** §2.7: rotation overlap, days. */
export const DEFAULT_OVERLAP_DAYS = 7;
export const MAX_OVERLAP_DAYS = 30;

/** `{ keyId }` or a bare key id string. */
function keyIdOf(what, arg) {
  checkOptionKeys(what, arg);
  const v = isPlainObject(arg) ? arg.keyId : arg;
  return reqString(`${what}: keyId`, v);
}

export class KeysNamespace {
  #client;

  constructor(client) {
    this.#client = client;
  }

  /** `derive({ scopes, expiresIn, cidrAllowlist, name, metadata })` → MintedKey (alter_dk_…, shown once). */
  async derive(options) {
    const o = optionsOf("keys.derive", options);
    const scopes = stringList("scopes", o.scopes);
    if (scopes.includes("keys:derive")) throw new AlterValueError("a derived key cannot hold keys:derive");
    const body = { scopes, expires_in: intIn("expiresIn", o.expiresIn ?? NaN, 1, Number.MAX_SAFE_INTEGER) };
    if (o.cidrAllowlist !== undefined && o.cidrAllowlist !== null) body.cidr_allowlist = stringList("cidrAllowlist", o.cidrAllowlist);
    if (o.name !== undefined && o.name !== null) body.name = reqString("name", o.name);
    if (o.metadata !== undefined && o.metadata !== null) {
      if (!isPlainObject(o.metadata)) throw new AlterValueError("metadata must be an object");
      body.metadata = o.metadata;
    }
    const r = await backendCall(this.#client, "POST", "/sdk/keys/derive", body, { signal: o.signal });
    return new MintedKey(r.json);
  }

  /** `rotate({ keyId, overlapDays = 7 })` → MintedKey (the successor; the old key stays valid for the overlap). */
  async rotate(options) {
    const id = keyIdOf("keys.rotate", options);
    const overlap = intIn("overlapDays", isPlainObject(options) ? options.overlapDays : undefined, 0, MAX_OVERLAP_DAYS, DEFAULT_OVERLAP_DAYS);
    const r = await backendCall(this.#client, "POST", `/sdk/keys/${seg(id)}/rotate`, { overlap_days: overlap });
    return new MintedKey(r.json);
  }

  /** `revoke({ keyId, force })` → APIKeyInfo (cascades to derived keys; idempotent). */
  async revoke(options) {
    const id = keyIdOf("keys.revoke", options);
    const force = optBool("force", isPlainObject(options) ? options.force : undefined) ?? false;
    const r = await backendCall(this.#client, "DELETE", `/sdk/keys/${seg(id)}${force ? "?force=true" : ""}`, null);
    return new APIKeyInfo(r.json);
  }
}
