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
