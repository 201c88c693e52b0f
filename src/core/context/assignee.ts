import { principalFact } from "./entra-token.js";
import type { RunContext } from "./scope.js";

/** The id to put in `az role assignment create --assignee …`: the app id, else the object id, else a placeholder. */
export async function assigneeOf(ctx: Pick<RunContext, "get" | "deps">): Promise<string> {
  const principal = await ctx.get(principalFact).catch(() => undefined);
  return principal?.appId ?? ctx.deps.credentialInfo.clientId ?? principal?.objectId ?? "<client-id>";
}
