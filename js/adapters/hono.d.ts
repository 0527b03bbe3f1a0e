// Types of `alter-edge/hono`. Structural context types, so the package does not depend on hono.
import type { Agent, AlterResponse, App, AppOptions, HttpMethod, RequestOptions } from "../index.js";
export { bearerToken, httpErrorOf, AlterHttpError } from "./http-map.js";

/** What the middleware needs of an App or Agent. */
export interface AlterClientLike {
  request(method: HttpMethod | string, url: string, options?: RequestOptions): Promise<AlterResponse>;
  flush?(): Promise<void>;
}
/** `c.var.alter`: the app, the request's token, and request() carrying that token. */
export interface ScopedAlter<A extends AlterClientLike = AlterClientLike> {
  readonly app: A;
  readonly userToken: string | null;
  request(method: HttpMethod | string, url: string, options?: RequestOptions): Promise<AlterResponse>;
}
/** Variables the middleware sets (`new Hono<{ Variables: AlterVariables }>()`). */
export interface AlterVariables {
  alter: ScopedAlter;
  alterUserToken: string | undefined;
}

export declare function getUserToken(): string | undefined;
/** For `new App({ userTokenGetter })` where the runtime has AsyncLocalStorage. */
export declare function userTokenGetter(): string;
/** Hands the app's pending audit rows to `c.executionCtx.waitUntil`; false where there is none. */
export declare function waitUntilAudits(c: any, app: AlterClientLike): boolean;
export declare function alter<A extends AlterClientLike>(options?: {
  app?: A | ((c: any) => A | Promise<A>);
  optional?: boolean;
  header?: string;
}): (c: any, next: () => Promise<void>) => Promise<Response | void>;
export declare function alterErrorHandler(options?: {
  onError?: (err: unknown, c: any) => void;
  fallback?: (err: unknown, c: any) => Response | Promise<Response>;
}): (err: Error, c: any) => Response | Promise<Response>;

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
