// The adapters' client factory: App or Agent picked from the API key's prefix, as the official
// FastAPI helper does (api-surface.md §5.1): `alter_rk_` → App, `alter_ak_` → Agent; any other
// prefix (legacy `alter_key_`, derived `alter_dk_`, `alter_pk_`, unknown) fails closed unless
// `kind` pins the class. The adapter owns `userTokenGetter` (it reads the request's Bearer token).

import { Agent, App } from "../client.js";
import { AlterSDKError } from "../errors.js";
import { checkOptionKeys } from "../strict.js";

/** Key prefix → client kind. */
export const KEY_KINDS = Object.freeze({ alter_rk_: "app", alter_ak_: "agent" });

/** "app" or "agent" for `apiKey` (and an optional pinned `kind`); throws AlterSDKError otherwise. */
export function clientKindOf(apiKey, kind) {
  if (kind !== undefined && kind !== null) {
    if (kind !== "app" && kind !== "agent") {
      throw new AlterSDKError(`kind must be "app" or "agent", got ${typeof kind === "string" ? JSON.stringify(kind.slice(0, 32)) : typeof kind}`, {}, { code: "invalid_argument" });
    }
    return kind;
  }
  if (typeof apiKey !== "string" || apiKey === "") {
    throw new AlterSDKError("apiKey is required and must be a non-empty string", {}, { code: "invalid_argument" });
  }
  for (const [prefix, k] of Object.entries(KEY_KINDS)) if (apiKey.startsWith(prefix)) return k;
  const shown = /^alter_[a-z]+_/.exec(apiKey)?.[0] ?? "an unknown prefix";
  throw new AlterSDKError(
    `Cannot tell App from Agent by this API key (${shown}): alter_rk_ keys make an App, alter_ak_ keys an Agent. ` +
      `Pass kind: "app" or kind: "agent" to choose.`,
    {}, { code: "invalid_argument" },
  );
}

/** `new App(...)` or `new Agent(...)` with the adapter's `userTokenGetter`. */
export function makeClient(what, options, userTokenGetter) {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new AlterSDKError(`${what}(options): options must be an object with an apiKey`, {}, { code: "invalid_argument" });
  }
  checkOptionKeys(what, options);
  const { kind, ...rest } = options;
  if (rest.userTokenGetter !== undefined) {
    throw new AlterSDKError(`${what} installs its own userTokenGetter (the request's Bearer token); do not pass one`, {}, { code: "invalid_argument" });
  }
  const k = clientKindOf(rest.apiKey, kind);
  const opts = { ...rest, userTokenGetter };
  return k === "agent" ? new Agent(opts) : new App(opts);
}
