// Deno consumer (the package from node_modules, its "deno" export): a provider network error on a
// query-credential grant. Deno's fetch errors quote the URL, and that URL carries the credential;
// the SDK's error must not. Prints the texts a caller could see for run.mjs to check (the forms of
// the credential are computed there): `CONFORMANCE_JSON {runtime, texts, control}`.
import * as sdk from "alter-edge";

const env = (k) => Deno.env.get(k);
const vaultUrl = env("VAULT_URL");
const target = env("TARGET");
const app = new sdk.App({ apiKey: env("API_KEY"), baseUrl: vaultUrl, logger: null, maxRetries: 0 });
const texts = {};
let name = "(no error)";
try {
  await app.request("GET", target, { grantId: env("GRANT_ID"), queryParams: { q: "1" } });
} catch (e) {
  name = e?.name;
  Object.assign(texts, {
    "err.message": String(e?.message),
    "JSON.stringify(err)": JSON.stringify(e),
    "Deno.inspect(err)": Deno.inspect(e),
    "Deno.inspect(err, deep)": Deno.inspect(e, { depth: 20, showHidden: true }),
    "String(err)": String(e),
    "err.stack": String(e?.stack),
    "err.details": JSON.stringify(e?.details),
    "err.cause": Deno.inspect(e?.cause),
  });
}
await app.close();
// Control: Deno's own error for the URL the SDK fetched (credential in the query) quotes it.
let control = "";
try {
  await fetch(`${target}?q=1&k=${encodeURIComponent(env("CONTROL_SECRET"))}`);
} catch (e) {
  control = `${e?.message} ${Deno.inspect(e)}`;
}
console.log("CONFORMANCE_JSON " + JSON.stringify({ runtime: "deno-leaks", name, texts, control }));
