import { ACR_API_VERSION } from "../azure/arm-types.js";
import { requireRegistry } from "./registry-lookup.js";
import type { Readable } from "./readable.js";
import { unreadable } from "./readable.js";
import { registryFact } from "./scope.js";

/** `Microsoft.ContainerRegistry/registries/replications` (Premium: the home region is one of them). */
export interface Replication {
  id: string;
  name: string;
  location: string;
  properties: {
    provisioningState?: string;
    status?: { displayStatus?: string; message?: string; timestamp?: string };
    /** Whether the replica takes part in global-endpoint routing (CLI `--global-endpoint-routing`). */
    regionEndpointEnabled?: boolean;
    zoneRedundancy?: string;
  };
}

/** The registry's geo-replicas, read once (reachability's regional endpoints, replication-health). */
export const replicationsFact = registryFact(
  "replications",
  async (ctx): Promise<Readable<Replication[]>> => {
    const registry = await requireRegistry(ctx);
    try {
      const value = await ctx.apis.arm.getAllPages<Replication>(`${registry.id}/replications`, {
        "api-version": ACR_API_VERSION,
      });
      return { readable: true, value };
    } catch (error) {
      return unreadable(error);
    }
  },
);
