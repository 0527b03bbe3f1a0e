// The JS layer (js/client.js, options.js, trace.js) against a fake engine: option conversion,
// identity resolution in the caller's context, trace merge rules, close() draining. The same
// behaviours are checked end to end against the dev vault in sdk-*.test.mjs.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { loadWithFakeCore } from "./helpers/js-under-test.mjs";

const { api, fake } = await loadWithFakeCore();
const { App, Agent, HttpMethod, CallerType, AlterSDKError, AlterValueError, RetryInfo } = api;
const KEY = "alter_key_" + "a".repeat(40);
const URL_ = "https://api.example.com/v1/x";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

beforeEach(() => fake.reset());

test("enums", () => {
  assert.equal(HttpMethod.GET, "GET");
  assert.equal(HttpMethod.OPTIONS, "OPTIONS");
  assert.equal(CallerType.AGENT, "agent");
  assert.equal(CallerType.SERVICE, "service");
  assert.ok(Object.isFrozen(HttpMethod));
});

test("constructor: option checks and the core config", () => {
  assert.throws(() => new App(), AlterValueError);
  assert.throws(() => new App({}), AlterValueError);
  assert.throws(() => new App({ apiKey: "" }), AlterValueError);
  assert.throws(() => new App({ apiKey: 42 }), AlterValueError);
  assert.throws(() => new App({ apiKey: "nope" }), (e) => e instanceof AlterSDKError && e.code === "invalid_api_key_format");
  assert.throws(() => new App({ apiKey: KEY, timeout: -1 }), AlterValueError);
  assert.throws(() => new App({ apiKey: KEY, userTokenGetter: "x" }), AlterSDKError);
  assert.throws(() => new App({ apiKey: KEY, logger: {} }), AlterSDKError);
  assert.throws(() => new Agent({ apiKey: KEY, callerType: "service" }), AlterValueError);
  const app = new App({ apiKey: KEY, baseUrl: "http://127.0.0.1:9" });
  const cfg = fake.instances.at(-1).config;
  assert.equal(cfg.timeoutMs, 30000);
  assert.equal(cfg.callerType, "service");
  assert.equal(cfg.baseUrl, "http://127.0.0.1:9");
  assert.match(cfg.userAgent, /^alter-sdk-edge\/\d+\.\d+\.\d+ \(node\/\d+\.\d+\.\d+\)$/);
  assert.equal(app.baseUrl, "http://127.0.0.1:9");
  assert.ok(!JSON.stringify(app).includes(KEY), "the key is not reachable through JSON");
  new Agent({ apiKey: KEY, timeout: 1234 });
  assert.equal(fake.instances.at(-1).config.callerType, "agent");
  assert.equal(fake.instances.at(-1).config.timeoutMs, 1234);
});

test("ALTER_BASE_URL is read when no baseUrl option is given", () => {
  const old = process.env.ALTER_BASE_URL;
  process.env.ALTER_BASE_URL = "http://localhost:4567";
  try {
    new App({ apiKey: KEY });
    assert.equal(fake.instances.at(-1).config.baseUrl, "http://localhost:4567");
    new App({ apiKey: KEY, baseUrl: "https://b.test" });
    assert.equal(fake.instances.at(-1).config.baseUrl, "https://b.test");
  } finally {
    if (old === undefined) delete process.env.ALTER_BASE_URL;
    else process.env.ALTER_BASE_URL = old;
  }
});

test("request options become the core's plain call", async () => {
  const app = new App({ apiKey: KEY });
  const res = await app.request(HttpMethod.POST, URL_ + "/{id}", {
    provider: "google", account: "a@x",
    json: { a: [1, "b", null, true], d: new Date(0) },
    extraHeaders: { "X-One": "1", "x-two": "2" },
    queryParams: { q: "a b", n: 5, t: true, f: false, z: null, tags: ["x", "y"], skip: undefined },
    pathParams: { id: "a/b" }, reason: "why", context: { tool: "t" }, caller: "override",
  });
  assert.equal(res.status, 200);
  assert.equal(res.retryInfo, null);
  const c = fake.calls[0];
  assert.equal(c.method, "POST");
  assert.equal(c.provider, "google");
  assert.equal(c.account, "a@x");
  assert.equal(c.json, '{"a":[1,"b",null,true],"d":"1970-01-01T00:00:00.000Z"}');
  assert.deepEqual(c.headers, [["X-One", "1"], ["x-two", "2"]]);
  assert.deepEqual(c.query, [["q", "a b"], ["n", "5"], ["t", "true"], ["f", "false"], ["z", ""], ["tags", "x"], ["tags", "y"]]);
  assert.deepEqual(c.pathParams, [["id", "a/b"]]);
  assert.deepEqual(c.context, [["tool", "t"]]);
  assert.equal(c.reason, "why");
  assert.equal(c.caller, "override");
  assert.equal(c.grantId, undefined);
  assert.equal(c.userToken, undefined);
});

test("body: string → UTF-8 bytes, Uint8Array unchanged", async () => {
  const app = new App({ apiKey: KEY });
  await app.request("PUT", URL_, { grantId: "g", body: "héllo" });
  assert.deepEqual(Array.from(fake.calls[0].body), Array.from(new TextEncoder().encode("héllo")));
  const bytes = new Uint8Array([0, 255, 1]);
  await app.request("PUT", URL_, { grantId: "g", body: bytes });
  assert.deepEqual(Array.from(fake.calls[1].body), [0, 255, 1], "bytes reach the engine unchanged");
});

test("bad JS-typed inputs reject before the core is called", async () => {
  const app = new App({ apiKey: KEY });
  const cyc = {};
  cyc.self = cyc;
  const bad = [
    [AlterValueError, "GET", URL_, { grantId: "g", json: { n: NaN } }],
    [AlterValueError, "GET", URL_, { grantId: "g", json: [Infinity] }],
    [AlterValueError, "GET", URL_, { grantId: "g", json: { b: 1n } }],
    [AlterValueError, "GET", URL_, { grantId: "g", json: cyc }],
    [AlterValueError, "GET", URL_, { grantId: "g", json: new Map() }],
    [AlterValueError, "GET", URL_, { grantId: "g", json: { f() {} } }],
    [AlterValueError, "GET", URL_, { grantId: "g", pathParams: { id: 5 } }],
    [AlterValueError, "GET", URL_, { grantId: "g", extraHeaders: { a: 1 } }],
    [AlterValueError, "GET", URL_, { grantId: "g", extraHeaders: [["a", "b"]] }],
    [AlterValueError, "GET", URL_, { grantId: "g", queryParams: { a: {} } }],
    [AlterValueError, "GET", URL_, { grantId: "g", queryParams: { a: NaN } }],
    [AlterValueError, "GET", URL_, { grantId: "g", context: { a: 1 } }],
    [AlterValueError, "GET", URL_, { grantId: "g", body: 12 }],
    [AlterValueError, "GET", URL_, { grantId: 7 }],
    [AlterValueError, "GET", URL_, { provider: "google", userToken: "" }],
    [AlterValueError, "GET", URL_, { grantId: "g", label: "x" }],
    [AlterValueError, 5, URL_, { grantId: "g" }],
    [AlterValueError, "GET", new URL(URL_), { grantId: "g" }],
    [AlterValueError, "GET", URL_, "grantId"],
    [AlterSDKError, "GET", URL_, {}],
    [AlterSDKError, "GET", URL_, { grantId: "g", provider: "google" }],
    [AlterSDKError, "GET", URL_, { grantId: "g", json: {}, body: "x" }],
  ];
  for (const [i, [cls, m, u, o]] of bad.entries()) {
    await assert.rejects(app.request(m, u, o), (e) => e instanceof cls, `case ${i}`);
  }
  assert.equal(fake.calls.length, 0);
});

test("identity: per-call token wins, getter sync or async, failures abort without fallback", async () => {
  let calls = 0;
  const app = new App({ apiKey: KEY, userTokenGetter: () => { calls++; return "jwt-getter"; } });
  await app.request("GET", URL_, { provider: "google" });
  assert.equal(fake.calls[0].userToken, "jwt-getter");
  await app.request("GET", URL_, { provider: "google", userToken: "jwt-call" });
  assert.equal(fake.calls[1].userToken, "jwt-call");
  assert.equal(calls, 1, "getter not called when userToken is given");
  await app.request("GET", URL_, { grantId: "g" });
  assert.equal(fake.calls[2].userToken, "jwt-getter", "getter runs in grant mode too (§9.1)");

  const asyncApp = new App({ apiKey: KEY, userTokenGetter: async () => { await sleep(2); return "jwt-async"; } });
  await asyncApp.request("GET", URL_, { provider: "google" });
  assert.equal(fake.calls[3].userToken, "jwt-async");

  const n = fake.calls.length;
  const secret = "eyJhbGciOi.secret-jwt.sig";
  const thrown = new Error(`boom ${secret}`);
  for (const [getter, cause] of [
    [() => { throw thrown; }, thrown],
    [async () => { throw thrown; }, thrown],
    // Not an Error object: it may be the token itself, so it is not kept.
    [() => { throw secret; }, undefined],
    [async () => { throw { token: secret }; }, undefined],
    [() => "", undefined],
    [() => undefined, undefined],
    [() => 42, undefined],
    [async () => null, undefined],
  ]) {
    const a = new App({ apiKey: KEY, userTokenGetter: getter });
    await assert.rejects(a.request("GET", URL_, { provider: "google" }), (e) => {
      assert.ok(e instanceof AlterSDKError);
      assert.equal(e.code, "user_token_getter_failed");
      // The application's own Error is the cause (not enumerable, not in JSON, message or stack).
      assert.equal(e.cause, cause);
      assert.ok(!Object.keys(e).includes("cause"));
      assert.ok(!JSON.stringify(e).includes(secret) && !e.message.includes(secret) && !String(e.stack).includes(secret));
      return true;
    });
  }
  assert.equal(fake.calls.length, n, "no call reached the core after a getter failure");
});

test("identity isolation: 1,000 concurrent requests, 50 users, random delays in the getter", async () => {
  fake.maxDelayMs = 5;
  const als = new AsyncLocalStorage();
  const app = new App({
    apiKey: KEY,
    userTokenGetter: async () => {
      const u = als.getStore();
      await sleep(Math.random() * 5);
      return `jwt-${u}`;
    },
  });
  const jobs = [];
  for (let i = 0; i < 1000; i++) {
    const user = `user-${String((i % 50) + 1).padStart(3, "0")}`;
    jobs.push(als.run(user, async () => {
      await sleep(Math.random() * 3);
      const res = await app.request("GET", `${URL_}?i=${i}`, { provider: "google", reason: user });
      return res.json();
    }));
  }
  await Promise.all(jobs);
  assert.equal(fake.calls.length, 1000);
  const leaks = fake.calls.filter((c) => c.userToken !== `jwt-${c.reason}`);
  assert.equal(leaks.length, 0);
});

test("trace: §8.2 merge rules", async () => {
  const a = new Agent({ apiKey: KEY, caller: "agent-a" });
  const b = new Agent({ apiKey: KEY, caller: "agent-b" });
  const app = new App({ apiKey: KEY });
  const ctxOf = (i) => Object.fromEntries(fake.calls[i].context ?? []);
  const out = await a.trace({ runId: "r1", threadId: "t1", role: "writer" }, async () => {
    await a.request("GET", URL_, { grantId: "g" });
    await app.request("GET", URL_, { grantId: "g" }); // the App inside the scope uses it too
    await b.trace({ step: "s" }, async () => {
      await b.request("GET", URL_, { grantId: "g" });
      await a.trace({ runId: "r2" }, () => a.request("GET", URL_, { grantId: "g" }));
      await b.trace({ parent: null }, () => b.request("GET", URL_, { grantId: "g" }));
      await b.trace({ parent: "boss" }, () => b.request("GET", URL_, { grantId: "g" }));
    });
    await a.request("GET", URL_, { grantId: "g", context: { only: "explicit" } });
    return "done";
  });
  assert.equal(out, "done");
  assert.deepEqual(ctxOf(0), { agent: "agent-a", run_id: "r1", thread_id: "t1", role: "writer" });
  assert.deepEqual(fake.calls[0].context.map(([k]) => k), ["agent", "run_id", "thread_id", "role"]);
  assert.deepEqual(ctxOf(1), ctxOf(0));
  assert.deepEqual(ctxOf(2), { role: "writer", agent: "agent-b", parent_agent: "agent-a", run_id: "r1", thread_id: "t1", step: "s" });
  assert.deepEqual(ctxOf(3), { role: "writer", step: "s", agent: "agent-a", parent_agent: "agent-b", run_id: "r2", thread_id: "t1" });
  assert.deepEqual(ctxOf(4), { role: "writer", step: "s", agent: "agent-b", run_id: "r1", thread_id: "t1" });
  assert.deepEqual(ctxOf(5), { role: "writer", step: "s", agent: "agent-b", parent_agent: "boss", run_id: "r1", thread_id: "t1" });
  assert.deepEqual(ctxOf(6), { only: "explicit" });
  await a.request("GET", URL_, { grantId: "g" });
  assert.equal(fake.calls[7].context, undefined, "no context outside the scope");
});

test("trace: same-agent re-entry keeps the parent chain; local agent ids; validation", async () => {
  const a = new Agent({ apiKey: KEY, caller: "agent-a" });
  const b = new Agent({ apiKey: KEY, caller: "agent-b" });
  await a.trace({}, () => b.trace({}, () => b.trace({}, () => b.request("GET", URL_, { grantId: "g" }))));
  assert.deepEqual(Object.fromEntries(fake.calls[0].context), { agent: "agent-b", parent_agent: "agent-a" });
  const anon = new Agent({ apiKey: KEY });
  await anon.trace(() => anon.request("GET", URL_, { grantId: "g" }));
  assert.match(Object.fromEntries(fake.calls[1].context).agent, /^agent-local-[0-9a-f-]{36}$/);
  for (const opts of [{ agent: "x" }, { run_id: "x" }, { tool: "t" }, { runId: 5 }, { parent: 3 }, { k: 1 }, { ["k".repeat(65)]: "v" }, { k: "é".repeat(257) }, Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"]))]) {
    await assert.rejects(a.trace(opts, () => {}), AlterValueError, JSON.stringify(opts).slice(0, 40));
  }
  await assert.rejects(a.trace({ runId: "r" }), AlterValueError);
});

test("trace: overlapping runs tag only their own requests; the scoped client works too", async () => {
  fake.maxDelayMs = 4;
  const a = new Agent({ apiKey: KEY, caller: "agent-a" });
  const runs = [];
  for (let r = 0; r < 20; r++) {
    runs.push(a.trace({ runId: `run-${r}` }, async (scoped) => {
      for (let i = 0; i < 5; i++) {
        await sleep(Math.random() * 3);
        await (i % 2 ? scoped : a).request("GET", URL_, { grantId: "g", reason: `run-${r}` });
      }
    }));
  }
  await Promise.all(runs);
  assert.equal(fake.calls.length, 100);
  for (const c of fake.calls) assert.equal(Object.fromEntries(c.context).run_id, c.reason);
});

test("retryInfo on the Response and lastRetryInfo", async () => {
  const app = new App({ apiKey: KEY });
  const res = await app.request("GET", URL_ + "/retry", { grantId: "g" });
  assert.ok(res instanceof Response);
  assert.ok(res.retryInfo instanceof RetryInfo);
  assert.equal(res.retryInfo.totalAttempts, 2);
  assert.equal(res.retryInfo.errors[0].errorType, "T");
  assert.deepEqual(res.retryInfo.toJSON().errors[0], { attempt: 1, error: "x", error_type: "T", delay_s: 0.5, permanent: false });
  assert.equal(app.lastRetryInfo.successfulAttempt, 2);
  assert.equal((await res.json()).grantId, "g", "the body is the core's Response, unread");
});

test("close(): waits for in-flight calls and their audits, then rejects with client_closed", async () => {
  fake.maxDelayMs = 20;
  fake.auditDelayMs = 15;
  const app = new App({ apiKey: KEY });
  const core = fake.instances.at(-1);
  const inflight = Array.from({ length: 30 }, () => app.request("GET", URL_, { grantId: "g" }).then(() => "ok", (e) => e));
  await sleep(1);
  await app.close();
  assert.equal(core.auditsScheduled, 30);
  assert.equal(core.auditsDone, 30, "every audit finished before close() resolved");
  for (const r of await Promise.all(inflight)) assert.equal(r, "ok");
  await assert.rejects(app.request("GET", URL_, { grantId: "g" }), (e) => e instanceof AlterSDKError && e.code === "client_closed");
  await app.close(); // idempotent
  assert.throws(() => app.getAgent("00000000-0000-4000-8000-000000000001"), AlterValueError);
});

test("close() while the getter is pending: the call is never sent", async () => {
  const app = new App({ apiKey: KEY, userTokenGetter: async () => { await sleep(10); return "jwt"; } });
  const p = app.request("GET", URL_, { provider: "google" });
  await app.close();
  await assert.rejects(p, (e) => e.code === "client_closed");
  assert.equal(fake.calls.length, 0);
});

test("getAgent: app key, caller pinned to the normalised UUID, agent type, no getter", async () => {
  const app = new App({ apiKey: KEY, baseUrl: "https://b.test", userTokenGetter: () => "jwt", timeout: 999 });
  const ag = app.getAgent("{0E8F7E2C-1B2A-4C3D-9E8F-0123456789AB}");
  assert.ok(ag instanceof Agent);
  const cfg = fake.instances.at(-1).config;
  assert.equal(cfg.caller, "0e8f7e2c-1b2a-4c3d-9e8f-0123456789ab");
  assert.equal(cfg.callerType, "agent");
  assert.equal(cfg.baseUrl, "https://b.test");
  assert.equal(cfg.timeoutMs, 999);
  await ag.request("GET", URL_, { grantId: "g" });
  assert.equal(fake.calls[0].userToken, undefined, "the App's getter is not inherited");
  assert.throws(() => app.getAgent("not-a-uuid"), AlterValueError);
  assert.throws(() => app.getAgent(""), AlterValueError);
  await ag.trace({ runId: "r" }, () => ag.request("GET", URL_, { grantId: "g" }));
  assert.equal(Object.fromEntries(fake.calls[1].context).agent, "0e8f7e2c-1b2a-4c3d-9e8f-0123456789ab");
});

test("core errors pass through as the factory's classes", async () => {
  const app = new App({ apiKey: KEY });
  const core = fake.instances.at(-1);
  fake.failWith = { class: "PolicyViolationError", code: "policy_denied", message: "denied", status: 403, details: { error: "policy_denied" }, fields: { policy_error: "policy_denied" } };
  await assert.rejects(app.request("GET", URL_, { grantId: "g" }), (e) => e instanceof api.PolicyViolationError && e.policyError === "policy_denied");
  await app.close();
  assert.equal(core.auditsDone, 1, "the failed attempt's audit was awaited by close()");
});

test("logger: what the engine logs reaches the logger, which can never break a call", async () => {
  const seen = [];
  const app = new App({ apiKey: KEY, logger: { warn: (m) => { seen.push(m); throw new Error("logger bug"); } } });
  const res = await app.request("GET", URL_ + "/log", { grantId: "g" });
  assert.equal(res.status, 200);
  assert.deepEqual(seen, ["a warning from the engine"]);
  const quiet = new App({ apiKey: KEY, logger: null });
  assert.equal((await quiet.request("GET", URL_ + "/log", { grantId: "g" })).status, 200);
});

test("logLevel filters what reaches the logger; an advisory every client would repeat is logged once per process", async () => {
  const seen = [];
  const rec = (level) => (m) => seen.push(`${level} ${m}`);
  const logger = { debug: rec("debug"), info: rec("info"), warn: rec("warn"), error: rec("error") };
  const quiet = new App({ apiKey: KEY, logger, logLevel: "error" });
  await quiet.request("GET", URL_ + "/log", { grantId: "g" });
  assert.deepEqual(seen, [], "a warning is below level error");
  const loud = new App({ apiKey: KEY, logger, logLevel: "debug" });
  await loud.request("GET", URL_ + "/log", { grantId: "g" });
  assert.ok(seen.includes("warn a warning from the engine"), seen.join("\n"));
  assert.ok(seen.some((l) => /^debug alter: request GET \S+ -> 200 in \d+ ms \(retries \d+, audit queued\)$/.test(l)), seen.join("\n"));
  seen.length = 0;
  for (let i = 0; i < 3; i++) new App({ apiKey: KEY, baseUrl: "http://127.0.0.1:7777", logger });
  assert.deepEqual(seen.filter((l) => l.includes("uses plain http")).length, 1, seen.join("\n"));
  new App({ apiKey: KEY, baseUrl: "http://127.0.0.1:7778", logger, logLevel: "error" });
  assert.equal(seen.filter((l) => l.includes("7778")).length, 0, "not below the level, and not used up");
  new App({ apiKey: KEY, baseUrl: "http://127.0.0.1:7778", logger });
  assert.equal(seen.filter((l) => l.includes("7778")).length, 1);
});

test("flush(): waits for calls in flight and their audits without closing", async () => {
  fake.maxDelayMs = 15;
  fake.auditDelayMs = 10;
  const app = new App({ apiKey: KEY });
  const core = fake.instances.at(-1);
  const inflight = Array.from({ length: 10 }, () => app.request("GET", URL_, { grantId: "g" }));
  await app.flush();
  assert.equal(core.auditsScheduled, 10);
  assert.equal(core.auditsDone, 10);
  await Promise.all(inflight);
  assert.equal(app.closed, false);
  const res = await app.request("GET", URL_, { grantId: "g" });
  assert.equal(res.status, 200);
  fake.failWith = { class: "ProviderAPIError", code: "provider_error", message: "x", status: 500 };
  const failing = app.request("GET", URL_, { grantId: "g" }).catch((e) => e);
  await app.flush(); // never rejects, even when a call in flight fails
  assert.ok((await failing) instanceof api.ProviderAPIError);
  await app.close();
});

test("traceparent of the active OpenTelemetry span (read through the API's global registry)", async () => {
  const key = Symbol.for("opentelemetry.js.api.1");
  const spanKey = Symbol.for("OpenTelemetry Context Key SPAN");
  const als = new AsyncLocalStorage();
  const span = (traceId, spanId, traceFlags = 1) => ({ spanContext: () => ({ traceId, spanId, traceFlags }) });
  globalThis[key] = { context: { active: () => ({ getValue: (k) => (k === spanKey ? als.getStore() : undefined) }) } };
  try {
    const app = new App({ apiKey: KEY });
    await als.run(span("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"), () => app.request("GET", URL_, { grantId: "g" }));
    await app.request("GET", URL_, { grantId: "g" }); // no active span
    await als.run(span("0".repeat(32), "00f067aa0ba902b7"), () => app.request("GET", URL_, { grantId: "g" }));
    await als.run(span("XYZ", "00f067aa0ba902b7"), () => app.request("GET", URL_, { grantId: "g" }));
    assert.deepEqual(fake.calls.map((c) => c.traceparent), ["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", undefined, undefined, undefined]);
  } finally {
    delete globalThis[key];
  }
});

test("the core's synchronous check runs before the user token is resolved (§4.2 order)", async () => {
  let called = 0;
  const app = new App({ apiKey: KEY, userTokenGetter: () => { called++; throw new Error("should not run"); } });
  await assert.rejects(app.request("GET", "https://bad-check.example/x", { provider: "google" }), AlterValueError);
  assert.equal(called, 0);
  assert.equal(fake.calls.length, 0);
});
