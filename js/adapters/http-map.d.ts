// Types of http-map.js (shared by alter-edge/express and alter-edge/hono).

/** The HTTP answer for an SDK error: a short stable `error` string, never the message or details. */
export interface AlterHttpError {
  status: 401 | 403 | 409 | 502;
  body: {
    error:
      | "missing_bearer" | "invalid_token" | "reauthorization_required" | "unauthorized"
      | "forbidden" | "ambiguous_grant" | "token_refresh_in_progress" | "credential_unavailable"
      | "connection_required";
    providerId?: string | null;
    /**
     * `connection_required`: that the user must connect the provider; `missing_bearer` where the
     * runtime has no AsyncLocalStorage: the compatibility flag to add (nodejs_als / nodejs_compat).
     */
    hint?: string;
    candidates?: Array<{
      grantId: string | null; label: string | null;
      accountIdentifier: string | null; accountDisplayName: string | null;
    }>;
  };
  headers: Record<string, string>;
}

/** `code` of the getter error thrown where the runtime has no AsyncLocalStorage (alter-edge/hono). */
export declare const NO_ASYNC_CONTEXT: "async_context_unavailable";
export declare const NO_ASYNC_CONTEXT_HINT: string;
export declare const MISSING_BEARER: { readonly error: "missing_bearer" };

/** Bearer token of an `Authorization` header value, or null. */
export declare function bearerToken(header: string | null | undefined): string | null;
/** The HTTP answer for an SDK error, or null when `err` is not one. */
export declare function httpErrorOf(err: unknown): AlterHttpError | null;
