import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { RunContext } from "./scope.js";
import { runFact } from "./scope.js";

/** What the runner's `az` session signed in with, read from its config directory (never the secrets). */
export interface AzSession {
  /** The default account's client id, when it is a service principal. */
  servicePrincipalId?: string;
  /**
   * `az login --service-principal --federated-token` (what azure/login does with OIDC) stores the
   * assertion itself (`client_assertion`); az reuses it for every token, so once that short-lived
   * assertion expires az cannot get a new Entra token (AADSTS700024).
   */
  oneShotAssertion: boolean;
}

interface AzureProfile {
  subscriptions?: { isDefault?: boolean; user?: { name?: string; type?: string } }[];
}

interface ServicePrincipalEntry {
  client_id?: string;
  client_assertion?: string;
}

export const azSessionFact = runFact("az-session", async (): Promise<AzSession> => {
  const dir = process.env.AZURE_CONFIG_DIR ?? path.join(os.homedir(), ".azure");
  const profile = await readJson<AzureProfile>(path.join(dir, "azureProfile.json"));
  const user = profile?.subscriptions?.find((s) => s.isDefault)?.user;
  if (user?.type !== "servicePrincipal" || !user.name) return { oneShotAssertion: false };
  const entries =
    (await readJson<ServicePrincipalEntry[]>(path.join(dir, "service_principal_entries.json"))) ?? [];
  const entry = entries.find((e) => e.client_id === user.name);
  return { servicePrincipalId: user.name, oneShotAssertion: Boolean(entry?.client_assertion) };
});

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    // az writes azureProfile.json with a byte-order mark.
    return JSON.parse((await readFile(file, "utf8")).replace(/^\uFEFF/, "")) as T;
  } catch {
    return undefined;
  }
}

/** Whether the Entra tokens of this run come from an OIDC assertion that cannot be renewed. */
export async function usesOneShotAssertion(ctx: RunContext): Promise<boolean> {
  const info = ctx.deps.credentialInfo;
  if (info.assertionRefreshes !== undefined) return !info.assertionRefreshes;
  return info.kind === "azure-cli" && (await ctx.get(azSessionFact)).oneShotAssertion;
}
