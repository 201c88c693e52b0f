import { AzureHttpError } from "../azure/http.js";
import type { ManagedCluster } from "./aks-cluster.js";
import type { GraphApplication } from "./graph-application.js";
import type { RunContext } from "./scope.js";

/**
 * The identity an AKS cluster's nodes pull images with: the kubelet managed identity, or on older
 * clusters the cluster's service principal (with its app registration, for its secret's expiry).
 */
export type PullIdentity =
  | { kind: "kubelet-identity"; objectId: string; clientId?: string; resourceId?: string }
  | {
      kind: "service-principal";
      clientId: string;
      /** The service principal's object id; undefined when Graph would not say. */
      objectId?: string;
      /** Graph no longer knows the service principal: it was deleted. */
      deleted?: boolean;
      application?: GraphApplication;
      /** Why Graph refused to show the service principal or its app registration, when it did. */
      graphRefused?: string;
    }
  | { kind: "unknown" };

export async function pullIdentityOf(ctx: RunContext, cluster: ManagedCluster): Promise<PullIdentity> {
  const kubelet = cluster.properties.identityProfile?.kubeletidentity;
  if (kubelet?.objectId) {
    return {
      kind: "kubelet-identity",
      objectId: kubelet.objectId,
      ...(kubelet.clientId ? { clientId: kubelet.clientId } : {}),
      ...(kubelet.resourceId ? { resourceId: kubelet.resourceId } : {}),
    };
  }
  const clientId = cluster.properties.servicePrincipalProfile?.clientId;
  if (!clientId || clientId.toLowerCase() === "msi") return { kind: "unknown" };
  return servicePrincipalIdentity(ctx, clientId);
}

async function servicePrincipalIdentity(ctx: RunContext, clientId: string): Promise<PullIdentity> {
  const appId = encodeURIComponent(clientId);
  const [principal, application] = await Promise.all([
    graphRead<{ id: string }>(ctx, `/v1.0/servicePrincipals(appId='${appId}')`, "id,appId"),
    graphRead<GraphApplication>(
      ctx,
      `/v1.0/applications(appId='${appId}')`,
      "id,appId,displayName,passwordCredentials,keyCredentials",
    ),
  ]);
  const refused = [principal, application].find((r) => r.status === "refused");
  return {
    kind: "service-principal",
    clientId,
    ...(principal.status === "found" ? { objectId: principal.value.id } : {}),
    ...(principal.status === "missing" ? { deleted: true } : {}),
    ...(application.status === "found" ? { application: application.value } : {}),
    ...(refused ? { graphRefused: refused.detail } : {}),
  };
}

export type GraphRead<T> =
  { status: "found"; value: T } | { status: "missing" } | { status: "refused"; detail: string };

/** One Graph GET: 404 means the object does not exist, 401/403 that the identity may not read it. */
export async function graphRead<T>(ctx: RunContext, path: string, select: string): Promise<GraphRead<T>> {
  try {
    return { status: "found", value: await ctx.apis.graph.getJson<T>(path, { $select: select }) };
  } catch (error) {
    if (!(error instanceof AzureHttpError)) throw error;
    if (error.status === 404) return { status: "missing" };
    if (error.status === 403 || error.status === 401)
      return { status: "refused", detail: `${path}: ${error.message}` };
    throw error;
  }
}
