// Types of `alter-edge/ai`. Type-only imports of `ai` (an optional peer dependency: install it to
// use this subpath); the module itself never imports it.
import type { Tool, ToolSet } from "ai";
import type { AlterSDKError, ConnectSession, PendingApproval } from "../index.js";

/** A tool result: the user must connect (or reconnect) `provider` at `connectUrl`. */
export interface ConnectionRequiredResult {
  status: "connection_required";
  /** The provider id, e.g. "github". */
  provider: string;
  /** The Connect page for this user (and agent); open it in the browser. */
  connectUrl: string;
  /** When the link stops working (ISO 8601), when the vault said. */
  expiresAt: string | null;
  /** The error code that led here: grant_not_found, no_delegated_grant, grant_expired, ... */
  reason: string | null;
  /** One sentence for the model. */
  message: string;
}

/** A tool result: the call waits for a person's approval (`getApprovalStatus` / `awaitApproval`). */
export interface ApprovalPendingResult {
  status: "approval_pending";
  approvalId: string;
  expiresAt: string | null;
  message: string;
}

export type AlterToolStatus = ConnectionRequiredResult | ApprovalPendingResult;

/** What a tool's `execute` may now resolve to: its own output or one of the two results. */
type Widen<T> = T extends { execute: (...args: any[]) => any }
  ? T extends Tool<infer INPUT, any, any>
    ? T extends Tool<any, infer OUTPUT, any>
      ? T extends Tool<any, any, infer CONTEXT> ? Tool<INPUT, OUTPUT | AlterToolStatus, CONTEXT> : never
      : never
    : never
  : T;
export type AlterToolSet<TOOLS extends ToolSet> = { [K in keyof TOOLS]: Widen<TOOLS[K]> };

/** What alterTools needs of a client: an App or Agent (or a `trace()` scoped view of one). */
export interface AlterToolClient {
  withTool<R>(options: { tool: string; toolCallId?: string; framework?: string }, fn: (scoped: any) => R | Promise<R>): Promise<R>;
  createConnectSessionForError(error: unknown, options?: ConnectOptions): Promise<ConnectSession>;
}

/** Options of the Connect session made for a "not connected" error (createConnectSessionForError). */
export interface ConnectOptions {
  allowedOrigin?: string;
  returnUrl?: string;
  metadata?: { ipAddress?: string; userAgent?: string };
  grantPolicy?: Record<string, unknown>;
  requiredScopes?: Record<string, string[]>;
  /** The user the session is for, when the client has no userTokenGetter that finds them. */
  userToken?: string;
}

export interface ToolCallInfo {
  tool: string;
  toolCallId: string | null;
}

export interface AlterToolsOptions {
  /** The audit context's `framework`; default "ai-sdk". */
  framework?: string;
  /** Connect session options, or a function of the error and the tool call that returns them. */
  connect?: ConnectOptions | ((error: AlterSDKError, call: ToolCallInfo) => ConnectOptions | undefined | Promise<ConnectOptions | undefined>);
  /** Called (and awaited) before a connection_required result is returned; `session.sessionToken` is for pollConnectSession. */
  onConnectionRequired?: (event: ToolCallInfo & { error: AlterSDKError; session: ConnectSession }) => void | Promise<void>;
  /** Called (and awaited) before an approval_pending result is returned. */
  onApprovalPending?: (event: ToolCallInfo & { approvalId: string; pending?: PendingApproval; error?: AlterSDKError }) => void | Promise<void>;
}

export declare const DEFAULT_FRAMEWORK: "ai-sdk";
export declare const CONNECTION_REQUIRED: "connection_required";
export declare const APPROVAL_PENDING: "approval_pending";

/**
 * The same tools, each `execute` run inside `client.withTool({ tool: <name>, toolCallId,
 * framework: "ai-sdk" })`; "not connected" and "waiting for approval" come back as results,
 * every other error is thrown. Tools without `execute` are kept as they are.
 */
export declare function alterTools<TOOLS extends ToolSet>(client: AlterToolClient, tools: TOOLS, options?: AlterToolsOptions): AlterToolSet<TOOLS>;
/** One tool, wrapped as alterTools wraps each (`name` is the tool's name in the tool set). */
export declare function alterTool<T extends Tool>(client: AlterToolClient, name: string, tool: T, options?: AlterToolsOptions): Widen<T>;
/** True for a connection_required or approval_pending result. */
export declare function isAlterToolStatus(value: unknown): value is AlterToolStatus;
