// Node CommonJS consumer: `require('alter-edge')` must give the very module instance `import`
// gives (Node >= 20.19 requires ES modules synchronously), hence the same error classes.
"use strict";
const cjs = require("alter-edge");
const cjsExpress = require("alter-edge/express");

(async () => {
  const esm = await import("alter-edge");
  const { runConformance } = await import("./conformance.mjs");
  const extra = [];
  const check = (name, ok, detail = "") => extra.push({ name, ok: !!ok, detail: ok ? detail : `failed: ${detail}` });
  check("cjs_same_instance", cjs.App === esm.App && cjs.Agent === esm.Agent, "App/Agent identical");
  const names = Object.keys(esm.ERROR_CLASSES ?? {});
  const differing = names.filter((n) => cjs[n] !== esm[n]);
  check("cjs_same_error_classes", names.length > 20 && differing.length === 0, `${names.length} classes identical${differing.length ? "; differ: " + differing.join(",") : ""}`);
  let err;
  try {
    await new esm.App({ apiKey: "alter_rk_demoappallscopesaaaaaa_hoz64e", baseUrl: process.env.VAULT_URL, logger: null })
      .request("GET", `${process.env.VAULT_URL}/mock/google/x`, { grantId: "6a000000-0000-4000-8000-0000000000ff" });
  } catch (e) { err = e; }
  check("cjs_instanceof_esm_error", err instanceof cjs.GrantNotFoundError && err instanceof cjs.AlterSDKError, err ? err.name : "no error");
  let gerr;
  try { cjsExpress.userTokenGetter(); } catch (e) { gerr = e; }
  check("cjs_adapter_error_class", gerr instanceof esm.AlterSDKError && gerr.code === "user_token_getter_failed", gerr ? gerr.code : "no error");
  const out = await runConformance({ sdk: cjs, vaultUrl: process.env.VAULT_URL, runtime: `${process.env.NODE_LABEL ?? "node"}-cjs`, expectEnvBaseUrl: true });
  out.results.unshift(...extra);
  console.log("CONFORMANCE_JSON " + JSON.stringify([out]));
})().catch((e) => { console.error(e); process.exit(1); });
