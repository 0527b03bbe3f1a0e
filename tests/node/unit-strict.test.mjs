// js/strict.js and the drop-in names without a backend (the JS layer over the fake core): the
// suggestion logic, the key table against the methods, the one-time warnings, AlterVault, Provider
// and the added models.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { ROOT, loadWithFakeCore } from "./helpers/js-under-test.mjs";

const { api, dir } = await loadWithFakeCore();
const strict = await import(pathToFileURL(join(dir, "strict.js")).href);
const KEY = "alter_rk_demoappallscopesaaaaaa_hoz64e";
const AGENT_KEY = "alter_ak_emailassistantaaaaaaaa_ofxaxb";
const NOWHERE = "http://127.0.0.1:9";

function recorder() {
  const lines = [];
  return { lines, logger: { warn: (m) => lines.push(String(m)) } };
}

test("suggestOption: aliases, snake_case, case variants, near spellings, per-method names", () => {
  const s = (method, key) => strict.suggestOption(method, key)?.to ?? null;
  // aliases of other clients and older SDKs
  assert.equal(s("request", "headers"), "extraHeaders");
  assert.equal(s("request", "jsonBody"), "json");
  assert.equal(s("request", "json_body"), "json");
  assert.equal(s("request", "params"), "queryParams");
  assert.equal(s("request", "query"), "queryParams");
  assert.equal(s("request", "connection_id"), "grantId");
  assert.equal(s("new App", "baseURL"), "baseUrl");
  assert.equal(s("new App", "fetchImpl"), "fetch");
  assert.equal(s("new App", "actor_type"), "callerType");
  // snake_case → camelCase, case and separators
  assert.equal(s("request", "query_params"), "queryParams");
  assert.equal(s("request", "grant_id"), "grantId");
  assert.equal(s("request", "GRANT_ID"), "grantId");
  assert.equal(s("request", "app-user-id"), "appUserId");
  assert.equal(s("new App", "API_KEY"), "apiKey");
  assert.equal(s("agents.update", "expected_version"), "expectedVersion");
  assert.equal(s("listGrants", "end_user_token"), "endUserToken");
  // near spellings (edit distance, adjacent swaps)
  assert.equal(s("new App", "userTokenGeter"), "userTokenGetter");
  assert.equal(s("new App", "userTokenGtter"), "userTokenGetter");
  assert.equal(s("new App", "calerType"), "callerType");
  assert.equal(s("request", "pathPrams"), "pathParams");
  assert.equal(s("request", "raeson"), "reason");
  // the same name means different things on different methods
  assert.equal(s("request", "providerId"), "provider");
  assert.equal(s("listGrants", "provider"), "providerId");
  assert.equal(s("new App", "timeoutMs"), "timeout");
  assert.equal(s("awaitApproval", "timeout"), "timeoutMs");
  assert.equal(s("awaitApproval", "pollInterval"), "pollIntervalMs");
  assert.equal(s("getApprovalStatus", "timeout"), "wait");
  assert.equal(s("createConnectSession", "agentId"), "agent");
  // a known name that starts or ends with it; one name in two spellings is no tie
  assert.equal(s("keys.derive", "expires"), "expiresIn");
  assert.equal(s("request", "token"), "userToken");
  assert.equal(strict.suggestOption("", "user_tokn", ["type", "userToken", "user_token", "label"])?.to, "userToken");
  assert.equal(strict.didYouMean("maxTtl", ["expiresAt", "maxTtlSeconds", "defaultTtlSeconds"]), '; did you mean "maxTtlSeconds"?');
  assert.equal(strict.didYouMean("zzz", ["label"]), "");
  // nothing close: no guess
  assert.equal(strict.suggestOption("request", "xyz"), null);
  assert.equal(strict.suggestOption("request", "colour"), null);
});

test("editDistance counts an adjacent swap as one edit and stops past the cap", () => {
  assert.equal(strict.editDistance("reason", "raeson"), 1);
  assert.equal(strict.editDistance("abc", "abc"), 0);
  assert.equal(strict.editDistance("kitten", "sitting"), 3);
  assert.ok(strict.editDistance("a", "abcdefgh", 2) > 2);
});

test("checkOptionKeys: every unknown key named; undefined values count; non-objects are left alone", () => {
  assert.throws(() => strict.checkOptionKeys("request", { grant_id: "g", headers: undefined }), (e) => {
    assert.ok(e instanceof api.AlterValueError);
    assert.equal(e.code, "unknown_option");
    assert.match(e.message, /"grant_id"; did you mean "grantId"\?/);
    assert.match(e.message, /"headers"; did you mean "extraHeaders"\?/);
    assert.deepEqual(e.details.unknown_options, ["grant_id", "headers"]);
    assert.deepEqual(e.details.suggestions, { grant_id: "grantId", headers: "extraHeaders" });
    return true;
  });
  assert.throws(() => strict.checkOptionKeys("request", { zzz: 1 }), /Known options: grantId, provider/);
  assert.throws(() => strict.checkOptionKeys("awaitApproval", { timeout: 300 }), /timeoutMs: 300000/);
  for (const v of [undefined, null, "s", 1, [1]]) strict.checkOptionKeys("request", v);
  strict.checkOptionKeys("request", { grantId: "g", json: {}, extraHeaders: {}, signal: undefined });
  strict.checkOptionKeys("request", Object.create(null));
});

test("the key table covers every options-taking method and lists only names the methods read", async () => {
  const { readFileSync } = await import("node:fs");
  const src = ["ns/approvals.js", "ns/grants.js", "ns/connect.js", "ns/agents.js", "ns/keys.js", "ns/providers.js", "ns/specs.js", "ns/identity.js", "trace.js", "ns/constraints.js", "ns/spans.js", "client.js", "options.js", "adapters/express.js", "adapters/hono.js", "adapters/ai.js"]
    .map((f) => readFileSync(join(ROOT, "js", f), "utf8")).join("\n");
  // Every optionsOf("name", ...) call has a table entry.
  for (const m of src.matchAll(/optionsOf\("([\w.]+)"/g)) assert.ok(strict.OPTION_KEYS[m[1]], `table entry for ${m[1]}`);
  // Every listed name is read somewhere (o.name / options.name / a destructured name / "name").
  for (const [method, keys] of Object.entries(strict.OPTION_KEYS)) {
    for (const k of keys) {
      assert.ok(new RegExp(`\\.${k}\\b|\\b${k}\\b[,:} ]|"${k}"`).test(src), `${method}: ${k} is read by the method`);
    }
  }
});

test("strict before I/O: constructors, request, namespaces, nested helpers refuse unknown names", async () => {
  let fetched = 0;
  const fetch = async () => {
    fetched++;
    throw new Error("no I/O expected");
  };
  const app = new api.App({ apiKey: KEY, baseUrl: NOWHERE, logger: null, fetch });
  const agent = new api.Agent({ apiKey: AGENT_KEY, baseUrl: NOWHERE, logger: null, fetch });
  const cases = [
    () => new api.App({ apiKey: KEY, baseURL: NOWHERE }),
    () => new api.Agent({ apiKey: AGENT_KEY, timeout_ms: 1000 }),
    () => app.request("GET", "https://x.test", { grantId: "g", headers: {} }),
    () => app.proxyRequest({ method: "GET", url: "https://x.test", grantId: "g", query: {} }),
    () => app.awaitApproval("a", { timeout: 1 }),
    () => app.getApprovalStatus("a", { timeoutMs: 1 }),
    () => app.listGrants({ provider: "google" }),
    () => app.revokeGrant("6a000000-0000-4000-8000-000000000006", { reasons: "x" }),
    () => app.mintGrant("g", { label: "l", tags: [] }),
    () => agent.delegate("g", "a", { ttl: 5 }),
    () => app.revokeDelegation("6a000000-0000-4000-8000-000000000006", { agent_id: "a9e00000-0000-4000-8000-000000000001" }),
    () => app.createConnectSession({ providers: ["google"] }),
    () => app.pollConnectSession("t", { poll_interval: 1 }),
    () => app.createConnectSessionForError(new api.NoDelegatedGrantError("x"), { return_url: "u" }),
    () => app.createManagedSecretConnectSession({ provider: "p", userToken: "t", ttl: 5 }),
    () => app.pollAuthSession("t", { interval: 5 }),
    () => app.agents.create({ name: "n", display_name: "N" }),
    () => app.agents.list({ include_revoked: true }),
    () => app.agents.update("a", { expected_version: 1 }),
    () => app.agents.revokeKey("a", "k", { forced: true }),
    () => app.keys.derive({ scopes: ["a:b"], expires_in: 5 }),
    () => app.keys.rotate({ key_id: "k" }),
    () => app.keys.revoke({ keyId: "k", forced: true }),
    () => app.oauthProviders.list({ force_refresh: true }),
    () => app.withConstraints({ scope: ["a:b"] }),
    () => api.contentMatchRule({ family: ["read"] }),
    () => agent.trace({ runID: "r" }, () => 1),
    () => agent.spans.emit([{ traceId: "t", name: "n", startTime: new Date(), attribute: { a: "b" } }]),
  ];
  for (const run of cases) {
    await assert.rejects(Promise.resolve().then(run), (e) => e instanceof api.AlterValueError && e.code === "unknown_option" && /did you mean/.test(e.message), String(run));
  }
  assert.equal(fetched, 0);
  // trace metadata stays free-form
  assert.equal(await agent.trace({ runId: "r", role: "writer", step: "2" }, () => 7), 7);
  await app.close();
  await agent.close();
});

test("nested objects that check their own keys name the right one too", async () => {
  const app = new api.App({ apiKey: KEY, baseUrl: NOWHERE, logger: null, fetch: async () => { throw new Error("no I/O expected"); } });
  const cases = [
    [() => app.mintGrant("g", { label: "l", grantPolicy: { maxTtl: 5 } }), /unknown key "maxTtl"; did you mean "maxTtlSeconds"\?/],
    [() => app.createManagedSecretGrant("m", { principal: { type: "user", user_tokn: "x", label: "l" } }), /did you mean "userToken"\?/],
    [() => app.createConnectSession({ requestedGrant: { lable: "x" } }), /did you mean "label"\?/],
    [() => app.createConnectSession({ metadata: { ipAdress: "1" } }), /did you mean "ipAddress"\?/],
    [() => app.withConstraints({ rule: { type: "content_match", ruleBody: {} } }), /did you mean "ruleType"\?/],
  ];
  for (const [run, re] of cases) await assert.rejects(Promise.resolve().then(run), (e) => e instanceof api.AlterValueError && re.test(e.message));
  await app.close();
});

test("one-time warnings: a constructor timeout below 100 ms (once per process); never from a throwing logger", () => {
  const rec = recorder();
  new api.App({ apiKey: KEY, baseUrl: NOWHERE, timeout: 20, logger: null }); // silenced: does not use up the one time
  new api.App({ apiKey: KEY, baseUrl: NOWHERE, timeout: 30, logger: rec.logger });
  new api.Agent({ apiKey: AGENT_KEY, baseUrl: NOWHERE, timeout: 10, logger: rec.logger });
  new api.App({ apiKey: KEY, baseUrl: NOWHERE, timeout: 100, logger: rec.logger });
  assert.equal(rec.lines.length, 1);
  assert.match(rec.lines[0], /30 milliseconds/);
  assert.match(rec.lines[0], /seconds/);
  assert.match(rec.lines[0], /timeout: 30000/);
  // warnOnce latches before logging: a logger that throws neither breaks the call nor repeats
  let n = 0;
  const boom = { warn: () => { n++; throw new Error("logger down"); } };
  assert.equal(strict.warnOnce(boom, "unit-test-id", "m"), true);
  assert.equal(strict.warnOnce(boom, "unit-test-id", "m"), false);
  assert.equal(n, 1);
});

test("request({ grantId }) on App.getAgent() warns once; a provider call does not", async () => {
  const rec = recorder();
  const app = new api.App({ apiKey: KEY, baseUrl: NOWHERE, logger: rec.logger });
  const imp = app.getAgent("a9e00000-0000-4000-8000-000000000001");
  const swallow = (p) => p.then(() => {}, () => {});
  await swallow(imp.request("GET", "https://x.test", { provider: "google", userToken: "jwt" }));
  assert.equal(rec.lines.length, 0);
  await swallow(imp.request("GET", "https://x.test", { grantId: "6a000000-0000-4000-8000-000000000006" }));
  await swallow(imp.trace({ runId: "r" }, (scoped) => scoped.request("GET", "https://x.test", { grantId: "6a000000-0000-4000-8000-000000000006" })));
  assert.equal(rec.lines.length, 1);
  assert.match(rec.lines[0], /impersonation/);
  await app.close();
  await imp.close();
});

test("AlterVault throws AlterSDKError with the App / Agent split and an example", () => {
  assert.equal(typeof api.AlterVault, "function");
  assert.throws(() => new api.AlterVault({ apiKey: KEY }), (e) => {
    assert.ok(e instanceof api.AlterSDKError);
    assert.equal(e.code, "alter_vault_removed");
    assert.match(e.message, /new App\(\{ apiKey/);
    assert.match(e.message, /new Agent\(\{ apiKey/);
    assert.match(e.message, /request\(method, url, \{ grantId \}\)/);
    return true;
  });
});

test("Provider: the Python SDK 0.29.0 members (71) plus AWS and SHOPIFY, slug values, frozen", () => {
  const P = api.Provider;
  assert.equal(Object.keys(P).length, 73);
  assert.ok(Object.isFrozen(P));
  assert.equal(P.CAL_COM, "cal-com");
  assert.equal(P.ACUITY_SCHEDULING, "acuity-scheduling");
  assert.equal(P.CONSTANT_CONTACT, "constant-contact");
  assert.equal(P.GOOGLE, "google");
  for (const [k, v] of Object.entries(P)) assert.equal(k.toLowerCase().replace(/_/g, "-"), v, k);
});

test("added models: frozen, camelCase from snake_case, toJSON round trip, no token plaintext in toString", () => {
  const tr = new api.TokenResponse({ grant_id: "g", provider_id: "google", scopes: ["a"], expires_in: 60, access_token: "SECRET" });
  assert.equal(tr.grantId, "g");
  assert.equal(tr.tokenType, "Bearer");
  assert.equal(tr.injectionHeader, "Authorization");
  assert.ok(!JSON.stringify(tr).includes("SECRET"), "a token on the wire is never kept");
  assert.ok(Object.isFrozen(tr));
  const log = new api.APICallAuditLog({ grant_id: "g", method: "GET", url: "https://x", response_status: 200, latency_ms: 5 });
  assert.equal(log.latencyMs, 5);
  assert.deepEqual(new api.APICallAuditLog(log.toJSON()).toJSON(), log.toJSON());
  const page = new api.SpecOperationsPage({ items: [{ operation_id: "o", method: "GET", path_template: "/x" }], total: 1, spec: { provider_kind: "oauth", provider_id: "google" } });
  assert.ok(page.items[0] instanceof api.SpecOperation);
  assert.ok(page.spec instanceof api.ProviderSpec);
  assert.equal(page.toJSON().spec.provider_id, "google");
  const detail = new api.SpecOperationDetail({ operation_id: "o", spec: { provider_kind: "managed", provider_id: "p" } });
  assert.equal(detail.spec.providerKind, "managed");
  const ia = new api.IdentityAssertion({ token: "jws.token.sig", expires_at: "2030-01-01T00:00:00Z", identity: { app_id: "app", group_ids: ["g"], trace: { run_id: "r" } } });
  assert.ok(ia.identity instanceof api.IdentityContext);
  assert.ok(ia.identity.trace instanceof api.IdentityTrace);
  assert.equal(ia.identity.trace.runId, "r");
  assert.doesNotMatch(String(ia), /jws\.token/);
  const ms = new api.MemoryScope({ app_key: "a", namespace: ["x", "y"], partition_key: "p" });
  assert.deepEqual([...ms.namespace], ["x", "y"]);
  assert.throws(() => new api.ProviderSpec({ provider_id: "x" }), api.BackendError);
  assert.throws(() => new api.IdentityContext({}), api.BackendError);
});

test("Symbol.asyncDispose is close()", async () => {
  const app = new api.App({ apiKey: KEY, baseUrl: NOWHERE, logger: null });
  assert.equal(typeof app[Symbol.asyncDispose], "function");
  await app[Symbol.asyncDispose]();
  assert.equal(app.closed, true);
});
