// examples/express run as a process (installed against the packed tarball by 50-sdk-node.sh or
// scripts/demo.sh) against a dev vault: one credentialed request per user, and the error mapping.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startVault } from "./helpers/vault.mjs";
import { ROOT } from "./helpers/js-under-test.mjs";
import { KEYS, GRANTS } from "./helpers/demo.mjs";

const dir = join(ROOT, "examples/express");
const installed = existsSync(join(dir, "node_modules/alter-edge/package.json")) && existsSync(join(dir, "node_modules/express"));
let vault;
let example;
let base;

before(async () => {
  if (!installed) return;
  vault = await startVault();
  example = spawn(process.execPath, ["server.mjs"], {
    cwd: dir,
    env: { ...process.env, ALTER_API_KEY: KEYS.full, ALTER_BASE_URL: vault.url, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  base = await new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    example.stderr.on("data", (d) => (err += d));
    example.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) resolve(m[1]);
    });
    example.on("exit", (c) => reject(new Error(`example exited ${c}: ${err}`)));
  });
});

after(async () => {
  if (example && example.exitCode === null) {
    const exited = new Promise((r) => example.once("exit", r));
    example.kill("SIGTERM");
    await exited;
  }
  await vault?.stop();
});

const skip = !installed && "examples/express not installed (scripts/test.d/50-sdk-node.sh installs it)";

test("GET /events for alice and bob: each gets their own grant's answer; one audit row each", { skip }, async () => {
  for (const [sub, grant] of [["alice", GRANTS.aliceGoogle], ["bob", GRANTS.bobGoogle]]) {
    const jwt = await vault.token(sub);
    const res = await fetch(`${base}/events`, { headers: { authorization: `Bearer ${jwt}` } });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.user, sub);
    assert.equal(body.grant_id, grant);
    assert.equal(body.path, "/calendar/v3/calendars/primary/events");
  }
  const rows = await vault.waitForAuditRows(2);
  assert.equal(rows.length, 2);
});

test("error mapping: no bearer 401, expired JWT 401, ambiguous grant 502", { skip }, async () => {
  assert.equal((await fetch(`${base}/events`)).status, 401);
  const expired = await vault.token("alice", { ttl_secs: -60 });
  const r1 = await fetch(`${base}/events`, { headers: { authorization: `Bearer ${expired}` } });
  assert.equal(r1.status, 401);
  assert.deepEqual(await r1.json(), { error: "invalid_token" });
  const carol = await vault.token("carol");
  const r2 = await fetch(`${base}/events`, { headers: { authorization: `Bearer ${carol}` } });
  assert.equal(r2.status, 502);
  assert.equal((await r2.json()).code, "ambiguous_grant");
});
