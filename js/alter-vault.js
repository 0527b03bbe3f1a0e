// `AlterVault`, the single client of the SDKs before App / Agent (ts-api.md §2.1, api-surface.md
// §1.1: removed in 0.29.0, still shown by older docs). Exported so that old code fails on its first
// line with what to write instead, not with "AlterVault is not a constructor".

import { AlterSDKError } from "./errors.js";

export const ALTER_VAULT_MESSAGE =
  "AlterVault was split into two clients. Backend or operator code with an app key: " +
  "`const app = new App({ apiKey: process.env.ALTER_API_KEY })`. A workload with an agent key: " +
  "`const agent = new Agent({ apiKey: process.env.AGENT_API_KEY })`, or `app.getAgent(agentId)` to act " +
  "as a managed agent on the app key. Then `await app.request(\"GET\", url, { grantId })` " +
  "(the old request(grantId, method, url) is now request(method, url, { grantId })); " +
  "actorType is now callerType and actorIdentifier is caller. Release with `await app.close()`.";

/** Throws on construction: use App (operator, app key) or Agent (workload, agent key). */
export class AlterVault {
  constructor() {
    throw new AlterSDKError(ALTER_VAULT_MESSAGE, {}, { code: "alter_vault_removed" });
  }
}
