// examples/ai-agent (installed against the packed tarball by scripts/test.d/58-ai-sdk.sh) against
// a dev vault: the first run answers connection_required with a Connect URL for GitHub; the test
// completes that Connect session through the vault's admin API (as the user would on the Connect
// page); the second run succeeds; audit rows carry tool name, tool call id and run.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../node/helpers/js-under-test.mjs";
import { KEYS, startVault } from "./helpers.mjs";

const dir = join(ROOT, "examples/ai-agent");
const installed = ["alter-edge", "ai", "zod"].every((p) => existsSync(join(dir, "node_modules", p, "package.json")));
const skip = !installed && "examples/ai-agent not installed (scripts/test.d/58-ai-sdk.sh installs it)";

let vault;
before(async () => {
  if (installed) vault = await startVault();
});
after(async () => vault?.stop());

test("two runs of the agent: connect GitHub in between; audit rows carry tool, call id and run", { skip }, async () => {
  // The example's own modules (its node_modules: the tarball, ai, zod).
  const { runAgent } = await import(pathToFileURL(join(dir, "agent.mjs")).href);
  const { Agent } = await import(pathToFileURL(join(dir, "node_modules/alter-edge/dist/index.node.js")).href);
  const jwt = await vault.token("alice"); // alice's google is delegated to email-assistant, her github is not
  const agent = new Agent({ apiKey: KEYS.emailAssistant, baseUrl: vault.url, logger: null, userTokenGetter: () => jwt });
  const api = { google: `${vault.url}/mock/google`, github: `${vault.url}/mock/github` };

  const first = await runAgent({ agent, api, runId: "run-1" });
  assert.equal(first.needsConnect.length, 1);
  const need = first.needsConnect[0];
  assert.equal(need.provider, "github");
  assert.equal(need.reason, "no_delegated_grant");
  assert.match(need.connectUrl, /\/connect\/cs_/);
  const events = first.toolResults.find((r) => r.toolName === "listEvents").output;
  assert.deepEqual(events, { status: 200, path: "/calendar/v3/calendars/primary/events", user: "alice" });
  assert.match(first.text, new RegExp(`listIssues: connect github first: ${need.connectUrl}`));

  // The user opens the link and connects GitHub for this agent.
  const sessionToken = new URL(need.connectUrl).pathname.split("/").pop();
  const done = await vault.admin("POST", `/admin/connect/${sessionToken}/complete`, {});
  assert.equal(done.grant.provider_id, "github");

  const second = await runAgent({ agent, api, runId: "run-2" });
  assert.equal(second.needsConnect.length, 0);
  assert.deepEqual(second.toolResults.find((r) => r.toolName === "listIssues").output, { status: 200, path: "/repos/acme/web/issues", user: "alice" });
  await agent.close();

  const rows = (await vault.auditRows()).map((r) => r.row);
  const tagged = rows.map((r) => [r.context.run_id, r.context.tool, r.context.tool_call_id, r.context.framework, r.provider_id]);
  assert.deepEqual(tagged.sort(), [
    ["run-1", "listEvents", "run-1-call-events", "ai-sdk", "google"],
    ["run-2", "listEvents", "run-2-call-events", "ai-sdk", "google"],
    ["run-2", "listIssues", "run-2-call-issues", "ai-sdk", "github"],
  ]);
});
