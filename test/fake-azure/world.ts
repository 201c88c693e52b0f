import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Clock } from "./clock.js";
import { JwtMinter } from "./jwt.js";
import { Rbac } from "./rbac.js";
import type { Principal, Registry, Scenario } from "./scenario.js";

export const ENTRA_HOSTS = [
  "login.microsoftonline.com",
  "login.microsoft.com",
  "login.windows.net",
  "login.microsoftonline.us",
  "login.chinacloudapi.cn",
];
export const ARM_HOSTS = [
  "management.azure.com",
  "management.usgovcloudapi.net",
  "management.chinacloudapi.cn",
];
export const GRAPH_HOSTS = ["graph.microsoft.com", "graph.microsoft.us", "microsoftgraph.chinacloudapi.cn"];

export const ACR_AUDIENCE = "https://containerregistry.azure.net";
export const ARM_AUDIENCES = [
  ...ARM_HOSTS.map((h) => `https://${h}`),
  "https://management.core.windows.net",
  "https://management.core.usgovcloudapi.net",
  "https://management.core.chinacloudapi.cn",
];
export const GRAPH_AUDIENCES = [
  ...GRAPH_HOSTS.map((h) => `https://${h}`),
  "00000003-0000-0000-c000-000000000000",
];

/** An audience without a trailing slash, for comparison. */
export function audienceKey(value: unknown): string {
  return typeof value === "string" ? value.replace(/\/+$/, "").toLowerCase() : "";
}

/** State and lookups every service of the fake shares. */
export class World {
  readonly jwt = new JwtMinter();
  readonly rbac: Rbac;
  /** Opaque secrets the fake handed out (OIDC request tokens, System.AccessToken). */
  readonly opaqueSecrets: string[] = [];

  constructor(
    readonly scenario: Scenario,
    readonly clock: Clock,
  ) {
    this.rbac = new Rbac(scenario);
  }

  newOpaqueSecret(): string {
    const value = randomBytes(24).toString("base64url");
    this.opaqueSecrets.push(value);
    return value;
  }

  principalByClientId(clientId: string): Principal | undefined {
    return this.scenario.principals.find((p) => p.clientId.toLowerCase() === clientId.toLowerCase());
  }

  principalByObjectId(objectId: string): Principal | undefined {
    return this.scenario.principals.find((p) => p.objectId.toLowerCase() === objectId.toLowerCase());
  }

  knowsTenant(tenant: string): boolean {
    return [this.scenario.tenantId, ...(this.scenario.otherTenants ?? [])].some(
      (t) => t.toLowerCase() === tenant.toLowerCase(),
    );
  }

  registryId(registry: Registry): string {
    return `/subscriptions/${registry.subscriptionId}/resourceGroups/${registry.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${registry.name}`;
  }

  registryProperties(registry: Registry): RegistryProperties {
    return registryProperties(registry);
  }

  /** Login server, dedicated data endpoints and regional endpoints of a registry. */
  registryHosts(registry: Registry): string[] {
    const props = this.registryProperties(registry);
    return [
      props.loginServer,
      ...props.dataEndpointHostNames,
      ...regionalEndpoints(registry, props.loginServer),
    ];
  }

  registryByHost(host: string): Registry | undefined {
    return this.scenario.registries.find((r) => this.registryHosts(r).includes(host.toLowerCase()));
  }

  /** Stable GUID-shaped id derived from text (role assignment names, trace ids in tests). */
  stableId(text: string): string {
    const hex = createHash("sha1").update(text).digest("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  newId(): string {
    return randomUUID();
  }

  /** Every token and secret value the fake minted or holds: none may appear in the tool's output. */
  secretValues(): string[] {
    const scenarioSecrets = [
      ...this.scenario.principals.flatMap((p) => (p.secrets ?? []).map((s) => s.value)),
      ...this.scenario.registries.flatMap((r) => [
        ...(r.adminPassword ? [r.adminPassword] : []),
        ...(r.tokens ?? []).flatMap((t) => (t.passwords ?? []).map((p) => p.value)),
      ]),
    ];
    return [...this.jwt.minted, ...this.opaqueSecrets, ...scenarioSecrets];
  }
}

export interface RegistryProperties extends Record<string, unknown> {
  loginServer: string;
  publicNetworkAccess: "Enabled" | "Disabled";
  networkRuleSet: { defaultAction: "Allow" | "Deny"; ipRules: { action: "Allow"; value: string }[] };
  dataEndpointEnabled: boolean;
  dataEndpointHostNames: string[];
  adminUserEnabled: boolean;
  roleAssignmentMode: "AbacRepositoryPermissions" | "LegacyRegistryPermissions";
  policies: Record<string, Record<string, unknown>> & {
    azureADAuthenticationAsArmPolicy: { status: "enabled" | "disabled" };
  };
}

/** ARM's view of the registry: sensible defaults (RP-ex RegistryGet) with the scenario's properties merged in. */
export function registryProperties(registry: Registry): RegistryProperties {
  const given = registry.properties ?? {};
  const loginServer = String(given.loginServer ?? `${registry.name}.azurecr.io`).toLowerCase();
  const suffix = loginServer.slice(loginServer.indexOf(".") + 1);
  const dataEndpointEnabled = Boolean(given.dataEndpointEnabled);
  const locations = [registry.location, ...(registry.replications ?? []).map((r) => r.location)];
  const defaults = {
    loginServer,
    creationDate: "2024-03-01T09:00:00.000Z",
    provisioningState: "Succeeded",
    adminUserEnabled: false,
    networkRuleSet: { defaultAction: "Allow", ipRules: [] },
    policies: {
      quarantinePolicy: { status: "disabled" },
      trustPolicy: { type: "Notary", status: "disabled" },
      retentionPolicy: { days: 7, lastUpdatedTime: "2024-03-01T09:00:00.000Z", status: "disabled" },
      exportPolicy: { status: "enabled" },
      azureADAuthenticationAsArmPolicy: { status: "enabled" },
      softDeletePolicy: { retentionDays: 7, lastUpdatedTime: "2024-03-01T09:00:00.000Z", status: "disabled" },
    },
    encryption: { status: "disabled" },
    dataEndpointEnabled,
    dataEndpointHostNames: dataEndpointEnabled
      ? [...new Set(locations)].map((loc) => `${registry.name}.${loc}.data.${suffix}`)
      : [],
    privateEndpointConnections: [],
    publicNetworkAccess: "Enabled",
    networkRuleBypassOptions: "AzureServices",
    networkRuleBypassAllowedForTasks: false,
    zoneRedundancy: "Disabled",
    anonymousPullEnabled: false,
    metadataSearch: "Disabled",
    roleAssignmentMode: "LegacyRegistryPermissions",
    autoGeneratedDomainNameLabelScope: "Unsecure",
  };
  const merged = deepMerge(defaults, given) as RegistryProperties;
  merged.loginServer = loginServer;
  merged.networkRuleSet.ipRules = merged.networkRuleSet.ipRules.map((rule) =>
    typeof rule === "string" ? { action: "Allow", value: rule } : rule,
  );
  return merged;
}

function regionalEndpoints(registry: Registry, loginServer: string): string[] {
  const replicas = registry.replications ?? [];
  if (!replicas.some((r) => r.regionEndpointEnabled)) return [];
  const suffix = loginServer.slice(loginServer.indexOf(".") + 1);
  const locations = new Set([
    registry.location,
    ...replicas.filter((r) => r.regionEndpointEnabled).map((r) => r.location),
  ]);
  return [...locations].map((loc) => `${registry.name}.${loc}.geo.${suffix}`);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] =
      isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : structuredClone(value);
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
