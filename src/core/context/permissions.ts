import type { PermissionSet } from "../rbac/roles.js";
import { requireRegistry } from "./registry-lookup.js";
import type { Readable } from "./readable.js";
import { unreadable } from "./readable.js";
import { AUTHORIZATION_API_VERSION } from "./role-assignments.js";
import { registryFact } from "./scope.js";

/**
 * The caller's own effective permissions at the registry (Permissions_ListForResource): readable
 * by identities that may not list role assignments, but without scopes or ABAC conditions.
 */
export const callerPermissionsFact = registryFact(
  "caller-permissions",
  async (ctx): Promise<Readable<PermissionSet[]>> => {
    const registry = await requireRegistry(ctx);
    try {
      const value = await ctx.apis.arm.getAllPages<PermissionSet>(
        `${registry.id}/providers/Microsoft.Authorization/permissions`,
        { "api-version": AUTHORIZATION_API_VERSION },
      );
      return { readable: true, value };
    } catch (error) {
      return unreadable(error);
    }
  },
);
