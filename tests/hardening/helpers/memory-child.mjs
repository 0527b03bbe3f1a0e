// Child of memory.test.mjs: one request whose provider body never ends (or is huge), with the
// Response held unread for DURATION_MS while the provider streams as fast as it is allowed to.
// Prints one JSON line: the status and the RSS right after the response, at its peak and at the
// end. Run with --expose-gc. Env: SDK_ENTRY, VAULT_URL, API_KEY, URL, GRANT_ID, DURATION_MS.
import { pathToFileURL } from "node:url";

const { SDK_ENTRY, VAULT_URL, API_KEY, URL: TARGET, GRANT_ID, DURATION_MS } = process.env;
const E = await import(pathToFileURL(SDK_ENTRY).href);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rss = () => process.memoryUsage().rss;

// The default transport: no `fetch` option.
const c = new E.App({ apiKey: API_KEY, baseUrl: VAULT_URL, logger: null });
const r = await c.request("GET", TARGET, { grantId: GRANT_ID });
globalThis.gc();
const start = rss();
let peak = start;
const end = Date.now() + Number(DURATION_MS);
while (Date.now() < end) {
  await sleep(200);
  peak = Math.max(peak, rss());
}
globalThis.gc();
const last = rss();
peak = Math.max(peak, last);
// The audit row is sent in the background; flush waits for it.
await c.flush();
console.log(JSON.stringify({ status: r.status, bodyUsed: r.bodyUsed, start, peak, last }));
process.exit(0);
