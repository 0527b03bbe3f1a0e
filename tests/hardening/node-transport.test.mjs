// The Node transport of the SDK's own vault exchanges (js/core/node.js): with no `fetch`
// option and Node's own global fetch, /sdk/* calls go over node:http with a keep-alive Agent and
// the provider call over fetch. These tests hold it to what the fetch path guarantees: the same
// answers, a deadline and a caller signal that really stop the exchange (the socket is closed),
// typed network errors without the API key, content codings decoded, a fetch wrapper or `fetch`
// option honoured, one audit row per provider call under load and close().
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import dc from "node:diagnostics_channel";
import http from "node:http";
import net from "node:net";
import zlib from "node:zlib";
import { startVault, loadSdk, rejectsWith, GRANTS, KEYS, sleep, closedPort } from "./common.mjs";

const E = await loadSdk();
let vault;
let mock;

// Every exchange of the process, by transport (test helpers' own admin calls excluded).
const seen = [];
const notAdmin = (path) => !path.startsWith("/admin");
dc.subscribe("http.client.request.start", ({ request }) => {
  if (notAdmin(request.path)) seen.push({ via: "node:http", path: request.path.split("?")[0], request });
});
dc.subscribe("undici:request:create", ({ request }) => {
  if (notAdmin(request.path)) seen.push({ via: "fetch", path: request.path.split("?")[0] });
});
const count = (via, pred) => seen.filter((s) => s.via === via && pred(s.path)).length;
const isSdk = (p) => p.startsWith("/sdk/");
const isMock = (p) => p.startsWith("/mock/");

before(async () => {
  vault = await startVault();
  mock = `${vault.url}/mock`;
});
after(async () => vault?.stop());

const get = (c, path, opts = {}) => c.request("GET", `${mock}${path}`, { grantId: GRANTS.systemGoogle, ...opts });

test("vault calls over node:http on reused sockets, provider calls over fetch; 200 requests at 16, one audit row each", { timeout: 60000 }, async () => {
  await vault.reset();
  seen.length = 0;
  const c = new E.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < 200) {
      const i = next++;
      const r = await get(c, `/google/nt/${i}`);
      assert.equal(r.status, 200);
      assert.equal((await r.json()).credential_ok, true);
    }
  }));
  await c.flush();
  assert.equal(count("node:http", (p) => p === "/sdk/token"), 200);
  assert.equal(count("node:http", (p) => p === "/sdk/oauth/audit/api-call"), 200);
  assert.equal(count("fetch", isSdk), 0, "no vault call over fetch");
  assert.equal(count("fetch", isMock), 200);
  assert.equal(count("node:http", isMock), 0);
  const reused = seen.filter((s) => s.via === "node:http" && s.request.reusedSocket).length;
  assert.ok(reused >= 300, `keep-alive: ${reused} of 400 vault exchanges on a reused socket`);
  const rows = (await vault.auditRows()).filter((r) => r.source !== "proxy");
  assert.equal(rows.length, 200);
  await c.close();
});

test("a `fetch` option, or a global fetch the app replaced, takes every exchange (node:http unused)", { timeout: 30000 }, async () => {
  await vault.reset();
  seen.length = 0;
  let viaOption = 0;
  const c1 = new E.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null, fetch: (u, i) => (viaOption++, fetch(u, i)) });
  assert.equal((await get(c1, "/google/opt")).status, 200);
  await c1.close();
  assert.equal(viaOption, 3, "token, provider, audit");

  const original = globalThis.fetch;
  let viaGlobal = 0;
  globalThis.fetch = (u, i) => (viaGlobal++, original(u, i));
  try {
    const c2 = new E.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
    assert.equal((await get(c2, "/google/wrapped")).status, 200);
    await c2.close();
  } finally {
    globalThis.fetch = original;
  }
  assert.equal(viaGlobal, 3, "token, provider, audit through the app's wrapper");
  assert.equal(count("node:http", isSdk), 0);

  // Back to Node's own fetch: node:http again.
  const c3 = new E.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
  assert.equal((await get(c3, "/google/back")).status, 200);
  await c3.close();
  assert.equal(count("node:http", (p) => p === "/sdk/token"), 1);
});

/** A TCP server that accepts and never answers; reports when each socket closes. */
async function silentServer() {
  const sockets = [];
  const server = net.createServer((s) => {
    const rec = { closedAt: null };
    sockets.push(rec);
    s.on("data", () => {});
    s.on("close", () => (rec.closedAt = Date.now()));
    s.on("error", () => {});
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, sockets, close: () => new Promise((r) => server.close(r)) };
}

test("the deadline destroys the exchange: TimeoutError, and the vault's socket is closed", { timeout: 30000 }, async () => {
  const s = await silentServer();
  try {
    const c = new E.App({ apiKey: KEYS.full, baseUrl: s.url, logger: null, timeout: 300, maxRetries: 0 });
    const t0 = Date.now();
    const err = await rejectsWith(E, () => c.request("GET", "https://api.example.com/x", { grantId: GRANTS.systemGoogle }), E.TimeoutError);
    assert.ok(Date.now() - t0 < 5000);
    assert.ok(!err.message.includes(KEYS.full));
    for (let i = 0; i < 100 && s.sockets.some((x) => x.closedAt === null); i++) await sleep(10);
    assert.equal(s.sockets.length, 1);
    assert.ok(s.sockets[0].closedAt !== null, "socket closed by the client after its deadline");
    await c.close();
  } finally {
    await s.close();
  }
});

test("the caller's signal destroys the exchange: rejects with its reason, socket closed", { timeout: 30000 }, async () => {
  const s = await silentServer();
  try {
    const c = new E.App({ apiKey: KEYS.full, baseUrl: s.url, logger: null, timeout: 20000 });
    const ac = new AbortController();
    const p = c.request("GET", "https://api.example.com/x", { grantId: GRANTS.systemGoogle, signal: ac.signal });
    while (s.sockets.length < 1) await sleep(5);
    const reason = new Error("caller stopped");
    ac.abort(reason);
    await assert.rejects(p, (e) => e === reason);
    for (let i = 0; i < 100 && s.sockets[0].closedAt === null; i++) await sleep(10);
    assert.ok(s.sockets[0].closedAt !== null, "socket closed after the abort");
    await c.close();
  } finally {
    await s.close();
  }
});

test("refused connection and a body cut short: typed NetworkError without the API key, retries counted", { timeout: 30000 }, async () => {
  const c = new E.App({ apiKey: KEYS.full, baseUrl: `http://127.0.0.1:${await closedPort()}`, logger: null, maxRetries: 1 });
  const e1 = await rejectsWith(E, () => c.request("GET", "https://api.example.com/x", { grantId: GRANTS.systemGoogle }), E.NetworkError);
  assert.ok(!String(e1.message).includes(KEYS.full) && !JSON.stringify(e1).includes(KEYS.full));
  await c.close();

  // Head promises 500 bytes, 10 arrive, then the connection drops.
  let hits = 0;
  const cut = http.createServer((req, res) => {
    hits++;
    req.resume();
    res.writeHead(200, { "content-type": "application/json", "content-length": "500" });
    res.write('{"access_');
    setTimeout(() => res.destroy(), 20);
  });
  await new Promise((r) => cut.listen(0, "127.0.0.1", r));
  try {
    const c2 = new E.App({ apiKey: KEYS.full, baseUrl: `http://127.0.0.1:${cut.address().port}`, logger: null, maxRetries: 2 });
    await rejectsWith(E, () => c2.request("GET", "https://api.example.com/x", { grantId: GRANTS.systemGoogle }), E.NetworkError);
    assert.equal(hits, 3, "a dropped token exchange is retried like on fetch (1 + 2)");
    await c2.close();
  } finally {
    await new Promise((r) => cut.close(r));
  }
});

/** A proxy in front of the dev vault that answers /sdk/* with the given content coding. */
async function codingProxy(coding) {
  const target = new URL(vault.url);
  // "x-unknown": the header is set and the body left as it is (Node's fetch passes such a body
  // through undecoded, and so must the SDK's Node transport).
  const encode = { gzip: zlib.gzipSync, deflate: zlib.deflateSync, br: zlib.brotliCompressSync, "x-unknown": (b) => b }[coding];
  const server = http.createServer((req, res) => {
    const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (ur) => {
      const chunks = [];
      ur.on("data", (d) => chunks.push(d));
      ur.on("end", () => {
        const headers = { ...ur.headers };
        let body = Buffer.concat(chunks);
        delete headers["transfer-encoding"];
        if (req.url.startsWith("/sdk/") && body.length > 0) {
          body = encode(body);
          headers["content-encoding"] = coding;
        }
        headers["content-length"] = String(body.length);
        res.writeHead(ur.statusCode, headers);
        res.end(body);
      });
    });
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

for (const coding of ["gzip", "deflate", "br", "x-unknown"]) {
  test(`a ${coding}-coded vault answer is read as fetch reads it: the request succeeds and is audited`, { timeout: 30000 }, async () => {
    await vault.reset();
    const p = await codingProxy(coding);
    try {
      const c = new E.App({ apiKey: KEYS.full, baseUrl: p.url, logger: null });
      const r = await get(c, `/google/coded-${coding}`);
      assert.equal(r.status, 200);
      assert.equal((await r.json()).credential_ok, true);
      await c.flush();
      const rows = (await vault.auditRows()).filter((x) => x.source !== "proxy");
      assert.equal(rows.length, 1);
      assert.ok(rows[0].row.url.includes(`coded-${coding}`));
      await c.close();
    } finally {
      await p.close();
    }
  });
}

test("close() under load on node:http: every request settles, one audit row per provider call", { timeout: 60000 }, async () => {
  await vault.reset();
  seen.length = 0;
  await vault.fault("/sdk/token", { delay_ms: 150 }, 20);
  await vault.fault("/sdk/oauth/audit/api-call", { delay_ms: 100 }, 20);
  const c = new E.App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
  const ps = [];
  for (let i = 0; i < 80; i++) ps.push(get(c, `/google/closing/${i}`).then((r) => r.status, (e) => e));
  await sleep(40);
  await c.close();
  const results = await Promise.all(ps);
  for (const r of results) assert.ok(r === 200 || (r instanceof E.AlterSDKError && typeof r.code === "string"), `settled: ${r}`);
  const providerCalls = count("fetch", isMock);
  assert.ok(providerCalls >= 1);
  const rows = (await vault.auditRows()).filter((x) => x.source !== "proxy");
  assert.equal(rows.length, providerCalls, "close() waited for every audit, one per provider call");
  assert.equal(count("fetch", isSdk), 0);
});
