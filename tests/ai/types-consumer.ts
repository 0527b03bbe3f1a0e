// Type-checked by scripts/test.d/58-ai-sdk.sh (tsc, strict) against the installed tarball: what a
// user of alter-edge/ai writes, with the AI SDK's own types.
import { generateText, isStepCount, tool, type ToolSet } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { z } from "zod";
import { Agent, App } from "alter-edge";
import {
  alterTool, alterTools, isAlterToolStatus, type AlterToolStatus, type ApprovalPendingResult, type ConnectionRequiredResult,
} from "alter-edge/ai";

const app = new App({ apiKey: "alter_rk_x", userTokenGetter: () => "jwt" });
const agent = new Agent({ apiKey: "alter_ak_x" });

const tools = alterTools(app, {
  events: tool({
    description: "events",
    inputSchema: z.object({ max: z.number() }),
    execute: async ({ max }) => {
      const res = await app.request("GET", "https://www.googleapis.com/calendar/v3/calendars/primary/events", { provider: "google", queryParams: { maxResults: max } });
      return { status: res.status };
    },
  }),
  clientSide: tool({ inputSchema: z.object({ q: z.string() }) }),
}, {
  framework: "ai-sdk",
  connect: (error, call) => ({ returnUrl: `https://app.example.com/chat?call=${call.toolCallId ?? ""}&code=${error.code}` }),
  onConnectionRequired: ({ session, tool, toolCallId }) => { void [session.sessionToken, tool, toolCallId]; },
  onApprovalPending: ({ approvalId }) => { void approvalId.length; },
});
const set: ToolSet = tools;
void set;

async function main() {
  const result = await agent.trace({ runId: "r" }, () => generateText({
    model: new MockLanguageModelV4(),
    tools,
    stopWhen: isStepCount(3),
    prompt: "x",
  }));
  for (const r of result.steps.flatMap((s) => s.toolResults)) {
    if (!r.dynamic && r.toolName === "events") {
      const out = r.output;
      if (isAlterToolStatus(out)) {
        const s: AlterToolStatus = out;
        if (s.status === "connection_required") {
          const c: ConnectionRequiredResult = s;
          const url: string = c.connectUrl;
          void url;
        } else {
          const p: ApprovalPendingResult = s;
          const id: string = p.approvalId;
          void id;
        }
      } else {
        const n: number = out.status;
        void n;
      }
    }
  }
  const one = alterTool(agent, "one", tool({ inputSchema: z.object({}), execute: async () => 1 }));
  void one;
}
void main;

// @ts-expect-error: options are checked
alterTools(app, {}, { framwork: "x" });
// @ts-expect-error: a client must be an App or Agent
alterTools({ request: async () => new Response() }, {});
