// An AI SDK agent loop whose tools reach Google Calendar and GitHub through alter-edge.
//
// `generateText` with two tools and `stopWhen: isStepCount(4)`; the model is the AI SDK's own mock
// (`ai/test`), scripted to call both tools in its first step and to answer from their results in
// the next, so the example runs offline against the dev vault's mock providers. Swap in a real
// model (`model: openai("gpt-5")`, ...) and real provider URLs and nothing else changes.
//
// `alterTools` runs each tool inside `agent.withTool(...)`: every provider call's audit row names
// the tool, the AI SDK's tool call id and the run of `agent.trace()`. A provider the user has not
// connected comes back as a `connection_required` result with a Connect URL (no exception, the
// loop goes on); once the user connected, the same question succeeds.
//
//   ALTER_API_KEY=<agent key> ALTER_BASE_URL=<vault> USER_JWT=<the user's JWT> node agent.mjs
import { generateText, isStepCount, tool } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { Agent } from "alter-edge";
import { alterTools, isAlterToolStatus } from "alter-edge/ai";
import { z } from "zod";

/** The two tools; `api` is where the providers live (the dev vault's mocks in this example). */
export function calendarAndGithubTools(agent, api) {
  return alterTools(agent, {
    listEvents: tool({
      description: "List the user's upcoming calendar events",
      inputSchema: z.object({ max: z.number().int().min(1).max(50) }),
      execute: async ({ max }) => {
        const res = await agent.request("GET", `${api.google}/calendar/v3/calendars/{cal}/events`, {
          provider: "google", pathParams: { cal: "primary" }, queryParams: { maxResults: max },
        });
        const body = await res.json();
        return { status: res.status, path: body.path, user: body.user };
      },
    }),
    listIssues: tool({
      description: "List the open issues of a GitHub repository",
      inputSchema: z.object({ repo: z.string() }),
      execute: async ({ repo }) => {
        const res = await agent.request("GET", `${api.github}/repos/${repo}/issues`, {
          provider: "github", queryParams: { state: "open" },
        });
        const body = await res.json();
        return { status: res.status, path: body.path, user: body.user };
      },
    }),
  });
}

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 10, text: 10, reasoning: undefined },
};

/** A scripted model: step 1 calls both tools, step 2 answers from their results. */
export function scriptedModel(runId) {
  return new MockLanguageModelV4({
    doGenerate: async ({ prompt }) => {
      const results = prompt.filter((m) => m.role === "tool").flatMap((m) => m.content).filter((p) => p.type === "tool-result");
      if (results.length === 0) {
        return {
          content: [
            { type: "tool-call", toolCallId: `${runId}-call-events`, toolName: "listEvents", input: JSON.stringify({ max: 5 }) },
            { type: "tool-call", toolCallId: `${runId}-call-issues`, toolName: "listIssues", input: JSON.stringify({ repo: "acme/web" }) },
          ],
          finishReason: { unified: "tool-calls", raw: undefined }, usage, warnings: [],
        };
      }
      const lines = results.map((r) => {
        const out = r.output.type === "json" ? r.output.value : null;
        if (out?.status === "connection_required") return `${r.toolName}: connect ${out.provider} first: ${out.connectUrl}`;
        return `${r.toolName}: ${JSON.stringify(out)}`;
      });
      return { content: [{ type: "text", text: lines.join("\n") }], finishReason: { unified: "stop", raw: undefined }, usage, warnings: [] };
    },
  });
}

/** One turn of the agent for one question, in its own run. Resolves to the text and the tool results. */
export async function runAgent({ agent, api, runId, prompt = "What is on my calendar, and which issues are open in acme/web?" }) {
  return agent.trace({ runId }, async () => {
    const result = await generateText({
      model: scriptedModel(runId),
      tools: calendarAndGithubTools(agent, api),
      stopWhen: isStepCount(4),
      prompt,
    });
    const toolResults = result.steps.flatMap((s) => s.toolResults);
    const needsConnect = toolResults.map((r) => r.output).filter((o) => isAlterToolStatus(o) && o.status === "connection_required");
    return { text: result.text, toolResults, needsConnect };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const jwt = process.env.USER_JWT;
  const agent = new Agent({ apiKey: process.env.ALTER_API_KEY, userTokenGetter: () => jwt });
  const base = `${process.env.ALTER_BASE_URL}/mock`;
  const out = await runAgent({ agent, api: { google: `${base}/google`, github: `${base}/github` }, runId: `run-${Date.now()}` });
  console.log(out.text);
  await agent.close();
}
