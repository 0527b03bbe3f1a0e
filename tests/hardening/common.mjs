// Shared helpers of the hardening suite (issue 7): the built package, a dev vault per test file,
// a counting fetch, and the invariants every fault case ends with.
import assert from "node:assert/strict";
import { startVault } from "../node/helpers/vault.mjs";
import { loadSdk } from "../node/helpers/sdk.mjs";
export { GRANTS, KEYS, AGENTS } from "../node/helpers/demo.mjs";
export { startVault, loadSdk };

/**
 * A `fetch` option that counts and records every exchange (vault and provider) and remembers the
 * credential values it saw on provider calls, then passes the call to the global fetch.
 */
export function countingFetch(vaultUrl) {
  const calls = [];
  const secrets = new Set();
  // A provider call is anything that is not a signed /sdk/ call to the vault.
  const isProvider = (c) => !(vaultUrl && c.url.startsWith(`${vaultUrl}/sdk/`)) && !(!vaultUrl && new URL(c.url).pathname.startsWith("/sdk/"));
  const fetchImpl = async (input, init) => {
    const url = typeof input === "string" ? input : input.url;
    const headers = new Headers(init?.headers ?? undefined);
    const rec = { url, method: init?.method ?? "GET", headers: Object.fromEntries(headers), init, status: null };
    calls.push(rec);
    if (url.includes("/mock/")) {
      for (const h of ["authorization", "x-api-key", "x-weather-client"]) {
        const v = headers.get(h);
        if (v) {
          secrets.add(v);
          const m = v.match(/^(?:Bearer|dev-vault)\s+(.+)$/);
          if (m) secrets.add(m[1]);
        }
      }
      const k = new URL(url).searchParams.get("api_key");
      if (k) secrets.add(k);
    }
    const res = await globalThis.fetch(input, init);
    rec.status = res.status;
    return res;
  };
  return {
    fetch: fetchImpl,
    calls,
    secrets,
    isProvider,
    vaultCalls: (path) => calls.filter((c) => new URL(c.url).pathname === path).length,
    providerCalls: () => calls.filter(isProvider).length,
  };
}

/** A logger recording every line at every level. */
export function recordingLogger() {
  const lines = [];
  const rec = (level) => (...args) => lines.push(`${level} ${args.map((a) => (typeof a === "string" ? a : String(a))).join(" ")}`);
  return { logger: { debug: rec("debug"), info: rec("info"), warn: rec("warn"), error: rec("error") }, lines };
}

/** Runs `fn`, expects a rejection that is an instance of `cls` (an Alter error with a string code). */
export async function rejectsWith(E, fn, cls, code) {
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err !== undefined, `expected ${cls.name}, got success`);
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${err?.name}: ${err?.message} (${err?.code})`);
  assert.ok(err instanceof E.AlterSDKError);
  assert.equal(typeof err.code, "string");
  if (code !== undefined) assert.equal(err.code, code);
  return err;
}

/** Every provider attempt the SDK made has exactly one audit row (and no row without one). */
export async function assertOneAuditRowPerProviderCall(vault, spy) {
  const rows = (await vault.auditRows()).filter((r) => r.source !== "proxy");
  const mockCalls = (await vault.mockCalls()).filter((c) => c.via !== "proxy");
  const attempts = spy.calls.filter(spy.isProvider);
  assert.equal(rows.length, attempts.length, `audit rows ${rows.length} vs provider attempts ${attempts.length}`);
  assert.ok(mockCalls.length <= attempts.length, "the mock saw no call the SDK did not make");
  // Each row names the URL of one attempt (multiset equality, query excluded).
  const strip = (u) => u.split("?")[0];
  const a = attempts.map((c) => strip(c.url)).sort();
  const r = rows.map((x) => strip(x.row.url)).sort();
  assert.deepEqual(r, a);
  return { rows, mockCalls };
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
