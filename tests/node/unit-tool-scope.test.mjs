// Tool scopes (`withTool`) on the fake engine: the tool keys join the run of an enclosing trace,
// replace an outer tool scope's, never reach a concurrent run (1,000 concurrent tool calls), and a
// per-call context still replaces the whole scope.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { loadWithFakeCore } from "./helpers/js-under-test.mjs";

const { api, fake } = await loadWithFakeCore();
const { Agent, App, AlterValueError } = api;
const KEY = "alter_key_" + "a".repeat(40);
const URL_ = "https://api.example.com/v1/x";
const ctxOf = (c) => Object.fromEntries(c.context ?? []);

beforeEach(() => fake.reset());

test("a tool scope adds tool, tool_call_id and framework to the run", async () => {
  const agent = new Agent({ apiKey: KEY });
  await agent.trace({ runId: "r1", threadId: "t1" }, () =>
    agent.withTool({ tool: "calendar.list", toolCallId: "call-1", framework: "ai-sdk" }, () => agent.request("GET", URL_, { grantId: "g" })));
  const c = ctxOf(fake.calls[0]);
  assert.equal(c.run_id, "r1");
  assert.equal(c.thread_id, "t1");
  assert.equal(c.tool, "calendar.list");
  assert.equal(c.tool_call_id, "call-1");
  assert.equal(c.framework, "ai-sdk");
  assert.ok(c.agent);
  // Nested: the inner tool replaces the outer one's keys; a per-call context replaces everything.
  await agent.withTool({ tool: "outer", toolCallId: "o" }, () => agent.withTool({ tool: "inner" }, async (scoped) => {
    await agent.request("GET", URL_, { grantId: "g" });
    await scoped.request("GET", URL_, { grantId: "g", context: { step: "explicit" } });
  }));
  assert.deepEqual([ctxOf(fake.calls[1]).tool, ctxOf(fake.calls[1]).tool_call_id], ["inner", undefined]);
  assert.deepEqual(ctxOf(fake.calls[2]), { step: "explicit" });
  // On an App too, and bad options before anything runs.
  const app = new App({ apiKey: KEY });
  await app.withTool({ tool: "x" }, () => app.request("GET", URL_, { grantId: "g" }));
  assert.equal(ctxOf(fake.calls[3]).tool, "x");
  await assert.rejects(app.withTool({}, () => 1), AlterValueError);
  await assert.rejects(app.withTool({ tool: "x", toolcallId: "y" }, () => 1), AlterValueError);
  await assert.rejects(app.withTool({ tool: "x" }), AlterValueError);
  await assert.rejects(agent.trace({ tool: "x" }, () => 1), AlterValueError, "tool stays reserved in trace metadata");
});

test("1,000 concurrent tool calls in 100 runs: each request carries its own run and tool", async () => {
  fake.maxDelayMs = 3;
  const agent = new Agent({ apiKey: KEY });
  await Promise.all(Array.from({ length: 100 }, (_, r) => agent.trace({ runId: `run-${r}` }, () =>
    Promise.all(Array.from({ length: 10 }, (_, t) => agent.withTool({ tool: `tool-${r}-${t}`, toolCallId: `c-${r}-${t}` }, async () => {
      await new Promise((res) => setTimeout(res, Math.random() * 3));
      await agent.request("GET", URL_, { grantId: "g", reason: `${r}-${t}` });
    }))))));
  assert.equal(fake.calls.length, 1000);
  for (const call of fake.calls) {
    const [r, t] = call.reason.split("-");
    const c = ctxOf(call);
    assert.equal(c.run_id, `run-${r}`);
    assert.equal(c.tool, `tool-${r}-${t}`);
    assert.equal(c.tool_call_id, `c-${r}-${t}`);
  }
});
