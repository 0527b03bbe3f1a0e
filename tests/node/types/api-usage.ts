// Every method of the tier-1/tier-2 surface called with its documented types; tsc --noEmit
// must accept it (tests/node/api-types.test.mjs). @ts-expect-error lines are what must NOT compile.
import {
  Agent, App, ApprovalResult, HttpMethod, PendingApproval, isValidKey, contentMatchRule, CONTENT_MATCH_LIMITS,
  type AgentInfo, type APIKeyInfo, type ApprovalStatus, type ConnectResult, type ConnectSession,
  type CreateGrantResult, type DelegationResult, type GrantInfo, type ManagedSecretConnectSession, type MintedKey,
  type OAuthProviderCatalog, type Principal, type RevokeGrantResult, type ScopeCatalog, type UnifiedGrantListResult,
  type AgentCreateResult, type AgentListResult, type AgentKeyList, type AgentKeyMintResult, type AgentKey,
  type AuthSession, type AuthResult, NoDelegatedGrantError, ApprovalDeniedError, ProviderSpec, SpecOperationsPage, SpecOperation, SpecOperationDetail, IdentityContext,
} from "alter-edge";

export async function usage(): Promise<void> {
  const app = new App({ apiKey: "alter_rk_x", userTokenGetter: () => "jwt" });
  const agent = new Agent({ apiKey: "alter_ak_x" });
  const valid: boolean = isValidKey("alter_rk_x");
  const rl = app.lastRateLimit;
  if (rl) void [rl.limit, rl.remaining, rl.resetAt.getTime(), agent.lastRateLimit?.remaining];

  // Proxy and approvals
  const r = await app.proxyRequest(HttpMethod.POST, "https://api.example.com/{id}", {
    grantId: "g", json: { a: 1 }, extraHeaders: { "X-A": "1" }, queryParams: { q: ["a", 1, true, null] },
    pathParams: { id: "1" }, reason: "why", context: { tool: "t" }, caller: "c", userToken: "jwt",
  });
  if (r instanceof PendingApproval) {
    const url: string = r.approvalUrl;
    const st: ApprovalStatus = await app.getApprovalStatus(r.approvalId, { wait: 10 });
    const terminal: boolean = st.isTerminal;
    try {
      const done: ApprovalResult = await app.awaitApproval(r.approvalId, { timeoutMs: 600_000, pollIntervalMs: 1000 });
      const bytes: Uint8Array = done.bodyBytes();
      const text: string = done.bodyText("utf-8");
      const json = done.bodyJson<{ ok: boolean }>();
      void [url, terminal, bytes, text, json.ok];
    } catch (e) {
      if (e instanceof ApprovalDeniedError) void e.approvalId;
    }
  } else {
    const code: number = r.statusCode;
    const wire = r.toJSON();
    void [code, wire];
  }
  await app.proxyRequest({ method: "GET", url: "https://x", provider: "google", account: "a", label: "l", appUserId: "u" });
  await agent.proxyRequest("GET", "https://x", { grantId: "g" });
  await agent.getApprovalStatus("id");
  await agent.awaitApproval("id");

  // Grants
  const list: UnifiedGrantListResult = await app.listGrants({ providerId: "google", status: "active", account: "a", label: "l", endUserToken: "jwt", limit: 10, offset: 0 });
  for (const g of list.grants) {
    if (g.grantKind === "oauth") void g.providerId;
    else void g.managedSecretSlug;
  }
  await agent.listGrants({ limit: 5 });
  // A per-call AbortSignal on every method that takes options.
  const signal = new AbortController().signal;
  await app.listGrants({ signal });
  await agent.awaitApproval("id", { timeoutMs: 1000, signal });
  await app.proxyRequest({ method: "GET", url: "https://x", grantId: "g", signal });
  await app.agents.list({ limit: 1, signal });
  await app.keys.derive({ scopes: ["grants:read"], expiresIn: 60, signal });
  await app.oauthProviders.list({ signal });
  await app.revokeGrant("g", { signal });
  const rv: RevokeGrantResult = await app.revokeGrant("6a000000-0000-4000-8000-000000000008", { reason: "r" });
  const minted: GrantInfo = await app.mintGrant("g", { label: "l", grantPolicy: { maxTtlSeconds: 60 }, grantTags: ["t"] });
  const principals: Principal[] = [
    { type: "user", userToken: "jwt", label: "l" },
    { type: "group", externalGroupId: "00g", idpId: "i", label: "l" },
    { type: "system" },
    { type: "agent", label: "x" },
  ];
  const created: CreateGrantResult = await app.createManagedSecretGrant("m", { principal: principals[0]!, grantPolicy: { expiresAt: "2030-01-01T00:00:00Z" }, credentialId: "c" });
  const del: DelegationResult = await agent.delegate("g", "a", { delegable: true, scopeConstraint: ["s"], ttlSeconds: 60 });
  await app.revokeDelegation("g", "a");
  await app.revokeDelegation("g", { agentId: "a" });
  await agent.revokeDelegation("g");

  // Connect and auth
  const cs: ConnectSession = await app.createConnectSession({
    allowedProviders: ["google"], returnUrl: "https://r", allowedOrigin: "https://o", metadata: { ipAddress: "1.2.3.4", userAgent: "ua" },
    grantPolicy: { maxTtlSeconds: 60, defaultTtlSeconds: 30 }, requiredScopes: { google: ["s"] }, agent: "a", userToken: "jwt",
    requestedGrant: { label: "l", restrictions: { allowedMethods: ["GET"], allowedEndpoints: ["/x"] } }, repairGrantId: "g",
    delegable: true, scopeConstraint: ["s"], switchAccount: false, allowUserPolicyRules: true, direct: false,
  });
  const results: ConnectResult[] = await app.pollConnectSession(cs.sessionToken, { timeout: 1000, pollInterval: 100, onEvent: (e) => void e.providerId });
  await agent.createConnectSession();
  await agent.pollConnectSession("t");
  try {
    await app.request("GET", "https://x", { provider: "google" });
  } catch (e) {
    if (e instanceof NoDelegatedGrantError) await app.createConnectSessionForError(e, { returnUrl: "https://r" });
  }
  await agent.createConnectSessionForError(new Error("x"));
  const ms: ManagedSecretConnectSession = await app.createManagedSecretConnectSession({
    provider: "resend", userToken: "jwt", agent: "a", delegable: true, requestedGrant: { label: "l" }, direct: false,
    repairGrantId: "g", allowUserPolicyRules: true, allowedOrigin: "https://o", returnUrl: "https://r", requestedTtlSeconds: 60,
  });
  await agent.createManagedSecretConnectSession({ provider: "resend", userToken: "jwt" });
  const as: AuthSession = await app.createAuthSession();
  const ar: AuthResult = await app.pollAuthSession(as.sessionToken, { timeout: 1000 });
  const sub: string | null = await app.verifyUserToken("jwt");

  // Agents, keys, catalogs
  const ac: AgentCreateResult = await app.agents.create({ name: "n", scopes: { google: ["s"] }, displayName: "N", type: "service", metadata: {}, policy: {}, idempotencyKey: "k" });
  const al: AgentListResult = await app.agents.list({ limit: 10, offset: 0, includeRevoked: true });
  const ag: AgentInfo = await app.agents.get(ac.id);
  const byName: AgentInfo | null = await app.agents.getByName("n");
  await app.agents.update(ac.id, { displayName: "M", scopes: {}, expectedVersion: 1, graceSeconds: 0, metadata: {}, policy: {} });
  await app.agents.suspend(ac.id);
  await app.agents.resume(ac.id);
  const km: AgentKeyMintResult = await app.agents.mintKey(ac.id);
  const kl: AgentKeyList = await app.agents.listKeys(ac.id);
  const k1: AgentKey = await app.agents.deprecateKey(ac.id, km.keyId);
  await app.agents.undeprecateKey(ac.id, km.keyId);
  await app.agents.revokeKey(ac.id, km.keyId, { force: true });
  await app.agents.delete(ac.id);
  const me: AgentInfo = await agent.me();
  const dk: MintedKey = await app.keys.derive({ scopes: ["tokens:retrieve"], expiresIn: 3600, cidrAllowlist: ["10.0.0.0/8"], name: "n", metadata: {} });
  const rot: MintedKey = await agent.keys.rotate({ keyId: dk.id, overlapDays: 1 });
  const revoked: APIKeyInfo = await app.keys.revoke({ keyId: rot.id, force: true });
  const sc: ScopeCatalog = await agent.scopes.list();
  const cat: OAuthProviderCatalog = await app.oauthProviders.list({ forceRefresh: true });
  await agent.oauthProviders.list();
  const specs: ProviderSpec[] = await app.providerSpecs.list("oauth");
  const spec: ProviderSpec = await agent.providerSpecs.get("oauth", "google");
  const opsPage: SpecOperationsPage = await app.providerSpecs.listOperations("oauth", "google", { limit: 10, offset: 0, search: "events" });
  for await (const op of app.providerSpecs.listOperations.all("oauth", "google")) void (op satisfies SpecOperation).operationId;
  const opDetail: SpecOperationDetail = await agent.providerSpecs.getOperation("oauth", "google", "calendar.events.list");
  void [specs, spec, opsPage, opDetail];
  const who: IdentityContext = await app.resolveIdentity({ userToken: "jwt", includeProfile: true });
  await agent.resolveIdentity({ appUserId: "u" });
  const toolResult: number = await agent.withTool({ tool: "calendar.list", toolCallId: "c1", framework: "ai-sdk" }, async (scoped) => {
    await scoped.request("GET", "https://www.googleapis.com/x", { provider: "google" });
    return 1;
  });
  void toolResult;
  void who;
  const emitted = await agent.spans.emit([{ traceId: "t", name: "step", startTime: new Date(), endTime: "2030-01-01T00:00:00Z", spanId: "s1", parentSpanId: "s0", attributes: { k: "v" } }]);
  void (emitted.accepted + (await app.spans.emit([{ traceId: "t", name: "n", startTime: "2030-01-01T00:00:00Z" }])).accepted);
  const narrowed: App = app.withConstraints({ scopes: ["grants:read"], rule: { ruleType: "content_match", ruleBody: { match: { families: ["read"] }, effect: "deny" } } });
  const narrowedAgent: Agent = agent.withConstraints({ scopes: ["tokens:retrieve"] });
  const typed = contentMatchRule({
    families: ["payment"], operations: ["stripe.refunds.create"], effect: "step_up", maxSessionAgeSeconds: 300,
    params: [{ name: "amount", op: "gt", value: 100 }, { name: "h", op: "outside_windows", value: { windows: [{ days: ["mon"], start: "09:00", end: "17:00" }], timezone: "UTC" } }],
  });
  app.withConstraints({ rule: typed });
  void CONTENT_MATCH_LIMITS.maxParams;
  // @ts-expect-error families are a closed set
  contentMatchRule({ families: ["teleport"] });
  void [valid, list, rv, minted, created, del, results, ms, ar, sub, al, ag, byName, kl, k1, me, revoked, sc, cat, narrowed, narrowedAgent];

  // What an Agent does not have (api-surface §1.4), and what App does not have.
  // @ts-expect-error revokeGrant is App only
  await agent.revokeGrant("g");
  // @ts-expect-error mintGrant is App only
  await agent.mintGrant("g", { label: "l" });
  // @ts-expect-error createManagedSecretGrant is App only in 0.29.0
  await agent.createManagedSecretGrant("m", { principal: { type: "agent" } });
  // @ts-expect-error verifyUserToken is App only
  await agent.verifyUserToken("t");
  // @ts-expect-error agents namespace is App only
  void agent.agents;
  // @ts-expect-error createAuthSession is App only
  await agent.createAuthSession();
  // @ts-expect-error Agent.revokeDelegation takes no agentId
  await agent.revokeDelegation("g", "a");
  // @ts-expect-error Agent has no repairGrantId on managed-secret sessions
  await agent.createManagedSecretConnectSession({ provider: "p", userToken: "t", repairGrantId: "g" });
  // @ts-expect-error me() is Agent only
  await app.me();
  // @ts-expect-error delegate() is Agent only
  await app.delegate("g", "a");
  // @ts-expect-error principals are interfaces, not classes
  void new UserPrincipal();
  // @ts-expect-error a group principal needs externalGroupId and idpId
  const bad: Principal = { type: "group", label: "l" };
  void bad;

  // Strict options (design rule 11): the slips the runtime refuses do not compile either.
  // @ts-expect-error awaitApproval's wait is timeoutMs (milliseconds); Python's timeout is seconds
  await app.awaitApproval("id", { timeout: 300 });
  // @ts-expect-error pollInterval is pollIntervalMs here
  await app.awaitApproval("id", { pollInterval: 2 });
  // @ts-expect-error getApprovalStatus waits with wait (seconds)
  await app.getApprovalStatus("id", { timeoutMs: 1000 });
  // @ts-expect-error proxyRequest: grantId and provider are mutually exclusive
  await app.proxyRequest("GET", "https://x", { grantId: "g", provider: "google" });
  // @ts-expect-error proxyRequest: account needs provider
  await app.proxyRequest({ method: "GET", url: "https://x", grantId: "g", account: "a" });
  // @ts-expect-error proxyRequest: headers is extraHeaders
  await app.proxyRequest("GET", "https://x", { grantId: "g", headers: {} });
  // @ts-expect-error listGrants filters by providerId
  await app.listGrants({ provider: "google" });
  // @ts-expect-error agents.create: display_name is displayName
  await app.agents.create({ name: "n", display_name: "N" });
  // @ts-expect-error keys.derive: expires_in is expiresIn (seconds)
  await app.keys.derive({ scopes: ["grants:read"], expires_in: 60 });
  // @ts-expect-error createConnectSession: providers is allowedProviders
  await app.createConnectSession({ providers: ["google"] });
  // @ts-expect-error withConstraints: scope is scopes
  app.withConstraints({ scope: ["grants:read"] });
}
