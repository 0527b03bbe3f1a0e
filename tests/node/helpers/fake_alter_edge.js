// A stand-in for the wasm glue (`alter_edge.js`) with the WasmClient interface of the boundary doc,
// used by the JS-layer unit tests only. It keeps every call it receives and answers with a Response
// whose body echoes the call (without userToken), after an optional random delay; it schedules an
// audit promise per provider attempt like the real core. Copied next to the js/ sources by
// helpers/js-under-test.mjs.
import { createAlterError } from "./errors.js";

export const fake = {
  calls: [],
  audits: 0,
  auditsDone: 0,
  maxDelayMs: 0,
  auditDelayMs: 0,
  failWith: null, // a plain error object for the next calls
  instances: [],
  reset() {
    this.calls = [];
    this.audits = 0;
    this.auditsDone = 0;
    this.maxDelayMs = 0;
    this.auditDelayMs = 0;
    this.failWith = null;
  },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class WasmClient {
  constructor(config) {
    if (typeof config.apiKey !== "string" || !config.apiKey.startsWith("alter_")) {
      throw createAlterError({ class: "AlterSDKError", code: "invalid_api_key_format", message: "Invalid API key format", status: null, details: {}, fields: {} });
    }
    this.config = { ...config };
    delete this.config.apiKey;
    this._closed = false;
    this._pending = new Set();
    this._onAudit = null;
    this._logger = undefined;
    this._lastRetry = null;
    this.auditsScheduled = 0;
    this.auditsDone = 0;
    fake.instances.push(this);
  }

  setLogger(l) {
    this._logger = l;
  }

  onAudit(cb) {
    this._onAudit = cb;
  }

  pendingAudits() {
    return [...this._pending];
  }

  _scheduleAudit() {
    fake.audits++;
    this.auditsScheduled++;
    const p = sleep(fake.auditDelayMs).then(() => {
      fake.auditsDone++;
      this.auditsDone++;
      this._pending.delete(p);
    });
    this._pending.add(p);
    if (this._onAudit) this._onAudit(p);
    return p;
  }

  /** Synchronous local checks (the optional `check` export): rejects URLs containing "bad-check". */
  check(call) {
    if (String(call.url).includes("bad-check")) {
      throw createAlterError({ class: "AlterValueError", code: "invalid_argument", message: "bad url", status: null, details: {}, fields: {} });
    }
  }

  async request(call) {
    if (this._closed) {
      throw createAlterError({ class: "AlterSDKError", code: "client_closed", message: "closed", status: null, details: {}, fields: {} });
    }
    const record = { ...call, client: this.config };
    fake.calls.push(record);
    if (fake.maxDelayMs) await sleep(Math.random() * fake.maxDelayMs);
    this._lastRetry = null;
    if (fake.failWith) {
      this._scheduleAudit();
      throw createAlterError(fake.failWith);
    }
    const audit = this._scheduleAudit();
    const echo = { ...call, body: call.body ? Array.from(call.body) : undefined, hasUserToken: call.userToken !== undefined, userToken: undefined };
    const response = new Response(JSON.stringify(echo), { status: 200, headers: { "content-type": "application/json" } });
    const retryInfo = call.url.includes("retry") ? { total_attempts: 2, successful_attempt: 2, errors: [{ attempt: 1, error: "x", error_type: "T", delay_s: 0.5 }] } : null;
    this._lastRetry = retryInfo;
    // The core's result shape: [response, retryInfo JSON text | null, audit promise].
    return [response, retryInfo === null ? null : JSON.stringify(retryInfo), audit];
  }

  actorId() {
    return null;
  }

  lastRetryInfo() {
    return this._lastRetry;
  }

  baseUrl() {
    return this.config.baseUrl ?? "https://backend.alterauth.com";
  }

  close() {
    this._closed = true;
  }

  isClosed() {
    return this._closed;
  }
}
