// The adapters' client factory and error map, from the built package: App or Agent by the API
// key's prefix (api-surface.md §5.1), `kind` to pin it, unknown prefixes refused; a missing grant
// for a provider → 409 connection_required with the provider id; the 401 of a getter that found
// no AsyncLocalStorage names the compatibility flag.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { loadSdk, sdkEntry } from "./helpers/sdk.mjs";

const sdk = await loadSdk();
const dist = dirname(sdkEntry());
const express = await import(pathToFileURL(join(dist, "adapters/express.js")).href);
const hono = await import(pathToFileURL(join(dist, "adapters/hono.js")).href);
// The error map ships inside the bundle; the adapters export httpErrorOf.
const map = { httpErrorOf: hono.httpErrorOf, NO_ASYNC_CONTEXT: "async_context_unavailable" };

import { KEYS } from "./helpers/demo.mjs";

const RK = KEYS.full;
const AK = KEYS.emailAssistant;
const base = { baseUrl: "https://vault.invalid", logger: null };

test("alterClient: the key's prefix picks App or Agent; kind pins it; other prefixes fail closed", async () => {
  for (const { alterClient } of [express, hono]) {
    const a = alterClient({ apiKey: RK, ...base });
    assert.ok(a instanceof sdk.App && !(a instanceof sdk.Agent));
    const b = alterClient({ apiKey: AK, ...base });
    assert.ok(b instanceof sdk.Agent);
    assert.ok(alterClient({ apiKey: AK, kind: "app", ...base }) instanceof sdk.App);
    assert.ok(alterClient({ apiKey: RK, kind: "agent", ...base }) instanceof sdk.Agent);
    for (const key of [KEYS.legacy, "alter_dk_abcdefghijklmnopqrstuv_iwpykn", "alter_pk_abcdefghijklmnopqrstuv_iwpykn", "sk_live_x", ""]) {
      assert.throws(() => alterClient({ apiKey: key, ...base }), (e) => e instanceof sdk.AlterSDKError && e.code === "invalid_argument", key);
    }
    assert.ok(alterClient({ apiKey: KEYS.legacy, kind: "agent", ...base }) instanceof sdk.Agent);
    assert.throws(() => alterClient({ apiKey: RK, kind: "service", ...base }), /kind must be "app" or "agent"/);
    assert.throws(() => alterClient({ apiKey: RK, userTokenGetter: () => "t", ...base }), /installs its own userTokenGetter/);
    assert.throws(() => alterClient({ apiKey: RK, knd: "app", ...base }), (e) => e.code === "unknown_option" && /"kind"/.test(e.message));
    await Promise.all([a.close(), b.close()]);
  }
});

test("alterClient (express): the client's getter reads the request's Bearer token", async () => {
  let seen = null;
  const app = express.alterClient({
    apiKey: RK, ...base, maxRetries: 0,
    fetch: async (url, init) => { seen = JSON.parse(init.body ?? "{}").user_token ?? null; throw new Error("stop"); },
  });
  await new Promise((resolve) => express.bearerAuth()({ headers: { authorization: "Bearer tok-1" } }, {}, resolve));
  await express.userTokenStore.run("tok-1", () => app.request("GET", "https://api.example.com/x", { provider: "google" }).catch(() => {}));
  assert.equal(seen, "tok-1");
  await app.close();
});

test("a missing grant for a provider → 409 connection_required with the provider id", () => {
  const make = (cls, fields) => sdk.createAlterError({ class: cls, code: "x", message: "m", status: 404, fields });
  for (const cls of ["GrantNotFoundError", "NoDelegatedGrantError", "AgentDelegationMissingError"]) {
    const m = map.httpErrorOf(make(cls, { provider_id: "google" }));
    assert.equal(m.status, 409, cls);
    assert.deepEqual(Object.keys(m.body).sort(), ["error", "hint", "providerId"]);
    assert.equal(m.body.error, "connection_required");
    assert.equal(m.body.providerId, "google");
    assert.match(m.body.hint, /Connect google/);
  }
  // By grant id (no provider): unchanged.
  assert.equal(map.httpErrorOf(make("GrantNotFoundError", {})).status, 502);
  assert.equal(map.httpErrorOf(make("NoDelegatedGrantError", {})).body.error, "reauthorization_required");
});

test("the 401 of a getter that found no AsyncLocalStorage names the compatibility flag", () => {
  const err = new sdk.AlterSDKError("userTokenGetter failed", {}, { code: "user_token_getter_failed" });
  Object.defineProperty(err, "cause", { value: new sdk.AlterSDKError("x", {}, { code: map.NO_ASYNC_CONTEXT }) });
  const m = map.httpErrorOf(err);
  assert.equal(m.status, 401);
  assert.equal(m.body.error, "missing_bearer");
  assert.match(m.body.hint, /nodejs_als/);
  assert.match(m.body.hint, /nodejs_compat/);
  const plain = map.httpErrorOf(new sdk.AlterSDKError("userTokenGetter failed", {}, { code: "user_token_getter_failed" }));
  assert.deepEqual(plain.body, { error: "missing_bearer" });
});
