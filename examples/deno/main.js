// A Deno (Deno Deploy-style) HTTP function with alter-edge: each request acts as the user of its
// Bearer token (passed per call as `userToken`); SDK errors become 401/403/409/502 without
// details. The SDK reads ALTER_BASE_URL from Deno.env itself when the env permission allows it.
//
//   npm install && deno run --allow-net --allow-env=ALTER_API_KEY,ALTER_BASE_URL,PROVIDER_BASE_URL,PORT main.js
import { App, HttpMethod } from "alter-edge";
// Framework-independent helpers (they need no Hono): Bearer parsing and the error → HTTP table.
import { bearerToken, httpErrorOf } from "alter-edge/hono";

const alter = new App({ apiKey: Deno.env.get("ALTER_API_KEY") });
const google = Deno.env.get("PROVIDER_BASE_URL") ?? `${alter.baseUrl}/mock/google`;

async function handler(req) {
  const url = new URL(req.url);
  if (req.method !== "GET" || url.pathname !== "/events") return new Response("not found", { status: 404 });
  // A real function verifies the JWT here (or behind its auth layer).
  const userToken = bearerToken(req.headers.get("authorization"));
  if (!userToken) return Response.json({ error: "missing_bearer" }, { status: 401 });
  try {
    const response = await alter.request(HttpMethod.GET, `${google}/calendar/v3/calendars/primary/events`, {
      provider: "google",
      userToken,
      queryParams: { maxResults: 10 },
      reason: "example-deno: list calendar events",
    });
    return Response.json(await response.json(), { status: response.status });
  } catch (err) {
    const mapped = httpErrorOf(err);
    if (!mapped) throw err;
    console.warn(`alter: ${err.name} ${err.code}`);
    return Response.json(mapped.body, { status: mapped.status, headers: mapped.headers });
  }
}

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: Number(Deno.env.get("PORT") ?? 8000),
  onListen: ({ hostname, port }) => console.log(`example-deno listening on http://${hostname}:${port}`),
}, handler);

// On SIGTERM/SIGINT: stop accepting, then let close() write every pending audit row.
for (const sig of ["SIGTERM", "SIGINT"]) {
  Deno.addSignalListener(sig, async () => {
    await server.shutdown();
    await alter.close();
    Deno.exit(0);
  });
}
