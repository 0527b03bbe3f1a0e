// A local provider that echoes the credential it received (raw, percent-encoded, JSON-escaped,
// as UTF-8 read as Latin-1) into bodies and headers, plus bodies of chosen shapes (chunked, gzip,
// declared length, endless); and the dev vault config that lets the "echo" grants reach it.
// Used by tests/hardening (Node) and tests/runtimes (Deno). Node only.
import { createServer } from "node:http";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { gzipSync } from "node:zlib";

const ROOT = new URL("../../..", import.meta.url).pathname;

/** The access token: `/`, `"`, `+`, a space, `%`, a backslash, `~` and Latin-1 (it goes in headers). */
export const SECRET = 'ak/9"x+y z%é\\~tok-A1';
/** An additional credential sent in the query: characters of its own, outside Latin-1 too. */
export const EXTRA = 'ex/tra"ü+1 2&=?#Ω😀-B2';
/** The access token of the header-only grant. */
export const SECRET_H = 'hd/r"é+3 x%-C3';

export const ECHO_GRANTS = {
  /** Query credential (`k` ← EXTRA) and two custom injection headers (X-Echo-Auth, X-Echo-Second). */
  query: "6a000000-0000-4000-8000-0000000000e1",
  /** The same with the backend's scope_mismatch flag (a 403 is a ScopeReauthRequiredError). */
  flagged: "6a000000-0000-4000-8000-0000000000e2",
  /** Header credential only (Authorization: Bearer SECRET_H): no query credential. */
  header: "6a000000-0000-4000-8000-0000000000e3",
};
/** Injection header names outside the audit row's fixed sensitive list. */
export const CUSTOM_HEADERS = ["x-echo-auth", "x-echo-second"];

function pct(s, keep, upper, plus) {
  let out = "";
  for (const b of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9]/.test(c) || keep.includes(c)) out += c;
    else if (plus && c === " ") out += "+";
    else {
      const h = b.toString(16).padStart(2, "0");
      out += "%" + (upper ? h.toUpperCase() : h);
    }
  }
  return out;
}

function jsonEscaped(s, { ascii = false, upper = false, slash = false } = {}) {
  let out = "";
  for (const ch of s) {
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "/" && slash) out += "\\/";
    else if (ascii && ch.codePointAt(0) > 0x7e) {
      for (let i = 0; i < ch.length; i++) {
        const h = ch.charCodeAt(i).toString(16).padStart(4, "0");
        out += "\\u" + (upper ? h.toUpperCase() : h);
      }
    } else out += ch;
  }
  return out;
}

/** Every form of `s` a provider (or a runtime) may show it in; none may reach the caller. */
export function forms(s) {
  const v = [
    s,
    encodeURIComponent(s),
    encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    pct(s, "-._~", true, false), // RFC 3986 unreserved only
    pct(s, "*-._", true, true), // application/x-www-form-urlencoded
    new URLSearchParams({ k: s }).toString().slice(2),
    pct(s, "/-._~", true, false), // Python quote()
    JSON.stringify(s).slice(1, -1),
    jsonEscaped(s, { ascii: true }),
    jsonEscaped(s, { ascii: true, upper: true }),
    jsonEscaped(s, { ascii: true, slash: true }), // PHP json_encode
    jsonEscaped(pct(s, "/-._~", true, false), { slash: true }),
    JSON.stringify(JSON.stringify(s)).slice(1, -1), // JSON inside a JSON string
    Buffer.from(s, "utf8").toString("latin1"), // UTF-8 read as Latin-1 (fetch's header decoding)
    inspect(s).slice(1, -1), // how util.inspect prints it
    JSON.stringify(inspect(s)).slice(2, -2),
  ];
  return [...new Set(v)];
}

export const ALL_FORMS = [...new Set([...forms(SECRET), ...forms(EXTRA), ...forms(SECRET_H)])];

/** The forms found in `text` (an empty list when clean). */
export function leaks(text) {
  const t = String(text);
  return ALL_FORMS.filter((f) => t.includes(f));
}

/** Header values a Node server can send for `s`: Latin-1 as is, anything as its UTF-8 bytes. */
function headerValues(s) {
  const out = [Buffer.from(s, "utf8").toString("latin1")];
  if ([...s].every((c) => c.codePointAt(0) <= 0xff)) out.push(s);
  return out;
}

/**
 * The echo provider. Paths:
 *   /echo/<status>            the credentials received, in every form, in the body and headers
 *   /echo/403-scope           403 with an insufficient_scope challenge whose scope quotes them
 *   /chunked/<n>[?status=S]   n bytes of "x", chunked (no Content-Length)
 *   /gzip/<n>                 n bytes of "x", gzip-encoded
 *   /sized/<n>                n bytes of "x" with Content-Length
 *   /endless                  chunked "x" forever, as fast as the client takes it
 *   /huge                     Content-Length 1 GB, "x" as fast as the client takes it
 * `seen` records what each request carried; `sent` counts the bytes written by endless bodies.
 */
export async function startEchoProvider() {
  const seen = [];
  const state = { sent: 0, streams: new Set() };
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const received = [];
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === "x-echo-auth" || name === "x-echo-second" || name === "authorization") {
        received.push(value.replace(/^(Key|Bearer) /, ""));
      }
    }
    const k = url.searchParams.get("k");
    if (k !== null) received.push(k);
    const uniq = [...new Set(received)];
    received.length = 0;
    received.push(...uniq);
    seen.push({ path: url.pathname, received, headers: req.headers, url: req.url });
    req.resume();
    const parts = url.pathname.split("/").filter(Boolean);
    const xs = (n) => Buffer.alloc(n, "x");
    if (parts[0] === "echo") {
      const scope = parts[1] === "403-scope";
      const status = scope ? 403 : Number(parts[1]);
      const all = received.flatMap((s) => forms(s));
      const headers = [["content-type", "text/plain; charset=utf-8"]];
      let i = 0;
      for (const f of all) for (const v of headerValues(f)) headers.push([`x-echo-${i++}`, `v=${v};`]);
      // The injected headers sent back as they came, and a copy under another name.
      for (const name of ["x-echo-auth", "x-echo-second", "authorization"]) {
        if (req.headers[name]) {
          headers.push([name, req.headers[name]]);
          headers.push([`${name}-copy`, req.headers[name]]);
        }
      }
      const quoted = received.map((s) => pct(s, "-._~", true, false)).join(" ");
      const described = received.map((s) => jsonEscaped(s, { ascii: true }).replace(/"/g, "'")).join(" ");
      headers.push(["www-authenticate", scope
        ? `Bearer error="insufficient_scope", scope="read ${quoted}", error_description="${described}"`
        : `Bearer error="invalid_token", error_description="${quoted} ${described}"`]);
      const body = all.map((f) => `<${f}>`).join("\n");
      res.writeHead(status, headers.flat());
      res.end(body);
      return;
    }
    const n = Number(parts[1] ?? 0);
    if (parts[0] === "chunked") {
      res.writeHead(Number(url.searchParams.get("status") ?? 200), { "content-type": "text/plain" });
      // Several chunks, none declaring the total.
      let left = n;
      while (left > 0) {
        const c = Math.min(left, 3001);
        res.write(xs(c));
        left -= c;
      }
      res.end();
      return;
    }
    if (parts[0] === "gzip") {
      const z = gzipSync(xs(n));
      res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip", "content-length": String(z.length) });
      res.end(z);
      return;
    }
    if (parts[0] === "sized") {
      res.writeHead(200, { "content-type": "text/plain", "content-length": String(n) });
      res.end(xs(n));
      return;
    }
    if (parts[0] === "endless" || parts[0] === "huge") {
      const head = { "content-type": "application/octet-stream" };
      if (parts[0] === "huge") head["content-length"] = String(1e9);
      res.writeHead(200, head);
      const chunk = xs(64 * 1024);
      state.streams.add(res);
      const pump = () => {
        while (!res.destroyed) {
          state.sent += chunk.length;
          if (!res.write(chunk)) return res.once("drain", pump);
        }
      };
      res.on("close", () => state.streams.delete(res));
      pump();
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    state,
    close: () => {
      for (const r of state.streams) r.destroy();
      server.closeAllConnections?.();
      return new Promise((r) => server.close(r));
    },
  };
}

const toml = (s) => JSON.stringify(s);

/**
 * A dev vault config: demo.toml plus provider "echo" allowed to reach `127.0.0.1:<port>` for each
 * of `ports`, and the three echo grants. Returns the file's path.
 */
export function echoVaultConfig(ports) {
  const hosts = ports.map((p) => toml(`127.0.0.1:${p}`)).join(", ");
  const queryGrant = (id, extra) => `
[[grants]]
id = "${id}"
provider = "echo"
principal = "system"
access_token = ${toml(SECRET)}
injection_header = "X-Echo-Auth"
injection_format = "Key {token}"
additional_credentials = { extra = ${toml(EXTRA)} }
additional_injections = [
  { target = "query_param", key = "k", value_source = "additional_credentials.extra" },
  { target = "header", key = "X-Echo-Second", value_source = "token" },
]
${extra}`;
  const text = `${readFileSync(join(ROOT, "dev-vault/demo.toml"), "utf8")}

# ── added by tests/hardening/helpers/echo.mjs ──
[[providers]]
id = "echo"
allowed_hosts = [${hosts}]
${queryGrant(ECHO_GRANTS.query, "")}
${queryGrant(ECHO_GRANTS.flagged, 'scope_mismatch = "advisory"')}
[[grants]]
id = "${ECHO_GRANTS.header}"
provider = "echo"
principal = "system"
access_token = ${toml(SECRET_H)}
`;
  const dir = mkdtempSync(join(tmpdir(), "alter-echo-config-"));
  const file = join(dir, "echo.toml");
  writeFileSync(file, text);
  return file;
}
