// Design rule 8: where the runtime has no AsyncLocalStorage, trace() still works through the
// client it hands to the callback. Run in a child process whose node:async_hooks import fails.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

test("trace without AsyncLocalStorage: the scoped client carries the run context", () => {
  const child = fileURLToPath(new URL("./helpers/no-als-child.mjs", import.meta.url));
  const out = JSON.parse(execFileSync(process.execPath, [child], { encoding: "utf8" }));
  assert.equal(out.result, "value");
  const byReason = Object.fromEntries(out.calls.map((c) => [c.reason, c.context && Object.fromEntries(c.context)]));
  assert.deepEqual(byReason.scoped, { agent: "agent-a", run_id: "r1" });
  assert.equal(byReason.unscoped, null, "without AsyncLocalStorage only the scoped client is bound");
  assert.deepEqual(byReason.nested, { agent: "agent-a", run_id: "r2" });
});
