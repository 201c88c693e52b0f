import { INPUTS, type InputSpec } from "../core/config/inputs.js";

/** The AzureRM service connection input, named as in Microsoft's own Azure tasks (AzureCLI@2). */
export const SERVICE_CONNECTION_INPUT = "azureSubscription";

/** Fixed for the life of the task: Azure DevOps identifies the task by it. */
export const TASK_ID = "ec156b4e-a6cd-4e7f-b689-6cede445ef30";
export const TASK_VERSION = { Major: 1, Minor: 0, Patch: 0 };
/** The first agent with the Node24 handler (azure-pipelines-tasks docs/migrateNode24.md). */
export const MINIMUM_AGENT_VERSION = "4.265.1";
/** Bundle built by `npm run build:ado`, relative to ado-task/. */
export const TASK_TARGET = "dist/index.cjs";

export const OUTPUT_VARIABLES = [
  { name: "result", description: "pass, warning or error: the worst status over all checks and registries." },
  { name: "errorCount", description: "Number of error findings." },
  { name: "warningCount", description: "Number of warning findings." },
  { name: "reportPath", description: "Absolute path of report.json." },
  { name: "sarifPath", description: "Absolute path of report.sarif (SARIF 2.1.0)." },
] as const;

const GROUPS = [
  { name: "job", displayName: "What the job will do", isExpanded: true },
  { name: "azure", displayName: "Azure", isExpanded: false },
  { name: "network", displayName: "Runner network", isExpanded: false },
  { name: "thresholds", displayName: "Thresholds", isExpanded: false },
  { name: "run", displayName: "Checks and reports", isExpanded: false },
] as const;

type GroupName = (typeof GROUPS)[number]["name"];

const GROUP_OF: Record<string, GroupName> = {
  operations: "job",
  repositories: "job",
  images: "job",
  platform: "job",
  jobDuration: "job",
  loginMethod: "job",
  tokenName: "job",
  aksCluster: "job",
  subscriptionId: "azure",
  resourceGroup: "azure",
  environment: "azure",
  armEndpoint: "azure",
  authorityHost: "azure",
  graphEndpoint: "azure",
  runnerIp: "network",
  ipEchoUrl: "network",
  runnerKind: "network",
  serviceTagsFile: "network",
  expiryWarning: "thresholds",
  storageWarning: "thresholds",
  expectedPushSize: "thresholds",
  checks: "run",
  skipChecks: "run",
  failOn: "run",
  mode: "run",
  reportDir: "run",
};

/** Inputs that take one entry per line in the classic editor. */
const MULTI_LINE = new Set(["registry", "repositories", "images"]);

const SPEC_OVERRIDES: Record<string, Partial<InputSpec>> = {
  subscriptionId: {
    description:
      "Subscription to look in first (default: the service connection's); without one the registry is found with Resource Graph across every visible subscription.",
  },
  environment: {
    description:
      "The Azure cloud the registry lives in (default: the service connection's cloud): AzureCloud, AzureUSGovernment or AzureChinaCloud.",
  },
};

/** ado-task/task.json: the SPEC inputs (INPUTS) after the service connection, in SPEC order. */
export function taskManifest() {
  return {
    $schema: "https://raw.githubusercontent.com/Microsoft/azure-pipelines-task-lib/master/tasks.schema.json",
    id: TASK_ID,
    name: "AcrPreflight",
    friendlyName: "Azure Container Registry preflight",
    description:
      "Read-only preflight for Azure Container Registry: finds the root cause of 401/403/ImagePullBackOff/429 failures before the job pushes or pulls.",
    helpMarkDown: "[acr-preflight](https://github.com/acr-preflight/acr-preflight#azure-pipelines)",
    category: "Utility",
    author: "acr-preflight",
    version: TASK_VERSION,
    minimumAgentVersion: MINIMUM_AGENT_VERSION,
    instanceNameFormat: "ACR preflight $(registry)",
    groups: GROUPS,
    inputs: [
      {
        name: SERVICE_CONNECTION_INPUT,
        aliases: ["connectedServiceNameARM"],
        type: "connectedService:AzureRM",
        label: "Azure Resource Manager connection",
        required: true,
        helpMarkDown:
          "The AzureRM service connection the job uses: workload identity federation, service principal secret or certificate, or managed identity. With workload identity federation, map `SYSTEM_ACCESSTOKEN: $(System.AccessToken)` into the task's env.",
      },
      ...INPUTS.map((input) => {
        const spec = { ...input, ...SPEC_OVERRIDES[input.adoName] };
        const group = GROUP_OF[input.adoName];
        return {
          name: input.adoName,
          type: MULTI_LINE.has(input.adoName) ? "multiLine" : "string",
          label: labelOf(input.name),
          defaultValue: "default" in input ? input.default : "",
          required: false,
          ...(group ? { groupName: group } : {}),
          helpMarkDown: `${spec.description} Accepted: ${spec.accepted}.`,
        };
      }),
    ],
    outputVariables: OUTPUT_VARIABLES,
    execution: { Node24: { target: TASK_TARGET, argumentFormat: "" } },
    // Read-only tool: it may set its own output variables and nothing else.
    restrictions: { settableVariables: { allowed: OUTPUT_VARIABLES.map((v) => v.name) } },
  };
}

/** `job-duration` → `Job duration`; `ip-echo-url` → `IP echo URL`. */
function labelOf(kebab: string): string {
  const words = kebab
    .split("-")
    .map((word) => (["ip", "url", "arm", "aks"].includes(word) ? word.toUpperCase() : word));
  const [first = "", ...rest] = words;
  return [first.charAt(0).toUpperCase() + first.slice(1), ...rest].join(" ");
}
