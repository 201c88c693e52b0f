import { AzureHttpError } from "../azure/http.js";
import { requireRegistry } from "./registry-lookup.js";
import { registryFact } from "./scope.js";

const PRIVATE_ENDPOINT_API_VERSION = "2024-05-01";
const PRIVATE_DNS_API_VERSION = "2024-06-01";

/** `privatelink.azurecr.io` and its sovereign-cloud twins (`privatelink.azurecr.us`, `privatelink.azurecr.cn`). */
const ACR_PRIVATE_ZONE = /\/privateDnsZones\/privatelink\.azurecr\.[^/]+$/i;

export interface PrivateDnsZoneView {
  id: string;
  /** VNet ids (lower case) whose resolvers see the zone's records. */
  linkedVnets: string[];
}

export interface RegistryPrivateDns {
  privateEndpoints: string[];
  /** The ACR private DNS zones the registry's private endpoints register their records in. */
  zones: PrivateDnsZoneView[];
  /** Private endpoints without a DNS zone group: their records are kept somewhere this tool cannot see. */
  endpointsWithoutZoneGroup: string[];
  /** What could not be read, each with the reason. */
  unreadable: string[];
}

interface ZoneGroup {
  properties?: { privateDnsZoneConfigs?: { properties?: { privateDnsZoneId?: string } }[] };
}

interface VirtualNetworkLink {
  properties?: { virtualNetwork?: { id?: string }; virtualNetworkLinkState?: string };
}

/**
 * Where the registry's private endpoints publish its private addresses: each endpoint's DNS zone
 * group names the `privatelink.azurecr.io` zone, whose virtual-network links say which VNets resolve them.
 */
export const registryPrivateDnsFact = registryFact(
  "private-dns",
  async (ctx): Promise<RegistryPrivateDns> => {
    const registry = await requireRegistry(ctx);
    const privateEndpoints = (registry.properties.privateEndpointConnections ?? [])
      .map((c) => (c.properties?.privateEndpoint as { id?: string } | undefined)?.id)
      .filter((id): id is string => Boolean(id));
    const unreadable: string[] = [];
    const endpointsWithoutZoneGroup: string[] = [];
    const zoneIds = new Set<string>();
    await Promise.all(
      privateEndpoints.map(async (endpoint) => {
        try {
          const groups = await ctx.apis.arm.getAllPages<ZoneGroup>(`${endpoint}/privateDnsZoneGroups`, {
            "api-version": PRIVATE_ENDPOINT_API_VERSION,
          });
          const zones = groups
            .flatMap((g) => g.properties?.privateDnsZoneConfigs ?? [])
            .map((c) => c.properties?.privateDnsZoneId)
            .filter((id): id is string => Boolean(id && ACR_PRIVATE_ZONE.test(id)));
          if (zones.length === 0) endpointsWithoutZoneGroup.push(endpoint);
          zones.forEach((z) => zoneIds.add(z));
        } catch (error) {
          unreadable.push(`DNS zone groups of ${endpoint}: ${reason(error)}`);
        }
      }),
    );
    const zones = await Promise.all(
      [...zoneIds].map(async (id): Promise<PrivateDnsZoneView | undefined> => {
        try {
          const links = await ctx.apis.arm.getAllPages<VirtualNetworkLink>(`${id}/virtualNetworkLinks`, {
            "api-version": PRIVATE_DNS_API_VERSION,
          });
          const linkedVnets = links
            .filter((l) => (l.properties?.virtualNetworkLinkState ?? "Completed") === "Completed")
            .map((l) => l.properties?.virtualNetwork?.id?.toLowerCase())
            .filter((v): v is string => Boolean(v));
          return { id, linkedVnets };
        } catch (error) {
          unreadable.push(`virtual network links of ${id}: ${reason(error)}`);
          return undefined;
        }
      }),
    );
    return {
      privateEndpoints,
      zones: zones.filter((z): z is PrivateDnsZoneView => Boolean(z)),
      endpointsWithoutZoneGroup,
      unreadable,
    };
  },
);

function reason(error: unknown): string {
  if (error instanceof AzureHttpError) return error.message;
  throw error;
}
