// Checks of an app built by routes.mjs (Hono or Express), driven through `get(path, headers)`
// (HTTP to a server, or the framework's own fetch). Imports nothing.
//
//   adapter_user            Bearer alice → 200, the provider saw alice's grant
//   adapter_missing_bearer  no Bearer → 401 {"error":"missing_bearer"}
//   adapter_getter          /me-getter: with AsyncLocalStorage → alice; without → 401 (fail closed)
//                           whose hint names the nodejs_als / nodejs_compat flag
//   adapter_401_jwt         a bad JWT → 401 {"error":"invalid_token"}
//   adapter_401_reauth      revoked grant → 401 reauthorization_required
//   adapter_403_policy      denied grant → 403 {"error":"forbidden"}
//   adapter_409_ambiguous   carol (two google accounts) → 409 with both candidates
//   adapter_409_refresh     refresh in progress → 409 + Retry-After
//   adapter_502_provider    provider 500 → 502 {"error":"credential_unavailable"}
//   adapter_502_not_found   unknown grant → 502
//   adapter_no_details      no answer body carries more than the documented keys
//   adapter_isolation       50 concurrent requests of user-001..050, each served as its own user
//                           (with AsyncLocalStorage: again, half of them through the getter App)

import { adminClient, userGoogleGrant, userName } from "./conformance.mjs";

const ALLOWED_KEYS = new Set(["error", "providerId", "candidates", "user", "grant_id", "hint"]);
const G = (nn) => `6a000000-0000-4000-8000-0000000000${nn}`;

class CheckFailed extends Error {}
function expect(cond, what) {
  if (!cond) throw new CheckFailed(what);
}

export async function runAdapterChecks({ get, vaultUrl, runtime, hasAls }) {
  const admin = adminClient(vaultUrl);
  const results = [];
  const bodies = [];
  const check = async (name, fn) => {
    try {
      const detail = await fn();
      results.push({ name, ok: true, detail: detail ?? "" });
    } catch (e) {
      results.push({ name, ok: false, detail: e instanceof CheckFailed ? e.message : `threw ${e?.name}: ${e?.message}` });
    }
  };
  const call = async (path, token) => {
    const res = await get(path, token ? { authorization: `Bearer ${token}` } : {});
    const text = await res.text();
    let body = null;
    try { body = JSON.parse(text); } catch { body = { unparsed: text.slice(0, 200) }; }
    bodies.push(body);
    return { status: res.status, body, headers: res.headers };
  };
  const alice = await admin.token("alice");
  const carol = await admin.token("carol");

  await check("adapter_user", async () => {
    const r = await call("/me", alice);
    expect(r.status === 200 && r.body.user === "alice" && r.body.grant_id === G("01"), `${r.status} ${JSON.stringify(r.body)}`);
  });
  await check("adapter_missing_bearer", async () => {
    const r = await call("/me");
    expect(r.status === 401 && r.body.error === "missing_bearer", `${r.status} ${JSON.stringify(r.body)}`);
  });
  await check("adapter_getter", async () => {
    const r = await call("/me-getter", alice);
    if (hasAls) expect(r.status === 200 && r.body.user === "alice", `with ALS: ${r.status} ${JSON.stringify(r.body)}`);
    else expect(r.status === 401 && r.body.error === "missing_bearer" && /nodejs_als/.test(r.body.hint ?? ""), `without ALS: ${r.status} ${JSON.stringify(r.body)}`);
    return hasAls ? "via AsyncLocalStorage" : "no AsyncLocalStorage: failed closed";
  });
  await check("adapter_401_jwt", async () => {
    const r = await call("/me", "not-a-jwt");
    expect(r.status === 401 && r.body.error === "invalid_token", `${r.status} ${JSON.stringify(r.body)}`);
  });
  await check("adapter_401_reauth", async () => {
    const r = await call(`/sys?grant=${G("20")}`);
    expect(r.status === 401 && r.body.error === "reauthorization_required", `${r.status} ${JSON.stringify(r.body)}`);
  });
  await check("adapter_403_policy", async () => {
    const r = await call(`/sys?grant=${G("30")}`);
    expect(r.status === 403 && r.body.error === "forbidden", `${r.status} ${JSON.stringify(r.body)}`);
  });
  await check("adapter_409_ambiguous", async () => {
    const r = await call("/me", carol);
    const ids = (r.body.candidates ?? []).map((c) => c.grantId).sort();
    expect(r.status === 409 && r.body.error === "ambiguous_grant", `${r.status} ${JSON.stringify(r.body)}`);
    expect(ids.join() === [G("03"), G("04")].join(), `candidates ${JSON.stringify(r.body.candidates)}`);
    return `${ids.length} candidates`;
  });
  await check("adapter_409_refresh", async () => {
    const r = await call(`/sys?grant=${G("23")}`);
    expect(r.status === 409 && r.body.error === "token_refresh_in_progress", `${r.status} ${JSON.stringify(r.body)}`);
    expect(r.headers.get("retry-after") === "1", "Retry-After");
  });
  await check("adapter_502_provider", async () => {
    const r = await call(`/sys?grant=${G("06")}&path=/status/500`);
    expect(r.status === 502 && r.body.error === "credential_unavailable", `${r.status} ${JSON.stringify(r.body)}`);
  });
  await check("adapter_502_not_found", async () => {
    const r = await call(`/sys?grant=${G("ff")}`);
    expect(r.status === 502 && r.body.error === "credential_unavailable", `${r.status} ${JSON.stringify(r.body)}`);
  });
  await check("adapter_isolation", async () => {
    const N = 50; // every generated user of demo.toml
    const jwts = await Promise.all(Array.from({ length: N }, (_, i) => admin.token(userName(i + 1))));
    // Provider answers delayed 0..59 ms in a scrambled order, so requests finish while others
    // are still in flight (in workerd: other requests' I/O contexts end mid-way).
    const slow = (i) => encodeURIComponent(`/slow?ms=${(i * 37) % 60}`);
    const rs = await Promise.all(jwts.map((t, i) => call(`/me?path=${slow(i)}&reason=iso-${runtime}-${i}`, t)));
    const wrong = rs.map((r, i) => (r.status === 200 && r.body.user === userName(i + 1) && r.body.grant_id === userGoogleGrant(i + 1) ? null : `${userName(i + 1)}→${r.status} ${r.body.user}`)).filter(Boolean);
    expect(wrong.length === 0, `crossed/failed: ${wrong.join(", ")}`);
    if (!hasAls) return `${N} concurrent users`;
    // The same through the App whose userTokenGetter reads AsyncLocalStorage, and mixed with the
    // per-call path, all at once.
    const mixed = await Promise.all(jwts.map((t, i) => call(`${i % 2 ? "/me-getter" : "/me"}?path=${slow(i + 7)}&reason=iso2-${runtime}-${i}`, t)));
    const wrong2 = mixed.map((r, i) => (r.status === 200 && r.body.user === userName(i + 1) && r.body.grant_id === userGoogleGrant(i + 1) ? null : `${userName(i + 1)}→${r.status} ${r.body.user}`)).filter(Boolean);
    expect(wrong2.length === 0, `getter path crossed/failed: ${wrong2.join(", ")}`);
    return `${N} concurrent users, twice (per-call token; getter + per-call mixed)`;
  });
  await check("adapter_no_details", () => {
    const extra = [];
    for (const b of bodies) for (const k of Object.keys(b ?? {})) if (!ALLOWED_KEYS.has(k)) extra.push(k);
    expect(extra.length === 0, `unexpected keys ${[...new Set(extra)].join(", ")}`);
    expect(!JSON.stringify(bodies).includes("message"), "a body carries a message");
  });
  return { runtime, results };
}
