import type { RegistryResource } from "../azure/arm-types.js";
import { requireRegistry } from "../context/registry-lookup.js";
import type { Replication } from "../context/replications.js";
import { replicationsFact } from "../context/replications.js";
import type { Finding } from "../report/types.js";
import type { Check } from "./check.js";
import { defineCodes, SkipCheck } from "./check.js";

const DOCS = "https://learn.microsoft.com/azure/container-registry/container-registry-geo-replication";

const CODES = defineCodes({
  REPLICAS_HEALTHY: {
    severity: "notice",
    title: "Every replica is provisioned and ready",
    fix: "Nothing to fix.",
  },
  REPLICA_FAILED: {
    severity: "error",
    title: "A replica failed to provision",
    fix: "Inspect the replica; delete and re-create it if it stays failed. Clients routed to its region fail meanwhile.",
    docs: DOCS,
  },
  REPLICA_NOT_READY: {
    severity: "warning",
    title: "A replica is not ready",
    fix: "Wait for the replica to finish its operation, or exclude it from routing until it is ready.",
    docs: DOCS,
  },
  REPLICA_DATA_ENDPOINT_MISSING: {
    severity: "warning",
    title: "A replica has no dedicated data endpoint listed yet",
    fix: "Wait for the replica's data endpoint to appear in `az acr show-endpoints`, then allow it in the clients' egress firewall; layers served from that region fail for clients that allow only the listed hosts.",
    docs: "https://learn.microsoft.com/azure/container-registry/container-registry-dedicated-data-endpoints",
  },
  REPLICA_ROUTING_DISABLED: {
    severity: "notice",
    title: "A replica is excluded from global endpoint routing",
    fix: "Re-enable routing when the region should serve clients again.",
    docs: "https://learn.microsoft.com/azure/container-registry/container-registry-geo-replication#temporarily-disable-routing-to-replication",
  },
});

/** `replication-health`: each geo-replica's provisioning state and status. */
export const replicationHealthCheck: Check = {
  id: "replication-health",
  scope: "registry",
  modes: ["preflight", "audit"],
  codes: CODES,
  permissions: ["`Microsoft.ContainerRegistry/registries/replications/read` on the registry (Reader)"],
  async run(ctx) {
    const registry = await requireRegistry(ctx);
    if (registry.sku.name !== "Premium") {
      throw new SkipCheck(
        "not-applicable",
        `${registry.name} is ${registry.sku.name}; only Premium registries have replicas.`,
      );
    }
    const replicas = await ctx.get(replicationsFact);
    if (!replicas.readable) {
      throw new SkipCheck(
        "permission",
        `The identity may not list the replicas of ${registry.name} (${replicas.detail}).`,
        [`Grant Reader on ${registry.id}`],
      );
    }
    const name = registry.name;
    const dataEndpoints = dataEndpointsByRegion(registry);
    const findings = replicas.value.flatMap((replica) => [
      ...replicaFindings(name, replica),
      ...missingDataEndpoint(registry, replica, dataEndpoints),
    ]);
    if (findings.length === 0) {
      const hosts = [...dataEndpoints.values()];
      findings.push(
        CODES.REPLICAS_HEALTHY.finding({
          message:
            `All ${replicas.value.length} replica(s) of ${name} are provisioned and ready. ` +
            (registry.properties.dataEndpointEnabled
              ? `Layers come from each replica's own data endpoint; clients behind an egress firewall must reach ${registry.properties.loginServer} and ${hosts.join(", ")}.`
              : `Layers come from the registry's storage; clients behind an egress firewall must reach ${registry.properties.loginServer} and *.blob.core.windows.net.`),
          evidence: { replicas: replicas.value.map((r) => summary(r, dataEndpoints)) },
        }),
      );
    }
    return { findings };
  },
};

/** `dataEndpointHostNames` (`<registry>.<region>.data.<suffix>`) by region. */
function dataEndpointsByRegion(registry: RegistryResource): Map<string, string> {
  const hosts = registry.properties.dataEndpointHostNames ?? [];
  return new Map(hosts.map((host) => [host.toLowerCase().split(".")[1] ?? "", host.toLowerCase()]));
}

/** The region as data endpoint host names spell it: `West Europe` → `westeurope`. */
function regionKey(replica: Replication): string {
  return replica.location.toLowerCase().replace(/\s+/g, "");
}

function missingDataEndpoint(
  registry: RegistryResource,
  replica: Replication,
  dataEndpoints: Map<string, string>,
): Finding[] {
  if (!registry.properties.dataEndpointEnabled || dataEndpoints.has(regionKey(replica))) return [];
  return [
    CODES.REPLICA_DATA_ENDPOINT_MISSING.finding({
      message: `${registry.name} has dedicated data endpoints, but ARM lists none for its ${replica.location} replica (${[...dataEndpoints.values()].join(", ") || "none listed"}); clients routed to ${replica.location} whose egress firewall allows only the listed hosts cannot download layers.`,
      remediation: [`az acr show-endpoints --name ${registry.name}`],
      evidence: { location: replica.location, dataEndpointHostNames: [...dataEndpoints.values()] },
    }),
  ];
}

function replicaFindings(registry: string, replica: Replication): Finding[] {
  const evidence = summary(replica);
  const { provisioningState = "Succeeded", status, regionEndpointEnabled } = replica.properties;
  const displayStatus = status?.displayStatus ?? "Ready";
  const show = `az acr replication show --registry ${registry} --name ${replica.name}`;
  if (provisioningState === "Failed") {
    return [
      CODES.REPLICA_FAILED.finding({
        message: `The ${replica.location} replica of ${registry} is in provisioning state Failed${status?.message ? `: ${status.message}` : ""}; pulls routed to that region fail.`,
        remediation: [
          show,
          `az acr replication update --registry ${registry} --name ${replica.name} --region-endpoint-enabled false`,
        ],
        evidence,
      }),
    ];
  }
  if (provisioningState !== "Succeeded" || displayStatus !== "Ready") {
    return [
      CODES.REPLICA_NOT_READY.finding({
        message: `The ${replica.location} replica of ${registry} is ${provisioningState} / ${displayStatus}; images pushed now may not be in that region yet.`,
        remediation: [show],
        evidence,
      }),
    ];
  }
  if (regionEndpointEnabled === false) {
    return [
      CODES.REPLICA_ROUTING_DISABLED.finding({
        message: `The ${replica.location} replica of ${registry} is excluded from global endpoint routing; clients in that region are served by another replica.`,
        remediation: [
          `az acr replication update --registry ${registry} --name ${replica.name} --region-endpoint-enabled true`,
        ],
        evidence,
      }),
    ];
  }
  return [];
}

function summary(replica: Replication, dataEndpoints?: Map<string, string>) {
  const dataEndpoint = dataEndpoints?.get(regionKey(replica));
  return {
    name: replica.name,
    location: replica.location,
    provisioningState: replica.properties.provisioningState ?? "unknown",
    status: replica.properties.status?.displayStatus ?? "unknown",
    routing: replica.properties.regionEndpointEnabled !== false,
    ...(dataEndpoint ? { dataEndpoint } : {}),
  };
}
