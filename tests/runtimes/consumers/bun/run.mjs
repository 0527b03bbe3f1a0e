// Bun consumer: `import` of the installed tarball under Bun (the npm @oven/bun-linux-x64 binary).
// Which export Bun resolves, conformance, the error → HTTP table, then the Hono adapter behind
// Bun.serve and the Express adapter on node:http, each driven over real HTTP (50 users at once).
import * as sdk from "alter-edge";
import * as expressAdapter from "alter-edge/express";
import * as honoAdapter from "alter-edge/hono";
import express from "express";
import { Hono } from "hono";
import { runConformance } from "./conformance.mjs";
import { runAdapterChecks } from "./adapter-checks.mjs";
import { runMappingChecks } from "./mapping-checks.mjs";
import { buildExpressApp, buildHonoApp, KEY } from "./routes.mjs";

const vaultUrl = process.env.VAULT_URL;
const out = [];
const conf = await runConformance({ sdk, vaultUrl, runtime: "bun", expectEnvBaseUrl: true });
const entry = import.meta.resolve("alter-edge");
conf.results.unshift({
  name: "bun_export", ok: /\/dist\/index\.node\.js$/.test(entry),
  detail: `Bun ${Bun.version} resolves ${entry.split("/").slice(-2).join("/")} (no "bun" condition needed)`,
});
out.push(conf);
out.push(runMappingChecks({ sdk, httpErrorOf: expressAdapter.httpErrorOf, runtime: "bun-mapping" }));

// Hono behind Bun.serve.
{
  const apps = {
    plain: new sdk.App({ apiKey: KEY, baseUrl: vaultUrl, logger: null }),
    getter: new sdk.App({ apiKey: KEY, baseUrl: vaultUrl, logger: null, userTokenGetter: honoAdapter.userTokenGetter }),
  };
  const hono = buildHonoApp({ Hono, adapter: honoAdapter, vaultUrl: () => vaultUrl, apps });
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: hono.fetch });
  const base = `http://127.0.0.1:${server.port}`;
  out.push(await runAdapterChecks({ get: (p, headers) => fetch(base + p, { headers }), vaultUrl, runtime: "bun-hono", hasAls: true }));
  await server.stop();
  await Promise.all([apps.plain.close(), apps.getter.close()]);
}

// Express on Bun's node:http.
{
  const apps = {
    plain: new sdk.App({ apiKey: KEY, baseUrl: vaultUrl, logger: null }),
    getter: new sdk.App({ apiKey: KEY, baseUrl: vaultUrl, logger: null, userTokenGetter: expressAdapter.userTokenGetter }),
  };
  const server = buildExpressApp({ express, adapter: expressAdapter, vaultUrl, apps }).listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  out.push(await runAdapterChecks({ get: (p, headers) => fetch(base + p, { headers }), vaultUrl, runtime: "bun-express", hasAls: true }));
  server.close();
  await Promise.all([apps.plain.close(), apps.getter.close()]);
}
console.log("CONFORMANCE_JSON " + JSON.stringify(out));
