// The same small web app twice, with the package's adapters: once on Hono (Workers, Deno, Node)
// and once on Express (Node). adapter-checks.mjs drives either over HTTP (or app.fetch).
//
//   GET /me?path=P        Bearer required; provider mode (google) as the Bearer's user
//   GET /me-getter?path=P Bearer required; the same through an App whose userTokenGetter reads the
//                         adapter's AsyncLocalStorage (fails closed → 401 where there is none)
//   GET /sys?grant=G&path=P&reason=R   no Bearer; grant mode with the app's identity
// Each answers the mock provider's JSON `{user, grant_id}` (never anything else), or the mapped
// SDK error. Imports nothing: the caller passes the framework and the package in.

export const KEY = "alter_rk_demoappallscopesaaaaaa_hoz64e";

function mockPath(p) {
  return typeof p === "string" && p.startsWith("/") ? p : "/calendar/v3/events";
}

async function answer(res) {
  const j = await res.json();
  return { status: res.status, body: { user: j.user ?? null, grant_id: j.grant_id ?? null } };
}

/**
 * Hono app. `apps` = `{ plain, getter }` (plain: no getter; getter: the adapter's userTokenGetter);
 * given as functions of the Hono context so a Worker can build them from `c.env`.
 */
export function buildHonoApp({ Hono, adapter, vaultUrl, apps }) {
  const provider = (c) => `${vaultUrl(c)}/mock/google`;
  const hono = new Hono();
  hono.use("/me", adapter.alter({ app: apps.plain }));
  hono.use("/me-getter", adapter.alter({ app: apps.getter }));
  hono.use("/sys", adapter.alter({ app: apps.plain, optional: true }));
  hono.get("/me", async (c) => {
    const r = await answer(await c.var.alter.request("GET", provider(c) + mockPath(c.req.query("path")), {
      provider: "google", reason: c.req.query("reason") ?? "routes /me",
    }));
    return c.json(r.body, r.status);
  });
  hono.get("/me-getter", async (c) => {
    // c.var.alter.app is the getter App; call it WITHOUT the scoped wrapper: identity from ALS only.
    const r = await answer(await c.var.alter.app.request("GET", provider(c) + mockPath(c.req.query("path")), {
      provider: "google", reason: c.req.query("reason") ?? "routes /me-getter",
    }));
    return c.json(r.body, r.status);
  });
  hono.get("/sys", async (c) => {
    const r = await answer(await c.var.alter.request("GET", provider(c) + mockPath(c.req.query("path")), {
      grantId: c.req.query("grant"), reason: c.req.query("reason") ?? "routes /sys",
    }));
    return c.json(r.body, r.status);
  });
  hono.onError(adapter.alterErrorHandler());
  return hono;
}

/** Express app with alter-edge/express; `apps` = `{ plain, getter }` App instances. */
export function buildExpressApp({ express, adapter, vaultUrl, apps }) {
  const provider = `${vaultUrl}/mock/google`;
  const app = express();
  const wrap = (fn) => (req, res, next) => fn(req, res).catch(next);
  app.get("/me", adapter.bearerAuth(), wrap(async (req, res) => {
    const r = await answer(await apps.plain.request("GET", provider + mockPath(req.query.path), {
      provider: "google", userToken: adapter.getUserToken(), reason: req.query.reason ?? "routes /me",
    }));
    res.status(r.status).json(r.body);
  }));
  app.get("/me-getter", adapter.bearerAuth(), wrap(async (req, res) => {
    const r = await answer(await apps.getter.request("GET", provider + mockPath(req.query.path), {
      provider: "google", reason: req.query.reason ?? "routes /me-getter",
    }));
    res.status(r.status).json(r.body);
  }));
  app.get("/sys", wrap(async (req, res) => {
    const r = await answer(await apps.plain.request("GET", provider + mockPath(req.query.path), {
      grantId: req.query.grant, reason: req.query.reason ?? "routes /sys",
    }));
    res.status(r.status).json(r.body);
  }));
  app.use(adapter.alterErrorHandler());
  // Anything unmapped: a bare 500 (never the error text).
  app.use((err, req, res, _next) => res.status(500).json({ error: "internal" }));
  return app;
}
