// The one hook client.js calls: puts the tier-1/tier-2 methods and namespaces on
// App.prototype / Agent.prototype, with the availability of api-surface.md §1.4 (methods absent
// from a class are absent on purpose) and hands this package the client internals it needs.

import { AgentsNamespace, me } from "./agents.js";
import { awaitApproval, getApprovalStatus, proxyRequest } from "./approvals.js";
import {
  createAuthSession, createConnectSession, createConnectSessionForError, createManagedSecretConnectSession,
  pollAuthSession, pollConnectSession, verifyUserToken,
} from "./connect.js";
import { withConstraints } from "./constraints.js";
import {
  createManagedSecretGrant, delegate, listGrants, mintGrant, revokeDelegationAgent, revokeDelegationApp, revokeGrant,
} from "./grants.js";
import { KeysNamespace } from "./keys.js";
import { OAuthProvidersNamespace } from "./providers.js";
import { ProviderSpecsNamespace } from "./specs.js";
import { resolveIdentity } from "./identity.js";
import { ScopesNamespace } from "./scopes.js";
import { SpansNamespace } from "./spans.js";
import { RateLimitSnapshot } from "./models.js";
import { internals, stateOf } from "./util.js";

const SHARED = {
  proxyRequest, getApprovalStatus, awaitApproval, listGrants, createConnectSession, pollConnectSession,
  createConnectSessionForError, createManagedSecretConnectSession, withConstraints, resolveIdentity,
};
const APP_ONLY = {
  revokeGrant, mintGrant, createManagedSecretGrant, revokeDelegation: revokeDelegationApp, createAuthSession,
  pollAuthSession, verifyUserToken,
};
const AGENT_ONLY = { delegate, revokeDelegation: revokeDelegationAgent, me };

function defineMethods(proto, methods) {
  for (const [name, fn] of Object.entries(methods)) {
    if (Object.prototype.hasOwnProperty.call(proto, name)) continue; // never override client.js
    Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true });
  }
}

/** A namespace getter: one instance per client object (siblings and trace views get their own). */
function defineNamespace(proto, name, Cls) {
  const cache = new WeakMap();
  Object.defineProperty(proto, name, {
    configurable: true,
    get() {
      let ns = cache.get(this);
      if (!ns) {
        ns = new Cls(this);
        cache.set(this, ns);
      }
      return ns;
    },
  });
}

export default function installApi({ App, Agent, STATE, RUN, resolveUserToken, wrapInternal, closedError }) {
  Object.assign(internals, { App, Agent, STATE, RUN: RUN ?? null });
  if (resolveUserToken) internals.resolveUserToken = resolveUserToken;
  if (wrapInternal) internals.wrapInternal = wrapInternal;
  if (closedError) internals.closedError = closedError;
  for (const proto of [App.prototype, Agent.prototype]) {
    defineMethods(proto, SHARED);
    defineNamespace(proto, "keys", KeysNamespace);
    defineNamespace(proto, "scopes", ScopesNamespace);
    defineNamespace(proto, "oauthProviders", OAuthProvidersNamespace);
    defineNamespace(proto, "providerSpecs", ProviderSpecsNamespace);
    defineNamespace(proto, "spans", SpansNamespace);
  }
  for (const proto of [App.prototype, Agent.prototype]) {
    // lastRateLimit (api-surface §1.3): null = unknown, never "unlimited"; shared with siblings.
    if (!Object.prototype.hasOwnProperty.call(proto, "lastRateLimit")) {
      Object.defineProperty(proto, "lastRateLimit", {
        configurable: true,
        get() {
          const v = stateOf(this).core.lastRateLimit();
          return v && typeof v === "object" ? new RateLimitSnapshot(v) : null;
        },
      });
    }
  }
  defineMethods(App.prototype, APP_ONLY);
  defineNamespace(App.prototype, "agents", AgentsNamespace);
  defineMethods(Agent.prototype, AGENT_ONLY);
}
