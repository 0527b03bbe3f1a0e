// Safe first contact, the built package against the dev vault: every row of the slip table
// (helpers/slips.mjs) fails with its typed error, names the right option (or the unit) in the
// message and makes ZERO vault or provider calls; the same call with the right names succeeds.
// Proof of "zero calls": each row's clients take a counting `fetch` option, which in this package
// carries every vault and provider call once given. Also: the one-time warnings (a constructor
// timeout that looks like seconds, grantId on an App.getAgent() agent) through the client's logger.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { loadSdk, sdkEntry } from "./helpers/sdk.mjs";
import { startVault } from "./helpers/vault.mjs";
import { AGENTS, GRANTS, KEYS } from "./helpers/demo.mjs";
import { SLIPS } from "./helpers/slips.mjs";
import { recordingLogger } from "./helpers/spy.mjs";

let sdk, vault, userJwt;
before(async () => {
  sdk = await loadSdk();
  vault = await startVault();
  userJwt = await vault.token("alice");
});
after(async () => vault?.stop());

function env() {
  const calls = [];
  const fetch = async (input, init) => {
    calls.push(typeof input === "string" ? input : input.url);
    return globalThis.fetch(input, init);
  };
  const opts = (extra) => ({ apiKey: KEYS.full, baseUrl: vault.url, fetch, logger: null, ...extra });
  const app = new sdk.App(opts({}));
  const agent = new sdk.Agent(opts({ apiKey: KEYS.emailAssistant }));
  return { sdk, vault, mock: `${vault.url}/mock`, userJwt, calls, opts, app, agent };
}

test("the slip table holds at least 40 distinct slips", () => {
  assert.ok(SLIPS.length >= 40, `${SLIPS.length} rows`);
  assert.equal(new Set(SLIPS.map((r) => r.name)).size, SLIPS.length, "row names are unique");
});

test("every slip: the typed error, the right name in the message, zero vault or provider calls", { timeout: 60_000 }, async () => {
  const failures = [];
  for (const row of SLIPS) {
    const e = env();
    let err = null;
    try {
      await Promise.resolve().then(() => row.slip(e)); // sync throws (constructors) and rejections alike
    } catch (x) {
      err = x;
    }
    const got = err ? `${err.name}/${err.code}: ${String(err.message).slice(0, 200)}` : "success";
    if (!err) failures.push(`${row.name}: succeeded`);
    else if (!(err instanceof sdk.AlterSDKError) || err.name !== row.cls) failures.push(`${row.name}: expected ${row.cls}, got ${got}`);
    else if (typeof row.hint === "string" ? !err.message.includes(row.hint) : !row.hint.test(err.message)) {
      failures.push(`${row.name}: message lacks ${row.hint}: ${got}`);
    }
    if (e.calls.length !== 0) failures.push(`${row.name}: ${e.calls.length} call(s) made (${e.calls[0]})`);
    await Promise.all([e.app.close(), e.agent.close()]);
  }
  assert.deepEqual(failures, []);
});

test("every slip's right form succeeds against the dev vault", { timeout: 120_000 }, async () => {
  const failures = [];
  for (const row of SLIPS) {
    const e = env();
    try {
      const out = await row.right(e);
      if (out instanceof Response) {
        if (!out.ok) failures.push(`${row.name}: right form answered ${out.status}`);
        await out.arrayBuffer();
      }
      if (e.calls.length === 0) failures.push(`${row.name}: the right form made no call`);
    } catch (x) {
      failures.push(`${row.name}: right form failed: ${x?.name}/${x?.code}: ${String(x?.message).slice(0, 200)}`);
    }
    await Promise.all([e.app.close(), e.agent.close()]);
  }
  assert.deepEqual(failures, []);
});

test("unknown_option errors carry the option and the suggestion as fields", async () => {
  const e = env();
  await assert.rejects(e.app.request("GET", `${e.mock}/google/me`, { grantId: GRANTS.systemGoogle, query_params: {} }), (err) => {
    assert.ok(err instanceof sdk.AlterValueError);
    assert.equal(err.code, "unknown_option");
    assert.equal(err.option, "query_params");
    assert.equal(err.suggestion, "queryParams");
    assert.deepEqual(err.details.unknown_options, ["query_params"]);
    return true;
  });
  assert.equal(e.calls.length, 0);
  await e.app.close();
  await e.agent.close();
});

test("a constructor timeout below 100 ms warns once per process that the unit is milliseconds", async () => {
  const log = recordingLogger();
  const a = new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, timeout: 30, logger: log.logger });
  const b = new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, timeout: 5, logger: log.logger });
  const c = new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, timeout: 30_000, logger: log.logger });
  const lines = log.lines.filter((l) => /milliseconds/.test(l));
  assert.equal(lines.length, 1, log.lines.join("\n"));
  assert.match(lines[0], /timeout: 30000/);
  await Promise.all([a.close(), b.close(), c.close()]);
});

test("request({ grantId }) on an App.getAgent() agent warns once per process; provider calls and own-key agents do not", async () => {
  const log = recordingLogger();
  const app = new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: log.logger });
  const own = new sdk.Agent({ apiKey: KEYS.emailAssistant, baseUrl: vault.url, logger: log.logger });
  const url = `${vault.url}/mock/google/me`;
  const settle = (p) => p.then((r) => r.arrayBuffer(), () => {});
  await settle(own.request("GET", url, { grantId: GRANTS.aliceGoogle }));
  const imp = app.getAgent(AGENTS.emailAssistant);
  await settle(imp.request("GET", url, { provider: "google", userToken: userJwt }));
  assert.equal(log.lines.filter((l) => /impersonation/.test(l)).length, 0, "no warning before a grantId call");
  await settle(imp.request("GET", url, { grantId: GRANTS.aliceGoogle }));
  await settle(imp.request("GET", url, { grantId: GRANTS.aliceGoogle }));
  await settle(app.getAgent(AGENTS.researchAgent).request("GET", url, { grantId: GRANTS.aliceGoogle }));
  const warned = log.lines.filter((l) => /impersonation/.test(l));
  assert.equal(warned.length, 1, log.lines.join("\n"));
  assert.match(warned[0], /App\.getAgent/);
  assert.match(warned[0], /new Agent\(\{ apiKey \}\)/);
  await Promise.all([app.close(), own.close(), imp.close()]);
});

test("AlterVault: an AlterSDKError that says what to write instead, before any I/O", () => {
  assert.throws(() => new sdk.AlterVault({ apiKey: KEYS.full }), (err) => {
    assert.ok(err instanceof sdk.AlterSDKError);
    assert.equal(err.code, "alter_vault_removed");
    assert.match(err.message, /new App\(\{ apiKey/);
    assert.match(err.message, /new Agent\(\{ apiKey/);
    assert.match(err.message, /getAgent/);
    return true;
  });
});

test("await using: Symbol.asyncDispose closes the client", async () => {
  const app = new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
  assert.equal(typeof app[Symbol.asyncDispose], "function");
  await app[Symbol.asyncDispose]();
  assert.equal(app.closed, true);
});

test("the Express and Hono helpers refuse unknown option names too", async () => {
  const dist = dirname(sdkEntry()); // <package>/dist
  const express = await import(pathToFileURL(join(dist, "adapters/express.js")).href);
  const hono = await import(pathToFileURL(join(dist, "adapters/hono.js")).href);
  const refuses = (run, right) => assert.throws(run, (e) => e instanceof sdk.AlterValueError && e.code === "unknown_option" && e.message.includes(`"${right}"`));
  refuses(() => express.bearerAuth({ headerName: "x-token" }), "header");
  refuses(() => express.bearerAuth({ optinal: true }), "optional");
  refuses(() => express.alterErrorHandler({ onerror: () => {} }), "onError");
  refuses(() => hono.alter({ client: {} }), "app");
  refuses(() => hono.alterErrorHandler({ fallBack: () => {} }), "fallback");
  assert.equal(typeof express.bearerAuth({ header: "x-token", optional: true }), "function");
  assert.equal(typeof hono.alterErrorHandler({ onError: () => {}, fallback: () => new Response() }), "function");
});
