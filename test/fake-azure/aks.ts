import { armError, authorize, type Caller } from "./arm.js";
import type { AksCluster } from "./scenario.js";
import type { FakeRequest, FakeResponse } from "./server.js";
import type { World } from "./world.js";

const AKS_PROVIDER = "Microsoft.ContainerService/managedClusters";

export function aksClusterId(cluster: AksCluster): string {
  return `/subscriptions/${cluster.subscriptionId}/resourceGroups/${cluster.resourceGroup}/providers/${AKS_PROVIDER}/${cluster.name}`;
}

/** ManagedClusters_Get (2025-10-01 shape): identity profile, service principal profile and agent pools. */
export function aksClusterJson(cluster: AksCluster) {
  return {
    id: aksClusterId(cluster),
    name: cluster.name,
    type: AKS_PROVIDER,
    location: cluster.location,
    properties: {
      provisioningState: "Succeeded",
      kubernetesVersion: "1.33.2",
      dnsPrefix: cluster.name,
      nodeResourceGroup: `MC_${cluster.resourceGroup}_${cluster.name}_${cluster.location}`,
      agentPoolProfiles: cluster.agentPools.map((pool) => ({
        name: pool.name,
        count: 3,
        vmSize: "Standard_D4s_v5",
        osType: pool.osType ?? "Linux",
        mode: pool.mode ?? "User",
        provisioningState: "Succeeded",
        ...(pool.vnetSubnetId ? { vnetSubnetID: pool.vnetSubnetId } : {}),
      })),
      servicePrincipalProfile: { clientId: cluster.servicePrincipalClientId ?? "msi" },
      ...(cluster.kubeletIdentity
        ? {
            identityProfile: {
              kubeletidentity: {
                ...cluster.kubeletIdentity,
                resourceId: `/subscriptions/${cluster.subscriptionId}/resourceGroups/MC_${cluster.resourceGroup}_${cluster.name}_${cluster.location}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${cluster.name}-agentpool`,
              },
            },
          }
        : {}),
    },
  };
}

export function getAksCluster(
  world: World,
  _req: FakeRequest,
  caller: Caller,
  match: RegExpExecArray,
): FakeResponse {
  const id = match[1]!;
  const refused = authorize(world, caller, `${AKS_PROVIDER}/read`, id);
  if (refused) return refused;
  const cluster = (world.scenario.aksClusters ?? []).find(
    (c) => aksClusterId(c).toLowerCase() === id.toLowerCase(),
  );
  if (!cluster) {
    return armError(
      404,
      "ResourceNotFound",
      `The Resource '${AKS_PROVIDER}/${id.split("/").pop()}' under resource group '${/resourceGroups\/([^/]+)/i.exec(id)?.[1]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
  }
  return { status: 200, body: aksClusterJson(cluster) };
}

export function privateDnsZoneGroups(
  world: World,
  _req: FakeRequest,
  caller: Caller,
  match: RegExpExecArray,
): FakeResponse {
  const endpointId = match[1]!;
  const refused = authorize(
    world,
    caller,
    "Microsoft.Network/privateEndpoints/privateDnsZoneGroups/read",
    endpointId,
  );
  if (refused) return refused;
  const endpoint = (world.scenario.privateEndpoints ?? []).find(
    (e) => e.id.toLowerCase() === endpointId.toLowerCase(),
  );
  if (!endpoint) return armError(404, "ResourceNotFound", `The Resource '${endpointId}' was not found.`);
  const value =
    endpoint.privateDnsZoneIds.length === 0
      ? []
      : [
          {
            id: `${endpoint.id}/privateDnsZoneGroups/default`,
            name: "default",
            properties: {
              provisioningState: "Succeeded",
              privateDnsZoneConfigs: endpoint.privateDnsZoneIds.map((zoneId) => ({
                name: zoneId.split("/").pop()!.replace(/\./g, "-"),
                properties: { privateDnsZoneId: zoneId, recordSets: [] },
              })),
            },
          },
        ];
  return { status: 200, body: { value } };
}

export function virtualNetworkLinks(
  world: World,
  _req: FakeRequest,
  caller: Caller,
  match: RegExpExecArray,
): FakeResponse {
  const zoneId = match[1]!;
  const refused = authorize(
    world,
    caller,
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks/read",
    zoneId,
  );
  if (refused) return refused;
  const zone = (world.scenario.privateDnsZones ?? []).find(
    (z) => z.id.toLowerCase() === zoneId.toLowerCase(),
  );
  if (!zone) return armError(404, "ResourceNotFound", `The Resource '${zoneId}' was not found.`);
  return {
    status: 200,
    body: {
      value: zone.virtualNetworkLinks.map((link) => ({
        id: `${zone.id}/virtualNetworkLinks/${link.name}`,
        name: link.name,
        type: "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        location: "global",
        properties: {
          virtualNetwork: { id: link.virtualNetworkId },
          registrationEnabled: false,
          virtualNetworkLinkState: link.state ?? "Completed",
          provisioningState: "Succeeded",
        },
      })),
    },
  };
}

/** Resource Graph rows for the clusters the caller may read. */
export function aksClusterRows(world: World, caller: Caller, subscriptions: string[]) {
  return (world.scenario.aksClusters ?? [])
    .filter((c) => subscriptions.some((s) => s.toLowerCase() === c.subscriptionId.toLowerCase()))
    .filter((c) => world.rbac.can(caller.objectId, `${AKS_PROVIDER}/read`, aksClusterId(c)))
    .map((c) => ({
      ...aksClusterJson(c),
      type: AKS_PROVIDER.toLowerCase(),
      tenantId: world.scenario.tenantId,
      resourceGroup: c.resourceGroup.toLowerCase(),
      subscriptionId: c.subscriptionId,
    }));
}

/** Resource groups the AKS and private-link parts of the scenario live in. */
export function aksResourceGroups(world: World, subscriptionId: string): string[] {
  const ids = [
    ...(world.scenario.aksClusters ?? []).map(aksClusterId),
    ...(world.scenario.privateEndpoints ?? []).map((e) => e.id),
    ...(world.scenario.privateDnsZones ?? []).map((z) => z.id),
  ];
  return ids
    .map((id) => new RegExp(`^/subscriptions/${subscriptionId}/resourceGroups/([^/]+)`, "i").exec(id)?.[1])
    .filter((rg): rg is string => Boolean(rg))
    .map((rg) => rg.toLowerCase());
}
