// Types of `alter-edge/hono`. Structural context types, so the package does not depend on hono.
import type { AlterResponse, HttpMethod, RequestOptions } from "../index.js";
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
