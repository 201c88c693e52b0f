import type { AppCredential, CredentialsInUse } from "../context/credential-in-use.js";
import { credentialsInUse, describeCredential } from "../context/credential-in-use.js";
import { usesOneShotAssertion } from "../context/az-session.js";
import { armTokenAttemptFact } from "../context/entra-token.js";
import type { GraphApplication } from "../context/graph-application.js";
import {
  APPLICATION_READ_PERMISSION,
  grantApplicationReadCommands,
  graphApplicationFact,
} from "../context/graph-application.js";
import type { RunContext } from "../context/scope.js";
import { decodeEntraError } from "../credential/aadsts.js";
import type { CredentialInfo } from "../credential/types.js";
import type { Finding } from "../report/types.js";
import type { Check, CodeInfo } from "./check.js";
import { defineCodes, SkipCheck } from "./check.js";
import type { ExpiryVerdict, ExpiryWindow } from "./expiry.js";
import { rotateCertificateCommands, rotateSecretCommands } from "./app-credential-fixes.js";
import { daysLeft, describeEnd, expiryVerdict, isoMinute } from "./expiry.js";

const SECRET_DOCS =
  "https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials?tabs=client-secret";
const CERTIFICATE_DOCS =
  "https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials?tabs=certificate";
const FEDERATION_DOCS = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation";

const VERDICT_SUFFIX = {
  expired: "EXPIRED",
  "during-job": "EXPIRES_DURING_JOB",
  soon: "EXPIRES_SOON",
  ok: "OK",
} as const satisfies Record<ExpiryVerdict, string>;

type VerdictCode<P extends string> = `${P}_${(typeof VERDICT_SUFFIX)[ExpiryVerdict]}`;

/** The four verdict codes of one credential type, so secrets and certificates read alike. */
function verdictCodes<P extends string>(
  prefix: P,
  noun: string,
  rotate: string,
  docs: string,
): Record<VerdictCode<P>, Omit<CodeInfo, "code">> {
  return {
    [`${prefix}_EXPIRED`]: { severity: "error", title: `The ${noun} in use has expired`, fix: rotate, docs },
    [`${prefix}_EXPIRES_DURING_JOB`]: {
      severity: "error",
      title: `The ${noun} in use expires before the job ends`,
      fix: rotate,
      docs,
    },
    [`${prefix}_EXPIRES_SOON`]: {
      severity: "warning",
      title: `The ${noun} in use expires within the expiry-warning window`,
      fix: rotate,
      docs,
    },
    [`${prefix}_OK`]: {
      severity: "notice",
      title: `The ${noun} in use outlives the job and the warning window`,
      fix: "Nothing to fix.",
      docs,
    },
  } as Record<VerdictCode<P>, Omit<CodeInfo, "code">>;
}

const CODES = defineCodes({
  ...verdictCodes(
    "SECRET",
    "client secret",
    "Add a new client secret (`az ad app credential reset --append`), store it where the job reads it, then delete the old one — or move to workload identity federation.",
    SECRET_DOCS,
  ),
  ...verdictCodes(
    "CERTIFICATE",
    "client certificate",
    "Upload a new certificate (`az ad app credential reset --append --cert`), point the job at it, then delete the old one.",
    CERTIFICATE_DOCS,
  ),
  SECRET_NOT_IDENTIFIED: {
    severity: "notice",
    title: "The secret in use could not be told apart; every candidate was judged",
    fix: "Nothing to fix; pass the secret through the tool's own login (it matches it by hint) for an exact answer.",
    docs: SECRET_DOCS,
  },
  NO_SECRET_TO_EXPIRE: {
    severity: "notice",
    title: "Federated and managed identities have no secret to expire",
    fix: "Nothing to fix.",
    docs: FEDERATION_DOCS,
  },
});

/** `sp-secret-expiry`: the secrets/certificates of the identity outlive the job and the warning window. */
export const spSecretExpiryCheck: Check = {
  id: "sp-secret-expiry",
  scope: "run",
  modes: ["preflight", "audit"],
  codes: CODES,
  permissions: [
    `Microsoft Graph \`${APPLICATION_READ_PERMISSION}\` (application permission, admin-consented)`,
  ],
  async run(ctx) {
    const attempt = await ctx.get(armTokenAttemptFact);
    if (!attempt.ok) return { findings: [entraRefusal(attempt.error, ctx.deps.credentialInfo, ctx.now())] };
    const info = ctx.deps.credentialInfo;
    const lookup = await ctx.get(graphApplicationFact);
    const oneShot = await usesOneShotAssertion(ctx);
    if (
      oneShot ||
      isFederated(info) ||
      (lookup.status === "no-application" && lookup.principalType === "ManagedIdentity")
    ) {
      return { findings: [noSecretFinding(info, oneShot)] };
    }
    switch (lookup.status) {
      case "found":
        return { findings: judgeApplication(ctx, lookup.application, info) };
      case "no-application":
        throw new SkipCheck(
          "not-applicable",
          "The job signs in as a user, which has no app secret or certificate to expire.",
        );
      case "forbidden":
        throw new SkipCheck(
          "permission",
          `Microsoft Graph refused to read app registration ${lookup.appId} (the identity lacks ${APPLICATION_READ_PERMISSION}), ` +
            `so its secret's end date is unknown. Entra accepted the credential just now, so it is valid today.`,
          [
            ...grantApplicationReadCommands(lookup.appId),
            `az ad app credential list --id ${lookup.appId} --query "[].{keyId:keyId, name:displayName, hint:hint, ends:endDateTime}"  # or check by hand`,
          ],
          { appId: lookup.appId, graph: lookup.detail, entraAcceptedCredential: true },
        );
      case "not-found":
        throw new SkipCheck(
          "prerequisite",
          `No app registration with appId ${lookup.appId} exists in this tenant: a multi-tenant app keeps its secrets in its home tenant. Entra accepted the credential just now, so it is valid today.`,
          [`az ad app credential list --id ${lookup.appId}  # signed in to the app's home tenant`],
          { appId: lookup.appId, graph: lookup.detail, entraAcceptedCredential: true },
        );
      case "error":
        throw new SkipCheck(
          "prerequisite",
          `Microsoft Graph did not answer for app registration ${lookup.appId}: ${lookup.detail}. Entra accepted the credential just now, so it is valid today.`,
          [],
          { appId: lookup.appId },
        );
    }
  },
};

function isFederated(info: CredentialInfo): boolean {
  return info.kind === "federated" || info.kind === "managed-identity" || info.federatedSource !== undefined;
}

function signInDescription(info: CredentialInfo, oneShot: boolean): string {
  if (info.kind === "managed-identity") return "a managed identity";
  if (info.federatedSource) return `a federated OIDC assertion (${info.federatedSource})`;
  if (oneShot) return "an az session signed in with a federated OIDC token (azure/login)";
  return "a federated OIDC assertion";
}

function noSecretFinding(info: CredentialInfo, oneShot: boolean): Finding {
  const how = signInDescription(info, oneShot);
  return CODES.NO_SECRET_TO_EXPIRE.finding({
    message: `The identity signs in with ${how}: there is no client secret or certificate that could expire.`,
    evidence: {
      credentialKind: info.kind,
      ...(info.federatedSource ? { federatedSource: info.federatedSource } : {}),
    },
  });
}

/** The token endpoint's own word when it refused the credential: AADSTS7000222 means the secret expired. */
function entraRefusal(error: unknown, info: CredentialInfo, now: Date): Finding {
  const failure = decodeEntraError(error);
  if (failure.kind !== "aadsts" || !failure.codes.includes(7000222)) {
    throw new SkipCheck(
      "prerequisite",
      "No Entra token could be obtained for the identity (see the `credential` check).",
    );
  }
  const appId = failure.appId ?? info.clientId ?? "<appId>";
  return CODES.SECRET_EXPIRED.finding({
    message: `Entra refused the client secret of app ${appId} as expired (AADSTS7000222): the secret the job presents is past its end date.`,
    remediation: rotateSecretCommands(appId, undefined, undefined, now),
    evidence: { appId, aadsts: 7000222, source: "Entra token endpoint" },
  });
}

function judgeApplication(ctx: RunContext, app: GraphApplication, info: CredentialInfo): Finding[] {
  const now = ctx.now();
  const window: ExpiryWindow = {
    now,
    jobMinutes: ctx.config.jobDurationMinutes,
    warningMinutes: ctx.config.expiryWarningMinutes,
  };
  const inUse = credentialsInUse(app, info);
  if (inUse.candidates.length === 0) {
    return [
      CODES.NO_SECRET_TO_EXPIRE.finding({
        message: `App registration '${app.displayName ?? app.appId}' has no client secret or certificate, so the identity signs in another way (federation) and nothing can expire.`,
        evidence: { appId: app.appId, credentialKind: info.kind },
      }),
    ];
  }
  if (inUse.match !== "unidentified") return inUse.judged.map((c) => judgeCredential(app, c, inUse, window));
  // Entra accepted the credential a moment ago, so an already-expired candidate is not the one in use.
  const unexpired = inUse.judged.filter((c) => expiryVerdict(c.endDateTime, window) !== "expired");
  const expired = inUse.judged.filter((c) => !unexpired.includes(c));
  return [
    CODES.SECRET_NOT_IDENTIFIED.finding({
      message:
        `The credential in use could not be matched to one of the ${inUse.candidates.length} secret(s)/certificate(s) of app '${app.displayName ?? app.appId}' ` +
        `(${unmatchedReason(info)}); ` +
        `each one that has not expired was judged.`,
      evidence: {
        appId: app.appId,
        credentialKind: info.kind,
        judged: unexpired.map((c) => c.keyId),
        expiredSoNotInUse: expired.map((c) => c.keyId),
      },
    }),
    ...unexpired.map((c) => judgeCredential(app, c, inUse, window)),
  ];
}

function unmatchedReason(info: CredentialInfo): string {
  if (info.secretHint) return "no secret has its hint";
  if (info.certificateThumbprint) return "no certificate has its thumbprint";
  return "the sign-in method does not say which one it presents";
}

function judgeCredential(
  app: GraphApplication,
  credential: AppCredential,
  inUse: CredentialsInUse,
  window: ExpiryWindow,
): Finding {
  const verdict = expiryVerdict(credential.endDateTime, window);
  const prefix = credential.kind === "secret" ? "SECRET" : "CERTIFICATE";
  const code = CODES[`${prefix}_${VERDICT_SUFFIX[verdict]}` as const];
  const what = `The ${describeCredential(credential)} of app '${app.displayName ?? app.appId}' (${app.appId})`;
  const end = credential.endDateTime;
  const ambiguity =
    inUse.match === "ambiguous"
      ? ` ${inUse.candidates.length} credentials match (${inUse.candidates.map((c) => c.keyId).join(", ")}); the one expiring first was judged.`
      : "";
  const evidence = {
    appId: app.appId,
    application: app.displayName ?? undefined,
    keyId: credential.keyId,
    displayName: credential.displayName,
    endDateTime: end?.toISOString() ?? "never",
    ...(end ? { daysLeft: daysLeft(end, window.now) } : {}),
    matchedBy: inUse.match,
    ...(credential.thumbprint ? { thumbprint: credential.thumbprint } : {}),
    jobDurationMinutes: window.jobMinutes,
    expiryWarningDays: Math.round(window.warningMinutes / 1440),
  };
  const remediation =
    verdict === "ok"
      ? []
      : credential.kind === "secret"
        ? rotateSecretCommands(app.appId, credential.keyId, app.displayName ?? undefined, window.now)
        : rotateCertificateCommands(app.appId, credential.keyId, app.displayName ?? undefined);
  return code.finding({
    message: `${what} ${verdictSentence(verdict, end, window)}${ambiguity}`,
    remediation,
    evidence,
  });
}

function verdictSentence(verdict: ExpiryVerdict, end: Date | undefined, window: ExpiryWindow): string {
  if (!end) return "has no end date.";
  const when = describeEnd(end, window.now);
  switch (verdict) {
    case "expired":
      return `expired at ${when}; Entra refuses it (AADSTS7000222).`;
    case "during-job":
      return `expires at ${when}, before the job's ${window.jobMinutes} min are over: every Entra sign-in after that minute fails (AADSTS7000222).`;
    case "soon":
      return `expires at ${when}, within the ${Math.round(window.warningMinutes / 1440)}-day expiry-warning window.`;
    case "ok":
      return `is valid until ${isoMinute(end)}, beyond the job and the ${Math.round(window.warningMinutes / 1440)}-day warning window.`;
  }
}
