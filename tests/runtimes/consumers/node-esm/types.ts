// Type-checks documented usage of the adapters from the installed package (tsc --noEmit, strict),
// with the real express and hono types, plus what the types must reject.
import express from "express";
import { Hono } from "hono";
import { App, HttpMethod, type AlterResponse } from "alter-edge";
import { alterErrorHandler, bearerAuth, getUserToken, httpErrorOf, userTokenGetter, userTokenStore } from "alter-edge/express";
import * as hono from "alter-edge/hono";

const app = new App({ apiKey: "alter_rk_x", userTokenGetter });
const server = express();
server.get("/events", bearerAuth(), async (_req, res, next) => {
  try {
    const r: AlterResponse = await app.request(HttpMethod.GET, "https://example.com", { provider: "google" });
    res.status(r.status).json(await r.json());
  } catch (e) {
    next(e);
  }
});
server.use(alterErrorHandler({ onError: (err) => console.warn(err) }));
const t: string | undefined = getUserToken() ?? userTokenStore.getStore();
const mapped = httpErrorOf(new Error("x"));
if (mapped) {
  const s: 401 | 403 | 409 | 502 = mapped.status;
  void s;
}
void t;

type Env = { ALTER_API_KEY: string };
const h = new Hono<{ Bindings: Env; Variables: hono.AlterVariables }>();
h.use("/api/*", hono.alter({ app: (c) => new App({ apiKey: (c.env as Env).ALTER_API_KEY }) }));
h.get("/api/x", async (c) => {
  const r = await c.var.alter.request("GET", "https://example.com", { provider: "google" });
  return c.json({ status: r.status, token: c.var.alterUserToken ?? null });
});
h.onError(hono.alterErrorHandler());
const ok: boolean = hono.waitUntilAudits({}, app);
void ok;

// @ts-expect-error  the app option must be a client (or a factory of one)
hono.alter({ app: 42 });
// @ts-expect-error  bearerAuth options are an object
bearerAuth("optional");
