// `alter-edge/express`: per-request user identity for Express (and any Node `(req, res, next)`
// framework) and SDK errors as HTTP answers (../../shared/seeds/000_*).
//
//   import { App } from "alter-edge";
//   import { bearerAuth, userTokenGetter, alterErrorHandler } from "alter-edge/express";
//   const alter = new App({ apiKey: process.env.ALTER_API_KEY, userTokenGetter });
//   app.get("/events", bearerAuth(), async (req, res) => { ... await alter.request(...) ... });
//   app.use(alterErrorHandler());
//
// The token lives in an AsyncLocalStorage for the rest of the request, so `userTokenGetter`
// finds the calling user's JWT through every await, and never a global (seed 000).

import { AsyncLocalStorage } from "node:async_hooks";
import { AlterSDKError } from "../errors.js";
import { checkOptionKeys } from "../strict.js";
import { makeClient } from "./client-kind.js";
import { MISSING_BEARER, bearerToken, httpErrorOf } from "./http-map.js";

export { bearerToken, httpErrorOf };

/** The store holding the current request's user token (a string). */
export const userTokenStore = new AsyncLocalStorage();

/** The current request's user token, or undefined outside `bearerAuth()`. */
export function getUserToken() {
  return userTokenStore.getStore();
}

/**
 * For `new App({ userTokenGetter })`: the current request's token. Throws outside a request
 * with a token, and the SDK then fails closed (`user_token_getter_failed`, mapped to 401) instead
 * of acting with the app's own identity.
 */
export function userTokenGetter() {
  const token = userTokenStore.getStore();
  if (typeof token !== "string" || token === "") {
    throw new AlterSDKError("no user token in the current request (use bearerAuth())", {}, { code: "user_token_getter_failed" });
  }
  return token;
}

/**
 * `new App(...)` or `new Agent(...)` with this module's `userTokenGetter`: the class follows the
 * API key's prefix (`alter_rk_` → App, `alter_ak_` → Agent), or `kind: "app" | "agent"`; any other
 * prefix fails closed (AlterSDKError) unless `kind` is given. Other options go to the client.
 */
export function alterClient(options) {
  return makeClient("express.alterClient", options, userTokenGetter);
}

/**
 * Middleware: takes the Bearer token of `Authorization` into the store for the rest of the
 * request. Without one it answers 401 `{"error":"missing_bearer"}`, or with `{ optional: true }`
 * goes on without a token (userTokenGetter then fails closed for that request).
 * A real application verifies the JWT here or in its own auth middleware before this one.
 * @param {{ optional?: boolean, header?: string }} [options]
 */
export function bearerAuth(options = {}) {
  checkOptionKeys("express.bearerAuth", options);
  const optional = options.optional === true;
  const header = typeof options.header === "string" ? options.header.toLowerCase() : "authorization";
  return function alterBearerAuth(req, res, next) {
    const token = bearerToken(req.headers?.[header]);
    if (token === null) {
      if (optional) return userTokenStore.exit(() => next());
      res.status(401).json({ ...MISSING_BEARER });
      return undefined;
    }
    return userTokenStore.run(token, () => next());
  };
}

/**
 * Error middleware mapping SDK errors to 401/403/409/502 (see http-map.js). Other errors go to
 * the next error handler unchanged. `onError(err, req)` is called for every mapped error first
 * (e.g. to log `err.code` and `err.message` server-side; never send them to the client).
 * @param {{ onError?: (err: unknown, req: any) => void }} [options]
 */
export function alterErrorHandler(options = {}) {
  checkOptionKeys("express.alterErrorHandler", options);
  const onError = typeof options.onError === "function" ? options.onError : null;
  // Four parameters: Express recognises error middleware by its arity.
  return function alterErrors(err, req, res, next) {
    const mapped = httpErrorOf(err);
    if (mapped === null || res.headersSent) return next(err);
    if (onError) {
      try {
        onError(err, req);
      } catch {
        // a failing logger must not change the answer
      }
    }
    for (const [k, v] of Object.entries(mapped.headers)) res.setHeader(k, v);
    res.status(mapped.status).json(mapped.body);
    return undefined;
  };
}
