// `withConstraints({ scopes, rule })` (api-surface.md §1.9; ts-api.md §9.5): a sibling client whose
// every backend request carries the attenuation headers X-Alter-Scope-Constraints /
// X-Alter-Request-Rule (encoded and bound into the signature by the engine, protocol::context).
// The sibling shares the parent's engine (actor cache, rate-limit snapshot, signing key):
// closing the parent makes it fail closed; closing the sibling only marks the sibling.

import * as core from "../core/engine.js";
import { AlterSDKError, AlterValueError } from "../errors.js";
import { serializeJson } from "../options.js";
import { checkOptionKeys, didYouMean } from "../strict.js";
import { internals, isPlainObject, stateOf, typeName } from "./util.js";

function encodeScopes(scopes) {
  if (!Array.isArray(scopes)) throw new AlterValueError(`withConstraints: scopes must be an array of scope strings, got ${typeName(scopes)}`);
  for (const s of scopes) if (typeof s !== "string") throw new AlterValueError("withConstraints: scope entries must be strings");
  if (typeof core.encodeScopeConstraints !== "function") throw new AlterSDKError("withConstraints needs the engine", {}, { code: "internal_error" });
  return core.encodeScopeConstraints(scopes);
}

function encodeRule(rule) {
  if (!isPlainObject(rule)) throw new AlterValueError("withConstraints: rule must be { ruleType, ruleBody }");
  const keys = Object.keys(rule);
  const ruleType = rule.ruleType ?? rule.rule_type;
  const ruleBody = rule.ruleBody ?? rule.rule_body;
  const extra = keys.find((k) => !["ruleType", "ruleBody", "rule_type", "rule_body"].includes(k));
  if (extra !== undefined) {
    throw new AlterValueError(`withConstraints: rule takes only ruleType and ruleBody${didYouMean(extra, ["ruleType", "ruleBody"])}`);
  }
  if (typeof ruleType !== "string" || ruleType === "" || !isPlainObject(ruleBody)) {
    throw new AlterValueError("withConstraints: rule needs a non-empty ruleType string and a plain ruleBody object");
  }
  const text = serializeJson(ruleBody); // rejects NaN/Infinity, BigInt, cycles (§1.9)
  if (typeof core.encodeRequestRule !== "function") throw new AlterSDKError("withConstraints needs the engine", {}, { code: "internal_error" });
  return core.encodeRequestRule(ruleType, text);
}

export function withConstraints(options) {
  const st = stateOf(this);
  if (st.closed) throw new AlterSDKError("withConstraints: the client has been closed", {}, { code: "client_closed" });
  if (st.constraints) {
    throw new AlterValueError("withConstraints: this client is already constrained; compose the constraints on the original client");
  }
  if (!isPlainObject(options)) throw new AlterValueError("withConstraints({ scopes, rule }): options must be an object");
  checkOptionKeys("withConstraints", options);
  const hasScopes = options.scopes !== undefined && options.scopes !== null;
  const hasRule = options.rule !== undefined && options.rule !== null;
  if (!hasScopes && !hasRule) throw new AlterValueError("withConstraints: give scopes, rule or both");
  const enc = {};
  if (hasScopes) enc.scopeConstraints = encodeScopes(options.scopes);
  if (hasRule) enc.requestRule = encodeRule(options.rule);
  const parent = st;
  let ownClosed = false;
  // The sibling shares the parent's engine and in-flight set; its calls carry the constraints.
  const sibState = Object.assign(Object.create(null), st, { constraints: Object.freeze({ ...enc }) });
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

// ---- contentMatchRule (api-surface §1.9, tier 3) -------------------------------------------------

/** §1.9 bounds of a `content_match` rule. */
export const CONTENT_MATCH_LIMITS = Object.freeze({
  families: Object.freeze(["send", "read", "write", "delete", "admin", "payment"]),
  effects: Object.freeze(["deny", "redact", "step_up"]),
  ops: Object.freeze(["equals", "any_in", "not_subset_of", "gt", "gte", "lt", "lte", "outside_windows"]),
  days: Object.freeze(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
  maxMatchEntries: 100, maxOperationIdChars: 255, maxParams: 20, maxParamNameChars: 120, maxValueEntries: 200,
  maxValueChars: 512, maxWindows: 20, maxRedactFields: 50, maxRedactFieldChars: 120, maxSessionAgeSeconds: 86_400,
});

function strList(what, v, maxItems, maxChars) {
  if (!Array.isArray(v)) throw new AlterValueError(`${what} must be an array of strings`);
  if (v.length > maxItems) throw new AlterValueError(`${what}: at most ${maxItems} entries`);
  for (const s of v) if (typeof s !== "string" || s === "" || s.length > maxChars) throw new AlterValueError(`${what}: entries must be 1..${maxChars} characters`);
  return [...v];
}

const HHMM = /^(?:[01][0-9]|2[0-3]):[0-5][0-9]$/;

function windowsValue(v) {
  const L = CONTENT_MATCH_LIMITS;
  if (!isPlainObject(v) || !Array.isArray(v.windows) || typeof v.timezone !== "string" || v.timezone === "") {
    throw new AlterValueError("outside_windows value must be { windows: [...], timezone: IANA name }");
  }
  if (v.windows.length === 0 || v.windows.length > L.maxWindows) throw new AlterValueError(`outside_windows: 1..${L.maxWindows} windows`);
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: v.timezone });
  } catch {
    throw new AlterValueError(`outside_windows: unknown timezone ${JSON.stringify(v.timezone)}`);
  }
  const windows = v.windows.map((w) => {
    if (!isPlainObject(w) || !Array.isArray(w.days) || w.days.length === 0 || w.days.some((d) => !L.days.includes(d))) {
      throw new AlterValueError(`outside_windows: days must be a non-empty list of ${L.days.join("|")}`);
    }
    if (typeof w.start !== "string" || !HHMM.test(w.start)) throw new AlterValueError("outside_windows: start must be HH:MM");
    if (typeof w.end !== "string" || !(HHMM.test(w.end) || w.end === "24:00")) throw new AlterValueError("outside_windows: end must be HH:MM or 24:00");
    return { days: [...w.days], start: w.start, end: w.end };
  });
  return { windows, timezone: v.timezone };
}

function paramCondition(p) {
  const L = CONTENT_MATCH_LIMITS;
  if (!isPlainObject(p)) throw new AlterValueError("params entries must be { name, op, value }");
  if (typeof p.name !== "string" || p.name === "" || p.name.length > L.maxParamNameChars) throw new AlterValueError(`param name must be 1..${L.maxParamNameChars} characters`);
  if (!L.ops.includes(p.op)) throw new AlterValueError(`param op must be one of ${L.ops.join(", ")}`);
  let value;
  switch (p.op) {
    case "gt": case "gte": case "lt": case "lte":
      if (typeof p.value !== "number" || !Number.isFinite(p.value)) throw new AlterValueError(`param ${p.op} needs a finite number`);
      value = p.value;
      break;
    case "any_in": case "not_subset_of":
      value = strList(`param ${p.name} value`, p.value, L.maxValueEntries, L.maxValueChars);
      break;
    case "outside_windows":
      value = windowsValue(p.value);
      break;
    default: // equals
      if (typeof p.value === "string") {
        if (p.value.length > L.maxValueChars) throw new AlterValueError(`param value: at most ${L.maxValueChars} characters`);
      } else if (!(typeof p.value === "boolean" || (typeof p.value === "number" && Number.isFinite(p.value)))) {
        throw new AlterValueError("equals needs a string, number or boolean value");
      }
      value = p.value;
  }
  return { name: p.name, op: p.op, value };
}

/**
 * `contentMatchRule({ operations, families, params, effect = "deny", redactFields,
 * maxSessionAgeSeconds })` → a RequestRule `{ ruleType: "content_match", ruleBody }` for
 * `withConstraints({ rule })`, checked against the bounds of §1.9 (AlterValueError otherwise).
 */
export function contentMatchRule(options) {
  const L = CONTENT_MATCH_LIMITS;
  if (!isPlainObject(options)) throw new AlterValueError("contentMatchRule(options): options must be an object");
  checkOptionKeys("contentMatchRule", options);
  const { operations, families, params, effect = "deny", redactFields, maxSessionAgeSeconds } = options;
  const match = {};
  if (operations !== undefined && operations !== null) match.operations = strList("operations", operations, L.maxMatchEntries, L.maxOperationIdChars);
  if (families !== undefined && families !== null) {
    match.families = strList("families", families, L.maxMatchEntries, 32);
    for (const f of match.families) if (!L.families.includes(f)) throw new AlterValueError(`families: ${JSON.stringify(f)} is not one of ${L.families.join("|")}`);
  }
  const count = (match.operations?.length ?? 0) + (match.families?.length ?? 0);
  if (count === 0) throw new AlterValueError("contentMatchRule needs operations or families");
  if (count > L.maxMatchEntries) throw new AlterValueError(`operations + families: at most ${L.maxMatchEntries} entries`);
  if (!L.effects.includes(effect)) throw new AlterValueError(`effect must be one of ${L.effects.join("|")}`);
  const body = { match };
  if (params !== undefined && params !== null) {
    if (!Array.isArray(params) || params.length > L.maxParams) throw new AlterValueError(`params: an array of at most ${L.maxParams} conditions`);
    body.params = params.map(paramCondition);
  }
  body.effect = effect;
  const hasRedact = redactFields !== undefined && redactFields !== null;
  if ((effect === "redact") !== hasRedact) throw new AlterValueError("redactFields is required with effect \"redact\", and only then");
  if (hasRedact) {
    const fields = strList("redactFields", redactFields, L.maxRedactFields, L.maxRedactFieldChars);
    if (fields.length === 0) throw new AlterValueError("redactFields must not be empty");
    body.redact = { fields };
  }
  const hasAge = maxSessionAgeSeconds !== undefined && maxSessionAgeSeconds !== null;
  if ((effect === "step_up") !== hasAge) throw new AlterValueError("maxSessionAgeSeconds is required with effect \"step_up\", and only then");
  if (hasAge) {
    if (!Number.isInteger(maxSessionAgeSeconds) || maxSessionAgeSeconds < 1 || maxSessionAgeSeconds > L.maxSessionAgeSeconds) {
      throw new AlterValueError(`maxSessionAgeSeconds must be an integer in 1..${L.maxSessionAgeSeconds}`);
    }
    body.step_up = { max_session_age_seconds: maxSessionAgeSeconds };
  }
  return Object.freeze({ ruleType: "content_match", ruleBody: body });
}
