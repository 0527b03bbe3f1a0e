// `alter-edge/ai`: Vercel AI SDK tools (the `ai` package) whose provider calls carry the tool call.
//
//   import { alterTools } from "alter-edge/ai";
//   const tools = alterTools(app, { calendar: tool({ ... execute: ... app.request(...) ... }) });
//   await generateText({ model, tools, stopWhen: isStepCount(5), prompt });
//
// Each tool's `execute` runs inside `client.withTool({ tool: <name>, toolCallId, framework:
// "ai-sdk" })`, so every audit row of a call made inside it names the tool, the AI SDK's call id and
// the run of an enclosing `agent.trace()`. Two outcomes the user can resolve become tool RESULTS
// (the model can explain them, the UI can render them) instead of errors that end the step:
//   not connected  → { status: "connection_required", provider, connectUrl, expiresAt, reason, message }
//   needs approval → { status: "approval_pending", approvalId, expiresAt, message }
// Every other error is thrown unchanged (typed). A result holds only the fields above: never the
// error's message or details, a credential, the API key or a user's JWT.
// The module never imports `ai` (an optional peer dependency): it only wraps functions.

import {
  AgentDelegationMissingError, AlterValueError, ApprovalTimeoutError, GrantNotFoundError, NoDelegatedGrantError,
  ReAuthRequiredError,
} from "../errors.js";
import { PendingApproval } from "../ns/models.js";
import { checkOptionKeys } from "../strict.js";

export const DEFAULT_FRAMEWORK = "ai-sdk";
export const CONNECTION_REQUIRED = "connection_required";
export const APPROVAL_PENDING = "approval_pending";

// By name too, so a copy of the error classes in another bundle is still recognised.
const CONNECT_ERRORS = [GrantNotFoundError, AgentDelegationMissingError, NoDelegatedGrantError, ReAuthRequiredError];
const CONNECT_NAMES = new Set([
  "GrantNotFoundError", "AgentDelegationMissingError", "NoDelegatedGrantError", "ReAuthRequiredError",
  "GrantExpiredError", "GrantRevokedError", "CredentialRevokedError", "GrantDeletedError",
]);
const CONNECT_OPTION_KEYS = ["allowedOrigin", "returnUrl", "metadata", "grantPolicy", "requiredScopes", "userToken"];
const SCHEMA = Symbol.for("vercel.ai.schema"); // the AI SDK's marker of a `jsonSchema()` schema

function str(v) {
  return typeof v === "string" && v !== "" ? v : null;
}

function isConnectError(err) {
  if (err === null || typeof err !== "object") return false;
  return CONNECT_ERRORS.some((cls) => err instanceof cls) || (CONNECT_NAMES.has(err.name) && typeof err.code === "string");
}

function isApprovalTimeout(err) {
  return err instanceof ApprovalTimeoutError || (err?.name === "ApprovalTimeoutError" && typeof err.code === "string");
}

function isPendingApproval(v) {
  return v instanceof PendingApproval ||
    (v !== null && typeof v === "object" && v.constructor?.name === "PendingApproval" && typeof v.approvalId === "string");
}

/** True for the two results this module makes (`connection_required`, `approval_pending`). */
export function isAlterToolStatus(value) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  if (value.status === CONNECTION_REQUIRED) return typeof value.provider === "string" && typeof value.connectUrl === "string";
  return value.status === APPROVAL_PENDING && typeof value.approvalId === "string";
}

/**
 * Whether `err` can become `connection_required`: a connect-type error that names its provider
 * (and, for NoDelegatedGrantError, its agent), which is what a Connect session needs. A stale
 * `grantId` names none and stays an error.
 */
function recoverable(err) {
  if (!isConnectError(err) || !str(err.providerId) || err.code === "jwt_validation_error") return false;
  if ((err instanceof NoDelegatedGrantError || err.name === "NoDelegatedGrantError") && !str(err.agentId)) return false;
  return true;
}

function connectionRequired(err, session) {
  const provider = err.providerId;
  return {
    status: CONNECTION_REQUIRED,
    provider,
    connectUrl: session.connectUrl,
    expiresAt: str(session.expiresAt),
    reason: str(err.code),
    message: `The user must connect ${provider} before this tool can run: ask them to open connectUrl, then try again.`,
  };
}

function approvalPending(approvalId, expiresAt) {
  return {
    status: APPROVAL_PENDING,
    approvalId,
    expiresAt: str(expiresAt),
    message: "This action is waiting for a person to approve it; it runs once approved. Tell the user it is pending.",
  };
}

function readOptions(options) {
  if (options === undefined || options === null) options = {};
  if (typeof options !== "object" || Array.isArray(options)) throw new AlterValueError("alterTools: options must be an object");
  checkOptionKeys("ai.alterTools", options);
  const framework = options.framework ?? DEFAULT_FRAMEWORK;
  if (typeof framework !== "string" || framework === "") throw new AlterValueError("alterTools: framework must be a non-empty string");
  const connect = options.connect ?? {};
  if (typeof connect !== "function") {
    if (typeof connect !== "object" || Array.isArray(connect)) throw new AlterValueError("alterTools: connect must be an object or a function");
    checkOptionKeys("ai.alterTools.connect", connect, CONNECT_OPTION_KEYS);
  }
  for (const k of ["onConnectionRequired", "onApprovalPending"]) {
    if (options[k] !== undefined && options[k] !== null && typeof options[k] !== "function") {
      throw new AlterValueError(`alterTools: ${k} must be a function`);
    }
  }
  return {
    framework,
    connect,
    onConnectionRequired: options.onConnectionRequired ?? null,
    onApprovalPending: options.onApprovalPending ?? null,
  };
}

/**
 * A call made for an end user (the error names `appUserId`) on an App: the Connect session must be
 * for that same user, never for the app itself (a tool that passed `userToken` per call on a client
 * without a userTokenGetter would otherwise get a session without user). The vault says whom the
 * session's token stands for (resolveIdentity, one call on this path only); anyone else, or no one,
 * and the original error is thrown. An agent's session names the agent and always needs the user.
 */
async function sameUser(client, err, opts) {
  const appUserId = str(err.appUserId);
  if (!appUserId || str(err.agentId) || typeof client.resolveIdentity !== "function") return true;
  try {
    const who = await client.resolveIdentity(opts.userToken ? { userToken: opts.userToken } : undefined);
    return who?.appUserId === appUserId;
  } catch {
    return false;
  }
}

/** The outcome of a finished tool call: a value, a PendingApproval → result, or the error mapped. */
async function settle(client, settings, call, run) {
  let value;
  try {
    value = await run();
  } catch (err) {
    return failure(client, settings, call, err);
  }
  if (isPendingApproval(value)) {
    if (settings.onApprovalPending) await settings.onApprovalPending({ ...call, approvalId: value.approvalId, pending: value });
    return approvalPending(value.approvalId, value.expiresAt);
  }
  return value;
}

async function failure(client, settings, call, err) {
  if (isApprovalTimeout(err) && str(err.approvalId)) {
    if (settings.onApprovalPending) await settings.onApprovalPending({ ...call, approvalId: err.approvalId, error: err });
    return approvalPending(err.approvalId, null);
  }
  if (!recoverable(err)) throw err;
  let opts = settings.connect;
  if (typeof opts === "function") {
    opts = await opts(err, call);
    if (opts !== undefined && opts !== null) checkOptionKeys("ai.alterTools.connect", opts, CONNECT_OPTION_KEYS);
  }
  opts = { ...(opts ?? {}) };
  if (!(await sameUser(client, err, opts))) throw err;
  // A Connect session for the same user (the client's userTokenGetter, or connect.userToken) and,
  // for an agent, the same agent; its errors (ConnectConfigError, ...) are thrown as they are.
  const session = await client.createConnectSessionForError(err, opts);
  if (settings.onConnectionRequired) await settings.onConnectionRequired({ ...call, error: err, session });
  return connectionRequired(err, session);
}

function isAsyncGeneratorFunction(fn) {
  return Object.prototype.toString.call(fn) === "[object AsyncGeneratorFunction]";
}

function isAsyncIterable(v) {
  return v !== null && typeof v === "object" && typeof v[Symbol.asyncIterator] === "function";
}

function scopeOf(name, options, framework) {
  const scope = { tool: name, framework };
  const id = str(options?.toolCallId);
  if (id) scope.toolCallId = id;
  return scope;
}

/** `execute` run inside the tool scope; a function returning a promise (or a value). */
function wrapExecute(client, name, execute, settings) {
  return function alterExecute(input, options) {
    const scope = scopeOf(name, options, settings.framework);
    const call = { tool: name, toolCallId: scope.toolCallId ?? null };
    return client.withTool(scope, () => settle(client, settings, call, async () => {
      const out = await execute.call(this, input, options);
      if (!isAsyncIterable(out) || isPendingApproval(out)) return out;
      // A function (not an `async function*`) that returned a stream: its last value is the result.
      let last;
      for await (const v of out) last = v;
      return last;
    }));
  };
}

/**
 * `async function* execute`: preliminary results stream through, each step of the generator runs
 * inside the tool scope; an error mapped to a result ends the stream as its final value.
 */
function wrapGenerator(client, name, execute, settings) {
  return async function* alterExecuteStream(input, options) {
    const scope = scopeOf(name, options, settings.framework);
    const call = { tool: name, toolCallId: scope.toolCallId ?? null };
    const it = execute.call(this, input, options)[Symbol.asyncIterator]();
    for (;;) {
      let step = null;
      const outcome = await client.withTool(scope, () => settle(client, settings, call, async () => {
        step = await it.next();
        return step.done ? undefined : step.value;
      }));
      if (step === null) {
        yield outcome; // it.next() threw, and the error became a result
        return;
      }
      if (step.done) return;
      yield outcome; // the value, or its approval_pending result
    }
  };
}

/** An output schema that also accepts this module's two results (for UI message validation). */
function widenOutputSchema(schema) {
  if (schema === undefined || schema === null) return schema;
  if (typeof schema === "function") {
    let cached;
    return () => (cached ??= widenOutputSchema(schema()));
  }
  if (schema[SCHEMA] === true) {
    return {
      [SCHEMA]: true,
      _type: undefined,
      get jsonSchema() {
        return { anyOf: [schema.jsonSchema, STATUS_JSON_SCHEMA] };
      },
      validate: async (value) => {
        if (isAlterToolStatus(value)) return { success: true, value };
        return schema.validate ? schema.validate(value) : { success: true, value };
      },
    };
  }
  const std = schema["~standard"];
  if (std && typeof std.validate === "function") {
    const widened = {
      version: 1,
      vendor: "alter-edge",
      validate: (value) => (isAlterToolStatus(value) ? { value } : std.validate(value)),
    };
    if (std.jsonSchema) {
      widened.jsonSchema = {
        input: (o) => ({ anyOf: [std.jsonSchema.input(o), STATUS_JSON_SCHEMA] }),
        output: (o) => ({ anyOf: [std.jsonSchema.output(o), STATUS_JSON_SCHEMA] }),
      };
    }
    return { "~standard": widened };
  }
  return schema;
}

const STATUS_JSON_SCHEMA = Object.freeze({
  type: "object",
  required: ["status"],
  properties: {
    status: { enum: [CONNECTION_REQUIRED, APPROVAL_PENDING] },
    provider: { type: "string" },
    connectUrl: { type: "string" },
    approvalId: { type: "string" },
    expiresAt: { type: ["string", "null"] },
    reason: { type: ["string", "null"] },
    message: { type: "string" },
  },
});

/** One tool wrapped (see alterTools); a tool without `execute` is returned as it is. */
export function alterTool(client, name, tool, options) {
  checkClient(client);
  if (typeof name !== "string" || name === "") throw new AlterValueError("alterTool: name must be a non-empty string");
  return wrapOne(client, name, tool, readOptions(options));
}

function checkClient(client) {
  if (client === null || typeof client !== "object" || typeof client.withTool !== "function" ||
      typeof client.createConnectSessionForError !== "function") {
    throw new AlterValueError("alterTools: client must be an alter-edge App or Agent (it needs withTool and createConnectSessionForError)");
  }
}

function wrapOne(client, name, tool, settings) {
  if (tool === null || typeof tool !== "object") throw new AlterValueError(`alterTools: tool ${JSON.stringify(name)} must be an object`);
  if (typeof tool.execute !== "function") return tool;
  // Own properties with their descriptors (a non-enumerable one such as a tool caller included).
  const wrapped = Object.create(Object.getPrototypeOf(tool), Object.getOwnPropertyDescriptors(tool));
  const wrap = isAsyncGeneratorFunction(tool.execute) ? wrapGenerator : wrapExecute;
  Object.defineProperty(wrapped, "execute", {
    value: wrap(client, name, tool.execute, settings), enumerable: true, configurable: true, writable: true,
  });
  if (tool.outputSchema !== undefined) {
    Object.defineProperty(wrapped, "outputSchema", {
      value: widenOutputSchema(tool.outputSchema), enumerable: true, configurable: true, writable: true,
    });
  }
  return wrapped;
}

/**
 * `alterTools(client, tools, options?)`: a new tool set (same names) whose tools run their
 * `execute` inside `client.withTool({ tool: name, toolCallId, framework })`, and answer
 * "not connected" and "waiting for approval" as results (see the top of this file).
 * `options`: `framework` (default "ai-sdk"); `connect`: options for the Connect session
 * (`returnUrl`, `allowedOrigin`, `metadata`, `grantPolicy`, `requiredScopes`, `userToken`), or
 * `(error, { tool, toolCallId }) => options`; `onConnectionRequired({ tool, toolCallId, error,
 * session })` and `onApprovalPending({ tool, toolCallId, approvalId, pending?, error? })`,
 * awaited before the result is returned (a callback that throws fails the tool call).
 */
export function alterTools(client, tools, options) {
  checkClient(client);
  if (tools === null || typeof tools !== "object" || Array.isArray(tools)) throw new AlterValueError("alterTools: tools must be an object of name → tool");
  const settings = readOptions(options);
  const out = {};
  for (const name of Object.keys(tools)) out[name] = wrapOne(client, name, tools[name], settings);
  return out;
}
