// Starts alter-dev-vault (dev-vault/demo.toml) on a free port for a test file and talks to its
// admin API (/tmp/alter-devvault.md, dev-vault/README.md). Binary: $ALTER_DEV_VAULT_BIN, else
// target/release/alter-dev-vault, else target/debug/alter-dev-vault.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./js-under-test.mjs";

export const ADMIN_TOKEN = "dev-admin-token";

export function vaultBinary() {
  const candidates = [
    process.env.ALTER_DEV_VAULT_BIN,
    join(ROOT, "target/release/alter-dev-vault"),
    join(ROOT, "target/debug/alter-dev-vault"),
  ].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`alter-dev-vault not built (looked at ${candidates.join(", ")}); run cargo build --release -p alter-dev-vault`);
  return found;
}

/** Start a dev vault; resolves to a handle with `url`, admin helpers and `stop()`. */
export async function startVault({ config = join(ROOT, "dev-vault/demo.toml") } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "alter-dev-vault-"));
  const child = spawn(vaultBinary(), ["--config", config, "--port", "0", "--data-dir", dataDir, "--host", "127.0.0.1"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-20000);
  });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`dev vault did not start:\n${stderr}`)), 30000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/alter-dev-vault listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`dev vault exited (${code}) before listening:\n${stderr}`));
    });
  });
  child.stdout.resume();
  const vault = new VaultHandle(url, child, dataDir, () => stderr);
  return vault;
}

class VaultHandle {
  constructor(url, child, dataDir, stderr) {
    this.url = url;
    this.child = child;
    this.dataDir = dataDir;
    this.stderr = stderr;
  }

  async admin(method, path, body) {
    const res = await fetch(this.url + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`admin ${method} ${path} → ${res.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  }

  /** A user JWT from the built-in IdP. */
  async token(sub, extra = {}) {
    return (await this.admin("POST", "/admin/idp/token", { sub, ...extra })).token;
  }

  async auditRows() {
    return (await this.admin("GET", "/admin/audit")).rows;
  }

  async mockCalls() {
    return (await this.admin("GET", "/admin/mock/calls")).calls;
  }

  /** Inject a fault: `{ endpoint, count, fault }`. */
  async fault(endpoint, fault, count = 1) {
    return this.admin("POST", "/admin/faults", { endpoint, count, fault });
  }

  async clearFaults() {
    return this.admin("DELETE", "/admin/faults");
  }

  async reset() {
    return this.admin("POST", "/admin/reset", {});
  }

  /** Wait until the audit log holds at least `n` rows (audits finish after the response). */
  async waitForAuditRows(n, timeoutMs = 10000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const rows = await this.auditRows();
      if (rows.length >= n || Date.now() > end) return rows;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop() {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once("exit", r));
      this.child.kill("SIGTERM");
      const t = setTimeout(() => this.child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
