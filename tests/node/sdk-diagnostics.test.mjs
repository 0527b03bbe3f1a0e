// Safe first contact, against the built package and the dev vault: a rejected call's stack shows
// the caller's frames; `cause` carries the application's own error or the network error behind a
// NetworkError (never for a provider call whose credential is in the URL); plain messages for a
// URL without a scheme and a baseUrl ending in /sdk; `logLevel` / ALTER_LOG and the one debug
// line per call; the User-Agent of protocol-core §2.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { startVault } from "./helpers/vault.mjs";
import { loadSdk } from "./helpers/sdk.mjs";
import { GRANTS, KEYS } from "./helpers/demo.mjs";
import { spyFetch } from "./helpers/spy.mjs";

const E = await loadSdk();
const { App, AlterSDKError, AlterValueError, NetworkError } = E;
let vault;
let mock;

before(async () => {
  vault = await startVault();
  mock = `${vault.url}/mock`;
});
after(async () => vault?.stop());
beforeEach(async () => vault.reset());

/** Every line of every level, as `level text`. */
function lines() {
  const out = [];
  const rec = (level) => (...a) => out.push(`${level} ${a.map(String).join(" ")}`);
  return { logger: { debug: rec("debug"), info: rec("info"), warn: rec("warn"), error: rec("error") }, out };
}

const REFUSED = "http://127.0.0.1:1"; // nothing listens there: connection refused

test("the stack of a rejected request() and of a namespace call shows the caller's own frames", async () => {
  for (const transport of ["default", "fetch option"]) {
    const extra = transport === "fetch option" ? { fetch: (u, i) => fetch(u, i) } : {};
    const app = new App({ apiKey: KEYS.full, baseUrl: REFUSED, maxRetries: 0, logger: null, ...extra });
    async function myCallerFunction() {
      return await app.request("GET", "https://api.example.com/x", { provider: "google" });
    }
    async function myNamespaceCaller() {
      return await app.listGrants();
    }
    const e1 = await myCallerFunction().catch((e) => e);
    assert.ok(e1 instanceof NetworkError, `${transport}: ${e1?.name}`);
    assert.match(e1.stack, /myCallerFunction/, `${transport}: ${e1.stack}`);
    const e2 = await myNamespaceCaller().catch((e) => e);
    assert.ok(e2 instanceof NetworkError, `${transport}: ${e2?.name}`);
    assert.match(e2.stack, /myNamespaceCaller/, `${transport}: ${e2.stack}`);
    await app.close();
  }
});

test("cause: the network error behind a vault NetworkError; the app's own fetch error", async () => {
  const app = new App({ apiKey: KEYS.full, baseUrl: REFUSED, maxRetries: 0, logger: null });
  const e = await app.request("GET", "https://api.example.com/x", { provider: "google" }).catch((x) => x);
  assert.ok(e instanceof NetworkError);
  assert.ok(e.cause instanceof Error, "the runtime's error is the cause");
  assert.equal(e.cause.code ?? e.cause.cause?.code, "ECONNREFUSED");
  assert.ok(!Object.keys(e).includes("cause") && !("cause" in JSON.parse(JSON.stringify(e))), "not enumerable, not in JSON");
  await app.close();

  const mine = new Error("my fetch is down");
  const app2 = new App({ apiKey: KEYS.full, baseUrl: vault.url, maxRetries: 1, logger: null, fetch: async () => { throw mine; } });
  const e2 = await app2.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle }).catch((x) => x);
  assert.ok(e2 instanceof NetworkError);
  assert.equal(e2.cause, mine);
  const e3 = await app2.listGrants().catch((x) => x);
  assert.equal(e3.cause, mine);
  await app2.close();
});

test("cause of a provider call's NetworkError: kept for a header credential, never for a query credential", async () => {
  const app = new App({ apiKey: KEYS.full, baseUrl: vault.url, logger: null });
  await vault.fault("/mock/google/*", { drop_connection: true }, 1);
  const header = await app.request("GET", `${mock}/google/drop`, { grantId: GRANTS.systemGoogle }).catch((x) => x);
  assert.ok(header instanceof NetworkError, header?.name);
  assert.ok(header.cause !== undefined, "the runtime's error behind a header-credential provider call");
  await vault.fault("/mock/weather-api/*", { drop_connection: true }, 1);
  const query = await app.request("GET", `${mock}/weather-api/drop`, { grantId: GRANTS.weather }).catch((x) => x);
  assert.ok(query instanceof NetworkError, query?.name);
  assert.equal(query.cause, undefined, "the runtime's text may quote the URL with the credential");
  await app.close();
});

test("a URL without a scheme and a baseUrl ending in /sdk: plain messages, before any I/O", async () => {
  let calls = 0;
  const fetchCount = async () => { calls++; throw new Error("no I/O expected"); };
  const app = new App({ apiKey: KEYS.full, baseUrl: vault.url, fetch: fetchCount, userTokenGetter: () => { calls++; return "t"; }, logger: null });
  for (const url of ["api.example.com/x", "//api.example.com/x", "localhost:3000/x"]) {
    const e = await app.request("GET", url, { provider: "google" }).catch((x) => x);
    assert.ok(e instanceof AlterValueError, `${url}: ${e?.name}`);
    assert.match(e.message, /add https:\/\//, e.message);
    const p = await app.proxyRequest("GET", url, { provider: "google" }).catch((x) => x);
    assert.ok(p instanceof AlterValueError && /add https:\/\//.test(p.message), `proxyRequest ${url}: ${p?.message}`);
  }
  assert.equal(calls, 0, "no getter, no fetch");
  await app.close();
  for (const baseUrl of ["https://api.alterauth.com/sdk", "https://api.alterauth.com/sdk/"]) {
    assert.throws(() => new App({ apiKey: KEYS.full, baseUrl }), (e) => e instanceof AlterSDKError && e.code === "invalid_base_url" && /drop the \/sdk/.test(e.message) && e.message.includes('"https://api.alterauth.com"'));
  }
  assert.throws(() => new App({ apiKey: KEYS.full, baseUrl: "api.alterauth.com" }), (e) => e.code === "invalid_base_url" && /https:\/\/ in front/.test(e.message));
  const old = process.env.ALTER_BASE_URL;
  process.env.ALTER_BASE_URL = "https://api.alterauth.com/sdk";
  try {
    assert.throws(() => new App({ apiKey: KEYS.full }), (e) => /ALTER_BASE_URL/.test(e.message) && /drop the \/sdk/.test(e.message));
  } finally {
    if (old === undefined) delete process.env.ALTER_BASE_URL;
    else process.env.ALTER_BASE_URL = old;
  }
});

test("logLevel: one debug line per request and per vault call; levels filter; ALTER_LOG", async () => {
  const log = lines();
  const app = new App({ apiKey: KEYS.full, baseUrl: vault.url, logger: log.logger, logLevel: "debug" });
  const r = await app.request("GET", `${mock}/google/x?secret=q`, { grantId: GRANTS.systemGoogle });
  assert.equal(r.status, 200);
  await app.listGrants();
  await app.close();
  const req = log.out.filter((l) => l.startsWith("debug alter: request "));
  assert.equal(req.length, 1, log.out.join("\n"));
  assert.match(req[0], new RegExp(`^debug alter: request GET 127\\.0\\.0\\.1:\\d+/mock/google/x -> 200 in \\d+ ms \\(retries 0, audit queued\\)$`));
  assert.ok(!req[0].includes("secret=q"), "no query");
  const vaultLines = log.out.filter((l) => l.startsWith("debug alter: vault "));
  assert.equal(vaultLines.length, 1, log.out.join("\n"));
  assert.match(vaultLines[0], /^debug alter: vault POST \/sdk\/grants\/list -> 200 in \d+ ms \(retries 0\)$/);

  // A retried vault call and a failure.
  const log2 = lines();
  const app2 = new App({ apiKey: KEYS.full, baseUrl: vault.url, logger: log2.logger, logLevel: "debug" });
  await vault.fault("/sdk/token", { status: 503 }, 1);
  await app2.request("GET", `${mock}/google/y`, { grantId: GRANTS.systemGoogle });
  await app2.request("GET", `${mock}/google/z`, { grantId: "6a000000-0000-4000-8000-0000000000ff" }).catch(() => {});
  await app2.close();
  const l2 = log2.out.filter((l) => l.startsWith("debug alter: request "));
  assert.match(l2[0], /\/mock\/google\/y -> 200 in \d+ ms \(retries 1, audit queued\)$/, l2.join("\n"));
  assert.match(l2[1], /\/mock\/google\/z -> failed GrantNotFoundError \(grant_not_found\) in \d+ ms \(retries 0, audit none\)$/, l2.join("\n"));

  // Default "warn": no debug line; "silent": nothing at all; "error": no warning.
  for (const [level, expectNone] of [[undefined, "debug"], ["silent", ""], ["error", "warn"]]) {
    const l = lines();
    const a = new App({ apiKey: KEYS.full, baseUrl: vault.url, logger: l.logger, ...(level ? { logLevel: level } : {}), maxRetries: 1 });
    await vault.fault("/sdk/token", { status: 503 }, 1);
    await a.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle });
    await a.close();
    if (expectNone === "") assert.deepEqual(l.out, []);
    else assert.ok(!l.out.some((x) => x.startsWith(expectNone)), `${level}: ${l.out.join("\n")}`);
  }
  assert.throws(() => new App({ apiKey: KEYS.full, logLevel: "verbose" }), (e) => e instanceof AlterValueError && /logLevel/.test(e.message));

  // ALTER_LOG when no option is given; the option wins.
  const old = process.env.ALTER_LOG;
  process.env.ALTER_LOG = "debug";
  try {
    const l = lines();
    const a = new App({ apiKey: KEYS.full, baseUrl: vault.url, logger: l.logger });
    await a.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle });
    const l3 = lines();
    const b = new App({ apiKey: KEYS.full, baseUrl: vault.url, logger: l3.logger, logLevel: "warn" });
    await b.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle });
    await Promise.all([a.close(), b.close()]);
    assert.ok(l.out.some((x) => x.startsWith("debug alter: request GET")), l.out.join("\n"));
    assert.ok(!l3.out.some((x) => x.startsWith("debug")), l3.out.join("\n"));
  } finally {
    if (old === undefined) delete process.env.ALTER_LOG;
    else process.env.ALTER_LOG = old;
  }
});

test("warnings that repeat are given once per process (plain-http loopback backend)", async () => {
  const l = lines();
  for (let i = 0; i < 3; i++) new App({ apiKey: KEYS.full, baseUrl: vault.url, logger: l.logger });
  assert.ok(l.out.filter((x) => /uses plain http/.test(x)).length <= 1, l.out.join("\n"));
});

test("User-Agent: alter-sdk-edge/<version> (node/<version>) on vault and provider calls", async () => {
  const spy = spyFetch();
  const app = new App({ apiKey: KEYS.full, baseUrl: vault.url, fetch: spy.fetch, logger: null });
  await app.request("GET", `${mock}/google/x`, { grantId: GRANTS.systemGoogle });
  await app.close();
  const uas = new Set(spy.calls.map((c) => c.headers["user-agent"]));
  assert.equal(uas.size, 1, [...uas].join(" | "));
  assert.match([...uas][0], new RegExp(`^alter-sdk-edge/\\d+\\.\\d+\\.\\d+ \\(node/${process.versions.node.replace(/\./g, "\\.")}\\)$`));
});
