// Identity isolation through wrapped tools: 50 users, each in their own AsyncLocalStorage context
// (as alter-edge/express keeps the caller's JWT), run an AI SDK loop at the same time through ONE
// shared tool set; each step calls several tools concurrently, each tool sleeps a random while.
// Every provider call must carry its own user's credential (the mock provider reports whose it
// received) and every audit row its own user's grant and tool call.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { generateText, isStepCount, streamText, tool } from "ai";
import { z } from "zod";
import { App } from "alter-edge";
import { alterTools } from "alter-edge/ai";
import { KEYS, generatedGoogleGrant, generatedUser, startVault, streamingToolModel, toolCallingModel } from "./helpers.mjs";

const USERS = 50;
const CALLS = 4; // concurrent tool calls per user turn
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let vault;
before(async () => {
  vault = await startVault();
});
after(async () => vault?.stop());

test(`${USERS} users, ${CALLS} concurrent tool calls each, one shared tool set: every call carries its own user's credential`, async () => {
  const jwtStore = new AsyncLocalStorage();
  const app = new App({
    apiKey: KEYS.full,
    baseUrl: vault.url,
    logger: null,
    userTokenGetter: async () => {
      const jwt = jwtStore.getStore();
      await sleep(Math.random() * 5);
      if (!jwt) throw new Error("no JWT in context");
      return jwt;
    },
  });
  const mock = `${vault.url}/mock`;
  // Defined once, shared by every user (the tools read nobody's identity themselves).
  const tools = alterTools(app, {
    calendar: tool({
      inputSchema: z.object({ expect: z.string(), i: z.number() }),
      execute: async ({ expect, i }) => {
        await sleep(Math.random() * 10);
        const res = await app.request("GET", `${mock}/google/calendar/v3/events`, { provider: "google", reason: `${expect}/${i}` });
        const body = await res.json();
        return { user: body.user, grantId: body.grant_id, ok: body.credential_ok };
      },
    }),
  });
  const tokens = [];
  for (let n = 1; n <= USERS; n++) tokens.push(await vault.token(generatedUser(n)));

  const turns = await Promise.all(Array.from({ length: USERS }, (_, k) => {
    const n = k + 1;
    const user = generatedUser(n);
    const calls = Array.from({ length: CALLS }, (_, i) => ({ toolName: "calendar", toolCallId: `${user}-call-${i}`, input: { expect: user, i } }));
    return jwtStore.run(tokens[k], async () => {
      await sleep(Math.random() * 5);
      // Half the users through generateText, half through streamText (tools run as the stream is read).
      if (n % 2) {
        const r = await generateText({ model: toolCallingModel(calls), tools, stopWhen: isStepCount(3), prompt: "x" });
        return { n, user, outputs: r.steps[0].toolResults.map((t) => t.output), errors: r.steps[0].content.filter((p) => p.type === "tool-error") };
      }
      const s = streamText({ model: streamingToolModel(calls), tools, stopWhen: isStepCount(3), prompt: "x" });
      const parts = [];
      for await (const p of s.stream) parts.push(p);
      return { n, user, outputs: parts.filter((p) => p.type === "tool-result").map((p) => p.output), errors: parts.filter((p) => p.type === "tool-error") };
    });
  }));
  await app.close();

  for (const t of turns) {
    assert.equal(t.errors.length, 0, `${t.user}: ${t.errors.map((e) => String(e.error)).join("; ")}`);
    assert.equal(t.outputs.length, CALLS);
    for (const o of t.outputs) assert.deepEqual(o, { user: t.user, grantId: generatedGoogleGrant(t.n), ok: true }, `${t.user} got ${JSON.stringify(o)}`);
  }
  const calls = await vault.mockCalls();
  const rows = (await vault.auditRows()).map((r) => r.row);
  assert.equal(calls.length, USERS * CALLS);
  assert.equal(rows.length, USERS * CALLS);
  assert.ok(calls.every((c) => c.credential_ok && c.grant_id === generatedGoogleGrant(Number(c.user.slice(5)))));
  for (const row of rows) {
    const user = row.reason.split("/")[0];
    const n = Number(user.slice(5));
    assert.equal(row.grant_id, generatedGoogleGrant(n), `row ${row.reason}`);
    assert.equal(row.context.tool, "calendar");
    assert.equal(row.context.framework, "ai-sdk");
    assert.equal(row.context.tool_call_id, `${user}-call-${row.reason.split("/")[1]}`, `row ${row.reason} has tool call ${row.context.tool_call_id}`);
  }
});
