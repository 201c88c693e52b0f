import type { Registry, RoleAssignment, Scenario } from "./scenario.js";
import { findRole, type RoleDefinition } from "./roles.js";

/**
 * The fake's model of Azure RBAC: scope inheritance (subscription → resource group → resource),
 * group membership, actions with wildcards minus notActions, and what the registry data plane
 * grants in legacy and ABAC mode (acr-facts §5).
 */
export class Rbac {
  constructor(private readonly scenario: Scenario) {}

  /** The principal plus every group it belongs to, transitively. */
  identitiesOf(principalId: string): Set<string> {
    const ids = new Set([principalId.toLowerCase()]);
    for (let grew = true; grew;) {
      grew = false;
      for (const group of this.scenario.groups ?? []) {
        const id = group.objectId.toLowerCase();
        if (!ids.has(id) && group.members.some((m) => ids.has(m.toLowerCase()))) {
          ids.add(id);
          grew = true;
        }
      }
    }
    return ids;
  }

  /** Assignments of the principal (directly or through groups) that cover `scope` (at or above it). */
  applicable(principalId: string, scope: string): RoleAssignment[] {
    const ids = this.identitiesOf(principalId);
    return this.scenario.roleAssignments.filter(
      (a) => ids.has(a.principalId.toLowerCase()) && scopeCovers(a.scope, scope),
    );
  }

  /** Whether a control-plane action is allowed at `scope` (ARM authorisation). */
  can(principalId: string, action: string, scope: string): boolean {
    return this.applicable(principalId, scope).some((a) => {
      const role = roleOf(a);
      return allows(role.actions, role.notActions, action);
    });
  }

  /** Whether the principal has any assignment inside (or above) the subscription: it can see it. */
  seesSubscription(principalId: string, subscriptionId: string): boolean {
    const ids = this.identitiesOf(principalId);
    const sub = `/subscriptions/${subscriptionId}`.toLowerCase();
    return this.scenario.roleAssignments.some(
      (a) => ids.has(a.principalId.toLowerCase()) && (scopeCovers(a.scope, sub) || scopeCovers(sub, a.scope)),
    );
  }

  /**
   * Docker actions the registry grants an Entra identity on one repository (or `catalog`),
   * before intersecting with what was requested.
   */
  dataPlaneActions(
    registry: Registry,
    registryId: string,
    principalId: string,
    target: DataPlaneTarget,
  ): string[] {
    const abac = registry.properties?.roleAssignmentMode === "AbacRepositoryPermissions";
    const granted = new Set<string>();
    for (const assignment of this.applicable(principalId, registryId)) {
      if (abac && target.type === "repository" && !conditionAllows(assignment.condition, target.name))
        continue;
      const role = roleOf(assignment);
      const [table, patterns, notPatterns] = abac
        ? [ABAC_DATA_ACTIONS, role.dataActions, role.notDataActions]
        : [LEGACY_ACTIONS, role.actions, role.notActions];
      for (const [action, dockerActions] of table) {
        if (allows(patterns, notPatterns, action)) dockerActions.forEach((d) => granted.add(d));
      }
    }
    // Legacy: whoever may pull may list the catalog; ABAC: only Catalog Lister.
    if (target.type === "registry") return granted.has(abac ? "catalog" : "pull") ? ["*"] : [];
    return [...granted].filter((a) => a !== "catalog");
  }
}

export type DataPlaneTarget = { type: "repository"; name: string } | { type: "registry"; name: "catalog" };

const ACR = "Microsoft.ContainerRegistry/registries";
const CATALOG_READ = `${ACR}/catalog/read`;

/** Legacy mode: control-plane actions of the role decide (AcrPull/AcrPush/AcrDelete, Owner/Contributor/Reader). */
const LEGACY_ACTIONS: [string, string[]][] = [
  [`${ACR}/pull/read`, ["pull", "metadata_read"]],
  [`${ACR}/push/write`, ["push", "metadata_write"]],
  [`${ACR}/artifacts/delete`, ["delete"]],
];

/** ABAC mode: only data actions count (Container Registry Repository * roles). */
const ABAC_DATA_ACTIONS: [string, string[]][] = [
  [`${ACR}/repositories/content/read`, ["pull"]],
  [`${ACR}/repositories/metadata/read`, ["metadata_read"]],
  [`${ACR}/repositories/content/write`, ["push"]],
  [`${ACR}/repositories/metadata/write`, ["metadata_write"]],
  [`${ACR}/repositories/content/delete`, ["delete"]],
  [CATALOG_READ, ["catalog"]],
];

export function roleOf(assignment: RoleAssignment): RoleDefinition {
  const role = findRole(assignment.role);
  if (!role) throw new Error(`fake-azure: unknown role '${assignment.role}' in scenario roleAssignments`);
  return role;
}

/** Whether an assignment at `assignmentScope` applies at `scope` (same, or a parent of it). */
export function scopeCovers(assignmentScope: string, scope: string): boolean {
  const parent = assignmentScope.toLowerCase().replace(/\/+$/, "");
  const child = scope.toLowerCase().replace(/\/+$/, "");
  return parent === "" || child === parent || child.startsWith(`${parent}/`);
}

export function allows(patterns: string[], notPatterns: string[], action: string): boolean {
  return patterns.some((p) => actionMatches(p, action)) && !notPatterns.some((p) => actionMatches(p, action));
}

/** Azure action wildcards: `*` matches any characters, comparison is case-insensitive. */
export function actionMatches(pattern: string, action: string): boolean {
  return globToRegExp(pattern).test(action);
}

function globToRegExp(glob: string): RegExp {
  const source = glob
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`, "i");
}

const REPOSITORY_CLAUSE =
  /@Request\[Microsoft\.ContainerRegistry\/registries\/repositories:name\]\s+(StringEqualsIgnoreCase|StringStartsWithIgnoreCase|StringLikeIgnoreCase)\s+'([^']*)'/gi;

/**
 * ABAC repository conditions: the role applies to a repository when any of the condition's
 * repository-name clauses matches it. No condition = every repository.
 */
export function conditionAllows(condition: string | undefined, repository: string): boolean {
  if (!condition?.trim()) return true;
  const name = repository.toLowerCase();
  for (const [, operator, value] of condition.matchAll(REPOSITORY_CLAUSE)) {
    const expected = value!.toLowerCase();
    if (operator === "StringEqualsIgnoreCase" && name === expected) return true;
    if (operator === "StringStartsWithIgnoreCase" && name.startsWith(expected)) return true;
    if (operator === "StringLikeIgnoreCase" && globToRegExp(expected).test(name)) return true;
  }
  return false;
}

const TOKEN_ACTIONS: [string, string][] = [
  ["content/read", "pull"],
  ["content/write", "push"],
  ["content/delete", "delete"],
  ["metadata/read", "metadata_read"],
  ["metadata/write", "metadata_write"],
];

/** Docker actions a repository-scoped token's scope map grants on one repository. */
export function scopeMapActions(scopeMapActionsList: string[], repository: string): string[] {
  const granted = new Set<string>();
  for (const entry of scopeMapActionsList) {
    const match = /^repositories\/(.+)\/(content|metadata)\/(read|write|delete)$/i.exec(entry);
    if (!match || !globToRegExp(match[1]!).test(repository)) continue;
    const docker = TOKEN_ACTIONS.find(([suffix]) => suffix === `${match[2]}/${match[3]}`.toLowerCase())?.[1];
    if (docker) granted.add(docker);
  }
  return [...granted];
}
