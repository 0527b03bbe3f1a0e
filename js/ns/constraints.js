// `withConstraints({ scopes, rule })` (api-surface.md §1.9; ts-api.md §9.5): a sibling client whose
// every backend request carries the attenuation headers X-Alter-Scope-Constraints /
// X-Alter-Request-Rule (encoded and bound into the signature by the wasm core, protocol::context).
// The sibling shares the parent's wasm core (actor cache, rate-limit snapshot, signing key):
// closing the parent makes it fail closed; closing the sibling only marks the sibling.

import * as core from "../alter_edge.js";
import { AlterSDKError, AlterValueError } from "../errors.js";
import { serializeJson } from "../options.js";
import { internals, isPlainObject, stateOf, typeName } from "./util.js";

function encodeScopes(scopes) {
  if (!Array.isArray(scopes)) throw new AlterValueError(`withConstraints: scopes must be an array of scope strings, got ${typeName(scopes)}`);
  for (const s of scopes) if (typeof s !== "string") throw new AlterValueError("withConstraints: scope entries must be strings");
  if (typeof core.encodeScopeConstraints !== "function") throw new AlterSDKError("withConstraints needs the wasm core", {}, { code: "internal_error" });
  return core.encodeScopeConstraints(scopes);
}

function encodeRule(rule) {
  if (!isPlainObject(rule)) throw new AlterValueError("withConstraints: rule must be { ruleType, ruleBody }");
  const keys = Object.keys(rule);
  const ruleType = rule.ruleType ?? rule.rule_type;
  const ruleBody = rule.ruleBody ?? rule.rule_body;
  if (keys.some((k) => !["ruleType", "ruleBody", "rule_type", "rule_body"].includes(k))) {
    throw new AlterValueError("withConstraints: rule takes only ruleType and ruleBody");
  }
  if (typeof ruleType !== "string" || ruleType === "" || !isPlainObject(ruleBody)) {
    throw new AlterValueError("withConstraints: rule needs a non-empty ruleType string and a plain ruleBody object");
  }
  const text = serializeJson(ruleBody); // rejects NaN/Infinity, BigInt, cycles (§1.9)
  if (typeof core.encodeRequestRule !== "function") throw new AlterSDKError("withConstraints needs the wasm core", {}, { code: "internal_error" });
  return core.encodeRequestRule(ruleType, text);
}

/** The parent's core with the constraint values added to every request / call. */
function constrainedCore(wasm, enc) {
  const out = {
    request: (call) => wasm.request({ ...call, ...enc }),
    call: (m, p, b, o) => wasm.call(m, p, b, { ...(o ?? {}), ...enc }),
    pendingAudits: () => (typeof wasm.pendingAudits === "function" ? wasm.pendingAudits() : []),
    actorId: () => wasm.actorId(),
    lastRetryInfo: () => wasm.lastRetryInfo(),
    lastRateLimit: () => (typeof wasm.lastRateLimit === "function" ? wasm.lastRateLimit() : null),
    baseUrl: () => wasm.baseUrl(),
    isClosed: () => wasm.isClosed(),
    // The sibling never closes the shared core; it only marks itself closed.
    close: () => {},
    setLogger: () => {},
    onAudit: () => {},
  };
  if (typeof wasm.check === "function") out.check = (call) => wasm.check({ ...call, ...enc });
  return out;
}

export function withConstraints(options) {
  const st = stateOf(this);
  if (st.closed) throw new AlterSDKError("withConstraints: the client has been closed", {}, { code: "client_closed" });
  if (st.constraints) {
    throw new AlterValueError("withConstraints: this client is already constrained; compose the constraints on the original client");
  }
  if (!isPlainObject(options)) throw new AlterValueError("withConstraints({ scopes, rule }): options must be an object");
  const hasScopes = options.scopes !== undefined && options.scopes !== null;
  const hasRule = options.rule !== undefined && options.rule !== null;
  if (!hasScopes && !hasRule) throw new AlterValueError("withConstraints: give scopes, rule or both");
  const enc = {};
  if (hasScopes) enc.scopeConstraints = encodeScopes(options.scopes);
  if (hasRule) enc.requestRule = encodeRule(options.rule);
  const parent = st;
  let ownClosed = false;
  const sibState = Object.assign(Object.create(null), st, { wasm: constrainedCore(st.wasm, enc), constraints: Object.freeze({ ...enc }) });
  Object.defineProperty(sibState, "closed", {
    get: () => ownClosed || parent.closed,
    set: (v) => {
      ownClosed = ownClosed || v === true;
    },
    enumerable: true,
  });
  const proto = this.constructor.prototype;
  const sibling = Object.create(proto);
  Object.defineProperty(sibling, internals.STATE, { value: sibState });
  if (internals.App && sibling instanceof internals.App) {
    Object.defineProperty(sibling, "getAgent", {
      value() {
        throw new AlterValueError("getAgent is not available on a constrained App: call it on the original App, then constrain the Agent");
      },
    });
  }
  return sibling;
}
