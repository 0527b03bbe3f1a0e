// One conformance script for every runtime (Node ESM, Node CJS, Deno, workerd): it gets the
// package's exports (however the runtime imported them) and the dev vault's URL, talks to the
// vault only through `fetch` (so it runs in workerd too), and returns a list of check results.
// Nothing here imports a module: the caller passes everything in.
//
// Checks (each can fail; none is timed):
//   exports                the public names exist, the error tree is connected
//   grant_mode             grantId → mock provider saw the system grant's credential
//   provider_mode_getter   provider + JWT (admin API) via an async userTokenGetter → alice's grant
//   provider_mode_token    provider + per-call userToken → bob's grant
//   error_grant_not_found  unknown grant → GrantNotFoundError (instanceof, code, status)
//   error_value            grantId + account → AlterValueError (instanceof), before any I/O
//   error_provider         provider 500 → ProviderAPIError (instanceof, status)
//   credential_absent      the credentials the vault issued (seen by a spying `fetch` option on
//                          the /sdk/token answers) appear in no response, error or audit row
//   audit_after_close      after close() every call of this run has its audit row in the vault
//   isolation_token        20 concurrent calls, users user-001..020, per-call userToken
//   isolation_getter       the same through a userTokenGetter reading AsyncLocalStorage (only
//                          where the runtime has it; else reported as skipped); the `fetch`
//                          option runs in each caller's context too: the store it reads is the
//                          user whose token the /sdk/token call carries, and, with all N token
//                          answers released in one callback (so the core's tasks wake together),
//                          the user whose credential the provider call carries
//   trace                  5 concurrent agent.trace() runs: a call on the client handed to the
//                          callback carries its run's context (audit row `context.run_id`, the
//                          agent) everywhere; a call on the Agent itself carries it only where the
//                          runtime has AsyncLocalStorage, else none (never another run's); a call
//                          outside any run carries none
//   env_config             Node/Deno (`expectEnvBaseUrl`): new App({ apiKey }) takes the base URL
//                          from the runtime's environment (process.env / Deno.env); Workers
//                          (`envBindings`): an App configured from the env bindings works

export const KEY = "alter_rk_demoappallscopesaaaaaa_hoz64e";
export const ADMIN_TOKEN = "dev-admin-token";
export const SYSTEM_GOOGLE = "6a000000-0000-4000-8000-000000000006";
export const ALICE_GOOGLE = "6a000000-0000-4000-8000-000000000001";
export const BOB_GOOGLE = "6a000000-0000-4000-8000-000000000002";
export const UNKNOWN_GRANT = "6a000000-0000-4000-8000-0000000000ff";
export const AGENT_KEY = "alter_ak_emailassistantaaaaaaaa_ofxaxb"; // email-assistant
export const RESEND_GRANT = "6a000000-0000-4000-8000-000000000011"; // delegated to email-assistant
export const userName = (n) => `user-${String(n).padStart(3, "0")}`;
export const userGoogleGrant = (n) => `6a000000-0000-4000-8000-100000000${String(n).padStart(3, "0")}`;

class CheckFailed extends Error {}
function expect(cond, what) {
  if (!cond) throw new CheckFailed(what);
}

/** Admin API client of the dev vault (plain fetch). */
export function adminClient(vaultUrl, fetchImpl = globalThis.fetch) {
  const call = async (method, path, body) => {
    const res = await fetchImpl(vaultUrl + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`admin ${method} ${path} → ${res.status}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    call,
    token: async (sub) => (await call("POST", "/admin/idp/token", { sub })).token,
    auditRows: async () => (await call("GET", "/admin/audit")).rows,
  };
}

/** Every string reachable from an error object (own props, details, stack, toString, JSON). */
function errorStrings(err) {
  const out = [];
  try { out.push(String(err)); } catch { /* ignore */ }
  try { out.push(JSON.stringify(err)); } catch { /* ignore */ }
  if (err && typeof err === "object") {
    out.push(String(err.stack ?? ""));
    for (const k of Object.getOwnPropertyNames(err)) {
      try { out.push(typeof err[k] === "string" ? err[k] : JSON.stringify(err[k]) ?? ""); } catch { /* ignore */ }
    }
  }
  return out.join("\n");
}

async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new CheckFailed("expected the call to reject, it resolved");
}

/** The AsyncLocalStorage class of this runtime, or null (workerd without nodejs_als). */
async function findAls() {
  if (typeof globalThis.AsyncLocalStorage === "function") return globalThis.AsyncLocalStorage;
  try {
    const m = globalThis.process?.getBuiltinModule?.("node:async_hooks");
    if (m?.AsyncLocalStorage) return m.AsyncLocalStorage;
  } catch { /* none */ }
  try {
    const spec = ["node", "async_hooks"].join(":");
    const m = await import(spec);
    if (m?.AsyncLocalStorage) return m.AsyncLocalStorage;
  } catch { /* none */ }
  return null;
}

/**
 * Run the checks. `sdk` = the package's exports; `vaultUrl` = dev vault base URL; `runtime` = a
 * label; `marker` = unique per run (tags the audit rows); `expectEnvBaseUrl` = true where the
 * runtime's environment holds ALTER_BASE_URL = vaultUrl; `envBindings` = a Worker's `env`;
 * `asyncHooks` = the consumer's own `node:async_hooks` where only a static import reaches it
 * (Vercel Edge), else found here.
 */
export async function runConformance({ sdk, vaultUrl, runtime, marker = `${runtime}-${Date.now()}`, expectEnvBaseUrl = false, envBindings = null, asyncHooks = null }) {
  const results = [];
  const admin = adminClient(vaultUrl);
  const provider = `${vaultUrl}/mock/google`;
  const reason = (what) => `conformance ${marker} ${what}`;
  const check = async (name, fn) => {
    try {
      const detail = await fn();
      results.push({ name, ok: detail !== "skipped", skipped: detail === "skipped", detail: detail ?? "" });
    } catch (e) {
      results.push({ name, ok: false, detail: e instanceof CheckFailed ? e.message : `threw ${e?.name}: ${e?.message}` });
    }
  };

  // The spy: the `fetch` option is used for backend and provider calls; it records every access
  // token the vault hands out (so the test knows the secrets it must not find anywhere).
  const secrets = new Set();
  const spyFetch = async (input, init) => {
    const res = await globalThis.fetch(input, init);
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url.includes("/sdk/token") && res.ok) {
      try {
        const j = await res.clone().json();
        if (typeof j.access_token === "string") secrets.add(j.access_token);
        for (const v of Object.values(j.additional_credentials ?? {})) if (typeof v === "string") secrets.add(v);
      } catch { /* not JSON: the SDK reports it */ }
    }
    return res;
  };
  const app = new sdk.App({ apiKey: KEY, baseUrl: vaultUrl, fetch: spyFetch, logger: null });
  const seen = []; // strings the caller could reach: response bodies, headers, error texts

  await check("exports", () => {
    for (const n of ["App", "Agent", "HttpMethod", "AlterSDKError", "AlterValueError", "GrantNotFoundError", "ProviderAPIError", "BackendError"]) {
      expect(n in sdk, `missing export ${n}`);
    }
    expect(sdk.GrantNotFoundError.prototype instanceof sdk.BackendError, "GrantNotFoundError extends BackendError");
    expect(sdk.AlterValueError.prototype instanceof sdk.AlterSDKError, "AlterValueError extends AlterSDKError");
    return "";
  });

  await check("grant_mode", async () => {
    const res = await app.request(sdk.HttpMethod.GET, `${provider}/calendar/v3/events`, {
      grantId: SYSTEM_GOOGLE, queryParams: { maxResults: 3 }, reason: reason("grant_mode"),
    });
    const text = await res.text();
    seen.push(text, JSON.stringify([...res.headers]));
    expect(res.status === 200, `status ${res.status}`);
    const j = JSON.parse(text);
    expect(j.grant_id === SYSTEM_GOOGLE && j.user === "system" && j.credential_ok === true, `mock saw ${text}`);
    expect(j.query?.maxResults === "3", `query ${JSON.stringify(j.query)}`);
    return `user=${j.user}`;
  });

  // A small answer with a Content-Length comes back as a Response rebuilt around the bytes the SDK
  // read once (js/io.js): status, headers (Set-Cookie included) and body must be the provider's.
  await check("response_rebuilt_intact", async () => {
    const res = await app.request(sdk.HttpMethod.GET, `${provider}/set-cookie`, { grantId: SYSTEM_GOOGLE, reason: reason("rebuilt") });
    const text = await res.text();
    seen.push(text, JSON.stringify([...res.headers]));
    expect(res instanceof Response, "a Response");
    expect(res.status === 200 && res.ok, `status ${res.status}`);
    const cookies = typeof res.headers.getSetCookie === "function" ? res.headers.getSetCookie() : [res.headers.get("set-cookie")];
    expect(cookies.includes("mock_session=1; Path=/"), `set-cookie ${JSON.stringify(cookies)}`);
    expect(/json/.test(res.headers.get("content-type") ?? ""), `content-type ${res.headers.get("content-type")}`);
    expect(res.headers.get("content-length") === String(new TextEncoder().encode(text).length), `content-length ${res.headers.get("content-length")} for ${text.length} bytes`);
    expect(JSON.parse(text).cookie === "set", `body ${text}`);
    expect(res.url === `${provider}/set-cookie`, `url ${res.url}`);
    return `${cookies.length} cookie`;
  });

  const aliceJwt = await admin.token("alice");
  const bobJwt = await admin.token("bob");
  await check("provider_mode_getter", async () => {
    const a = new sdk.App({
      apiKey: KEY, baseUrl: vaultUrl, fetch: spyFetch, logger: null,
      userTokenGetter: async () => aliceJwt,
    });
    try {
      const res = await a.request("GET", `${provider}/gmail/v1/messages`, { provider: "google", reason: reason("getter") });
      const j = await res.json();
      seen.push(JSON.stringify(j));
      expect(j.user === "alice" && j.grant_id === ALICE_GOOGLE, `mock saw user=${j.user} grant=${j.grant_id}`);
      return `user=${j.user}`;
    } finally {
      await a.close();
    }
  });

  await check("provider_mode_token", async () => {
    const res = await app.request("GET", `${provider}/gmail/v1/messages`, { provider: "google", userToken: bobJwt, reason: reason("token") });
    const j = await res.json();
    seen.push(JSON.stringify(j));
    expect(j.user === "bob" && j.grant_id === BOB_GOOGLE, `mock saw user=${j.user} grant=${j.grant_id}`);
    return `user=${j.user}`;
  });

  await check("error_grant_not_found", async () => {
    const e = await rejection(app.request("GET", `${provider}/x`, { grantId: UNKNOWN_GRANT, reason: reason("404") }));
    seen.push(errorStrings(e));
    expect(e instanceof sdk.GrantNotFoundError, `got ${e?.name} (${e?.constructor?.name})`);
    expect(e instanceof sdk.BackendError && e instanceof sdk.AlterSDKError && e instanceof Error, "parent classes");
    expect(e.name === "GrantNotFoundError" && e.code === "grant_not_found" && e.status === 404, `name=${e.name} code=${e.code} status=${e.status}`);
    return e.code;
  });

  await check("error_value", async () => {
    const e = await rejection(app.request("GET", `${provider}/x`, { grantId: SYSTEM_GOOGLE, account: "a@b.c" }));
    expect(e instanceof sdk.AlterValueError && e instanceof sdk.AlterSDKError, `got ${e?.name}: ${e?.message}`);
    return e.name;
  });

  await check("error_provider", async () => {
    const e = await rejection(app.request("GET", `${provider}/status/500`, { grantId: SYSTEM_GOOGLE, reason: reason("provider500") }));
    seen.push(errorStrings(e));
    expect(e instanceof sdk.ProviderAPIError && e instanceof sdk.AlterSDKError, `got ${e?.name}`);
    expect(e.status === 500, `status ${e.status}`);
    return e.name;
  });

  // Concurrent identities: each call must reach the provider with its own user's credential.
  const N = 20;
  const jwts = await Promise.all(Array.from({ length: N }, (_, i) => admin.token(userName(i + 1))));
  const verify = (bodies) => {
    const wrong = [];
    bodies.forEach((j, i) => {
      if (j.user !== userName(i + 1) || j.grant_id !== userGoogleGrant(i + 1)) wrong.push(`${userName(i + 1)}→${j.user}`);
    });
    expect(wrong.length === 0, `crossed identities: ${wrong.join(", ")}`);
    return `${N} users ok`;
  };

  await check("isolation_token", async () => {
    const bodies = await Promise.all(jwts.map(async (jwt, i) => {
      const res = await app.request("GET", `${provider}/calendar/v3/events`, {
        provider: "google", userToken: jwt, queryParams: { i: String(i) }, reason: reason("iso-token"),
      });
      return res.json();
    }));
    seen.push(JSON.stringify(bodies));
    return verify(bodies);
  });

  await check("isolation_getter", async () => {
    const Als = await findAls();
    if (!Als) return "skipped";
    const store = new Als();
    // The SDK calls `fetch` from its core's task queue: it must still run in the caller's context.
    let tokenCalls = 0;
    let providerCalls = 0;
    const crossed = [];
    const userOfCredential = new Map();
    const held = [];
    const releaseAll = () => { for (const r of held.splice(0)) r(); };
    const holdTimer = setTimeout(releaseAll, 5000); // never hang if fewer than N calls come
    const ctxFetch = async (input, init) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      if (url.includes("/sdk/token")) {
        tokenCalls++;
        let sent = null;
        try { sent = JSON.parse(init.body).user_token; } catch { /* reported below */ }
        if (sent !== store.getStore()) crossed.push(`token call ${tokenCalls}`);
        const res = await spyFetch(input, init);
        try { userOfCredential.set((await res.clone().json()).access_token, sent); } catch { /* reported below */ }
        // Hold the answers and release all N in one callback: the core's tasks then wake together.
        await new Promise((r) => {
          held.push(r);
          if (held.length === N) releaseAll();
        });
        return res;
      }
      if (url.includes("/mock/google/")) {
        providerCalls++;
        const auth = new Headers(init?.headers).get("authorization") ?? "";
        const user = userOfCredential.get(auth.replace(/^Bearer /, ""));
        if (user === undefined || user !== store.getStore()) crossed.push(`provider call ${providerCalls}`);
      }
      return spyFetch(input, init);
    };
    const a = new sdk.App({
      apiKey: KEY, baseUrl: vaultUrl, fetch: ctxFetch, logger: null,
      userTokenGetter: async () => {
        await null; // an await inside the getter, as a real one that verifies the JWT would have
        return store.getStore();
      },
    });
    try {
      const bodies = await Promise.all(jwts.map((jwt, i) => store.run(jwt, async () => {
        await new Promise((r) => setTimeout(r, (i * 7) % 5)); // interleave the requests
        const res = await a.request("GET", `${provider}/calendar/v3/events`, { provider: "google", reason: reason("iso-getter") });
        return res.json();
      })));
      seen.push(JSON.stringify(bodies));
      expect(tokenCalls === N && providerCalls === N, `fetch saw ${tokenCalls} token and ${providerCalls} provider calls`);
      expect(crossed.length === 0, `fetch ran outside its caller's context: ${crossed.slice(0, 5).join(", ")} (${crossed.length} of ${2 * N})`);
      return verify(bodies);
    } finally {
      clearTimeout(holdTimer);
      await a.close();
    }
  });

  await check("trace", async () => {
    const hasAls = (asyncHooks?.AsyncLocalStorage ?? (await findAls())) != null;
    const agent = new sdk.Agent({ apiKey: AGENT_KEY, baseUrl: vaultUrl, logger: null });
    const ping = `${vaultUrl}/mock/resend/ping`;
    const RUNS = 5;
    const runId = (r) => `${marker}-run-${r}`;
    try {
      const results = await Promise.all(Array.from({ length: RUNS }, (_, r) => agent.trace({ runId: runId(r), threadId: `t${r}` }, async (scoped) => {
        await new Promise((res) => setTimeout(res, (r * 7) % 5)); // interleave the runs
        await scoped.request("GET", ping, { grantId: RESEND_GRANT, reason: reason(`trace-scoped-${r}`) });
        await agent.request("GET", ping, { grantId: RESEND_GRANT, reason: reason(`trace-ambient-${r}`) });
        return r;
      })));
      expect(results.join() === "0,1,2,3,4", `trace() resolved to ${JSON.stringify(results)}`);
      await agent.request("GET", ping, { grantId: RESEND_GRANT, reason: reason("trace-outside") });
    } finally {
      await agent.close();
    }
    const rows = (await admin.auditRows()).filter((x) => String(x.row?.reason ?? "").startsWith(reason("trace-")));
    const ctxOf = (what) => rows.find((x) => x.row.reason === reason(what))?.row.context ?? null;
    expect(rows.length === 2 * RUNS + 1, `${rows.length} audit rows for ${2 * RUNS + 1} calls`);
    const wrong = [];
    for (let r = 0; r < RUNS; r++) {
      const s = ctxOf(`trace-scoped-${r}`);
      if (s?.run_id !== runId(r) || s?.thread_id !== `t${r}` || !/^agent-local-/.test(s?.agent ?? "")) wrong.push(`scoped ${r}: ${JSON.stringify(s)}`);
      const a = ctxOf(`trace-ambient-${r}`);
      if (hasAls ? a?.run_id !== runId(r) : a !== null) wrong.push(`ambient ${r}: ${JSON.stringify(a)}`);
    }
    if (ctxOf("trace-outside") !== null) wrong.push(`outside: ${JSON.stringify(ctxOf("trace-outside"))}`);
    expect(wrong.length === 0, `wrong run context: ${wrong.join("; ")}`);
    return hasAls
      ? `${RUNS} concurrent runs: scoped and ambient (AsyncLocalStorage) calls carry their own run`
      : `no AsyncLocalStorage: the scoped client carries its run, the Agent's own calls none`;
  });

  await check("env_config", async () => {
    if (envBindings) {
      // Workers: no process environment; the bindings object handed to fetch() is the config.
      const a = new sdk.App({ apiKey: envBindings.ALTER_API_KEY, baseUrl: envBindings.ALTER_BASE_URL, logger: null });
      try {
        const res = await a.request("GET", `${provider}/x`, { grantId: SYSTEM_GOOGLE, reason: reason("env") });
        expect(res.status === 200 && (await res.json()).user === "system", `status ${res.status}`);
      } finally {
        await a.close();
      }
      return "App from the Worker's env bindings";
    }
    if (!expectEnvBaseUrl) return "skipped";
    const a = new sdk.App({ apiKey: KEY, logger: null });
    const got = String(a.baseUrl).replace(/\/+$/, "");
    expect(got === vaultUrl.replace(/\/+$/, ""), `baseUrl ${got}`);
    return `ALTER_BASE_URL from the environment: ${got}`;
  });

  await app.close();

  await check("audit_after_close", async () => {
    const rows = (await admin.auditRows()).filter((r) => String(r.row?.reason ?? "").startsWith(`conformance ${marker} `));
    const by = (what) => rows.filter((r) => r.row.reason === reason(what));
    // Calls that reached the provider: grant_mode, getter, token, provider500, 2×N isolation (getter only with ALS).
    expect(by("grant_mode").length === 1, `grant_mode rows ${by("grant_mode").length}`);
    expect(by("getter").length === 1 && by("token").length === 1, "provider-mode rows");
    expect(by("provider500").length === 1 && by("provider500")[0].row.response_status === 500, "provider 500 row");
    expect(by("iso-token").length === N, `iso-token rows ${by("iso-token").length}`);
    expect(by("404").length === 0, "a call that never reached the provider has no row");
    seen.push(JSON.stringify(rows));
    return `${rows.length} rows`;
  });

  await check("credential_absent", () => {
    expect(secrets.size >= 3, `the spy saw only ${secrets.size} credentials`);
    const hay = seen.join("\n");
    let leaks = 0;
    for (const s of secrets) if (hay.includes(s)) leaks++;
    expect(leaks === 0, `${leaks} credential(s) found in responses/errors/audit rows`);
    return `${secrets.size} credentials, ${seen.length} texts`;
  });

  return { runtime, results };
}

/** Human-readable lines + overall status. */
export function summarize({ runtime, results }) {
  const lines = results.map((r) => `${r.ok ? "ok  " : r.skipped ? "skip" : "FAIL"} ${runtime} ${r.name}${r.detail ? ` — ${r.detail}` : ""}`);
  const failed = results.filter((r) => !r.ok && !r.skipped).length;
  return { lines, failed };
}
