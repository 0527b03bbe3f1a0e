// Enums and the request-path models (ts-api.md §2.2, §11.2; protocol-core.md §7.7).
// Models are frozen, camelCase, built from the snake_case wire shape; toJSON() gives snake_case.

/** HTTP methods; each value equals its name. Plain strings are accepted everywhere too. */
export const HttpMethod = Object.freeze({
  GET: "GET", POST: "POST", PUT: "PUT", PATCH: "PATCH", DELETE: "DELETE", HEAD: "HEAD", OPTIONS: "OPTIONS",
});

/** Caller types (§1.5): App defaults to SERVICE, Agent is always AGENT. */
export const CallerType = Object.freeze({ AGENT: "agent", SERVICE: "service" });

/**
 * OAuth provider ids: every member of the Python SDK 0.29.0's Provider enum (71), plus AWS and
 * SHOPIFY, which the TypeScript docs name (ts-api.md §2.2). Each value is the provider's slug;
 * plain strings are accepted everywhere, so a provider missing here still works.
 */
export const Provider = Object.freeze({
  ACUITY_SCHEDULING: "acuity-scheduling", ADOBE: "adobe", AIRCALL: "aircall", AIRTABLE: "airtable",
  APOLLO: "apollo", ASANA: "asana", ATLASSIAN: "atlassian", ATTIO: "attio", AUTODESK: "autodesk",
  AWS: "aws", BASECAMP: "basecamp", BITBUCKET: "bitbucket", BITLY: "bitly", BOX: "box", BREX: "brex",
  CALENDLY: "calendly", CAL_COM: "cal-com", CANVA: "canva", CLICKUP: "clickup", CLOSE: "close",
  CONSTANT_CONTACT: "constant-contact", CONTENTFUL: "contentful", DEEL: "deel", DIALPAD: "dialpad",
  DIGITALOCEAN: "digitalocean", DISCORD: "discord", DOCUSIGN: "docusign", DROPBOX: "dropbox", EBAY: "ebay",
  EVENTBRITE: "eventbrite", FACEBOOK: "facebook", FIGMA: "figma", GITHUB: "github", GITLAB: "gitlab",
  GOOGLE: "google", HUBSPOT: "hubspot", INSTAGRAM: "instagram", KLAVIYO: "klaviyo", LINEAR: "linear",
  LINKEDIN: "linkedin", MAILCHIMP: "mailchimp", MERCURY: "mercury", MICROSOFT: "microsoft", MIRO: "miro",
  MONDAY: "monday", NOTION: "notion", OUTREACH: "outreach", PAGERDUTY: "pagerduty", PAYPAL: "paypal",
  PINTEREST: "pinterest", PIPEDRIVE: "pipedrive", QUICKBOOKS: "quickbooks", RAMP: "ramp", REDDIT: "reddit",
  RINGCENTRAL: "ringcentral", RIPPLING: "rippling", SALESFORCE: "salesforce", SENTRY: "sentry",
  SHOPIFY: "shopify", SLACK: "slack", SNAPCHAT: "snapchat", SPOTIFY: "spotify", SQUARE: "square",
  SQUARESPACE: "squarespace", STRIPE: "stripe", TIKTOK: "tiktok", TODOIST: "todoist", TWITTER: "twitter",
  TYPEFORM: "typeform", WEBEX: "webex", WEBFLOW: "webflow", XERO: "xero", ZOOM: "zoom",
});

function pick(obj, snake, camel) {
  if (obj === null || typeof obj !== "object") return undefined;
  if (obj instanceof Map) return obj.has(snake) ? obj.get(snake) : obj.get(camel);
  return obj[snake] !== undefined ? obj[snake] : obj[camel];
}

/** One failed server-side refresh attempt. */
export class RetryErrorInfo {
  constructor(wire) {
    this.attempt = Number(pick(wire, "attempt", "attempt") ?? 0);
    this.error = String(pick(wire, "error", "error") ?? "");
    this.errorType = String(pick(wire, "error_type", "errorType") ?? "");
    this.delayS = Number(pick(wire, "delay_s", "delayS") ?? 0);
    this.permanent = pick(wire, "permanent", "permanent") === true;
    Object.freeze(this);
  }

  toJSON() {
    return {
      attempt: this.attempt, error: this.error, error_type: this.errorType,
      delay_s: this.delayS, permanent: this.permanent,
    };
  }
}

/** Token-refresh retry metadata of one `request()` (§7.7); null when the backend did not retry. */
export class RetryInfo {
  constructor(wire) {
    this.totalAttempts = Number(pick(wire, "total_attempts", "totalAttempts") ?? 0);
    this.successfulAttempt = Number(pick(wire, "successful_attempt", "successfulAttempt") ?? 0);
    const errs = pick(wire, "errors", "errors");
    this.errors = Object.freeze(Array.isArray(errs) ? errs.map((e) => (e instanceof RetryErrorInfo ? e : new RetryErrorInfo(e))) : []);
    // alter-edge only (src/retry.rs): the SDK's own /sdk/token attempts, present when it retried.
    // clientAttempts: attempts made (>= 2); clientRetries: [{attempt, errorType, status, delayMs}].
    const ca = pick(wire, "client_attempts", "clientAttempts");
    const cr = pick(wire, "client_retries", "clientRetries");
    this.clientAttempts = typeof ca === "number" ? ca : null;
    this.clientRetries = Object.freeze(Array.isArray(cr) ? cr.map((r) => Object.freeze({
      attempt: Number(pick(r, "attempt", "attempt") ?? 0),
      errorType: String(pick(r, "error_type", "errorType") ?? ""),
      status: pick(r, "status", "status") ?? null,
      delayMs: Number(pick(r, "delay_ms", "delayMs") ?? 0),
    })) : []);
    Object.freeze(this);
  }

  /** `RetryInfo` from a wire value, or null for null/undefined/non-objects. */
  static from(wire) {
    if (wire instanceof RetryInfo) return wire;
    if (wire === null || typeof wire !== "object") return null;
    return new RetryInfo(wire);
  }

  toJSON() {
    return {
      total_attempts: this.totalAttempts,
      successful_attempt: this.successfulAttempt,
      errors: this.errors.map((e) => e.toJSON()),
      ...(this.clientAttempts === null ? {} : {
        client_attempts: this.clientAttempts,
        client_retries: this.clientRetries.map((r) => ({ attempt: r.attempt, error_type: r.errorType, status: r.status, delay_ms: r.delayMs })),
      }),
    };
  }
}
