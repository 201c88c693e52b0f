import { ClientSecretCredential } from "@azure/identity";
import { createDefaultHttpClient, type HttpClient } from "@azure/core-rest-pipeline";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { DetailedPeerCertificate, TLSSocket } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { loadScenario, startFakeAzure, type FakeAzure, type Scenario } from "./fake-azure/index.js";

const healthy = loadScenario("healthy");
const TENANT = healthy.tenantId;
const SP = healthy.principals[0]!;
const SECRET = SP.secrets![0]!.value;
const REGISTRY_ID = `/subscriptions/${healthy.registries[0]!.subscriptionId}/resourceGroups/rg-containers/providers/Microsoft.ContainerRegistry/registries/contosoacr`;
const LOGIN = "https://contosoacr.azurecr.io";
const ARM = "https://management.azure.com";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted on, not typed
type Json = any;

let fake: FakeAzure | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(tweak: (s: Scenario) => void = () => {}): Promise<FakeAzure> {
  const scenario = structuredClone(healthy);
  tweak(scenario);
  fake = await startFakeAzure({ scenario });
  return fake;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Json;
  peer?: DetailedPeerCertificate;
}

/** One HTTPS request to a real Azure hostname, connected to the fake (like ACR_PREFLIGHT_CONNECT_TO). */
function call(
  target: FakeAzure,
  url: string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    form?: Record<string, string | string[]>;
    timeoutMs?: number;
  } = {},
): Promise<Reply> {
  const parsed = new URL(url);
  let body = init.body;
  const headers: Record<string, string> = { ...init.headers };
  if (init.form) {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(init.form)) for (const item of [v].flat()) form.append(k, item);
    body = form.toString();
    headers["Content-Type"] = "application/x-www-form-urlencoded";
  }
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port: target.port,
        servername: parsed.hostname,
        method: init.method ?? (body ? "POST" : "GET"),
        path: parsed.pathname + parsed.search,
        headers: { Host: parsed.hostname, ...headers },
        ca: readFileSync(target.caPath),
        agent: false,
      },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text),
            peer: (res.socket as TLSSocket).getPeerCertificate(true),
          }),
        );
      },
    );
    if (init.timeoutMs)
      req.setTimeout(init.timeoutMs, () =>
        req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })),
      );
    req.on("error", reject);
    req.end(body);
  });
}

function claimsOf(token: string): Json {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
}

async function entraToken(
  target: FakeAzure,
  scope = `${ARM}/.default`,
  secret = SECRET,
  clientId = SP.clientId,
): Promise<Reply> {
  return call(target, `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`, {
    form: { client_id: clientId, client_secret: secret, grant_type: "client_credentials", scope },
  });
}

async function armToken(target: FakeAzure): Promise<string> {
  return (await entraToken(target)).json().access_token as string;
}

async function acrAccess(
  target: FakeAzure,
  scopes: string[],
  audience = `${ARM}/.default`,
): Promise<{ exchange: Reply; token?: Reply }> {
  const entra = (await entraToken(target, audience)).json().access_token as string;
  const exchange = await call(target, `${LOGIN}/oauth2/exchange`, {
    form: {
      grant_type: "access_token",
      service: "contosoacr.azurecr.io",
      tenant: TENANT,
      access_token: entra,
    },
  });
  if (exchange.status !== 200) return { exchange };
  const token = await call(target, `${LOGIN}/oauth2/token`, {
    form: {
      grant_type: "refresh_token",
      service: "contosoacr.azurecr.io",
      scope: scopes,
      refresh_token: exchange.json().refresh_token,
    },
  });
  return { exchange, token };
}

function actionsOf(reply: Reply, name: string): string[] {
  const access = claimsOf(reply.json().access_token).access as { name: string; actions: string[] }[];
  return [...(access.find((a) => a.name === name)?.actions ?? [])].sort();
}

describe("TLS", () => {
  it("serves a certificate for each Azure hostname that chains to the fake CA", async () => {
    const target = await start();
    const reply = await call(target, `${LOGIN}/v2/`);
    expect(reply.status).toBe(401);
    expect(reply.peer?.subject.CN).toBe("contosoacr.azurecr.io");
    expect(reply.peer?.subjectaltname).toBe("DNS:contosoacr.azurecr.io");
  });

  it("intercepted hosts chain to an untrusted corporate proxy CA", async () => {
    const target = await start((s) => (s.tlsInterception = { hosts: ["contosoacr.azurecr.io"] }));
    const error = await call(target, `${LOGIN}/v2/`).catch((e: NodeJS.ErrnoException) => e);
    expect((error as NodeJS.ErrnoException).code).toBe("SELF_SIGNED_CERT_IN_CHAIN");
    const other = await call(
      target,
      `https://login.microsoftonline.com/${TENANT}/v2.0/.well-known/openid-configuration`,
    );
    expect(other.status).toBe(200);
  });
});

describe("Entra token endpoint", () => {
  it("issues an ARM token for the right secret with Entra's response fields and app claims", async () => {
    const target = await start();
    const reply = await entraToken(target);
    expect(reply.status).toBe(200);
    const body = reply.json();
    expect(Object.keys(body).sort()).toEqual(["access_token", "expires_in", "ext_expires_in", "token_type"]);
    expect(body.token_type).toBe("Bearer");
    expect(body.expires_in).toBe(75 * 60);
    expect(claimsOf(body.access_token)).toMatchObject({
      aud: ARM,
      tid: TENANT,
      oid: SP.objectId,
      appid: SP.clientId,
      idtyp: "app",
    });
    expect(target.issuedTokens()).toContain(body.access_token);
  });

  it.each([
    ["wrong secret", (s: Scenario) => s, { secret: "Yq7~wrong" }, 401, "invalid_client", 7000215],
    [
      "expired secret",
      (s: Scenario) => (s.principals[0]!.secrets![0]!.endDateTime = "now-1d"),
      {},
      401,
      "invalid_client",
      7000222,
    ],
    [
      "unknown client",
      (s: Scenario) => s,
      { clientId: "deadbeef-0000-4000-8000-000000000000" },
      400,
      "unauthorized_client",
      700016,
    ],
    [
      "deleted client",
      (s: Scenario) => (s.principals[0]!.deleted = true),
      {},
      400,
      "unauthorized_client",
      700016,
    ],
    [
      "conditional access",
      (s: Scenario) => (s.entra = { conditionalAccessBlocked: [SP.clientId] }),
      {},
      400,
      "invalid_grant",
      53003,
    ],
  ])("answers %s with the real AADSTS body", async (_name, tweak, override, status, error, code) => {
    const target = await start((s) => void tweak(s));
    const o = override as { secret?: string; clientId?: string };
    const reply = await entraToken(target, `${ARM}/.default`, o.secret ?? SECRET, o.clientId ?? SP.clientId);
    expect(reply.status).toBe(status);
    const body = reply.json();
    expect(body.error).toBe(error);
    expect(body.error_codes).toEqual([code]);
    expect(body.error_description).toMatch(
      new RegExp(
        `^AADSTS${code}: .+\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: [0-9a-f-]{36}\\r\\nTimestamp: `,
      ),
    );
    expect(body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers an unknown tenant with AADSTS90002", async () => {
    const target = await start();
    const reply = await call(
      target,
      "https://login.microsoftonline.com/00000000-1111-4000-8000-000000000000/oauth2/v2.0/token",
      {
        form: {
          client_id: SP.clientId,
          client_secret: SECRET,
          grant_type: "client_credentials",
          scope: `${ARM}/.default`,
        },
      },
    );
    expect(reply.json().error_codes).toEqual([90002]);
  });

  it("works with @azure/identity's ClientSecretCredential end to end", async () => {
    const target = await start();
    const credential = new ClientSecretCredential(TENANT, SP.clientId, SECRET, {
      httpClient: clientFor(target),
    });
    const token = await credential.getToken(`${ARM}/.default`);
    expect(claimsOf(token.token).aud).toBe(ARM);
    expect(target.requests.map((r) => `${r.method} ${r.host}${r.path}`)).toContain(
      `POST login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
    );
  });
});

describe("workload identity federation", () => {
  async function githubAssertion(target: FakeAzure): Promise<string> {
    const env = target.env();
    const reply = await call(
      target,
      `${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=api://AzureADTokenExchange`,
      {
        headers: { Authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
      },
    );
    return reply.json().value as string;
  }

  async function federatedToken(target: FakeAzure): Promise<Reply> {
    return call(target, `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`, {
      form: {
        client_id: SP.clientId,
        grant_type: "client_credentials",
        scope: `${ARM}/.default`,
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: await githubAssertion(target),
      },
    });
  }

  it("exchanges a GitHub ID token that matches the federated credential", async () => {
    const target = await start();
    const reply = await federatedToken(target);
    expect(reply.status).toBe(200);
    expect(claimsOf(reply.json().access_token).appidacr).toBe("2");
  });

  it("refuses the GitHub ID token request without the job's request token", async () => {
    const target = await start();
    const reply = await call(target, target.env().ACTIONS_ID_TOKEN_REQUEST_URL!);
    expect(reply.status).toBe(401);
  });

  it.each([
    [
      "subject",
      (s: Scenario) => (s.oidc!.github!.subject = "repo:contoso/shop-api:environment:prod"),
      700213,
    ],
    [
      "issuer",
      (s: Scenario) => (s.oidc!.github!.issuer = "https://token.actions.githubusercontent.com/contoso"),
      700211,
    ],
    ["expired assertion", (s: Scenario) => (s.oidc!.github!.lifetimeSeconds = -600), 700024],
    ["missing credentials", (s: Scenario) => (s.principals[0]!.federatedCredentials = []), 70025],
    [
      "disabled federation",
      (s: Scenario) => (s.entra = { workloadIdentityFederationDisabled: true }),
      700223,
    ],
  ])("names a %s mismatch with its AADSTS code", async (_name, tweak, code) => {
    const target = await start((s) => void tweak(s));
    const reply = await federatedToken(target);
    expect(reply.json().error_codes).toEqual([code]);
  });

  it("refuses a multi-tenant app presenting an Azure Pipelines assertion (AADSTS70052)", async () => {
    const subject = "sc://contoso/shop/acr-connection";
    const target = await start((s) => {
      s.oidc = { azurePipelines: { subject } };
      s.principals[0]!.signInAudience = "AzureADMultipleOrgs";
      s.principals[0]!.federatedCredentials = [
        { name: "ado", issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`, subject },
      ];
    });
    const env = target.env();
    const oidc = await call(target, `${env.SYSTEM_OIDCREQUESTURI}?api-version=7.1&serviceConnectionId=abc`, {
      method: "POST",
      headers: { Authorization: `Bearer ${env.SYSTEM_ACCESSTOKEN}` },
    });
    const reply = await call(target, `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`, {
      form: {
        client_id: SP.clientId,
        grant_type: "client_credentials",
        scope: `${ARM}/.default`,
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: oidc.json().oidcToken,
      },
    });
    expect(reply.json().error_codes).toEqual([70052]);
  });
});

/** One plain-HTTP request, as clients call IMDS, to the fake's single port. */
function plainGet(
  target: FakeAzure,
  host: string,
  pathAndQuery: string,
  headers: Record<string, string> = {},
) {
  return new Promise<{ status: number; json: Json }>((resolve, reject) => {
    const req = http.get(
      {
        host: "127.0.0.1",
        port: target.port,
        path: pathAndQuery,
        headers: { Host: host, ...headers },
        agent: false,
      },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }),
        );
      },
    );
    req.on("error", reject);
  });
}

describe("IMDS (managed identity, plain HTTP on the same port)", () => {
  const MI = {
    displayName: "vm",
    clientId: "7d2e4f60-1a3b-4c5d-8e9f-0a1b2c3d4e6f",
    objectId: "c4d5e6f7-0819-4a2b-9c3d-4e5f60718293",
    type: "ManagedIdentity" as const,
  };
  const TOKEN_PATH = `/metadata/identity/oauth2/token?api-version=2019-08-01&resource=${encodeURIComponent(ARM)}`;

  it("issues the attached identity's token in IMDS's shape, only with the Metadata header", async () => {
    const target = await start((s) => {
      s.principals.push(MI);
      s.imds = { systemAssigned: MI.clientId };
    });
    expect((await plainGet(target, "169.254.169.254", TOKEN_PATH)).json).toEqual({
      error: "invalid_request",
      error_description: "Required metadata header not specified",
    });
    const reply = await plainGet(target, "169.254.169.254", TOKEN_PATH, { Metadata: "true" });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ client_id: MI.clientId, resource: ARM, token_type: "Bearer" });
    expect(typeof reply.json.expires_on).toBe("string");
    expect(claimsOf(reply.json.access_token)).toMatchObject({
      oid: MI.objectId,
      appid: MI.clientId,
      aud: ARM,
    });
    const unknown = await plainGet(
      target,
      "169.254.169.254",
      `${TOKEN_PATH}&client_id=00000000-0000-0000-0000-000000000001`,
      { Metadata: "true" },
    );
    expect(unknown).toMatchObject({ status: 400, json: { error_description: "Identity not found" } });
  });

  it("drops the connection when the machine is not on Azure", async () => {
    const target = await start();
    await expect(plainGet(target, "169.254.169.254", TOKEN_PATH, { Metadata: "true" })).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
    expect(target.requests.at(-1)).toMatchObject({ host: "169.254.169.254", status: 0 });
  });
});

describe("ARM", () => {
  it("refuses requests without a bearer token", async () => {
    const target = await start();
    const reply = await call(target, `${ARM}${REGISTRY_ID}?api-version=2025-11-01`);
    expect(reply.status).toBe(401);
    expect(reply.json().error.code).toBe("AuthenticationFailed");
  });

  it("returns the registry to a Reader, with defaults merged", async () => {
    const target = await start();
    const reply = await call(target, `${ARM}${REGISTRY_ID}?api-version=2025-11-01`, {
      headers: { Authorization: `Bearer ${await armToken(target)}` },
    });
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({
      id: REGISTRY_ID,
      sku: { name: "Premium" },
      properties: { loginServer: "contosoacr.azurecr.io", publicNetworkAccess: "Enabled" },
    });
  });

  it("refuses AcrPush alone with ARM's AuthorizationFailed message", async () => {
    const target = await start(
      (s) => (s.roleAssignments = s.roleAssignments.filter((a) => a.role !== "Reader")),
    );
    const reply = await call(target, `${ARM}${REGISTRY_ID}?api-version=2025-11-01`, {
      headers: { Authorization: `Bearer ${await armToken(target)}` },
    });
    expect(reply.status).toBe(403);
    expect(reply.json().error).toEqual({
      code: "AuthorizationFailed",
      message: `The client '${SP.objectId}' with object id '${SP.objectId}' does not have authorization to perform action 'Microsoft.ContainerRegistry/registries/read' over scope '${REGISTRY_ID}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    });
  });

  it("reports usages with SKU limits (Size = included storage)", async () => {
    const target = await start();
    const reply = await call(target, `${ARM}${REGISTRY_ID}/listUsages?api-version=2025-11-01`, {
      headers: { Authorization: `Bearer ${await armToken(target)}` },
    });
    const usages = reply.json().value as {
      name: string;
      limit: number;
      currentValue: number;
      unit: string;
    }[];
    expect(usages.find((u) => u.name === "Size")).toEqual({
      name: "Size",
      limit: 500 * 1024 ** 3,
      currentValue: 40 * 1024 ** 3,
      unit: "Bytes",
    });
    expect(usages.find((u) => u.name === "IPRules")?.limit).toBe(200);
  });

  it("finds the registry by name with Resource Graph", async () => {
    const target = await start();
    const reply = await call(
      target,
      `${ARM}/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01`,
      {
        headers: { Authorization: `Bearer ${await armToken(target)}`, "Content-Type": "application/json" },
        body: JSON.stringify({
          query:
            "resources | where type =~ 'microsoft.containerregistry/registries' | where name =~ 'CONTOSOACR' | project id, name, subscriptionId, resourceGroup, properties",
          options: { resultFormat: "objectArray" },
        }),
      },
    );
    const body = reply.json();
    expect(body).toMatchObject({ totalRecords: 1, count: 1, resultTruncated: "false" });
    expect(body.data[0]).toMatchObject({
      id: REGISTRY_ID,
      name: "contosoacr",
      resourceGroup: "rg-containers",
    });
    expect(body.data[0].properties.loginServer).toBe("contosoacr.azurecr.io");
  });

  it("lists role assignments transitively through groups with assignedTo()", async () => {
    const group = "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d";
    const target = await start((s) => {
      s.groups = [{ objectId: group, displayName: "ci-pushers", members: [SP.objectId] }];
      s.roleAssignments.push({
        scope: REGISTRY_ID,
        role: "AcrDelete",
        principalId: group,
        principalType: "Group",
      });
    });
    const url = `${ARM}${REGISTRY_ID}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01`;
    const auth = { Authorization: `Bearer ${await armToken(target)}` };
    const transitive = await call(
      target,
      `${url}&$filter=${encodeURIComponent(`assignedTo('${SP.objectId}')`)}`,
      { headers: auth },
    );
    const direct = await call(
      target,
      `${url}&$filter=${encodeURIComponent(`principalId eq '${SP.objectId}'`)}`,
      { headers: auth },
    );
    const roleIds = (r: Reply) =>
      (r.json().value as { properties: { roleDefinitionId: string } }[])
        .map((a) => a.properties.roleDefinitionId.split("/").pop())
        .sort();
    expect(roleIds(transitive)).toEqual([
      "8311e382-0749-4cb8-b61a-304f252e45ec",
      "acdd72a7-3385-48ef-bd42-f606fba81ae7",
      "c2f4ef07-c644-48eb-af81-4b1b4947fb11",
    ]);
    expect(roleIds(direct)).toEqual([
      "8311e382-0749-4cb8-b61a-304f252e45ec",
      "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    ]);
  });
});

describe("Graph", () => {
  it("returns the app's password credentials with hint and resolved dates", async () => {
    const target = await start();
    const token = (await entraToken(target, "https://graph.microsoft.com/.default")).json()
      .access_token as string;
    const reply = await call(
      target,
      `https://graph.microsoft.com/v1.0/applications(appId='${SP.clientId}')?$select=passwordCredentials,keyCredentials`,
      {
        headers: { Authorization: `Bearer ${token}` },
      },
    );
    const credential = reply.json().passwordCredentials[0];
    expect(credential).toMatchObject({ hint: SECRET.slice(0, 3), keyId: SP.secrets![0]!.keyId });
    const days = (Date.parse(credential.endDateTime) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(179);
    expect(days).toBeLessThan(181);
  });

  it("refuses an ARM-audience token and graphAccess none", async () => {
    const target = await start((s) => (s.principals[0]!.graphAccess = "none"));
    const url = `https://graph.microsoft.com/v1.0/applications(appId='${SP.clientId}')`;
    expect(
      (await call(target, url, { headers: { Authorization: `Bearer ${await armToken(target)}` } })).status,
    ).toBe(401);
    const graphToken = (await entraToken(target, "https://graph.microsoft.com/.default")).json()
      .access_token as string;
    const denied = await call(target, url, { headers: { Authorization: `Bearer ${graphToken}` } });
    expect(denied.status).toBe(403);
    expect(denied.json().error.code).toBe("Authorization_RequestDenied");
  });
});

describe("registry data plane", () => {
  it("challenges /v2/ with the Bearer realm and distribution header", async () => {
    const target = await start();
    const reply = await call(target, `${LOGIN}/v2/`);
    expect(reply.status).toBe(401);
    expect(reply.headers["www-authenticate"]).toBe(
      'Bearer realm="https://contosoacr.azurecr.io/oauth2/token",service="contosoacr.azurecr.io"',
    );
    expect(reply.headers["docker-distribution-api-version"]).toBe("registry/2.0");
  });

  it("answers the firewall's exact 403 when the runner IP is not allowed", async () => {
    const target = await startFakeAzure({ scenario: "broken" });
    fake = target;
    const reply = await call(target, `${LOGIN}/v2/`);
    expect(reply.status).toBe(403);
    expect(reply.text).toBe(
      `{"errors":[{"code":"DENIED","message":"client with IP '20.61.1.2' is not allowed access. Refer https://aka.ms/acr/firewall to grant access."}]}`,
    );
  });

  it("lets the runner through when an IP rule's CIDR holds it", async () => {
    const target = await start((s) => {
      s.registries[0]!.properties = {
        networkRuleSet: { defaultAction: "Deny", ipRules: [{ action: "Allow", value: "20.61.0.0/16" }] },
      };
    });
    expect((await call(target, `${LOGIN}/v2/`)).status).toBe(401);
  });

  it("grants the intersection of requested and legacy-role actions (AcrPush: pull, push; no delete)", async () => {
    const target = await start();
    const { token } = await acrAccess(target, ["repository:shop/api:pull,push,delete", "registry:catalog:*"]);
    expect(token?.status).toBe(200);
    expect(actionsOf(token!, "shop/api")).toEqual(["pull", "push"]);
    expect(actionsOf(token!, "catalog")).toEqual(["*"]);
  });

  it("grants an identity without data-plane roles a refresh token but an empty access claim", async () => {
    const target = await start((s) => (s.roleAssignments = []));
    const { exchange, token } = await acrAccess(target, ["repository:shop/api:pull"]);
    expect(exchange.status).toBe(200);
    expect(claimsOf(exchange.json().refresh_token)).toMatchObject({
      iss: "Azure Container Registry",
      aud: "contosoacr.azurecr.io",
      grant_type: "refresh_token",
    });
    const refresh = claimsOf(exchange.json().refresh_token);
    expect(refresh.exp - refresh.iat).toBe(3 * 3600);
    expect(actionsOf(token!, "shop/api")).toEqual([]);
  });

  it("honours only ABAC repository roles and their conditions on an ABAC registry", async () => {
    const target = await start((s) => {
      s.registries[0]!.properties = { roleAssignmentMode: "AbacRepositoryPermissions" };
      s.roleAssignments.push({
        scope: REGISTRY_ID,
        role: "Container Registry Repository Reader",
        principalId: SP.objectId,
        condition:
          "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}) AND !(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})) OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'shop/'))",
      });
    });
    const { token } = await acrAccess(target, [
      "repository:shop/api:pull,push",
      "repository:billing/api:pull",
      "registry:catalog:*",
    ]);
    expect(actionsOf(token!, "shop/api")).toEqual(["pull"]);
    expect(actionsOf(token!, "billing/api")).toEqual([]);
    expect(actionsOf(token!, "catalog")).toEqual([]);
  });

  it("refuses ARM-audience tokens at /oauth2/exchange when the registry policy disables them", async () => {
    const target = await start((s) => {
      s.registries[0]!.properties = {
        policies: { azureADAuthenticationAsArmPolicy: { status: "disabled" } },
      };
    });
    expect((await acrAccess(target, ["repository:shop/api:pull"])).exchange.status).toBe(401);
    const acr = await acrAccess(
      target,
      ["repository:shop/api:pull"],
      "https://containerregistry.azure.net/.default",
    );
    expect(acr.exchange.status).toBe(200);
  });

  it("serves a multi-platform OCI index with its digest, and MANIFEST_UNKNOWN for a missing tag", async () => {
    const target = await start();
    const { token } = await acrAccess(target, ["repository:shop/api:pull"]);
    const auth = { Authorization: `Bearer ${token!.json().access_token}` };
    const index = await call(target, `${LOGIN}/v2/shop/api/manifests/latest`, { headers: auth });
    expect(index.headers["content-type"]).toBe("application/vnd.oci.image.index.v1+json");
    expect(
      index
        .json()
        .manifests.map(
          (m: { platform: { os: string; architecture: string } }) =>
            `${m.platform.os}/${m.platform.architecture}`,
        ),
    ).toEqual(["linux/amd64", "linux/arm64"]);
    const digest = index.headers["docker-content-digest"] as string;
    expect(
      (await call(target, `${LOGIN}/v2/shop/api/manifests/${digest}`, { headers: auth, method: "HEAD" }))
        .status,
    ).toBe(200);
    const missing = await call(target, `${LOGIN}/v2/shop/api/manifests/9.9.9`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(missing.json().errors[0].code).toBe("MANIFEST_UNKNOWN");
    const unauthorized = await call(target, `${LOGIN}/v2/shop/web/manifests/latest`, { headers: auth });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers["www-authenticate"]).toContain('scope="repository:shop/web:pull"');
  });
});

describe("faults and recording", () => {
  it("answers 429 with Retry-After the given number of times, then recovers", async () => {
    const target = await start();
    target.addFault({
      host: "contosoacr.azurecr.io",
      path: "/v2/",
      kind: "status",
      status: 429,
      retryAfterSeconds: 7,
      times: 1,
    });
    const first = await call(target, `${LOGIN}/v2/`);
    expect(first.status).toBe(429);
    expect(first.headers["retry-after"]).toBe("7");
    expect((await call(target, `${LOGIN}/v2/`)).status).toBe(401);
  });

  it("hangs until the client gives up, and adds latency", async () => {
    const target = await start();
    target.addFault({ host: "api.ipify.org", kind: "hang", times: 1 });
    const error = await call(target, "https://api.ipify.org/", { timeoutMs: 200 }).catch(
      (e: NodeJS.ErrnoException) => e,
    );
    expect((error as NodeJS.ErrnoException).code).toBe("ETIMEDOUT");
    target.addFault({ host: "*", path: "^/$", kind: "latency", ms: 150 });
    const started = performance.now();
    const echo = await call(target, "https://api.ipify.org/");
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(echo.text).toBe("20.61.1.2");
  });

  it("resets the connection", async () => {
    const target = await start();
    target.addFault({ host: "management.azure.com", kind: "reset" });
    const error = await call(target, `${ARM}/subscriptions?api-version=2022-12-01`).catch(
      (e: NodeJS.ErrnoException) => e,
    );
    expect((error as NodeJS.ErrnoException).code).toBe("ECONNRESET");
  });

  it("records every request and the ones no route matched", async () => {
    const target = await start();
    await call(target, "https://api.github.com/meta");
    await call(
      target,
      `${ARM}/subscriptions/${healthy.subscriptions[0]!.id}/providers/Microsoft.Nope/things?api-version=1`,
      {
        headers: { Authorization: `Bearer ${await armToken(target)}` },
      },
    );
    expect(target.requests.map((r) => [r.method, r.host, r.path, r.status])).toEqual([
      ["GET", "api.github.com", "/meta", 200],
      ["POST", "login.microsoftonline.com", `/${TENANT}/oauth2/v2.0/token`, 200],
      [
        "GET",
        "management.azure.com",
        `/subscriptions/${healthy.subscriptions[0]!.id}/providers/Microsoft.Nope/things`,
        404,
      ],
    ]);
    expect(target.unexpected).toHaveLength(1);
    expect(target.unexpected[0]!.query).toEqual({ "api-version": "1" });
  });

  it("publishes DNS answers for registry hosts and honours the scenario's overrides", async () => {
    const target = await start((s) => (s.dns = { "contosoacr.azurecr.io": "10.1.2.4" }));
    const dns = JSON.parse(target.env().ACR_PREFLIGHT_DNS!) as Record<string, string>;
    expect(dns["contosoacr.azurecr.io"]).toBe("10.1.2.4");
    expect(target.env().ACR_PREFLIGHT_CONNECT_TO).toBe(`127.0.0.1:${target.port}`);
  });
});

/** An @azure/core-rest-pipeline HttpClient that connects to the fake and trusts its CA (in-process NODE_EXTRA_CA_CERTS). */
function clientFor(target: FakeAzure): HttpClient {
  const inner = createDefaultHttpClient();
  const ca = readFileSync(target.caPath);
  class FakeAgent extends https.Agent {
    override createConnection(options: Parameters<https.Agent["createConnection"]>[0], cb?: unknown) {
      const servername = (options as { servername?: string }).servername || String(options?.host);
      // @ts-expect-error createConnection exists at runtime on https.Agent
      return super.createConnection({ ...options, host: "127.0.0.1", port: target.port, servername, ca }, cb);
    }
  }
  const agent = new FakeAgent({ ca });
  return {
    sendRequest(request) {
      request.agent = agent;
      return inner.sendRequest(request);
    },
  };
}
