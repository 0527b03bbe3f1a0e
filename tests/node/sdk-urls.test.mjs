// One URL end to end, against the dev vault: for a table of tricky URLs, either the call is refused
// before any I/O (AlterValueError, nothing sent), or the URL the vault was asked about (the token
// request), the URL the provider got and the URL of the audit row are one and the same, and it is
// what the runtime's own URL parser makes of it (so fetch changes nothing on the way).
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { startVault } from "./helpers/vault.mjs";
import { loadSdk } from "./helpers/sdk.mjs";
import { GRANTS, KEYS } from "./helpers/demo.mjs";
import { spyFetch } from "./helpers/spy.mjs";

const E = await loadSdk();
let vault;

before(async () => {
  vault = await startVault();
});
after(async () => vault?.stop());
beforeEach(async () => vault.reset());

function tokenUrls(spy) {
  return spy.calls.filter((c) => c.url.endsWith("/sdk/token")).map((c) => JSON.parse(c.body).request.url);
}

test("accepted URLs: the vault, the provider and the audit row see the one URL fetch sends", async () => {
  const spy = spyFetch();
  const app = new E.App({ apiKey: KEYS.full, baseUrl: vault.url, fetch: spy.fetch, logger: null, maxRetries: 0 });
  const base = `${vault.url}/mock/google`;
  const port = new URL(vault.url).port;
  const cases = [
    `${base}/calendar/v3/events`,
    `${base}/a b/"c"/<d>`,
    `${base}/caf\u00e9/x^|y`,
    `${base}/%2Fencoded/x`,
    `HTTP://127.0.0.1:${port}/mock/google/upper-scheme`,
    `http://127.0.0.1:0${port}/mock/google/leading-zero-port`,
  ];
  for (const url of cases) {
    spy.calls.length = 0;
    const res = await app.request("GET", url, { grantId: GRANTS.systemGoogle });
    assert.equal(res.status, 200, url);
    const sent = tokenUrls(spy);
    const provider = spy.calls.filter((c) => c.url.includes("/mock/")).map((c) => c.url);
    assert.equal(sent.length, 1, url);
    assert.equal(provider.length, 1, url);
    assert.equal(sent[0], provider[0], `token request and provider call differ for ${url}`);
    assert.equal(sent[0], new URL(url).href, `not what the URL parser makes of ${url}`);
  }
  await app.close();
  const rows = await vault.auditRows();
  assert.deepEqual(rows.map((r) => r.row.url), cases.map((u) => new URL(u).href), "the audit rows carry the same URLs");
});

test("URLs a parser would read differently are refused before any I/O", async () => {
  const spy = spyFetch();
  const app = new E.App({ apiKey: KEYS.full, baseUrl: vault.url, fetch: spy.fetch, logger: null });
  const base = `${vault.url}/mock/google`;
  const bad = [
    [`${base}/admin\\users\\delete`, {}],
    [`${base}/a/../admin`, {}],
    [`${base}/a/%2e%2E/admin`, {}],
    [`${base}/a/./b`, {}],
    [`${base}/a\tb`, {}],
    [`${base}/a\nb`, {}],
    [`http://user:pw@127.0.0.1:${new URL(vault.url).port}/mock/google/x`, {}],
    ["https://www.googleapis\uFF0Ecom/x", {}],
    ["https://127.1/x", {}],
    [`${base}/users/{id}/profile`, { pathParams: { id: ".." } }],
    [`${base}/users/{id}/profile`, { pathParams: { id: "." } }],
  ];
  for (const [url, extra] of bad) {
    await assert.rejects(app.request("GET", url, { grantId: GRANTS.systemGoogle, ...extra }), E.AlterValueError, JSON.stringify(url));
  }
  assert.equal(spy.calls.length, 0, "nothing was sent");
  await app.close();
  assert.equal((await vault.auditRows()).length, 0);
});
