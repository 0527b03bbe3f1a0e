// The Node transport over TLS (node:https, js/core/node.js): run in a child process whose
// NODE_EXTRA_CA_CERTS trusts one test certificate (tests/hardening/fixtures), as a deployment
// trusts its vault's. Vault calls go over node:https on reused connections with the certificate
// verified; a vault whose certificate is not trusted is refused with a NetworkError.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startVault } from "./common.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
let vault;
before(async () => (vault = await startVault()));
after(async () => vault?.stop());

test("https vault: node:https with verification, keep-alive, one audit row per call; untrusted certificate refused", { timeout: 60000 }, async () => {
  await vault.reset();
  const child = spawn(process.execPath, [join(HERE, "helpers/https-child.mjs")], {
    env: { ...process.env, VAULT_URL: vault.url, NODE_EXTRA_CA_CERTS: join(HERE, "fixtures/trusted-cert.pem"), NODE_TLS_REJECT_UNAUTHORIZED: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise((r) => child.on("close", r));
  assert.equal(code, 0, stderr);
  const out = JSON.parse(stdout.trim().split("\n").at(-1));
  assert.equal(out.error, undefined, out.error);
  assert.deepEqual(out.statuses, Array(20).fill(200));
  assert.equal(out.credentialOk, 20);
  assert.equal(out.vaultCalls, 40, "20 token + 20 audit exchanges");
  assert.equal(out.vaultOverNodeHttps, 40);
  assert.ok(out.reused >= 30, `keep-alive over TLS: ${out.reused} of 40 reused`);
  assert.equal(typeof out.untrusted, "object", `untrusted vault: ${JSON.stringify(out.untrusted)}`);
  assert.equal(out.untrusted.isNetworkError, true, JSON.stringify(out.untrusted));
  assert.equal(out.untrusted.hasKey, false);
  const rows = (await vault.auditRows()).filter((r) => r.source !== "proxy");
  assert.equal(rows.length, 20, "the untrusted vault never got a token request through");
});
