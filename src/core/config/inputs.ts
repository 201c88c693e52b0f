/**
 * Every input common to all surfaces (SPEC §2), in SPEC order: the one source for the parser's
 * error lines, action.yml, task.json and the README. Surface-specific auth inputs live in the adapters.
 */
export interface InputSpec {
  /** Action input / CLI flag name (kebab-case). */
  name: string;
  /** Azure Pipelines task input name (camelCase). */
  adoName: string;
  /** Default as the user would write it; undefined when required, detected or surface-specific. */
  default?: string;
  /** One user-facing sentence. */
  description: string;
  /** What values are accepted; reads after "use " in error lines. */
  accepted: string;
}

export const INPUTS = [
  {
    name: "registry",
    adoName: "registry",
    description:
      "Registries to check, by name or login server; required in preflight mode, optional in audit mode (then every visible registry).",
    accepted:
      "registry names or login servers, e.g. myreg or myreg.azurecr.io, separated by commas or newlines",
  },
  {
    name: "subscription-id",
    adoName: "subscriptionId",
    description:
      "Subscription to look in first; without it the registry is found with Resource Graph across every visible subscription.",
    accepted: "a subscription GUID, e.g. 00000000-0000-0000-0000-000000000000",
  },
  {
    name: "resource-group",
    adoName: "resourceGroup",
    description: "Resource group of the registry, to narrow the lookup.",
    accepted: "a resource group name (1-90 letters, digits, '.', '_', '-', '(', ')', not ending in '.')",
  },
  {
    name: "operations",
    adoName: "operations",
    default: "pull",
    description: "What the job will do with the registry.",
    accepted: "pull, push and/or delete, separated by commas",
  },
  {
    name: "repositories",
    adoName: "repositories",
    description: "Repositories the job will touch; data-plane permissions are proven for each.",
    accepted: "lower-case repository names such as team/api, separated by commas or newlines",
  },
  {
    name: "images",
    adoName: "images",
    description: "Images that must exist before a deploy job pulls them.",
    accepted: "repo:tag or repo@sha256:<64 hex digits>, separated by commas or newlines",
  },
  {
    name: "platform",
    adoName: "platform",
    description: "Platform every image in `images` must offer.",
    accepted: "os/arch or os/arch/variant, e.g. linux/amd64, windows/amd64 or linux/arm64/v8",
  },
  {
    name: "job-duration",
    adoName: "jobDuration",
    default: "60m",
    description: "How long the job keeps using its credentials after this step.",
    accepted: "90m, 2h or 1h30m",
  },
  {
    name: "expiry-warning",
    adoName: "expiryWarning",
    default: "30d",
    description: "Warn when a credential expires within this window.",
    accepted: "a duration such as 30d, 7d or 12h",
  },
  {
    name: "storage-warning",
    adoName: "storageWarning",
    default: "80",
    description: "Percent of the registry's included storage at which to warn.",
    accepted: "a whole percent from 1 to 100, e.g. 80",
  },
  {
    name: "expected-push-size",
    adoName: "expectedPushSize",
    description: "Size the job will push, added to current usage for the storage forecast.",
    accepted: "a size such as 2GiB, 500MB or 1048576 (bytes)",
  },
  {
    name: "login-method",
    adoName: "loginMethod",
    default: "az-acr-login",
    description: "How the job will authenticate to the registry.",
    accepted: "az-acr-login, service-principal, repository-token, admin or managed-identity",
  },
  {
    name: "token-name",
    adoName: "tokenName",
    description: "The repository-scoped token the job uses; required with login-method repository-token.",
    accepted: "the token's name as in `az acr token list`",
  },
  {
    name: "aks-cluster",
    adoName: "aksCluster",
    description: "An AKS cluster that will pull from the registry (deploy jobs).",
    accepted:
      "a cluster name or its resource id /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ContainerService/managedClusters/<name>",
  },
  {
    name: "runner-ip",
    adoName: "runnerIp",
    description:
      "The runner's egress IPv4; detected from the registry's firewall answer, else from ip-echo-url.",
    accepted: "an IPv4 address such as 20.61.1.2",
  },
  {
    name: "ip-echo-url",
    adoName: "ipEchoUrl",
    default: "https://api.ipify.org",
    description: "Plain-text IP echo service used to detect the runner's egress IP; `none` disables it.",
    accepted: "an https:// URL or none",
  },
  {
    name: "runner-kind",
    adoName: "runnerKind",
    description: "Where the job runs; detected from the platform when not given.",
    accepted: "github-hosted, ado-hosted or self-hosted",
  },
  {
    name: "service-tags-file",
    adoName: "serviceTagsFile",
    description: "A downloaded weekly ServiceTags_*.json; otherwise the ARM Service Tags API is used.",
    accepted: "the path of a ServiceTags_*.json file",
  },
  {
    name: "checks",
    adoName: "checks",
    description: "Check ids to run instead of every check of the mode.",
    accepted: "check ids separated by commas, or all",
  },
  {
    name: "skip-checks",
    adoName: "skipChecks",
    description: "Check ids not to run.",
    accepted: "check ids separated by commas, or none",
  },
  {
    name: "fail-on",
    adoName: "failOn",
    default: "error",
    description: "Which result fails the step: `error`, `warning` (errors and warnings) or `never`.",
    accepted: "error, warning or never",
  },
  {
    name: "mode",
    adoName: "mode",
    default: "preflight",
    description:
      "`preflight` checks one job's identity and runner; `audit` checks many registries without runner-specific checks.",
    accepted: "preflight or audit",
  },
  {
    name: "report-dir",
    adoName: "reportDir",
    description:
      "Where report.json, report.md and report.sarif are written (default: $RUNNER_TEMP/acr-preflight, $AGENT_TEMPDIRECTORY/acr-preflight, CLI ./acr-preflight-report).",
    accepted: "a directory path",
  },
  {
    name: "environment",
    adoName: "environment",
    default: "AzureCloud",
    description: "The Azure cloud the registry lives in.",
    accepted: "AzureCloud, AzureUSGovernment or AzureChinaCloud",
  },
  {
    name: "arm-endpoint",
    adoName: "armEndpoint",
    description: "Overrides the cloud's Azure Resource Manager endpoint (sovereign clouds, Azure Stack).",
    accepted: "an https:// URL such as https://management.azure.com",
  },
  {
    name: "authority-host",
    adoName: "authorityHost",
    description: "Overrides the cloud's Microsoft Entra authority host.",
    accepted: "an https:// URL such as https://login.microsoftonline.com",
  },
  {
    name: "graph-endpoint",
    adoName: "graphEndpoint",
    description: "Overrides the cloud's Microsoft Graph endpoint.",
    accepted: "an https:// URL such as https://graph.microsoft.com",
  },
] as const satisfies readonly InputSpec[];

export type InputName = (typeof INPUTS)[number]["name"];

export const INPUT_NAMES: readonly InputName[] = INPUTS.map((i) => i.name);

export function inputSpec(name: InputName): InputSpec {
  return INPUTS.find((i) => i.name === name) as InputSpec;
}
