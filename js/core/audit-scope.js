// The audit work of one incoming request, for an adapter's `waitUntil`: every background job (audit
// row, scope report) the SDK starts while `fn` runs is collected, in `fn`'s async context, so a
// request hands only its own rows to the platform. `app.flush()` instead waits for every call in
// flight of a shared App, which under load makes each request wait for all the others.

import { asyncLocalStorageSync } from "../runtime.js";

let store = null;

function scopeStore() {
  if (!store) {
    const Als = asyncLocalStorageSync();
    if (Als) store = new Als();
  }
  return store;
}

/** Adds a background job to the audit scope of the current async context, if there is one. */
export function noteAuditJob(job) {
  const jobs = store?.getStore();
  if (jobs !== undefined) jobs.push(job);
}

/**
 * Runs `fn` in a new audit scope: `{ done, jobs }`, where `done` is what `fn` returns and `jobs`
 * fills with the background jobs started inside it (also when `fn` throws). Null where the
 * runtime has no AsyncLocalStorage (the caller then falls back to `flush()`).
 */
export function withAuditScope(fn) {
  const s = scopeStore();
  if (s === null) return null;
  const jobs = [];
  return { jobs, done: s.run(jobs, fn) };
}
