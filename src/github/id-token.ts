import type { HttpClient } from "@azure/core-rest-pipeline";
import { HttpApi } from "../core/azure/http.js";

/**
 * What core.getIDToken does (GET ACTIONS_ID_TOKEN_REQUEST_URL&audience=… with the request token
 * as bearer, `{"value": "<jwt>"}` back), sent through the core's Network like every other socket
 * of the tool so that timeouts, retries and the test redirection apply to it too.
 */
export function githubIdTokens(
  env: NodeJS.ProcessEnv,
  httpClient: HttpClient,
): (audience: string) => Promise<string> {
  return async (audience) => {
    const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL ?? "";
    const url = new URL(requestUrl);
    url.searchParams.set("audience", audience);
    const api = new HttpApi(url.origin, { httpClient, maxRetries: 3 });
    const response = await api.send("GET", url.toString(), {
      headers: {
        Authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ?? ""}`,
        Accept: "application/json",
      },
    });
    const value = response.status === 200 ? valueOf(response.text) : undefined;
    if (!value) {
      throw new Error(
        `GitHub did not issue an ID token for audience ${audience} (HTTP ${response.status} from ${url.host}); re-run the job, and check the job's \`permissions: id-token: write\``,
      );
    }
    return value;
  };
}

function valueOf(text: string): string | undefined {
  try {
    const value = (JSON.parse(text) as { value?: unknown }).value;
    return typeof value === "string" && value ? value : undefined;
  } catch {
    return undefined;
  }
}
