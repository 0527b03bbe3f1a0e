// The bad-input table (issue 7): invalid inputs across constructors and methods. Each row:
//   name   what is wrong
//   run    (sdk, env) => a call that must fail; env = { opts(extra) → App options with a counting
//          fetch and a never-listening base URL, app (a valid App), agent (a valid Agent) }
//   cls    the expected error class name (exported by the package), `code` its stable code.
// bad-inputs.test.mjs walks it: typed error, class and code as listed, and zero fetch calls.
const KEY = "alter_rk_demoappallscopesaaaaaa_hoz64e";
const AGENT_KEY = "alter_ak_emailassistantaaaaaaaa_ofxaxb";
const G = "6a000000-0000-4000-8000-000000000006";
const U = "https://api.example.com/v1/items";

const V = "AlterValueError";
const S = "AlterSDKError";
const IA = "invalid_argument";
const KF = "invalid_api_key_format";
const BU = "invalid_base_url";

const cycle = () => {
  const o = { a: 1 };
  o.self = o;
  return o;
};
const req = (opts, method = "GET", url = U) => (sdk, { app }) => app.request(method, url, { grantId: G, ...opts });
const reqRaw = (method, url, opts) => (sdk, { app }) => app.request(method, url, opts);
const mk = (extra, Cls = "App") => (sdk, { opts }) => new sdk[Cls](opts(extra));

export const BAD_INPUTS = [
  // --- constructors: options and keys ---
  { name: "App(): no options", run: (sdk) => new sdk.App(), cls: V, code: IA },
  { name: "App(options) is a string", run: (sdk) => new sdk.App(KEY), cls: V, code: IA },
  { name: "App(options) is an array", run: (sdk) => new sdk.App([KEY]), cls: V, code: IA },
  { name: "apiKey missing", run: mk({ apiKey: undefined }), cls: V, code: IA },
  { name: "apiKey is a number", run: mk({ apiKey: 42 }), cls: V, code: IA },
  { name: "apiKey empty", run: mk({ apiKey: "" }), cls: V, code: IA },
  { name: "scoped key too short", run: mk({ apiKey: "alter_rk_short_abc123" }), cls: S, code: KF },
  { name: "scoped key with a wrong checksum", run: mk({ apiKey: "alter_rk_demoappallscopesaaaaaa_hoz64f" }), cls: S, code: KF },
  { name: "scoped key with an upper-case body", run: mk({ apiKey: "alter_rk_DEMOAPPALLSCOPESAAAAAA_hoz64e" }), cls: S, code: KF },
  { name: "legacy key too short", run: mk({ apiKey: "alter_key_abc" }), cls: S, code: KF },
  { name: "legacy key 41 characters", run: mk({ apiKey: `alter_key_${"a".repeat(41)}` }), cls: S, code: KF },
  { name: "legacy key with a symbol", run: mk({ apiKey: `alter_key_${"a".repeat(39)}!` }), cls: S, code: KF },
  { name: "key with CRLF appended", run: mk({ apiKey: `${KEY}\r\nX-Evil: 1` }), cls: S, code: KF },
  { name: "key with a non-ASCII character", run: mk({ apiKey: `alter_key_${"a".repeat(39)}é` }), cls: S, code: KF },
  { name: "unknown key prefix", run: mk({ apiKey: "sk_live_0123456789abcdef0123456789abcdef" }), cls: S, code: KF },
  { name: "agent key prefix with a wrong checksum", run: mk({ apiKey: "alter_ak_emailassistantaaaaaaaa_ofxaxc" }, "Agent"), cls: S, code: KF },
  // --- constructors: base URL ---
  { name: "baseUrl plain http to a remote host", run: mk({ baseUrl: "http://backend.example.com" }), cls: S, code: BU },
  { name: "baseUrl ftp scheme", run: mk({ baseUrl: "ftp://backend.example.com" }), cls: S, code: BU },
  { name: "baseUrl not a URL", run: mk({ baseUrl: "not a url" }), cls: S, code: BU },
  { name: "baseUrl is a number", run: mk({ baseUrl: 443 }), cls: S, code: BU },
  { name: "baseUrl with credentials", run: mk({ baseUrl: "https://user:pw@backend.example.com" }), cls: S, code: BU },
  { name: "baseUrl with CRLF", run: mk({ baseUrl: "https://backend.example.com/\r\nX: 1" }), cls: S, code: BU },
  // --- constructors: timeout, maxRetries, caller, callerType, callbacks ---
  { name: "timeout negative", run: mk({ timeout: -1 }), cls: V, code: IA },
  { name: "timeout zero", run: mk({ timeout: 0 }), cls: V, code: IA },
  { name: "timeout a string", run: mk({ timeout: "30" }), cls: V, code: IA },
  { name: "timeout NaN", run: mk({ timeout: NaN }), cls: V, code: IA },
  { name: "timeout Infinity", run: mk({ timeout: Infinity }), cls: V, code: IA },
  { name: "maxRetries negative", run: mk({ maxRetries: -1 }), cls: V, code: IA },
  { name: "maxRetries fractional", run: mk({ maxRetries: 1.5 }), cls: V, code: IA },
  { name: "maxRetries a string", run: mk({ maxRetries: "2" }), cls: V, code: IA },
  { name: "maxRetries above 10", run: mk({ maxRetries: 11 }), cls: V, code: IA },
  { name: "maxRetries NaN", run: mk({ maxRetries: NaN }), cls: V, code: IA },
  { name: "Agent maxRetries a boolean", run: mk({ apiKey: AGENT_KEY, maxRetries: true }, "Agent"), cls: V, code: IA },
  { name: "caller a number", run: mk({ caller: 7 }), cls: V, code: IA },
  { name: "caller with CRLF", run: mk({ caller: "bot\r\nX-Evil: 1" }), cls: V, code: IA },
  { name: "caller too long", run: mk({ caller: "c".repeat(5000) }), cls: V, code: IA },
  { name: "callerType unknown", run: mk({ callerType: "robot" }), cls: V, code: IA },
  { name: "callerType a number", run: mk({ callerType: 1 }), cls: V, code: IA },
  { name: "Agent with callerType service", run: mk({ apiKey: AGENT_KEY, callerType: "service" }, "Agent"), cls: V, code: IA },
  { name: "userTokenGetter a string", run: mk({ userTokenGetter: "token" }), cls: S, code: IA },
  { name: "logger a number", run: mk({ logger: 42 }), cls: S, code: IA },
  { name: "logger without warn()", run: mk({ logger: {} }), cls: S, code: IA },
  { name: "fetch a string", run: mk({ fetch: "fetch" }), cls: V, code: IA },
  // --- request(): method and URL ---
  { name: "request method a number", run: reqRaw(42, U, { grantId: G }), cls: V, code: IA },
  { name: "request method not a token", run: req({}, "GE T"), cls: V, code: IA },
  { name: "request method with CRLF", run: req({}, "GET\r\n"), cls: V, code: IA },
  { name: "request method CONNECT", run: req({}, "CONNECT"), cls: V, code: IA },
  { name: "request url a number", run: reqRaw("GET", 42, { grantId: G }), cls: V, code: IA },
  { name: "request url plain http to a remote host", run: req({}, "GET", "http://api.example.com/x"), cls: V, code: IA },
  { name: "request url ftp", run: req({}, "GET", "ftp://api.example.com/x"), cls: V, code: IA },
  { name: "request url relative", run: req({}, "GET", "/v1/items"), cls: V, code: IA },
  { name: "request url with a port above 65535", run: req({}, "GET", "https://api.example.com:70000/x"), cls: V, code: IA },
  { name: "request url without a host", run: req({}, "GET", "https:///x"), cls: V, code: IA },
  { name: "request url oversize", run: req({}, "GET", `${U}/${"a".repeat(70000)}`), cls: V, code: IA },
  { name: "request url with CRLF", run: req({}, "GET", "https://api.example.com/x\r\nHost: evil"), cls: V, code: IA },
  // --- request(): addressing and identity ---
  { name: "request options a string", run: reqRaw("GET", U, "grant"), cls: V, code: IA },
  { name: "request without grantId or provider", run: reqRaw("GET", U, {}), cls: S, code: IA },
  { name: "request with grantId and provider", run: req({ provider: "google" }), cls: S, code: IA },
  { name: "grantId a number", run: reqRaw("GET", U, { grantId: 6 }), cls: V, code: IA },
  { name: "label without provider", run: req({ label: "work" }), cls: V, code: IA },
  { name: "appUserId without provider", run: req({ appUserId: "u1" }), cls: V, code: IA },
  { name: "account with grantId", run: req({ account: "a@example.com" }), cls: V, code: IA },
  { name: "userToken empty", run: req({ userToken: "" }), cls: V, code: IA },
  { name: "userToken a number", run: req({ userToken: 1 }), cls: V, code: IA },
  { name: "reason a number", run: req({ reason: 5 }), cls: V, code: IA },
  { name: "per-call caller with CRLF", run: req({ caller: "x\r\ny" }), cls: V, code: IA },
  { name: "signal not an AbortSignal", run: req({ signal: { aborted: false } }), cls: V, code: IA },
  // --- request(): bodies ---
  { name: "json with a BigInt", run: req({ json: { n: 10n } }, "POST"), cls: V, code: IA },
  { name: "json with a cycle", run: req({ json: cycle() }, "POST"), cls: V, code: IA },
  { name: "json with NaN", run: req({ json: { n: NaN } }, "POST"), cls: V, code: IA },
  { name: "json with a function", run: req({ json: { f() {} } }, "POST"), cls: V, code: IA },
  { name: "json a Map", run: req({ json: new Map([["a", 1]]) }, "POST"), cls: V, code: IA },
  { name: "json with a symbol", run: req({ json: { s: Symbol("x") } }, "POST"), cls: V, code: IA },
  { name: "json and body together", run: req({ json: {}, body: "x" }, "POST"), cls: S, code: IA },
  { name: "body a number", run: req({ body: 42 }, "POST"), cls: V, code: IA },
  { name: "body with GET", run: req({ body: "x" }, "GET"), cls: V, code: IA },
  { name: "json with HEAD", run: req({ json: { a: 1 } }, "HEAD"), cls: V, code: IA },
  // --- request(): headers, query, path params, context ---
  { name: "extraHeaders value with CRLF", run: req({ extraHeaders: { "X-A": "v\r\nX-Evil: 1" } }), cls: V, code: IA },
  { name: "extraHeaders value with LF", run: req({ extraHeaders: { "X-A": "v\nw" } }), cls: V, code: IA },
  { name: "extraHeaders name with a space", run: req({ extraHeaders: { "X A": "v" } }), cls: V, code: IA },
  { name: "extraHeaders name with a colon", run: req({ extraHeaders: { "X-A:": "v" } }), cls: V, code: IA },
  { name: "extraHeaders value a number", run: req({ extraHeaders: { "X-A": 1 } }), cls: V, code: IA },
  { name: "extraHeaders value above U+00FF", run: req({ extraHeaders: { "X-A": "snow ☃" } }), cls: V, code: IA },
  { name: "extraHeaders an array", run: req({ extraHeaders: [["X-A", "v"]] }), cls: V, code: IA },
  { name: "queryParams value an object", run: req({ queryParams: { a: { b: 1 } } }), cls: V, code: IA },
  { name: "queryParams value Infinity", run: req({ queryParams: { a: Infinity } }), cls: V, code: IA },
  { name: "queryParams a string", run: req({ queryParams: "a=1" }), cls: V, code: IA },
  { name: "pathParams value a number", run: req({ pathParams: { id: 1 } }, "GET", `${U}/{id}`), cls: V, code: IA },
  { name: "pathParams placeholder without a value", run: req({ pathParams: {} }, "GET", `${U}/{id}`), cls: V, code: IA },
  { name: "pathParams name not in the URL", run: req({ pathParams: { nope: "1" } }, "GET", `${U}/{id}`), cls: V, code: IA },
  { name: "pathParams key with a hyphen", run: req({ pathParams: { "my-id": "1" } }, "GET", `${U}/{my-id}`), cls: V, code: IA },
  { name: "literal brace left in the query", run: req({}, "GET", `${U}?q={x`), cls: V, code: IA },
  { name: "pathParams an array", run: req({ pathParams: ["1"] }, "GET", `${U}/{id}`), cls: V, code: IA },
  { name: "context value a number", run: req({ context: { run: 1 } }), cls: V, code: IA },
  { name: "context oversize", run: req({ context: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, "v".repeat(200)])) }), cls: V, code: IA },
  { name: "context key longer than 64", run: req({ context: { ["k".repeat(65)]: "v" } }), cls: V, code: IA },
  { name: "context with 21 keys", run: req({ context: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"])) }), cls: V, code: IA },
  { name: "context value longer than 512", run: req({ context: { run: "v".repeat(513) } }), cls: V, code: IA },
  { name: "context an array", run: req({ context: [["run", "1"]] }), cls: V, code: IA },
  // --- other methods ---
  { name: "getAgent with a non-UUID", run: (sdk, { app }) => app.getAgent("not-a-uuid"), cls: V, code: IA },
  { name: "proxyRequest with a raw body", run: (sdk, { app }) => app.proxyRequest("POST", U, { grantId: G, body: "x" }), cls: V, code: IA },
  { name: "proxyRequest with a forbidden Authorization header", run: (sdk, { app }) => app.proxyRequest("GET", U, { grantId: G, extraHeaders: { Authorization: "Bearer x" } }), cls: V, code: IA },
  { name: "proxyRequest with a forbidden Cookie header", run: (sdk, { app }) => app.proxyRequest("GET", U, { grantId: G, extraHeaders: { cookie: "a=1" } }), cls: V, code: IA },
  { name: "proxyRequest with a forbidden X-HTTP-Method-Override header", run: (sdk, { app }) => app.proxyRequest("GET", U, { grantId: G, extraHeaders: { "X-HTTP-Method-Override": "DELETE" } }), cls: V, code: IA },
  { name: "proxyRequest with a forbidden Host header", run: (sdk, { agent }) => agent.proxyRequest("GET", U, { grantId: G, extraHeaders: { Host: "evil.example" } }), cls: V, code: IA },
  { name: "proxyRequest with grantId and provider", run: (sdk, { app }) => app.proxyRequest("GET", U, { grantId: G, provider: "google" }), cls: V, code: IA },
  { name: "Agent request with a bad URL", run: (sdk, { agent }) => agent.request("GET", "http://api.example.com/x", { grantId: G }), cls: V, code: IA },
  { name: "proxyRequest json with a BigInt", run: (sdk, { app }) => app.proxyRequest("POST", U, { grantId: G, json: { n: 1n } }), cls: V, code: IA },
  { name: "request after close()", run: async (sdk, { opts }) => { const a = new sdk.App(opts({})); await a.close(); return a.request("GET", U, { grantId: G }); }, cls: S, code: "client_closed" },
];
