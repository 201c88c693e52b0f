import { AzureHttpError } from "../azure/http.js";
import { ACR_API_VERSION } from "../azure/arm-types.js";
import { requireRegistry } from "./registry-lookup.js";
import { keyedRegistryFact } from "./scope.js";

/** `Microsoft.ContainerRegistry/registries/tokens` (acr-facts §4). Password values are never returned by GET. */
export interface RepositoryTokenPassword {
  name: "password1" | "password2";
  creationTime?: string;
  /** Absent or null: the password never expires. */
  expiry?: string | null;
}

export interface RepositoryToken {
  id: string;
  name: string;
  properties: {
    creationDate?: string;
    provisioningState?: string;
    scopeMapId?: string;
    status?: "enabled" | "disabled";
    credentials?: {
      passwords?: RepositoryTokenPassword[];
      certificates?: { name: string; expiry?: string | null; thumbprint?: string }[];
    };
  };
}

export type RepositoryTokenLookup =
  | { found: true; token: RepositoryToken }
  | { found: false; reason: "not-found" | "forbidden"; detail: string; registryId: string };

/** One repository-scoped token of the registry, read from ARM (shared by token-lifetime and repository-token). */
export const repositoryTokenFact = keyedRegistryFact(
  "repository-token",
  (name: string) => name.toLowerCase(),
  async (ctx, name): Promise<RepositoryTokenLookup> => {
    const registry = await requireRegistry(ctx);
    try {
      const token = await ctx.apis.arm.getJson<RepositoryToken>(
        `${registry.id}/tokens/${encodeURIComponent(name)}`,
        {
          "api-version": ACR_API_VERSION,
        },
      );
      return { found: true, token };
    } catch (error) {
      if (error instanceof AzureHttpError && (error.status === 404 || error.status === 403)) {
        return {
          found: false,
          reason: error.status === 404 ? "not-found" : "forbidden",
          detail: error.message,
          registryId: registry.id,
        };
      }
      throw error;
    }
  },
);
