/** Wire shapes of the ARM resources the checks read (Microsoft.ContainerRegistry 2025-11-01). Partial by design. */

export const ACR_API_VERSION = "2025-11-01";
export const RESOURCE_GRAPH_API_VERSION = "2024-04-01";

export interface IpRule {
  action?: "Allow";
  value: string;
}

export interface RegistryProperties {
  loginServer?: string;
  provisioningState?: string;
  adminUserEnabled?: boolean;
  publicNetworkAccess?: "Enabled" | "Disabled";
  networkRuleSet?: { defaultAction?: "Allow" | "Deny"; ipRules?: IpRule[] };
  networkRuleBypassOptions?: "AzureServices" | "None";
  dataEndpointEnabled?: boolean;
  dataEndpointHostNames?: string[];
  privateEndpointConnections?: { id?: string; properties?: Record<string, unknown> }[];
  roleAssignmentMode?: "AbacRepositoryPermissions" | "LegacyRegistryPermissions";
  anonymousPullEnabled?: boolean;
  zoneRedundancy?: "Enabled" | "Disabled";
  policies?: {
    quarantinePolicy?: { status?: string };
    trustPolicy?: { status?: string; type?: string };
    retentionPolicy?: { status?: string; days?: number };
    exportPolicy?: { status?: string };
    softDeletePolicy?: { status?: string; retentionDays?: number };
    azureADAuthenticationAsArmPolicy?: { status?: "enabled" | "disabled" };
  };
  [key: string]: unknown;
}

export interface RegistryResource {
  id: string;
  name: string;
  location: string;
  sku: { name: "Basic" | "Standard" | "Premium" | string; tier?: string };
  tags?: Record<string, string>;
  properties: RegistryProperties;
}

/** Parts of an ARM resource id. */
export function parseResourceId(id: string): {
  subscriptionId?: string;
  resourceGroup?: string;
  name?: string;
} {
  const match =
    /\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?(?:\/providers\/[^/]+\/[^/]+\/([^/]+))?/i.exec(id);
  return { subscriptionId: match?.[1], resourceGroup: match?.[2], name: match?.[3] };
}
