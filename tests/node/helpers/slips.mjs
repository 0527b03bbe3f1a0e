// The slip table (design rule 11, "safe first contact"): calls a user porting code from the Python
// SDK, an older TypeScript SDK or another HTTP client is likely to get wrong. Each row:
//   name    what the slip is
//   slip    (env) => the wrong call; it must fail with `cls` before any vault or provider call
//   cls     the expected error class name (exported by the package)
//   hint    text the message must contain (the right name, or the unit)
//   right   (env) => the same call with the right name; it must succeed against the dev vault
// env: { sdk, vault, mock, opts(extra) → App options (counting fetch, the vault's URL), app, agent,
//        userJwt (alice) }.
import { AGENTS, GRANTS, KEYS } from "./demo.mjs";

const V = "AlterValueError";
const S = "AlterSDKError";
const PAYOUTS = "6a000000-0000-4000-8000-000000000013";
const G = GRANTS.systemGoogle;

const me = (env) => `${env.mock}/google/me`;
const get = (opts) => (env) => env.app.request("GET", me(env), opts);
const post = (opts) => (env) => env.app.request("POST", `${env.mock}/google/gmail/v1/send`, opts);
const ctor = (extra, Cls = "App") => (env) => new env.sdk[Cls](env.opts(extra));
/** A constructor with the right options, then one request on it (proves the option took). */
const ctorThenGet = (extra, reqOpts = { grantId: G }) => async (env) => {
  const c = new env.sdk.App(env.opts(extra));
  try {
    return await c.request("GET", me(env), typeof reqOpts === "function" ? reqOpts(env) : reqOpts);
  } finally {
    await c.close();
  }
};
const alice = (env) => ({ provider: "google", userToken: env.userJwt });

/** A pending approval, approved by the vault's admin API; resolves to its id. */
async function approved(env) {
  const p = await env.app.proxyRequest("POST", `${env.mock}/stripe-payouts/payouts`, { grantId: PAYOUTS, json: { amount: 5 }, reason: "payout" });
  await env.vault.admin("POST", `/admin/approvals/${p.approvalId}/approve`, { reason: "ok" });
  return p.approvalId;
}

let agentSeq = 0;
const agentName = () => `strict-bot-${process.pid}-${++agentSeq}`;

export const SLIPS = [
  // --- request(): Python names, other clients' names, typos ---
  { name: "request: headers (fetch/axios name)", slip: get({ grantId: G, headers: { "X-A": "1" } }), cls: V, hint: '"extraHeaders"', right: get({ grantId: G, extraHeaders: { "X-A": "1" } }) },
  { name: "request: extra_headers (Python)", slip: get({ grantId: G, extra_headers: { "X-A": "1" } }), cls: V, hint: '"extraHeaders"', right: get({ grantId: G, extraHeaders: { "X-A": "1" } }) },
  { name: "request: extraHeader (typo)", slip: get({ grantId: G, extraHeader: { "X-A": "1" } }), cls: V, hint: '"extraHeaders"', right: get({ grantId: G, extraHeaders: { "X-A": "1" } }) },
  { name: "request: query_params (Python)", slip: get({ grantId: G, query_params: { q: "x" } }), cls: V, hint: '"queryParams"', right: get({ grantId: G, queryParams: { q: "x" } }) },
  { name: "request: params (axios)", slip: get({ grantId: G, params: { q: "x" } }), cls: V, hint: '"queryParams"', right: get({ grantId: G, queryParams: { q: "x" } }) },
  { name: "request: query", slip: get({ grantId: G, query: { q: "x" } }), cls: V, hint: '"queryParams"', right: get({ grantId: G, queryParams: { q: "x" } }) },
  { name: "request: searchParams", slip: get({ grantId: G, searchParams: { q: "x" } }), cls: V, hint: '"queryParams"', right: get({ grantId: G, queryParams: { q: "x" } }) },
  { name: "request: queryparams (case)", slip: get({ grantId: G, queryparams: { q: "x" } }), cls: V, hint: '"queryParams"', right: get({ grantId: G, queryParams: { q: "x" } }) },
  { name: "request: jsonBody", slip: post({ grantId: G, jsonBody: { a: 1 } }), cls: V, hint: '"json"', right: post({ grantId: G, json: { a: 1 } }) },
  { name: "request: json_body (Python docs)", slip: post({ grantId: G, json_body: { a: 1 } }), cls: V, hint: '"json"', right: post({ grantId: G, json: { a: 1 } }) },
  { name: "request: data (axios)", slip: post({ grantId: G, data: { a: 1 } }), cls: V, hint: '"json"', right: post({ grantId: G, json: { a: 1 } }) },
  { name: "request: grant_id (Python)", slip: get({ grant_id: G }), cls: V, hint: '"grantId"', right: get({ grantId: G }) },
  { name: "request: grantID (case)", slip: get({ grantID: G }), cls: V, hint: '"grantId"', right: get({ grantId: G }) },
  { name: "request: connectionId (before 0.7)", slip: get({ connectionId: G }), cls: V, hint: '"grantId"', right: get({ grantId: G }) },
  { name: "request: grantid with the right one too", slip: get({ grantId: G, grantid: G }), cls: V, hint: '"grantId"', right: get({ grantId: G }) },
  { name: "request: providerId for provider", slip: (env) => env.app.request("GET", me(env), { providerId: "google", userToken: env.userJwt }), cls: V, hint: '"provider"', right: (env) => env.app.request("GET", me(env), alice(env)) },
  { name: "request: user_token (Python)", slip: (env) => env.app.request("GET", me(env), { provider: "google", user_token: env.userJwt }), cls: V, hint: '"userToken"', right: (env) => env.app.request("GET", me(env), alice(env)) },
  { name: "request: jwt", slip: (env) => env.app.request("GET", me(env), { provider: "google", jwt: env.userJwt }), cls: V, hint: '"userToken"', right: (env) => env.app.request("GET", me(env), alice(env)) },
  { name: "request: path_params (Python)", slip: (env) => env.app.request("GET", `${env.mock}/google/{p}`, { grantId: G, path_params: { p: "me" } }), cls: V, hint: '"pathParams"', right: (env) => env.app.request("GET", `${env.mock}/google/{p}`, { grantId: G, pathParams: { p: "me" } }) },
  { name: "request: reasons (typo)", slip: get({ grantId: G, reasons: "audit" }), cls: V, hint: '"reason"', right: get({ grantId: G, reason: "audit" }) },
  { name: "request: timeout per call", slip: get({ grantId: G, timeout: 5000 }), cls: V, hint: "AbortSignal.timeout", right: (env) => env.app.request("GET", me(env), { grantId: G, signal: AbortSignal.timeout(20_000) }) },
  { name: "request: an unknown name set to undefined is still a slip", slip: get({ grantId: G, headers: undefined }), cls: V, hint: '"extraHeaders"', right: get({ grantId: G, extraHeaders: undefined }) },
  { name: "request: two slips at once, both named", slip: get({ grant_id: G, headers: {} }), cls: V, hint: /"grantId".*"extraHeaders"/, right: get({ grantId: G, extraHeaders: {} }) },
  { name: "request: the old request(grantId, method, url) order", slip: (env) => env.app.request(G, "GET", me(env)), cls: V, hint: "request(method, url, { grantId })", right: get({ grantId: G }) },
  { name: "request: queryParams as a string (wrong type)", slip: get({ grantId: G, queryParams: "q=x" }), cls: V, hint: "queryParams", right: get({ grantId: G, queryParams: { q: "x" } }) },
  { name: "request: extraHeaders value a number (wrong type)", slip: get({ grantId: G, extraHeaders: { "X-N": 1 } }), cls: V, hint: "extraHeaders", right: get({ grantId: G, extraHeaders: { "X-N": "1" } }) },

  // --- constructors ---
  { name: "App: baseURL (axios)", slip: ctor({ baseURL: "x" }), cls: V, hint: '"baseUrl"', right: (env) => ctorThenGet({ baseUrl: env.vault.url })(env) },
  { name: "App: base_url (Python)", slip: ctor({ base_url: "x" }), cls: V, hint: '"baseUrl"', right: (env) => ctorThenGet({ baseUrl: env.vault.url })(env) },
  { name: "App: api_key (Python)", slip: (env) => new env.sdk.App({ api_key: KEYS.full, baseUrl: env.vault.url, fetch: env.opts({}).fetch }), cls: V, hint: '"apiKey"', right: ctorThenGet({ apiKey: KEYS.full }) },
  { name: "App: apikey (case)", slip: (env) => new env.sdk.App({ apikey: KEYS.full }), cls: V, hint: '"apiKey"', right: ctorThenGet({ apiKey: KEYS.full }) },
  { name: "App: userTokenGeter (typo)", slip: ctor({ userTokenGeter: () => "x" }), cls: V, hint: '"userTokenGetter"', right: (env) => ctorThenGet({ userTokenGetter: () => env.userJwt }, { provider: "google" })(env) },
  { name: "App: user_token_getter (Python)", slip: ctor({ user_token_getter: () => "x" }), cls: V, hint: '"userTokenGetter"', right: (env) => ctorThenGet({ userTokenGetter: () => env.userJwt }, { provider: "google" })(env) },
  { name: "App: getUserToken", slip: ctor({ getUserToken: () => "x" }), cls: V, hint: '"userTokenGetter"', right: (env) => ctorThenGet({ userTokenGetter: () => env.userJwt }, { provider: "google" })(env) },
  { name: "App: userToken on the client", slip: ctor({ userToken: "jwt" }), cls: V, hint: '"userTokenGetter"', right: (env) => ctorThenGet({ userTokenGetter: () => env.userJwt }, { provider: "google" })(env) },
  { name: "App: timeoutMs", slip: ctor({ timeoutMs: 5000 }), cls: V, hint: '"timeout" (milliseconds)', right: ctorThenGet({ timeout: 5000 }) },
  { name: "App: timeout_seconds (Python unit)", slip: ctor({ timeout_seconds: 30 }), cls: V, hint: "milliseconds", right: ctorThenGet({ timeout: 30_000 }) },
  { name: "App: timeout as a string (wrong type)", slip: ctor({ timeout: "30s" }), cls: V, hint: "milliseconds", right: ctorThenGet({ timeout: 30_000 }) },
  { name: "App: max_retries (snake)", slip: ctor({ max_retries: 1 }), cls: V, hint: '"maxRetries"', right: ctorThenGet({ maxRetries: 1 }) },
  { name: "App: retries", slip: ctor({ retries: 1 }), cls: V, hint: '"maxRetries"', right: ctorThenGet({ maxRetries: 1 }) },
  { name: "App: caller_type (Python)", slip: ctor({ caller_type: "service" }), cls: V, hint: '"callerType"', right: ctorThenGet({ callerType: "service" }) },
  { name: "App: actorType (AlterVault era)", slip: ctor({ actorType: "backend_service" }), cls: V, hint: '"callerType"', right: ctorThenGet({ callerType: "service" }) },
  { name: "App: loger (typo)", slip: ctor({ loger: null }), cls: V, hint: '"logger"', right: ctorThenGet({ logger: null }) },
  { name: "App: userTokenGetter a string (wrong type)", slip: ctor({ userTokenGetter: "jwt" }), cls: S, hint: "userTokenGetter must be a function", right: (env) => ctorThenGet({ userTokenGetter: () => env.userJwt }, { provider: "google" })(env) },
  { name: "Agent: base_url", slip: (env) => new env.sdk.Agent({ ...env.opts({ apiKey: KEYS.emailAssistant }), base_url: "x" }), cls: V, hint: '"baseUrl"', right: async (env) => { const a = new env.sdk.Agent(env.opts({ apiKey: KEYS.emailAssistant })); try { return await a.me(); } finally { await a.close(); } } },
  { name: "AlterVault (removed in 0.29)", slip: (env) => new env.sdk.AlterVault({ apiKey: KEYS.full }), cls: S, hint: "new App({ apiKey", right: ctorThenGet({}) },

  // --- proxyRequest ---
  { name: "proxyRequest: headers", slip: (env) => env.app.proxyRequest("GET", `${env.mock}/asana/me`, { grantId: GRANTS.proxyOnly, headers: { "X-A": "1" } }), cls: V, hint: '"extraHeaders"', right: (env) => env.app.proxyRequest("GET", `${env.mock}/asana/me`, { grantId: GRANTS.proxyOnly, extraHeaders: { "X-A": "1" } }) },
  { name: "proxyRequest: json_body (Python docs)", slip: (env) => env.app.proxyRequest("POST", `${env.mock}/asana/tasks`, { grantId: GRANTS.proxyOnly, json_body: { n: 1 } }), cls: V, hint: '"json"', right: (env) => env.app.proxyRequest("POST", `${env.mock}/asana/tasks`, { grantId: GRANTS.proxyOnly, json: { n: 1 } }) },
  { name: "proxyRequest({ ... }): grant_id", slip: (env) => env.app.proxyRequest({ method: "GET", url: `${env.mock}/asana/me`, grant_id: GRANTS.proxyOnly }), cls: V, hint: '"grantId"', right: (env) => env.app.proxyRequest({ method: "GET", url: `${env.mock}/asana/me`, grantId: GRANTS.proxyOnly }) },

  // --- approvals: units ---
  { name: "awaitApproval: timeout (Python, seconds)", slip: (env) => env.app.awaitApproval("a-1", { timeout: 300 }), cls: V, hint: "timeoutMs: 300000", right: async (env) => env.app.awaitApproval(await approved(env), { timeoutMs: 20_000 }) },
  { name: "awaitApproval: pollInterval (Python, seconds)", slip: (env) => env.app.awaitApproval("a-1", { pollInterval: 2 }), cls: V, hint: '"pollIntervalMs" (milliseconds)', right: async (env) => env.app.awaitApproval(await approved(env), { pollIntervalMs: 50 }) },
  { name: "awaitApproval: timeout_ms (snake)", slip: (env) => env.app.awaitApproval("a-1", { timeout_ms: 1000 }), cls: V, hint: '"timeoutMs"', right: async (env) => env.app.awaitApproval(await approved(env), { timeoutMs: 20_000 }) },
  { name: "awaitApproval: timeoutMs a string (wrong type)", slip: (env) => env.app.awaitApproval("a-1", { timeoutMs: "300000" }), cls: V, hint: "timeoutMs", right: async (env) => env.app.awaitApproval(await approved(env), { timeoutMs: 300_000 }) },
  { name: "getApprovalStatus: timeout", slip: (env) => env.app.getApprovalStatus("a-1", { timeout: 5 }), cls: V, hint: '"wait" (seconds)', right: async (env) => env.app.getApprovalStatus(await approved(env), { wait: 1 }) },

  // --- namespaces ---
  { name: "listGrants: provider for providerId", slip: (env) => env.app.listGrants({ provider: "google" }), cls: V, hint: '"providerId"', right: (env) => env.app.listGrants({ providerId: "google" }) },
  { name: "listGrants: provider_id (Python)", slip: (env) => env.app.listGrants({ provider_id: "google" }), cls: V, hint: '"providerId"', right: (env) => env.app.listGrants({ providerId: "google" }) },
  { name: "listGrants: end_user_token (Python)", slip: (env) => env.app.listGrants({ end_user_token: env.userJwt }), cls: V, hint: '"endUserToken"', right: (env) => env.app.listGrants({ endUserToken: env.userJwt }) },
  { name: "listGrants: page (no such option: offset)", slip: (env) => env.app.listGrants({ limit: 5, page: 2 }), cls: V, hint: "Known options", right: (env) => env.app.listGrants({ limit: 5, offset: 5 }) },
  { name: "agents.create: display_name (Python)", slip: (env) => env.app.agents.create({ name: agentName(), display_name: "Bot" }), cls: V, hint: '"displayName"', right: (env) => env.app.agents.create({ name: agentName(), displayName: "Bot" }) },
  { name: "agents.list: include_revoked (Python)", slip: (env) => env.app.agents.list({ include_revoked: true }), cls: V, hint: '"includeRevoked"', right: (env) => env.app.agents.list({ includeRevoked: true }) },
  { name: "keys.derive: expires_in (Python)", slip: (env) => env.app.keys.derive({ scopes: ["grants:read"], expires_in: 600 }), cls: V, hint: '"expiresIn" (seconds)', right: (env) => env.app.keys.derive({ scopes: ["grants:read"], expiresIn: 600 }) },
  { name: "createConnectSession: providers", slip: (env) => env.app.createConnectSession({ providers: ["google"] }), cls: V, hint: '"allowedProviders"', right: (env) => env.app.createConnectSession({ allowedProviders: ["google"] }) },
  { name: "createConnectSession: allowed_providers (Python)", slip: (env) => env.app.createConnectSession({ allowed_providers: ["google"] }), cls: V, hint: '"allowedProviders"', right: (env) => env.app.createConnectSession({ allowedProviders: ["google"] }) },
  { name: "oauthProviders.list: force_refresh (Python)", slip: (env) => env.app.oauthProviders.list({ force_refresh: true }), cls: V, hint: '"forceRefresh"', right: (env) => env.app.oauthProviders.list({ forceRefresh: true }) },
  { name: "withConstraints: scope", slip: (env) => env.app.withConstraints({ scope: ["grants:read"] }), cls: V, hint: '"scopes"', right: (env) => env.app.withConstraints({ scopes: ["grants:read"] }).listGrants() },
  { name: "spans.emit: attribute (singular)", slip: (env) => env.app.spans.emit([{ traceId: "t-strict", name: "step", startTime: new Date(), attribute: { k: "v" } }]), cls: V, hint: '"attributes"', right: (env) => env.app.spans.emit([{ traceId: "t-strict", name: "step", startTime: new Date(), attributes: { k: "v" } }]) },
  { name: "mintGrant: grantPolicy.maxTtl", slip: (env) => env.app.mintGrant(GRANTS.aliceGoogle, { label: "strict-l", grantPolicy: { maxTtl: 3600 } }), cls: V, hint: '"maxTtlSeconds"', right: (env) => env.app.mintGrant(GRANTS.aliceGoogle, { label: `strict-${process.pid}-${++agentSeq}`, grantPolicy: { maxTtlSeconds: 3600 } }) },
  { name: "trace: runID is not runId", slip: (env) => env.agent.trace({ runID: "r1" }, async () => 1), cls: V, hint: '"runId"', right: (env) => env.agent.trace({ runId: "r1" }, async (scoped) => scoped.me()) },
  { name: "trace: thread-id is not threadId", slip: (env) => env.agent.trace({ "thread-id": "t1" }, async () => 1), cls: V, hint: '"threadId"', right: (env) => env.agent.trace({ threadId: "t1" }, async (scoped) => scoped.me()) },
];

export { AGENTS, PAYOUTS };
