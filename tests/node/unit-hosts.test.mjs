// The allowedHosts patterns (js/core/hosts.js), read with the runtime's URL parser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { allowedHostsOption, checkDestination } from "../../js/core/hosts.js";
import { AlterValueError, BlockedDestinationError } from "../../js/errors.js";

const allowed = (v, provider, url) => {
  try {
    checkDestination(allowedHostsOption(v), provider, url);
    return true;
  } catch (e) {
    assert.ok(e instanceof BlockedDestinationError, String(e));
    assert.equal(e.code, "blocked_destination");
    return false;
  }
};

test("patterns: exact host on the default port, host:port, subdomains, any", () => {
  const v = { google: ["*.googleapis.com"], github: ["api.github.com"], local: ["127.0.0.1:8080", "[::1]:9"], "*": ["api.example.com"] };
  assert.ok(allowed(v, "google", "https://www.googleapis.com/calendar"));
  assert.ok(!allowed(v, "google", "https://googleapis.com/"), "the domain itself is not a subdomain");
  assert.ok(!allowed(v, "google", "https://api.example.com/"), "a provider's own list replaces the default");
  assert.ok(allowed(v, "github", "https://API.GitHub.com./repos"), "case and a trailing dot");
  assert.ok(allowed(v, "github", "https://api.github.com:443/"), "the default port written out");
  assert.ok(!allowed(v, "github", "https://api.github.com:8443/"));
  assert.ok(allowed(v, "local", "http://127.0.0.1:8080/x"));
  assert.ok(allowed(v, "local", "http://[0:0:0:0:0:0:0:1]:9/x"), "IPv6 in any spelling");
  assert.ok(allowed(v, "stripe", "https://api.example.com/x"), "the default list");
  assert.ok(!allowed(v, "stripe", "https://evil.example/x"));
  assert.ok(allowed(["*"], "x", "https://anything.example/"));
});

test("tricks: userinfo, backslashes, fullwidth dots and numeric hosts are read as fetch reads them", () => {
  const v = ["allowed.com"];
  assert.ok(!allowed(v, "p", "https://allowed.com@evil.com/"));
  assert.ok(!allowed(v, "p", "https://user:pw@allowed.com/"), "credentials in the URL are never accepted");
  assert.ok(!allowed(v, "p", "https://evil.com\\@allowed.com/"));
  assert.ok(!allowed(v, "p", "https://allowed.com.evil.com/"));
  assert.ok(allowed(v, "p", "https://allowed\uFF0Ecom/"), "a fullwidth dot is the same host to fetch");
  assert.ok(allowed(["127.0.0.1"], "p", "https://127.1/"), "127.1 is 127.0.0.1 to fetch");
  assert.ok(!allowed(v, "p", "not a url"));
});

test("bad options are refused", () => {
  for (const bad of ["x", [1], [""], ["https://a.com/"], ["a.com/x"], ["*.com"], { google: "a.com" }, new Map()]) {
    assert.throws(() => allowedHostsOption(bad), AlterValueError, JSON.stringify(bad));
  }
});
