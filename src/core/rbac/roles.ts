/**
 * Built-in Azure roles that matter for a container registry (acr-facts §5.1): the core's one table.
 * Assignments naming these GUIDs are resolved here without fetching their definitions.
 */

/** One `permissions[]` entry of a role definition (same shape as the permissions API returns). */
export interface PermissionSet {
  actions?: string[];
  notActions?: string[];
  dataActions?: string[];
  notDataActions?: string[];
}

export interface RoleDefinition {
  /** The role definition GUID. */
  id: string;
  name: string;
  builtIn: boolean;
  permissions: PermissionSet[];
}

const ACR = "Microsoft.ContainerRegistry/registries";
const REPOSITORY_READ = [`${ACR}/repositories/metadata/read`, `${ACR}/repositories/content/read`];
const REPOSITORY_WRITE = [
  ...REPOSITORY_READ,
  `${ACR}/repositories/metadata/write`,
  `${ACR}/repositories/content/write`,
];
const REPOSITORY_DELETE = [
  ...REPOSITORY_WRITE,
  `${ACR}/repositories/metadata/delete`,
  `${ACR}/repositories/content/delete`,
];

function builtIn(id: string, name: string, permissions: PermissionSet): RoleDefinition {
  return { id, name, builtIn: true, permissions: [permissions] };
}

export const BUILT_IN_ROLES: readonly RoleDefinition[] = [
  builtIn("7f951dda-4ed3-4680-a7ca-43fe172d538d", "AcrPull", { actions: [`${ACR}/pull/read`] }),
  builtIn("8311e382-0749-4cb8-b61a-304f252e45ec", "AcrPush", {
    actions: [`${ACR}/pull/read`, `${ACR}/push/write`],
  }),
  builtIn("c2f4ef07-c644-48eb-af81-4b1b4947fb11", "AcrDelete", { actions: [`${ACR}/artifacts/delete`] }),
  builtIn("b93aa761-3e63-49ed-ac28-beffa264f7ac", "Container Registry Repository Reader", {
    dataActions: REPOSITORY_READ,
  }),
  builtIn("2a1e307c-b015-4ebd-883e-5b7698a07328", "Container Registry Repository Writer", {
    dataActions: REPOSITORY_WRITE,
  }),
  builtIn("2efddaa5-3f1f-4df3-97df-af3f13818f4c", "Container Registry Repository Contributor", {
    dataActions: REPOSITORY_DELETE,
  }),
  builtIn("bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7", "Container Registry Repository Catalog Lister", {
    dataActions: [`${ACR}/catalog/read`],
  }),
  builtIn("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader", { actions: ["*/read"] }),
  builtIn("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor", {
    actions: ["*"],
    notActions: [
      "Microsoft.Authorization/*/Delete",
      "Microsoft.Authorization/*/Write",
      "Microsoft.Authorization/elevateAccess/Action",
    ],
  }),
  builtIn("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner", { actions: ["*"] }),
];

/** Owner, Contributor and custom roles with every action: far more than a registry job needs. */
export function grantsEveryAction(role: RoleDefinition): boolean {
  return role.permissions.some((set) => set.actions?.includes("*"));
}

/** The GUID at the end of a role definition id (`/subscriptions/…/roleDefinitions/<guid>`), lower case. */
export function roleDefinitionGuid(roleDefinitionId: string): string {
  return (roleDefinitionId.split("/").pop() ?? roleDefinitionId).toLowerCase();
}

export function builtInRole(roleDefinitionId: string): RoleDefinition | undefined {
  const guid = roleDefinitionGuid(roleDefinitionId);
  return BUILT_IN_ROLES.find((role) => role.id === guid);
}

export function builtInRoleNamed(name: string): RoleDefinition {
  const role = BUILT_IN_ROLES.find((r) => r.name === name);
  if (!role) throw new Error(`no built-in role named ${name}`);
  return role;
}
