// Types of `alter-edge/express`. Structural request/response types, so @types/express is optional.
import type { Agent, App, AppOptions } from "../index.js";
export { bearerToken, httpErrorOf, AlterHttpError } from "./http-map.js";

interface RequestLike { headers?: Record<string, string | string[] | undefined> }
interface ResponseLike {
  headersSent?: boolean;
  status(code: number): ResponseLike;
  json(body: unknown): unknown;
  setHeader(name: string, value: string): unknown;
}
type Next = (err?: unknown) => void;

/** The AsyncLocalStorage holding the current request's user token (declared structurally). */
export declare const userTokenStore: {
  getStore(): string | undefined;
  run<R>(token: string, fn: () => R): R;
  exit<R>(fn: () => R): R;
};
/** The current request's user token, or undefined outside `bearerAuth()`. */
export declare function getUserToken(): string | undefined;
/** For `new App({ userTokenGetter })`; throws outside a request with a token (the SDK fails closed). */
export declare function userTokenGetter(): string;
/** Middleware: Bearer token → store; 401 `{"error":"missing_bearer"}` without one unless `optional`. */
export declare function bearerAuth(options?: { optional?: boolean; header?: string }):
  (req: any, res: any, next: Next) => void;
/** Error middleware: SDK errors → 401/403/409/502; other errors → next(err). */
export declare function alterErrorHandler(options?: { onError?: (err: unknown, req: any) => void }):
  (err: unknown, req: any, res: any, next: Next) => void;
export type { RequestLike, ResponseLike };

/**
 * `new App(...)` or `new Agent(...)` whose userTokenGetter is this module's: the class follows the
 * API key's prefix (`alter_rk_` → App, `alter_ak_` → Agent) unless `kind` pins it; any other prefix
 * (`alter_key_`, `alter_dk_`, `alter_pk_`, unknown) throws AlterSDKError unless `kind` is given.
 */
export declare function alterClient(options: AlterClientOptions & { kind: "agent" }): Agent;
export declare function alterClient(options: AlterClientOptions & { kind: "app" }): App;
export declare function alterClient(options: AlterClientOptions): App | Agent;
/** The client's options without `userTokenGetter` (the adapter owns it), plus `kind`. */
export type AlterClientOptions = Omit<AppOptions, "userTokenGetter" | "callerType"> & {
  kind?: "app" | "agent";
  callerType?: AppOptions["callerType"];
};
