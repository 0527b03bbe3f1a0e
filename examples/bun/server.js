// A Bun HTTP server with alter-edge: each request acts as the user of its Bearer token (passed per
// call as `userToken`); SDK errors become 401/403/409/502 without details. Bun takes the
// package's Node entry; the SDK reads ALTER_BASE_URL from process.env itself.
//
//   bun install && ALTER_API_KEY=alter_rk_... bun server.js
import { App, HttpMethod } from "alter-edge";
// Framework-independent helpers (they need no Hono): Bearer parsing and the error → HTTP table.
import { bearerToken, httpErrorOf } from "alter-edge/hono";

const alter = new App({ apiKey: process.env.ALTER_API_KEY });
const google = process.env.PROVIDER_BASE_URL ?? `${alter.baseUrl}/mock/google`;

async function handler(req) {
  const url = new URL(req.url);
  if (req.method !== "GET" || url.pathname !== "/events") return new Response("not found", { status: 404 });
  // A real server verifies the JWT here (or behind its auth layer).
  const userToken = bearerToken(req.headers.get("authorization"));
  if (!userToken) return Response.json({ error: "missing_bearer" }, { status: 401 });
  try {
    const response = await alter.request(HttpMethod.GET, `${google}/calendar/v3/calendars/primary/events`, {
      provider: "google",
      userToken,
      queryParams: { maxResults: 10 },
      reason: "example-bun: list calendar events",
    });
    return Response.json(await response.json(), { status: response.status });
  } catch (err) {
    const mapped = httpErrorOf(err);
    if (!mapped) throw err;
    console.warn(`alter: ${err.name} ${err.code}`);
    return Response.json(mapped.body, { status: mapped.status, headers: mapped.headers });
  }
}

const server = Bun.serve({ hostname: "127.0.0.1", port: Number(process.env.PORT ?? 3000), fetch: handler });
console.log(`example-bun listening on http://${server.hostname}:${server.port}`);

// On SIGTERM/SIGINT: stop accepting, then let close() write every pending audit row.
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, async () => {
    await server.stop();
    await alter.close();
    process.exit(0);
  });
}
