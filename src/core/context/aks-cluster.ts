import { AzureHttpError } from "../azure/http.js";
import { SkipCheck } from "../checks/check.js";
import { grantReaderCommand } from "./assignee.js";
import { isForbidden } from "./readable.js";
import { armTokenFact } from "./entra-token.js";
import { resourceGraphQuery } from "./registry-lookup.js";
import type { RunContext } from "./scope.js";
import { runFact } from "./scope.js";

/** Microsoft.ContainerService stable API (azure-rest-api-specs aks/stable/2025-10-01). */
export const AKS_API_VERSION = "2025-10-01";

export interface AgentPoolProfile {
  name: string;
  osType?: "Linux" | "Windows" | string;
  mode?: "System" | "User" | string;
  /** The subnet of a bring-your-own VNet; absent when AKS manages the VNet. */
  vnetSubnetID?: string;
  nodeTaints?: string[];
}

/** `Microsoft.ContainerService/managedClusters`, as far as aks-pull reads it. */
export interface ManagedCluster {
  id: string;
  name: string;
  location: string;
  properties: {
    agentPoolProfiles?: AgentPoolProfile[];
    /** `msi` on managed-identity clusters; the app id of the cluster's service principal otherwise. */
    servicePrincipalProfile?: { clientId?: string };
    identityProfile?: { kubeletidentity?: { objectId?: string; clientId?: string; resourceId?: string } };
    nodeResourceGroup?: string;
  };
}

/**
 * The cluster named by `aks-cluster`: a resource id is read directly, a bare name is first found
 * with one Resource Graph query across the subscriptions the identity can see.
 */
export const aksClusterFact = runFact("aks-cluster", async (ctx): Promise<ManagedCluster> => {
  await ctx.get(armTokenFact);
  const given = ctx.config.aksCluster;
  if (!given) throw new SkipCheck("not-applicable", "No `aks-cluster` was given.");
  const id = given.startsWith("/") ? given : await findByName(ctx, given);
  try {
    return await ctx.apis.arm.getJson<ManagedCluster>(id, { "api-version": AKS_API_VERSION });
  } catch (error) {
    if (isForbidden(error)) throw await unreadableCluster(ctx, id, error.message);
    if (!(error instanceof AzureHttpError)) throw error;
    if (error.status === 404) {
      throw new SkipCheck(
        "prerequisite",
        `The AKS cluster ${id} does not exist (${error.message}); check \`aks-cluster\`.`,
        ['az aks list --query "[].id" --output tsv'],
      );
    }
    throw error;
  }
});

async function findByName(ctx: RunContext, name: string): Promise<string> {
  const rows = await resourceGraphQuery<{ id: string }>(
    ctx,
    `resources | where type =~ 'microsoft.containerservice/managedclusters' | where name =~ '${name.replace(/'/g, "''")}' | project id`,
  );
  if (rows.length === 1) return rows[0]!.id;
  if (rows.length > 1) {
    throw new SkipCheck(
      "prerequisite",
      `${rows.length} AKS clusters named '${name}' are visible; set \`aks-cluster\` to the resource id of the one the job deploys to.`,
      [],
      { candidates: rows.map((r) => r.id) },
    );
  }
  throw await unreadableCluster(
    ctx,
    name,
    "Resource Graph finds no cluster of that name the identity may read",
  );
}

async function unreadableCluster(ctx: RunContext, cluster: string, detail: string): Promise<SkipCheck> {
  const scope = cluster.startsWith("/")
    ? cluster
    : `$(az aks list --query "[?name=='${cluster}'].id" --output tsv)`;
  return new SkipCheck(
    "permission",
    `The AKS cluster '${cluster}' cannot be read (${detail}): it does not exist, or the identity lacks ` +
      "`Microsoft.ContainerService/managedClusters/read` on it (Reader on the cluster includes it).",
    [await grantReaderCommand(ctx, scope)],
  );
}
