// Memory bound of a provider body the SDK does not read to the end: a body that never ends
// (chunked) and a huge one (Content-Length 1 GB), streamed by the local provider as fast as the
// client takes it, while the caller holds the Response unread. In a child Node process
// (helpers/memory-child.mjs, default transport) the RSS stays within +64 MB over 10 s, and the
// audit row is written with the over-the-limit placeholder. Nothing here asserts on speed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startVault, KEYS } from "./common.mjs";
import { sdkEntry } from "../node/helpers/sdk.mjs";
import { startEchoProvider, echoVaultConfig, ECHO_GRANTS } from "./helpers/echo.mjs";

const CHILD = fileURLToPath(new URL("./helpers/memory-child.mjs", import.meta.url));
const DURATION_MS = 10_000;
const BOUND = 64 * 1024 * 1024;
let provider;
let vault;

before(async () => {
  provider = await startEchoProvider();
  vault = await startVault({ config: echoVaultConfig([provider.port]) });
});
after(async () => {
  await vault?.stop();
  await provider?.close();
});

function runChild(path, grantId) {
  const env = {
    ...process.env, SDK_ENTRY: sdkEntry(), VAULT_URL: vault.url, API_KEY: KEYS.full,
    URL: `${provider.url}${path}`, GRANT_ID: grantId, DURATION_MS: String(DURATION_MS),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", CHILD], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      const line = out.trim().split("\n").at(-1);
      if (code !== 0 || !line) return reject(new Error(`child exited ${code}\n${out}\n${err}`));
      resolve(JSON.parse(line));
    });
  });
}

test("a provider body that never ends, or a huge one, held unread: RSS bounded, audit row with the placeholder", { timeout: 120_000 }, async () => {
  const cases = [
    // [path, grant, the row's response_body]
    ["/endless", ECHO_GRANTS.query, "<response too large: over 10000 bytes>"],
    ["/endless", ECHO_GRANTS.header, "<response too large: over 10000 bytes>"],
    ["/huge", ECHO_GRANTS.query, "<response too large: 1000000000 bytes>"],
  ];
  // The children run side by side: each measures its own RSS.
  const results = await Promise.all(cases.map(([path, grant]) => runChild(path, grant)));
  const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
  cases.forEach(([path, grant], i) => {
    const r = results[i];
    const what = `${path} (${grant.slice(-2)}): bodyUsed ${r.bodyUsed}, rss ${mb(r.start)} → peak ${mb(r.peak)}, end ${mb(r.last)}; provider wrote ${mb(provider.state.sent)} in all`;
    console.log(what);
  });
  cases.forEach(([path, grant], i) => {
    const r = results[i];
    const what = `${path} (${grant.slice(-2)})`;
    assert.equal(r.status, 200, what);
    assert.equal(r.bodyUsed, false, "the caller never read the body");
    assert.ok(r.peak - r.start < BOUND, `RSS grew by more than 64 MB: ${what}`);
  });
  const rows = (await vault.auditRows()).map((x) => x.row);
  assert.equal(rows.length, cases.length);
  for (const [path, grant, body] of cases) {
    const row = rows.find((x) => x.grant_id === grant && x.url === `${provider.url}${path}`);
    assert.ok(row, `the audit row of ${path} (${grant}) exists`);
    assert.equal(row.response_status, 200);
    assert.equal(row.response_body, body);
  }
});
