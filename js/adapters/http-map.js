// SDK error → HTTP answer, shared by the Express and Hono adapters (../../shared/seeds/000_*:
// "request() throws typed exceptions. Map them to HTTP responses in an error middleware").
//
// The body carries a short stable `error` string and, where the end user can act on it, the
// provider id or the account candidates of an ambiguous grant. Never the message, the details,
// the provider's response body or anything else the SDK error holds: those stay in server logs.
//
// | status | errors                                                             | body `error`               |
// |--------|--------------------------------------------------------------------|----------------------------|
// | 401    | no token for userTokenGetter (`user_token_getter_failed`)          | `missing_bearer`           |
// |        | (+ `hint` naming the compatibility flag when the runtime has no    |                            |
// |        | AsyncLocalStorage: a Worker without nodejs_als / nodejs_compat)    |                            |
// | 401    | ReAuthRequiredError with code `jwt_validation_error` (bad user JWT)| `invalid_token`            |
// | 401    | other ReAuthRequiredError (grant expired/revoked/deleted)          | `reauthorization_required` |
// | 401    | InvalidKeyError and the other key/agent-credential errors          | `unauthorized`             |
// | 403    | PolicyViolationError (+ StepUp, RedactDischarge), InsufficientScope| `forbidden`                |
// | 409    | AmbiguousGrantError (+ `candidates` so the user can pick)          | `ambiguous_grant`          |
// | 409    | TokenRefreshInProgressError (+ `Retry-After: 1`)                   | `token_refresh_in_progress`|
// | 409    | GrantNotFoundError / NoDelegatedGrantError naming a provider (a    | `connection_required`      |
// |        | request by provider: the user has not connected it) + `providerId` |                            |
// |        | and a `hint`                                                       |                            |
// | 409    | NoDelegatedGrantError without a provider, ScopeReauthRequiredError | `reauthorization_required` |
// |        | (the grant lacks scopes: re-consent), as seed 000's middleware     |                            |
// | 502    | ProviderAPIError, BackendError, NetworkError, any other SDK error  | `credential_unavailable`   |
// Anything that is not an SDK error is not mapped (null): the framework's own handler decides.

import {
  AgentInactiveError, AgentRevokedError, AmbiguousGrantError, GrantNotFoundError, InsufficientScopeError,
  InvalidKeyError, KeyAppNotFoundError, KeyExpiredError, KeyInactiveError, KeyRevokedError,
  KeyRotationExpiredError, NoDelegatedGrantError, PolicyViolationError, ReAuthRequiredError,
  ScopeReauthRequiredError, TokenRefreshInProgressError, isAlterError,
} from "../errors.js";

/** Bearer token of an `Authorization` header value, or null (RFC 6750 §2.1, case-insensitive). */
export function bearerToken(header) {
  if (typeof header !== "string") return null;
  const m = /^[ \t]*Bearer[ \t]+([^ \t].*?)[ \t]*$/i.exec(header);
  return m ? m[1] : null;
}

/** The body of a request that needed a Bearer token and had none. */
export const MISSING_BEARER = Object.freeze({ error: "missing_bearer" });

/** `code` of the error a getter throws where the runtime has no AsyncLocalStorage (hono.js). */
export const NO_ASYNC_CONTEXT = "async_context_unavailable";

/** What the 401 says when the token could not be found for lack of AsyncLocalStorage. */
export const NO_ASYNC_CONTEXT_HINT =
  "This runtime has no AsyncLocalStorage, so userTokenGetter cannot find the request's token: on Cloudflare " +
  "Workers add the nodejs_als (or nodejs_compat) compatibility flag, or use c.var.alter.request(), which passes the token per call.";

const CREDENTIAL_ERRORS = [
  InvalidKeyError, KeyRevokedError, KeyExpiredError, KeyRotationExpiredError, KeyInactiveError,
  KeyAppNotFoundError, AgentInactiveError, AgentRevokedError,
];

function str(v) {
  return typeof v === "string" && v !== "" ? v : null;
}

/** `AmbiguousGrantError.candidates` reduced to what a chooser UI needs. */
function candidatesOf(err) {
  const list = Array.isArray(err.candidates) ? err.candidates : [];
  return list.slice(0, 50).map((c) => ({
    grantId: str(c?.grantId),
    label: str(c?.label),
    accountIdentifier: str(c?.accountIdentifier),
    accountDisplayName: str(c?.accountDisplayName),
  }));
}

/**
 * `{ status, body, headers }` for an SDK error, or null when `err` is not one.
 * @param {unknown} err
 */
export function httpErrorOf(err) {
  if (!isAlterError(err)) return null;
  const e = /** @type {any} */ (err);
  const headers = {};
  let status = 502;
  let body = { error: "credential_unavailable" };
  if (e.code === "user_token_getter_failed") {
    status = 401;
    body = { ...MISSING_BEARER };
    if (e.cause?.code === NO_ASYNC_CONTEXT) body.hint = NO_ASYNC_CONTEXT_HINT;
  } else if (e instanceof ReAuthRequiredError) {
    status = 401;
    body = e.code === "jwt_validation_error"
      ? { error: "invalid_token" }
      : { error: "reauthorization_required", providerId: str(e.providerId) };
  } else if (CREDENTIAL_ERRORS.some((c) => e instanceof c)) {
    status = 401;
    body = { error: "unauthorized" };
  } else if (e instanceof PolicyViolationError || e instanceof InsufficientScopeError) {
    status = 403;
    body = { error: "forbidden" };
  } else if (e instanceof AmbiguousGrantError) {
    status = 409;
    body = { error: "ambiguous_grant", providerId: str(e.providerId), candidates: candidatesOf(e) };
  } else if (e instanceof TokenRefreshInProgressError) {
    status = 409;
    body = { error: "token_refresh_in_progress" };
    headers["retry-after"] = "1";
  } else if ((e instanceof GrantNotFoundError || e instanceof NoDelegatedGrantError) && str(e.providerId) !== null) {
    // A request by provider found no grant: the end user has to connect that provider first.
    status = 409;
    const providerId = str(e.providerId);
    body = { error: "connection_required", providerId, hint: `Connect ${providerId} first: the user has no grant for it.` };
  } else if (e instanceof NoDelegatedGrantError || e instanceof ScopeReauthRequiredError) {
    status = 409;
    body = { error: "reauthorization_required", providerId: str(e.providerId) };
  }
  return { status, body, headers };
}
