import { AzureHttpError } from "../azure/http.js";
import { type Readable, unreadable } from "./readable.js";
import type { PermissionSet, RoleDefinition } from "../rbac/roles.js";
import { builtInRole, roleDefinitionGuid } from "../rbac/roles.js";
import { SkipCheck } from "../checks/check.js";
import { principalFact } from "./entra-token.js";
import { requireRegistry } from "./registry-lookup.js";
import type { RegistryContext } from "./scope.js";
import { registryFact } from "./scope.js";

export const AUTHORIZATION_API_VERSION = "2022-04-01";

export interface RoleAssignmentView {
  scope: string;
  roleDefinitionId: string;
  /** Undefined when the definition could not be read (`definitionError` says why). */
  role?: RoleDefinition;
  definitionError?: string;
  principalId: string;
  principalType?: string;
  /** Granted through a group the identity is a member of. */
  viaGroup: boolean;
  condition?: string;
  conditionVersion?: string;
}

interface RawAssignment {
  properties: {
    scope: string;
    roleDefinitionId: string;
    principalId: string;
    principalType?: string;
    condition?: string | null;
    conditionVersion?: string | null;
  };
}

interface RawRoleDefinition {
  properties: { roleName: string; type?: string; permissions?: PermissionSet[] };
}

/** The identity's object id; role assignments are listed for it. */
export async function principalObjectId(ctx: RegistryContext): Promise<string> {
  const principal = await ctx.get(principalFact);
  if (!principal.objectId)
    throw new SkipCheck("prerequisite", "The Entra token carries no object id (`oid`) for the identity.");
  return principal.objectId;
}

/**
 * Every role assignment that applies to the identity at the registry: inherited from the resource
 * group, subscription and management groups, and through group membership (`assignedTo()`), each
 * with its role definition resolved (built-ins from the table, others fetched once each).
 */
export const roleAssignmentsFact = registryFact(
  "role-assignments",
  async (ctx): Promise<Readable<RoleAssignmentView[]>> => {
    const [registry, objectId] = await Promise.all([requireRegistry(ctx), principalObjectId(ctx)]);
    return listRoleAssignments(ctx, registry.id, `assignedTo('${objectId}')`, objectId);
  },
);

/**
 * Role assignments at `scope` matching an ARM `$filter`, each with its role definition resolved.
 * `viaGroup` is judged against `objectId` (the principal the assignments were listed for).
 */
export async function listRoleAssignments(
  ctx: RegistryContext,
  scope: string,
  filter: string,
  objectId?: string,
): Promise<Readable<RoleAssignmentView[]>> {
  let raw: RawAssignment[];
  try {
    raw = await ctx.apis.arm.getAllPages<RawAssignment>(
      `${scope}/providers/Microsoft.Authorization/roleAssignments`,
      {
        "api-version": AUTHORIZATION_API_VERSION,
        $filter: filter,
      },
    );
  } catch (error) {
    return unreadable(error);
  }
  const definitions = await resolveDefinitions(
    ctx,
    raw.map((a) => a.properties.roleDefinitionId),
  );
  const value = raw.map(({ properties: p }): RoleAssignmentView => {
    const definition = definitions.get(roleDefinitionGuid(p.roleDefinitionId));
    return {
      scope: p.scope,
      roleDefinitionId: p.roleDefinitionId,
      ...(definition && "role" in definition
        ? { role: definition.role }
        : { definitionError: definition?.error }),
      principalId: p.principalId,
      ...(p.principalType ? { principalType: p.principalType } : {}),
      viaGroup: objectId !== undefined && p.principalId.toLowerCase() !== objectId.toLowerCase(),
      ...(p.condition ? { condition: p.condition, conditionVersion: p.conditionVersion ?? undefined } : {}),
    };
  });
  return { readable: true, value };
}

/** `assignedTo()` also lists assignments below the scope; only those at or above the resource apply to it. */
export function applicableTo(resourceId: string, assignments: RoleAssignmentView[]): RoleAssignmentView[] {
  const id = resourceId.toLowerCase();
  return assignments.filter((a) => {
    const scope = a.scope.toLowerCase().replace(/\/$/, "");
    return scope === "" || id === scope || id.startsWith(`${scope}/`);
  });
}

type ResolvedDefinition = { role: RoleDefinition } | { error: string };

async function resolveDefinitions(
  ctx: RegistryContext,
  roleDefinitionIds: string[],
): Promise<Map<string, ResolvedDefinition>> {
  const unique = new Map(roleDefinitionIds.map((id) => [roleDefinitionGuid(id), id]));
  const entries = await Promise.all(
    [...unique].map(async ([guid, id]): Promise<[string, ResolvedDefinition]> => {
      const known = builtInRole(id);
      if (known) return [guid, { role: known }];
      try {
        const raw = await ctx.apis.arm.getJson<RawRoleDefinition>(id, {
          "api-version": AUTHORIZATION_API_VERSION,
        });
        const role: RoleDefinition = {
          id: guid,
          name: raw.properties.roleName,
          builtIn: raw.properties.type === "BuiltInRole",
          permissions: raw.properties.permissions ?? [],
        };
        return [guid, { role }];
      } catch (error) {
        if (!(error instanceof AzureHttpError)) throw error;
        return [guid, { error: error.message }];
      }
    }),
  );
  return new Map(entries);
}
