import { checkBearer } from "./bearer.js";
import type { Principal } from "./scenario.js";
import type { FakeRequest, FakeResponse } from "./server.js";
import { GRAPH_AUDIENCES, type World } from "./world.js";

/**
 * Microsoft Graph v1.0: applications, service principals and federated identity credentials, with
 * what the caller may read decided by its scenario `graphAccess` (all / self / none).
 */
export function graph(world: World) {
  return (req: FakeRequest): FakeResponse => {
    const bearer = checkBearer(world, req.headers.authorization, GRAPH_AUDIENCES);
    if (!bearer.ok) {
      const message =
        bearer.reason === "missing"
          ? "Access token is empty."
          : bearer.reason === "audience"
            ? "Access token validation failure. Invalid audience."
            : bearer.reason === "expired"
              ? "Lifetime validation failed, the token is expired."
              : "Access token validation failure.";
      return graphError(world, 401, "InvalidAuthenticationToken", message);
    }
    const caller = world.principalByObjectId(bearer.objectId);
    const match =
      /^\/v1\.0\/(applications|servicePrincipals)(?:\(appId='([^']+)'\)|\/([^/]+))(\/federatedIdentityCredentials)?$/i.exec(
        req.path,
      );
    const filterAppId = /^appId eq '([^']+)'$/i.exec(req.query.get("$filter") ?? "")?.[1];
    const collection = /^\/v1\.0\/(applications|servicePrincipals)$/i.exec(req.path);
    if (req.method !== "GET" || (!match && !(collection && filterAppId))) {
      return {
        ...graphError(world, 400, "Request_BadRequest", `Unsupported request: ${req.method} ${req.path}`),
        unexpected: true,
      };
    }
    const kind =
      (match?.[1] ?? collection![1]!).toLowerCase() === "applications" ? "applications" : "servicePrincipals";
    const target = findTarget(world, kind, match?.[2] ?? filterAppId, match?.[3]);
    const access = caller?.graphAccess ?? "self";
    if (access === "none" || (access === "self" && target && target !== caller)) {
      return graphError(
        world,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
      );
    }
    if (collection) {
      const value = target ? [objectJson(world, kind, target, req.query.get("$select"))] : [];
      return {
        status: 200,
        body: { "@odata.context": `https://graph.microsoft.com/v1.0/$metadata#${kind}`, value },
      };
    }
    if (!target) {
      const id = match![2] ?? match![3];
      return graphError(
        world,
        404,
        "Request_ResourceNotFound",
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    }
    if (match![4]) {
      return {
        status: 200,
        body: {
          "@odata.context": `https://graph.microsoft.com/v1.0/$metadata#applications('${target.appObjectId}')/federatedIdentityCredentials`,
          value: (target.federatedCredentials ?? []).map((c) => ({
            id: world.stableId(`${target.clientId}|${c.name}`),
            name: c.name,
            issuer: c.issuer,
            subject: c.subject,
            description: null,
            audiences: c.audiences ?? ["api://AzureADTokenExchange"],
          })),
        },
      };
    }
    return { status: 200, body: objectJson(world, kind, target, req.query.get("$select")) };
  };
}

function findTarget(
  world: World,
  kind: "applications" | "servicePrincipals",
  appId?: string,
  objectId?: string,
): Principal | undefined {
  const live = world.scenario.principals.filter((p) => !p.deleted);
  if (kind === "applications") {
    // Managed identities have a service principal but no application object.
    return live.find((p) => p.appObjectId && (appId ? p.clientId === appId : p.appObjectId === objectId));
  }
  return live.find((p) => (appId ? p.clientId === appId : p.objectId === objectId));
}

function objectJson(
  world: World,
  kind: "applications" | "servicePrincipals",
  principal: Principal,
  select: string | null,
) {
  const application = kind === "applications";
  const full: Record<string, unknown> = {
    id: application ? principal.appObjectId : principal.objectId,
    appId: principal.clientId,
    displayName: principal.displayName,
    ...(application
      ? { signInAudience: principal.signInAudience ?? "AzureADMyOrg" }
      : {
          servicePrincipalType: principal.type === "ManagedIdentity" ? "ManagedIdentity" : "Application",
          accountEnabled: true,
        }),
    passwordCredentials: application
      ? (principal.secrets ?? []).map((s) => ({
          customKeyIdentifier: null,
          displayName: s.displayName ?? null,
          endDateTime: world.clock.iso(s.endDateTime),
          hint: s.value.slice(0, 3),
          keyId: s.keyId,
          secretText: null,
          startDateTime: world.clock.iso(s.startDateTime ?? "now-30d"),
        }))
      : [],
    keyCredentials: application
      ? (principal.certificates ?? []).map((c) => ({
          // Edm.Binary: base64 of the SHA-1 thumbprint bytes.
          customKeyIdentifier: Buffer.from(c.thumbprint, "hex").toString("base64"),
          displayName: c.displayName ?? `CN=${principal.displayName}`,
          endDateTime: world.clock.iso(c.endDateTime),
          key: null,
          keyId: c.keyId,
          startDateTime: world.clock.iso("now-30d"),
          type: "AsymmetricX509Cert",
          usage: "Verify",
        }))
      : [],
  };
  const fields = select
    ?.split(",")
    .map((f) => f.trim())
    .filter(Boolean);
  const chosen = fields ? Object.fromEntries(Object.entries(full).filter(([k]) => fields.includes(k))) : full;
  const context = `https://graph.microsoft.com/v1.0/$metadata#${kind}${fields ? `(${fields.join(",")})` : ""}/$entity`;
  return { "@odata.context": context, ...chosen };
}

function graphError(world: World, status: number, code: string, message: string): FakeResponse {
  return {
    status,
    body: {
      error: {
        code,
        message,
        innerError: {
          date: world.clock
            .now()
            .toISOString()
            .replace(/\.\d{3}Z$/, ""),
          "request-id": world.newId(),
          "client-request-id": world.newId(),
        },
      },
    },
  };
}
