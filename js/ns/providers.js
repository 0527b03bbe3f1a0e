// `.oauthProviders.list({ forceRefresh })` → OAuthProviderCatalog (api-surface.md §2.10): cached
// per client for 5 minutes unless forceRefresh. The model is frozen, so the cached instance is
// handed out as is (callers cannot mutate the cache).

import { OAuthProviderCatalog } from "./models.js";
import { backendCall, optBool, optionsOf } from "./util.js";

/** §2.10: cache lifetime, milliseconds. */
export const PROVIDER_CATALOG_TTL_MS = 300_000;

export class OAuthProvidersNamespace {
  #client;
  #cached = null;
  #at = 0;

  constructor(client) {
    this.#client = client;
  }

  async list(options) {
    const o = optionsOf("oauthProviders.list", options);
    const force = optBool("forceRefresh", o.forceRefresh) ?? false;
    const now = typeof performance !== "undefined" ? performance.now() : Date.now();
    if (!force && this.#cached && now - this.#at < PROVIDER_CATALOG_TTL_MS) return this.#cached;
    const r = await backendCall(this.#client, "GET", "/sdk/oauth/provider-catalog", null, { signal: o.signal });
    this.#cached = new OAuthProviderCatalog(r.json);
    this.#at = now;
    return this.#cached;
  }
}
