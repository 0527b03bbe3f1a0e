// Type declarations of the alter-edge package (ts-api.md §2, §3, §5, §9.4, §11–§14).
export * from "./ns/index.js"; // proxy, approvals, grants, connect, agents, keys, models

// ---------------------------------------------------------------------------------------------
// Enums and models
// ---------------------------------------------------------------------------------------------

export declare const HttpMethod: {
  readonly GET: "GET";
  readonly POST: "POST";
  readonly PUT: "PUT";
  readonly PATCH: "PATCH";
  readonly DELETE: "DELETE";
  readonly HEAD: "HEAD";
  readonly OPTIONS: "OPTIONS";
};
export type HttpMethod = (typeof HttpMethod)[keyof typeof HttpMethod];

export declare const CallerType: { readonly AGENT: "agent"; readonly SERVICE: "service" };
export type CallerType = (typeof CallerType)[keyof typeof CallerType];

/** OAuth provider ids (the Python SDK 0.29.0's list, plus AWS and SHOPIFY); plain strings work too. */
export declare const Provider: {
  readonly ACUITY_SCHEDULING: "acuity-scheduling";
  readonly ADOBE: "adobe";
  readonly AIRCALL: "aircall";
  readonly AIRTABLE: "airtable";
  readonly APOLLO: "apollo";
  readonly ASANA: "asana";
  readonly ATLASSIAN: "atlassian";
  readonly ATTIO: "attio";
  readonly AUTODESK: "autodesk";
  readonly AWS: "aws";
  readonly BASECAMP: "basecamp";
  readonly BITBUCKET: "bitbucket";
  readonly BITLY: "bitly";
  readonly BOX: "box";
  readonly BREX: "brex";
  readonly CALENDLY: "calendly";
  readonly CAL_COM: "cal-com";
  readonly CANVA: "canva";
  readonly CLICKUP: "clickup";
  readonly CLOSE: "close";
  readonly CONSTANT_CONTACT: "constant-contact";
  readonly CONTENTFUL: "contentful";
  readonly DEEL: "deel";
  readonly DIALPAD: "dialpad";
  readonly DIGITALOCEAN: "digitalocean";
  readonly DISCORD: "discord";
  readonly DOCUSIGN: "docusign";
  readonly DROPBOX: "dropbox";
  readonly EBAY: "ebay";
  readonly EVENTBRITE: "eventbrite";
  readonly FACEBOOK: "facebook";
  readonly FIGMA: "figma";
  readonly GITHUB: "github";
  readonly GITLAB: "gitlab";
  readonly GOOGLE: "google";
  readonly HUBSPOT: "hubspot";
  readonly INSTAGRAM: "instagram";
  readonly KLAVIYO: "klaviyo";
  readonly LINEAR: "linear";
  readonly LINKEDIN: "linkedin";
  readonly MAILCHIMP: "mailchimp";
  readonly MERCURY: "mercury";
  readonly MICROSOFT: "microsoft";
  readonly MIRO: "miro";
  readonly MONDAY: "monday";
  readonly NOTION: "notion";
  readonly OUTREACH: "outreach";
  readonly PAGERDUTY: "pagerduty";
  readonly PAYPAL: "paypal";
  readonly PINTEREST: "pinterest";
  readonly PIPEDRIVE: "pipedrive";
  readonly QUICKBOOKS: "quickbooks";
  readonly RAMP: "ramp";
  readonly REDDIT: "reddit";
  readonly RINGCENTRAL: "ringcentral";
  readonly RIPPLING: "rippling";
  readonly SALESFORCE: "salesforce";
  readonly SENTRY: "sentry";
  readonly SHOPIFY: "shopify";
  readonly SLACK: "slack";
  readonly SNAPCHAT: "snapchat";
  readonly SPOTIFY: "spotify";
  readonly SQUARE: "square";
  readonly SQUARESPACE: "squarespace";
  readonly STRIPE: "stripe";
  readonly TIKTOK: "tiktok";
  readonly TODOIST: "todoist";
  readonly TWITTER: "twitter";
  readonly TYPEFORM: "typeform";
  readonly WEBEX: "webex";
  readonly WEBFLOW: "webflow";
  readonly XERO: "xero";
  readonly ZOOM: "zoom";
};
export type Provider = (typeof Provider)[keyof typeof Provider];

/** One failed server-side token-refresh attempt. */
export declare class RetryErrorInfo {
  constructor(wire: { attempt: number; error: string; error_type: string; delay_s: number; permanent?: boolean });
  readonly attempt: number;
  readonly error: string;
  readonly errorType: string;
  readonly delayS: number;
  readonly permanent: boolean;
  toJSON(): { attempt: number; error: string; error_type: string; delay_s: number; permanent: boolean };
}

/** Token-refresh retry metadata of one request(); null when the backend did not retry. */
export declare class RetryInfo {
  constructor(wire: { total_attempts: number; successful_attempt: number; errors?: unknown[] });
  static from(wire: unknown): RetryInfo | null;
  readonly totalAttempts: number;
  readonly successfulAttempt: number;
  readonly errors: ReadonlyArray<RetryErrorInfo>;
  /** alter-edge: `/sdk/token` attempts this SDK made when it retried (≥ 2), else null. */
  readonly clientAttempts: number | null;
  /** alter-edge: one entry per failed `/sdk/token` attempt the SDK retried. */
  readonly clientRetries: ReadonlyArray<{ readonly attempt: number; readonly errorType: string; readonly status: number | null; readonly delayMs: number }>;
  toJSON(): { total_attempts: number; successful_attempt: number; errors: ReturnType<RetryErrorInfo["toJSON"]>[]; client_attempts?: number; client_retries?: { attempt: number; error_type: string; status: number | null; delay_ms: number }[] };
}

/** A tool scope (`withTool`): strings of at most 512 UTF-8 bytes. */
export interface ToolScopeOptions {
  tool: string;
  toolCallId?: string;
  framework?: string;
}

/** The provider's own Response, with the retry metadata of the call added. */
export interface AlterResponse extends Response {
  readonly retryInfo: RetryInfo | null;
  /**
   * alter-edge: settles once this call's own audit row is written (or given up); never rejects.
   * Hand it to `ctx.waitUntil` on Workers / Vercel Edge: unlike `flush()` it waits for no other
   * call in flight. A rejected `request()` error carries the same property when a provider call
   * was made.
   */
  readonly auditDone: Promise<void>;
}

/** alter-edge: `logLevel` values, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/** Pluggable logger; only `warn` is required (ts-api.md §13). */
export interface AlterLogger {
  warn: (message: string, ...args: unknown[]) => void;
  info?: (message: string, ...args: unknown[]) => void;
  error?: (message: string, ...args: unknown[]) => void;
  debug?: (message: string, ...args: unknown[]) => void;
}

// ---------------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------------

/**
 * Constructor options. Every options object of this package is strict: an unknown name (a typo, a
 * Python snake_case name, `headers` for `extraHeaders`, …) throws AlterValueError naming the right
 * one, before any network call.
 */
interface ClientOptionsBase {
  /** App key (`alter_rk_…`, `alter_key_…`) or agent key (`alter_ak_…`). */
  apiKey: string;
  /**
   * Backend URL; default `process.env.ALTER_BASE_URL` where readable, else https://backend.alterauth.com.
   * Without a scheme, or ending in `/sdk`, it throws AlterSDKError (`invalid_base_url`) saying what to write.
   */
  baseUrl?: string;
  /**
   * HTTP timeout in **milliseconds** (default 30000; the Python SDK's `timeout` is in seconds). A
   * value below 100 logs a one-time warning about the unit.
   */
  timeout?: number;
  /**
   * alter-edge: retries of transient vault answers (409 token_refresh_in_progress, 429 rate limit,
   * 502/503/504, network errors) within `timeout`; never the provider call. A count of retries
   * (0..10): default 2, 0 disables.
   */
  maxRetries?: number;
  /** Audit attribution label, or a managed-agent UUID. */
  caller?: string;
  /** Returns the current end user's IdP JWT; called on every request, in the caller's async context. */
  userTokenGetter?: () => string | Promise<string>;
  /** Default: the global console. `null` silences the SDK. */
  logger?: AlterLogger | null;
  /**
   * alter-edge: the lowest level logged (default `process.env.ALTER_LOG` where readable, else
   * "warn"). At "debug": one line per request() (method, host, path without query, status, ms,
   * retries, audit) and per vault call. No line ever holds the credential, the API key or the
   * user's JWT. Advisories that every client would repeat are logged once per process.
   */
  logLevel?: LogLevel;
  /**
   * fetch implementation for backend and provider calls (default: the global fetch; in Node the
   * vault calls then go over node:http, see the README's "Transport"). Given, it takes every call.
   */
  fetch?: typeof fetch;
  /**
   * alter-edge: the hosts a credential may be sent to, checked by the SDK itself before it injects
   * one (the vault's own `blocked_destination` check comes first). A list for every provider, or
   * lists by provider id (`"*"` for the others). Entries: `"api.example.com"` (default port),
   * `"api.example.com:8443"`, `"*.example.com"` (subdomains), `"*"` (any host). Anything else
   * rejects with `BlockedDestinationError` (code `blocked_destination`) and sends nothing.
   */
  allowedHosts?: string[] | Record<string, string[]>;
  /**
   * alter-edge: `request()` resolves only once the vault accepted the call's audit row, and
   * otherwise rejects with `AuditNotConfirmedError` (its `response` is the provider's Response).
   * Default false: the row is written in the background, as the Python SDK does. Per call too.
   */
  confirmAudit?: boolean;
}

export interface AppOptions extends ClientOptionsBase {
  /** Default SERVICE. */
  callerType?: CallerType | "agent" | "service";
}

export interface AgentOptions extends ClientOptionsBase {
  /** An Agent is always AGENT; anything else is rejected. */
  callerType?: "agent";
}

/** Options of every request() (see RequestOptions: exactly one of grantId / provider). */
export interface RequestOptionsBase {
  /** Picks one account when the user has several for the provider. */
  account?: string;
  /** Extra provider headers; the injected credential always wins. */
  extraHeaders?: Record<string, string>;
  /** Appended to the URL's query; arrays repeat the key, booleans are "true"/"false", null is "". */
  queryParams?: Record<string, string | number | boolean | null | ReadonlyArray<string | number | boolean | null>>;
  /** Fills `{name}` placeholders of the URL, percent-encoded. */
  pathParams?: Record<string, string>;
  /** Free text recorded in the audit log. */
  reason?: string;
  /** Audit context for this call; replaces the ambient trace context. */
  context?: Record<string, string>;
  /** Per-call end-user JWT; wins over userTokenGetter. */
  userToken?: string;
  /** Per-call caller override. */
  caller?: string;
  /**
   * Aborts the call (vault exchange, retry wait, provider call); rejects with the signal's reason.
   * A call has no timeout option of its own: the client's `timeout` applies, or pass
   * `AbortSignal.timeout(ms)` here.
   */
  signal?: AbortSignal;
  /** alter-edge: wait for the vault to accept this call's audit row (see AppOptions.confirmAudit). */
  confirmAudit?: boolean;
}

/** request() by explicit grant. */
export interface RequestByGrant extends RequestOptionsBase {
  /** Explicit grant (UUID). */
  grantId: string;
  provider?: never;
  label?: never;
  appUserId?: never;
}

/** request() resolving the grant from the end user's identity (userToken / userTokenGetter). */
export interface RequestByProvider extends RequestOptionsBase {
  /** Provider id, e.g. Provider.GOOGLE or "google". */
  provider: Provider | (string & {});
  grantId?: never;
  /** Sibling grant label. */
  label?: string;
  /** Application user id. */
  appUserId?: string;
}

/** A JSON body or a raw body, not both. */
export type RequestBody =
  | {
      /** Body serialised as JSON (finite numbers only; no BigInt, cycles or non-plain objects). */
      json?: unknown;
      body?: never;
    }
  | {
      json?: never;
      /** Raw body; a string is sent as UTF-8. */
      body?: Uint8Array | ArrayBuffer | string;
    };

/** Options of request(): exactly one of `grantId` / `provider`, and `json` or `body` (not both). */
export type RequestOptions = (RequestByGrant | RequestByProvider) & RequestBody;

/**
 * trace() options. Metadata keys are free-form, but spellings of runId / threadId / parent (runID,
 * thread_id, Parent) are refused rather than recorded as metadata.
 */
export interface TraceOptions {
  runId?: string | null;
  threadId?: string | null;
  /** Omitted: the enclosing trace's agent. null or "": none. A string: that parent. */
  parent?: string | null;
  /** Further metadata: string values, at most 20 keys (reserved keys rejected). */
  [metadata: string]: string | null | undefined;
}

declare abstract class AlterClient {
  /** Call a provider API with a credential fetched and injected by the SDK. */
  request(method: HttpMethod | string, url: string, options?: RequestOptions): Promise<AlterResponse>;
  /** Backend-resolved actor id, null until known. */
  readonly actorId: string | null;
  /** Retry metadata of the most recent request(). */
  readonly lastRetryInfo: RetryInfo | null;
  /** The backend endpoint in use. */
  readonly baseUrl: string;
  /** True after close(). */
  readonly closed: boolean;
  /**
   * Waits for the calls in flight now, then for the audit rows pending once they finished. Does
   * not close and never rejects; in Workers: `ctx.waitUntil(client.flush())`.
   */
  flush(): Promise<void>;
  /**
   * alter-edge: run `fn` with `tool`, `toolCallId` and `framework` added to the current run scope
   * (the audit context of every call inside it; an enclosing `trace()` run stays). Where the
   * runtime has no AsyncLocalStorage, call through `scoped`. A per-call `context` replaces the scope.
   */
  withTool<T>(options: ToolScopeOptions, fn: (scoped: this) => T | Promise<T>): Promise<T>;
  /** Waits for calls in flight and queued audit rows; later calls reject (code `client_closed`). */
  close(): Promise<void>;
  /** `await using app = new App(...)`: close() at the end of the scope (where the runtime has the symbol). */
  [Symbol.asyncDispose](): Promise<void>;
}

// Symbol.asyncDispose without the esnext.disposable lib (the same declaration as @types/node's).
declare global {
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
}

export declare class App extends AlterClient {
  constructor(options: AppOptions);
  /** An Agent on this App's key with caller pinned to the managed agent's UUID. */
  getAgent(agentId: string): Agent;
}

export declare class Agent extends AlterClient {
  constructor(options: AgentOptions);
  /**
   * Runs `fn` with the run context bound to every request inside it (AsyncLocalStorage where the
   * runtime has it). `fn` also receives a client bound to the run, for runtimes without it.
   */
  trace<T>(options: TraceOptions, fn: (scoped: Agent) => T | Promise<T>): Promise<T>;
  trace<T>(fn: (scoped: Agent) => T | Promise<T>): Promise<T>;
}

/**
 * The client of the SDKs before 0.29, split into App (operator code, app key) and Agent (a workload,
 * agent key). Constructing it throws AlterSDKError (code `alter_vault_removed`) saying what to write.
 * @deprecated use `new App({ apiKey })` or `new Agent({ apiKey })`.
 */
export declare class AlterVault {
  /**
   * @deprecated always throws: use App or Agent. The parameter type makes a call fail to compile
   * with this advice as the error text.
   */
  constructor(options: { "AlterVault was split into App and Agent: new App({ apiKey }) or new Agent({ apiKey })": never });
}

export declare const DEFAULT_TIMEOUT_MS: 30000;
export declare const BASE_URL_ENV: "ALTER_BASE_URL";
/** alter-edge: the `logLevel` values, lowest first. */
export declare const LOG_LEVELS: readonly LogLevel[];
/** alter-edge: environment variable read for the log level when no `logLevel` option is given. */
export declare const LOG_LEVEL_ENV: "ALTER_LOG";
export declare const RESERVED_TRACE_KEYS: ReadonlyArray<string>;
export declare const TRACE_METADATA_LIMITS: {
  readonly maxKeys: number;
  readonly maxKeyBytes: number;
  readonly maxValueBytes: number;
  readonly maxTotalBytes: number;
};

// ---------------------------------------------------------------------------------------------
// Errors (api-surface.md §3.2)
// ---------------------------------------------------------------------------------------------

export interface AlterErrorInit {
  code?: string;
  status?: number | null;
  fields?: Record<string, unknown>;
}

export declare class AlterSDKError extends Error {
  constructor(message?: string, details?: Record<string, unknown>, init?: AlterErrorInit);
  /** Stable machine code: the backend `error` code or a local one (e.g. `client_closed`). */
  readonly code: string;
  readonly status: number | null;
  readonly statusCode: number | null;
  /** The parsed backend body (snake_case, as on the wire) or local context. */
  readonly details: Record<string, unknown>;
  /**
   * alter-edge: what caused it, when it can be shown: the Error your `userTokenGetter` threw (your
   * own object; a thrown non-Error is dropped), or, behind a NetworkError, the runtime's or your
   * `fetch` option's error (never for a provider call whose credential is in the URL). Not
   * enumerable and never in `toJSON()`.
   */
  readonly cause?: unknown;
  static readonly errorName: string;
  static readonly defaultCode: string;
  toJSON(): Record<string, unknown>;
}
export declare class AlterValueError extends AlterSDKError {}
export declare class MemoryIsolationError extends AlterSDKError {}
export declare class BackendError extends AlterSDKError {}
export declare class BlockedDestinationError extends BackendError {}
export declare class ReAuthRequiredError extends BackendError {}
export declare class GrantExpiredError extends ReAuthRequiredError {
  readonly providerId: string | null;
  readonly agentId: string | null;
  readonly appUserId: string | null;
}
export declare class GrantRevokedError extends ReAuthRequiredError {
  readonly grantId: string | null;
}
export declare class CredentialRevokedError extends ReAuthRequiredError {
  readonly grantId: string | null;
  readonly providerId: string | null;
  readonly appUserId: string | null;
}
export declare class GrantDeletedError extends ReAuthRequiredError {}
export declare class GrantNotFoundError extends BackendError {
  readonly providerId: string | null;
  readonly agentId: string | null;
  readonly appUserId: string | null;
}
export declare class AgentDelegationMissingError extends GrantNotFoundError {}
export interface GrantCandidate {
  grantId: string;
  label?: string | null;
  accountIdentifier?: string | null;
  accountDisplayName?: string | null;
}
export declare class AmbiguousGrantError extends BackendError {
  readonly providerId: string | null;
  readonly accountIdentifiers: string[];
  readonly accountWasProvided: boolean;
  readonly appUserIds: string[];
  readonly grantIds: string[];
  readonly candidates: GrantCandidate[];
  readonly candidatesTruncated: boolean;
}
export declare class NoDelegatedGrantError extends BackendError {
  readonly providerId: string | null;
  readonly agentId: string | null;
  readonly appUserId: string | null;
}
export declare class PolicyViolationError extends BackendError {
  readonly policyError: string | null;
}
export declare class StepUpRequiredError extends PolicyViolationError {
  readonly maxSessionAgeSeconds: number | null;
}
export declare class RedactDischargeFailedError extends PolicyViolationError {}
export declare class RestrictedGrantRequiresProxyError extends BackendError {}
export declare class GrantNotDelegableError extends BackendError {
  readonly detailReason: string | null;
}
export declare class ServerFeatureUnsupportedError extends BackendError {}
export declare class SiblingLabelConflictError extends BackendError {
  readonly label: string | null;
}
/** One credential a CredentialIdRequiredError offers to choose from. */
export interface CredentialChoice {
  credentialId: string;
  label: string | null;
}
export declare class CredentialIdRequiredError extends BackendError {
  readonly credentials: CredentialChoice[];
}
export declare class EndUserCredentialNotAssignableError extends BackendError {}
export declare class InsufficientScopeError extends BackendError {
  readonly required: string[];
  readonly granted: string[];
  readonly missing: string[];
  readonly scopeVersion: number | string | null;
  readonly currentScopeVersion: number | null;
  readonly scopeVersionMismatch: boolean;
  readonly documentationUrl: string | null;
  readonly requiredAnyOf: boolean;
  readonly requiredScopes: string[];
  readonly grantedScopes: string[];
  readonly docsUrl: string | null;
}
export declare class TokenRefreshInProgressError extends BackendError {
  readonly grantId: string | null;
}
export declare class QuotaExceededError extends BackendError {
  /** Seconds. */
  readonly retryAfter: number | null;
}
export declare class RateLimitError extends BackendError {
  /** Seconds. */
  readonly retryAfter: number | null;
  readonly scope: string | null;
  readonly limit: number | null;
  readonly windowSeconds: number | null;
}
export declare class AgentError extends BackendError {
  readonly hint: string | null;
}
export declare class InvalidKeyError extends AgentError {}
export declare class AgentNotFoundError extends AgentError {}
export declare class CallerAgentMismatchError extends AgentError {}
export declare class CallerAgentResolutionError extends AgentError {}
export declare class AgentNameExistsError extends AgentError {}
export declare class AgentConcurrentUpdateError extends AgentError {}
export declare class MeRequiresAgentKeyError extends AgentError {}
export declare class KeyRevokedError extends AgentError {}
export declare class KeyExpiredError extends AgentError {}
export declare class KeyRotationExpiredError extends AgentError {}
export declare class KeyInactiveError extends AgentError {}
export declare class KeyAppNotFoundError extends AgentError {}
export declare class AgentInactiveError extends AgentError {}
export declare class AgentRevokedError extends AgentError {}
export declare class IdempotencyKeyBodyMismatchError extends AgentError {}
export declare class IdempotencyKeyAgentRevokedError extends AgentError {}
export declare class IdempotencyKeyAgentInactiveError extends AgentError {}
export declare class AgentCannotMintSubagentsError extends AgentError {}
export declare class KeyAlreadyRevokedError extends AgentError {}
export declare class KeyNotFoundError extends AgentError {}
export declare class LastActiveKeyError extends AgentError {}
export declare class AgentKeyLimitError extends AgentError {}
export declare class ConnectFlowError extends AlterSDKError {}
export declare class ConnectDeniedError extends ConnectFlowError {}
export declare class ConnectConfigError extends ConnectFlowError {}
export declare class ConnectTimeoutError extends ConnectFlowError {}
export declare class ProviderAPIError extends AlterSDKError {
  /** The provider's response body text (capped). */
  readonly responseBody: string | null;
}
export declare class ScopeReauthRequiredError extends ProviderAPIError {
  readonly grantId: string | null;
  readonly providerId: string | null;
  readonly missingScopes: string[] | null;
}
export declare class ProviderUnauthorizedError extends ProviderAPIError {
  readonly grantId: string | null;
  readonly providerId: string | null;
}
export declare class NetworkError extends AlterSDKError {}
export declare class TimeoutError extends NetworkError {}
export declare class ApprovalError extends AlterSDKError {
  readonly approvalId: string | null;
}
export declare class ApprovalDeniedError extends ApprovalError {}
export declare class ApprovalExpiredError extends ApprovalError {}
export declare class ApprovalTimeoutError extends ApprovalError {}
export declare class ApprovalExecutionFailedError extends ApprovalError {}
/** alter-edge: with `confirmAudit`, the vault did not accept the call's audit row. */
export declare class AuditNotConfirmedError extends BackendError {
  /** The provider's Response (unread). */
  readonly response: AlterResponse;
}

/** Every error class by name. */
export declare const ERROR_CLASSES: Readonly<Record<string, typeof AlterSDKError>>;
export declare const RATE_LIMIT_SCOPE_VALUES: ReadonlyArray<string>;
export declare const MEMORY_ISOLATION_CODES: ReadonlyArray<string>;
/** One of MEMORY_ISOLATION_CODES (the `code` of a MemoryIsolationError). */
export type MemoryIsolationCode = string;
/** Turns the core's structured error into the right class (the package's one choke point). */
export declare function createAlterError(plain: unknown): AlterSDKError;
/** True for any error made by the SDK, also across realms. */
export declare function isAlterError(value: unknown): value is AlterSDKError;
