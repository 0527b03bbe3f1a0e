// `.providerSpecs` (api-surface.md §2.11, scope providers:read): the catalog of provider API specs
// and their operations. `listOperations` pages by `limit`/`offset`; `listOperations.all(...)`
// walks every page with `for await`, stopping on `hasMore`.

import { AlterValueError } from "../errors.js";
import { ProviderSpec, SpecOperationDetail, SpecOperationsPage } from "./more-models.js";
import { backendCall, intIn, malformed, optionsOf, seg, signalOf } from "./util.js";

const KINDS = ["oauth", "managed"];
/** §2.11 bounds. */
export const PROVIDER_SPEC_LIMITS = Object.freeze({ maxLimit: 500, defaultLimit: 100, maxSearchChars: 200, maxOperationIdChars: 512 });

function kindOf(what, kind) {
  if (!KINDS.includes(kind)) throw new AlterValueError(`${what}: kind must be "oauth" or "managed", got ${JSON.stringify(kind)}`);
  return kind;
}

/** Non-blank, no `?`, `#` or control characters (C0, DEL). */
function idOf(what, v, max = Infinity) {
  // eslint-disable-next-line no-control-regex
  if (typeof v !== "string" || v.trim() === "" || /[?#\u0000-\u001f\u007f]/.test(v) || v.length > max) {
    throw new AlterValueError(`${what} must be a non-blank string without ?, # or control characters${max === Infinity ? "" : ` (at most ${max} characters)`}`);
  }
  return v;
}

export class ProviderSpecsNamespace {
  #client;

  constructor(client) {
    this.#client = client;
    const page = (kind, providerId, options) => this.#page(kind, providerId, options);
    /** `for await (const op of specs.listOperations.all(kind, id, { search }))`. */
    this.listOperations = Object.assign((kind, providerId, options) => page(kind, providerId, options), {
      all: (kind, providerId, options) => walk(page, kind, providerId, options),
    });
  }

  /** Every spec, optionally of one kind. */
  async list(kind, options) {
    const o = optionsOf("providerSpecs.list", options);
    const path = kind === undefined || kind === null ? "/sdk/provider-specs" : `/sdk/provider-specs?kind=${kindOf("providerSpecs.list", kind)}`;
    const r = await backendCall(this.#client, "GET", path, null, { signal: signalOf(o) });
    if (!Array.isArray(r.json?.items)) throw malformed("provider spec list");
    return r.json.items.map((s) => new ProviderSpec(s));
  }

  async get(kind, providerId, options) {
    const o = optionsOf("providerSpecs.get", options);
    const path = `/sdk/provider-specs/${kindOf("providerSpecs.get", kind)}/${seg(idOf("providerId", providerId))}`;
    const r = await backendCall(this.#client, "GET", path, null, { signal: signalOf(o) });
    return new ProviderSpec(r.json);
  }

  async #page(kind, providerId, options) {
    const o = optionsOf("providerSpecs.listOperations", options);
    const L = PROVIDER_SPEC_LIMITS;
    const limit = intIn("limit", o.limit, 1, L.maxLimit, L.defaultLimit);
    const offset = intIn("offset", o.offset, 0, Number.MAX_SAFE_INTEGER, 0);
    const q = new URLSearchParams({ limit: String(limit), offset: String(offset) });
    if (o.search !== undefined && o.search !== null) {
      if (typeof o.search !== "string" || o.search === "" || o.search.length > L.maxSearchChars) {
        throw new AlterValueError(`search must be a non-empty string of at most ${L.maxSearchChars} characters`);
      }
      q.set("search", o.search);
    }
    q.sort(); // the wire's keys are sorted (§2.11)
    const path = `/sdk/provider-specs/${kindOf("providerSpecs.listOperations", kind)}/${seg(idOf("providerId", providerId))}/operations?${q}`;
    const r = await backendCall(this.#client, "GET", path, null, { signal: signalOf(o) });
    if (!Array.isArray(r.json?.items)) throw malformed("spec operations page");
    return new SpecOperationsPage(r.json);
  }

  async getOperation(kind, providerId, operationId, options) {
    const o = optionsOf("providerSpecs.getOperation", options);
    const id = idOf("operationId", operationId, PROVIDER_SPEC_LIMITS.maxOperationIdChars);
    const path = `/sdk/provider-specs/${kindOf("providerSpecs.getOperation", kind)}/${seg(idOf("providerId", providerId))}/operation?operation_id=${encodeURIComponent(id)}`;
    const r = await backendCall(this.#client, "GET", path, null, { signal: signalOf(o) });
    return new SpecOperationDetail(r.json);
  }
}

/** Every item of every page, in order; a page's `hasMore` decides whether another is fetched. */
async function* walk(page, kind, providerId, options = {}) {
  let offset = options?.offset ?? 0;
  for (;;) {
    const p = await page(kind, providerId, { ...options, offset });
    yield* p.items;
    if (!p.hasMore || p.items.length === 0) return;
    offset += p.items.length;
  }
}
