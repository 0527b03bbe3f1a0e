// `alter-edge/hono` hands each request's own audit rows to `waitUntil` (where the runtime has
// AsyncLocalStorage), so a request never waits for the other calls in flight of a shared App, as
// `app.flush()` would. Driven with a minimal Hono-shaped context against the dev vault.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { startVault } from "./helpers/vault.mjs";
import { loadSdk, sdkEntry } from "./helpers/sdk.mjs";
import { GRANTS, KEYS } from "./helpers/demo.mjs";

const sdk = await loadSdk();
const hono = await import(pathToFileURL(join(dirname(sdkEntry()), "adapters/hono.js")).href);
let vault;
before(async () => {
  vault = await startVault();
});
after(async () => vault?.stop());

/** The parts of a Hono context the middleware uses, with a recording waitUntil. */
function context() {
  const vars = new Map();
  const handed = [];
  return {
    handed,
    req: { header: (name) => (name.toLowerCase() === "authorization" ? "Bearer user-jwt" : undefined) },
    set: (k, v) => vars.set(k, v),
    get: (k) => vars.get(k),
    get var() { return Object.fromEntries(vars); },
    json: (body, status) => new Response(JSON.stringify(body), { status }),
    executionCtx: { waitUntil: (p) => handed.push(p) },
  };
}

test("each request's waitUntil gets its own audit rows, not the other calls in flight", async () => {
  const app = new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
  const mw = hono.alter({ app, optional: true });
  const call = (path, reason) => app.request("GET", `${vault.url}/mock/google${path}`, { grantId: GRANTS.systemGoogle, reason });
  let slowDone = false;
  const slowCtx = context();
  const slow = mw(slowCtx, async () => {
    await call("/slow?ms=2500", "slow");
    slowDone = true;
  });
  const fastCtx = context();
  await mw(fastCtx, async () => {
    await call("/fast", "fast");
  });
  assert.equal(fastCtx.handed.length, 1, "one promise handed to waitUntil");
  await fastCtx.handed[0];
  assert.equal(slowDone, false, "the fast request's rows did not wait for the slow call");
  assert.deepEqual((await vault.auditRows()).map((r) => r.row.reason), ["fast"]);
  await slow;
  await slowCtx.handed[0];
  assert.deepEqual((await vault.auditRows()).map((r) => r.row.reason).sort(), ["fast", "slow"]);
  await app.close();
});
