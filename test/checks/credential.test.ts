import {
  AggregateAuthenticationError,
  AuthenticationError,
  AuthenticationRequiredError,
  CredentialUnavailableError,
} from "@azure/identity";
import { describe, expect, it } from "vitest";
import { decodeEntraError } from "../../src/core/credential/aadsts.js";
import { NoCredentialConfigured, OidcTokenUnavailable } from "../../src/core/credential/types.js";

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
