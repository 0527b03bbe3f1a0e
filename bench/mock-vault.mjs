#!/usr/bin/env node
// A minimal, fast vault stand-in on node:http for benchmarks (NOT a test double for correctness:
// it does not verify signatures). It lets the benchmark measure what a client costs without the
// Rust dev vault's signature verification, as in ../shared/notes/perf-anchors.md.
//
// It answers the three exchanges of one request() like `example_flow` in
// ../shared/spec/signing-vectors.json:
//   POST /sdk/token                 → 200, the example_flow token payload (protocol-core.md §3.6),
//                                     with `X-Alter-Actor-ID` as in that transcript
//   GET  /mock/<provider>/...       → 200 `{"items":[]}` if the injected credential is right, else 401
//   POST /sdk/oauth/audit/api-call  → 204 if the body is a JSON object with the 13 keys of §5.3
// and the part of the dev vault's admin API the benchmark uses (dev-vault/README.md):
//   GET /admin/health, POST /admin/reset, GET /admin/audit, GET /admin/mock/calls, and
//   GET /admin/stats → {"token","provider","audit","rejected","connections"} (this mock only: it
//   counts tokens server-side, which the Rust vault's admin API does not expose, and TCP connections).
// It checks only that the signature headers are present and the content hash matches the body
// (cheap), so a client that forgets to sign shows up as `rejected`.
//
// Usage: node bench/mock-vault.mjs [--port 0]
// Prints `alter-dev-vault listening on http://127.0.0.1:<port>` (the dev vault's line) once listening.

import { createHash } from 'node:crypto';
import http from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const MOCK_TOKEN = 'ya29.TEST-ACCESS-TOKEN';
export const MOCK_GRANT = '3f2c1a9e-8b7d-4c6e-9f01-23456789abcd';
export const MOCK_ACTOR = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const ADMIN = 'Bearer dev-admin-token';

// protocol-core.md §3.6 (example_flow's token response body), serialised once.
const TOKEN_BODY = Buffer.from(JSON.stringify({
  access_token: MOCK_TOKEN, token_type: 'Bearer', expires_in: 3599,
  expires_at: '2026-01-01T00:59:59Z', scopes: ['https://www.googleapis.com/auth/calendar.readonly'],
  grant_id: MOCK_GRANT, provider_id: 'google', token_generation: '0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e',
  scope_mismatch: false, injection_header: 'Authorization', injection_format: 'Bearer {token}',
}));
const PROVIDER_BODY = Buffer.from('{"items":[]}');
const AUDIT_KEYS = ['grant_id', 'provider_id', 'token_generation', 'method', 'url', 'request_headers',
  'request_body', 'response_status', 'response_headers', 'response_body', 'latency_ms', 'reason', 'context'];

export function createMockVault() {
  let stats = { token: 0, provider: 0, audit: 0, rejected: 0, connections: 0 };
  let audit = []; // {seq, row: {grant_id, response_status}} only, to stay cheap
  let calls = [];

  function send(res, status, body, headers = {}) {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': body ? body.length : 0, ...headers });
    res.end(body);
  }
  const json = (res, status, obj) => send(res, status, Buffer.from(JSON.stringify(obj)));

  function signed(req, body) {
    const h = req.headers;
    if (!h['x-api-key'] || !h['x-alter-signature'] || !h['x-alter-nonce'] || !h['x-alter-timestamp']) return false;
    return h['x-alter-content-sha256'] === createHash('sha256').update(body).digest('hex');
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      const url = req.url || '/';
      const path = url.split('?', 1)[0];
      if (path === '/sdk/token' && req.method === 'POST') {
        if (!signed(req, body)) { stats.rejected++; return json(res, 401, { detail: { error: 'invalid_signature' } }); }
        stats.token++;
        return send(res, 200, TOKEN_BODY, { 'x-alter-actor-id': MOCK_ACTOR });
      }
      if (path === '/sdk/oauth/audit/api-call' && req.method === 'POST') {
        if (!signed(req, body)) { stats.rejected++; return json(res, 401, { detail: { error: 'invalid_signature' } }); }
        let row;
        try { row = JSON.parse(body.toString('utf8')); } catch { row = null; }
        if (!row || typeof row !== 'object' || Array.isArray(row) ||
            Object.keys(row).length !== AUDIT_KEYS.length || !AUDIT_KEYS.every((k) => k in row)) {
          stats.rejected++;
          return json(res, 422, { detail: { error: 'invalid_audit_row' } });
        }
        stats.audit++;
        audit.push({ seq: audit.length + 1, row: { grant_id: row.grant_id, response_status: row.response_status } });
        return send(res, 204, null, { 'x-alter-actor-id': MOCK_ACTOR });
      }
      if (path.startsWith('/mock/')) {
        const ok = req.headers.authorization === `Bearer ${MOCK_TOKEN}`;
        const provider = path.split('/')[2] || '';
        calls.push({ seq: calls.length + 1, provider, method: req.method, grant_id: ok ? MOCK_GRANT : null,
          credential_ok: ok, via: 'http' });
        if (!ok) return json(res, 401, { error: 'no_credential' });
        stats.provider++;
        return send(res, 200, PROVIDER_BODY);
      }
      if (path === '/admin/health') return json(res, 200, { status: 'ok' });
      if (path.startsWith('/admin/')) {
        if (req.headers.authorization !== ADMIN) return json(res, 401, { detail: { error: 'admin_unauthorized' } });
        if (path === '/admin/reset' && req.method === 'POST') {
          stats = { token: 0, provider: 0, audit: 0, rejected: 0, connections: 0 }; audit = []; calls = [];
          return json(res, 200, { status: 'ok' });
        }
        if (path === '/admin/audit') return json(res, 200, { rows: audit });
        if (path === '/admin/mock/calls') return json(res, 200, { calls });
        if (path === '/admin/stats') return json(res, 200, stats);
      }
      return json(res, 404, { detail: { error: 'not_found' } });
    });
  });
  server.on('connection', () => { stats.connections++; });
  server.keepAliveTimeout = 60_000;
  return server;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 0;
  const server = createMockVault();
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`alter-dev-vault listening on http://127.0.0.1:${server.address().port}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
