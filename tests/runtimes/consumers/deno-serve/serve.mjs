// `deno serve` consumer (the Deno Deploy shape: a module whose default export has `fetch`). The
// package resolves through its "deno" export. GET /__conformance?marker=M runs the conformance
// inside one request; every other path is the Hono app of routes.mjs, driven from outside with
// real concurrent requests. The Apps are built once per process and shared by all requests.
import * as sdk from "alter-edge";
import * as honoAdapter from "alter-edge/hono";
import { Hono } from "hono";
import { runConformance } from "./conformance.mjs";
import { buildHonoApp, KEY } from "./routes.mjs";

const vaultUrl = Deno.env.get("VAULT_URL");
const apps = {
  plain: new sdk.App({ apiKey: KEY, baseUrl: vaultUrl, logger: null }),
  getter: new sdk.App({ apiKey: KEY, baseUrl: vaultUrl, logger: null, userTokenGetter: honoAdapter.userTokenGetter }),
};
const hono = buildHonoApp({ Hono, adapter: honoAdapter, vaultUrl: () => vaultUrl, apps });

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/__conformance") {
      const out = await runConformance({ sdk, vaultUrl, runtime: "deno-serve", marker: url.searchParams.get("marker") ?? undefined, expectEnvBaseUrl: true });
      const entry = import.meta.resolve("alter-edge");
      out.results.unshift({ name: "deno_export", ok: /index\.deno\.js$/.test(entry), detail: entry.split("/").slice(-2).join("/") });
      return Response.json([out]);
    }
    if (url.pathname === "/__flush") {
      await Promise.all([apps.plain.flush(), apps.getter.flush()]);
      return new Response(null, { status: 204 });
    }
    return hono.fetch(request);
  },
};
