// A Cloudflare Worker with alter-edge and Hono: each request acts as the user of its Bearer token;
// the audit row of every provider call is handed to ctx.waitUntil, so it is written after the
// response has gone out; SDK errors become 401/403/409/502 without details.
//
// Bindings: ALTER_API_KEY (a secret: `wrangler secret put ALTER_API_KEY`, or .dev.vars locally),
// ALTER_BASE_URL (optional, default the Alter backend), PROVIDER_BASE_URL (optional, default
// Google's API; the tests point it at the dev vault's mock provider).
import { Hono } from "hono";
import { App, HttpMethod } from "alter-edge";
import { alter, alterErrorHandler } from "alter-edge/hono";

// One App per isolate, made from the bindings on first use and shared by all requests: it holds
// no per-request state (the user's token travels with each call).
let alterApp = null;
function appFor(env) {
  alterApp ??= new App({ apiKey: env.ALTER_API_KEY, baseUrl: env.ALTER_BASE_URL || undefined });
  return alterApp;
}

const app = new Hono();

// Bearer token → c.var.alter (401 {"error":"missing_bearer"} without one); after the handler the
// App's pending audit rows go to c.executionCtx.waitUntil. A real app verifies the JWT first.
app.use("/events", alter({ app: (c) => appFor(c.env) }));

app.get("/events", async (c) => {
  const google = c.env.PROVIDER_BASE_URL || "https://www.googleapis.com";
  const response = await c.var.alter.request(HttpMethod.GET, `${google}/calendar/v3/calendars/primary/events`, {
    provider: "google",
    queryParams: { maxResults: 10 },
    reason: "example-worker: list calendar events",
  });
  return c.json(await response.json(), response.status);
});

app.onError(alterErrorHandler({ onError: (err) => console.warn(`alter: ${err.name} ${err.code}`) }));

export default app;
