// Issue 5: contentMatchRule (api-surface §1.9) — rules it builds pass the dev vault's request-rule
// validator (which checks the same bounds) through withConstraints; out-of-bounds input is refused
// locally with AlterValueError.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { loadSdk } from "./helpers/sdk.mjs";
import { startVault } from "./helpers/vault.mjs";
import { GRANTS, KEYS } from "./helpers/demo.mjs";

let sdk, vault;
before(async () => {
  sdk = await loadSdk();
  vault = await startVault();
});
after(async () => vault?.stop());

test("rules built by contentMatchRule are accepted by the vault's validator", async () => {
  const app = new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
  const rules = [
    sdk.contentMatchRule({ families: ["delete"] }),
    sdk.contentMatchRule({ operations: ["gmail.users.messages.send"], effect: "redact", redactFields: ["body", "subject"] }),
    sdk.contentMatchRule({ families: ["payment"], effect: "step_up", maxSessionAgeSeconds: 600, params: [{ name: "amount", op: "gte", value: 1000 }] }),
    sdk.contentMatchRule({
      families: ["send"], params: [
        { name: "to", op: "not_subset_of", value: ["a@example.com", "b@example.com"] },
        { name: "domain", op: "any_in", value: ["example.com"] },
        { name: "mode", op: "equals", value: "live" },
        { name: "when", op: "outside_windows", value: { windows: [{ days: ["mon", "fri"], start: "09:00", end: "24:00" }], timezone: "Europe/Berlin" } },
      ],
    }),
  ];
  for (const rule of rules) {
    assert.equal(rule.ruleType, "content_match");
    const ruled = app.withConstraints({ rule });
    const res = await ruled.request("GET", `${vault.url}/mock/google/x`, { grantId: GRANTS.aliceGoogle });
    assert.equal(res.status, 200, JSON.stringify(rule.ruleBody).slice(0, 80));
  }
  await app.close();
});

test("contentMatchRule refuses out-of-bounds input locally", () => {
  const bad = [
    {}, { families: [] }, { families: ["teleport"] }, { operations: [""] }, { operations: ["x".repeat(256)] },
    { families: ["read"], effect: "explode" }, { families: ["read"], effect: "redact" }, { families: ["read"], redactFields: ["a"] },
    { families: ["read"], effect: "step_up" }, { families: ["read"], effect: "step_up", maxSessionAgeSeconds: 86401 },
    { families: ["read"], params: [{ name: "a", op: "gt", value: "1" }] }, { families: ["read"], params: [{ name: "a", op: "like", value: 1 }] },
    { families: ["read"], params: Array.from({ length: 21 }, () => ({ name: "a", op: "equals", value: 1 })) },
    { families: ["read"], params: [{ name: "a", op: "any_in", value: Array(201).fill("v") }] },
    { families: ["read"], params: [{ name: "a", op: "outside_windows", value: { windows: [{ days: ["mon"], start: "9:00", end: "10:00" }], timezone: "UTC" } }] },
    { families: ["read"], params: [{ name: "a", op: "outside_windows", value: { windows: [{ days: ["mon"], start: "09:00", end: "10:00" }], timezone: "Mars/Olympus" } }] },
    { operations: Array(101).fill("op") },
  ];
  for (const opts of bad) assert.throws(() => sdk.contentMatchRule(opts), sdk.AlterValueError, JSON.stringify(opts).slice(0, 80));
});

test("spans.emit (App and Agent, also a paused agent): accepted count, duplicates absorbed, local checks", async () => {
  const app = new sdk.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
  const start = new Date(Date.now() - 1000);
  const r = await app.spans.emit([
    { traceId: "trace-1", name: "plan", startTime: start, endTime: new Date(), spanId: "s1", attributes: { tool: "search" } },
    { traceId: "trace-1", name: "act", startTime: start.toISOString(), parentSpanId: "s1" },
  ]);
  assert.ok(r instanceof sdk.EmitSpansResult);
  assert.equal(r.accepted, 2);
  assert.equal((await app.spans.emit([{ traceId: "trace-1", name: "plan", startTime: start, spanId: "s1" }])).accepted, 0, "duplicate absorbed");
  const stored = (await vault.admin("GET", "/admin/spans")).spans;
  assert.ok(stored.some((s) => s.trace_id === "trace-1" && s.name === "act" && s.parent_span_id === "s1"));
  const paused = new sdk.Agent({ apiKey: "alter_ak_pausedbotaaaaaaaaaaaaa_4g6q7k", baseUrl: vault.url, logger: null });
  assert.equal((await paused.spans.emit([{ traceId: "t2", name: "n", startTime: start }])).accepted, 1);
  for (const bad of [[], Array(51).fill({ traceId: "t", name: "n", startTime: start }), [{ name: "n", startTime: start }],
    [{ traceId: "t", name: "n", startTime: "yesterday-ish" }], [{ traceId: "t", name: "n", startTime: start, spanId: "x".repeat(33) }],
    [{ traceId: "t", name: "n", startTime: start, attributes: { n: 1 } }]]) {
    await assert.rejects(app.spans.emit(bad), sdk.AlterValueError);
  }
  await Promise.all([app.close(), paused.close()]);
});
