import { KNOWN_RESOURCES, mintAccessToken } from "./entra.js";
import type { FakeRequest, FakeResponse } from "./server.js";
import { audienceKey, type World } from "./world.js";

export const IMDS_HOST = "169.254.169.254";
const TOKEN_PATH = "/metadata/identity/oauth2/token";

/**
 * The Azure instance metadata service's managed-identity endpoint (plain HTTP, `Metadata: true`),
 * for the identities `scenario.imds` attaches to the machine. Without `imds` the machine is not
 * on Azure: every connection is dropped, as an unreachable IMDS looks to a client.
 */
export function imds(world: World) {
  return (req: FakeRequest): FakeResponse => {
    const attached = world.scenario.imds;
    if (!attached) return { status: 0, drop: true };
    if (req.method !== "GET" || req.path !== TOKEN_PATH)
      return {
        status: 404,
        body: "fake-azure IMDS plays only the identity token endpoint",
        unexpected: true,
      };
    const fail = (error: string, description: string): FakeResponse => ({
      status: 400,
      body: { error, error_description: description },
    });
    if (req.headers.metadata !== "true")
      return fail("invalid_request", "Required metadata header not specified");
    const resource = req.query.get("resource") ?? "";
    if (!KNOWN_RESOURCES.includes(audienceKey(resource)))
      return fail(
        "invalid_resource",
        `AADSTS500011: The resource principal named ${resource} was not found.`,
      );
    const requested = req.query.get("client_id") ?? req.query.get("msi_res_id") ?? req.query.get("object_id");
    const clientId = requested
      ? attached.userAssigned?.find((id) => id.toLowerCase() === requested.toLowerCase())
      : attached.systemAssigned;
    const principal = clientId ? world.principalByClientId(clientId) : undefined;
    if (!principal) return fail("invalid_request", "Identity not found");
    const { accessToken, lifetimeSeconds } = mintAccessToken(world, principal, resource, "2");
    const now = world.clock.nowSeconds();
    return {
      status: 200,
      body: {
        access_token: accessToken,
        client_id: principal.clientId,
        expires_in: String(lifetimeSeconds),
        expires_on: String(now + lifetimeSeconds),
        ext_expires_in: String(lifetimeSeconds),
        not_before: String(now),
        resource,
        token_type: "Bearer",
      },
    };
  };
}
