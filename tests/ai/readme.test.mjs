// The alter-edge/ai code block of the package README (pkg-template/README.md), run as written
// against a dev vault: alice asks through the AI SDK's mock model; the Google URL is answered by
// the vault's mock provider (a fetch installed here rewrites the host, nothing else).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { userTokenStore } from "alter-edge/express";
import { ROOT } from "../node/helpers/js-under-test.mjs";
import { KEYS, startVault, toolCallingModel } from "./helpers.mjs";

let vault;
before(async () => {
  vault = await startVault();
});
after(async () => vault?.stop());

function readmeBlock() {
  const text = readFileSync(join(ROOT, "pkg-template/README.md"), "utf8");
  const section = text.slice(text.indexOf("## Vercel AI SDK tools (`alter-edge/ai`)"));
  const m = /```js\n([\s\S]*?)```/.exec(section);
  assert.ok(m, "the section has a js code block");
  return m[1];
}

test("the README's alter-edge/ai block: the tool acts as the calling user, its audit row names tool, call and run", async () => {
  process.env.ALTER_API_KEY = KEYS.emailAssistant; // alice's google is delegated to this agent
  process.env.ALTER_BASE_URL = vault.url;
  const runtimeFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = typeof input === "string" ? input : input.url;
    return runtimeFetch(url.replace("https://www.googleapis.com/", `${vault.url}/mock/google/`), init);
  };
  const file = join(ROOT, "tests/ai/.readme-block.mjs"); // beside node_modules, so its imports resolve
  writeFileSync(file, readmeBlock());
  try {
    const { ask } = await import(pathToFileURL(file).href);
    const jwt = await vault.token("alice");
    const model = toolCallingModel([{ toolName: "listEvents", toolCallId: "call-readme", input: { max: 3 } }]);
    const result = await userTokenStore.run(jwt, () => ask(model, "What is next on my calendar?"));
    const out = result.steps[0].toolResults[0].output;
    assert.equal(out.user, "alice");
    assert.equal(out.path, "/calendar/v3/calendars/primary/events");
    assert.deepEqual(out.query, { maxResults: "3" });
    const rows = (await vault.waitForAuditRows(1)).map((r) => r.row);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].context.tool, "listEvents");
    assert.equal(rows[0].context.tool_call_id, "call-readme");
    assert.equal(rows[0].context.framework, "ai-sdk");
    assert.match(rows[0].context.run_id, /^[0-9a-f-]{36}$/);
  } finally {
    globalThis.fetch = runtimeFetch;
    rmSync(file, { force: true });
  }
});
