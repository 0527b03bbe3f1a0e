// alter-edge/ai against the dev vault, with the AI SDK's generateText / streamText and its mock
// model: audit rows carry the tool call and the run; "not connected" and "pending approval" come
// back as tool results; other errors stay typed; nothing secret reaches a result.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { generateText, isStepCount, jsonSchema, streamText, tool } from "ai";
import { z } from "zod";
import { Agent, App, ConnectSession, GrantNotFoundError, PolicyViolationError } from "alter-edge";
import { alterTool, alterTools, isAlterToolStatus } from "alter-edge/ai";
import { GRANTS, KEYS, startVault, secretPatterns, streamingToolModel, toolCallingModel } from "./helpers.mjs";

let vault;
let mock;
before(async () => {
  vault = await startVault();
  mock = `${vault.url}/mock`;
});
after(async () => vault?.stop());
beforeEach(async () => vault.reset());

const input = z.object({});

function assertNoSecrets(value, extra = []) {
  const text = JSON.stringify(value);
  for (const re of secretPatterns(extra)) assert.doesNotMatch(text, re);
}

test("every provider call inside a tool carries tool, tool_call_id, framework and the run", async () => {
  const agent = new Agent({ apiKey: KEYS.emailAssistant, baseUrl: vault.url, logger: null });
  const tools = alterTools(agent, {
    ping: tool({
      inputSchema: z.object({ n: z.number() }),
      execute: async ({ n }) => {
        const res = await agent.request("GET", `${mock}/resend/ping`, { grantId: GRANTS.resend, reason: `ping-${n}` });
        return { status: res.status, n };
      },
    }),
    twice: tool({
      inputSchema: input,
      execute: async () => {
        for (const i of [1, 2]) await agent.request("GET", `${mock}/resend/twice`, { grantId: GRANTS.resend, reason: `twice-${i}` });
        return { done: true };
      },
    }),
  });
  const result = await agent.trace({ runId: "run-audit", threadId: "thread-1" }, () => generateText({
    model: toolCallingModel([
      { toolName: "ping", toolCallId: "call-a", input: { n: 1 } },
      { toolName: "ping", toolCallId: "call-b", input: { n: 2 } },
      { toolName: "twice", toolCallId: "call-c" },
    ]),
    tools,
    stopWhen: isStepCount(3),
    prompt: "go",
  }));
  assert.deepEqual(result.steps[0].toolResults.map((r) => r.output), [{ status: 200, n: 1 }, { status: 200, n: 2 }, { done: true }]);
  // Outside the tools and the run: no tool keys.
  await agent.request("GET", `${mock}/resend/outside`, { grantId: GRANTS.resend, reason: "outside" });
  await agent.close();
  const rows = (await vault.auditRows()).map((r) => r.row);
  assert.equal(rows.length, 5);
  const byReason = Object.fromEntries(rows.map((r) => [r.reason, r.context]));
  for (const [reason, tool, id] of [["ping-1", "ping", "call-a"], ["ping-2", "ping", "call-b"], ["twice-1", "twice", "call-c"], ["twice-2", "twice", "call-c"]]) {
    const c = byReason[reason];
    assert.equal(c.tool, tool, reason);
    assert.equal(c.tool_call_id, id, reason);
    assert.equal(c.framework, "ai-sdk", reason);
    assert.equal(c.run_id, "run-audit", reason);
    assert.equal(c.thread_id, "thread-1", reason);
  }
  assert.equal(byReason.outside, null);
});

test("not connected: a connection_required result with a Connect URL for that user; after the connect the tool succeeds", async () => {
  const jwt = await vault.token("bob"); // bob has google, no github
  const app = new App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, userTokenGetter: () => jwt });
  const seen = [];
  const tools = alterTools(app, {
    issues: tool({
      inputSchema: input,
      execute: async () => {
        const res = await app.request("GET", `${mock}/github/repos/acme/web/issues`, { provider: "github" });
        const body = await res.json();
        return { user: body.user, provider: body.provider };
      },
    }),
  }, {
    connect: (error, call) => ({ returnUrl: `https://app.example.com/chat?call=${call.toolCallId}` }),
    onConnectionRequired: (e) => seen.push(e),
  });
  const run = () => generateText({ model: toolCallingModel([{ toolName: "issues", toolCallId: "call-1" }]), tools, stopWhen: isStepCount(3), prompt: "issues?" });
  const first = await run();
  const out = first.steps[0].toolResults[0].output;
  assert.equal(first.steps[0].content.filter((p) => p.type === "tool-error").length, 0);
  assert.equal(out.status, "connection_required");
  assert.equal(out.provider, "github");
  assert.equal(out.reason, "grant_not_found");
  assert.match(out.connectUrl, new RegExp(`^${vault.url}/connect/cs_`));
  assert.equal(typeof out.message, "string");
  assert.ok(isAlterToolStatus(out));
  assert.deepEqual(Object.keys(out).sort(), ["connectUrl", "expiresAt", "message", "provider", "reason", "status"]);
  assert.equal(seen.length, 1);
  assert.ok(seen[0].session instanceof ConnectSession);
  assert.ok(seen[0].error instanceof GrantNotFoundError);
  assert.equal(seen[0].tool, "issues");
  assert.equal(seen[0].toolCallId, "call-1");
  // The model saw the result (its second step answers from it); nothing secret in any of it.
  assertNoSecrets(first.response.messages, [new RegExp(jwt.slice(0, 40))]);
  assert.match(first.text, /connection_required/);
  // The user connects (the dev vault's admin API stands in for the Connect page).
  const token = new URL(out.connectUrl).pathname.split("/").pop();
  const done = await vault.admin("POST", `/admin/connect/${token}/complete`, {});
  assert.equal(done.grant.provider_id, "github");
  const second = await run();
  assert.deepEqual(second.steps[0].toolResults[0].output, { user: "bob", provider: "github" });
  await app.close();
});

test("a per-call userToken on an App without getter: no session for the app; connect.userToken binds it to the user", async () => {
  const jwt = await vault.token("bob");
  const app = new App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
  const issues = tool({
    inputSchema: input,
    execute: async () => (await (await app.request("GET", `${mock}/github/issues`, { provider: "github", userToken: jwt })).json()).user,
  });
  // Without a user for the session, the session would be the app's own: the error stays.
  const unbound = alterTool(app, "issues", issues);
  await assert.rejects(unbound.execute({}, { toolCallId: "u", messages: [] }), (e) => e instanceof GrantNotFoundError && e.providerId === "github");
  // Another user's token is refused too.
  const alice = await vault.token("alice");
  const wrong = alterTool(app, "issues", issues, { connect: { userToken: alice } });
  await assert.rejects(wrong.execute({}, { toolCallId: "w", messages: [] }), GrantNotFoundError);
  const bound = alterTool(app, "issues", issues, { connect: { userToken: jwt } });
  const out = await bound.execute({}, { toolCallId: "b", messages: [] });
  assert.equal(out.status, "connection_required");
  const token = new URL(out.connectUrl).pathname.split("/").pop();
  const done = await vault.admin("POST", `/admin/connect/${token}/complete`, {});
  assert.equal(done.grant.account_identifier, "bob@example.com", "the grant is bob's");
  assert.equal(await bound.execute({}, { toolCallId: "b2", messages: [] }), "bob");
  await app.close();
});

test("an agent without a delegation: connection_required whose session names the agent", async () => {
  const jwt = await vault.token("alice");
  const agent = new Agent({ apiKey: KEYS.emailAssistant, baseUrl: vault.url, logger: null, userTokenGetter: () => jwt });
  const t = alterTool(agent, "repos", tool({
    inputSchema: input,
    execute: async () => (await agent.request("GET", `${mock}/github/user/repos`, { provider: "github" })).status,
  }));
  const out = await t.execute({}, { toolCallId: "c-1", messages: [] });
  assert.equal(out.status, "connection_required");
  assert.equal(out.reason, "no_delegated_grant");
  const token = new URL(out.connectUrl).pathname.split("/").pop();
  const done = await vault.admin("POST", `/admin/connect/${token}/complete`, {});
  assert.ok(done.grant.delegation ?? done.grant, "grant created");
  assert.equal(await t.execute({}, { toolCallId: "c-2", messages: [] }), 200);
  await agent.close();
});

test("a pending approval (proxyRequest answered 202) is an approval_pending result", async () => {
  const app = new App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
  const pending = [];
  const tools = alterTools(app, {
    payout: tool({
      inputSchema: input,
      execute: () => app.proxyRequest("POST", `${mock}/stripe-payouts/v1/payouts`, { provider: "stripe-payouts", json: { amount: 100 } }),
    }),
  }, { onApprovalPending: (e) => pending.push(e) });
  const r = await generateText({ model: toolCallingModel([{ toolName: "payout", toolCallId: "call-p" }]), tools, stopWhen: isStepCount(3), prompt: "pay" });
  const out = r.steps[0].toolResults[0].output;
  assert.equal(out.status, "approval_pending");
  assert.match(out.approvalId, /^[0-9a-f-]{36}$/);
  assert.deepEqual(Object.keys(out).sort(), ["approvalId", "expiresAt", "message", "status"]);
  assert.equal(pending[0].approvalId, out.approvalId);
  assert.equal(pending[0].toolCallId, "call-p");
  const approvals = (await vault.admin("GET", "/admin/approvals")).approvals;
  assert.ok(approvals.some((a) => a.approval_id === out.approvalId));
  // An approval wait that timed out inside a tool is the same result.
  const waited = alterTool(app, "wait", tool({
    inputSchema: input,
    execute: () => app.awaitApproval(out.approvalId, { timeoutMs: 1, pollIntervalMs: 1 }),
  }));
  const w = await waited.execute({}, { toolCallId: "c-w", messages: [] });
  assert.equal(w.status, "approval_pending");
  assert.equal(w.approvalId, out.approvalId);
  await app.close();
});

test("every other error stays a typed error (a tool-error part; the loop goes on)", async () => {
  const app = new App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
  const tools = alterTools(app, {
    denied: tool({ inputSchema: input, execute: () => app.request("GET", `${mock}/microsoft/me`, { provider: "microsoft" }) }),
    stale: tool({ inputSchema: input, execute: () => app.request("GET", `${mock}/google/x`, { grantId: "6a000000-0000-4000-8000-0000000000ff" }) }),
  });
  const r = await generateText({
    model: toolCallingModel([{ toolName: "denied", toolCallId: "d" }, { toolName: "stale", toolCallId: "s" }]),
    tools, stopWhen: isStepCount(3), prompt: "x",
  });
  const errors = r.steps[0].content.filter((p) => p.type === "tool-error");
  assert.equal(errors.length, 2);
  const byId = Object.fromEntries(errors.map((e) => [e.toolCallId, e.error]));
  assert.ok(byId.d instanceof PolicyViolationError);
  assert.ok(byId.s instanceof GrantNotFoundError, "a stale grantId names no provider: no Connect session, the error stays");
  assert.equal(r.steps.length, 2, "the model got the errors and answered");
  assertNoSecrets(r.response.messages);
  // Direct execute: the error is thrown as it is.
  await assert.rejects(tools.denied.execute({}, { toolCallId: "x", messages: [] }), PolicyViolationError);
  await app.close();
});

test("streamText, an async generator tool (preliminary results) and a tool with an outputSchema", async () => {
  const jwt = await vault.token("bob");
  const app = new App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, userTokenGetter: () => jwt });
  const tools = alterTools(app, {
    progress: tool({
      inputSchema: input,
      async *execute() {
        yield { step: "calendar" };
        const res = await app.request("GET", `${mock}/google/calendar`, { provider: "google", reason: "gen-1" });
        yield { step: "github", calendar: res.status };
        await app.request("GET", `${mock}/github/user`, { provider: "github", reason: "gen-2" }); // bob: not connected
        yield { step: "never" };
      },
    }),
    typed: tool({
      inputSchema: input,
      outputSchema: z.object({ status: z.number() }),
      execute: async () => ({ status: (await app.request("GET", `${mock}/github/user`, { provider: "github" })).status }),
    }),
    plain: tool({ inputSchema: jsonSchema({ type: "object" }), outputSchema: jsonSchema({ type: "object" }), execute: async () => ({ ok: true }) }),
    clientSide: tool({ inputSchema: input }), // no execute: kept as it is
  });
  assert.equal(tools.clientSide.execute, undefined);
  const stream = streamText({
    model: streamingToolModel([{ toolName: "progress", toolCallId: "g" }, { toolName: "typed", toolCallId: "t" }]),
    tools, stopWhen: isStepCount(3), prompt: "x",
  });
  const parts = [];
  for await (const p of stream.stream) parts.push(p);
  const prelim = parts.filter((p) => p.type === "tool-result" && p.preliminary).map((p) => p.output);
  const finals = parts.filter((p) => p.type === "tool-result" && !p.preliminary);
  assert.deepEqual(prelim.slice(0, 2), [{ step: "calendar" }, { step: "github", calendar: 200 }]);
  const g = finals.find((p) => p.toolCallId === "g").output;
  assert.equal(g.status, "connection_required");
  assert.equal(finals.find((p) => p.toolCallId === "t").output.status, "connection_required");
  assert.equal(parts.filter((p) => p.type === "tool-error").length, 0);
  // The output schema accepts the two results too (validateUIMessages checks outputs against it).
  const std = tools.typed.outputSchema["~standard"];
  assert.equal((await std.validate(g)).issues, undefined);
  assert.ok((await std.validate({ status: "nope" })).issues);
  assert.equal((await std.validate({ status: 200 })).issues, undefined);
  const rows = (await vault.auditRows()).map((r) => r.row).filter((r) => r.reason === "gen-1");
  assert.equal(rows[0].context.tool, "progress");
  assert.equal(rows[0].context.tool_call_id, "g");
  await app.close();
});

test("strict options and checks", () => {
  const app = new App({ apiKey: KEYS.full, baseUrl: "http://127.0.0.1:1", logger: null });
  assert.throws(() => alterTools(app, {}, { framwork: "x" }), (e) => e.code === "unknown_option" && /framework/.test(e.message));
  assert.throws(() => alterTools(app, {}, { connect: { return_url: "x" } }), (e) => e.code === "unknown_option" && /returnUrl/.test(e.message));
  assert.throws(() => alterTools({ request() {} }, {}), /App or Agent/);
  assert.throws(() => alterTools(app, [tool({ inputSchema: input, execute: () => 1 })]), /object of name/);
  const t = tool({ inputSchema: input, execute: () => 1 });
  const wrapped = alterTools(app, { t });
  assert.notEqual(wrapped.t, t);
  assert.equal(wrapped.t.inputSchema, t.inputSchema);
  assert.equal(t.execute.name !== "alterExecute", true, "the original tool is untouched");
});
