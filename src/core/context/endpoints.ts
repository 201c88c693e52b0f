import { loginServerFact, registryLookupFact } from "./registry-lookup.js";
import { replicationsFact } from "./replications.js";
import { registryFact } from "./scope.js";

export type EndpointKind = "login-server" | "data" | "regional";

export interface RegistryEndpoint {
  host: string;
  kind: EndpointKind;
  region?: string;
}

export interface RegistryEndpoints {
  endpoints: RegistryEndpoint[];
  /** Why only some endpoints are known (ARM or the replica list could not be read). */
  incomplete?: string;
}

/**
 * Every host a job talks to on TCP 443 (acr-facts §2.3): the login server, each dedicated data
 * endpoint ARM lists, and `<registry>.<region>.geo.<suffix>` for each geo-replica when the
 * registry has regional endpoints enabled. Without ARM only the login server is known.
 */
export const endpointsFact = registryFact("endpoints", async (ctx): Promise<RegistryEndpoints> => {
  const loginServer = await ctx.get(loginServerFact);
  const loginEndpoint: RegistryEndpoint = { host: loginServer, kind: "login-server" };
  const lookup = await ctx.get(registryLookupFact).catch(() => undefined);
  if (!lookup?.found) {
    return {
      endpoints: [loginEndpoint],
      incomplete: "the registry resource could not be read, so its data endpoints are unknown",
    };
  }
  const { properties } = lookup.resource;
  const data = (properties.dataEndpointHostNames ?? []).map((host): RegistryEndpoint => ({
    host: host.toLowerCase(),
    kind: "data",
    region: regionOf(host),
  }));
  if (properties.regionalEndpoints !== "Enabled") return { endpoints: [loginEndpoint, ...data] };
  const replicas = await ctx
    .get(replicationsFact)
    .catch((error: Error) => ({ readable: false as const, detail: error.message }));
  if (!replicas.readable) {
    return {
      endpoints: [loginEndpoint, ...data],
      incomplete: `regional endpoints are enabled but the replicas could not be read (${replicas.detail})`,
    };
  }
  const [label, ...suffix] = loginServer.split(".");
  const regions = [...new Set([lookup.resource.location, ...replicas.value.map((r) => r.location)])];
  const regional = regions.map((region): RegistryEndpoint => ({
    host: `${label}.${region.toLowerCase()}.geo.${suffix.join(".")}`,
    kind: "regional",
    region: region.toLowerCase(),
  }));
  return { endpoints: [loginEndpoint, ...data, ...regional] };
});

/** `<registry>.<region>.data.azurecr.io` → `<region>`. */
function regionOf(host: string): string | undefined {
  return host.toLowerCase().split(".")[1];
}
