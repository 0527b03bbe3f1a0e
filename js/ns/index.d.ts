// Declarations of the tier-1/tier-2 surface (names ts-api.md §4–§11, api-surface.md §4, §6).
// Re-exported from the package root by js/index.d.ts; the methods are merged into App / Agent below
// with the availability of api-surface.md §1.4 (absent methods do not compile).

import type { HttpMethod, Provider } from "../index.js";

type Wire = Record<string, unknown>;
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Every model: frozen, camelCase fields, built from the snake_case wire object; toJSON() → snake_case. */
declare abstract class WireModel {
  toJSON(): Record<string, unknown>;
}

// ---- Approvals ---------------------------------------------------------------------------------

export type ApprovalStatusValue = "pending" | "approved" | "executing" | "denied" | "expired" | "executed" | "failed";

export declare class ApprovalGate extends WireModel {
  constructor(wire: Wire);
  readonly approvalId: string | null;
  readonly expiresAt: string | null;
  readonly expiresIn: number | null;
  readonly approvalUrl: string | null;
}

export declare class PendingApproval extends WireModel {
  constructor(wire: Wire);
  readonly approvalId: string;
  readonly approvalGroupId: string | null;
  readonly status: "pending";
  readonly expiresAt: string | null;
  readonly expiresIn: number | null;
  readonly approvalUrl: string;
  readonly gates: ReadonlyArray<ApprovalGate>;
}

export declare class ApprovalGateStatus extends WireModel {
  constructor(wire: Wire);
  readonly approvalId: string | null;
  readonly status: string | null;
  readonly expiresAt: string | null;
  readonly decidedAt: string | null;
}

export declare class ApprovalStatus extends WireModel {
  constructor(wire: Wire);
  readonly approvalId: string;
  readonly status: ApprovalStatusValue;
  readonly approvalGroupId: string | null;
  readonly gates: ReadonlyArray<ApprovalGateStatus>;
  readonly expiresAt: string | null;
  readonly decidedAt: string | null;
  readonly decisionReason: string | null;
  readonly executedAt: string | null;
  readonly executionError: string | null;
  readonly hasResult: boolean;
  /** status ∈ denied, expired, executed, failed. */
  readonly isTerminal: boolean;
}

/** The provider's answer to a proxied call. */
export declare class ApprovalResult extends WireModel {
  constructor(wire: Wire);
  /** null for a synchronous proxyRequest. */
  readonly approvalId: string | null;
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyB64: string;
  readonly bodyTruncated: boolean;
  readonly durationMs: number | null;
  readonly credentialHint: string | null;
  bodyBytes(): Uint8Array;
  bodyText(encoding?: string): string;
  bodyJson<T = unknown>(): T;
}

/** What every namespace method with an options object accepts. */
export interface CallOptions {
  /**
   * Aborts the call: the vault exchange, any retry wait and, for the polling methods, the wait
   * between polls. The promise then rejects with the signal's `reason`, unchanged.
   */
  signal?: AbortSignal;
}

/** Options of every proxyRequest() (see ProxyRequestOptions: exactly one of grantId / provider). */
export interface ProxyRequestOptionsBase extends CallOptions {
  /** The provider call's JSON body (proxyRequest takes no raw body). */
  json?: unknown;
  /** Header names the backend injects (Authorization, Cookie, x-api-key, …) are refused. */
  extraHeaders?: Record<string, string>;
  queryParams?: Record<string, string | number | boolean | null | ReadonlyArray<string | number | boolean | null>>;
  pathParams?: Record<string, string>;
  /** Shown to the approver; needed for approval-gated calls. */
  reason?: string;
  context?: Record<string, string>;
  caller?: string;
  userToken?: string;
}

/** proxyRequest() by explicit grant. */
export interface ProxyRequestByGrant extends ProxyRequestOptionsBase {
  grantId: string;
  provider?: never;
  account?: never;
  label?: never;
  appUserId?: never;
}

/** proxyRequest() resolving the grant from the end user's identity. */
export interface ProxyRequestByProvider extends ProxyRequestOptionsBase {
  provider: Provider | (string & {});
  grantId?: never;
  account?: string;
  label?: string;
  appUserId?: string;
}

/** Options of proxyRequest(method, url, options): exactly one of `grantId` / `provider`. */
export type ProxyRequestOptions = ProxyRequestByGrant | ProxyRequestByProvider;

/** The single-object form, proxyRequest({ method, url, ... }). */
export type ProxyRequestObject = ProxyRequestOptions & {
  method: HttpMethod | string;
  url: string;
};

export interface GetApprovalStatusOptions extends CallOptions {
  /** Server-side wait in **seconds** (floored; the server accepts at most 25). */
  wait?: number | null;
}

export interface AwaitApprovalOptions extends CallOptions {
  /**
   * Local wait in **milliseconds**, default 300000; ≤ 0 throws ApprovalTimeoutError at once. (The
   * Python SDK's `timeout` is in seconds; `timeout` is refused here.)
   */
  timeoutMs?: number;
  /** Pause between polls after a transient failure, in **milliseconds**, default 2000. */
  pollIntervalMs?: number;
}

// ---- Grants ------------------------------------------------------------------------------------

export declare class GrantPolicy extends WireModel {
  constructor(wire: Wire);
  readonly expiresAt: string | null;
  readonly createdBy: string | null;
  readonly createdAt: string | null;
}

export interface GrantPolicyInput {
  /** Absolute expiry, an ISO-8601 timestamp. */
  expiresAt?: string;
  /** Longest grant lifetime, in seconds (> 0). */
  maxTtlSeconds?: number;
  /** Default grant lifetime, in seconds (> 0, ≤ maxTtlSeconds). */
  defaultTtlSeconds?: number;
}

export declare class OAuthGrantItem extends WireModel {
  constructor(wire: Wire);
  readonly grantKind: "oauth";
  readonly grantId: string;
  readonly providerId: string | null;
  readonly scopes: ReadonlyArray<string>;
  readonly accountIdentifier: string | null;
  readonly accountDisplayName: string | null;
  readonly apiBaseUrl: string | null;
  readonly status: string | null;
  readonly scopeMismatch: boolean;
  readonly needsReconnect: boolean;
  readonly expiresAt: string | null;
  readonly grantExpiresAt: string | null;
  readonly createdAt: string | null;
  readonly lastUsedAt: string | null;
  readonly principalType: "user" | "system" | "agent" | null;
  readonly accessVia: string | null;
  readonly delegatedAt: string | null;
  readonly delegatedAgentIds: ReadonlyArray<string>;
  readonly label: string | null;
  readonly credentialId: string | null;
  readonly grantPolicy: Readonly<Record<string, unknown>> | null;
  readonly parentGrantId: string | null;
  readonly depth: number;
  readonly delegable: boolean;
  readonly scopeConstraint: ReadonlyArray<string> | null;
}

export declare class ManagedSecretGrantItem extends WireModel {
  constructor(wire: Wire);
  readonly grantKind: "managed_secret";
  readonly grantId: string;
  readonly managedSecretId: string | null;
  readonly managedSecretSlug: string | null;
  readonly managedSecretName: string | null;
  readonly agentId: string | null;
  readonly label: string | null;
  readonly status: string | null;
  readonly accountIdentifier: string | null;
  readonly grantPolicy: Readonly<Record<string, unknown>> | null;
  readonly expiresAt: string | null;
  readonly grantExpiresAt: string | null;
  readonly createdAt: string | null;
  readonly lastUsedAt: string | null;
  readonly principalType: "user" | "group" | "system" | "agent" | null;
  readonly accessVia: string | null;
  readonly delegatedAt: string | null;
  readonly parentGrantId: string | null;
  readonly depth: number;
  readonly delegable: boolean;
  readonly scopeConstraint: ReadonlyArray<string> | null;
  readonly credentialId: string | null;
  readonly credentialKind: "developer" | "end_user" | null;
  readonly credentialLabel: string | null;
}

export declare class UnifiedGrantListResult extends WireModel {
  constructor(wire: Wire);
  readonly grants: ReadonlyArray<OAuthGrantItem | ManagedSecretGrantItem>;
  readonly total: number;
  readonly limit: number | null;
  readonly offset: number;
  readonly hasMore: boolean;
}

export declare class GrantInfo extends WireModel {
  constructor(wire: Wire);
  readonly grantId: string;
  readonly providerId: string | null;
  readonly scopes: ReadonlyArray<string>;
  readonly accountIdentifier: string | null;
  readonly accountDisplayName: string | null;
  readonly apiBaseUrl: string | null;
  readonly status: string | null;
  readonly scopeMismatch: boolean;
  readonly expiresAt: string | null;
  readonly createdAt: string | null;
  readonly lastUsedAt: string | null;
  readonly principalType: string | null;
  readonly label: string | null;
  readonly credentialId: string | null;
  readonly grantPolicy: Readonly<Record<string, unknown>> | null;
}

export declare class RevokeGrantResult extends WireModel {
  constructor(wire: Wire);
  readonly success: boolean;
  readonly message: string | null;
  readonly grantId: string;
  readonly revokedAt: string | null;
}

export declare class CreateGrantResult extends WireModel {
  constructor(wire: Wire);
  readonly grantId: string;
  readonly principalType: string | null;
  readonly label: string | null;
  readonly createdAt: string | null;
  readonly credentialId: string | null;
}

export declare class DelegationResult extends WireModel {
  constructor(wire: Wire);
  readonly grantId: string;
  readonly grantKind: "oauth" | "managed_secret";
  readonly parentGrantId: string;
  readonly depth: number;
  readonly delegable: boolean;
  readonly status: string;
  readonly expiresAt: string | null;
}

/** Principals are plain object literals (ts-api.md §11.6). */
export interface UserPrincipal { type: "user"; userToken: string; label: string }
export interface GroupPrincipal { type: "group"; externalGroupId: string; idpId: string; label: string }
export interface SystemPrincipal { type: "system"; label?: string | null }
/** Accepted for parity; the backend refuses it on this route (422). */
export interface AgentPrincipal { type: "agent"; label?: string | null }
export type Principal = UserPrincipal | GroupPrincipal | SystemPrincipal | AgentPrincipal;
export type PrincipalType = Principal["type"];
export type NonGroupPrincipalType = Exclude<PrincipalType, "group">;
/** One entry of UnifiedGrantListResult.grants. */
export type GrantListItem = OAuthGrantItem | ManagedSecretGrantItem;

export interface ListGrantsOptions extends CallOptions {
  /** OAuth provider id, or the managed-secret provider's slug. */
  providerId?: string;
  status?: string;
  account?: string;
  label?: string;
  /** Scopes the list to that user (App: else the userTokenGetter's token). */
  endUserToken?: string;
  /** Page size, 1..1000, default 100. */
  limit?: number;
  /** Items to skip, default 0. */
  offset?: number;
}

export interface MintGrantOptions extends CallOptions {
  label: string;
  grantPolicy?: Omit<GrantPolicyInput, "defaultTtlSeconds"> & { restrictions?: Record<string, unknown>; requiresApproval?: boolean };
  grantTags?: string[];
}

export interface CreateManagedSecretGrantOptions extends CallOptions {
  principal: Principal;
  grantPolicy?: GrantPolicyInput;
  credentialId?: string;
}

export interface DelegateOptions extends CallOptions {
  delegable?: boolean;
  scopeConstraint?: string[];
  /** Lifetime of the delegation, in seconds. */
  ttlSeconds?: number;
}

// ---- Connect and auth sessions -----------------------------------------------------------------

export declare class ConnectSession extends WireModel {
  constructor(wire: Wire);
  readonly sessionToken: string;
  readonly connectUrl: string;
  readonly expiresIn: number | null;
  readonly expiresAt: string | null;
  readonly scopeConstraintWarnings: ReadonlyArray<string>;
  readonly singleProvider: boolean;
  readonly direct: boolean;
}

export declare class ManagedSecretConnectSession extends WireModel {
  constructor(wire: Wire);
  readonly sessionToken: string;
  readonly connectUrl: string;
  readonly expiresIn: number | null;
  readonly expiresAt: string | null;
  readonly delegableRequested: boolean;
  readonly path: "fast_path" | "key_entry" | "repair" | null;
  readonly existingGrantId: string | null;
  readonly direct: boolean;
  readonly secretSlug: string | null;
  readonly templateSlug: string | null;
  readonly agentId: string | null;
}

export declare class ConnectFailedGrant extends WireModel {
  constructor(wire: Wire);
  readonly providerId: string;
  readonly reason: string;
  readonly message: string;
}

export declare class ConnectDelegation extends WireModel {
  constructor(wire: Wire);
  readonly agentId: string;
  readonly delegable: boolean;
  readonly policyRefused: boolean;
}

export declare class ConnectResult extends WireModel {
  constructor(wire: Wire);
  readonly grantId: string;
  readonly providerId: string;
  readonly accountIdentifier: string | null;
  readonly scopes: ReadonlyArray<string>;
  readonly apiBaseUrl: string | null;
  readonly operation: "creation" | "reauth";
  readonly grantPolicy: GrantPolicy | null;
  readonly failedGrants: ReadonlyArray<ConnectFailedGrant>;
  readonly delegation: ConnectDelegation | null;
}

export declare class AuthSession extends WireModel {
  constructor(wire: Wire);
  readonly sessionToken: string;
  readonly authUrl: string;
  readonly expiresIn: number | null;
  readonly expiresAt: string | null;
}

export declare class AuthResult extends WireModel {
  constructor(wire: Wire);
  /** A live JWT: never log it. */
  readonly userToken: string;
  readonly userInfo: Readonly<Record<string, unknown>>;
}

export interface CreateConnectSessionOptions extends CallOptions {
  allowedProviders?: Array<Provider | string>;
  returnUrl?: string;
  allowedOrigin?: string;
  metadata?: { ipAddress?: string; userAgent?: string };
  grantPolicy?: Omit<GrantPolicyInput, "expiresAt">;
  requiredScopes?: Record<string, string[]>;
  agent?: string;
  userToken?: string;
  requestedGrant?: { label: string; restrictions?: { allowedMethods?: string[]; allowedEndpoints?: string[] } };
  repairGrantId?: string;
  delegable?: boolean;
  scopeConstraint?: string[];
  switchAccount?: boolean;
  allowUserPolicyRules?: boolean;
  direct?: boolean;
}

export interface ProviderDeclinedEvent {
  type: "provider_declined";
  providerId: string;
  errorCode: string;
  declinedAt: string | null;
}

export interface PollConnectSessionOptions extends CallOptions {
  /** Overall wait in **milliseconds**, default 300000 (the Python SDK's is in seconds). */
  timeout?: number;
  /** Same as `timeout` (milliseconds). */
  timeoutMs?: number;
  /** Pause between polls in **milliseconds**, default 2000. */
  pollInterval?: number;
  /** Same as `pollInterval` (milliseconds). */
  pollIntervalMs?: number;
  onEvent?: (event: ProviderDeclinedEvent) => void;
}

export interface CreateConnectSessionForErrorOptions extends CallOptions {
  allowedOrigin?: string;
  returnUrl?: string;
  metadata?: { ipAddress?: string; userAgent?: string };
  grantPolicy?: Omit<GrantPolicyInput, "expiresAt">;
  requiredScopes?: Record<string, string[]>;
  userToken?: string;
}

export interface ManagedSecretConnectSessionOptionsBase extends CallOptions {
  /** Managed-secret provider slug ([a-z0-9-]{1,50}). */
  provider?: string;
  /** Required: every managed-secret session is user-bound. */
  userToken: string;
  delegable?: boolean;
  requestedGrant?: { label: string };
  grantPolicy?: GrantPolicyInput;
  direct?: boolean;
  allowUserPolicyRules?: boolean;
  allowedOrigin?: string;
  returnUrl?: string;
  /** Grant lifetime, in seconds (exclusive with grantPolicy). */
  requestedTtlSeconds?: number;
  /** @deprecated use provider. */
  templateSlug?: string;
}

export interface ManagedSecretConnectSessionOptions extends ManagedSecretConnectSessionOptionsBase {
  agent?: string;
  repairGrantId?: string;
  /** @deprecated use agent. */
  delegatedAgentId?: string;
}

export interface PollAuthSessionOptions extends CallOptions {
  /** Overall wait in **milliseconds**, default 300000. */
  timeout?: number;
  /** Same as `timeout` (milliseconds). */
  timeoutMs?: number;
  /** Pause between polls in **milliseconds**, default 2000. */
  pollInterval?: number;
  /** Same as `pollInterval` (milliseconds). */
  pollIntervalMs?: number;
}

// ---- Agents and keys ---------------------------------------------------------------------------

export declare class AgentInfo extends WireModel {
  constructor(wire: Wire);
  readonly id: string;
  readonly name: string;
  readonly displayName: string | null;
  readonly type: "agent" | "service" | null;
  readonly status: "active" | "inactive" | "revoked" | null;
  readonly scopes: Readonly<Record<string, ReadonlyArray<string>>>;
  readonly scopesPending: Readonly<Record<string, ReadonlyArray<string>>> | null;
  readonly scopesAppliesAt: string | null;
  readonly policy: Readonly<Record<string, unknown>>;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly rateLimitPerMinute: number | null;
  readonly version: number | null;
  readonly createdAt: string | null;
  readonly lastUsedAt: string | null;
  readonly parentAgentId: string | null;
  readonly storedLegacyManagedSecretNames: ReadonlyArray<string>;
}

export declare class AgentCreateResult extends AgentInfo {
  /** The agent's key in plaintext, once; null on an idempotent replay. */
  readonly apiKey: string | null;
  readonly keyId: string | null;
}

export declare class AgentListResult extends WireModel {
  constructor(wire: Wire);
  readonly agents: ReadonlyArray<AgentInfo>;
  readonly total: number;
  readonly limit: number | null;
  readonly offset: number;
  readonly hasMore: boolean;
}

export declare class AgentKey extends WireModel {
  constructor(wire: Wire);
  readonly keyId: string;
  readonly keyPrefix: string | null;
  readonly name: string | null;
  readonly createdAt: string | null;
  readonly deprecatedAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
  readonly status: "revoked" | "deprecated" | "active";
}

export declare class AgentKeyMintResult extends AgentKey {
  readonly apiKey: string | null;
}

export declare class AgentKeyList extends WireModel {
  constructor(wire: Wire);
  readonly items: ReadonlyArray<AgentKey>;
}

export declare class APIKeyInfo extends WireModel {
  constructor(wire: Wire);
  readonly id: string;
  readonly name: string | null;
  readonly keyPrefix: string | null;
  readonly keyType: "rk" | "ak" | "dk" | "pk" | null;
  readonly scopes: ReadonlyArray<string>;
  readonly scopeVersion: number | null;
  readonly cidrAllowlist: ReadonlyArray<string> | null;
  readonly rateLimitRpm: number | null;
  readonly effectiveRateLimitRpm: number | null;
  readonly rateLimitSource: string | null;
  readonly expiresAt: string | null;
  readonly deprecatedAt: string | null;
  readonly revokedAt: string | null;
  readonly parentKeyId: string | null;
  readonly createdAt: string | null;
  readonly lastUsedAt: string | null;
  readonly status: "revoked" | "rotated" | "active";
}

export declare class MintedKey extends APIKeyInfo {
  /** The new key in plaintext, shown once. */
  readonly apiKey: string;
}

export interface AgentCreateOptions extends CallOptions {
  name: string;
  scopes?: Record<string, string[]>;
  displayName?: string;
  type?: "agent" | "service";
  metadata?: Record<string, unknown>;
  policy?: Record<string, unknown>;
  /** Sent as Idempotency-Key (no CR/LF). */
  idempotencyKey?: string;
}

export interface AgentUpdateOptions extends CallOptions {
  displayName?: string;
  metadata?: Record<string, unknown>;
  /** The full desired allowlist; needs expectedVersion. */
  scopes?: Record<string, string[]>;
  /** The agent's `version` as read (optimistic concurrency). */
  expectedVersion?: number;
  /** Seconds the old scopes stay in force (0..604800), with scopes. */
  graceSeconds?: number;
  policy?: Record<string, unknown>;
}

export interface AgentsNamespace {
  create(options: AgentCreateOptions): Promise<AgentCreateResult>;
  /** limit: page size 1..1000 (default 100); offset: items to skip. */
  list(options?: { limit?: number; offset?: number; includeRevoked?: boolean } & CallOptions): Promise<AgentListResult>;
  get(agentId: string): Promise<AgentInfo>;
  getByName(name: string): Promise<AgentInfo | null>;
  update(agentId: string, options: AgentUpdateOptions): Promise<AgentInfo>;
  suspend(agentId: string): Promise<AgentInfo>;
  resume(agentId: string): Promise<AgentInfo>;
  delete(agentId: string): Promise<AgentInfo>;
  mintKey(agentId: string): Promise<AgentKeyMintResult>;
  listKeys(agentId: string): Promise<AgentKeyList>;
  deprecateKey(agentId: string, keyId: string): Promise<AgentKey>;
  undeprecateKey(agentId: string, keyId: string): Promise<AgentKey>;
  revokeKey(agentId: string, keyId: string, options?: { force?: boolean } & CallOptions): Promise<AgentKey>;
}

export interface KeysNamespace {
  /** expiresIn: the derived key's lifetime, in seconds. */
  derive(options: { scopes: string[]; expiresIn: number; cidrAllowlist?: string[]; name?: string; metadata?: Record<string, unknown> } & CallOptions): Promise<MintedKey>;
  /** overlapDays: days the old key stays valid (0..30, default 7). */
  rotate(options: { keyId: string; overlapDays?: number } | string): Promise<MintedKey>;
  revoke(options: { keyId: string; force?: boolean } | string): Promise<APIKeyInfo>;
}

// ---- Catalogs ----------------------------------------------------------------------------------

export declare class ResourceScopes extends WireModel {
  constructor(wire: Wire);
  readonly verbs: ReadonlyArray<string>;
}

export declare class ScopeCatalog extends WireModel {
  constructor(wire: Wire);
  readonly scopeVersion: number | null;
  readonly resources: Readonly<Record<string, ResourceScopes>>;
  readonly actionVerbs: ReadonlyArray<string>;
  readonly deprecated: ReadonlyArray<string>;
}

export declare class OAuthProviderScopeInfo extends WireModel {
  constructor(wire: Wire);
  readonly description: string | null;
  readonly required: boolean;
  readonly isDefault: boolean;
  readonly requires: ReadonlyArray<string>;
}

export declare class OAuthProviderCatalogItem extends WireModel {
  constructor(wire: Wire);
  readonly id: string | null;
  readonly name: string | null;
  readonly displayName: string | null;
  readonly category: string | null;
  readonly description: string | null;
  readonly logoUrl: string | null;
  readonly supportsRefresh: boolean;
  readonly supportsPkce: boolean;
  readonly availableScopes: Readonly<Record<string, OAuthProviderScopeInfo>>;
  readonly defaultScopes: ReadonlyArray<string>;
  readonly requiredScopes: ReadonlyArray<string>;
  readonly status: string | null;
}

export declare class OAuthProviderCatalog extends WireModel {
  constructor(wire: Wire);
  readonly providers: Readonly<Record<string, OAuthProviderCatalogItem>>;
  getDefaultScopes(provider: string): string[];
  getRequiredScopes(provider: string): string[];
}

export interface ScopesNamespace {
  list(): Promise<ScopeCatalog>;
}

// ---- Models no method returns yet (exported for imports and instanceof; more-models.js) ----------

/** The vault's answer about a credential, without the credential (the SDK never hands it out). */
export declare class TokenResponse extends WireModel {
  constructor(wire: Wire);
  readonly tokenType: string;
  /** Seconds. */
  readonly expiresIn: number | null;
  readonly expiresAt: string | null;
  readonly tokenExpiresAt: string | null;
  readonly grantExpiresAt: string | null;
  readonly scopes: ReadonlyArray<string>;
  readonly grantId: string;
  readonly providerId: string | null;
  readonly scopeMismatch: boolean;
  readonly injectionHeader: string;
  /** Contains `{token}`. */
  readonly injectionFormat: string;
  readonly additionalCredentials: Readonly<Record<string, string>> | null;
  readonly additionalInjections: ReadonlyArray<Readonly<Record<string, string>>> | null;
}

/** One audit row of a provider call. */
export declare class APICallAuditLog extends WireModel {
  constructor(wire: Wire);
  readonly grantId: string;
  readonly providerId: string | null;
  readonly tokenGeneration: string | null;
  readonly method: string;
  readonly url: string;
  readonly requestHeaders: Readonly<Record<string, string>> | null;
  readonly requestBody: unknown;
  readonly responseStatus: number | null;
  readonly responseHeaders: Readonly<Record<string, string>> | null;
  readonly responseBody: unknown;
  /** Milliseconds. */
  readonly latencyMs: number | null;
  readonly timestamp: string | null;
  readonly reason: string | null;
  readonly context: Readonly<Record<string, string>> | null;
}

export type ProviderSpecKind = "oauth" | "managed";

export declare class ProviderSpec extends WireModel {
  constructor(wire: Wire);
  readonly providerKind: ProviderSpecKind | string;
  readonly providerId: string;
  readonly version: number | null;
  readonly provenance: string | null;
  readonly sourceUrl: string | null;
  readonly contentHash: string | null;
  readonly operationCount: number;
  readonly fetchedAt: string | null;
  readonly changedAt: string | null;
  readonly title: string | null;
  readonly specVersion: string | null;
}

export declare class SpecOperation extends WireModel {
  constructor(wire: Wire);
  readonly operationId: string;
  readonly method: string | null;
  readonly pathTemplate: string | null;
  readonly summary: string | null;
}

export declare class SpecOperationsPage extends WireModel {
  constructor(wire: Wire);
  readonly items: ReadonlyArray<SpecOperation>;
  readonly total: number;
  readonly limit: number | null;
  readonly offset: number;
  readonly hasMore: boolean;
  readonly spec: ProviderSpec | null;
}

export declare class SpecOperationDetail extends WireModel {
  constructor(wire: Wire);
  readonly operationId: string;
  readonly method: string | null;
  readonly pathTemplate: string | null;
  readonly summary: string | null;
  readonly paramsSchema: ReadonlyArray<Readonly<Record<string, unknown>>> | null;
  readonly requestSchema: Readonly<Record<string, unknown>> | null;
  readonly responseSchema: Readonly<Record<string, unknown>> | null;
  readonly spec: ProviderSpec | null;
}

export declare class IdentityTrace extends WireModel {
  constructor(wire: Wire);
  readonly runId: string | null;
  readonly threadId: string | null;
}

export declare class IdentityContext extends WireModel {
  constructor(wire: Wire);
  readonly appId: string;
  readonly appUserId: string | null;
  readonly externalSubjectId: string | null;
  readonly idpId: string | null;
  readonly userStatus: string | null;
  readonly groupIds: ReadonlyArray<string>;
  readonly agentId: string | null;
  readonly actorId: string | null;
  readonly trace: IdentityTrace | null;
  readonly email: string | null;
  readonly displayName: string | null;
}

/** A signed identity assertion (compact JWS); identity only, it grants nothing. Never log `token`. */
export declare class IdentityAssertion extends WireModel {
  constructor(wire: Wire);
  readonly token: string;
  readonly expiresAt: string | null;
  readonly identity: IdentityContext | null;
}

export declare class MemoryScope extends WireModel {
  constructor(wire: Wire);
  readonly userKey: string | null;
  readonly agentKey: string | null;
  readonly appKey: string;
  readonly namespace: ReadonlyArray<string>;
  readonly partitionKey: string;
}

export interface OAuthProvidersNamespace {
  /** Cached per client for 5 minutes unless forceRefresh. */
  list(options?: { forceRefresh?: boolean } & CallOptions): Promise<OAuthProviderCatalog>;
}

/** `ProviderSpec` kinds (api-surface §2.11). */
export type ProviderSpecKindName = "oauth" | "managed";

export interface ListOperationsOptions extends CallOptions {
  /** Non-empty, at most 200 characters. */
  search?: string;
  /** Operations per page, 1..500 (default 100). */
  limit?: number;
  /** Operations to skip, ≥ 0 (default 0). */
  offset?: number;
}

/** `.providerSpecs` (scope providers:read). 404s reject with GrantNotFoundError (`details.error`). */
export interface ProviderSpecsNamespace {
  list(kind?: ProviderSpecKindName, options?: CallOptions): Promise<ProviderSpec[]>;
  get(kind: ProviderSpecKindName, providerId: string, options?: CallOptions): Promise<ProviderSpec>;
  /** One page; `listOperations.all(...)` walks every page with `for await`, stopping on `hasMore`. */
  listOperations: {
    (kind: ProviderSpecKindName, providerId: string, options?: ListOperationsOptions): Promise<SpecOperationsPage>;
    all(kind: ProviderSpecKindName, providerId: string, options?: ListOperationsOptions): AsyncIterableIterator<SpecOperation>;
  };
  getOperation(kind: ProviderSpecKindName, providerId: string, operationId: string, options?: CallOptions): Promise<SpecOperationDetail>;
}

export interface ResolveIdentityOptions extends CallOptions {
  /** The end user's IdP JWT (at most 8192 characters). An App falls back to its userTokenGetter. */
  userToken?: string;
  /** Agent only: a user who delegated to this agent. */
  appUserId?: string;
  /** Include email and display name. */
  includeProfile?: boolean;
}

export declare const PROVIDER_SPEC_LIMITS: { readonly maxLimit: 500; readonly defaultLimit: 100; readonly maxSearchChars: 200; readonly maxOperationIdChars: 512 };

// ---- Constraints -------------------------------------------------------------------------------

export interface RequestRule {
  ruleType: string;
  ruleBody: { [key: string]: Json };
}

export interface ConstraintOptions {
  /** Non-empty; "*" is refused. */
  scopes?: string[];
  rule?: RequestRule;
}

export type ContentMatchFamily = "send" | "read" | "write" | "delete" | "admin" | "payment";
export type ContentMatchEffect = "deny" | "redact" | "step_up";
export type ContentParamOp = "equals" | "any_in" | "not_subset_of" | "gt" | "gte" | "lt" | "lte" | "outside_windows";
/** One window of an outside_windows condition: days, "HH:MM" start, "HH:MM" (or "24:00") end. */
export interface TimeWindow { days: Array<"mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun">; start: string; end: string }
export interface TimeWindows { windows: TimeWindow[]; timezone: string }
export type ContentMatchParam =
  | { name: string; op: "equals"; value: string | number | boolean }
  | { name: string; op: "any_in" | "not_subset_of"; value: string[] }
  | { name: string; op: "gt" | "gte" | "lt" | "lte"; value: number }
  | {
      name: string;
      op: "outside_windows";
      value: { windows: Array<{ days: Array<"mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun">; start: string; end: string }>; timezone: string };
    };

/** The Python SDK's name for one params condition. */
export type ContentParamCondition = ContentMatchParam;

export interface ContentMatchRuleOptions {
  operations?: string[];
  families?: ContentMatchFamily[];
  params?: ContentMatchParam[];
  /** Default "deny". */
  effect?: "deny" | "redact" | "step_up";
  /** Required with effect "redact". */
  redactFields?: string[];
  /** Required with effect "step_up": the longest accepted session age, in seconds (1..86400). */
  maxSessionAgeSeconds?: number;
}

/** A typed `content_match` RequestRule for `withConstraints({ rule })` (api-surface §1.9). */
export declare function contentMatchRule(options: ContentMatchRuleOptions): RequestRule;
export declare const CONTENT_MATCH_LIMITS: {
  readonly families: ReadonlyArray<ContentMatchFamily>;
  readonly effects: ReadonlyArray<"deny" | "redact" | "step_up">;
  readonly ops: ReadonlyArray<string>;
  readonly days: ReadonlyArray<string>;
  readonly maxMatchEntries: number;
  readonly maxOperationIdChars: number;
  readonly maxParams: number;
  readonly maxParamNameChars: number;
  readonly maxValueEntries: number;
  readonly maxValueChars: number;
  readonly maxWindows: number;
  readonly maxRedactFields: number;
  readonly maxRedactFieldChars: number;
  readonly maxSessionAgeSeconds: number;
};

export interface UserSpan {
  traceId: string;
  name: string;
  startTime: Date | string;
  spanId?: string;
  parentSpanId?: string;
  endTime?: Date | string;
  attributes?: Record<string, string>;
}

export declare class EmitSpansResult {
  constructor(wire: { accepted: number });
  readonly accepted: number;
  toJSON(): { accepted: number };
}

export declare const SPAN_LIMITS: { readonly maxSpans: number; readonly maxIdChars: number; readonly maxSpanIdChars: number };

export interface SpansNamespace {
  /** 1..50 telemetry spans (not audit evidence); resolves to the number newly stored. */
  emit(spans: UserSpan[]): Promise<EmitSpansResult>;
}

/** Budget of the most recent metered backend response (server clock). */
export declare class RateLimitSnapshot {
  constructor(wire: { limit: number; remaining: number; reset_at?: string | number | Date; resetAt?: string | number | Date });
  readonly limit: number;
  readonly remaining: number;
  readonly resetAt: Date;
  toJSON(): { limit: number; remaining: number; reset_at: string | null };
}

/** True when `key` has the client-side API-key grammar (legacy or checksummed scoped key). */
export declare function isValidKey(key: unknown): boolean;

// ---- Methods on the clients (api-surface.md §1.4) ----------------------------------------------

declare module "../index.js" {
  interface App {
    proxyRequest(method: HttpMethod | string, url: string, options?: ProxyRequestOptions): Promise<ApprovalResult | PendingApproval>;
    proxyRequest(request: ProxyRequestObject): Promise<ApprovalResult | PendingApproval>;
    getApprovalStatus(approvalId: string, options?: GetApprovalStatusOptions): Promise<ApprovalStatus>;
    awaitApproval(approvalId: string, options?: AwaitApprovalOptions): Promise<ApprovalResult>;
    listGrants(options?: ListGrantsOptions): Promise<UnifiedGrantListResult>;
    revokeGrant(grantId: string, options?: { reason?: string } & CallOptions): Promise<RevokeGrantResult>;
    mintGrant(sourceGrantId: string, options: MintGrantOptions): Promise<GrantInfo>;
    createManagedSecretGrant(managedSecretId: string, options: CreateManagedSecretGrantOptions): Promise<CreateGrantResult>;
    revokeDelegation(grantId: string, agentId: string | { agentId: string }): Promise<void>;
    createConnectSession(options?: CreateConnectSessionOptions): Promise<ConnectSession>;
    pollConnectSession(sessionToken: string, options?: PollConnectSessionOptions): Promise<ConnectResult[]>;
    createConnectSessionForError(error: unknown, options?: CreateConnectSessionForErrorOptions): Promise<ConnectSession>;
    createManagedSecretConnectSession(options: ManagedSecretConnectSessionOptions): Promise<ManagedSecretConnectSession>;
    createAuthSession(): Promise<AuthSession>;
    pollAuthSession(sessionToken: string, options?: PollAuthSessionOptions): Promise<AuthResult>;
    /** The verified `sub`, or null on any failure; never throws. */
    verifyUserToken(token: string): Promise<string | null>;
    /** A sibling App whose every request carries the attenuation; synchronous. */
    withConstraints(options: ConstraintOptions): App;
    readonly agents: AgentsNamespace;
    /** null until a metered backend response was seen (never means "unlimited"). */
    readonly lastRateLimit: RateLimitSnapshot | null;
    readonly keys: KeysNamespace;
    readonly scopes: ScopesNamespace;
    readonly oauthProviders: OAuthProvidersNamespace;
    readonly providerSpecs: ProviderSpecsNamespace;
    /** Who the vault sees behind a call (api-surface §2.12). */
    resolveIdentity(options?: ResolveIdentityOptions): Promise<IdentityContext>;
    readonly spans: SpansNamespace;
  }
  interface Agent {
    proxyRequest(method: HttpMethod | string, url: string, options?: ProxyRequestOptions): Promise<ApprovalResult | PendingApproval>;
    proxyRequest(request: ProxyRequestObject): Promise<ApprovalResult | PendingApproval>;
    getApprovalStatus(approvalId: string, options?: GetApprovalStatusOptions): Promise<ApprovalStatus>;
    awaitApproval(approvalId: string, options?: AwaitApprovalOptions): Promise<ApprovalResult>;
    /** The agent's delegated and managed-secret grants (endUserToken only when given). */
    listGrants(options?: ListGrantsOptions): Promise<UnifiedGrantListResult>;
    delegate(grantId: string, toAgentId: string, options?: DelegateOptions): Promise<DelegationResult>;
    /** Revokes this agent's own delegation of the grant. */
    revokeDelegation(grantId: string): Promise<void>;
    createConnectSession(options?: CreateConnectSessionOptions): Promise<ConnectSession>;
    pollConnectSession(sessionToken: string, options?: PollConnectSessionOptions): Promise<ConnectResult[]>;
    createConnectSessionForError(error: unknown, options?: CreateConnectSessionForErrorOptions): Promise<ConnectSession>;
    createManagedSecretConnectSession(options: ManagedSecretConnectSessionOptionsBase): Promise<ManagedSecretConnectSession>;
    me(): Promise<AgentInfo>;
    withConstraints(options: ConstraintOptions): Agent;
    readonly lastRateLimit: RateLimitSnapshot | null;
    readonly keys: KeysNamespace;
    readonly scopes: ScopesNamespace;
    readonly oauthProviders: OAuthProvidersNamespace;
    readonly providerSpecs: ProviderSpecsNamespace;
    /** Who the vault sees behind a call (api-surface §2.12). */
    resolveIdentity(options?: ResolveIdentityOptions): Promise<IdentityContext>;
    readonly spans: SpansNamespace;
  }
}
