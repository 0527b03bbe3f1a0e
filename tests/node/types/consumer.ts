// Compiled (never run) by tests/node/types.test.mjs: the declarations in js/index.d.ts must accept
// the documented usage (ts-api.md §3, §5, §9.4, §12) and reject what the docs exclude.
import {
  App, Agent, HttpMethod, CallerType, RetryInfo, AlterSDKError, AlterValueError, AmbiguousGrantError,
  PolicyViolationError, RateLimitError, ScopeReauthRequiredError, ProviderAPIError, NoDelegatedGrantError,
  TimeoutError, NetworkError, createAlterError, type AlterResponse, type RequestOptions,
  AlterVault, Provider, TokenResponse, APICallAuditLog, IdentityContext, IdentityAssertion, MemoryScope, ProviderSpec,
} from "alter-edge";

export async function usage(jwt: string): Promise<void> {
  const app = new App({
    apiKey: "alter_rk_x",
    timeout: 30000,
    caller: "svc",
    callerType: CallerType.SERVICE,
    userTokenGetter: async () => jwt,
    logger: console,
    logLevel: "debug",
  });
  // @ts-expect-error not a log level
  new App({ apiKey: "alter_rk_x", logLevel: "verbose" });
  const opts: RequestOptions = {
    provider: "google", account: "a@x", json: { a: 1 }, extraHeaders: { A: "b" },
    queryParams: { q: "x", n: 1, t: true, z: null, tags: ["a", "b"] }, pathParams: { id: "1" },
    reason: "r", context: { tool: "t" }, userToken: jwt,
  };
  const res: AlterResponse = await app.request(HttpMethod.GET, "https://x.test/{id}", opts);
  const status: number = res.status;
  const info: RetryInfo | null = res.retryInfo;
  const body: unknown = await res.json();
  await app.request("POST", "https://x.test", { grantId: "g", body: new Uint8Array([1]) });
  const actor: string | null = app.actorId;
  const last: RetryInfo | null = app.lastRetryInfo;
  const base: string = app.baseUrl;
  const agent: Agent = app.getAgent("0e8f7e2c-1b2a-4c3d-9e8f-0123456789ab");
  const n: number = await agent.trace({ runId: "run_42", threadId: "t", role: "writer" }, async (scoped) => {
    await scoped.request(HttpMethod.GET, "https://x.test", { grantId: "g" });
    return 1;
  });
  const a2 = new Agent({ apiKey: "alter_ak_x", userTokenGetter: () => jwt });
  await a2.trace(async () => undefined);
  try {
    await app.request("GET", "https://x.test", { provider: "google" });
  } catch (err) {
    if (err instanceof NetworkError) {
      const why: unknown = err.cause;
    }
    if (err instanceof AmbiguousGrantError) {
      const ids: string[] = err.accountIdentifiers;
      const first: string | undefined = err.candidates[0]?.grantId;
    } else if (err instanceof PolicyViolationError) {
      const pe: string | null = err.policyError;
    } else if (err instanceof RateLimitError) {
      const s: number | null = err.retryAfter;
    } else if (err instanceof ScopeReauthRequiredError || err instanceof NoDelegatedGrantError) {
      const p: string | null = err.providerId;
    } else if (err instanceof ProviderAPIError) {
      const b: string | null = err.responseBody;
      const c: number | null = err.statusCode;
    } else if (err instanceof TimeoutError) {
      const ne: NetworkError = err;
    } else if (err instanceof AlterSDKError) {
      const code: string = err.code;
      const d: Record<string, unknown> = err.details;
    }
  }
  const e: AlterSDKError = createAlterError({ class: "AlterValueError" });
  const v = new AlterValueError("bad");
  await app.flush();
  await app.close();
  void [status, info, body, actor, last, base, n, e, v];

  // @ts-expect-error Agent has no getAgent
  a2.getAgent("x");
  // @ts-expect-error App has no trace
  app.trace({}, () => 1);
  // @ts-expect-error callerType is not an Agent option other than "agent"
  new Agent({ apiKey: "k", callerType: "service" });
  // @ts-expect-error pathParams values are strings
  await app.request("GET", "https://x.test", { grantId: "g", pathParams: { id: 1 } });

  // Strict options (design rule 11): the slips the runtime refuses do not compile either.
  await app.request("GET", "https://x.test", { provider: Provider.GOOGLE, label: "work", appUserId: "u1" });
  await app.request("GET", "https://x.test", { provider: "cal-com", json: [1] });
  const byGrant: RequestOptions = { grantId: "g", account: "a", body: "raw" };
  void byGrant;
  // @ts-expect-error grantId and provider are mutually exclusive
  await app.request("GET", "https://x.test", { grantId: "g", provider: "google" });
  // @ts-expect-error one of grantId / provider is required
  await app.request("GET", "https://x.test", { reason: "r" });
  // @ts-expect-error label needs provider
  await app.request("GET", "https://x.test", { grantId: "g", label: "work" });
  // @ts-expect-error json and body are mutually exclusive
  await app.request("POST", "https://x.test", { grantId: "g", json: {}, body: "x" });
  // @ts-expect-error headers is extraHeaders
  await app.request("GET", "https://x.test", { grantId: "g", headers: { A: "b" } });
  // @ts-expect-error query_params is queryParams
  await app.request("GET", "https://x.test", { grantId: "g", query_params: { q: "x" } });
  // @ts-expect-error jsonBody is json
  await app.request("POST", "https://x.test", { grantId: "g", jsonBody: {} });
  // @ts-expect-error grant_id is grantId
  await app.request("GET", "https://x.test", { grant_id: "g" });
  // @ts-expect-error a call has no timeout (the client's, or signal: AbortSignal.timeout(ms))
  await app.request("GET", "https://x.test", { grantId: "g", timeout: 5000 });
  // @ts-expect-error baseURL is baseUrl
  new App({ apiKey: "k", baseURL: "https://x" });
  // @ts-expect-error userTokenGeter is userTokenGetter
  new App({ apiKey: "k", userTokenGeter: () => jwt });
  // @ts-expect-error api_key is apiKey
  new App({ api_key: "k" });
  // @ts-expect-error timeout is a number of milliseconds
  new App({ apiKey: "k", timeout: "30s" });
  // @ts-expect-error AlterVault does not compile (and throws at run time): use App / Agent
  new AlterVault({ apiKey: "k" });
  // `await using` support: the disposer is declared (and is close()).
  const dispose: () => Promise<void> = app[Symbol.asyncDispose];
  void dispose;
  // Every documented model is importable, as a class.
  const models = [TokenResponse, APICallAuditLog, IdentityContext, IdentityAssertion, MemoryScope, ProviderSpec];
  void models;
  const p: Provider = Provider.ACUITY_SCHEDULING;
  void p;
}
