import type { FakeRequest, FakeResponse } from "./server.js";
import type { World } from "./world.js";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_ID_TOKEN_PATH = "/_github/idtoken";
export const ADO_HOST = "dev.azure.com";
export const ADO_OIDC_PATH = "/_ado/oidctoken";
const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

/** The OIDC request secrets the fake hands to the job (ACTIONS_ID_TOKEN_REQUEST_TOKEN, System.AccessToken). */
export interface OidcRequestTokens {
  github: string;
  azurePipelines: string;
}

/** api.ipify.org: the runner's egress IP as text/plain (or `?format=json`). */
export function ipEcho(world: World) {
  return (req: FakeRequest): FakeResponse => {
    if (req.method !== "GET" || req.path !== "/") return { status: 404, body: "Not Found", unexpected: true };
    const ip = world.scenario.runner.ip;
    return req.query.get("format") === "json" ? { status: 200, body: { ip } } : { status: 200, body: ip };
  };
}

/** api.github.com/meta: the `actions` ranges of GitHub-hosted runners. */
export function githubApi(world: World) {
  return (req: FakeRequest): FakeResponse => {
    if (req.method !== "GET" || req.path !== "/meta") {
      return {
        status: 404,
        body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" },
        unexpected: true,
      };
    }
    return {
      status: 200,
      body: {
        verifiable_password_authentication: false,
        actions: world.scenario.githubActionsRanges ?? [],
        actions_macos: [],
      },
    };
  };
}

/** GitHub Actions' ID-token endpoint: `{"value": "<jwt>"}` for the job's request token. */
export function githubOidc(world: World, requestToken: string) {
  return (req: FakeRequest): FakeResponse => {
    const github = world.scenario.oidc?.github;
    if (req.method !== "GET" || req.path !== GITHUB_ID_TOKEN_PATH || !github) {
      return { status: 404, body: { message: "Not Found" }, unexpected: true };
    }
    if (req.headers.authorization !== `Bearer ${requestToken}`)
      return { status: 401, body: { message: "Bad credentials" } };
    const iat = world.clock.nowSeconds();
    const repository = /^repo:([^:]+)/.exec(github.subject)?.[1] ?? "contoso/app";
    const value = world.jwt.mint(
      {
        jti: world.newId(),
        sub: github.subject,
        aud: req.query.get("audience") ?? `https://github.com/${repository.split("/")[0]}`,
        ref: "refs/heads/main",
        repository,
        repository_owner: repository.split("/")[0],
        run_id: "1234567890",
        event_name: "push",
        iss: github.issuer ?? `https://${GITHUB_OIDC_HOST}`,
        nbf: iat - 5,
        iat,
        exp: iat + (github.lifetimeSeconds ?? 300),
      },
      { kid: "fake-github" },
    );
    return { status: 200, body: { count: 1, value } };
  };
}

/** Azure Pipelines' OIDC endpoint (SYSTEM_OIDCREQUESTURI): `{"oidcToken": "<jwt>"}` for System.AccessToken. */
export function azurePipelinesOidc(world: World, systemAccessToken: string) {
  return (req: FakeRequest): FakeResponse => {
    const ado = world.scenario.oidc?.azurePipelines;
    if (req.method !== "POST" || req.path !== ADO_OIDC_PATH || !ado)
      return { status: 404, body: { message: "Not Found" }, unexpected: true };
    if (req.headers.authorization !== `Bearer ${systemAccessToken}`) {
      return {
        status: 401,
        body: { message: "TF400813: The user '' is not authorized to access this resource." },
      };
    }
    if (!req.query.get("serviceConnectionId")) {
      return { status: 400, body: { message: "The serviceConnectionId query parameter is required." } };
    }
    const iat = world.clock.nowSeconds();
    const oidcToken = world.jwt.mint({
      jti: world.newId(),
      sub: ado.subject,
      aud: TOKEN_EXCHANGE_AUDIENCE,
      iss: ado.issuer ?? `https://login.microsoftonline.com/${world.scenario.tenantId}/v2.0`,
      nbf: iat - 5,
      iat,
      exp: iat + (ado.lifetimeSeconds ?? 600),
    });
    return { status: 200, body: { oidcToken } };
  };
}
