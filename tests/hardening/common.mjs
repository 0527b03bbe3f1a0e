// Shared helpers of the hardening suite (issue 7): the built package, a dev vault per test file,
// a counting fetch, and the invariants every fault case ends with.
import assert from "node:assert/strict";
import dc from "node:diagnostics_channel";
import net from "node:net";
import { startVault } from "../node/helpers/vault.mjs";
import { loadSdk } from "../node/helpers/sdk.mjs";
export { GRANTS, KEYS, AGENTS } from "../node/helpers/demo.mjs";
export { startVault, loadSdk };

/**
 * Which transport the SDK's vault calls take in this run: "fetch" (the default here: the spy below
 * is passed as the `fetch` option, so every exchange goes through it) or "node" (no `fetch` option:
 * in Node the vault calls then go over node:http and the provider call over the global fetch; the
 * spy sees both through diagnostics_channel instead). scripts/test.d/55-hardening.sh runs the fault
 * suite both ways.
 */
export const TRANSPORT = process.env.ALTER_TEST_TRANSPORT === "node" ? "node" : "fetch";

let observing = null; // the spy the diagnostics channels report to ("node" transport)
let subscribed = false;

function observe(spy) {
  observing = spy;
  if (subscribed) return;
  subscribed = true;
  const byReq = new WeakMap();
  const admin = (url) => new URL(url).pathname.startsWith("/admin");
  // node:http (the SDK's vault calls).
  dc.subscribe("http.client.request.start", ({ request }) => {
    const url = `${request.protocol}//${request.getHeader("host")}${request.path}`;
    if (observing === null || admin(url)) return;
    const rec = { url, method: request.method, headers: {}, init: null, status: null, via: "node:http" };
    byReq.set(request, rec);
    observing.record(rec, []);
  });
  dc.subscribe("http.client.response.finish", ({ request, response }) => {
    const rec = byReq.get(request);
    if (rec) rec.status = response.statusCode;
  });
  // undici (the global fetch: the provider call, and the test's own fetches, skipped as admin).
  dc.subscribe("undici:request:create", ({ request }) => {
    const url = `${request.origin}${request.path}`;
    if (observing === null || admin(url)) return;
    const pairs = [];
    const h = request.headers;
    if (Array.isArray(h)) for (let i = 0; i + 1 < h.length; i += 2) pairs.push([String(h[i]), String(h[i + 1])]);
    else if (typeof h === "string") for (const line of h.split("\r\n")) { const at = line.indexOf(":"); if (at > 0) pairs.push([line.slice(0, at), line.slice(at + 1).trim()]); }
    const rec = { url, method: request.method, headers: Object.fromEntries(pairs.map(([k, v]) => [k.toLowerCase(), v])), init: null, status: null, via: "fetch" };
    byReq.set(request, rec);
    observing.record(rec, pairs);
  });
  dc.subscribe("undici:request:headers", ({ request, response }) => {
    const rec = byReq.get(request);
    if (rec) rec.status = response.statusCode;
  });
}

/**
 * A `fetch` option that counts and records every exchange (vault and provider) and remembers the
 * credential values it saw on provider calls, then passes the call to the global fetch.
 */
export function countingFetch(vaultUrl) {
  const calls = [];
  const secrets = new Set();
  // A provider call is anything that is not a signed /sdk/ call to the vault.
  const isProvider = (c) => !(vaultUrl && c.url.startsWith(`${vaultUrl}/sdk/`)) && !(!vaultUrl && new URL(c.url).pathname.startsWith("/sdk/"));
  const record = (rec, pairs) => {
    calls.push(rec);
    const headers = new Headers(pairs);
    const url = rec.url;
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
  };
  const fetchImpl = async (input, init) => {
    const url = typeof input === "string" ? input : input.url;
    const headers = new Headers(init?.headers ?? undefined);
    const rec = { url, method: init?.method ?? "GET", headers: Object.fromEntries(headers), init, status: null };
    record(rec, [...headers]);
    const res = await globalThis.fetch(input, init);
    rec.status = res.status;
    return res;
  };
  const spy = {
    record,
    // undefined under the "node" transport: the option is then absent.
    fetch: TRANSPORT === "node" ? undefined : fetchImpl,
    calls,
    secrets,
    isProvider,
    vaultCalls: (path) => calls.filter((c) => new URL(c.url).pathname === path).length,
    providerCalls: () => calls.filter(isProvider).length,
  };
  if (TRANSPORT === "node") observe(spy);
  return spy;
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
  if (TRANSPORT === "node") {
    // The run is about node:http: every vault exchange took it, every provider call took fetch.
    for (const c of spy.calls) assert.equal(c.via, spy.isProvider(c) ? "fetch" : "node:http", `${c.method} ${c.url}`);
  }
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

/**
 * A local port nothing listens on (it was free a moment ago): a refused connection. Not port 1,
 * which fetch refuses before any connection attempt (a "bad port"), out of diagnostics_channel's
 * sight.
 */
export async function closedPort() {
  const probe = net.createServer();
  await new Promise((r) => probe.listen(0, "127.0.0.1", r));
  const { port } = probe.address();
  await new Promise((r) => probe.close(r));
  return port;
}
