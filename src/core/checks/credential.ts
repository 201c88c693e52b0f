import { AuthenticationError } from "@azure/identity";
import type { EntraErrorDetails, EntraFailure } from "../credential/aadsts.js";
import { decodeEntraError } from "../credential/aadsts.js";
import type { CredentialInfo } from "../credential/types.js";
import { armTokenAttemptFact, principalFromClaims } from "../context/entra-token.js";
import type { EntraToken } from "../context/entra-token.js";
import { runnerIpFact } from "../context/runner-ip.js";
import type { RegistryContext } from "../context/scope.js";
import type { Finding } from "../report/types.js";
import { rotateSecretCommands } from "./app-credential-fixes.js";
import type { Check, FindingCode, FindingInput } from "./check.js";
import { defineCodes } from "./check.js";

const ENTRA_ERRORS = "https://learn.microsoft.com/entra/identity-platform/reference-error-codes";
const FEDERATION_DOCS =
  "https://learn.microsoft.com/entra/workload-id/workload-identity-federation-create-trust";
const ADO_WIF_DOCS =
  "https://learn.microsoft.com/azure/devops/pipelines/release/troubleshoot-workload-identity";
const GITHUB_OIDC_DOCS =
  "https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-azure";
const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
const EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

const CODES = defineCodes({
  CREDENTIAL_OK: {
    severity: "notice",
    title: "An Entra token was obtained for the identity",
    fix: "Nothing to fix.",
  },
  CLIENT_SECRET_INVALID: {
    severity: "error",
    title: "Entra rejected the client secret",
    fix: "Store the secret's Value (not its Secret ID), or create a new secret with `az ad app credential reset --append`.",
    docs: ENTRA_ERRORS,
  },
  CLIENT_SECRET_EXPIRED: {
    severity: "error",
    title: "The client secret has expired",
    fix: "Create a new secret with `az ad app credential reset --append` and update the CI secret, or move to workload identity federation.",
    docs: ENTRA_ERRORS,
  },
  APP_NOT_FOUND_IN_TENANT: {
    severity: "error",
    title: "The application does not exist in the tenant",
    fix: "Check client-id and tenant-id (and environment); the app may have been deleted or belong to another tenant.",
    docs: ENTRA_ERRORS,
  },
  OIDC_ASSERTION_EXPIRED: {
    severity: "error",
    title: "The OIDC assertion had expired when it was presented",
    fix: "Fetch a fresh OIDC assertion for every token request instead of reusing one; check the runner's clock.",
    docs: FEDERATION_DOCS,
  },
  FEDERATED_CREDENTIAL_MISMATCH: {
    severity: "error",
    title: "No federated credential matches the OIDC assertion",
    fix: "Add a federated credential whose issuer, subject and audience equal the ones the assertion presents.",
    docs: FEDERATION_DOCS,
  },
  NO_FEDERATED_CREDENTIALS: {
    severity: "error",
    title: "The application has no federated credentials",
    fix: "Add a federated credential for the pipeline with `az ad app federated-credential create`.",
    docs: FEDERATION_DOCS,
  },
  WORKLOAD_IDENTITY_FEDERATION_BLOCKED: {
    severity: "error",
    title: "The tenant blocks workload identity federation",
    fix: "A tenant administrator must allow federated credentials for this issuer, or the job must use another credential type.",
    docs: ADO_WIF_DOCS,
  },
  MULTI_TENANT_APP_NOT_SUPPORTED: {
    severity: "error",
    title: "A multi-tenant app cannot use this workload identity federation",
    fix: "Make the app single-tenant (`--sign-in-audience AzureADMyOrg`) or use a managed identity.",
    docs: ADO_WIF_DOCS,
  },
  CONDITIONAL_ACCESS_BLOCKED: {
    severity: "error",
    title: "Conditional Access blocked the token",
    fix: "Have the Conditional Access policy for workload identities trust the runner's egress IPs (named location) or exclude this identity.",
    docs: "https://learn.microsoft.com/entra/identity/conditional-access/workload-identity",
  },
  TENANT_NOT_FOUND: {
    severity: "error",
    title: "The tenant was not found at the authority",
    fix: "Check tenant-id, and that `environment` (or authority-host) names the cloud the tenant lives in.",
    docs: ENTRA_ERRORS,
  },
  NO_CREDENTIAL_CONFIGURED: {
    severity: "error",
    title: "No credential is configured for the job",
    fix: "Give the job an identity: client-id/tenant-id with OIDC or a secret, a service connection, or a managed identity.",
    docs: "https://learn.microsoft.com/azure/developer/javascript/sdk/authentication/credential-chains",
  },
  OIDC_TOKEN_UNAVAILABLE: {
    severity: "error",
    title: "The pipeline offers no OIDC token",
    fix: "GitHub: add `permissions: id-token: write` to the job; Azure Pipelines: expose System.AccessToken to the task.",
    docs: GITHUB_OIDC_DOCS,
  },
  AUTHORITY_UNREACHABLE: {
    severity: "error",
    title: "The Entra authority host cannot be reached",
    fix: "Let the runner reach the authority host on 443 (DNS, proxy, firewall, TLS inspection CA).",
    docs: "https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud",
  },
  CREDENTIAL_FAILED: {
    severity: "error",
    title: "No Entra token could be obtained",
    fix: "Look up the AADSTS code in the finding; fix the identity's configuration it names.",
    docs: ENTRA_ERRORS,
  },
});

/** `credential`: an Entra token can be obtained for the configured identity, and if not, exactly why. */
export const credentialCheck: Check = {
  id: "credential",
  scope: "run",
  modes: ["preflight", "audit"],
  codes: CODES,
  permissions: ["None: any identity that can sign in to its tenant"],
  async run(ctx) {
    const attempt = await ctx.get(armTokenAttemptFact);
    if (attempt.ok) return { findings: [tokenObtained(ctx, attempt.value)] };
    const failure = decodeEntraError(attempt.error);
    const probed = failure.kind === "network" ? await probeAuthority(ctx) : undefined;
    return { findings: [await explainFailure(ctx, probed ?? failure)] };
  },
};

/**
 * MSAL swallows why it could not read the tenant's OpenID configuration (an unknown tenant and an
 * unreachable host look alike), so ask once more ourselves: Entra answers an unknown tenant with
 * AADSTS90002, a network failure keeps its socket error code.
 */
async function probeAuthority(ctx: RegistryContext): Promise<EntraFailure | undefined> {
  const tenant = ctx.deps.credentialInfo.tenantId;
  if (!tenant) return undefined;
  try {
    const url = `${ctx.config.cloud.authorityHost}/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`;
    const res = await ctx.apis.plain.send("GET", url);
    if (res.status === 200) return undefined;
    const failure = decodeEntraError(new AuthenticationError(res.status, parseJson(res.text)));
    return failure.kind === "aadsts" ? failure : undefined;
  } catch (error) {
    const failure = decodeEntraError(error);
    return failure.kind === "network" ? failure : undefined;
  }
}

function parseJson(text: string): object | undefined {
  try {
    return JSON.parse(text) as object;
  } catch {
    return undefined;
  }
}

function tokenObtained(ctx: RegistryContext, token: EntraToken): Finding {
  const principal = principalFromClaims(token.claims);
  const minutes = Math.round((token.expiresOn.getTime() - ctx.now().getTime()) / 60_000);
  return CODES.CREDENTIAL_OK.finding({
    message: `Signed in as ${principal.type ?? "principal"} ${principal.appId ?? principal.objectId ?? "(unknown)"} in tenant ${principal.tenantId ?? "(unknown)"}; the token is valid for ${minutes} more minutes.`,
    evidence: {
      tenantId: principal.tenantId,
      appId: principal.appId,
      objectId: principal.objectId,
      principalType: principal.type,
      authType: ctx.deps.authType,
      tokenAudience: token.scope,
      tokenExpiresInMinutes: minutes,
      authorityHost: ctx.config.cloud.authorityHost,
    },
  });
}

/** What the remediation of a failure needs to name real things. */
interface FailureContext {
  ctx: RegistryContext;
  info: CredentialInfo;
  appId: string;
  tenant: string;
  authorityHost: string;
}

async function explainFailure(ctx: RegistryContext, failure: EntraFailure): Promise<Finding> {
  const info = ctx.deps.credentialInfo;
  const authorityHost = new URL(ctx.config.cloud.authorityHost).host;
  const details = failure.kind === "aadsts" ? failure : undefined;
  const fc: FailureContext = {
    ctx,
    info,
    appId: info.clientId ?? details?.appId ?? "<client-id>",
    tenant: info.tenantId ?? details?.tenant ?? "<tenant-id>",
    authorityHost,
  };
  const evidence = {
    authType: ctx.deps.authType,
    credentialKind: info.kind,
    ...(info.federatedSource ? { federatedSource: info.federatedSource } : {}),
    authorityHost,
    ...(fc.appId.startsWith("<") ? {} : { clientId: fc.appId }),
    ...(fc.tenant.startsWith("<") ? {} : { tenantId: fc.tenant }),
  };
  switch (failure.kind) {
    case "aadsts": {
      const explanation = AADSTS[failure.code];
      const input = explanation ? await explanation.explain(failure, fc) : unknownCode(failure);
      const code = explanation?.code ?? CODES.CREDENTIAL_FAILED;
      return code.finding({
        ...input,
        evidence: {
          ...evidence,
          aadsts: `AADSTS${failure.code}`,
          ...(failure.codes.length > 1 ? { allCodes: failure.codes.map((c) => `AADSTS${c}`) } : {}),
          entraMessage: failure.description,
          ...(failure.traceId ? { traceId: failure.traceId } : {}),
          ...(failure.correlationId ? { correlationId: failure.correlationId } : {}),
          ...(failure.assertion ? { assertion: failure.assertion } : {}),
          ...input.evidence,
        },
      });
    }
    case "oidc-unavailable":
      return CODES.OIDC_TOKEN_UNAVAILABLE.finding({
        message: `No OIDC token could be requested from ${failure.platform === "github" ? "GitHub Actions" : "Azure Pipelines"}: ${failure.message}`,
        remediation:
          failure.platform === "github"
            ? ["Add to the job (or workflow):\npermissions:\n  id-token: write\n  contents: read"]
            : [
                "Pass the job's access token to the task:\nenv:\n  SYSTEM_ACCESSTOKEN: $(System.AccessToken)",
                "Check that the service connection uses workload identity federation and that the pipeline may use it (Project settings > Service connections > Security).",
              ],
        docs: failure.platform === "github" ? GITHUB_OIDC_DOCS : ADO_WIF_DOCS,
        evidence: { ...evidence, platform: failure.platform },
      });
    case "network":
      return CODES.AUTHORITY_UNREACHABLE.finding({
        message: `The Entra authority ${authorityHost} could not be reached from the runner (${failure.code}), so no token can be requested.`,
        remediation: [
          `nslookup ${authorityHost}`,
          `curl -sS -o /dev/null -w '%{http_code}\\n' https://${authorityHost}/common/v2.0/.well-known/openid-configuration`,
          `Allow outbound HTTPS (443) from the runner to ${authorityHost} in the proxy/firewall; behind TLS inspection, point NODE_EXTRA_CA_CERTS at the proxy's CA.`,
          `If the tenant is in a sovereign cloud, set \`environment\` (AzureUSGovernment, AzureChinaCloud) or \`authority-host\`.`,
        ],
        evidence: { ...evidence, networkError: failure.code, error: failure.message },
      });
    case "no-credential":
      return CODES.NO_CREDENTIAL_CONFIGURED.finding({
        message: `No credential could be used: ${failure.message}`,
        remediation: noCredentialRemediation(ctx),
        evidence,
      });
    case "other":
      return CODES.CREDENTIAL_FAILED.finding({
        message: `The credential failed without an Entra error code: ${failure.message}`,
        remediation: [
          ...(info.kind === "secret"
            ? [
                `az login --service-principal --username ${fc.appId} --tenant ${fc.tenant} --password "$AZURE_CLIENT_SECRET"`,
              ]
            : []),
          `Compare the error with ${ENTRA_ERRORS} and the identity's sign-in logs.`,
        ],
        evidence: { ...evidence, error: failure.message },
      });
  }
}

interface Explanation {
  code: FindingCode;
  explain(
    failure: EntraErrorDetails & { code: number },
    fc: FailureContext,
  ): FindingInput | Promise<FindingInput>;
}

const resetSecret = (fc: FailureContext) =>
  rotateSecretCommands(fc.appId, undefined, undefined, fc.ctx.now());

const secretInvalid: Explanation = {
  code: CODES.CLIENT_SECRET_INVALID,
  explain: (_f, fc) => ({
    message: `Entra rejected the client secret of app ${fc.appId}: it is not a current secret value. The usual cause is a secret's ID (a GUID) pasted instead of its Value, or a secret that was rotated.`,
    remediation: [
      `az ad app credential list --id ${fc.appId} --query "[].{keyId:keyId, hint:hint, expires:endDateTime}" --output table`,
      ...resetSecret(fc),
    ],
  }),
};

const secretExpired: Explanation = {
  code: CODES.CLIENT_SECRET_EXPIRED,
  explain: (_f, fc) => ({
    message: `Every client secret the job could present for app ${fc.appId} has expired, so Entra refuses to issue tokens.`,
    remediation: resetSecret(fc),
  }),
};

const appNotFound: Explanation = {
  code: CODES.APP_NOT_FOUND_IN_TENANT,
  explain: (_f, fc) => ({
    message: `No application ${fc.appId} exists in tenant ${fc.tenant} at ${fc.authorityHost}: the client id or tenant id is wrong, the app was deleted, or it lives in another cloud than \`environment\` (${fc.ctx.config.cloud.name}).`,
    remediation: [
      `az ad sp show --id ${fc.appId} --query "{appId:appId, tenant:appOwnerOrganizationId, name:displayName}"`,
      `az account show --query tenantId --output tsv`,
      `Set client-id/AZURE_CLIENT_ID and tenant-id/AZURE_TENANT_ID to the values of the app registration's Overview page; a deleted app can be restored within 30 days (Entra > App registrations > Deleted applications).`,
    ],
  }),
};

const assertionExpired: Explanation = {
  code: CODES.OIDC_ASSERTION_EXPIRED,
  explain: (_f, fc) => ({
    message: `The OIDC assertion presented for app ${fc.appId} had expired (GitHub's last about 5 minutes, Azure Pipelines' 10): a one-shot assertion was reused after it expired, or the runner's clock is off.`,
    remediation: [
      "Request a fresh assertion for every token request (a ClientAssertionCredential callback, or azure/login@v2 with `auth-type` left to OIDC) instead of caching one ID token for the whole job.",
      "date -u   # compare with an NTP source; fix the runner's clock if it drifts",
    ],
  }),
};

function federatedCredentialCommand(fc: FailureContext, issuer: string, subject: string): string {
  const name = `acr-preflight-${subject.replace(/[^A-Za-z0-9-]+/g, "-").replace(/^-+|-+$/g, "")}`.slice(
    0,
    120,
  );
  const parameters = JSON.stringify({ name, issuer, subject, audiences: [EXCHANGE_AUDIENCE] });
  return `az ad app federated-credential create --id ${fc.appId} --parameters '${parameters}'`;
}

function expectedIssuer(fc: FailureContext, presented?: string): string {
  if (presented) return presented;
  return fc.info.federatedSource === "azure-pipelines"
    ? `https://login.microsoftonline.com/${fc.tenant}/v2.0`
    : GITHUB_ISSUER;
}

function expectedSubject(fc: FailureContext, presented?: string): string {
  if (presented) return presented;
  return fc.info.federatedSource === "azure-pipelines"
    ? "sc://<organization>/<project>/<service-connection>"
    : "repo:<owner>/<repo>:ref:refs/heads/main";
}

const federatedMismatch: Explanation = {
  code: CODES.FEDERATED_CREDENTIAL_MISMATCH,
  explain: (f, fc) => {
    const presented = f.assertion ?? {};
    const part = f.code === 700211 ? "issuer" : f.code === 700213 ? "subject" : "issuer, subject or audience";
    const shown = [
      presented.issuer ? `issuer '${presented.issuer}'` : "",
      presented.subject ? `subject '${presented.subject}'` : "",
    ].filter(Boolean);
    return {
      message:
        `No federated credential of app ${fc.appId} matches the assertion's ${part}${shown.length ? ` (${shown.join(", ")})` : ""}. ` +
        `GitHub now issues immutable subjects (\`repo:owner@<id>/repo@<id>:…\`) for new repositories, and Azure Pipelines moved its issuer to https://login.microsoftonline.com/<tenant>/v2.0; credentials written for the old form no longer match.`,
      remediation: [
        `az ad app federated-credential list --id ${fc.appId} --query "[].{name:name, issuer:issuer, subject:subject, audiences:join(',', audiences)}" --output table`,
        federatedCredentialCommand(
          fc,
          expectedIssuer(fc, presented.issuer),
          expectedSubject(fc, presented.subject),
        ),
        "GitHub: `gh api repos/<owner>/<repo>/actions/oidc/customization/sub` shows which subject form the repository sends; Azure Pipelines: edit and save the service connection to regenerate its credential.",
      ],
      docs: fc.info.federatedSource === "azure-pipelines" ? ADO_WIF_DOCS : FEDERATION_DOCS,
    };
  },
};

const noFederatedCredentials: Explanation = {
  code: CODES.NO_FEDERATED_CREDENTIALS,
  explain: (f, fc) => ({
    message: `App ${fc.appId} has no federated credentials, so Entra cannot accept any OIDC assertion for it.`,
    remediation: [
      federatedCredentialCommand(
        fc,
        expectedIssuer(fc, f.assertion?.issuer),
        expectedSubject(fc, f.assertion?.subject),
      ),
    ],
  }),
};

const federationBlocked: Explanation = {
  code: CODES.WORKLOAD_IDENTITY_FEDERATION_BLOCKED,
  explain: (f, fc) => ({
    message:
      f.code === 7002381
        ? `Tenant ${fc.tenant} only accepts GitHub-issued federated credentials carrying an allowed \`enterprise\` claim, and this repository's token carries none.`
        : `Tenant ${fc.tenant} has workload identity federation disabled or restricted by policy (AADSTS${f.code}), so app ${fc.appId} cannot exchange an OIDC assertion.`,
    remediation: [
      "A tenant administrator must allow federated identity credentials for this issuer (Entra > Workload identities policies), or the job must use a managed identity or certificate instead.",
      `Ask the administrator for the sign-in log entry of app ${fc.appId}${f.correlationId ? ` with correlation id ${f.correlationId}` : ""}.`,
    ],
  }),
};

const multiTenantApp: Explanation = {
  code: CODES.MULTI_TENANT_APP_NOT_SUPPORTED,
  explain: (_f, fc) => ({
    message: `App ${fc.appId} is multi-tenant (signInAudience AzureADMultipleOrgs); Azure Pipelines workload identity federation requires a single-tenant app or a managed identity.`,
    remediation: [
      `az ad app update --id ${fc.appId} --sign-in-audience AzureADMyOrg`,
      "Or create the service connection with a managed identity.",
    ],
  }),
};

const conditionalAccess: Explanation = {
  code: CODES.CONDITIONAL_ACCESS_BLOCKED,
  explain: async (f, fc) => {
    const runnerIp = (await fc.ctx.get(runnerIpFact).catch(() => undefined))?.ip;
    return {
      message: `A Conditional Access policy for workload identities blocked app ${fc.appId}${runnerIp ? ` signing in from ${runnerIp}` : ""}; such policies usually allow only named locations, which hosted runners' changing IPs are not in.`,
      remediation: [
        `Ask a Conditional Access administrator to add ${runnerIp ? `${runnerIp}/32` : "the runner's egress IP"} to a trusted named location used by the policy, or to exclude app ${fc.appId} from it.`,
        `The sign-in log (Entra > Sign-in logs > Service principal sign-ins${f.correlationId ? `, correlation id ${f.correlationId}` : ""}) names the policy.`,
        "Use self-hosted runners with a fixed egress IP if the policy must stay location-based.",
      ],
      evidence: runnerIp ? { runnerIp } : {},
    };
  },
};

const tenantNotFound: Explanation = {
  code: CODES.TENANT_NOT_FOUND,
  explain: (f, fc) => {
    const cloud = fc.ctx.config.cloud;
    return {
      message: `Tenant ${f.tenant ?? fc.tenant} does not exist at ${fc.authorityHost}, the authority of \`environment\` ${cloud.name}: the tenant id is wrong, or the tenant lives in another cloud (Azure Government, Azure China).`,
      remediation: [
        'az account show --query "{tenant:tenantId, cloud:environmentName}"   # where the identity works',
        "Set tenant-id/AZURE_TENANT_ID to the Directory (tenant) ID of the app registration.",
        `If the tenant is in another cloud, set \`environment: AzureUSGovernment\` or \`environment: AzureChinaCloud\` (or \`authority-host\`) instead of ${cloud.name}.`,
      ],
      evidence: { environment: cloud.name },
    };
  },
};

const AADSTS: Record<number, Explanation> = {
  7000215: secretInvalid,
  7000222: secretExpired,
  700016: appNotFound,
  700024: assertionExpired,
  70021: federatedMismatch,
  700211: federatedMismatch,
  700213: federatedMismatch,
  7002131: federatedMismatch,
  70025: noFederatedCredentials,
  700223: federationBlocked,
  700238: federationBlocked,
  7002381: federationBlocked,
  70052: multiTenantApp,
  53003: conditionalAccess,
  90002: tenantNotFound,
};

function unknownCode(f: EntraErrorDetails & { code: number }): FindingInput {
  return {
    message: `Entra refused the token request with AADSTS${f.code}: ${f.description}`,
    remediation: [
      `Look up AADSTS${f.code} at ${ENTRA_ERRORS} and in the sign-in logs${f.traceId ? ` (trace id ${f.traceId})` : ""}.`,
    ],
  };
}

function noCredentialRemediation(ctx: RegistryContext): string[] {
  switch (ctx.deps.surface) {
    case "github":
      return [
        "Give the step client-id and tenant-id (OIDC, with `permissions: id-token: write`) or `creds`, as for azure/login.",
        "Or run azure/login before this step so the `az` session is used.",
      ];
    case "ado":
      return [
        "Set `azureSubscription` to an Azure Resource Manager service connection the pipeline may use.",
      ];
    case "cli":
      return [
        "export AZURE_TENANT_ID=<tenant-id> AZURE_CLIENT_ID=<client-id> AZURE_CLIENT_SECRET=<secret value>",
        "Or sign in first: az login",
      ];
  }
}
