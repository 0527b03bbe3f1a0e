// Vercel Edge Function consumer: the package through its "edge-light" export, bundled and run by
// tests/runtimes/vercel-edge/serve.mjs (as `vercel dev` does). GET /__conformance?marker=M runs the
// conformance inside one request; /__nowait is a control call with nothing handed to waitUntil;
// /__flush waits for every pending audit row; every other path is the Hono app of routes.mjs,
// given Vercel's context as its execution context so the adapter hands the audit rows to
// `waitUntil`. Apps are built once per instance from process.env and shared by every request.
import * as asyncHooks from "node:async_hooks";
import * as sdk from "alter-edge";
import * as honoAdapter from "alter-edge/hono";
import { Hono } from "hono";
import { runConformance } from "./conformance.mjs";
import { buildHonoApp } from "./routes.mjs";

export const config = { runtime: "edge" };

const env = () => ({ ALTER_API_KEY: process.env.ALTER_API_KEY, ALTER_BASE_URL: process.env.ALTER_BASE_URL });
let apps = null;
const appsFor = (e) => (apps ??= {
  plain: new sdk.App({ apiKey: e.ALTER_API_KEY, baseUrl: e.ALTER_BASE_URL, logger: null }),
  getter: new sdk.App({ apiKey: e.ALTER_API_KEY, baseUrl: e.ALTER_BASE_URL, logger: null, userTokenGetter: honoAdapter.userTokenGetter }),
});
let hono = null;
let nowaitApp = null; // its own App: no other request's flush() covers its rows

export default async function handler(request, context) {
  const url = new URL(request.url);
  if (url.pathname === "/__conformance") {
    const out = await runConformance({
      sdk, vaultUrl: process.env.ALTER_BASE_URL, runtime: "vercel-edge", marker: url.searchParams.get("marker") ?? undefined, expectEnvBaseUrl: true, asyncHooks,
    });
    return Response.json([out]);
  }
  if (url.pathname === "/__flush") {
    // Every audit row of the earlier checks written (before the waitUntil check sets its faults).
    await Promise.all([apps?.plain.flush(), apps?.getter.flush(), nowaitApp?.flush()]);
    return new Response(null, { status: 204 });
  }
  if (url.pathname === "/__nowait") {
    nowaitApp ??= new sdk.App({ apiKey: process.env.ALTER_API_KEY, baseUrl: process.env.ALTER_BASE_URL, logger: null });
    const res = await nowaitApp.request("GET", `${process.env.ALTER_BASE_URL}/mock/google/x`, {
      grantId: "6a000000-0000-4000-8000-000000000006", reason: url.searchParams.get("reason"),
    });
    return new Response(null, { status: res.status });
  }
  hono ??= buildHonoApp({
    Hono, adapter: honoAdapter, vaultUrl: (c) => c.env.ALTER_BASE_URL,
    apps: { plain: (c) => appsFor(c.env).plain, getter: (c) => appsFor(c.env).getter },
  });
  // Hono's execution context = Vercel's context (it has waitUntil).
  return hono.fetch(request, env(), { waitUntil: (p) => context.waitUntil(p), passThroughOnException() {} });
}
