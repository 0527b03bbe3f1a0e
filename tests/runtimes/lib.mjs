// Helpers of the runtime tests (Node only): dev vault process, fresh consumer projects, child
// processes with a time limit, free ports, workerd.
import { execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { generateConfig } from "./workerd/gen-capnp.mjs";

const execFileP = promisify(execFile);
export const HERE = new URL(".", import.meta.url).pathname;

/** A port that was free a moment ago (workerd needs one in its config). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Start a process; resolves once `ready` (a RegExp) matches its stdout (or stderr). */
export function startProcess(cmd, args, { cwd, env, ready, timeoutMs = 30000, label = cmd } = {}) {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const handle = {
    child,
    get stdout() { return out; },
    get stderr() { return err; },
    match: null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${label}: not ready after ${timeoutMs} ms\nstdout: ${out.slice(-2000)}\nstderr: ${err.slice(-4000)}`));
    }, timeoutMs);
    const look = () => {
      const m = ready ? (out.match(ready) ?? err.match(ready)) : [""];
      if (m && !handle.match) {
        handle.match = m;
        clearTimeout(timer);
        resolve(handle);
      }
    };
    child.stdout.on("data", (d) => { out = (out + d).slice(-200000); look(); });
    child.stderr.on("data", (d) => { err = (err + d).slice(-200000); look(); });
    child.on("exit", (code, sig) => {
      clearTimeout(timer);
      if (!handle.match) reject(new Error(`${label}: exited (${code ?? sig}) before ready\nstdout: ${out.slice(-2000)}\nstderr: ${err.slice(-4000)}`));
    });
  });
}

/** Run to completion with a time limit; resolves `{ code, stdout, stderr }` (never rejects on exit code). */
export async function runProcess(cmd, args, { cwd, env, timeoutMs = 120000 } = {}) {
  try {
    const r = await execFileP(cmd, args, { cwd, env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: `${e.stderr ?? ""}${e.killed ? `\n(killed after ${timeoutMs} ms)` : ""}` };
  }
}

/** Start alter-dev-vault (demo config, free port, temp data dir). */
export async function startVault({ bin, config }) {
  const dataDir = mkdtempSync(join(tmpdir(), "alter-rt-vault-"));
  const h = await startProcess(bin, ["--config", config, "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir], {
    ready: /alter-dev-vault listening on (http:\/\/127\.0\.0\.1:\d+)/, label: "alter-dev-vault",
  });
  return {
    url: h.match[1],
    stderr: () => h.stderr,
    async stop() {
      await h.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh consumer project under `dir`: package.json with `deps`, the given files copied in,
 * `npm install` (the shared npm cache makes it offline after the first run), or the runtime's
 * own installer when `install` = `{ cmd, args, env }` is given (e.g. `bun install`).
 */
export async function makeConsumer(dir, { pkg, files = {}, npmCache, install = null }) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
  for (const [name, src] of Object.entries(files)) {
    if (typeof src === "string" && existsSync(src)) cpSync(src, join(dir, name), { recursive: true });
    else writeFileSync(join(dir, name), src.content);
  }
  const r = install
    ? await runProcess(install.cmd, install.args, { cwd: dir, env: install.env, timeoutMs: 180000 })
    : await runProcess("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", "--no-package-lock"], {
      cwd: dir, env: { npm_config_cache: npmCache, npm_config_update_notifier: "false" }, timeoutMs: 180000,
    });
  if (r.code !== 0) throw new Error(`${install ? install.cmd : "npm"} install in ${dir} failed:\n${r.stderr.slice(-3000)}`);
}

/** Write a capnp config for `workers` inside `root` and start workerd; resolves with ports. */
export async function startWorkerd({ bin, root, workers }) {
  const ws = [];
  for (const w of workers) ws.push({ ...w, port: await freePort() });
  writeFileSync(join(root, "config.capnp"), generateConfig({ root, workers: ws }));
  const h = await startProcess(bin, ["serve", "config.capnp", "--verbose"], { cwd: root, ready: null, label: "workerd" });
  // workerd prints nothing when ready: poll the first socket.
  const end = Date.now() + 20000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${ws[0].port}/__ping`);
      break;
    } catch {
      if (h.child.exitCode !== null || Date.now() > end) {
        await h.stop();
        throw new Error(`workerd did not start:\n${h.stderr.slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { ports: Object.fromEntries(ws.map((w) => [w.name, w.port])), stderr: () => h.stderr, stop: () => h.stop() };
}

/** The JSON results a child printed on its `CONFORMANCE_JSON ` line. */
export function parseResults(stdout) {
  const line = stdout.split("\n").reverse().find((l) => l.startsWith("CONFORMANCE_JSON "));
  if (!line) return null;
  return JSON.parse(line.slice("CONFORMANCE_JSON ".length));
}
