// `.scopes.list()` → ScopeCatalog (api-surface.md §2.9). Not cached.

import { ScopeCatalog } from "./models.js";
import { backendCall } from "./util.js";

export class ScopesNamespace {
  #client;

  constructor(client) {
    this.#client = client;
  }

  async list() {
    const r = await backendCall(this.#client, "GET", "/sdk/scopes", null);
    return new ScopeCatalog(r.json);
  }
}
