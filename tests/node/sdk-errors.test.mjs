// Every error class reachable on the request path, against the dev vault (protocol-core.md §4.6,
// §7.2, §9.1, §10; api-surface.md §3.3): the class, its code and fields, whether a provider call and
// an audit row happened, and that the credential is in none of error / JSON / stack / logs / rows.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { startVault } from "./helpers/vault.mjs";
import { loadSdk } from "./helpers/sdk.mjs";
import { GRANTS, KEYS, AGENTS } from "./helpers/demo.mjs";
import { spyFetch, assertNoSecret, recordingLogger } from "./helpers/spy.mjs";
import { echoVaultConfig, ECHO_GRANTS } from "../hardening/helpers/echo.mjs";

const E = await loadSdk();
const { App, Agent } = E;
let vault;
let mock;

before(async () => {
  // demo.toml plus an "echo" provider allowed at 127.0.0.1:1 (the unreachable provider below):
  // the dev vault refuses a credential for a host its provider does not list (blocked_destination).
  vault = await startVault({ config: echoVaultConfig([1]) });
  mock = `${vault.url}/mock`;
});
after(async () => vault?.stop());
beforeEach(async () => vault.reset());

function client(extra = {}, Cls = App) {
  const spy = spyFetch();
  const log = recordingLogger();
  const c = new Cls({ apiKey: KEYS.full, baseUrl: vault.url, fetch: spy.fetch, logger: log.logger, ...extra });
  return { c, spy, log };
}

/**
 * Run `fn`, expect it to reject with `cls`; check the credential is nowhere in the error or the
 * logs; return the error.
 */
async function expectError(ctx, fn, cls, check = () => {}) {
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${cls.name}, got success`);
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${err?.name}: ${err?.message} (${err?.code})`);
  assert.ok(err instanceof E.AlterSDKError && err instanceof Error);
  assert.equal(err.name, cls.errorName ?? cls.name);
  assert.equal(typeof err.code, "string");
  for (const text of [err.message, String(err), err.stack, JSON.stringify(err), JSON.stringify(err.details)]) {
    assertNoSecret(ctx.spy, text, `${cls.name} text`);
  }
  check(err);
  return err;
}

async function finish(ctx) {
  await ctx.c.close();
  const rows = await vault.auditRows();
  const calls = await vault.mockCalls();
  assertNoSecret(ctx.spy, JSON.stringify(rows), "audit rows");
  assertNoSecret(ctx.spy, ctx.log.lines.join("\n"), "logger output");
  return { rows, calls };
}

test("AlterValueError: plaintext http to a remote host, missing path param — before any I/O", async () => {
  const ctx = client();
  await expectError(ctx, () => ctx.c.request("GET", "http://example.com/x", { grantId: GRANTS.systemGoogle }), E.AlterValueError);
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/{missing}`, { grantId: GRANTS.systemGoogle }), E.AlterValueError);
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle, json: { x: NaN } }), E.AlterValueError);
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle, pathParams: { a: 1 } }), E.AlterValueError);
  const { rows, calls } = await finish(ctx);
  assert.equal(ctx.spy.calls.length, 0, "nothing was fetched");
  assert.equal(rows.length + calls.length, 0);
});

test("AlterSDKError: closed client (client_closed) and failing userTokenGetter (never app scope)", async () => {
  const secretJwt = await vault.token("alice");
  const ctx = client({ userTokenGetter: () => { throw new Error(`no session for ${secretJwt}`); } });
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/x`, { provider: "google" }), E.AlterSDKError, (e) => {
    assert.equal(e.code, "user_token_getter_failed");
    assert.ok(!JSON.stringify(e).includes(secretJwt) && !e.stack.includes(secretJwt));
  });
  const empty = client({ userTokenGetter: async () => "" });
  await expectError(empty, () => empty.c.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle }), E.AlterSDKError, (e) => assert.equal(e.code, "user_token_getter_failed"));
  assert.equal(ctx.spy.calls.length + empty.spy.calls.length, 0, "no backend call without the user's token");
  await ctx.c.close();
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle }), E.AlterSDKError, (e) => assert.equal(e.code, "client_closed"));
  await empty.c.close();
});

test("GrantNotFoundError (unknown grant) and AgentDelegationMissingError / NoDelegatedGrantError for agents", async () => {
  const ctx = client();
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/x`, { grantId: "6a000000-0000-4000-8000-00000000ffff" }), E.GrantNotFoundError, (e) => {
    assert.equal(e.code, "grant_not_found");
    assert.equal(e.status, 404);
  });
  const agent = client({ apiKey: KEYS.researchAgent }, Agent);
  await expectError(agent, () => agent.c.request("GET", `${mock}/google/x`, { grantId: GRANTS.aliceGoogle }), E.AgentDelegationMissingError);
  await expectError(agent, () => agent.c.request("GET", `${mock}/google/x`, { provider: "google" }), E.NoDelegatedGrantError, (e) => {
    assert.equal(e.code, "no_delegated_grant");
    assert.equal(e.providerId, "google");
  });
  const { rows, calls } = await finish(ctx);
  await agent.c.close();
  assert.equal(rows.length + calls.length, 0);
});

test("AmbiguousGrantError carries candidates; account narrows", async () => {
  const carol = await vault.token("carol");
  const ctx = client({ userTokenGetter: () => carol });
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/x`, { provider: "google" }), E.AmbiguousGrantError, (e) => {
    assert.equal(e.code, "ambiguous_grant");
    assert.equal(e.status, 409);
    assert.equal(e.providerId, "google");
    assert.deepEqual([...e.accountIdentifiers].sort(), ["carol@home.example", "carol@work.example"]);
    assert.deepEqual(e.candidates.map((c) => c.grantId).sort(), [GRANTS.carolWork, GRANTS.carolHome].sort());
    assert.ok(e.candidates.every((c) => typeof c.accountIdentifier === "string"));
    assert.equal(e.accountWasProvided, false);
  });
  await finish(ctx);
});

test("PolicyViolationError, RestrictedGrantRequiresProxyError (proxy-only and HITL grants)", async () => {
  const ctx = client();
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/microsoft/me`, { grantId: GRANTS.denied }), E.PolicyViolationError, (e) => {
    assert.equal(e.status, 403);
    assert.equal(e.policyError, "policy_violation");
  });
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/admin/users`, { grantId: GRANTS.systemGoogle }), E.PolicyViolationError);
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/asana/x`, { grantId: GRANTS.proxyOnly }), E.RestrictedGrantRequiresProxyError);
  await expectError(ctx, () => ctx.c.request("POST", `${mock}/stripe-payouts/payouts`, { grantId: "6a000000-0000-4000-8000-000000000013" }), E.RestrictedGrantRequiresProxyError, (e) => assert.equal(e.code, "hitl_grant_requires_proxy"));
  const { rows, calls } = await finish(ctx);
  assert.equal(rows.length + calls.length, 0);
});

test("ReAuthRequiredError family: GrantExpired, GrantRevoked, GrantDeleted, bad user JWT", async () => {
  const ctx = client();
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/notion/x`, { grantId: GRANTS.expired }), E.GrantExpiredError, (e) => {
    assert.ok(e instanceof E.ReAuthRequiredError && e instanceof E.BackendError);
    assert.equal(e.code, "grant_expired");
  });
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/slack/x`, { grantId: GRANTS.revoked }), E.GrantRevokedError, (e) => assert.equal(e.code, "grant_revoked"));
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/trello/x`, { grantId: GRANTS.deleted }), E.GrantDeletedError, (e) => assert.equal(e.status, 410));
  const expiredJwt = await vault.token("alice", { ttl_secs: -60 });
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/x`, { provider: "google", userToken: expiredJwt }), E.ReAuthRequiredError, (e) => {
    assert.equal(e.code, "jwt_validation_error");
    assert.ok(!JSON.stringify(e).includes(expiredJwt));
  });
  const { rows, calls } = await finish(ctx);
  assert.equal(rows.length + calls.length, 0);
});

test("TokenRefreshInProgressError (409, transient)", async () => {
  const ctx = client();
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/linear/x`, { grantId: GRANTS.refreshInProgress }), E.TokenRefreshInProgressError, (e) => {
    assert.equal(e.status, 409);
    assert.equal(e.code, "token_refresh_in_progress");
  });
  await finish(ctx);
});

test("RateLimitError with retryAfter (fault: 429 on /sdk/token); QuotaExceededError; 503 BackendError", async () => {
  // maxRetries: 0, the official single attempt (§7.4); the retries are tested in tests/hardening.
  const ctx = client({ maxRetries: 0 });
  await vault.fault("/sdk/token", {
    status: 429,
    body: { detail: { error: "rate_limit_exceeded", message: "slow down", scope: "api_key", limit: 100, window_seconds: 60 } },
    headers: { "Retry-After": "7" },
  });
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle }), E.RateLimitError, (e) => {
    assert.equal(e.retryAfter, 7);
    assert.equal(e.scope, "api_key");
    assert.equal(e.limit, 100);
    assert.equal(e.windowSeconds, 60);
    assert.equal(e.status, 429);
  });
  await vault.fault("/sdk/token", { status: 429, body: { detail: { error: "quota_exceeded", message: "quota", retry_after: 120 } } });
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle }), E.QuotaExceededError, (e) => assert.equal(e.retryAfter, 120));
  await vault.fault("/sdk/token", { status: 503, headers: { "Retry-After": "3" } });
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle }), E.BackendError, (e) => {
    assert.equal(e.status, 503);
    assert.equal(e.details.retry_after_seconds, 3);
  });
  const { calls } = await finish(ctx);
  assert.equal(calls.length, 0);
});

test("key errors: InvalidKeyError, KeyRevokedError, KeyExpiredError, AgentInactiveError", async () => {
  const cases = [
    [{ apiKey: "alter_rk_demoappunknownaaaaaaaa_jb6drt" }, E.InvalidKeyError, "invalid_key", App],
    [{ apiKey: KEYS.revoked }, E.KeyRevokedError, "key_revoked", App],
    [{ apiKey: KEYS.expired }, E.KeyExpiredError, "key_expired", App],
    [{ apiKey: "alter_ak_pausedbotaaaaaaaaaaaaa_4g6q7k" }, E.AgentInactiveError, "agent_inactive", Agent],
  ];
  for (const [opts, cls, code, Cls] of cases) {
    const ctx = client(opts, Cls);
    await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle }), cls, (e) => {
      assert.ok(e instanceof E.AgentError);
      assert.equal(e.code, code);
      assert.equal(e.status, 401);
      assert.ok(!JSON.stringify(e).includes(opts.apiKey), "the API key is not in the error");
    });
    await ctx.c.close();
    assertNoSecret({ secrets: new Set([opts.apiKey]) }, ctx.log.lines.join("\n"), "logger output");
  }
  // A syntactically invalid key fails at construction.
  assert.throws(() => new App({ apiKey: "not-a-key", baseUrl: vault.url }), (e) => e instanceof E.AlterSDKError && !String(e.message).includes("not-a-key"));
});

test("ProviderAPIError: provider 5xx after the credential was used; one audit row; body kept, no credential", async () => {
  const ctx = client();
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/status/502`, { grantId: GRANTS.systemGoogle }), E.ProviderAPIError, (e) => {
    assert.equal(e.constructor, E.ProviderAPIError);
    assert.equal(e.statusCode, 502);
    assert.match(e.responseBody ?? "", /mock_502/);
  });
  const { rows, calls } = await finish(ctx);
  assert.equal(calls.length, 1);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].row.response_status, 502);
});

test("ProviderUnauthorizedError (provider 401) and ScopeReauthRequiredError (challenge, backend flag, advisory + 403)", async () => {
  const ctx = client();
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/status/401`, { grantId: GRANTS.systemGoogle }), E.ProviderUnauthorizedError, (e) => {
    assert.ok(e instanceof E.ProviderAPIError);
    assert.equal(e.statusCode, 401);
  });
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/insufficient-scope`, { grantId: GRANTS.systemGoogle }), E.ScopeReauthRequiredError, (e) => {
    assert.deepEqual(e.missingScopes, ["a", "b"]);
    assert.equal(e.details.source, "provider_insufficient_scope");
  });
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/hubspot/x`, { grantId: GRANTS.scopeMismatchFlagged }), E.ScopeReauthRequiredError, (e) => {
    assert.equal(e.details.source, "backend_flag");
    assert.equal(e.grantId, GRANTS.scopeMismatchFlagged);
  });
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/salesforce/status/403`, { grantId: GRANTS.scopeMismatchAdvisory }), E.ScopeReauthRequiredError, (e) => {
    assert.equal(e.missingScopes, null);
  });
  const { rows, calls } = await finish(ctx);
  assert.equal(calls.length, 3, "three provider calls (the flagged grant never got a token)");
  assert.equal(rows.length, 3);
});

test("NetworkError: backend connection dropped (no provider call) and unreachable provider (audit status 0)", async () => {
  // maxRetries: 0, the official single attempt (§7.4); the retries are tested in tests/hardening.
  const ctx = client({ maxRetries: 0 });
  await vault.fault("/sdk/token", { drop_connection: true });
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle }), E.NetworkError);
  await expectError(ctx, () => ctx.c.request("GET", "http://127.0.0.1:1/unreachable", { grantId: ECHO_GRANTS.header }), E.NetworkError, (e) => {
    assert.ok(!(e instanceof E.TimeoutError));
  });
  const { rows } = await finish(ctx);
  assert.equal(rows.length, 1, "the provider attempt was audited");
  assert.equal(rows[0].row.response_status, 0);
});

test("TimeoutError: slow backend and slow provider", async () => {
  // Margins wide enough for a loaded CI machine: 1.5 s budget against 5 s delays.
  const ctx = client({ timeout: 1500 });
  await vault.fault("/sdk/token", { delay_ms: 5000 });
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle }), E.TimeoutError, (e) => assert.ok(e instanceof E.NetworkError));
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/slow?ms=5000`, { grantId: GRANTS.systemGoogle }), E.TimeoutError);
  const { rows } = await finish(ctx);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].row.response_status, 0);
  assert.match(rows[0].row.response_body, /timeout/);
});

test("BackendError: token responses that violate the §3.4 contract fail closed, nothing is sent to the provider", async () => {
  const ctx = client();
  for (const field of ["access_token", "grant_id", "missing_grant_id", "injection_header", "injection_format", "expires_in"]) {
    await vault.fault("/sdk/token", { token_contract_violation: field });
    await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle }), E.BackendError, (e) => {
      assert.match(e.message, /^Backend returned /, field);
    });
  }
  await vault.fault("/sdk/token", { malformed_body: true });
  await expectError(ctx, () => ctx.c.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle }), E.BackendError);
  const { rows, calls } = await finish(ctx);
  assert.equal(calls.length, 0);
  assert.equal(rows.length, 0);
  assert.ok(ctx.spy.calls.every((c) => !c.url.includes("/mock/")));
});

test("audit refused (key without audit:emit): the request still succeeds, a warning is logged without the credential", async () => {
  const ctx = client({ apiKey: KEYS.noAudit });
  const res = await ctx.c.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle });
  assert.equal(res.status, 200);
  await ctx.c.close();
  assert.ok(ctx.log.lines.some((l) => l.startsWith("warn")), `a warning was logged: ${ctx.log.lines.join(" | ")}`);
  assertNoSecret(ctx.spy, ctx.log.lines.join("\n"), "logger output");
});
