// Express + alter-edge: one App per process, the caller's JWT carried by AsyncLocalStorage and
// handed to the SDK through userTokenGetter, SDK errors mapped to HTTP statuses.
//
// Environment: ALTER_API_KEY (required), ALTER_BASE_URL (read by the SDK itself),
// PROVIDER_BASE_URL (default: the dev vault's mock Google, $ALTER_BASE_URL/mock/google),
// PORT (default 3000; 0 picks a free port). Prints one line once listening:
//   example-express listening on http://127.0.0.1:<port>
import express from "express";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  App, HttpMethod, AlterSDKError, NoDelegatedGrantError, PolicyViolationError, ReAuthRequiredError,
  ScopeReauthRequiredError,
} from "alter-edge";

const jwtStore = new AsyncLocalStorage();

const alter = new App({
  apiKey: process.env.ALTER_API_KEY,
  userTokenGetter: () => {
    const jwt = jwtStore.getStore();
    if (!jwt) throw new Error("No JWT in the current async context");
    return jwt;
  },
});

const providerBase = process.env.PROVIDER_BASE_URL ?? `${alter.baseUrl}/mock/google`;
const app = express();

// Bearer extraction; a real app would verify the JWT here (or use its auth middleware).
function authenticate(req, res, next) {
  const match = (req.header("authorization") ?? "").match(/^Bearer\s+(.+)$/i);
  if (!match) {
    res.status(401).json({ error: "missing_bearer" });
    return;
  }
  jwtStore.run(match[1], () => next());
}

app.get("/events", authenticate, async (req, res, next) => {
  try {
    const response = await alter.request(HttpMethod.GET, `${providerBase}/calendar/v3/calendars/primary/events`, {
      provider: "google",
      queryParams: { maxResults: 10 },
      reason: "example: list the user's calendar events",
    });
    res.status(response.status).json(await response.json());
  } catch (error) {
    next(error);
  }
});

// SDK errors → HTTP. Messages only; an error never carries the credential.
app.use((err, req, res, next) => {
  if (err instanceof ReAuthRequiredError && err.code === "jwt_validation_error") {
    res.status(401).json({ error: "invalid_token" });
  } else if (err instanceof NoDelegatedGrantError || err instanceof ScopeReauthRequiredError || err instanceof ReAuthRequiredError) {
    res.status(409).json({ error: "reauthorization_required", providerId: err.providerId ?? null });
  } else if (err instanceof PolicyViolationError) {
    res.status(403).json({ error: "forbidden" });
  } else if (err instanceof AlterSDKError) {
    res.status(502).json({ error: "credential_unavailable", code: err.code });
  } else {
    next(err);
  }
});

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`example-express listening on http://127.0.0.1:${server.address().port}`);
});

async function shutdown() {
  server.close();
  await alter.close(); // waits for queued audit rows
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
