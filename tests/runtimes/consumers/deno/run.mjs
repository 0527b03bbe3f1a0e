// Deno consumer: the package from node_modules (deno.json nodeModulesDir "manual"), resolved
// through its "deno" export. Conformance in-process, then the Hono adapter behind Deno.serve with
// real concurrent HTTP requests of 20 different users.
import * as sdk from "alter-edge";
import * as honoAdapter from "alter-edge/hono";
import { Hono } from "hono";
import { runConformance } from "./conformance.mjs";
import { runAdapterChecks } from "./adapter-checks.mjs";
import { buildHonoApp, KEY } from "./routes.mjs";

const vaultUrl = Deno.env.get("VAULT_URL");
const out = [];
const conf = await runConformance({ sdk, vaultUrl, runtime: "deno", expectEnvBaseUrl: true });
const entry = import.meta.resolve("alter-edge");
conf.results.unshift({ name: "deno_export", ok: /index\.deno\.js$/.test(entry), detail: entry.split("/").slice(-2).join("/") });
out.push(conf);

const apps = {
  plain: new sdk.App({ apiKey: KEY, baseUrl: vaultUrl, logger: null }),
  getter: new sdk.App({ apiKey: KEY, baseUrl: vaultUrl, logger: null, userTokenGetter: honoAdapter.userTokenGetter }),
};
const hono = buildHonoApp({ Hono, adapter: honoAdapter, vaultUrl: () => vaultUrl, apps });
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, hono.fetch);
const base = `http://127.0.0.1:${server.addr.port}`;
out.push(await runAdapterChecks({ get: (p, headers) => fetch(base + p, { headers }), vaultUrl, runtime: "deno-hono", hasAls: true }));
await server.shutdown();
await Promise.all([apps.plain.close(), apps.getter.close()]);
console.log("CONFORMANCE_JSON " + JSON.stringify(out));
