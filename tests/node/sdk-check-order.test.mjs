// §4.2: local checks (URL, path params, context) run before the user token is resolved, so a
// request that can never be sent does not call userTokenGetter and makes no network I/O.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadSdk } from "./helpers/sdk.mjs";

const { App, AlterValueError } = await loadSdk();
const KEY = "alter_rk_abcdefghijklmnopqrstuv_iwpykn";

function counting() {
  const seen = { getter: 0, fetch: 0 };
  const app = new App({
    apiKey: KEY,
    baseUrl: "https://vault.invalid",
    userTokenGetter: async () => { seen.getter++; return "jwt"; },
    fetch: async () => { seen.fetch++; throw new Error("no network in this test"); },
  });
  return { app, seen };
}

const badCalls = [
  ["plain-http remote URL", "http://example.com/x", { provider: "google" }],
  ["unfilled template", "https://example.com/{id}", { provider: "google" }],
  ["bad pathParams key", "https://example.com/{id}", { provider: "google", pathParams: { "b-d": "1" } }],
  ["oversize context", "https://example.com/", { provider: "google", context: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"])) }],
];

for (const [name, url, opts] of badCalls) {
  test(`${name}: AlterValueError, getter not called, no fetch`, async () => {
    const { app, seen } = counting();
    await assert.rejects(app.request("GET", url, opts), (e) => e instanceof AlterValueError);
    assert.deepEqual(seen, { getter: 0, fetch: 0 });
    await app.close();
  });
}

test("a valid request does call the getter (the check does not block it)", async () => {
  const { app, seen } = counting();
  await assert.rejects(app.request("GET", "https://example.com/ok", { provider: "google" }));
  assert.equal(seen.getter, 1);
  assert.ok(seen.fetch >= 1);
  await app.close();
});
