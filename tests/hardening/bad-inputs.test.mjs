// Walks the bad-input table (bad-inputs.mjs): every row must fail with the listed Alter error
// class and code, raised before any network I/O. Proof of "no I/O": every client in the walk uses
// a counting `fetch` option (the SDK's only way out, for vault and provider calls alike) and a
// base URL on which nothing listens; the count must stay 0.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadSdk } from "./common.mjs";
import { BAD_INPUTS } from "./bad-inputs.mjs";

const sdk = await loadSdk();
const NOWHERE = "http://127.0.0.1:1";

function env() {
  const calls = [];
  const fetch = async (url) => {
    calls.push(String(url));
    throw new TypeError("the bad-input walk must not reach fetch");
  };
  const opts = (extra) => ({ apiKey: "alter_rk_demoappallscopesaaaaaa_hoz64e", baseUrl: NOWHERE, fetch, logger: null, ...extra });
  const app = new sdk.App(opts({}));
  const agent = new sdk.Agent(opts({ apiKey: "alter_ak_emailassistantaaaaaaaa_ofxaxb" }));
  return { calls, opts, app, agent };
}

test("the table holds at least 60 distinct invalid inputs", () => {
  assert.ok(BAD_INPUTS.length >= 60, `${BAD_INPUTS.length} rows`);
  assert.equal(new Set(BAD_INPUTS.map((r) => r.name)).size, BAD_INPUTS.length, "row names are unique");
});

test("every bad input is a typed error (class and code) before any network I/O", { timeout: 60000 }, async () => {
  const failures = [];
  for (const row of BAD_INPUTS) {
    const e = env();
    let err;
    let ok = false;
    try {
      // Sync throws (constructors) and rejections (methods) alike.
      await Promise.resolve().then(() => row.run(sdk, e));
      ok = true;
    } catch (x) {
      err = x;
    }
    const cls = sdk[row.cls];
    assert.equal(typeof cls, "function", `${row.name}: class ${row.cls} is exported`);
    const got = ok ? "success" : `${err?.name}/${err?.code}: ${String(err?.message).slice(0, 120)}`;
    if (process.env.HARDENING_DISCOVER) process.stderr.write(`${row.name} → ${got} calls=${e.calls.length}\n`);
    if (ok) failures.push(`${row.name}: succeeded`);
    else if (!(err instanceof cls) || !(err instanceof sdk.AlterSDKError)) failures.push(`${row.name}: expected ${row.cls}, got ${got}`);
    else if (err.name !== row.cls) failures.push(`${row.name}: expected exactly ${row.cls}, got ${got}`);
    else if (err.code !== row.code) failures.push(`${row.name}: expected code ${row.code}, got ${got}`);
    if (e.calls.length !== 0) failures.push(`${row.name}: ${e.calls.length} fetch call(s) (${e.calls[0]})`);
    await e.app.close();
    await e.agent.close();
  }
  assert.deepEqual(failures, []);
});
