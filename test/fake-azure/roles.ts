/**
 * Built-in role definitions the fake knows (acr-facts §5.1), with their real GUIDs.
 * Actions of the less common ACR roles are abbreviated where the facts do not transcribe them.
 */
export interface RoleDefinition {
  id: string;
  roleName: string;
  description: string;
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

const ACR = "Microsoft.ContainerRegistry/registries";

function role(
  id: string,
  roleName: string,
  description: string,
  permissions: Partial<Pick<RoleDefinition, "actions" | "notActions" | "dataActions" | "notDataActions">>,
): RoleDefinition {
  return {
    id,
    roleName,
    description,
    actions: [],
    notActions: [],
    dataActions: [],
    notDataActions: [],
    ...permissions,
  };
}

const REPOSITORY_READ = [`${ACR}/repositories/metadata/read`, `${ACR}/repositories/content/read`];
const REPOSITORY_WRITE = [
  ...REPOSITORY_READ,
  `${ACR}/repositories/metadata/write`,
  `${ACR}/repositories/content/write`,
];
const REPOSITORY_ALL = [
  ...REPOSITORY_WRITE,
  `${ACR}/repositories/metadata/delete`,
  `${ACR}/repositories/content/delete`,
];

export const BUILT_IN_ROLES: RoleDefinition[] = [
  role("7f951dda-4ed3-4680-a7ca-43fe172d538d", "AcrPull", "acr pull", { actions: [`${ACR}/pull/read`] }),
  role("8311e382-0749-4cb8-b61a-304f252e45ec", "AcrPush", "acr push", {
    actions: [`${ACR}/pull/read`, `${ACR}/push/write`],
  }),
  role("c2f4ef07-c644-48eb-af81-4b1b4947fb11", "AcrDelete", "acr delete", {
    actions: [`${ACR}/artifacts/delete`],
  }),
  role("6cef56e8-d556-48e5-a04f-b8e64114680f", "AcrImageSigner", "acr image signer", {
    actions: [`${ACR}/sign/write`],
    dataActions: [`${ACR}/trustedCollections/write`],
  }),
  role("cdda3590-29a3-44f6-95f2-9f980659eb04", "AcrQuarantineReader", "acr quarantine data reader", {
    actions: [`${ACR}/quarantine/read`],
  }),
  role("c8d4ff99-41c3-41a8-9f60-21dfdad59608", "AcrQuarantineWriter", "acr quarantine data writer", {
    actions: [`${ACR}/quarantine/read`, `${ACR}/quarantine/write`],
  }),
  role(
    "b93aa761-3e63-49ed-ac28-beffa264f7ac",
    "Container Registry Repository Reader",
    "Allows read access to repositories (ABAC registries).",
    { dataActions: REPOSITORY_READ },
  ),
  role(
    "2a1e307c-b015-4ebd-883e-5b7698a07328",
    "Container Registry Repository Writer",
    "Allows read and write access to repositories (ABAC registries).",
    { dataActions: REPOSITORY_WRITE },
  ),
  role(
    "2efddaa5-3f1f-4df3-97df-af3f13818f4c",
    "Container Registry Repository Contributor",
    "Allows read, write and delete access to repositories (ABAC registries).",
    { dataActions: REPOSITORY_ALL },
  ),
  role(
    "bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7",
    "Container Registry Repository Catalog Lister",
    "Allows listing all repositories (ABAC registries).",
    { dataActions: [`${ACR}/catalog/read`] },
  ),
  role(
    "577a9874-89fd-4f24-9dbd-b5034d0ad23a",
    "Container Registry Data Importer and Data Reader",
    "Allows importing images and reading repositories.",
    { actions: [`${ACR}/importImage/action`, `${ACR}/read`], dataActions: REPOSITORY_READ },
  ),
  role(
    "3bc748fc-213d-45c1-8d91-9da5725539b9",
    "Container Registry Contributor and Data Access Configuration Administrator",
    "Manages registries, tokens and scope maps.",
    {
      actions: [
        `${ACR}/read`,
        `${ACR}/write`,
        `${ACR}/delete`,
        `${ACR}/tokens/*`,
        `${ACR}/scopeMaps/*`,
        `${ACR}/listCredentials/action`,
        `${ACR}/regenerateCredential/action`,
        `${ACR}/generateCredentials/action`,
        "Microsoft.Resources/subscriptions/resourceGroups/read",
      ],
    },
  ),
  role("fb382eab-e894-4461-af04-94435c366c3f", "Container Registry Tasks Contributor", "Manages ACR tasks.", {
    actions: [`${ACR}/tasks/*`, `${ACR}/runs/*`, `${ACR}/taskRuns/*`, `${ACR}/scheduleRun/action`],
  }),
  role(
    "bf94e731-3a51-4a7c-8c54-a1ab9971dfc1",
    "Container Registry Transfer Pipeline Contributor",
    "Manages transfer pipelines.",
    { actions: [`${ACR}/importPipelines/*`, `${ACR}/exportPipelines/*`, `${ACR}/pipelineRuns/*`] },
  ),
  role(
    "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Reader",
    "View all resources, but does not allow you to make any changes.",
    {
      actions: ["*/read"],
    },
  ),
  role(
    "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Contributor",
    "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.",
    {
      actions: ["*"],
      notActions: [
        "Microsoft.Authorization/*/Delete",
        "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action",
        "Microsoft.Blueprint/blueprintAssignments/write",
        "Microsoft.Blueprint/blueprintAssignments/delete",
        "Microsoft.Compute/galleries/share/action",
        "Microsoft.Purview/consents/write",
        "Microsoft.Purview/consents/delete",
        "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
        "Microsoft.Subscription/cancel/action",
        "Microsoft.Subscription/enable/action",
      ],
    },
  ),
  role("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner", "Grants full access to manage all resources.", {
    actions: ["*"],
  }),
  role(
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    "Role Based Access Control Administrator",
    "Manage access to Azure resources by assigning roles using Azure RBAC.",
    {
      actions: [
        "Microsoft.Authorization/roleAssignments/write",
        "Microsoft.Authorization/roleAssignments/delete",
        "*/read",
        "Microsoft.Support/*",
      ],
    },
  ),
  role(
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "User Access Administrator",
    "Lets you manage user access to Azure resources.",
    {
      actions: ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
    },
  ),
];

/** A role by built-in name (case-insensitive) or definition GUID. */
export function findRole(nameOrId: string): RoleDefinition | undefined {
  const key = nameOrId.toLowerCase().replace(/^.*\/roledefinitions\//, "");
  return BUILT_IN_ROLES.find((r) => r.id === key || r.roleName.toLowerCase() === key);
}
