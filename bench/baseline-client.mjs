// The benchmark's baseline: a minimal hand-written Alter client for Node, doing the same three
// HTTP exchanges as one SDK `request()` (retrieve mode, grant id) with node:crypto and the global
// fetch, and nothing else (no retries, no timeouts, no user tokens, no error mapping). It is the
// practical floor for this work in Node through fetch (../shared/notes/perf-anchors.md), not a
// product: the SDK's target is to stay within 10% of it.
//
// `obligations: true` (the benchmark's "floor" client, for comparison only) adds the two things the
// SDK must do that this baseline skips and that cost in Node's fetch itself: a timeout per exchange
// that really aborts it (an AbortController and a timer, its signal given to fetch), and a
// `Response` as the result (the SDK returns the provider's Response; with the body read once for the
// audit row, that is a Response rebuilt around the bytes, as the SDK does). It measures what any
// client with the SDK's API and real timeouts costs here, with none of the SDK's own logic.
//
// `transport: 'http'` (the benchmark's "baseline-http" client) sends the two vault exchanges over
// node:http / node:https with a keep-alive Agent instead of fetch, as the SDK does in Node
// (js/core/node.js); the provider call stays on fetch. It shows what that transport choice
// alone is worth for a minimal client.
//
// Per request (../shared/spec/protocol-core.md):
//   1. POST /sdk/token signed per §2 (legacy form while no identity field is set, V2 once an actor
//      id is cached or a caller is configured), body per §3.2;
//   2. caches X-Alter-Actor-ID per §8.4, checks the essentials of the token response (§3.4:
//      object, access_token, canonical grant_id, injection header/format), injects (§3.5);
//   3. calls the provider with redirect "manual" (§1.7) and reads the body;
//   4. posts the full audit row (§5.3, 13 keys in order) signed, without awaiting it (§5.4).

import { createHash, createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

const AGENTS = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/** A POST over node:http(s): resolves to a fetch-like `{status, headers.get, json(), arrayBuffer()}`. */
function nodePost(url, headers, body) {
  const tls = url.startsWith('https:');
  return new Promise((resolve, reject) => {
    const req = (tls ? https : http).request(url, {
      method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: tls ? AGENTS.https : AGENTS.http,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        resolve({
          status: res.statusCode,
          headers: { get: (n) => res.headers[n] ?? null },
          json: async () => JSON.parse(buf.toString('utf8')),
          arrayBuffer: async () => buf,
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID_ANY_CASE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEADER_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
const FORBIDDEN_INJECTION = new Set(['host', 'content-length', 'content-type', 'transfer-encoding',
  'connection', 'keep-alive', 'upgrade', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'cookie', 'set-cookie', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip',
  'x-http-method-override', 'x-method-override', 'www-authenticate', 'strict-transport-security',
  'content-security-policy']);
// §5.3: always removed from the audit's header maps.
const SENSITIVE = new Set(['authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token',
  'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token']);
const TOKEN_PATH = '/sdk/token';
const AUDIT_PATH = '/sdk/oauth/audit/api-call';
const BODY_CAP = 10_000; // §5.3 response_body limit in bytes

export class BaselineClient {
  #apiKey; #key; #base; #caller; #callerType; #ua; #actorId = null; #obligations; #timeoutMs; #post;
  #decoder = new TextDecoder();
  /** Audit POSTs not finished yet (a caller awaits `flush()` before it stops). */
  pending = new Set();

  constructor({ apiKey, baseUrl, caller = null, callerType = 'service', userAgent = 'alter-baseline/0', obligations = false, timeoutMs = 30_000, transport = 'fetch' }) {
    if (transport === 'http' && obligations) throw new Error('transport http: no obligations variant');
    this.#post = transport === 'http' ? (url, init) => nodePost(url, init.headers, init.body) : (url, init) => fetch(url, init);
    this.#obligations = obligations;
    this.#timeoutMs = timeoutMs;
    this.#apiKey = apiKey;
    this.#key = createHmac('sha256', apiKey).update('alter-signing-v1').digest(); // §1.2
    this.#base = baseUrl.replace(/\/+$/, '');
    this.#caller = caller;
    this.#callerType = caller ? callerType : null;
    this.#ua = userAgent;
  }

  get actorId() { return this.#actorId; }

  /** With `obligations`: a deadline that really aborts the exchange (`init.signal`), else null. */
  #deadline(init) {
    if (!this.#obligations) return null;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.#timeoutMs);
    init.signal = ac.signal;
    return () => clearTimeout(timer);
  }

  // §2: both SDK paths used here are already canonical (no query, nothing percent-encoded), so the
  // canonical path is the path itself.
  #headers(method, path, body) {
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(16).toString('hex');
    const hash = createHash('sha256').update(body).digest('hex');
    let sts = `${method}\n${path}\n${ts}\n${nonce}\n${hash}\n`; // §2.3, empty scope constraints
    const h = {
      'x-api-key': this.#apiKey, 'user-agent': this.#ua, 'content-type': 'application/json',
      'x-alter-timestamp': ts, 'x-alter-nonce': nonce, 'x-alter-content-sha256': hash,
    };
    let v2 = false;
    if (this.#caller) {
      h['x-alter-caller'] = this.#caller; h['x-alter-caller-type'] = this.#callerType;
      sts += `\ncaller:${this.#caller}\ncaller-type:${this.#callerType}`; v2 = true;
    }
    if (this.#actorId) { h['x-alter-actor-id'] = this.#actorId; sts += `\nactor-id:${this.#actorId}`; v2 = true; }
    const sig = createHmac('sha256', this.#key).update(sts).digest('hex');
    h['x-alter-signature'] = sig;
    if (v2) h['x-alter-signature-v2'] = sig; // §2.5
    return h;
  }

  #cacheActor(res) { // §8.4: first canonical UUID wins
    if (this.#actorId) return;
    const a = res.headers.get('x-alter-actor-id');
    if (a && UUID_ANY_CASE.test(a)) this.#actorId = a;
  }

  /**
   * One retrieve-mode call. `url` is the provider URL (no templates); `queryParams` an object of
   * strings. Resolves to `{status, headers, body}` (body text), with `obligations` to a Response
   * the caller reads; rejects on a vault error, a bad
   * token response or a provider status >= 400.
   */
  async request(method, url, { grantId, queryParams = null, reason = null, context = null } = {}) {
    method = method.toUpperCase();
    const tokenBody = JSON.stringify({ grant_id: grantId, reason, request: { method, url } }); // §3.2
    const tInit = { method: 'POST', headers: this.#headers('POST', TOKEN_PATH, tokenBody), body: tokenBody, redirect: 'manual' };
    const tDone = this.#deadline(tInit);
    const tr = await this.#post(this.#base + TOKEN_PATH, tInit);
    this.#cacheActor(tr);
    if (tr.status >= 400) { await tr.arrayBuffer(); tDone?.(); throw new Error(`vault answered ${tr.status}`); }
    const t = await tr.json();
    tDone?.();
    // §3.4 essentials, fail closed before the credential is used
    if (!t || typeof t !== 'object' || Array.isArray(t)) throw new Error('malformed token response');
    const tok = t.access_token;
    if (typeof tok !== 'string' || tok === '' || /[\r\n\0]/.test(tok)) throw new Error('invalid access_token');
    if (typeof t.grant_id !== 'string' || !UUID.test(t.grant_id)) throw new Error('invalid grant_id');
    const ih = t.injection_header ?? 'Authorization';
    if (typeof ih !== 'string' || ih.length > 60 || !HEADER_NAME.test(ih) || FORBIDDEN_INJECTION.has(ih.toLowerCase())) {
      throw new Error('invalid injection_header');
    }
    const fmt = t.injection_format ?? 'Bearer {token}';
    if (typeof fmt !== 'string' || fmt.length > 200 || /[\r\n\0]/.test(fmt) || !fmt.includes('{token}')) {
      throw new Error('invalid injection_format');
    }

    // provider call (§3.5, §4.4)
    let target = url;
    if (queryParams) target += (url.includes('?') ? '&' : '?') + new URLSearchParams(queryParams).toString();
    const reqHeaders = { 'User-Agent': this.#ua };
    const started = performance.now();
    const pInit = { method, headers: { ...reqHeaders, [ih]: fmt.replace('{token}', tok) }, redirect: 'manual' };
    const pDone = this.#deadline(pInit);
    const pr = await fetch(target, pInit);
    let text; let bytes = null;
    if (pDone) {
      bytes = new Uint8Array(await pr.arrayBuffer());
      pDone();
      text = this.#decoder.decode(bytes);
    } else {
      text = await pr.text();
    }
    const latency = Math.floor(performance.now() - started);

    // audit row (§5.3), fire and forget (§5.4)
    const respHeaders = {};
    for (const [k, v] of pr.headers) if (!SENSITIVE.has(k) && k !== ih.toLowerCase()) respHeaders[k] = v;
    const size = Buffer.byteLength(text);
    const row = JSON.stringify({
      grant_id: t.grant_id, provider_id: t.provider_id ?? '', token_generation: t.token_generation ?? null,
      method, url, request_headers: reqHeaders, request_body: null, response_status: pr.status,
      response_headers: respHeaders,
      response_body: size <= BODY_CAP ? text : `<response too large: ${size} bytes>`,
      latency_ms: latency, reason, context,
    });
    const aInit = { method: 'POST', headers: this.#headers('POST', AUDIT_PATH, row), body: row, redirect: 'manual' };
    const aDone = this.#deadline(aInit);
    const p = this.#post(this.#base + AUDIT_PATH, aInit)
      .then(async (r) => { this.#cacheActor(r); await r.arrayBuffer(); if (r.status >= 300) this.auditFailures++; },
        () => { this.auditFailures++; })
      .finally(() => { aDone?.(); this.pending.delete(p); });
    this.pending.add(p);

    if (pr.status >= 400) throw new Error(`provider answered ${pr.status}`);
    if (bytes) return new Response(bytes, { status: pr.status, statusText: pr.statusText, headers: pr.headers });
    return { status: pr.status, headers: pr.headers, body: text };
  }

  auditFailures = 0;

  /** Waits for every audit POST scheduled so far. */
  async flush() { while (this.pending.size) await Promise.allSettled([...this.pending]); }
}
