// Node ESM consumer: `import` of the installed tarball. Conformance, then the Express adapter
// (a real server on a free port) and the Hono adapter (Hono's own fetch, no server needed).
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
// "node" for the Node that runs the tests (20.x), "node22" when run by Node 22 (run.mjs).
const N = process.env.NODE_LABEL ?? "node";
const out = [];
out.push(await runConformance({ sdk, vaultUrl, runtime: `${N}-esm`, expectEnvBaseUrl: true }));
out.push(runMappingChecks({ sdk, httpErrorOf: expressAdapter.httpErrorOf, runtime: `${N}-mapping` }));

// Express, over HTTP.
{
  const apps = {
    plain: new sdk.App({ apiKey: KEY, baseUrl: vaultUrl, logger: null }),
    getter: new sdk.App({ apiKey: KEY, baseUrl: vaultUrl, logger: null, userTokenGetter: expressAdapter.userTokenGetter }),
  };
  const server = buildExpressApp({ express, adapter: expressAdapter, vaultUrl, apps }).listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  out.push(await runAdapterChecks({ get: (p, headers) => fetch(base + p, { headers }), vaultUrl, runtime: `${N}-express`, hasAls: true }));
  server.close();
  await Promise.all([apps.plain.close(), apps.getter.close()]);
}

// Hono on Node (no executionCtx: waitUntil is a no-op, close() drains).
{
  const apps = {
    plain: new sdk.App({ apiKey: KEY, baseUrl: vaultUrl, logger: null }),
    getter: new sdk.App({ apiKey: KEY, baseUrl: vaultUrl, logger: null, userTokenGetter: honoAdapter.userTokenGetter }),
  };
  const hono = buildHonoApp({ Hono, adapter: honoAdapter, vaultUrl: () => vaultUrl, apps });
  out.push(await runAdapterChecks({ get: (p, headers) => hono.fetch(new Request(`http://local${p}`, { headers })), vaultUrl, runtime: `${N}-hono`, hasAls: true }));
  await Promise.all([apps.plain.close(), apps.getter.close()]);
}
console.log("CONFORMANCE_JSON " + JSON.stringify(out));
