/**
 * The world a fake-Azure scenario describes (test/scenarios/<name>.json). The fake derives every
 * answer from it: Entra tokens, ARM resources, RBAC-derived authorisation, Graph credentials and
 * the registry data plane's token intersection. Dates are ISO strings or relative to the fake's
 * clock: "now", "now+90d", "now-2h", "now+45m".
 */
export type RelativeDate = string;

export interface Scenario {
  description: string;
  tenantId: string;
  /** Tenants that exist (besides tenantId); a token request for any other tenant gets AADSTS90002. */
  otherTenants?: string[];
  subscriptions: { id: string; displayName: string }[];
  principals: Principal[];
  /** Security groups, for transitive `assignedTo()` role assignments. */
  groups?: { objectId: string; displayName: string; members: string[] }[];
  registries: Registry[];
  roleAssignments: RoleAssignment[];
  /** The egress IP the fake pretends every client connects from (firewall, IP echo). */
  runner: { ip: string };
  /** Entra-wide behaviour. */
  entra?: {
    /** AADSTS53003 for these client ids. */
    conditionalAccessBlocked?: string[];
    /** AADSTS700223 (workload identity federation disabled in the tenant). */
    workloadIdentityFederationDisabled?: boolean;
    /** Lifetime of issued Entra access tokens, minutes (default 75). */
    accessTokenMinutes?: number;
  };
  /** OIDC issuers the fake plays (GitHub Actions ID tokens, Azure Pipelines OIDC). */
  oidc?: {
    github?: { subject: string; issuer?: string; lifetimeSeconds?: number };
    azurePipelines?: { subject: string; issuer?: string; lifetimeSeconds?: number };
  };
  /**
   * Managed identities (principals' client ids) of the machine the job runs on, served by IMDS.
   * Absent: the machine is not on Azure and IMDS is unreachable.
   */
  imds?: { systemAssigned?: string; userAssigned?: string[] };
  /** Service Tags API / downloadable file content: tag name -> prefixes. Regions come from the name. */
  serviceTags?: { changeNumber?: string; tags: Record<string, string[]> };
  /** `GET https://api.github.com/meta` `actions` ranges. */
  githubActionsRanges?: string[];
  /** DNS answers the tool sees (ACR_PREFLIGHT_DNS); hosts not named resolve to a public-looking address. */
  dns?: Record<string, string | "NXDOMAIN">;
  /** Hosts whose TLS is served with a certificate from an untrusted "corporate proxy" CA. */
  tlsInterception?: { hosts: string[]; issuer?: string };
  /** Azure Policy states for registries (policyStates/latest/queryResults is a POST: read-only query). */
  policyStates?: PolicyState[];
  /** AKS clusters (`Microsoft.ContainerService/managedClusters`) that pull from the registries. */
  aksClusters?: AksCluster[];
  /** Private endpoints with the private DNS zones their zone group registers records in. */
  privateEndpoints?: { id: string; privateDnsZoneIds: string[] }[];
  /** Private DNS zones (full resource ids) with their virtual network links. */
  privateDnsZones?: {
    id: string;
    virtualNetworkLinks: { name: string; virtualNetworkId: string; state?: "Completed" | "InProgress" }[];
  }[];
  /** Faults applied from the start (tests can add more at run time). */
  faults?: Fault[];
}

export interface AksCluster {
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  /** Managed-identity clusters: the kubelet identity the nodes pull with. */
  kubeletIdentity?: { objectId: string; clientId: string };
  /** Service-principal clusters: the app id of the cluster's service principal. */
  servicePrincipalClientId?: string;
  agentPools: {
    name: string;
    osType?: "Linux" | "Windows";
    mode?: "System" | "User";
    vnetSubnetId?: string;
  }[];
}

export interface Principal {
  displayName: string;
  /** appId / client id. */
  clientId: string;
  /** Service principal (enterprise app) object id: the token's `oid`. */
  objectId: string;
  /** Application (app registration) object id; managed identities have none. */
  appObjectId?: string;
  type: "ServicePrincipal" | "ManagedIdentity";
  /** `AzureADMyOrg` (default) or `AzureADMultipleOrgs` (AADSTS70052 for Azure Pipelines WIF). */
  signInAudience?: "AzureADMyOrg" | "AzureADMultipleOrgs";
  /** Deleted from the tenant: every token request gets AADSTS700016. */
  deleted?: boolean;
  secrets?: Secret[];
  certificates?: Certificate[];
  federatedCredentials?: { name: string; issuer: string; subject: string; audiences?: string[] }[];
  /**
   * What Graph lets this principal read: `all` (Application.Read.All), `self` (its own app only:
   * Application.ReadWrite.OwnedBy with the principal an owner of its registration), `none` (403). Default `self`.
   */
  graphAccess?: "all" | "self" | "none";
}

export interface Secret {
  keyId: string;
  displayName?: string;
  /** The secret text the client presents. Graph's `hint` is its first three characters. */
  value: string;
  startDateTime?: RelativeDate;
  endDateTime: RelativeDate;
}

export interface Certificate {
  keyId: string;
  displayName?: string;
  /** SHA-1 thumbprint, hex upper case (Graph `customKeyIdentifier`). */
  thumbprint: string;
  /** SHA-256 thumbprint, hex: matched against the `x5t#S256` header MSAL sends for certificate assertions. */
  thumbprintSha256?: string;
  endDateTime: RelativeDate;
}

export interface Registry {
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  sku: "Basic" | "Standard" | "Premium";
  /** Merged over sensible defaults (loginServer `<name>.azurecr.io`, publicNetworkAccess Enabled, …). */
  properties?: Record<string, unknown>;
  /**
   * What the data plane enforces when it differs from ARM's `networkRuleSet` (rule propagation lag):
   * defaultAction and ipRules as the registry front end currently applies them.
   */
  dataPlaneNetworkRules?: { defaultAction: "Allow" | "Deny"; ipRules: string[] };
  /** `listUsages` values; missing ones get SKU defaults with currentValue 0. Size in bytes. */
  usages?: { name: string; currentValue: number; limit?: number }[];
  replications?: {
    location: string;
    provisioningState?: string;
    status?: string;
    regionEndpointEnabled?: boolean;
  }[];
  scopeMaps?: { name: string; actions: string[]; type?: "SystemDefined" | "UserDefined" }[];
  tokens?: {
    name: string;
    scopeMap: string;
    status?: "enabled" | "disabled";
    passwords?: { name: "password1" | "password2"; value: string; expiry?: RelativeDate }[];
  }[];
  repositories?: Repository[];
  /** Admin user credentials (when `properties.adminUserEnabled`). */
  adminPassword?: string;
}

export interface Repository {
  name: string;
  tags: {
    name: string;
    /** Platforms the tag's manifest (list) offers, e.g. ["linux/amd64", "linux/arm64"]; default ["linux/amd64"]. */
    platforms?: string[];
  }[];
}

export interface RoleAssignment {
  /** ARM scope: a subscription, resource group or registry id. */
  scope: string;
  /** Built-in role name (e.g. "AcrPush", "Container Registry Repository Reader") or a role definition GUID. */
  role: string;
  /** User, group or service-principal object id. */
  principalId: string;
  principalType?: "ServicePrincipal" | "Group" | "User";
  /** ABAC condition text (conditionVersion 2.0). */
  condition?: string;
}

export interface PolicyState {
  resourceId: string;
  policyAssignmentName: string;
  policyDefinitionName: string;
  complianceState: "Compliant" | "NonCompliant";
  effect?: string;
}

export interface Fault {
  /** Host (exact, lower case) the fault applies to; `*` = every host. */
  host: string;
  /** Path prefix or RegExp source; default every path. */
  path?: string;
  method?: string;
  kind: "latency" | "status" | "hang" | "reset";
  /** latency: ms added; status: the status sent (429 sends Retry-After). */
  ms?: number;
  status?: number;
  retryAfterSeconds?: number;
  /** How many matching requests it hits (default: all). */
  times?: number;
}
