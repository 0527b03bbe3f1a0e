// `resolveIdentity()` (api-surface.md §2.12): who the vault sees behind a call — the app, the end
// user of a token (or, for an Agent, a user who delegated to it), the agent and the trace run.
// An App falls back to its userTokenGetter; an Agent never does.

import { AlterValueError } from "../errors.js";
import { IdentityContext } from "./more-models.js";
import { backendCall, contextPairs, isAgent, optBool, optionsOf, signalOf, userTokenFor } from "./util.js";

/** §2.12: the longest user token the vault takes. */
const MAX_USER_TOKEN_CHARS = 8192;

export async function resolveIdentity(options) {
  const o = optionsOf("resolveIdentity", options);
  const agent = isAgent(this);
  const body = { include_profile: optBool("includeProfile", o.includeProfile) ?? false };
  if (o.appUserId !== undefined && o.appUserId !== null) {
    if (!agent) throw new AlterValueError("resolveIdentity: appUserId is accepted on an Agent only (an App passes userToken)");
    if (typeof o.appUserId !== "string" || o.appUserId.trim() === "") throw new AlterValueError("appUserId must be a non-empty string");
    if (o.userToken !== undefined && o.userToken !== null) throw new AlterValueError("resolveIdentity: pass userToken or appUserId, not both");
    body.app_user_id = o.appUserId;
  } else {
    const token = await userTokenFor(this, o.userToken, !agent);
    if (token !== undefined) {
      if (token.length > MAX_USER_TOKEN_CHARS) throw new AlterValueError(`userToken must be at most ${MAX_USER_TOKEN_CHARS} characters`);
      body.user_token = token;
    }
  }
  const r = await backendCall(this, "POST", "/sdk/identity/resolve", body, { signal: signalOf(o), context: contextPairs(this) });
  return new IdentityContext(r.json);
}
