import type { Operation } from "../config/types.js";
import type { RoleAssignmentMode } from "./access.js";
import { builtInRoleNamed } from "./roles.js";

export interface GrantTarget {
  mode: RoleAssignmentMode;
  operations: readonly Operation[];
  assignee: string;
  registryId: string;
  /** Repositories the job touches; on ABAC registries the grant is limited to them. */
  repositories: readonly string[];
}

/** The least role(s) that grant `operations` on this registry, honouring its role-assignment mode (acr-facts §5.1). */
export function rolesFor(mode: RoleAssignmentMode, operations: readonly Operation[]): string[] {
  const needs = (op: Operation) => operations.includes(op);
  if (mode === "abac") {
    const level = needs("delete") ? "Contributor" : needs("push") ? "Writer" : "Reader";
    return [`Container Registry Repository ${level}`];
  }
  return [
    ...(needs("push") ? ["AcrPush"] : needs("pull") ? ["AcrPull"] : []),
    ...(needs("delete") ? ["AcrDelete"] : []),
  ];
}

/** `az role assignment create` commands that grant the operations, with an ABAC condition for the repositories. */
export function grantCommands(target: GrantTarget): string[] {
  return rolesFor(target.mode, target.operations).map((role) => {
    const base = `az role assignment create --assignee ${target.assignee} --role "${role}" --scope ${target.registryId}`;
    if (target.mode !== "abac" || target.repositories.length === 0) return base;
    return `${base} --condition "${repositoryCondition(role, target.repositories)}" --condition-version 2.0`;
  });
}

/**
 * The documented ACR condition shape: the role's data actions are allowed only when the repository
 * is one of `repositories`. It names every data action of the role, since a condition only limits
 * the actions it names.
 */
export function repositoryCondition(role: string, repositories: readonly string[]): string {
  const dataActions = builtInRoleNamed(role).permissions.flatMap((set) => set.dataActions ?? []);
  const notActions = dataActions.map((action) => `!(ActionMatches{'${action}'})`).join(" AND ");
  const names = repositories
    .map(
      (repository) =>
        `@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase '${repository}'`,
    )
    .join(" OR ");
  return `((${notActions}) OR (${names}))`;
}
