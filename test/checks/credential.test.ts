import {
  AggregateAuthenticationError,
  AuthenticationError,
  AuthenticationRequiredError,
  CredentialUnavailableError,
} from "@azure/identity";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodeEntraError } from "../../src/core/credential/aadsts.js";
import { NoCredentialConfigured, OidcTokenUnavailable } from "../../src/core/credential/types.js";
import { startFakeAzure, type Fault, type Scenario } from "../fake-azure/index.js";
import type { Report } from "../../src/core/report/types.js";
import { checkOf, fakeEnv, inputEnv, runCli, runNode } from "../support/cli.js";
import { healthyScenario, healthyVariant } from "./healthy-variant.js";

const APP = "8a1f6c02-3d4e-4b5a-9c8d-7e6f5a4b3c2d";
const TRACE = "0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f";
const CORRELATION = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
const TAIL = `\r\nTrace ID: ${TRACE}\r\nCorrelation ID: ${CORRELATION}\r\nTimestamp: 2026-11-24 10:00:00Z`;

/** Real AADSTS descriptions (Entra's wording) and what must be read out of them. */
const DESCRIPTIONS: { code: number; text: string; expect?: Record<string, unknown> }[] = [
  {
    code: 7000215,
    text: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${APP}'.`,
    expect: { appId: APP },
  },
  {
    code: 7000222,
    text: `The provided client secret keys for app '${APP}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    expect: { appId: APP },
  },
  {
    code: 700016,
    text: `Application with identifier '${APP}' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    expect: { appId: APP, tenant: "Contoso" },
  },
  {
    code: 700024,
    text: "Client assertion is not within its valid time range. Current time: 2026-11-24T10:07:12.000Z, assertion valid from 2026-11-24T10:00:00.000Z, expiry time of assertion 2026-11-24T10:05:00.000Z. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .",
  },
  {
    code: 70021,
    text: "No matching federated identity record found for presented assertion. Assertion Issuer: 'https://token.actions.githubusercontent.com'. Assertion Subject: 'repo:contoso/app:ref:refs/heads/main'. Assertion Audience: 'api://AzureADTokenExchange'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation",
    expect: {
      assertion: {
        issuer: "https://token.actions.githubusercontent.com",
        subject: "repo:contoso/app:ref:refs/heads/main",
        audience: "api://AzureADTokenExchange",
      },
    },
  },
  {
    code: 700211,
    text: "No matching federated identity record found for presented assertion issuer 'https://vstoken.dev.azure.com/3c2b1a09-8f7e-4d6c-5b4a-39281706f5e4'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.",
    expect: { assertion: { issuer: "https://vstoken.dev.azure.com/3c2b1a09-8f7e-4d6c-5b4a-39281706f5e4" } },
  },
  {
    code: 700213,
    text: "No matching federated identity record found for presented assertion subject 'repo:contoso@4242/app@1337:environment:prod'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.",
    expect: { assertion: { subject: "repo:contoso@4242/app@1337:environment:prod" } },
  },
  {
    code: 70025,
    text: `The client '${APP}'(github-ci) has no configured federated identity credentials.`,
    expect: { appId: APP },
  },
  {
    code: 700223,
    text: "Workload identity federation is disabled for this tenant by policy. Contact your tenant administrator.",
  },
  {
    code: 7002381,
    text: "Federated identity credentials issued by 'https://token.actions.githubusercontent.com/' for applications or managed identities registered in this tenant must contain the enterprise claim with value 'microsoft', 'github' or 'microsoftopensource' but actual value is ''.",
  },
  {
    code: 70052,
    text: "The identity must be a managed identity, a single tenant app, or a service account.",
  },
  {
    code: 53003,
    text: "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
  },
  {
    code: 90002,
    text: "Tenant '11111111-2222-3333-4444-555555555555' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.",
    expect: { tenant: "11111111-2222-3333-4444-555555555555" },
  },
];

/** How @azure/identity 4 surfaces an Entra refusal from MSAL: AuthenticationRequiredError caused by MSAL's ServerError. */
function msalServerError(code: number, text: string): Error {
  const description = `AADSTS${code}: ${text}${TAIL}`;
  const message = `invalid_client: Error(s): ${code} - Timestamp: 2026-11-24 10:00:00Z - Description: ${description} - Correlation ID: ${CORRELATION} - Trace ID: ${TRACE}`;
  const cause = Object.assign(new Error(message), { name: "ServerError", errorNo: String(code) });
  return new AuthenticationRequiredError({
    scopes: ["https://management.azure.com/.default"],
    message,
    cause,
  });
}

/** How EnvironmentCredential (and Entra answers read by identity itself) surface it: AuthenticationError with errorResponse. */
function authenticationError(code: number, text: string): Error {
  return new AuthenticationError(400, {
    error: "invalid_client",
    error_description: `AADSTS${code}: ${text}${TAIL}`,
    error_codes: [code],
    trace_id: TRACE,
    correlation_id: CORRELATION,
  });
}

describe("decodeEntraError", () => {
  for (const shape of [msalServerError, authenticationError]) {
    describe(`from ${shape.name}`, () => {
      it.each(DESCRIPTIONS)("reads AADSTS$code", ({ code, text, expect: expected }) => {
        const failure = decodeEntraError(shape(code, text));
        expect(failure).toMatchObject({
          kind: "aadsts",
          code,
          traceId: TRACE,
          correlationId: CORRELATION,
          ...expected,
        });
        if (failure.kind !== "aadsts") return;
        expect(failure.description.startsWith(`AADSTS${code}: `)).toBe(true);
        expect(failure.description).not.toMatch(/Trace ID|Correlation ID|Timestamp:/);
      });
    });
  }

  it("does not mistake AADSTS7002381 for AADSTS700238", () => {
    const failure = decodeEntraError(new Error(`AADSTS7002381: ${DESCRIPTIONS[9]?.text}`));
    expect(failure).toMatchObject({ kind: "aadsts", code: 7002381 });
  });

  it("finds the Entra refusal inside a chain's aggregate error", () => {
    const chain = new AggregateAuthenticationError(
      [
        new CredentialUnavailableError("AzureCliCredential: az not found"),
        msalServerError(7000215, DESCRIPTIONS[0]!.text),
      ],
      "ChainedTokenCredential authentication failed.",
    );
    expect(decodeEntraError(chain)).toMatchObject({ kind: "aadsts", code: 7000215, appId: APP });
  });

  it("reports a missing OIDC token with its platform", () => {
    const oidc = new OidcTokenUnavailable("add `permissions: id-token: write`", "github");
    const wrapped = new AuthenticationRequiredError({ scopes: ["x"], message: oidc.message, cause: oidc });
    expect(decodeEntraError(wrapped)).toEqual({
      kind: "oidc-unavailable",
      platform: "github",
      message: oidc.message,
    });
  });

  it("reports a socket error under the credential's error as network", () => {
    const socket = Object.assign(new Error("getaddrinfo ENOTFOUND login.microsoftonline.com"), {
      code: "ENOTFOUND",
    });
    const wrapped = new AuthenticationRequiredError({
      scopes: ["x"],
      message: "network_error",
      cause: socket,
    });
    expect(decodeEntraError(wrapped)).toMatchObject({ kind: "network", code: "ENOTFOUND" });
  });

  it("reports MSAL's endpoint resolution failure as network when nothing names a code", () => {
    const error = new CredentialUnavailableError("endpoints_resolution_error: Endpoints cannot be resolved");
    expect(decodeEntraError(error)).toMatchObject({ kind: "network" });
  });

  it("reports chains where no credential was available, and NoCredentialConfigured, as no-credential", () => {
    const chain = new AggregateAuthenticationError(
      [
        new CredentialUnavailableError("EnvironmentCredential is unavailable."),
        new CredentialUnavailableError("ManagedIdentityCredential: no IMDS"),
      ],
      "ChainedTokenCredential authentication failed.",
    );
    expect(decodeEntraError(chain).kind).toBe("no-credential");
    expect(decodeEntraError(new NoCredentialConfigured("none configured")).kind).toBe("no-credential");
  });

  it("keeps anything else as other, with its first line", () => {
    expect(decodeEntraError(new Error("boom\nstack"))).toEqual({ kind: "other", message: "boom" });
  });
});

/** A client assertion as a federated token file holds it (the fake checks its claims, not a signature). */
function assertion(claims: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const body = { aud: "api://AzureADTokenExchange", iat: now, nbf: now, exp: now + 300, ...claims };
  return `${encode({ typ: "JWT", alg: "RS256", kid: "test" })}.${encode(body)}.c2lnbmF0dXJl`;
}

async function credentialCheckOf(
  scenario: Scenario,
  options: {
    env?: Record<string, string>;
    credentials?: "env" | "none";
    fault?: Fault;
    federated?: Record<string, unknown>;
  } = {},
) {
  const fake = await startFakeAzure({ scenario });
  try {
    if (options.fault) fake.addFault(options.fault);
    const env = { ...options.env };
    if (options.federated) {
      const dir = await mkdtemp(path.join(tmpdir(), "acr-preflight-oidc-"));
      env.AZURE_FEDERATED_TOKEN_FILE = path.join(dir, "token");
      await writeFile(env.AZURE_FEDERATED_TOKEN_FILE, assertion(options.federated));
      env.AZURE_TENANT_ID = scenario.tenantId;
      env.AZURE_CLIENT_ID = scenario.principals[0]!.clientId;
    }
    const credentials = options.credentials ?? (options.federated ? "none" : "env");
    const result = await runCli(fake, ["--registry", "contosoacr", "--checks", "credential"], {
      env,
      credentials,
    });
    const check = checkOf(result.report, "credential");
    const finding = check.findings[0]!;
    return { result, check, finding, text: JSON.stringify(finding) };
  } finally {
    await fake.close();
  }
}

const healthy = healthyScenario();
const APP_ID = healthy.principals[0]!.clientId;
const GITHUB_SUBJECT = "repo:contoso/shop-api:ref:refs/heads/main";
const GITHUB = "https://token.actions.githubusercontent.com";

describe.concurrent("credential check end to end", () => {
  it("passes with who signed in and how long the token lasts, never the token", async () => {
    const { check, finding, text } = await credentialCheckOf(healthy);
    expect(check.status).toBe("pass");
    expect(finding.code).toBe("CREDENTIAL_OK");
    expect(finding.evidence).toMatchObject({
      tenantId: healthy.tenantId,
      appId: APP_ID,
      objectId: healthy.principals[0]!.objectId,
      authType: "secret",
      tokenExpiresInMinutes: 75,
    });
    expect(text).not.toMatch(/eyJ/);
  });

  it("explains a wrong secret value as CLIENT_SECRET_INVALID with the reset command", async () => {
    const { result, finding } = await credentialCheckOf(healthy, {
      env: { AZURE_CLIENT_SECRET: "3f1e2d4c-5b6a-4987-8c7d-6e5f4a3b2c1d" },
    });
    expect(result.code).toBe(1);
    expect(finding.code).toBe("CLIENT_SECRET_INVALID");
    expect(finding.message).toContain("ID");
    expect(finding.remediation.join("\n")).toContain(`az ad app credential reset --id ${APP_ID} --append`);
    expect(finding.evidence).toMatchObject({
      aadsts: "AADSTS7000215",
      traceId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it("explains an expired secret as CLIENT_SECRET_EXPIRED", async () => {
    const scenario = healthyVariant((v) => {
      v.scenario.principals[0]!.secrets![0]!.endDateTime = "now-1d";
    });
    const { finding } = await credentialCheckOf(scenario);
    expect(finding.code).toBe("CLIENT_SECRET_EXPIRED");
    expect(finding.evidence.aadsts).toBe("AADSTS7000222");
    expect(finding.remediation.join("\n")).toContain(`--id ${APP_ID}`);
  });

  it("explains a deleted app as APP_NOT_FOUND_IN_TENANT", async () => {
    const scenario = healthyVariant((v) => {
      v.scenario.principals[0]!.deleted = true;
    });
    const { finding } = await credentialCheckOf(scenario);
    expect(finding.code).toBe("APP_NOT_FOUND_IN_TENANT");
    expect(finding.message).toContain(APP_ID);
    expect(finding.remediation[0]).toBe(
      `az ad sp show --id ${APP_ID} --query "{appId:appId, tenant:appOwnerOrganizationId, name:displayName}"`,
    );
  });

  it("explains an unknown tenant as TENANT_NOT_FOUND naming `environment` (wrong cloud)", async () => {
    const otherCloudTenant = "7e6d5c4b-3a29-4817-9f6e-5d4c3b2a1908";
    const { finding } = await credentialCheckOf(healthy, { env: { AZURE_TENANT_ID: otherCloudTenant } });
    expect(finding.code).toBe("TENANT_NOT_FOUND");
    expect(finding.message).toContain(otherCloudTenant);
    expect(finding.message).toContain("`environment` AzureCloud");
    expect(finding.remediation.join("\n")).toContain("environment: AzureUSGovernment");
    expect(finding.evidence).toMatchObject({ aadsts: "AADSTS90002", environment: "AzureCloud" });
  });

  it("explains Conditional Access with the runner's IP", async () => {
    const scenario = healthyVariant((v) => {
      v.scenario.entra = { ...v.scenario.entra, conditionalAccessBlocked: [APP_ID] };
    });
    const { finding } = await credentialCheckOf(scenario);
    expect(finding.code).toBe("CONDITIONAL_ACCESS_BLOCKED");
    expect(finding.remediation[0]).toContain(`${healthy.runner.ip}/32`);
    expect(finding.evidence).toMatchObject({ aadsts: "AADSTS53003", runnerIp: healthy.runner.ip });
  });

  it("explains a connection reset at the authority as AUTHORITY_UNREACHABLE naming the host", async () => {
    const { finding } = await credentialCheckOf(healthy, {
      fault: { host: "login.microsoftonline.com", kind: "reset" },
    });
    expect(finding.code).toBe("AUTHORITY_UNREACHABLE");
    expect(finding.message).toContain("login.microsoftonline.com");
    expect(finding.evidence.networkError).toBe("ECONNRESET");
  });

  it("explains a job without any credential as NO_CREDENTIAL_CONFIGURED", async () => {
    const { finding } = await credentialCheckOf(healthy, { credentials: "none" });
    expect(finding.code).toBe("NO_CREDENTIAL_CONFIGURED");
    expect(finding.remediation.join("\n")).toContain("AZURE_CLIENT_ID");
  });

  describe("federated (OIDC) assertions", () => {
    it("accepts the assertion the federated credential names", async () => {
      const { check } = await credentialCheckOf(healthy, { federated: { iss: GITHUB, sub: GITHUB_SUBJECT } });
      expect(check.status).toBe("pass");
    });

    it("explains a subject mismatch with the immutable-subject hint and the exact create command", async () => {
      const subject = "repo:contoso@4242/shop-api@1337:ref:refs/heads/main";
      const { finding } = await credentialCheckOf(healthy, { federated: { iss: GITHUB, sub: subject } });
      expect(finding.code).toBe("FEDERATED_CREDENTIAL_MISMATCH");
      expect(finding.evidence.aadsts).toBe("AADSTS700213");
      expect(finding.message).toContain("immutable subjects");
      const create = finding.remediation.find((r) => r.startsWith("az ad app federated-credential create"))!;
      const parameters = JSON.parse(/--parameters '(.*)'$/.exec(create)![1]!) as Record<string, unknown>;
      expect(parameters).toMatchObject({
        issuer: GITHUB,
        subject,
        audiences: ["api://AzureADTokenExchange"],
      });
      expect(create).toContain(`--id ${APP_ID}`);
    });

    it("explains an issuer mismatch (AADSTS700211) and mentions the Azure Pipelines issuer change", async () => {
      const issuer = "https://vstoken.dev.azure.com/3c2b1a09-8f7e-4d6c-5b4a-39281706f5e4";
      const { finding } = await credentialCheckOf(healthy, {
        federated: { iss: issuer, sub: "sc://contoso/shop/acr" },
      });
      expect(finding.code).toBe("FEDERATED_CREDENTIAL_MISMATCH");
      expect(finding.evidence).toMatchObject({ aadsts: "AADSTS700211", assertion: { issuer } });
      expect(finding.message).toContain("Azure Pipelines moved its issuer");
    });

    it("explains an audience mismatch (AADSTS70021)", async () => {
      const { finding } = await credentialCheckOf(healthy, {
        federated: { iss: GITHUB, sub: GITHUB_SUBJECT, aud: "https://github.com/contoso" },
      });
      expect(finding.code).toBe("FEDERATED_CREDENTIAL_MISMATCH");
      expect(finding.evidence.aadsts).toBe("AADSTS70021");
    });

    it("explains an app without federated credentials as NO_FEDERATED_CREDENTIALS", async () => {
      const scenario = healthyVariant((v) => {
        v.scenario.principals[0]!.federatedCredentials = [];
      });
      const { finding } = await credentialCheckOf(scenario, {
        federated: { iss: GITHUB, sub: GITHUB_SUBJECT },
      });
      expect(finding.code).toBe("NO_FEDERATED_CREDENTIALS");
      expect(finding.remediation[0]).toContain(`az ad app federated-credential create --id ${APP_ID}`);
    });

    it("explains an expired assertion as OIDC_ASSERTION_EXPIRED", async () => {
      const past = Math.floor(Date.now() / 1000) - 3600;
      const { finding } = await credentialCheckOf(healthy, {
        federated: { iss: GITHUB, sub: GITHUB_SUBJECT, iat: past - 300, nbf: past - 300, exp: past },
      });
      expect(finding.code).toBe("OIDC_ASSERTION_EXPIRED");
      expect(finding.message).toContain("one-shot");
    });

    it("explains a tenant that disabled federation as WORKLOAD_IDENTITY_FEDERATION_BLOCKED", async () => {
      const scenario = healthyVariant((v) => {
        v.scenario.entra = { ...v.scenario.entra, workloadIdentityFederationDisabled: true };
      });
      const { finding } = await credentialCheckOf(scenario, {
        federated: { iss: GITHUB, sub: GITHUB_SUBJECT },
      });
      expect(finding.code).toBe("WORKLOAD_IDENTITY_FEDERATION_BLOCKED");
      expect(finding.evidence.aadsts).toBe("AADSTS700223");
    });

    it("explains a multi-tenant app behind Azure Pipelines federation as MULTI_TENANT_APP_NOT_SUPPORTED", async () => {
      const issuer = `https://login.microsoftonline.com/${healthy.tenantId}/v2.0`;
      const scenario = healthyVariant((v) => {
        v.scenario.principals[0]!.signInAudience = "AzureADMultipleOrgs";
        v.scenario.principals[0]!.federatedCredentials = [
          { name: "ado", issuer, subject: "sc://contoso/shop/acr" },
        ];
      });
      const { finding } = await credentialCheckOf(scenario, {
        federated: { iss: issuer, sub: "sc://contoso/shop/acr" },
      });
      expect(finding.code).toBe("MULTI_TENANT_APP_NOT_SUPPORTED");
      expect(finding.remediation[0]).toBe(`az ad app update --id ${APP_ID} --sign-in-audience AzureADMyOrg`);
    });
  });

  it("explains a GitHub job without `id-token: write` as OIDC_TOKEN_UNAVAILABLE (through the action)", async () => {
    const fake = await startFakeAzure({ scenario: healthy });
    try {
      const runnerTemp = await mkdtemp(path.join(tmpdir(), "runner-temp-"));
      const env = fakeEnv(fake, {
        ...inputEnv({
          registry: "contosoacr",
          checks: "credential",
          "client-id": APP_ID,
          "tenant-id": healthy.tenantId,
        }),
        GITHUB_ACTIONS: "true",
        RUNNER_TEMP: runnerTemp,
      });
      // The runner offers no ACTIONS_ID_TOKEN_REQUEST_* without `permissions: id-token: write`.
      delete env.ACTIONS_ID_TOKEN_REQUEST_URL;
      delete env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
      await runNode(["--import", "tsx", "src/github/main.ts"], env);
      const report = JSON.parse(
        await readFile(path.join(runnerTemp, "acr-preflight", "report.json"), "utf8"),
      ) as Report;
      const finding = checkOf(report, "credential").findings[0]!;
      expect(finding.code).toBe("OIDC_TOKEN_UNAVAILABLE");
      expect(finding.remediation[0]).toContain("id-token: write");
      expect(finding.evidence.platform).toBe("github");
    } finally {
      await fake.close();
    }
  });
});
