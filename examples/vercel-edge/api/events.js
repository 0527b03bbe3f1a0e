// A Vercel Edge Function with alter-edge: each request acts as the user of its Bearer token
// (passed per call as `userToken`); the audit rows are handed to `context.waitUntil`, so they are
// written after the response has gone; SDK errors become 401/403/409/502 without details.
// Vercel bundles the package's "edge-light" entry (its .wasm as a precompiled module).
//
// Environment: ALTER_API_KEY, ALTER_BASE_URL (optional), PROVIDER_BASE_URL (optional, default
// Google's API; the tests point it at the dev vault's mock provider).
import { App, HttpMethod } from "alter-edge";
// Framework-independent helpers (they need no Hono): Bearer parsing and the error → HTTP table.
import { bearerToken, httpErrorOf } from "alter-edge/hono";

export const config = { runtime: "edge" };

// One App per instance, shared by all requests: it holds no per-request state. The SDK finds no
// AsyncLocalStorage on Vercel Edge, so the user's token travels with each call, not via a getter.
const alter = new App({ apiKey: process.env.ALTER_API_KEY });
const google = process.env.PROVIDER_BASE_URL || "https://www.googleapis.com";

export default async function handler(request, context) {
  // A real function verifies the JWT here (or in middleware).
  const userToken = bearerToken(request.headers.get("authorization"));
  if (!userToken) return Response.json({ error: "missing_bearer" }, { status: 401 });
  try {
    const response = await alter.request(HttpMethod.GET, `${google}/calendar/v3/calendars/primary/events`, {
      provider: "google",
      userToken,
      queryParams: { maxResults: 10 },
      reason: "example-vercel-edge: list calendar events",
    });
    // This call's audit row outlives the response (and waits for no other request in flight).
    context.waitUntil(response.auditDone);
    return Response.json(await response.json(), { status: response.status });
  } catch (err) {
    if (err.auditDone) context.waitUntil(err.auditDone);
    const mapped = httpErrorOf(err);
    if (!mapped) throw err;
    console.warn(`alter: ${err.name} ${err.code}`);
    return Response.json(mapped.body, { status: mapped.status, headers: mapped.headers });
  }
}
