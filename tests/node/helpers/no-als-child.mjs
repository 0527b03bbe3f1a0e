// Child of unit-no-als.test.mjs: loads the JS layer without AsyncLocalStorage and prints what
// the fake core received.
import { register } from "node:module";
register(new URL("./no-als-hooks.mjs", import.meta.url));
delete process.getBuiltinModule;
delete globalThis.AsyncLocalStorage;
const { loadWithFakeCore } = await import("./js-under-test.mjs");
const { api, fake } = await loadWithFakeCore();
const agent = new api.Agent({ apiKey: "alter_key_" + "a".repeat(40), caller: "agent-a" });
const url = "https://api.example.com/x";
const result = await agent.trace({ runId: "r1" }, async (scoped) => {
  await new Promise((r) => setTimeout(r, 1));
  await scoped.request("GET", url, { grantId: "g", reason: "scoped" });
  await agent.request("GET", url, { grantId: "g", reason: "unscoped" });
  await scoped.trace({ runId: "r2" }, (inner) => inner.request("GET", url, { grantId: "g", reason: "nested" }));
  return "value";
});
process.stdout.write(JSON.stringify({ result, calls: fake.calls.map((c) => ({ reason: c.reason, context: c.context ?? null })) }));
