// Fault suite (issue 7): the dev vault's fault injection on /sdk/* and on the mock providers.
// Every case ends in success or a typed error (no hang: per-test timeouts; no trap: a normal
// request works after each case), vault calls are retried as src/retry.rs documents, provider
// calls never are, and every provider attempt has exactly one audit row.
import { test, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import {
  startVault, loadSdk, countingFetch, recordingLogger, rejectsWith, assertOneAuditRowPerProviderCall,
  GRANTS, KEYS, sleep,
} from "./common.mjs";

const E = await loadSdk();
const { App } = E;
let vault;
let mock;
let ctx;
const T = { timeout: 30000 };

before(async () => {
  vault = await startVault();
  mock = `${vault.url}/mock`;
});
after(async () => vault?.stop());
beforeEach(async () => {
  await vault.reset();
  ctx = null;
});
afterEach(async () => {
  if (!ctx) return;
  await ctx.c.flush();
  await assertOneAuditRowPerProviderCall(vault, ctx.spy);
  // No trap, no poisoned instance: the same client still completes a normal request.
  if (!ctx.c.closed) {
    await vault.reset(); // faults cleared, grant flags (a scope report) undone
    const r = await ctx.c.request("GET", `${mock}/google/after`, { grantId: GRANTS.systemGoogle });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).credential_ok, true);
    await ctx.c.close();
  }
  const secretText = [...ctx.spy.secrets];
  const logs = ctx.log.lines.join("\n");
  for (const s of secretText) assert.ok(!logs.includes(s), "credential in a log line");
});

function client(extra = {}) {
  const spy = countingFetch(vault.url);
  const log = recordingLogger();
  const c = new App({ apiKey: KEYS.full, baseUrl: vault.url, fetch: spy.fetch, logger: log.logger, ...extra });
  ctx = { c, spy, log };
  return ctx;
}

const get = (c, path = "/google/x", opts = {}) => c.request("GET", `${mock}${path}`, { grantId: GRANTS.systemGoogle, ...opts });

for (const status of [502, 503, 504]) {
  test(`vault ${status} once on /sdk/token: retried, then success; retryInfo reports the client attempt`, T, async () => {
    const { c, spy } = client();
    await vault.fault("/sdk/token", { status }, 1);
    const r = await get(c);
    assert.equal(r.status, 200);
    assert.equal(spy.vaultCalls("/sdk/token"), 2);
    assert.ok(r.retryInfo instanceof E.RetryInfo);
    assert.equal(r.retryInfo.clientAttempts, 2);
    assert.equal(r.retryInfo.clientRetries.length, 1);
    assert.equal(r.retryInfo.clientRetries[0].status, status);
    assert.equal(r.retryInfo.clientRetries[0].attempt, 1);
    assert.ok(r.retryInfo.clientRetries[0].delayMs >= 0);
    assert.equal(c.lastRetryInfo.clientAttempts, 2);
    assert.equal(r.retryInfo.toJSON().client_attempts, 2);
    assert.equal(spy.providerCalls(), 1);
  });
}

test("vault 503 more times than maxRetries: BackendError after 1 + maxRetries attempts; lastRetryInfo says so", T, async () => {
  const { c, spy } = client({ maxRetries: 2 });
  await vault.fault("/sdk/token", { status: 503 }, 5);
  const e = await rejectsWith(E, () => get(c), E.BackendError);
  assert.equal(e.status, 503);
  assert.equal(spy.vaultCalls("/sdk/token"), 3);
  assert.equal(c.lastRetryInfo.clientAttempts, 3);
  assert.deepEqual(c.lastRetryInfo.clientRetries.map((x) => x.status), [503, 503]);
  assert.equal(spy.providerCalls(), 0);
});

test("maxRetries: 0 restores the official SDK's single attempt (§7.4)", T, async () => {
  const { c, spy } = client({ maxRetries: 0 });
  await vault.fault("/sdk/token", { status: 503 }, 1);
  await rejectsWith(E, () => get(c), E.BackendError);
  assert.equal(spy.vaultCalls("/sdk/token"), 1);
  assert.equal(c.lastRetryInfo, null);
});

test("429 rate_limit_exceeded with Retry-After: 1 is waited for, then success", T, async () => {
  const { c, spy } = client();
  await vault.fault("/sdk/token", {
    status: 429, headers: { "Retry-After": "1" },
    body: { detail: { error: "rate_limit_exceeded", message: "slow down", scope: "api_key" } },
  }, 1);
  const r = await get(c);
  assert.equal(r.status, 200);
  assert.equal(spy.vaultCalls("/sdk/token"), 2);
  const [first] = r.retryInfo.clientRetries;
  assert.equal(first.status, 429);
  assert.equal(first.errorType, "rate_limit_exceeded");
  assert.ok(first.delayMs >= 1000, `Retry-After honoured (waited ${first.delayMs} ms)`);
});

test("non-JSON 429 (an intermediary's page) is retried; a Retry-After beyond 30 s is not waited for", T, async () => {
  const { c, spy } = client();
  await vault.fault("/sdk/token", { status: 429, raw_body: "Too Many Requests" }, 1);
  assert.equal((await get(c)).status, 200);
  assert.equal(spy.vaultCalls("/sdk/token"), 2);
  await vault.fault("/sdk/token", { status: 429, raw_body: "Too Many Requests", headers: { "Retry-After": "120" } }, 1);
  const e = await rejectsWith(E, () => get(c), E.RateLimitError);
  assert.equal(e.retryAfter, 120);
  assert.equal(spy.vaultCalls("/sdk/token"), 3, "no retry for a 120 s Retry-After");
});

test("429 quota_exceeded is a policy denial: QuotaExceededError at once, not retried", T, async () => {
  const { c, spy } = client();
  await vault.fault("/sdk/token", { status: 429, body: { detail: { error: "quota_exceeded", message: "quota", retry_after: 1 } } }, 3);
  await rejectsWith(E, () => get(c), E.QuotaExceededError);
  assert.equal(spy.vaultCalls("/sdk/token"), 1);
});

test("409 token_refresh_in_progress: retried; a grant that stays locked ends in TokenRefreshInProgressError", T, async () => {
  const { c, spy } = client();
  await vault.fault("/sdk/token", { status: 409, body: { detail: { error: "token_refresh_in_progress", message: "busy" } } }, 1);
  assert.equal((await get(c)).status, 200);
  assert.equal(spy.vaultCalls("/sdk/token"), 2);
  await rejectsWith(E, () => c.request("GET", `${mock}/linear/x`, { grantId: GRANTS.refreshInProgress }), E.TokenRefreshInProgressError);
  assert.equal(spy.vaultCalls("/sdk/token"), 5, "1 + 2 retries for the locked grant");
  assert.equal(c.lastRetryInfo.clientAttempts, 3);
  // Other 4xx are final.
  await rejectsWith(E, () => c.request("GET", `${mock}/trello/x`, { grantId: GRANTS.deleted }), E.GrantDeletedError);
  assert.equal(spy.vaultCalls("/sdk/token"), 6);
});

test("slow vault: TimeoutError within the timeout budget, no retry after the budget is spent", T, async () => {
  const { c, spy } = client({ timeout: 1500 });
  await vault.fault("/sdk/token", { delay_ms: 5000 }, 3);
  const e = await rejectsWith(E, () => get(c), E.TimeoutError);
  assert.ok(e instanceof E.NetworkError);
  assert.equal(spy.vaultCalls("/sdk/token"), 1);
  // A Retry-After longer than what is left of the budget is not slept through: the 503 comes back.
  await vault.clearFaults();
  await vault.fault("/sdk/token", { status: 503, headers: { "Retry-After": "5" } }, 1);
  const e2 = await rejectsWith(E, () => get(c), E.BackendError);
  assert.equal(e2.status, 503);
  assert.equal(spy.vaultCalls("/sdk/token"), 2);
});

test("dropped connection on /sdk/token: retried (network error), persistent drops end in NetworkError", T, async () => {
  const { c, spy } = client();
  await vault.fault("/sdk/token", { drop_connection: true }, 1);
  const r = await get(c);
  assert.equal(r.status, 200);
  assert.equal(r.retryInfo.clientRetries[0].errorType, "network_error");
  assert.equal(r.retryInfo.clientRetries[0].status, null);
  await vault.fault("/sdk/token", { drop_connection: true }, 3);
  const e = await rejectsWith(E, () => get(c), E.NetworkError);
  assert.ok(!(e instanceof E.TimeoutError));
  assert.equal(spy.vaultCalls("/sdk/token"), 5);
});

test("malformed token body: BackendError, not retried, nothing sent to the provider", T, async () => {
  const { c, spy } = client();
  await vault.fault("/sdk/token", { malformed_body: true }, 3);
  await rejectsWith(E, () => get(c), E.BackendError);
  assert.equal(spy.vaultCalls("/sdk/token"), 1);
  assert.equal(spy.providerCalls(), 0);
});

const VIOLATIONS = [
  "access_token", "grant_id", "missing_grant_id", "token_type", "expires_in", "expires_at", "scopes",
  "provider_id", "scope_mismatch", "injection_header", "injection_format", "additional_credentials",
  "additional_injections",
];
test(`contract-violating token responses (${VIOLATIONS.length} fields) fail closed: BackendError, no provider call`, T, async () => {
  const { c, spy } = client();
  for (const field of VIOLATIONS) {
    await vault.fault("/sdk/token", { token_contract_violation: field }, 1);
    const e = await rejectsWith(E, () => get(c), E.BackendError);
    assert.equal(e.code, "malformed_response", field);
  }
  assert.equal(spy.providerCalls(), 0);
  assert.equal(spy.vaultCalls("/sdk/token"), VIOLATIONS.length, "never retried");
});

test("provider 4xx and 5xx: ProviderAPIError, sent once (never retried), one audit row each", T, async () => {
  const { c, spy } = client();
  for (const code of [400, 404, 422, 429, 500, 502, 503, 504]) {
    const e = await rejectsWith(E, () => get(c, `/google/status/${code}`), E.ProviderAPIError);
    assert.equal(e.statusCode, code);
  }
  await rejectsWith(E, () => get(c, "/google/insufficient-scope"), E.ScopeReauthRequiredError);
  assert.equal(spy.providerCalls(), 9);
  const calls = await vault.mockCalls();
  assert.equal(calls.length, 9);
});

test("provider dropped connection and unreachable provider: NetworkError, one attempt, audit row with status 0", T, async () => {
  const { c, spy } = client();
  await vault.fault("/mock/google/*", { drop_connection: true }, 3);
  await rejectsWith(E, () => get(c, "/google/dropped"), E.NetworkError);
  assert.equal(spy.providerCalls(), 1);
  // The one unreachable destination the dev vault allows a Google credential (demo.toml): nothing
  // listens on port 2, and fetch does try it (it refuses some low ports before connecting).
  const refused = "http://127.0.0.1:2/nothing";
  await rejectsWith(E, () => c.request("GET", refused, { grantId: GRANTS.systemGoogle }), E.NetworkError);
  await c.flush();
  const rows = await vault.auditRows();
  assert.deepEqual(rows.map((r) => r.row.response_status), [0, 0]);
});

test("slow provider: TimeoutError, audited once", T, async () => {
  const { c } = client({ timeout: 1500 });
  await rejectsWith(E, () => get(c, "/google/slow?ms=5000"), E.TimeoutError);
});

test("throwing / empty userTokenGetter: AlterSDKError user_token_getter_failed before any network I/O", T, async () => {
  for (const getter of [
    () => { throw new Error("idp down"); },
    async () => { throw new TypeError("nope"); },
    () => "",
    () => 42,
    () => undefined,
  ]) {
    const spy = countingFetch(vault.url);
    const c = new App({ apiKey: KEYS.full, baseUrl: vault.url, fetch: spy.fetch, logger: null, userTokenGetter: getter });
    const e = await rejectsWith(E, () => c.request("GET", `${mock}/google/x`, { provider: "google" }), E.AlterSDKError, "user_token_getter_failed");
    assert.equal(spy.calls.length, 0);
    // No trap: the same client works with a per-call token.
    const tok = await vault.token("alice");
    const r = await c.request("GET", `${mock}/google/x`, { provider: "google", userToken: tok });
    assert.equal((await r.json()).user, "alice");
    await c.close();
  }
  const rows = await vault.auditRows();
  assert.equal(rows.length, 5);
});

test("per-call AbortSignal: before the call, during a retry backoff, during the provider call", T, async () => {
  const { c, spy } = client();
  const pre = new AbortController();
  pre.abort(new Error("pre-aborted"));
  await assert.rejects(get(c, "/google/x", { signal: pre.signal }), (e) => e === pre.signal.reason);
  assert.equal(spy.calls.length, 0);

  // Backoff: 503 with Retry-After 20 s (under the 30 s cap), abort after the first answer.
  await vault.fault("/sdk/token", { status: 503, headers: { "Retry-After": "20" } }, 1);
  const ac = new AbortController();
  const p = get(c, "/google/x", { signal: ac.signal });
  while (spy.vaultCalls("/sdk/token") < 1 || spy.calls.at(-1).status === null) await sleep(10);
  await sleep(50);
  const reason = new Error("caller gave up");
  ac.abort(reason);
  await assert.rejects(p, (e) => e === reason);
  assert.equal(spy.vaultCalls("/sdk/token"), 1, "the backoff sleep stopped; no second attempt");

  // Provider call in flight: aborted, audited once (status 0).
  const ac2 = new AbortController();
  const p2 = get(c, "/google/slow?ms=20000", { signal: ac2.signal });
  while (spy.providerCalls() < 1) await sleep(10);
  ac2.abort(new Error("stop provider"));
  await assert.rejects(p2, (e) => e.message === "stop provider");
  await rejectsWith(E, () => c.request("GET", `${mock}/x`, { grantId: GRANTS.systemGoogle, signal: "nope" }), E.AlterValueError);
});

test("namespace call(): a read (listGrants) is retried on 503 / dropped connection; /sdk/proxy never", T, async () => {
  const { c, spy } = client();
  await vault.fault("/sdk/grants/list", { status: 503 }, 1);
  await vault.fault("/sdk/grants/list", { drop_connection: true }, 1);
  const list = await c.listGrants({});
  assert.ok(Array.isArray(list.grants));
  assert.equal(spy.vaultCalls("/sdk/grants/list"), 3);
  await vault.fault("/sdk/proxy", { status: 503 }, 1);
  await rejectsWith(E, () => c.proxyRequest("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle }), E.AlterSDKError);
  assert.equal(spy.vaultCalls("/sdk/proxy"), 1);
});

test("close() under load: every request settles (success or client_closed), audits drained, one row per provider call", T, async () => {
  const { c, spy } = client();
  await vault.fault("/sdk/token", { delay_ms: 200 }, 10);
  await vault.fault("/mock/google/*", { delay_ms: 100 }, 10);
  const ps = [];
  for (let i = 0; i < 60; i++) ps.push(get(c, `/google/load/${i}`).then((r) => r.status, (e) => e));
  await sleep(30);
  const closing = c.close();
  for (let i = 0; i < 5; i++) ps.push(get(c, `/google/late/${i}`).then((r) => r.status, (e) => e));
  await closing;
  const results = await Promise.all(ps);
  for (const r of results) {
    if (r === 200) continue;
    assert.ok(r instanceof E.AlterSDKError, `typed: ${r}`);
  }
  assert.ok(results.filter((r) => r === 200).length >= 1);
  assert.ok(results.slice(60).every((r) => r instanceof E.AlterSDKError && r.code === "client_closed"));
  await rejectsWith(E, () => get(c), E.AlterSDKError, "client_closed");
  // close() waited for the audits: the rows are already there.
  const rows = await vault.auditRows();
  assert.equal(rows.length, spy.providerCalls());
  // A new client works.
  const c2 = new App({ apiKey: KEYS.full, baseUrl: vault.url, fetch: spy.fetch });
  assert.equal((await get(c2)).status, 200);
  await c2.close();
});

test("vault 500 is final (BackendError, one attempt); getAgent() inherits maxRetries", T, async () => {
  const { c, spy } = client({ maxRetries: 0 });
  await vault.fault("/sdk/token", { status: 500 }, 3);
  const e = await rejectsWith(E, () => get(c), E.BackendError);
  assert.equal(e.status, 500);
  assert.equal(spy.vaultCalls("/sdk/token"), 1);
  await vault.clearFaults();
  await vault.fault("/sdk/token", { status: 503 }, 1);
  const agent = c.getAgent("a9e00000-0000-4000-8000-000000000001");
  await rejectsWith(E, () => agent.request("GET", `${mock}/resend/x`, { grantId: "6d000000-0000-4000-8000-000000000003" }), E.BackendError);
  assert.equal(spy.vaultCalls("/sdk/token"), 2, "the impersonating Agent made one attempt too");
  await agent.close();
});

test("non-idempotent namespace POST: 503 retried, dropped connection not (unless it has an Idempotency-Key)", T, async () => {
  const { c, spy } = client();
  await vault.fault("/sdk/agents", { status: 503 }, 1);
  const a1 = await c.agents.create({ name: "hardening-a1" });
  assert.ok(a1.agent?.id ?? a1.id ?? a1);
  assert.equal(spy.vaultCalls("/sdk/agents"), 2);
  await vault.fault("/sdk/agents", { drop_connection: true }, 1);
  await rejectsWith(E, () => c.agents.create({ name: "hardening-a2" }), E.NetworkError);
  assert.equal(spy.vaultCalls("/sdk/agents"), 3, "a POST that may have been acted on is not repeated");
  await vault.fault("/sdk/agents", { drop_connection: true }, 1);
  await c.agents.create({ name: "hardening-a3", idempotencyKey: "hardening-a3-key" });
  assert.equal(spy.vaultCalls("/sdk/agents"), 5, "with an Idempotency-Key it is");
});

for (const status of [502, 504]) {
  test(`non-idempotent namespace POST: vault ${status} is final (the vault may have acted); with an Idempotency-Key it is retried`, T, async () => {
    const { c, spy } = client();
    await vault.fault("/sdk/agents", { status }, 1);
    const e = await rejectsWith(E, () => c.agents.create({ name: `hardening-${status}-a` }), E.BackendError);
    assert.equal(e.status, status);
    assert.equal(spy.vaultCalls("/sdk/agents"), 1, "not repeated");
    await vault.fault("/sdk/agents", { status }, 1);
    await c.agents.create({ name: `hardening-${status}-b`, idempotencyKey: `hardening-${status}-key` });
    assert.equal(spy.vaultCalls("/sdk/agents"), 3, "with an Idempotency-Key: one retry, then created");
    // A read is retried on the same answer (the retry path is alive for this status).
    await vault.fault("/sdk/grants/list", { status }, 1);
    await c.listGrants({});
    assert.equal(spy.vaultCalls("/sdk/grants/list"), 2);
  });
}
