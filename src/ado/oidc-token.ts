import type { HttpClient } from "@azure/core-rest-pipeline";
import { HttpApi } from "../core/azure/http.js";
import { OidcTokenUnavailable } from "../core/credential/types.js";

/** The API version AzurePipelinesCredential (@azure/identity) asks for. */
const OIDC_API_VERSION = "7.1";

export interface OidcRequest {
  /** System.OidcRequestUri (SYSTEM_OIDCREQUESTURI). */
  requestUri: string;
  serviceConnectionId: string;
  /** System.AccessToken, the bearer of the request. */
  accessToken: string;
  httpClient: HttpClient;
}

/**
 * What AzurePipelinesCredential does for every Entra token request (POST
 * `SYSTEM_OIDCREQUESTURI?api-version=7.1&serviceConnectionId=<id>` with System.AccessToken as
 * bearer, `{"oidcToken": "<jwt>"}` back). Done here, not by that class, because the class has no
 * hook to mask each OIDC token with task.setsecret the moment it arrives; sent through the core's
 * guarded client so that timeouts, retries and the test redirection apply to it too.
 */
export async function requestOidcToken(request: OidcRequest): Promise<string> {
  const url = new URL(request.requestUri);
  url.searchParams.set("api-version", OIDC_API_VERSION);
  url.searchParams.set("serviceConnectionId", request.serviceConnectionId);
  const api = new HttpApi(url.origin, { httpClient: request.httpClient, maxRetries: 3 });
  const response = await api.send("POST", url.toString(), {
    headers: {
      Authorization: `Bearer ${request.accessToken}`,
      "Content-Type": "application/json",
      // Without it Azure DevOps answers a rejected token with a sign-in redirect instead of 401.
      "X-TFS-FedAuthRedirect": "Suppress",
    },
  });
  const token = response.status === 200 ? oidcTokenOf(response.text) : undefined;
  if (token) return token;
  const refusal = `Azure DevOps answered HTTP ${response.status} to the OIDC token request of service connection ${request.serviceConnectionId} (${url.host})`;
  if (response.status >= 400 && response.status < 500) {
    throw new OidcTokenUnavailable(
      `${refusal}: System.AccessToken was refused or the pipeline is not authorized to use the service connection; authorize the pipeline on the connection (Project settings > Service connections > Security)`,
      "azure-pipelines",
    );
  }
  throw new Error(`${refusal}; re-run the job`);
}

function oidcTokenOf(text: string): string | undefined {
  try {
    const token = (JSON.parse(text) as { oidcToken?: unknown }).oidcToken;
    return typeof token === "string" && token ? token : undefined;
  } catch {
    return undefined;
  }
}
