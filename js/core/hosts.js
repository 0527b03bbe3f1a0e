// `allowedHosts`: where the SDK itself lets a credential go. The provider call's URL is read with
// the runtime's own URL parser, the one fetch uses, so the host checked is the host connected to.
// Patterns: "api.example.com" (the scheme's default port), "api.example.com:8443",
// "*.example.com" (subdomains, not the domain itself), "[::1]:8080", "*" (any host).

import { AlterValueError, createAlterError } from "../errors.js";
import { isPlainObject } from "../values.js";

function parsePattern(entry) {
  if (typeof entry !== "string" || entry === "") return null;
  if (entry === "*") return { any: true };
  if (/[/?#@\s\\]/.test(entry)) return null;
  const wild = entry.startsWith("*.");
  let url;
  try {
    url = new URL(`https://${wild ? entry.slice(2) : entry}`);
  } catch {
    return null;
  }
  const host = url.hostname.replace(/\.$/, "");
  if (wild && !host.includes(".")) return null;
  return { host, wild, port: url.port };
}

/**
 * The checked form of the option: a list for every provider, or lists by provider id ("*" for
 * the others). Throws AlterValueError for anything else.
 */
export function allowedHostsOption(v) {
  const list = (what, l) => {
    const out = Array.isArray(l) ? l.map(parsePattern) : null;
    if (out === null || out.some((p) => p === null)) {
      throw new AlterValueError(`${what} must be an array of host patterns ("api.example.com", "api.example.com:8443", "*.example.com", "*")`);
    }
    return out;
  };
  if (Array.isArray(v)) return { every: list("allowedHosts", v), byProvider: new Map() };
  if (!isPlainObject(v)) {
    throw new AlterValueError("allowedHosts must be an array of host patterns or an object of them by provider id");
  }
  const out = { every: null, byProvider: new Map() };
  for (const k of Object.keys(v)) {
    const patterns = list(`allowedHosts[${JSON.stringify(k)}]`, v[k]);
    if (k === "*") out.every = patterns;
    else out.byProvider.set(k, patterns);
  }
  return out;
}

function matches(p, url) {
  if (p.any) return true;
  const host = url.hostname.replace(/\.$/, "");
  const hostOk = p.wild ? host.endsWith(`.${p.host}`) : host === p.host;
  return hostOk && url.port === p.port;
}

/**
 * Throws BlockedDestinationError when `allowed` forbids sending a credential of `provider` to `url`;
 * `source` names the list in the message.
 */
export function checkDestination(allowed, provider, url, source = "allowedHosts") {
  const list = allowed.byProvider.get(provider) ?? allowed.every;
  if (list === null || list === undefined) return;
  let parsed = null;
  try {
    parsed = new URL(url);
  } catch {
    // refused below
  }
  if (parsed !== null && parsed.username === "" && parsed.password === "" && list.some((p) => matches(p, parsed))) return;
  const where = parsed === null ? "the URL" : parsed.port ? `${parsed.hostname}:${parsed.port}` : parsed.hostname;
  throw createAlterError({
    class: "BlockedDestinationError", code: "blocked_destination", status: null,
    message: `Destination is not permitted by ${source}: ${where} is not an allowed host for ${provider}`,
    details: { provider_id: provider }, fields: {},
  });
}
