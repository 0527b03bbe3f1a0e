// Compiled (never run) by tests/node/types.test.mjs: the declarations in js/index.d.ts must accept
// the documented usage (ts-api.md §3, §5, §9.4, §12) and reject what the docs exclude.
import {
  App, Agent, HttpMethod, CallerType, RetryInfo, AlterSDKError, AlterValueError, AmbiguousGrantError,
  PolicyViolationError, RateLimitError, ScopeReauthRequiredError, ProviderAPIError, NoDelegatedGrantError,
  TimeoutError, NetworkError, createAlterError, type AlterResponse, type RequestOptions,
} from "alter-edge";

export async function usage(jwt: string): Promise<void> {
  const app = new App({
    apiKey: "alter_rk_x",
    timeout: 30000,
    caller: "svc",
    callerType: CallerType.SERVICE,
    userTokenGetter: async () => jwt,
    logger: console,
  });
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
}
