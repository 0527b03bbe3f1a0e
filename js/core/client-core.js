// What one App or Agent shares with its siblings (withConstraints, trace views): the engine and
// the one set of work in flight that flush(), close() and waitUntil wait for.

import { noteAuditJob } from "./audit-scope.js";
import { drive } from "./driver.js";
import { Engine } from "./engine.js";

function track(set, promise) {
  set.add(promise);
  const done = () => set.delete(promise);
  promise.then(done, done);
  return promise;
}

export class CoreClient {
  constructor(config) {
    this.engine = new Engine(config);
    /** request() and call() promises in flight. */
    this.calls = new Set();
    /** Background jobs (audit rows, scope reports) not finished yet. */
    this.jobs = new Set();
    this.trackJob = (p) => {
      noteAuditJob(p);
      return track(this.jobs, p);
    };
  }

  /** `request()`: resolves to `{ result: { retryInfo }, response }`. */
  request(input, body, ctx) {
    return this.run(this.engine.request(input, body), ctx);
  }

  /** A signed vault call: resolves to `{ result: { status, headers, body } }`. */
  call(input, body, ctx) {
    return this.run(this.engine.call(input, body), ctx);
  }

  /**
   * Drives one call and tracks it for flush()/close(). The call's own promise gets exactly one
   * reaction (the caller's `await`), so the runtime's async stack trace of a rejected call reaches
   * the application's frames; the tracker is a separate promise settled in `finally`.
   */
  async run(first, ctx) {
    // This call's own background jobs, besides the client-wide set: `auditDone` of its result.
    const own = [];
    ctx.track = (job) => {
      own.push(job);
      return this.trackJob(job);
    };
    ctx.ownJobs = own;
    let settle;
    const tracked = new Promise((r) => {
      settle = r;
    });
    this.calls.add(tracked);
    try {
      return await drive(this.engine, first, ctx);
    } finally {
      this.calls.delete(tracked);
      settle();
    }
  }

  actorId() {
    return this.engine.wasm.actorId() ?? null;
  }

  /** The RetryInfo wire object of the last request(), or null. */
  lastRetryInfo() {
    const text = this.engine.wasm.lastRetryInfo();
    return typeof text === "string" ? JSON.parse(text) : null;
  }

  /** `{ limit, remaining, resetAt }` or null. */
  lastRateLimit() {
    const v = this.engine.wasm.lastRateLimit();
    return v ? { limit: v[0], remaining: v[1], resetAt: v[2] } : null;
  }

  baseUrl() {
    return this.engine.wasm.baseUrl();
  }

  insecureLoopback() {
    return this.engine.wasm.insecureLoopback();
  }
}
