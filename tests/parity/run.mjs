// Parity run (issue 5): every scenario of tests/conformance/scenarios.json (helper E's suite for the
// official Python SDK) run through OUR SDK in Node against the dev vault. Compares the outcome (OK,
// the error class name, or "HTTP <status>" for tamper requests) with the Python SDK's observed
// outcomes when a results file is available ($ALTER_PARITY_PYTHON_RESULTS, else
// $CACHE/conformance/python-observed.json: a JSON object {scenario: outcome}), otherwise with the
// expected outcome in scenarios.json (and says so). Error fields are checked camel-cased. Prints the
// parity table; exits 1 on any mismatch or scenario not run.
//
//   node tests/parity/run.mjs            (package from dist/pkg, or ALTER_EDGE_IMPORT as in tests/node)
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSdk } from "../node/helpers/sdk.mjs";
import { startVault } from "../node/helpers/vault.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CACHE = process.env.CACHE ?? join(ROOT, ".cache");
const scenarios = JSON.parse(readFileSync(join(ROOT, "tests/conformance/scenarios.json"), "utf8")).scenarios;

const K = {
  app: "alter_rk_demoappallscopesaaaaaa_hoz64e", legacy: "alter_key_legacyDemoAppKey_00000000000000000000001",
  revoked: "alter_rk_demoapprevokedaaaaaaaa_4w3vqo", expired: "alter_rk_demoappexpiredaaaaaaaa_nwmfue",
  unknown: "alter_rk_demoappunknownaaaaaaaa_jb6drt", deprecated: "alter_rk_demoappdeprecatedaaaaa_psamog",
  noAudit: "alter_rk_demoappnoauditaaaaaaaa_ko4lpc", agent: "alter_ak_emailassistantaaaaaaaa_ofxaxb",
  otherAgent: "alter_ak_researchagentaaaaaaaaa_2y5km7", paused: "alter_ak_pausedbotaaaaaaaaaaaaa_4g6q7k",
};
const grant = (nn) => `6a000000-0000-4000-8000-${String(nn).padStart(12, "0")}`;
const G = {
  alice: grant(1), bob: grant(2), carolWork: grant(3), carolHome: grant(4), aliceGh: grant(5), legacy: grant(7),
  toRevoke: grant(8), resend: grant(11), weather: grant(12), approval: grant(13), revoked: grant(20), expired: grant(21),
  deleted: grant(22), refreshing: grant(23), flagged: grant(24), proxyOnly: grant(26), deny: grant(30),
  unknown: "6a000000-0000-4000-8000-0000000000ff",
};
const AGENT_ID = "a9e00000-0000-4000-8000-000000000001";
const ALICE_APP_USER = "1e000000-0000-4000-8000-000000000001";
const DELEGATION_PARENT = { "6d000000-0000-4000-8000-000000000001": G.alice, "6d000000-0000-4000-8000-000000000002": G.bob, "6d000000-0000-4000-8000-000000000003": G.resend };
const CONTRACT_FIELDS = ["access_token", "grant_id", "missing_grant_id", "token_type", "expires_in", "expires_at", "scopes",
  "provider_id", "scope_mismatch", "injection_header", "injection_format", "additional_credentials", "additional_injections"];

const sdk = await loadSdk();
const vault = await startVault();
const base = vault.url;
const mock = (provider, scenario, tail = "") => `${base}/mock/${provider}/conformance/${scenario}${tail}`;
const clients = [];
// The official SDK retries nothing on its own (protocol-core §7.4). Where this package offers
// client-side retries of vault calls (option maxRetries, a deliberate divergence), the parity run
// uses the official behaviour, maxRetries: 0 (an unknown option is ignored by older builds); the
// package defaults are shown as information at the end.
const OFFICIAL = { maxRetries: 0 };
const App = (key, extra = {}) => { const c = new sdk.App({ apiKey: key, baseUrl: base, logger: null, ...OFFICIAL, ...extra }); clients.push(c); return c; };
const Agent = (key, extra = {}) => { const c = new sdk.Agent({ apiKey: key, baseUrl: base, logger: null, ...OFFICIAL, ...extra }); clients.push(c); return c; };

async function outcomeOf(p) {
  try {
    return ["OK", await p];
  } catch (e) {
    return [e?.name ?? typeof e, e];
  }
}
/** Extra checks of a scenario (fields camel-cased); a failure is reported in the table. */
function must(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}
const seen = async (res) => res.json();

const observed = new Map();
const notes = new Map();
async function scenario(name, fn) {
  try {
    const out = await fn();
    observed.set(name, out);
  } catch (e) {
    observed.set(name, "CHECK FAILED");
    notes.set(name, String(e?.message ?? e).slice(0, 160));
  }
}

async function tokenError(name, grantId, tail = "", extra = {}) {
  const app = App(K.app, extra);
  const [n, e] = await outcomeOf(app.request("GET", mock("google", name.replaceAll("_", "-"), tail), { grantId }));
  return [n, e];
}

// ── retrieve mode ──────────────────────────────────────────────────────────────────────────────
await scenario("grant_mode_request", async () => {
  const [n, r] = await outcomeOf(App(K.app).request("GET", mock("google", "grant-mode"), { grantId: G.alice, queryParams: { q: "1" } }));
  if (n === "OK") { const s = await seen(r); must(r.status === 200 && s.credential_ok && s.grant_id === G.alice && s.method === "GET", "mock saw alice's grant"); }
  return n;
});
await scenario("provider_mode_request_jwt", async () => {
  const jwt = await vault.token("alice");
  const [n, r] = await outcomeOf(App(K.app).request("POST", mock("google", "provider-mode"), { provider: "google", userToken: jwt, json: { hello: "world" } }));
  if (n === "OK") { const s = await seen(r); must(s.grant_id === G.alice && s.user === "alice", "alice"); }
  return n;
});
await scenario("provider_mode_user_token_getter", async () => {
  const jwt = await vault.token("bob");
  const [n, r] = await outcomeOf(App(K.app, { userTokenGetter: () => jwt }).request("GET", mock("google", "token-getter"), { provider: "google" }));
  if (n === "OK") { const s = await seen(r); must(s.user === "bob" && s.grant_id === G.bob, "bob"); }
  return n;
});
await scenario("provider_mode_expired_jwt", async () => {
  const jwt = await vault.token("alice", { ttl_secs: -120 });
  return (await outcomeOf(App(K.app).request("GET", mock("google", "expired-jwt"), { provider: "google", userToken: jwt })))[0];
});
await scenario("managed_secret_request", async () => {
  const [n, r] = await outcomeOf(App(K.app).request("GET", mock("resend", "managed-secret"), { grantId: G.resend }));
  if (n === "OK") { const s = await seen(r); must(s.credential_ok && s.grant_id === G.resend, "resend"); }
  return n;
});
await scenario("query_param_injection", async () => {
  const [n, r] = await outcomeOf(App(K.app).request("GET", mock("weather-api", "query-param"), { grantId: G.weather }));
  if (n === "OK") { const s = await seen(r); must(s.credential_ok && s.grant_id === G.weather, "weather"); }
  return n;
});
await scenario("ambiguous_grant", async () => {
  const jwt = await vault.token("carol");
  const [n, e] = await outcomeOf(App(K.app).request("GET", mock("google", "ambiguous"), { provider: "google", userToken: jwt }));
  if (n === "AmbiguousGrantError") {
    must(JSON.stringify(e.candidates.map((c) => c.grantId).sort()) === JSON.stringify([G.carolWork, G.carolHome]), "candidates[].grantId");
    must(e.candidates.every((c) => c.accountIdentifier), "candidates[].accountIdentifier");
    must(e.providerId === "google", "providerId");
  }
  return n;
});
await scenario("ambiguous_grant_resolved_by_account", async () => {
  const jwt = await vault.token("carol");
  const [n, r] = await outcomeOf(App(K.app).request("GET", mock("google", "account-pick"), { provider: "google", userToken: jwt, account: "carol@home.example" }));
  if (n === "OK") must((await seen(r)).grant_id === G.carolHome, "second account");
  return n;
});
await scenario("policy_violation", async () => {
  const [n, e] = await tokenError("policy_violation", G.deny);
  if (n !== "OK") must(e.details?.status_code === 403, "details.status_code 403");
  return n;
});
await scenario("policy_violation_url_rule", async () => (await tokenError("policy_violation_url_rule", G.alice, "/admin/users"))[0]);
await scenario("grant_not_found", async () => {
  const [n, e] = await tokenError("grant_not_found", G.unknown);
  if (n !== "OK") must(e.details?.status_code === 404, "404");
  return n;
});
await scenario("grant_expired", async () => (await tokenError("grant_expired", G.expired))[0]);
await scenario("grant_revoked", async () => (await tokenError("grant_revoked", G.revoked))[0]);
await scenario("grant_deleted", async () => (await tokenError("grant_deleted", G.deleted))[0]);
await scenario("token_refresh_in_progress", async () => {
  const [n, e] = await tokenError("token_refresh_in_progress", G.refreshing);
  if (n !== "OK") must(e.details?.status_code === 409, "409");
  return n;
});
await scenario("rate_limited_retry_after", async () => {
  await vault.fault("/sdk/token", { status: 429, headers: { "Retry-After": "7" }, body: { detail: { error: "rate_limit_exceeded", message: "slow down", scope: "api_key", limit: 60, window_seconds: 60 } } });
  try {
    const [n, e] = await tokenError("rate_limited_retry_after", G.alice);
    if (n === "RateLimitError") must(e.retryAfter === 7 && e.scope === "api_key" && e.limit === 60 && e.windowSeconds === 60, "retryAfter/scope/limit/windowSeconds");
    return n;
  } finally { await vault.clearFaults(); }
});
await scenario("backend_unavailable", async () => {
  await vault.fault("/sdk/token", { status: 503, headers: { "Retry-After": "3" } });
  try {
    const [n, e] = await tokenError("backend_unavailable", G.alice);
    if (n !== "OK") must(e.details?.retry_after_seconds === 3, "details.retry_after_seconds");
    return n;
  } finally { await vault.clearFaults(); }
});
await scenario("malformed_token_response", async () => {
  await vault.fault("/sdk/token", { malformed_body: true });
  try {
    const [n, e] = await tokenError("malformed_token_response", G.alice);
    if (n !== "OK") must(/malformed token response/i.test(e.message), "message");
    return n;
  } finally { await vault.clearFaults(); }
});
await scenario("token_contract_violation", async () => {
  const odd = {};
  for (const field of CONTRACT_FIELDS) {
    await vault.fault("/sdk/token", { token_contract_violation: field });
    try {
      const [n] = await outcomeOf(App(K.app).request("GET", mock("google", `contract-${field}`), { grantId: G.alice }));
      if (n !== "BackendError") odd[field] = n;
    } finally { await vault.clearFaults(); }
  }
  return Object.keys(odd).length ? JSON.stringify(odd) : "BackendError";
});
await scenario("backend_connection_dropped", async () => {
  await vault.fault("/sdk/token", { drop_connection: true });
  try { return (await tokenError("backend_connection_dropped", G.alice))[0]; } finally { await vault.clearFaults(); }
});
await scenario("backend_timeout", async () => {
  await vault.fault("/sdk/token", { delay_ms: 3000 });
  try {
    return (await outcomeOf(App(K.app, { timeout: 500 }).request("GET", mock("google", "timeout"), { grantId: G.alice })))[0];
  } finally { await vault.clearFaults(); }
});
await scenario("invalid_api_key", async () => (await outcomeOf(App(K.unknown).request("GET", mock("google", "unknown-key"), { grantId: G.alice })))[0]);
await scenario("revoked_api_key", async () => (await outcomeOf(App(K.revoked).request("GET", mock("google", "revoked-key"), { grantId: G.alice })))[0]);
await scenario("expired_api_key", async () => (await outcomeOf(App(K.expired).request("GET", mock("google", "expired-key"), { grantId: G.alice })))[0]);
await scenario("legacy_key_request", async () => {
  const [n, r] = await outcomeOf(App(K.legacy).request("GET", mock("google", "legacy-key"), { grantId: G.legacy }));
  if (n === "OK") must((await seen(r)).grant_id === G.legacy, "legacy grant");
  return n;
});
await scenario("deprecated_key_request", async () => {
  const warnings = [];
  const app = App(K.deprecated, { logger: { warn: (m) => warnings.push(String(m)) } });
  const [n, r] = await outcomeOf(app.request("GET", mock("google", "deprecated-key"), { grantId: G.alice }));
  if (n === "OK") {
    must((await seen(r)).grant_id === G.alice, "alice");
    must(warnings.some((w) => /deprecated/i.test(w)), "a deprecation warning");
  }
  return n;
});
await scenario("provider_error_status", async () => {
  const [n, e] = await outcomeOf(App(K.app).request("GET", `${base}/mock/google/status/500`, { grantId: G.alice }));
  if (n !== "OK") must(e.statusCode === 500, "statusCode");
  return n;
});
await scenario("provider_unauthorized", async () => (await outcomeOf(App(K.app).request("GET", `${base}/mock/google/status/401`, { grantId: G.alice })))[0]);
await scenario("provider_insufficient_scope", async () => {
  const [n, e] = await outcomeOf(App(K.app).request("GET", `${base}/mock/github/insufficient-scope`, { grantId: G.aliceGh }));
  if (n === "ScopeReauthRequiredError") must(JSON.stringify(e.missingScopes) === '["a","b"]', "missingScopes");
  return n;
});
await scenario("scope_mismatch_flagged", async () => (await tokenError("scope_mismatch_flagged", G.flagged))[0]);
await scenario("restricted_grant_requires_proxy", async () => (await tokenError("restricted_grant_requires_proxy", G.proxyOnly))[0]);
await scenario("hitl_grant_requires_proxy", async () => (await tokenError("hitl_grant_requires_proxy", G.approval))[0]);

// ── attenuation ────────────────────────────────────────────────────────────────────────────────
{
  const narrowed = App(K.app).withConstraints({ scopes: ["tokens:retrieve", "audit:emit"] });
  clients.push(narrowed);
  await scenario("scope_constraint_allows_named_scope", async () => {
    const [n, r] = await outcomeOf(narrowed.request("GET", mock("google", "constrained"), { grantId: G.alice }));
    if (n === "OK") must((await seen(r)).grant_id === G.alice, "alice");
    return n;
  });
  await scenario("scope_constraint_refuses_other_scope", async () => {
    const [n, e] = await outcomeOf(narrowed.listGrants());
    if (n === "InsufficientScopeError") must(e.missing.includes("grants:read"), "missing");
    return n;
  });
}
await scenario("scope_constraint_widening", async () => {
  const widened = App(K.noAudit).withConstraints({ scopes: ["tokens:retrieve", "audit:emit"] });
  const [n, e] = await outcomeOf(widened.request("GET", mock("google", "widened"), { grantId: G.alice }));
  if (n !== "OK") must(e.details?.status_code === 400 && e.details?.error === "constraint_not_narrowing", "details");
  return n;
});
await scenario("request_rule_invalid", async () => {
  const ruled = App(K.app).withConstraints({ rule: { ruleType: "no_such_rule", ruleBody: {} } });
  const [n, e] = await outcomeOf(ruled.request("GET", mock("google", "bad-rule"), { grantId: G.alice }));
  if (n !== "OK") must(e.details?.status_code === 400, "400");
  return n;
});

// ── agents ─────────────────────────────────────────────────────────────────────────────────────
await scenario("agent_delegated_request", async () => {
  const [n, r] = await outcomeOf(Agent(K.agent).request("GET", mock("google", "agent-delegated"), { provider: "google", appUserId: ALICE_APP_USER }));
  if (n === "OK") { const s = await seen(r); must(s.grant_id === G.alice && s.user === "alice", "alice"); }
  return n;
});
await scenario("app_get_agent_request", async () => {
  const agent = App(K.app).getAgent(AGENT_ID);
  clients.push(agent);
  const [n, r] = await outcomeOf(agent.request("GET", mock("resend", "get-agent"), { grantId: G.resend }));
  if (n === "OK") must((await seen(r)).grant_id === G.resend, "resend");
  return n;
});
await scenario("agent_delegation_missing", async () => (await outcomeOf(Agent(K.otherAgent).request("GET", mock("google", "no-delegation"), { grantId: G.alice })))[0]);
await scenario("agent_inactive", async () => (await outcomeOf(Agent(K.paused).request("GET", mock("google", "paused-agent"), { provider: "google" })))[0]);

// ── proxy and approvals ────────────────────────────────────────────────────────────────────────
await scenario("proxy_request_direct", async () => {
  const [n, r] = await outcomeOf(App(K.app).proxyRequest("GET", mock("google", "proxy-direct"), { grantId: G.alice }));
  if (n === "OK") must(r instanceof sdk.ApprovalResult && r.statusCode === 200 && r.bodyJson().grant_id === G.alice, "ApprovalResult");
  return n;
});
await scenario("proxy_request_proxy_only_grant", async () => {
  const [n, r] = await outcomeOf(App(K.app).proxyRequest("POST", mock("asana", "proxy-only"), { grantId: G.proxyOnly, json: { task: "x" }, extraHeaders: { "X-Trace": "1" }, queryParams: { a: "b" } }));
  if (n === "OK") { const s = r.bodyJson(); must(s.grant_id === G.proxyOnly && s.method === "POST" && JSON.stringify(s.query) === '{"a":"b"}', "upstream"); }
  return n;
});
async function pendingApproval(scen) {
  const p = await App(K.app).proxyRequest("POST", mock("stripe-payouts", scen), { grantId: G.approval, json: { amount: 42 } });
  must(p instanceof sdk.PendingApproval && p.status === "pending", "PendingApproval");
  return p;
}
await scenario("proxy_pending_then_approved", async () => {
  const p = await pendingApproval("approval-approved");
  const listed = (await vault.admin("GET", "/admin/approvals")).approvals.map((a) => a.approval_id ?? a.id);
  must(listed.includes(p.approvalId), "listed");
  await vault.admin("POST", `/admin/approvals/${p.approvalId}/approve`, {});
  const [n, r] = await outcomeOf(App(K.app).awaitApproval(p.approvalId, { timeoutMs: 30_000, pollIntervalMs: 200 }));
  if (n === "OK") {
    must(r instanceof sdk.ApprovalResult && r.approvalId === p.approvalId && r.statusCode === 200, "ApprovalResult");
    const s = r.bodyJson();
    must(s.grant_id === G.approval && s.method === "POST", "upstream");
  }
  return n;
});
await scenario("proxy_pending_then_denied", async () => {
  const p = await pendingApproval("approval-denied");
  await vault.admin("POST", `/admin/approvals/${p.approvalId}/deny`, {});
  const [n, e] = await outcomeOf(App(K.app).awaitApproval(p.approvalId, { timeoutMs: 30_000, pollIntervalMs: 200 }));
  if (n !== "OK") must(e.approvalId === p.approvalId, "approvalId");
  return n;
});

// ── namespaces and identity ────────────────────────────────────────────────────────────────────
await scenario("list_grants", async () => {
  const [n, page] = await outcomeOf(App(K.app).listGrants({ providerId: "google", limit: 1000 }));
  if (n === "OK") {
    must(page.grants.some((g) => g.grantId === G.alice), "alice's grant listed");
    must(page.grants.every((g) => (g.providerId ?? "google") === "google"), "google only");
  }
  return n;
});
await scenario("create_connect_session", async () => {
  const [n, s] = await outcomeOf(App(K.app).createConnectSession({ allowedProviders: ["google"] }));
  if (n === "OK") must(s.sessionToken && s.connectUrl && s.expiresIn > 0, "session fields");
  return n;
});
await scenario("connect_session_completed", async () => {
  const app = App(K.app);
  const s = await app.createConnectSession({ allowedProviders: ["github"] });
  await vault.admin("POST", `/admin/connect/${s.sessionToken}/complete`, { sub: "bob", provider_id: "github", account: "bob-gh" });
  const [n, results] = await outcomeOf(app.pollConnectSession(s.sessionToken, { timeout: 30_000, pollInterval: 200 }));
  if (n === "OK") must(results.length === 1 && results[0].providerId === "github" && results[0].accountIdentifier === "bob-gh", "ConnectResult");
  return n;
});
await scenario("agents_get_by_name", async () => {
  const app = App(K.app);
  const [n, a] = await outcomeOf(app.agents.getByName("email-assistant"));
  if (n === "OK") must(a.id === AGENT_ID && a.name === "email-assistant" && (await app.agents.getByName("no-such-agent-conformance")) === null, "found / null");
  return n;
});
{
  const app = App(K.app);
  const good = await vault.token("alice");
  const stale = await vault.token("alice", { ttl_secs: -120 });
  await scenario("verify_user_token_valid", async () => {
    const [n, sub] = await outcomeOf(app.verifyUserToken(good));
    if (n === "OK") must(sub === "alice", "sub");
    return n;
  });
  await scenario("verify_user_token_invalid", async () => {
    const tampered = good.slice(0, -4) + (good.endsWith("AAAA") ? "BBBB" : "AAAA");
    const got = [await app.verifyUserToken(tampered), await app.verifyUserToken(stale), await app.verifyUserToken("not-a-jwt")];
    return got.every((x) => x === null) ? "OK" : `accepted ${JSON.stringify(got)}`;
  });
}
{
  const app = App(K.app);
  let revokedOk = false;
  await scenario("revoke_grant", async () => {
    const [n, r] = await outcomeOf(app.revokeGrant(G.toRevoke, { reason: "conformance" }));
    if (n === "OK") { must(r.grantId === G.toRevoke, "grantId"); revokedOk = true; }
    return n;
  });
  await scenario("request_after_revoke", async () => {
    must(revokedOk, "revoke_grant succeeded first");
    return (await outcomeOf(app.request("GET", mock("google", "after-revoke"), { grantId: G.toRevoke })))[0];
  });
}

// ── tamper: requests captured from our SDK, never sent by it ─────────────────────────────────────
/** Capture the /sdk/token request the SDK would send, without sending it. */
async function captureToken(key, { clockShiftS = 0 } = {}) {
  let cap = null;
  const fetchCapture = async (input, init) => {
    const req = new Request(input, init);
    if (new URL(req.url).pathname !== "/sdk/token") return fetch(input, init);
    cap = { method: req.method, url: req.url, headers: [...req.headers], body: new Uint8Array(await req.arrayBuffer()) };
    return new Response('{"detail":{"error":"captured"}}', { status: 503, headers: { "content-type": "application/json" } });
  };
  const app = new sdk.App({ apiKey: key, baseUrl: base, logger: null, fetch: fetchCapture, timeout: 5000, ...OFFICIAL });
  const realNow = Date.now;
  if (clockShiftS) Date.now = () => realNow() + clockShiftS * 1000;
  try {
    await outcomeOf(app.request("GET", `${base}/mock/google/conformance/tamper-source`, { grantId: G.alice }));
  } finally {
    Date.now = realNow;
    await app.close();
  }
  must(cap, "captured a /sdk/token request");
  return cap;
}
async function send(cap, { headers = cap.headers, body = cap.body } = {}) {
  const res = await fetch(cap.url, { method: cap.method, headers, body });
  let code = null;
  try { const j = await res.json(); code = (j.detail ?? j).error ?? null; } catch { /* not JSON */ }
  return { status: res.status, code };
}
const http = (...rs) => `HTTP ${(rs.find((r) => r.status !== 401) ?? rs[0]).status}`;
const setHeader = (headers, name, value) => headers.map(([k, v]) => [k, k.toLowerCase() === name.toLowerCase() ? value : v]);
{
  let control = null;
  await scenario("tamper_control_resigned", async () => {
    control = await captureToken(K.app);
    const r = await send(control);
    return http(r);
  });
  await scenario("tamper_replayed_nonce", async () => {
    must(control, "control captured");
    const r = await send(control);
    must(r.code === "replayed_nonce", `refusal code ${r.code}`);
    return http(r);
  });
  await scenario("tamper_body_byte_flipped", async () => {
    const a = await captureToken(K.app);
    const b = await captureToken(K.app);
    const flip = (body) => {
      const s = Buffer.from(body);
      const i = s.indexOf("tamper-source");
      s[i] ^= 0x01;
      return new Uint8Array(s);
    };
    const ra = await send(a, { body: flip(a.body) });
    const fb = flip(b.body);
    const rb = await send(b, { body: fb, headers: setHeader(b.headers, "x-alter-content-sha256", createHash("sha256").update(fb).digest("hex")) });
    must(ra.code === "content_hash_mismatch" && rb.code === "invalid_signature", `codes ${ra.code}/${rb.code}`);
    return http(ra, rb);
  });
  await scenario("tamper_stale_timestamp", async () => {
    const old = await send(await captureToken(K.app, { clockShiftS: -600 }));
    const ahead = await send(await captureToken(K.app, { clockShiftS: 600 }));
    must(old.code === "stale_timestamp" && ahead.code === "stale_timestamp", `codes ${old.code}/${ahead.code}`);
    return http(old, ahead);
  });
  await scenario("tamper_wrong_key", async () => {
    const c = await captureToken(K.legacy); // signed with the legacy key's signing key
    const r = await send(c, { headers: setHeader(c.headers, "x-api-key", K.app) });
    must(r.code === "invalid_signature", `code ${r.code}`);
    return http(r);
  });
  await scenario("tamper_unknown_key", async () => {
    const r = await send(await captureToken(K.unknown));
    must(r.code === "invalid_key", `code ${r.code}`);
    return http(r);
  });
}

// ── information only: the fault scenarios with the package's default options ─────────────────────
const defaultsInfo = [];
for (const [name, fault, grantId] of [
  ["rate_limited_retry_after", { status: 429, headers: { "Retry-After": "1" }, body: { detail: { error: "rate_limit_exceeded", message: "slow down" } } }, G.alice],
  ["backend_unavailable", { status: 503, headers: { "Retry-After": "1" } }, G.alice],
  ["backend_connection_dropped", { drop_connection: true }, G.alice],
  ["token_refresh_in_progress", null, G.refreshing],
]) {
  if (fault) await vault.fault("/sdk/token", fault);
  try {
    const c = new sdk.App({ apiKey: K.app, baseUrl: base, logger: null });
    clients.push(c);
    const [n] = await outcomeOf(c.request("GET", mock("google", `defaults-${name.replaceAll("_", "-")}`), { grantId }));
    defaultsInfo.push([name, n]);
  } finally { await vault.clearFaults(); }
}

// ── whole-run invariant: exactly one audit row per provider call ─────────────────────────────────
await Promise.allSettled(clients.map((c) => c.close()));
await scenario("audit_one_row_per_provider_call", async () => {
  const calls = await vault.mockCalls();
  const entries = await vault.auditRows();
  const SRC = { http: "sdk", proxy: "proxy" };
  const count = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
  const callKeys = new Map();
  for (const c of calls) {
    const prefix = `/mock/${c.provider}`;
    const path = c.path.startsWith(prefix) ? c.path : prefix + (c.path.startsWith("/") ? c.path : `/${c.path}`);
    count(callKeys, JSON.stringify([SRC[c.via ?? "http"] ?? c.via, c.grant_id, c.method.toUpperCase(), path]));
  }
  const rowKeys = new Map();
  for (const e of entries) {
    const row = e.row;
    let path = "";
    try { path = new URL(row.url).pathname; } catch { /* not a URL */ }
    if (!path.startsWith("/mock/")) continue;
    count(rowKeys, JSON.stringify([e.source ?? "sdk", DELEGATION_PARENT[row.grant_id] ?? row.grant_id, String(row.method).toUpperCase(), path]));
    for (const h of [row.request_headers ?? {}, row.response_headers ?? {}]) {
      must(!Object.keys(h).some((k) => ["authorization", "x-api-key", "cookie"].includes(k.toLowerCase())), "no credential header in a row");
    }
  }
  must(new Set([...callKeys.keys()].map((k) => JSON.parse(k)[0])).size === 2, "both sdk and proxy calls happened");
  const diff = [];
  for (const [k, n] of callKeys) if ((rowKeys.get(k) ?? 0) !== n) diff.push(`${k}: calls ${n}, rows ${rowKeys.get(k) ?? 0}`);
  for (const [k, n] of rowKeys) if (!callKeys.has(k)) diff.push(`${k}: rows ${n}, calls 0`);
  if (diff.length) notes.set("audit_one_row_per_provider_call", diff.slice(0, 3).join("; "));
  return diff.length ? "MISMATCH" : "OK";
});
await vault.stop();

// ── the table ────────────────────────────────────────────────────────────────────────────────────
const pyFile = process.env.ALTER_PARITY_PYTHON_RESULTS ?? join(CACHE, "conformance", "python-observed.json");
let python = null;
if (existsSync(pyFile)) {
  try { python = JSON.parse(readFileSync(pyFile, "utf8")); } catch { python = null; }
}
const w = Math.max(...scenarios.map((s) => s.name.length)) + 2;
const ew = Math.max(...scenarios.map((s) => s.expected.length), 8) + 2;
console.log(python
  ? `parity: our SDK (Node) vs the official Python SDK's observed outcomes (${pyFile})`
  : "parity: our SDK (Node) vs the EXPECTED outcome in tests/conformance/scenarios.json (no Python results file found at " + pyFile + ")");
console.log(`${"scenario".padEnd(w)}${"expected".padEnd(ew)}${python ? "python".padEnd(ew) : ""}${"ours".padEnd(ew)}result`);
let bad = 0;
for (const s of scenarios) {
  const ours = observed.get(s.name) ?? "(not run)";
  const ref = python ? python[s.name] ?? "(not run)" : s.expected;
  const ok = ours === ref;
  if (!ok) bad++;
  const note = notes.has(s.name) ? `  (${notes.get(s.name)})` : "";
  console.log(`${s.name.padEnd(w)}${s.expected.padEnd(ew)}${python ? String(ref).padEnd(ew) : ""}${ours.padEnd(ew)}${ok ? "same" : "DIFFERENT"}${note}`);
}
console.log(`parity: ${scenarios.length - bad}/${scenarios.length} scenarios end the same way${bad ? `, ${bad} differ` : ""} (clients with maxRetries: 0, the official no-retry behaviour)`);
for (const [name, n] of defaultsInfo) {
  const ref = python ? python[name] : scenarios.find((x) => x.name === name)?.expected;
  console.log(`info (not compared): ${name} with the package's default options (one injected fault) → ${n}${n === ref ? "" : `, where the official SDK gives ${ref} (client-side retry of vault calls, a deliberate divergence)`}`);
}
process.exit(bad ? 1 : 0);
