// `.providerSpecs` against the dev vault's built-in spec store (api-surface.md §2.11): list, get,
// one page of operations, every page with `for await`, one operation, and the failures.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startVault } from "./helpers/vault.mjs";
import { loadSdk } from "./helpers/sdk.mjs";
import { KEYS } from "./helpers/demo.mjs";
import { spyFetch } from "./helpers/spy.mjs";

const sdk = await loadSdk();
let vault;
before(async () => {
  vault = await startVault();
});
after(async () => vault?.stop());

const app = (extra = {}) => new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, ...extra });

test("list and get", async () => {
  const a = app();
  const all = await a.providerSpecs.list();
  assert.ok(all.length >= 4 && all.every((s) => s instanceof sdk.ProviderSpec));
  const managed = await a.providerSpecs.list("managed");
  assert.ok(managed.length >= 2 && managed.every((s) => s.providerKind === "managed"));
  const google = await a.providerSpecs.get("oauth", "google");
  assert.equal(google.providerId, "google");
  assert.equal(google.operationCount, 4);
  await a.close();
});

test("listOperations: pages, search, and every page through for await", async () => {
  const a = app();
  const page = await a.providerSpecs.listOperations("oauth", "google", { limit: 1 });
  assert.ok(page instanceof sdk.SpecOperationsPage);
  assert.equal(page.items.length, 1);
  assert.equal(page.total, 4);
  assert.equal(page.hasMore, true);
  const ids = [];
  for await (const op of a.providerSpecs.listOperations.all("oauth", "google", { limit: 1 })) {
    assert.ok(op instanceof sdk.SpecOperation);
    ids.push(op.operationId);
  }
  assert.equal(ids.length, 4, "more than three pages walked");
  assert.equal(new Set(ids).size, 4);
  const found = await a.providerSpecs.listOperations("oauth", "google", { search: "send" });
  assert.deepEqual(found.items.map((o) => o.operationId), ["gmail.users.messages.send"]);
  const op = await a.providerSpecs.getOperation("oauth", "google", "calendar.events.list");
  assert.ok(op instanceof sdk.SpecOperationDetail);
  assert.equal(op.method, "GET");
  assert.equal(op.pathTemplate, "/calendar/v3/calendars/{calendarId}/events");
  await a.close();
});

test("failures: 404s, bad arguments before any I/O, the walk stops on abort", async () => {
  const spy = spyFetch();
  const a = app({ fetch: spy.fetch });
  await assert.rejects(a.providerSpecs.get("oauth", "nope"), (e) => e instanceof sdk.GrantNotFoundError && e.details.error === "provider_spec_not_found");
  await assert.rejects(a.providerSpecs.getOperation("oauth", "google", "nope"), (e) => e instanceof sdk.GrantNotFoundError && e.details.error === "operation_not_found");
  const before = spy.calls.length;
  for (const call of [
    () => a.providerSpecs.list("other"),
    () => a.providerSpecs.get("oauth", "a?b"),
    () => a.providerSpecs.get("oauth", " "),
    () => a.providerSpecs.listOperations("oauth", "google", { limit: 0 }),
    () => a.providerSpecs.listOperations("oauth", "google", { limit: 501 }),
    () => a.providerSpecs.listOperations("oauth", "google", { search: "" }),
    () => a.providerSpecs.listOperations("oauth", "google", { serch: "x" }),
    () => a.providerSpecs.getOperation("oauth", "google", "x".repeat(513)),
  ]) {
    await assert.rejects(call(), sdk.AlterValueError);
  }
  assert.equal(spy.calls.length, before, "nothing sent");
  const ac = new AbortController();
  const seen = [];
  await assert.rejects((async () => {
    for await (const op of a.providerSpecs.listOperations.all("oauth", "google", { limit: 1, signal: ac.signal })) {
      seen.push(op.operationId);
      if (seen.length === 2) ac.abort(new Error("stop"));
    }
  })(), /stop/);
  assert.equal(seen.length, 2);
  await a.close();
});
