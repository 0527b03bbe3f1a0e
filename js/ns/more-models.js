// Models the official SDKs export that no method of this package returns yet (api-surface.md §1.11,
// §4; ts-api.md §2.3, §11.3, §11.9): the core-path shapes (TokenResponse, APICallAuditLog), the
// provider-spec catalog and the identity plane. Exported so code that imports them, builds them from
// wire JSON or checks `instanceof` keeps working. Same conventions as models.js: frozen, camelCase
// fields from the snake_case wire (camelCase accepted too), toJSON() back to snake_case, timestamps
// kept as the ISO-8601 strings the wire sends.

import { WireModel } from "./models.js";

/**
 * What the vault answers about a credential, without the credential: the SDK injects the token and
 * never hands it out, so there is no token field (ts-api.md §11.3).
 */
export class TokenResponse extends WireModel {
  static fields = {
    token_type: "Bearer", expires_in: undefined, expires_at: undefined, token_expires_at: undefined,
    grant_expires_at: undefined, scopes: [], grant_id: undefined, provider_id: undefined, scope_mismatch: false,
    injection_header: "Authorization", injection_format: "Bearer {token}", additional_credentials: undefined,
    additional_injections: undefined,
  };
  static required = ["grant_id"];

  toString() {
    return `TokenResponse(grantId=${this.grantId}, providerId=${this.providerId}, tokenType=${this.tokenType})`;
  }
}

/** One audit row of a provider call (the row the SDK sends after request(); bodies capped). */
export class APICallAuditLog extends WireModel {
  static fields = {
    grant_id: undefined, provider_id: undefined, token_generation: undefined, method: undefined, url: undefined,
    request_headers: undefined, request_body: undefined, response_status: undefined, response_headers: undefined,
    response_body: undefined, latency_ms: undefined, timestamp: undefined, reason: undefined, context: undefined,
  };
  static required = ["grant_id", "method", "url"];
}

// ---- Provider specs (api-surface.md §2.11) --------------------------------------------------------

export class ProviderSpec extends WireModel {
  static fields = {
    provider_kind: undefined, provider_id: undefined, version: undefined, provenance: undefined, source_url: undefined,
    content_hash: undefined, operation_count: 0, fetched_at: undefined, changed_at: undefined, title: undefined,
    spec_version: undefined,
  };
  static required = ["provider_kind", "provider_id"];
}

export class SpecOperation extends WireModel {
  static fields = { operation_id: undefined, method: undefined, path_template: undefined, summary: undefined };
  static required = ["operation_id"];
}

export class SpecOperationsPage extends WireModel {
  static fields = { items: [], total: 0, limit: undefined, offset: 0, has_more: false, spec: undefined };
  static nested = { items: SpecOperation, spec: ProviderSpec };
}

export class SpecOperationDetail extends WireModel {
  static fields = {
    operation_id: undefined, method: undefined, path_template: undefined, summary: undefined, params_schema: undefined,
    request_schema: undefined, response_schema: undefined, spec: undefined,
  };
  static required = ["operation_id"];
  static nested = { spec: ProviderSpec };
}

// ---- Identity plane (api-surface.md §2.12) --------------------------------------------------------

export class IdentityTrace extends WireModel {
  static fields = { run_id: undefined, thread_id: undefined };
}

export class IdentityContext extends WireModel {
  static fields = {
    app_id: undefined, app_user_id: undefined, external_subject_id: undefined, idp_id: undefined, user_status: undefined,
    group_ids: [], agent_id: undefined, actor_id: undefined, trace: undefined, email: undefined, display_name: undefined,
  };
  static required = ["app_id"];
  static nested = { trace: IdentityTrace };
}

/** A signed identity assertion (a compact JWS): identity only, it grants nothing. */
export class IdentityAssertion extends WireModel {
  static fields = { token: undefined, expires_at: undefined, identity: undefined };
  static required = ["token"];
  static nested = { identity: IdentityContext };

  toString() {
    return `IdentityAssertion(expiresAt=${this.expiresAt}, token=[REDACTED])`;
  }
}

export class MemoryScope extends WireModel {
  static fields = { user_key: undefined, agent_key: undefined, app_key: undefined, namespace: [], partition_key: undefined };
  static required = ["app_key", "partition_key"];
}
