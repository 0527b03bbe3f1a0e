// Types of `alter-edge/express`. Structural request/response types, so @types/express is optional.
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
