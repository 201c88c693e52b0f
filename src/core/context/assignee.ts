import { principalFact } from "./entra-token.js";
import type { RunContext } from "./scope.js";

/**
 * The id to put in `az role assignment create --assignee …`: a service principal or managed
 * identity by app id, a user by object id (a user token's app id is the client it signed in
 * with, e.g. the Azure CLI).
 */
/** The command that grants the identity Reader at `scope`, the read access most checks need. */
export async function grantReaderCommand(
  ctx: Pick<RunContext, "get" | "deps">,
  scope: string,
): Promise<string> {
  return `az role assignment create --role Reader --assignee ${await assigneeOf(ctx)} --scope ${scope}`;
}

export async function assigneeOf(ctx: Pick<RunContext, "get" | "deps">): Promise<string> {
  const principal = await ctx.get(principalFact).catch(() => undefined);
  const appId =
    principal?.type === "User" ? undefined : (principal?.appId ?? ctx.deps.credentialInfo.clientId);
  return appId ?? principal?.objectId ?? "<client-id>";
}
