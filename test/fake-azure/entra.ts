import type { FakeRequest, FakeResponse } from "./server.js";
import type { Principal } from "./scenario.js";
import { decodeJwt, type Claims } from "./jwt.js";
import { ACR_AUDIENCE, ARM_AUDIENCES, audienceKey, GRAPH_AUDIENCES, type World } from "./world.js";

export const KNOWN_RESOURCES = [...ARM_AUDIENCES, ...GRAPH_AUDIENCES, ACR_AUDIENCE].map(audienceKey);
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const WIF_DOCS = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation";
const DEFAULT_ADO_ISSUER_PREFIX = "https://vstoken.dev.azure.com/";

/**
 * Entra ID (login.microsoftonline.com and the sovereign authority hosts): OIDC discovery, instance
 * discovery and the client-credentials token endpoint with the real AADSTS error bodies.
 */
export function entra(world: World) {
  return (req: FakeRequest): FakeResponse => {
    const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(req.path);
    if (req.method === "GET" && discovery) return openIdConfiguration(world, req.host, discovery[1]!);
    if (req.method === "GET" && /^\/common\/discovery\/instance$/.test(req.path))
      return instanceDiscovery(req);
    if (req.method === "GET" && /^\/[^/]+\/discovery\/v2\.0\/keys$/.test(req.path)) {
      return { status: 200, body: { keys: [] } };
    }
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(req.path);
    if (req.method === "POST" && token) return tokenEndpoint(world, req, token[1]!);
    return {
      status: 404,
      body: { error: "not_found", error_description: `No route ${req.method} ${req.path}` },
      unexpected: true,
    };
  };
}

function openIdConfiguration(world: World, host: string, tenant: string): FakeResponse {
  if (!world.knowsTenant(tenant) && !["common", "organizations"].includes(tenant.toLowerCase())) {
    return aadError(world, host, 400, "invalid_tenant", 90002, tenantNotFound(tenant));
  }
  const base = `https://${host}/${tenant}`;
  return {
    status: 200,
    body: {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: "https://graph.microsoft.com/oidc/userinfo",
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "tid", "ver", "oid"],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: "EU",
      cloud_instance_name: host.endsWith(".us")
        ? "microsoftonline.us"
        : host.endsWith(".cn")
          ? "partner.microsoftonline.cn"
          : "microsoftonline.com",
      cloud_graph_host_name: "graph.windows.net",
      msgraph_host: "graph.microsoft.com",
      rbac_url: "https://pas.windows.net",
    },
  };
}

function instanceDiscovery(req: FakeRequest): FakeResponse {
  const authorize =
    req.query.get("authorization_endpoint") ?? `https://${req.host}/common/oauth2/v2.0/authorize`;
  const authority = new URL(authorize);
  const tenant = authority.pathname.split("/")[1] ?? "common";
  return {
    status: 200,
    body: {
      tenant_discovery_endpoint: `https://${authority.host}/${tenant}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [
        {
          preferred_network: "login.microsoftonline.com",
          preferred_cache: "login.windows.net",
          aliases: [
            "login.microsoftonline.com",
            "login.windows.net",
            "login.microsoft.com",
            "sts.windows.net",
          ],
        },
        {
          preferred_network: "login.microsoftonline.us",
          preferred_cache: "login.microsoftonline.us",
          aliases: ["login.microsoftonline.us", "login.usgovcloudapi.net"],
        },
        {
          preferred_network: "login.chinacloudapi.cn",
          preferred_cache: "login.partner.microsoftonline.cn",
          aliases: ["login.chinacloudapi.cn", "login.partner.microsoftonline.cn"],
        },
      ],
    },
  };
}

function tokenEndpoint(world: World, req: FakeRequest, tenant: string): FakeResponse {
  const form = new URLSearchParams(req.body);
  const fail = (status: number, error: string, code: number, description: string) =>
    aadError(world, req.host, status, error, code, description);
  if (!world.knowsTenant(tenant)) return fail(400, "invalid_request", 90002, tenantNotFound(tenant));
  const clientId = form.get("client_id") ?? "";
  const principal = world.principalByClientId(clientId);
  const homeTenant = tenant.toLowerCase() === world.scenario.tenantId.toLowerCase();
  if (!principal || principal.deleted || !homeTenant) {
    return fail(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  if (form.get("grant_type") !== "client_credentials") {
    return fail(
      400,
      "unsupported_grant_type",
      70003,
      `The app requested an unsupported grant type '${form.get("grant_type") ?? ""}'.`,
    );
  }
  const scope = (form.get("scope") ?? "").split(" ").find((s) => s.endsWith("/.default"));
  if (!scope) {
    return fail(
      400,
      "invalid_scope",
      1002012,
      `The provided value for scope ${form.get("scope") ?? ""} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const resource = scope.slice(0, -"/.default".length);
  if (!KNOWN_RESOURCES.includes(audienceKey(resource))) {
    return fail(
      400,
      "invalid_resource",
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  }
  const refusal = authenticate(world, principal, form, req.host, tenant);
  if (refusal) return fail(...refusal);
  if (
    world.scenario.entra?.conditionalAccessBlocked?.some((id) => id.toLowerCase() === clientId.toLowerCase())
  ) {
    return fail(
      400,
      "invalid_grant",
      53003,
      "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
    );
  }
  return issueAccessToken(world, principal, resource, form.has("client_secret") ? "1" : "2");
}

type Refusal = [status: number, error: string, code: number, description: string];

/** Checks the client's credential; returns the AADSTS refusal, or undefined when it is accepted. */
function authenticate(
  world: World,
  principal: Principal,
  form: URLSearchParams,
  host: string,
  tenant: string,
): Refusal | undefined {
  const secret = form.get("client_secret");
  if (secret !== null) return checkSecret(world, principal, secret);
  const assertion = form.get("client_assertion");
  if (assertion !== null && form.get("client_assertion_type") === JWT_BEARER) {
    const decoded = decodeJwt(assertion);
    if (!decoded) return [400, "invalid_request", 50027, "JWT token is invalid or malformed."];
    const certificateAssertion = "x5t" in decoded.header || "x5t#S256" in decoded.header;
    return certificateAssertion
      ? checkCertificateAssertion(world, principal, decoded.header, decoded.claims)
      : checkFederatedAssertion(world, principal, decoded.claims, host, tenant);
  }
  return [
    401,
    "invalid_client",
    7000216,
    "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
  ];
}

function checkSecret(world: World, principal: Principal, value: string): Refusal | undefined {
  const match = (principal.secrets ?? []).find((s) => s.value === value);
  if (!match) {
    return [
      401,
      "invalid_client",
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${principal.clientId}'.`,
    ];
  }
  if (world.clock.resolve(match.endDateTime) <= world.clock.now()) {
    return [
      401,
      "invalid_client",
      7000222,
      `The provided client secret keys for app '${principal.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    ];
  }
  return undefined;
}

function checkCertificateAssertion(
  world: World,
  principal: Principal,
  header: Claims,
  claims: Claims,
): Refusal | undefined {
  const expired = assertionTimeRange(world, claims);
  if (expired) return expired;
  const sha1 = thumbprintHex(header["x5t"]);
  const sha256 = thumbprintHex(header["x5t#S256"]);
  const presented = sha256 ?? sha1 ?? "";
  const certificate = (principal.certificates ?? []).find(
    (c) =>
      (sha1 && c.thumbprint.toUpperCase() === sha1) ||
      (sha256 && c.thumbprintSha256?.toUpperCase() === sha256),
  );
  const reason = !certificate
    ? "The key was not found."
    : world.clock.resolve(certificate.endDateTime) <= world.clock.now()
      ? "The key used is expired."
      : undefined;
  if (!reason) return undefined;
  return [
    401,
    "invalid_client",
    700027,
    `Client assertion failed signature validation. (Reason - ${reason}, Thumbprint of key used by client: '${presented}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${principal.clientId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployment-endpoints to find the corresponding service endpoint for the tenant you are using.)`,
  ];
}

function checkFederatedAssertion(
  world: World,
  principal: Principal,
  claims: Claims,
  host: string,
  tenant: string,
): Refusal | undefined {
  if (world.scenario.entra?.workloadIdentityFederationDisabled) {
    return [
      400,
      "invalid_request",
      700223,
      "Workload identity federation is disabled for this tenant by policy. Contact your tenant administrator.",
    ];
  }
  const credentials = principal.federatedCredentials ?? [];
  if (credentials.length === 0) {
    return [
      401,
      "invalid_client",
      70025,
      `The client '${principal.clientId}'(${principal.displayName}) has no configured federated identity credentials.`,
    ];
  }
  const expired = assertionTimeRange(world, claims);
  if (expired) return expired;
  const issuer = String(claims.iss ?? "");
  const subject = String(claims.sub ?? "");
  const audiences = [claims.aud].flat().map(String);
  if (
    principal.signInAudience === "AzureADMultipleOrgs" &&
    isAzurePipelinesIssuer(world, issuer, host, tenant)
  ) {
    return [
      400,
      "unauthorized_client",
      70052,
      "The identity must be a managed identity, a single tenant app, or a service account.",
    ];
  }
  const sameIssuer = credentials.filter((c) => c.issuer === issuer);
  const hint =
    "Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.";
  if (sameIssuer.length === 0) {
    return [
      401,
      "invalid_client",
      700211,
      `No matching federated identity record found for presented assertion issuer '${issuer}'. ${hint} ${WIF_DOCS}`,
    ];
  }
  const sameSubject = sameIssuer.filter((c) => c.subject === subject);
  if (sameSubject.length === 0) {
    return [
      401,
      "invalid_client",
      700213,
      `No matching federated identity record found for presented assertion subject '${subject}'. ${hint} ${WIF_DOCS}`,
    ];
  }
  if (
    !sameSubject.some((c) =>
      (c.audiences ?? ["api://AzureADTokenExchange"]).some((a) => audiences.includes(a)),
    )
  ) {
    return [
      401,
      "invalid_client",
      70021,
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${issuer}'. Assertion Subject: '${subject}'. Assertion Audience: '${audiences.join(",")}'. ${WIF_DOCS}`,
    ];
  }
  return undefined;
}

function isAzurePipelinesIssuer(world: World, issuer: string, host: string, tenant: string): boolean {
  const configured = world.scenario.oidc?.azurePipelines?.issuer ?? `https://${host}/${tenant}/v2.0`;
  return issuer === configured || issuer.startsWith(DEFAULT_ADO_ISSUER_PREFIX);
}

function assertionTimeRange(world: World, claims: Claims): Refusal | undefined {
  const now = world.clock.now();
  const exp = typeof claims.exp === "number" ? new Date(claims.exp * 1000) : undefined;
  const nbf = typeof claims.nbf === "number" ? new Date(claims.nbf * 1000) : undefined;
  // Entra allows five minutes of clock skew.
  const skewMs = 5 * 60_000;
  if (exp && exp.getTime() + skewMs > now.getTime() && (!nbf || nbf.getTime() - skewMs <= now.getTime()))
    return undefined;
  return [
    401,
    "invalid_client",
    700024,
    `Client assertion is not within its valid time range. Current time: ${now.toISOString()}, assertion valid from ${nbf?.toISOString() ?? "unknown"}, expiry time of assertion ${exp?.toISOString() ?? "unknown"}. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .`,
  ];
}

function issueAccessToken(
  world: World,
  principal: Principal,
  resource: string,
  appidacr: "1" | "2",
): FakeResponse {
  const { accessToken, lifetimeSeconds } = mintAccessToken(world, principal, resource, appidacr);
  return {
    status: 200,
    headers: { "Cache-Control": "no-store, no-cache", Pragma: "no-cache" },
    body: {
      token_type: "Bearer",
      expires_in: lifetimeSeconds,
      ext_expires_in: lifetimeSeconds,
      access_token: accessToken,
    },
  };
}

/** An Entra access token for the principal, as the token endpoint and IMDS issue it. */
export function mintAccessToken(
  world: World,
  principal: Principal,
  resource: string,
  appidacr: "1" | "2",
): { accessToken: string; lifetimeSeconds: number } {
  const tenantId = world.scenario.tenantId;
  const lifetimeSeconds = Math.round((world.scenario.entra?.accessTokenMinutes ?? 75) * 60);
  const iat = world.clock.nowSeconds();
  const claims: Claims = {
    aud: resource,
    iss: `https://sts.windows.net/${tenantId}/`,
    iat,
    nbf: iat,
    exp: iat + lifetimeSeconds,
    aio: world.newId(),
    appid: principal.clientId,
    appidacr,
    azp: principal.clientId,
    idp: `https://sts.windows.net/${tenantId}/`,
    idtyp: "app",
    oid: principal.objectId,
    rh: "0.fake.",
    sub: principal.objectId,
    tid: tenantId,
    uti: world.newId(),
    ver: "1.0",
    ...(principal.type === "ManagedIdentity"
      ? { xms_mirid: managedIdentityResourceId(world, principal) }
      : {}),
  };
  const accessToken = world.jwt.mint(claims, { kid: "fake-azure", x5t: "fake-azure" });
  return { accessToken, lifetimeSeconds };
}

function managedIdentityResourceId(world: World, principal: Principal): string {
  const subscription = world.scenario.subscriptions[0]?.id ?? "00000000-0000-0000-0000-000000000000";
  return `/subscriptions/${subscription}/resourcegroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${principal.displayName}`;
}

function thumbprintHex(value: unknown): string | undefined {
  return typeof value === "string" && value
    ? Buffer.from(value, "base64url").toString("hex").toUpperCase()
    : undefined;
}

function tenantNotFound(tenant: string): string {
  return `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`;
}

function aadError(
  world: World,
  host: string,
  status: number,
  error: string,
  code: number,
  description: string,
): FakeResponse {
  const traceId = world.newId();
  const correlationId = world.newId();
  const timestamp = world.clock
    .now()
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "Z");
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://${host}/error?code=${code}`,
    },
  };
}
