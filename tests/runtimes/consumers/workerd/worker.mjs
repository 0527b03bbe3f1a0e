// workerd consumer: the package through its "workerd" export (the wasm imported as a module).
// GET /__conformance?marker=M runs the conformance inside one request; every other path is the
// Hono app of routes.mjs (and /__nowait, a control without waitUntil), driven from outside with real concurrent dispatches. Apps are built
// once per isolate from the env bindings and shared by all requests (as a real Worker would).
import * as sdk from "alter-edge";
import * as honoAdapter from "alter-edge/hono";
import { Hono } from "hono";
import { runConformance } from "./conformance.mjs";
import { buildHonoApp } from "./routes.mjs";

let apps = null;
let hono = null;
function appsFor(env) {
  apps ??= {
    plain: new sdk.App({ apiKey: env.ALTER_API_KEY, baseUrl: env.ALTER_BASE_URL, logger: null }),
    getter: new sdk.App({ apiKey: env.ALTER_API_KEY, baseUrl: env.ALTER_BASE_URL, logger: null, userTokenGetter: honoAdapter.userTokenGetter }),
  };
  return apps;
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/__conformance") {
      const out = await runConformance({ sdk, vaultUrl: env.ALTER_BASE_URL, runtime: env.RUNTIME_LABEL, marker: url.searchParams.get("marker") ?? undefined, envBindings: env });
      return Response.json(out);
    }
    if (url.pathname === "/__nowait") {
      // Control for the waitUntil check: the same call with nothing handed to ctx.waitUntil.
      const res = await appsFor(env).plain.request("GET", `${env.ALTER_BASE_URL}/mock/google/x`, {
        grantId: "6a000000-0000-4000-8000-000000000006", reason: url.searchParams.get("reason"),
      });
      return new Response(null, { status: res.status });
    }
    hono ??= buildHonoApp({
      Hono, adapter: honoAdapter, vaultUrl: (c) => c.env.ALTER_BASE_URL,
      apps: { plain: (c) => appsFor(c.env).plain, getter: (c) => appsFor(c.env).getter },
    });
    return hono.fetch(request, env, ctx);
  },
};
