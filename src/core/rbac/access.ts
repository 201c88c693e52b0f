import type { Operation } from "../config/types.js";
import type { PermissionSet } from "./roles.js";

/** `properties.roleAssignmentMode`, shortened: which roles the registry's data plane honours (acr-facts §5.1). */
export type RoleAssignmentMode = "legacy" | "abac";

export interface RequiredPermission {
  kind: "action" | "dataAction";
  name: string;
}

const ACR = "Microsoft.ContainerRegistry/registries";

/**
 * What each operation needs, per mode: legacy registries honour control-plane actions (AcrPull,
 * AcrPush, Owner …), ABAC registries only the repository dataActions (Repository Reader/Writer/Contributor).
 */
export const REQUIRED_PERMISSION: Record<RoleAssignmentMode, Record<Operation, RequiredPermission>> = {
  legacy: {
    pull: { kind: "action", name: `${ACR}/pull/read` },
    push: { kind: "action", name: `${ACR}/push/write` },
    delete: { kind: "action", name: `${ACR}/artifacts/delete` },
  },
  abac: {
    pull: { kind: "dataAction", name: `${ACR}/repositories/content/read` },
    push: { kind: "dataAction", name: `${ACR}/repositories/content/write` },
    delete: { kind: "dataAction", name: `${ACR}/repositories/content/delete` },
  },
};

/** Azure RBAC semantics: an entry allows what its actions match minus its notActions; entries add up. */
export function permits(permissions: readonly PermissionSet[], required: RequiredPermission): boolean {
  return permissions.some((set) => {
    const [allowed, denied] =
      required.kind === "action" ? [set.actions, set.notActions] : [set.dataActions, set.notDataActions];
    return (
      (allowed ?? []).some((p) => actionMatches(p, required.name)) &&
      !(denied ?? []).some((p) => actionMatches(p, required.name))
    );
  });
}

/** ARM action pattern match: `*` matches any run of characters, case-insensitive. */
export function actionMatches(pattern: string, action: string): boolean {
  return wildcardMatches(pattern, action, { ignoreCase: true });
}

/** `*` matches any run of characters; everything else literally. */
export function wildcardMatches(pattern: string, value: string, options: { ignoreCase: boolean }): boolean {
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`, options.ignoreCase ? "is" : "s").test(value);
}

export function modeOf(roleAssignmentMode: string | undefined): RoleAssignmentMode {
  return roleAssignmentMode === "AbacRepositoryPermissions" ? "abac" : "legacy";
}
