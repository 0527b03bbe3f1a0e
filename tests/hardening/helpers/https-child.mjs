// Child process of node-https.test.mjs (started with NODE_EXTRA_CA_CERTS = the trusted test
// certificate): TLS fronts for the dev vault at $VAULT_URL, one with the trusted certificate and
// one with an untrusted one; the SDK talks to them with no `fetch` option. Prints one JSON line.
import dc from "node:diagnostics_channel";
import http from "node:http";
import https from "node:https";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSdk } from "../../node/helpers/sdk.mjs";
import { GRANTS, KEYS } from "../../node/helpers/demo.mjs";

const FIX = join(dirname(fileURLToPath(import.meta.url)), "../fixtures");
const vault = new URL(process.env.VAULT_URL);
const E = await loadSdk();

const seen = [];
// (the fronts' own requests to the vault are marked and left out)
dc.subscribe("http.client.request.start", ({ request }) => {
  if (!request.getHeader("x-test-front")) seen.push({ via: "node", protocol: request.protocol, path: request.path, request });
});
dc.subscribe("undici:request:create", ({ request }) => seen.push({ via: "fetch", protocol: new URL(request.origin).protocol, path: request.path }));

/** A TLS-terminating front for the dev vault. */
async function front(name) {
  const server = https.createServer({ key: readFileSync(join(FIX, `${name}-key.pem`)), cert: readFileSync(join(FIX, `${name}-cert.pem`)) }, (req, res) => {
    const up = http.request({ host: vault.hostname, port: vault.port, path: req.url, method: req.method, headers: { ...req.headers, "x-test-front": "1" } }, (ur) => {
      res.writeHead(ur.statusCode, ur.headers);
      ur.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `https://127.0.0.1:${server.address().port}`, close: () => { server.closeAllConnections(); return new Promise((r) => server.close(r)); } };
}

const good = await front("trusted");
const bad = await front("untrusted");
const out = { statuses: [], credentialOk: 0 };
try {
  const c = new E.App({ apiKey: KEYS.full, baseUrl: good.url, logger: null });
  const provider = `${vault.origin}/mock/google/tls`;
  let next = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < 20) {
      next++;
      const r = await c.request("GET", provider, { grantId: GRANTS.systemGoogle });
      out.statuses.push(r.status);
      if ((await r.json()).credential_ok === true) out.credentialOk++;
    }
  }));
  await c.close();
  const vaultCalls = seen.filter((s) => s.path.startsWith("/sdk/"));
  out.vaultCalls = vaultCalls.length;
  out.vaultOverNodeHttps = vaultCalls.filter((s) => s.via === "node" && s.protocol === "https:").length;
  out.reused = vaultCalls.filter((s) => s.request?.reusedSocket).length;

  const c2 = new E.App({ apiKey: KEYS.full, baseUrl: bad.url, logger: null, maxRetries: 0 });
  try {
    await c2.request("GET", provider, { grantId: GRANTS.systemGoogle });
    out.untrusted = "succeeded";
  } catch (e) {
    out.untrusted = { name: e?.name, isNetworkError: e instanceof E.NetworkError, message: String(e?.message), hasKey: String(e?.message).includes(KEYS.full) };
  }
  await c2.close();
} catch (e) {
  out.error = String(e?.stack ?? e);
} finally {
  await good.close();
  await bad.close();
}
console.log(JSON.stringify(out));
