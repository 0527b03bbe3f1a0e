// Public names of the tier-1/tier-2 surface, re-exported from the package root (via client.js).

import * as core from "../core/engine.js";

export { CONTENT_MATCH_LIMITS, contentMatchRule } from "./constraints.js";
export { EmitSpansResult, SPAN_LIMITS } from "./spans.js";
export { PROVIDER_SPEC_LIMITS } from "./specs.js";
export {
  APICallAuditLog, IdentityAssertion, IdentityContext, IdentityTrace, MemoryScope, ProviderSpec, SpecOperation,
  SpecOperationDetail, SpecOperationsPage, TokenResponse,
} from "./more-models.js";

export {
  APIKeyInfo, AgentCreateResult, AgentInfo, AgentKey, AgentKeyList, AgentKeyMintResult, AgentListResult,
  ApprovalGate, ApprovalGateStatus, ApprovalResult, ApprovalStatus, AuthResult, AuthSession, ConnectDelegation,
  ConnectFailedGrant, ConnectResult, ConnectSession, CreateGrantResult, DelegationResult, GrantInfo, GrantPolicy,
  ManagedSecretConnectSession, ManagedSecretGrantItem, MintedKey, RateLimitSnapshot, OAuthGrantItem, OAuthProviderCatalog,
  OAuthProviderCatalogItem, OAuthProviderScopeInfo, PendingApproval, ResourceScopes, RevokeGrantResult,
  ScopeCatalog, UnifiedGrantListResult,
} from "./models.js";

/**
 * `isValidKey(key)`: true when `key` has the client-side API-key grammar (legacy `alter_key_<40>` or
 * a checksummed `alter_{rk,ak,dk,pk}_…` key); the rule lives in the protocol crate.
 */
export function isValidKey(key) {
  return core.isValidKey(key);
}
