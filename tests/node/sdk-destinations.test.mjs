// Where a credential may go: the client's `allowedHosts` (checked by the SDK itself) and the
// vault's `blocked_destination` (dev-vault/demo.toml lists each provider's hosts), against the
// dev vault. Each refusal: BlockedDestinationError, no provider call, no audit row.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { startVault } from "./helpers/vault.mjs";
import { loadSdk } from "./helpers/sdk.mjs";
import { AGENTS, GRANTS, KEYS } from "./helpers/demo.mjs";
import { spyFetch } from "./helpers/spy.mjs";

const E = await loadSdk();
const { App, Agent, BlockedDestinationError, AlterValueError } = E;
let vault;
let mockHost;

before(async () => {
  vault = await startVault();
  mockHost = new URL(vault.url).host; // 127.0.0.1:<port>
});
after(async () => vault?.stop());
beforeEach(async () => vault.reset());

function client(allowedHosts, Cls = App) {
  const spy = spyFetch();
  const c = new Cls({ apiKey: KEYS.full, baseUrl: vault.url, fetch: spy.fetch, logger: null, allowedHosts });
  return { c, spy };
}

const tokenCalls = (spy) => spy.calls.filter((x) => x.url.endsWith("/sdk/token")).length;
const providerCalls = (spy) => spy.calls.filter((x) => x.url.includes("/mock/")).length;

async function refused(p) {
  const e = await p.then(() => null, (err) => err);
  assert.ok(e instanceof BlockedDestinationError, `expected BlockedDestinationError, got ${e?.name}: ${e?.message}`);
  assert.equal(e.code, "blocked_destination");
  return e;
}

test("allowedHosts by provider: the allowed mock host works, any other host is refused after the token answer names the provider", async () => {
  const { c, spy } = client({ google: [mockHost], "*": ["api.example.com"] });
  const ok = await c.request("GET", `${vault.url}/mock/google/calendar/v3/users/me/calendarList`, { grantId: GRANTS.systemGoogle });
  assert.equal(ok.status, 200);
  // grantId mode: the provider is only known from the token answer. The vault allows a Google
  // credential for www.googleapis.com (demo.toml); this client does not, so nothing is sent.
  const e = await refused(c.request("GET", "https://www.googleapis.com/calendar/v3/x", { grantId: GRANTS.systemGoogle }));
  assert.match(e.message, /www\.googleapis\.com is not an allowed host for google/);
  await c.close();
  assert.equal(providerCalls(spy), 1, "only the allowed call reached a provider");
  assert.equal((await vault.auditRows()).length, 1, "no audit row for a call never made");
});

test("allowedHosts for every provider: hosts that only look allowed are refused, and nothing reaches a provider", async () => {
  // (A URL with user info never gets this far: it is refused before any I/O, see sdk-urls.)
  const { c, spy } = client(["www.googleapis.com"]);
  for (const url of [
    "https://evil.example/x",
    "https://www.googleapis.com.evil.example/",
    "https://www.googleapis.com:8443/x",
  ]) {
    await refused(c.request("GET", url, { grantId: GRANTS.systemGoogle }));
  }
  await c.close();
  assert.equal(providerCalls(spy), 0, "no provider call");
  assert.equal((await vault.auditRows()).length, 0, "no audit row");
});

test("allowedHosts: bad patterns are refused at construction; getAgent keeps the App's list", async () => {
  for (const bad of ["x", [1], ["https://api.example.com/"], { google: "api.example.com" }]) {
    assert.throws(() => new App({ apiKey: KEYS.full, baseUrl: vault.url, allowedHosts: bad }), AlterValueError, JSON.stringify(bad));
  }
  const { c } = client(["www.googleapis.com"]);
  // The resend grant is delegated to the email assistant; the vault allows its own mock.
  const agent = c.getAgent(AGENTS.emailAssistant);
  assert.ok(agent instanceof Agent);
  await refused(agent.request("GET", `${vault.url}/mock/resend/x`, { grantId: GRANTS.resend }));
  await c.close();
  await agent.close();
});

test("the vault's own blocked_destination: a Google credential is not released for another host", async () => {
  const { c, spy } = client(undefined);
  await refused(c.request("GET", "https://evil.example/x", { grantId: GRANTS.systemGoogle }));
  await c.close();
  assert.equal(tokenCalls(spy), 1, "the vault was asked and refused");
  assert.equal(providerCalls(spy), 0);
  assert.equal((await vault.auditRows()).length, 0);
});

test("the token answer's allowed_hosts (an extension) is honoured: another host is refused, a malformed list fails closed", async () => {
  // A fetch that adds `allowed_hosts` to the vault's token answer, as a vault that sends one would.
  const withHosts = (hosts) => async (input, init) => {
    const res = await fetch(input, init);
    if (!String(input).endsWith("/sdk/token") || res.status !== 200) return res;
    const body = await res.json();
    body.allowed_hosts = hosts;
    return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
  };
  const providerCallsOf = [];
  const counting = (inner) => async (input, init) => {
    if (String(input).includes("/mock/")) providerCallsOf.push(String(input));
    return inner(input, init);
  };
  const narrow = new App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, fetch: counting(withHosts(["www.googleapis.com"])) });
  const e = await refused(narrow.request("GET", `${vault.url}/mock/google/x`, { grantId: GRANTS.systemGoogle }));
  assert.match(e.message, /the vault's allowed_hosts/);
  const wide = new App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, fetch: counting(withHosts([mockHost])) });
  assert.equal((await wide.request("GET", `${vault.url}/mock/google/x`, { grantId: GRANTS.systemGoogle })).status, 200);
  const broken = new App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, fetch: counting(withHosts([42])) });
  await assert.rejects(broken.request("GET", `${vault.url}/mock/google/x`, { grantId: GRANTS.systemGoogle }), (err) => err instanceof E.BackendError && err.code === "malformed_response");
  await Promise.all([narrow.close(), wide.close(), broken.close()]);
  assert.equal(providerCallsOf.length, 1, "only the allowed call reached the provider");
});
