// Shared by the tests of alter-edge/ai: the dev vault helpers of tests/node and a scripted AI SDK
// mock model.
import { MockLanguageModelV4 } from "ai/test";

export { startVault } from "../node/helpers/vault.mjs";
export { AGENTS, GRANTS, KEYS, generatedGoogleGrant, generatedUser } from "../node/helpers/demo.mjs";

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};

/** Tool results of the prompt so far (the AI SDK's model messages of role "tool"). */
export function toolResultsOf(prompt) {
  return prompt.filter((m) => m.role === "tool").flatMap((m) => m.content).filter((p) => p.type === "tool-result");
}

/**
 * A model whose first step calls `calls` ([{ toolName, toolCallId, input }]) all at once, and whose
 * next step answers with the JSON of the tool results it was given.
 */
export function toolCallingModel(calls) {
  return new MockLanguageModelV4({
    doGenerate: async ({ prompt }) => {
      const results = toolResultsOf(prompt);
      if (results.length === 0) {
        return {
          content: calls.map((c) => ({ type: "tool-call", toolCallId: c.toolCallId, toolName: c.toolName, input: JSON.stringify(c.input ?? {}) })),
          finishReason: { unified: "tool-calls", raw: undefined }, usage, warnings: [],
        };
      }
      const text = JSON.stringify(results.map((r) => ({ tool: r.toolName, id: r.toolCallId, output: r.output })));
      return { content: [{ type: "text", text }], finishReason: { unified: "stop", raw: undefined }, usage, warnings: [] };
    },
  });
}

/** Strings that must never appear in a tool result or a model prompt. */
export function secretPatterns(extra = []) {
  return [/alter_(rk|ak|dk|pk)_/, /alter_key_/, /eyJ[A-Za-z0-9_-]{10,}\./, /ya29\./, /dev-[a-z0-9-]+-[0-9a-f]{8,}/, ...extra];
}

/** The streaming twin of toolCallingModel (for streamText). */
export function streamingToolModel(calls) {
  const chunks = (parts, finish) => new ReadableStream({
    start(c) {
      for (const p of parts) c.enqueue(p);
      c.enqueue({ type: "finish", finishReason: { unified: finish, raw: undefined }, usage });
      c.close();
    },
  });
  return new MockLanguageModelV4({
    doStream: async ({ prompt }) => {
      const results = toolResultsOf(prompt);
      if (results.length === 0) {
        return { stream: chunks(calls.map((c) => ({ type: "tool-call", toolCallId: c.toolCallId, toolName: c.toolName, input: JSON.stringify(c.input ?? {}) })), "tool-calls") };
      }
      return { stream: chunks([{ type: "text-start", id: "t" }, { type: "text-delta", id: "t", delta: "done" }, { type: "text-end", id: "t" }], "stop") };
    },
  });
}
