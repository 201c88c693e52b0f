/** Endpoints per Azure cloud. Everything host-shaped the tool talks to starts here or in ARM's answers. */
export type CloudName = "AzureCloud" | "AzureUSGovernment" | "AzureChinaCloud";

export interface CloudEndpoints {
  name: CloudName;
  /** ARM, e.g. https://management.azure.com (no trailing slash). */
  armEndpoint: string;
  /** Entra authority host, e.g. https://login.microsoftonline.com. */
  authorityHost: string;
  /** Microsoft Graph, e.g. https://graph.microsoft.com. */
  graphEndpoint: string;
  /** Login-server suffix of registries in this cloud, e.g. azurecr.io. */
  acrSuffix: string;
  /** Scope for ACR-audience Entra tokens. */
  acrScope: string;
}

export const CLOUDS: Record<CloudName, CloudEndpoints> = {
  AzureCloud: {
    name: "AzureCloud",
    armEndpoint: "https://management.azure.com",
    authorityHost: "https://login.microsoftonline.com",
    graphEndpoint: "https://graph.microsoft.com",
    acrSuffix: "azurecr.io",
    acrScope: "https://containerregistry.azure.net/.default",
  },
  AzureUSGovernment: {
    name: "AzureUSGovernment",
    armEndpoint: "https://management.usgovcloudapi.net",
    authorityHost: "https://login.microsoftonline.us",
    graphEndpoint: "https://graph.microsoft.us",
    acrSuffix: "azurecr.us",
    acrScope: "https://containerregistry.azure.net/.default",
  },
  AzureChinaCloud: {
    name: "AzureChinaCloud",
    armEndpoint: "https://management.chinacloudapi.cn",
    authorityHost: "https://login.chinacloudapi.cn",
    graphEndpoint: "https://microsoftgraph.chinacloudapi.cn",
    acrSuffix: "azurecr.cn",
    acrScope: "https://containerregistry.azure.net/.default",
  },
};

export const ALL_ACR_SUFFIXES = Object.values(CLOUDS).map((c) => c.acrSuffix);

export function armScope(cloud: CloudEndpoints): string {
  return `${cloud.armEndpoint}/.default`;
}

export function graphScope(cloud: CloudEndpoints): string {
  return `${cloud.graphEndpoint}/.default`;
}
