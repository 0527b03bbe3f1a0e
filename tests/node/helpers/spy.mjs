// A fetch wrapper for the `fetch` client option: it passes every call to the global fetch and
// remembers the credential values it saw on provider calls (headers and query of /mock/ URLs), so
// tests can prove those values never show up in errors, logs or audit rows.
const SENSITIVE_HEADERS = ["authorization", "x-api-key", "x-weather-client"];

export function spyFetch() {
  const secrets = new Set();
  const calls = [];
  const fetchImpl = async (input, init) => {
    const url = typeof input === "string" ? input : input.url;
    const headers = new Headers(init?.headers ?? (typeof input === "object" ? input.headers : undefined));
    const body = typeof init?.body === "string" ? init.body : undefined;
    const record = { url, method: init?.method ?? "GET", headers: Object.fromEntries(headers), body, response: null };
    calls.push(record);
    if (url.includes("/mock/")) {
      for (const h of SENSITIVE_HEADERS) {
        const v = headers.get(h);
        if (v) {
          secrets.add(v);
          const m = v.match(/^(?:Bearer|dev-vault)\s+(.+)$/);
          if (m) secrets.add(m[1]);
        }
      }
      const key = new URL(url).searchParams.get("api_key");
      if (key) secrets.add(key);
    }
    const response = await globalThis.fetch(input, init);
    record.response = response;
    return response;
  };
  return { fetch: fetchImpl, secrets, calls };
}

/** Assert that no remembered credential occurs in `text`. */
export function assertNoSecret(spy, text, what) {
  for (const s of spy.secrets) {
    if (s.length >= 8 && String(text).includes(s)) throw new Error(`credential found in ${what}`);
  }
}

/** A logger that records every line. */
export function recordingLogger() {
  const lines = [];
  const rec = (level) => (...args) => lines.push(`${level} ${args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")}`);
  return { logger: { debug: rec("debug"), info: rec("info"), warn: rec("warn"), error: rec("error") }, lines };
}
