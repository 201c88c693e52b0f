import { AzureHttpError } from "../azure/http.js";
import { principalFact } from "./entra-token.js";
import { runFact } from "./scope.js";

/** Graph `passwordCredential` (acr-facts §7). `hint` is the secret's first three characters. */
export interface GraphPasswordCredential {
  keyId: string;
  displayName?: string | null;
  hint?: string | null;
  startDateTime?: string | null;
  endDateTime?: string | null;
}

/** Graph `keyCredential`; `customKeyIdentifier` is Edm.Binary (base64 of the SHA-1 thumbprint by default). */
export interface GraphKeyCredential {
  keyId: string;
  displayName?: string | null;
  customKeyIdentifier?: string | null;
  startDateTime?: string | null;
  endDateTime?: string | null;
  type?: string | null;
  usage?: string | null;
}

export interface GraphApplication {
  id: string;
  appId: string;
  displayName?: string | null;
  passwordCredentials?: GraphPasswordCredential[];
  keyCredentials?: GraphKeyCredential[];
}

/** The identity's app registration, or why there is none to read. */
export type ApplicationLookup =
  | { status: "found"; application: GraphApplication }
  | { status: "no-application"; principalType: "ManagedIdentity" | "User" }
  | { status: "forbidden" | "not-found" | "error"; appId: string; detail: string };

export const APPLICATION_READ_PERMISSION = "Application.Read.All";
/** Microsoft Graph's app id and the app-role id of Application.Read.All (for `az ad app permission add`). */
const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
const APPLICATION_READ_ALL_ROLE_ID = "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30";

/**
 * One Graph read per run: `applications(appId='<appId from the token>')` with its password and
 * key credentials. Shared by sp-secret-expiry and token-lifetime.
 */
export const graphApplicationFact = runFact("graph-application", async (ctx): Promise<ApplicationLookup> => {
  const principal = await ctx.get(principalFact);
  if (principal.type === "ManagedIdentity" || ctx.deps.credentialInfo.kind === "managed-identity") {
    return { status: "no-application", principalType: "ManagedIdentity" };
  }
  if (principal.type === "User" || !principal.appId)
    return { status: "no-application", principalType: "User" };
  const appId = principal.appId;
  try {
    const application = await ctx.apis.graph.getJson<GraphApplication>(
      `/v1.0/applications(appId='${encodeURIComponent(appId)}')`,
      { $select: "id,appId,displayName,passwordCredentials,keyCredentials" },
    );
    return { status: "found", application };
  } catch (error) {
    if (!(error instanceof AzureHttpError)) {
      return { status: "error", appId, detail: error instanceof Error ? error.message : String(error) };
    }
    const status = error.status === 403 ? "forbidden" : error.status === 404 ? "not-found" : "error";
    return { status, appId, detail: error.message };
  }
});

/** Commands that grant the app Graph Application.Read.All (an admin must consent). */
export function grantApplicationReadCommands(appId: string): string[] {
  return [
    `az ad app permission add --id ${appId} --api ${GRAPH_APP_ID} --api-permissions ${APPLICATION_READ_ALL_ROLE_ID}=Role`,
    `az ad app permission admin-consent --id ${appId}`,
  ];
}
