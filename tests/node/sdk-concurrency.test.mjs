// Identity isolation and run scoping under concurrency, with the built package and the dev vault:
// * 1,000 concurrent requests from 50 users through an Express app that keeps each caller's JWT
//   in AsyncLocalStorage, random delays inside an async userTokenGetter: every provider call must
//   carry its own user's credential (the mock provider reports whose credential it received);
// * overlapping agent.trace runs each tag only their own requests (audit rows' context);
// * close() with requests in flight loses no audit row (mock calls == audit rows).
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire } from "node:module";
import { createServer } from "node:http";
import { startVault } from "./helpers/vault.mjs";
import { loadSdk } from "./helpers/sdk.mjs";
import { GRANTS, KEYS, generatedUser, generatedGoogleGrant } from "./helpers/demo.mjs";

const require = createRequire(import.meta.url);
const express = require("express");
const { App, Agent, HttpMethod, AlterSDKError, PolicyViolationError, NoDelegatedGrantError, ScopeReauthRequiredError } = await loadSdk();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const USERS = 50;
const REQUESTS = 1000;

let vault;
let mock;
before(async () => {
  vault = await startVault();
  mock = `${vault.url}/mock`;
});
after(async () => vault?.stop());
beforeEach(async () => vault.reset());

/** The Express recipe of ts-api.md §15.1, with a getter that sleeps a random while. */
function expressApp(alter, jwtStore) {
  const app = express();
  const authenticate = (req, res, next) => {
    const m = (req.header("authorization") ?? "").match(/^Bearer\s+(.+)$/i);
    if (!m) return res.status(401).json({ error: "missing_bearer" });
    jwtStore.run(m[1], () => next());
  };
  app.get("/calendar", authenticate, async (req, res, next) => {
    try {
      await sleep(Math.random() * 3);
      const response = await alter.request(HttpMethod.GET, `${mock}/google/calendar/v3/events`, {
        provider: "google",
        reason: String(req.query.expect),
        queryParams: { seq: String(req.query.seq) },
      });
      res.status(response.status).json(await response.json());
    } catch (err) {
      next(err);
    }
  });
  app.use((err, req, res, next) => {
    if (err instanceof NoDelegatedGrantError || err instanceof ScopeReauthRequiredError) return res.status(409).json({ error: "reauthorization_required" });
    if (err instanceof PolicyViolationError) return res.status(403).json({ error: "forbidden" });
    if (err instanceof AlterSDKError) return res.status(502).json({ error: "credential_unavailable", code: err.code });
    next(err);
  });
  // A deep accept backlog: 1,000 connections arrive at once (the default 511 can overflow on a
  // loaded machine and reset connections before Express sees them).
  return new Promise((resolve) => {
    const server = createServer(app);
    server.listen({ port: 0, host: "127.0.0.1", backlog: 2048 }, () => resolve(server));
  });
}

test(`identity isolation: ${REQUESTS} concurrent requests from ${USERS} users through Express`, async () => {
  const jwtStore = new AsyncLocalStorage();
  const fetchSaw = []; // [expected user from the ALS store seen inside the fetch override, url]
  const alter = new App({
    apiKey: KEYS.full,
    baseUrl: vault.url,
    logger: null,
    userTokenGetter: async () => {
      const jwt = jwtStore.getStore();
      await sleep(Math.random() * 8);
      if (!jwt) throw new Error("no JWT in context");
      return jwt;
    },
    // A fetch override is called later from inside wasm; the SDK binds it to the caller's context.
    fetch: (input, init) => {
      const url = typeof input === "string" ? input : input.url;
      if (url.includes("/mock/")) fetchSaw.push([jwtStore.getStore(), url]);
      return fetch(input, init);
    },
  });
  const server = await expressApp(alter, jwtStore);
  const base = `http://127.0.0.1:${server.address().port}`;
  const tokens = [];
  for (let n = 1; n <= USERS; n++) tokens.push(await vault.token(generatedUser(n)));
  const tokenToUser = new Map(tokens.map((t, i) => [t, generatedUser(i + 1)]));

  try {
    const results = await Promise.all(Array.from({ length: REQUESTS }, async (_, i) => {
      const n = (i * 7) % USERS + 1; // interleave users
      const user = generatedUser(n);
      const res = await fetch(`${base}/calendar?expect=${user}&seq=${i}`, { headers: { authorization: `Bearer ${tokens[n - 1]}` } });
      return { i, user, n, status: res.status, body: await res.json() };
    }));
    const failed = results.filter((r) => r.status !== 200);
    assert.equal(failed.length, 0, `non-200 answers: ${JSON.stringify(failed.slice(0, 3))}`);
    const leaks = results.filter((r) => r.body.user !== r.user || r.body.grant_id !== generatedGoogleGrant(r.n) || r.body.credential_ok !== true);
    assert.equal(leaks.length, 0, `cross-user leaks: ${JSON.stringify(leaks.slice(0, 3).map((l) => [l.user, l.body.user]))}`);
    // The fetch override ran in the right caller's context every time.
    assert.equal(fetchSaw.length, REQUESTS);
    const wrongCtx = fetchSaw.filter(([jwt, url]) => {
      const seq = Number(new URL(url).searchParams.get("seq"));
      return tokenToUser.get(jwt) !== generatedUser((seq * 7) % USERS + 1);
    });
    assert.equal(wrongCtx.length, 0, "fetch override saw another request's AsyncLocalStorage store");
  } finally {
    await new Promise((r) => server.close(r));
    await alter.close();
  }
  // One audit row per provider call, each with its own user's grant.
  const calls = await vault.mockCalls();
  const rows = await vault.auditRows();
  assert.equal(calls.length, REQUESTS);
  assert.equal(rows.length, REQUESTS);
  const badRows = rows.filter((r) => {
    const n = Number(r.row.reason.slice("user-".length));
    return r.row.grant_id !== generatedGoogleGrant(n);
  });
  assert.equal(badRows.length, 0);
  assert.ok(calls.every((c) => c.credential_ok && /^user-\d{3}$/.test(c.user) && c.grant_id === generatedGoogleGrant(Number(c.user.slice(5)))));
});

test("overlapping agent.trace runs each tag only their own requests", async () => {
  const agent = new Agent({ apiKey: KEYS.emailAssistant, baseUrl: vault.url, logger: null });
  const other = new Agent({ apiKey: KEYS.emailAssistant, baseUrl: vault.url, caller: "helper-agent", logger: null });
  const RUNS = 25;
  const PER_RUN = 4;
  await Promise.all(Array.from({ length: RUNS }, (_, r) => agent.trace({ runId: `run-${r}`, threadId: `thread-${r % 3}` }, async (scoped) => {
    for (let i = 0; i < PER_RUN; i++) {
      await sleep(Math.random() * 10);
      const c = i % 2 ? agent : scoped;
      await c.request("GET", `${mock}/resend/ping`, { grantId: GRANTS.resend, reason: `run-${r}` });
    }
    // A nested run of another agent inherits run_id and records this agent as parent.
    await other.trace({ step: `s${r}` }, () => other.request("GET", `${mock}/resend/ping`, { grantId: GRANTS.resend, reason: `run-${r}/nested` }));
  })));
  // Outside any run: no context.
  await agent.request("GET", `${mock}/resend/ping`, { grantId: GRANTS.resend, reason: "outside" });
  await agent.close();
  await other.close();
  const rows = await vault.auditRows();
  assert.equal(rows.length, RUNS * (PER_RUN + 1) + 1);
  for (const { row } of rows) {
    if (row.reason === "outside") {
      assert.equal(row.context, null);
      continue;
    }
    const run = row.reason.split("/")[0];
    const r = Number(run.slice(4));
    assert.equal(row.context.run_id, run, `row ${row.reason} tagged with ${row.context.run_id}`);
    assert.equal(row.context.thread_id, `thread-${r % 3}`);
    if (row.reason.endsWith("/nested")) {
      assert.equal(row.context.agent, "helper-agent");
      assert.match(row.context.parent_agent, /^agent-local-/);
      assert.equal(row.context.step, `s${r}`);
    } else {
      assert.match(row.context.agent, /^agent-local-/);
      assert.equal(row.context.parent_agent, undefined);
    }
  }
});

test("close() with requests in flight loses no audit row", async () => {
  const app = new App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
  const N = 40;
  let settled = 0;
  const inflight = Array.from({ length: N }, (_, i) =>
    app.request("GET", `${mock}/google/slow`, { grantId: GRANTS.systemGoogle, queryParams: { ms: String(50 + ((i * 37) % 300)) } })
      .then((r) => r.status, (e) => e)
      .finally(() => settled++));
  // Close while some calls wait for a token and others wait for the (slow) provider.
  let atClose = 0;
  for (let i = 0; i < 500 && atClose === 0; i++) {
    await sleep(5);
    atClose = (await vault.mockCalls()).length;
  }
  assert.ok(atClose > 0 && settled < N, `close() happens mid-flight (${atClose} provider calls started, ${settled} of ${N} settled)`);
  await app.close();
  const outcomes = await Promise.all(inflight);
  const calls = await vault.mockCalls();
  const rows = await vault.auditRows();
  assert.ok(calls.length > 0, "some provider calls happened");
  assert.equal(rows.length, calls.length, `mock calls ${calls.length} vs audit rows ${rows.length}`);
  for (const o of outcomes) assert.ok(o === 200 || (o instanceof AlterSDKError && o.code === "client_closed"), String(o));
  assert.equal(outcomes.filter((o) => o === 200).length, calls.length);
  await assert.rejects(app.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle }), (e) => e.code === "client_closed");
});

test("the core's log lines about a request reach the logger in that request's async context", async () => {
  // 24 concurrent requests, each in its own AsyncLocalStorage context; every audit POST is
  // refused, so the core logs one warning per request from inside its background audit task. A
  // logger that reads the store must see, line by line, the stores of the requests: each request's
  // exactly once (a line logged in another request's context, or in none, breaks that).
  const N = 24;
  const store = new AsyncLocalStorage();
  const lines = [];
  const logger = {
    warn: (m) => lines.push({ m: String(m), who: store.getStore() }),
    debug: () => {}, info: () => {}, error: () => {},
  };
  await vault.fault("/sdk/oauth/audit/api-call", { status: 403, body: { detail: { error: "forbidden", message: "no" } } }, N);
  // The audit answers are held and released together, in one callback: the drivers of all the
  // requests then resume in the same microtask checkpoint. Each driver is an async function
  // started by its caller, so its log lines must still reach the logger in that caller's context
  // (an SDK that ran its work on one shared task queue would log them in whichever context it was
  // woken from).
  const held = [];
  const fetchHeld = async (input, init) => {
    const res = await fetch(input, init);
    if (!String(input).endsWith("/sdk/oauth/audit/api-call")) return res;
    return new Promise((resolve) => {
      held.push(() => resolve(res));
      if (held.length === N) setTimeout(() => held.splice(0).forEach((f) => f()), 10);
    });
  };
  const app = new App({ apiKey: KEYS.full, baseUrl: vault.url, logger, fetch: fetchHeld });
  const results = await Promise.all(Array.from({ length: N }, (_, i) => store.run(`req-${i}`, async () => {
    await sleep(Math.random() * 20);
    const res = await app.request(HttpMethod.GET, `${mock}/google/calendar/v3/calendars/primary/events`, { grantId: GRANTS.systemGoogle });
    await res.text();
    return res.status;
  })));
  await app.close();
  assert.deepEqual(results, Array(N).fill(200));
  const refused = lines.filter((l) => l.m.startsWith("Audit log for a call to"));
  assert.equal(refused.length, N, JSON.stringify(lines.slice(0, 3)));
  const seen = refused.map((l) => l.who).sort();
  const expected = Array.from({ length: N }, (_, i) => `req-${i}`).sort();
  assert.deepEqual(seen, expected);
});
