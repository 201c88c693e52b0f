import { ACR_API_VERSION } from "../azure/arm-types.js";
import { SkipCheck } from "../checks/check.js";
import { requireRegistry } from "./registry-lookup.js";
import { grantReaderCommand } from "./assignee.js";
import { isForbidden } from "./readable.js";
import { registryFact } from "./scope.js";

/** One `listUsages` entry (acr-facts §3.3). `Size` is in bytes and its limit is the included storage. */
export interface RegistryUsage {
  name: string;
  limit: number;
  currentValue: number;
  unit?: "Count" | "Bytes" | string;
}

export const usagesFact = registryFact("usages", async (ctx): Promise<RegistryUsage[]> => {
  const registry = await requireRegistry(ctx);
  try {
    const page = await ctx.apis.arm.getJson<{ value?: RegistryUsage[] }>(`${registry.id}/listUsages`, {
      "api-version": ACR_API_VERSION,
    });
    return page.value ?? [];
  } catch (error) {
    if (isForbidden(error)) {
      throw new SkipCheck(
        "permission",
        `The identity may not read the registry's usages (${error.message}); this needs \`Microsoft.ContainerRegistry/registries/listUsages/read\`, which Reader on the registry includes.`,
        [await grantReaderCommand(ctx, registry.id)],
      );
    }
    throw error;
  }
});
