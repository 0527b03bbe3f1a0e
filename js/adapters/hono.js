// `alter-edge/hono`: per-request user identity, Workers `waitUntil` for audit rows, and SDK errors
// as HTTP answers, for Hono on Cloudflare Workers, Deno and Node (../../shared/seeds/000_*).
//
//   import { App } from "alter-edge";
//   import { alter, alterErrorHandler } from "alter-edge/hono";
//   const hono = new Hono();
//   hono.use("/api/*", alter({ app: (c) => appFor(c.env) }));
//   hono.get("/api/events", async (c) => {
//     const res = await c.var.alter.request("GET", url, { provider: "google" });
//     return c.json(await res.json());
//   });
//   hono.onError(alterErrorHandler());
//
// `c.var.alter.request()` passes the request's Bearer token as `userToken`, so it works in every
// runtime. Where the runtime has AsyncLocalStorage (Node, Deno, Workers with nodejs_als or
// nodejs_compat) the token is ALSO in a store, so an App built with `userTokenGetter` from this
// module finds it through every await. After the handler, the audit rows of the SDK calls are
// handed to `c.executionCtx.waitUntil` when the runtime has one (Workers), so the isolate keeps
// running until they are written, after the response has gone.
//
// Nothing here imports a Node builtin statically: the module loads in workerd without flags.

import { AlterSDKError } from "../errors.js";
import { checkOptionKeys } from "../strict.js";
import { asyncLocalStorageSync, loadAsyncLocalStorage } from "../runtime.js";
import { makeClient } from "./client-kind.js";
import { withAuditScope } from "../core/audit-scope.js";
import { MISSING_BEARER, NO_ASYNC_CONTEXT, NO_ASYNC_CONTEXT_HINT, bearerToken, httpErrorOf } from "./http-map.js";

export { bearerToken, httpErrorOf };

let store = null;
function storeSync() {
  if (!store) {
    const Als = asyncLocalStorageSync();
    if (Als) store = new Als();
  }
  return store;
}
/** True once the runtime was searched for AsyncLocalStorage and has none. */
let noAls = false;
async function storeAsync() {
  if (storeSync()) return store;
  await loadAsyncLocalStorage();
  if (!storeSync()) noAls = true;
  return store;
}

/** The current request's user token (needs AsyncLocalStorage), or undefined. */
export function getUserToken() {
  const s = storeSync();
  return s ? s.getStore() : undefined;
}

/**
 * For `new App({ userTokenGetter })` where the runtime has AsyncLocalStorage: the current
 * request's token. Throws outside `alter()` (or without AsyncLocalStorage), and the SDK then
 * fails closed (`user_token_getter_failed`, mapped to 401) rather than acting as the app.
 */
export function userTokenGetter() {
  if (noAls && storeSync() === null) {
    // No AsyncLocalStorage (a Worker without nodejs_als / nodejs_compat): say so (the 401's hint).
    throw new AlterSDKError(NO_ASYNC_CONTEXT_HINT, {}, { code: NO_ASYNC_CONTEXT });
  }
  const token = getUserToken();
  if (typeof token !== "string" || token === "") {
    throw new AlterSDKError("no user token in the current request (use the alter() middleware)", {}, { code: "user_token_getter_failed" });
  }
  return token;
}

/**
 * `new App(...)` or `new Agent(...)` with this module's `userTokenGetter`: the class follows the
 * API key's prefix (`alter_rk_` → App, `alter_ak_` → Agent), or `kind: "app" | "agent"`; any other
 * prefix fails closed (AlterSDKError) unless `kind` is given. Other options go to the client.
 */
export function alterClient(options) {
  return makeClient("hono.alterClient", options, userTokenGetter);
}

/** `c.executionCtx.waitUntil` bound, or null (Hono's getter throws where there is none). */
function waitUntilOf(c) {
  let ctx;
  try {
    ctx = c.executionCtx;
  } catch {
    return null;
  }
  return ctx && typeof ctx.waitUntil === "function" ? (p) => ctx.waitUntil(p) : null;
}

/**
 * Hand the audit rows `app` has scheduled so far to `c.executionCtx.waitUntil` (Workers). Returns
 * true when handed over. No-op where there is no execution context (Node, Deno).
 */
export function waitUntilAudits(c, app) {
  const waitUntil = waitUntilOf(c);
  if (!waitUntil || !app || typeof app.flush !== "function") return false;
  waitUntil(Promise.resolve(app.flush()).catch(() => {}));
  return true;
}

/** A view of `app` whose request() carries `userToken` unless the call gives its own. */
function scopedClient(app, userToken) {
  return Object.freeze({
    app,
    userToken,
    request(method, url, options) {
      if (userToken === null) return app.request(method, url, options);
      const o = options === undefined || options === null ? {} : options;
      if (typeof o !== "object" || Array.isArray(o) || o.userToken !== undefined) return app.request(method, url, options);
      return app.request(method, url, { ...o, userToken });
    },
  });
}

/**
 * Middleware. Reads the Bearer token of `Authorization` (401 `{"error":"missing_bearer"}` when
 * absent, unless `optional`), sets `c.var.alterUserToken`, and with `app` also `c.var.alter`
 * (`{ app, userToken, request() }`). Runs the rest of the request inside the token store where
 * the runtime has AsyncLocalStorage. Afterwards hands the audit rows of this request's SDK calls
 * to `c.executionCtx.waitUntil` when there is one (without AsyncLocalStorage: every pending row
 * of the app, `app.flush()`).
 * @param {{ app?: object | ((c: any) => object), optional?: boolean, header?: string }} [options]
 */
export function alter(options = {}) {
  checkOptionKeys("hono.alter", options);
  const optional = options.optional === true;
  const header = typeof options.header === "string" ? options.header : "authorization";
  const appOption = options.app;
  return async function alterMiddleware(c, next) {
    const token = bearerToken(c.req.header(header));
    if (token === null && !optional) return c.json({ ...MISSING_BEARER }, 401);
    c.set("alterUserToken", token ?? undefined);
    let app = null;
    if (appOption !== undefined && appOption !== null) {
      app = typeof appOption === "function" ? await appOption(c) : appOption;
      c.set("alter", scopedClient(app, token));
    }
    const s = await storeAsync();
    const run = () => {
      if (s && token !== null) return s.run(token, () => next());
      if (s) return s.exit(() => next());
      return next();
    };
    // This request's own audit rows go to waitUntil; without AsyncLocalStorage, the app's flush().
    const scope = app && waitUntilOf(c) ? withAuditScope(run) : null;
    try {
      await (scope ? scope.done : run());
    } finally {
      if (scope) waitUntilOf(c)(Promise.allSettled(scope.jobs));
      else if (app) waitUntilAudits(c, app);
    }
    return undefined;
  };
}

/**
 * For `hono.onError(...)`: SDK errors → 401/403/409/502 JSON (see http-map.js); anything else
 * goes to `fallback(err, c)`, by default Hono's own behaviour (an HTTPException's response, else
 * a plain 500). `onError(err, c)` runs first for mapped errors (server-side logging).
 * @param {{ onError?: (err: unknown, c: any) => void, fallback?: (err: unknown, c: any) => Response }} [options]
 */
export function alterErrorHandler(options = {}) {
  checkOptionKeys("hono.alterErrorHandler", options);
  const onError = typeof options.onError === "function" ? options.onError : null;
  const fallback = typeof options.fallback === "function" ? options.fallback : defaultFallback;
  return function alterErrors(err, c) {
    const mapped = httpErrorOf(err);
    if (mapped === null) return fallback(err, c);
    if (onError) {
      try {
        onError(err, c);
      } catch {
        // a failing logger must not change the answer
      }
    }
    return c.json(mapped.body, mapped.status, mapped.headers);
  };
}

function defaultFallback(err, c) {
  if (err && typeof err.getResponse === "function") return err.getResponse();
  console.error(err);
  return c.text("Internal Server Error", 500);
}
