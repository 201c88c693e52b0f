import { grantReaderCommand } from "../context/assignee.js";
import { usesOneShotAssertion } from "../context/az-session.js";
import type { AppCredential } from "../context/credential-in-use.js";
import { credentialsInUse, describeCredential } from "../context/credential-in-use.js";
import { refreshTokenFact } from "../context/data-plane.js";
import { armTokenFact } from "../context/entra-token.js";
import {
  APPLICATION_READ_PERMISSION,
  grantApplicationReadCommands,
  graphApplicationFact,
} from "../context/graph-application.js";
import { loginServerFact } from "../context/registry-lookup.js";
import { repositoryTokenFact } from "../context/repository-token.js";
import type { RegistryContext } from "../context/scope.js";
import type { Finding } from "../report/types.js";
import { rotateCertificateCommands, rotateSecretCommands } from "./app-credential-fixes.js";
import type { Check, FindingCode } from "./check.js";
import { defineCodes, SkipCheck } from "./check.js";
import { describeEnd, isoMinute, minutesUntil } from "./expiry.js";

const TOKEN_DOCS = "https://learn.microsoft.com/azure/container-registry/container-registry-authentication";
const OIDC_DOCS = "https://github.com/Azure/login#readme";
const REPOSITORY_TOKEN_DOCS =
  "https://learn.microsoft.com/azure/container-registry/container-registry-token-based-repository-permissions";

/** `az acr login` and `/oauth2/exchange` refresh tokens last 3 h (acr-facts §1.3); used only when `exp` is unreadable. */
const ACR_REFRESH_TOKEN_MINUTES = 180;

const CODES = defineCodes({
  ENTRA_TOKEN_CANNOT_REFRESH: {
    severity: "error",
    title: "The Entra token of a one-shot OIDC sign-in expires before the job ends",
    fix: "Sign in again (a fresh OIDC assertion) before the late steps, use a credential that fetches a new assertion per token, or shorten the job.",
    docs: OIDC_DOCS,
  },
  ACR_REFRESH_TOKEN_EXPIRES_DURING_JOB: {
    severity: "error",
    title: "The 3-hour ACR refresh token from `az acr login` expires before the job ends",
    fix: "Run `az acr login` again right before the push/pull that comes after the long step, or split the job.",
    docs: TOKEN_DOCS,
  },
  CLIENT_CREDENTIAL_EXPIRES_DURING_JOB: {
    severity: "error",
    title: "The client secret the job signs in with expires before the job ends",
    fix: "Add a new client secret or certificate and put it where the job reads it, or move to workload identity federation.",
    docs: "https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials",
  },
  REPOSITORY_TOKEN_PASSWORD_EXPIRED: {
    severity: "error",
    title: "The repository token's password has expired",
    fix: "Generate a new password for the token (`az acr token credential generate`) and update the job's docker login.",
    docs: REPOSITORY_TOKEN_DOCS,
  },
  REPOSITORY_TOKEN_PASSWORD_EXPIRES_DURING_JOB: {
    severity: "error",
    title: "The repository token's password expires before the job ends",
    fix: "Generate a new password for the token (`az acr token credential generate`) and update the job's docker login.",
    docs: REPOSITORY_TOKEN_DOCS,
  },
  TOKEN_EXPIRES_NEAR_JOB_END: {
    severity: "warning",
    title: "A credential of the login chain expires just after the job's planned end",
    fix: "Renew the credential or sign in again mid-job: a job that overruns its job-duration fails then.",
    docs: TOKEN_DOCS,
  },
  CHAIN_LINK_UNVERIFIED: {
    severity: "notice",
    title: "Part of the login chain could not be read",
    fix: "Grant the read permission named in the finding to verify that link too.",
  },
  TOKEN_CHAIN_OK: {
    severity: "notice",
    title: "Every credential in the login chain outlives the job",
    fix: "Nothing to fix.",
    docs: TOKEN_DOCS,
  },
});

type LinkKind =
  "entra-token" | "acr-refresh-token" | "client-credential" | "repository-token-password" | "admin-password";

/** One credential the job's login depends on. */
interface ChainLink {
  kind: LinkKind;
  label: string;
  /** undefined: it never expires. */
  expiresAt?: Date;
  /** Renewed by its holder before it ends, so its own expiry never ends the job. */
  renews: boolean;
  /** The app credential behind a `client-credential` link. */
  appCredential?: { appId: string; appName?: string; credential: AppCredential };
  /** The token and password behind a `repository-token-password` link. */
  repositoryToken?: { name: string; password: "password1" | "password2" };
}

interface Chain {
  links: ChainLink[];
  /** Links whose expiry could not be read, each as one sentence with the grant that fixes it. */
  unverified: { message: string; remediation: string[] }[];
}

/**
 * Jobs overrun their job-duration (slow pushes, retries): a fixed expiry within this margin after
 * the planned end is a warning. Margin = 10 % of the job, at least 10 minutes.
 */
function overrunMarginMinutes(jobMinutes: number): number {
  return Math.max(10, Math.ceil(jobMinutes * 0.1));
}

/** `token-lifetime`: every credential in the job's login chain (per `login-method`) outlives the job. */
export const tokenLifetimeCheck: Check = {
  id: "token-lifetime",
  scope: "registry",
  modes: ["preflight"],
  codes: CODES,
  permissions: [
    `Microsoft Graph \`${APPLICATION_READ_PERMISSION}\` (application permission, admin-consented) for the secret end date`,
    "`Microsoft.ContainerRegistry/registries/tokens/read` on the registry (Reader), with login-method repository-token",
  ],
  async run(ctx) {
    const chain = await chainOf(ctx);
    return { findings: await judgeChain(ctx, chain) };
  },
};

async function chainOf(ctx: RegistryContext): Promise<Chain> {
  switch (ctx.config.loginMethod) {
    case "az-acr-login":
    case "managed-identity":
      return entraThenAcrChain(ctx);
    case "service-principal":
      return servicePrincipalChain(ctx);
    case "repository-token":
      return repositoryTokenChain(ctx);
    case "admin":
      return {
        links: [{ kind: "admin-password", label: "admin user password (does not expire)", renews: false }],
        unverified: [],
      };
  }
}

/** `az acr login` (any identity) or a managed identity: Entra token → ACR refresh token that docker keeps. */
async function entraThenAcrChain(ctx: RegistryContext): Promise<Chain> {
  const entra = await ctx.get(armTokenFact);
  const info = ctx.deps.credentialInfo;
  const oneShot = await usesOneShotAssertion(ctx);
  const links: ChainLink[] = [
    {
      kind: "entra-token",
      label: oneShot
        ? "Entra access token of an az session signed in with a one-shot OIDC assertion (cannot be renewed)"
        : `Entra access token (${info.kind === "managed-identity" ? "managed identity" : info.kind}; renewed by the credential)`,
      expiresAt: entra.expiresOn,
      renews: !oneShot,
    },
  ];
  const unverified: Chain["unverified"] = [];
  if (!oneShot && signsInWithAppCredential(ctx)) {
    const client = await clientCredentialLink(ctx, "renews the Entra token");
    if ("link" in client) links.push(client.link);
    else if (client.unverified) unverified.push(client.unverified);
  }
  const refresh = await ctx.get(refreshTokenFact);
  if (!refresh.ok) {
    throw new SkipCheck(
      "prerequisite",
      "The registry gave this identity no ACR refresh token, so its lifetime is unknown (see `data-plane-access`).",
    );
  }
  const loginServer = await ctx.get(loginServerFact);
  links.push({
    kind: "acr-refresh-token",
    label: `ACR refresh token for ${loginServer} (what \`az acr login\` hands docker; ${
      refresh.expiresOn ? "read from its exp" : `exp unreadable, assumed ${ACR_REFRESH_TOKEN_MINUTES / 60} h`
    })`,
    expiresAt: refresh.expiresOn ?? new Date(ctx.now().getTime() + ACR_REFRESH_TOKEN_MINUTES * 60_000),
    renews: false,
  });
  return { links, unverified };
}

function signsInWithAppCredential(ctx: RegistryContext): boolean {
  const { kind, federatedSource } = ctx.deps.credentialInfo;
  return kind !== "managed-identity" && kind !== "federated" && federatedSource === undefined;
}

/** `docker login -u <appId> -p <secret>`: the registry checks the secret itself at every token request. */
async function servicePrincipalChain(ctx: RegistryContext): Promise<Chain> {
  const client = await clientCredentialLink(ctx, "is docker's password", ["secret"]);
  if ("link" in client) return { links: [client.link], unverified: [] };
  const permission = client.unverified?.remediation.some((r) => r.startsWith("az ad app permission"));
  throw new SkipCheck(
    permission ? "permission" : "prerequisite",
    client.unverified?.message ??
      "The app registration has no client secret, so `docker login` with the service principal cannot work.",
    client.unverified?.remediation ?? [],
  );
}

type ClientCredentialLink = { link: ChainLink } | { unverified?: Chain["unverified"][number] };

/**
 * The app's secret or certificate the job presents (matched by hint/thumbprint); when it cannot
 * be told apart, the longest-living candidate: the chain then fails only if even the best case does.
 */
async function clientCredentialLink(
  ctx: RegistryContext,
  role: string,
  kinds: AppCredential["kind"][] = ["secret", "certificate"],
): Promise<ClientCredentialLink> {
  const lookup = await ctx.get(graphApplicationFact);
  if (lookup.status === "no-application") return {};
  if (lookup.status !== "found") {
    const grant = lookup.status === "forbidden" ? grantApplicationReadCommands(lookup.appId) : [];
    return {
      unverified: {
        message:
          `The end date of the client secret of app ${lookup.appId} (it ${role}) could not be read from Microsoft Graph ` +
          `(${lookup.status === "forbidden" ? `the identity lacks ${APPLICATION_READ_PERMISSION}` : lookup.detail}); Entra accepted it just now.`,
        remediation: grant,
      },
    };
  }
  const app = lookup.application;
  const inUse = credentialsInUse(app, ctx.deps.credentialInfo);
  const now = ctx.now();
  const candidates = inUse.judged.filter(
    (c) => kinds.includes(c.kind) && !(c.endDateTime && c.endDateTime <= now),
  );
  const chosen =
    inUse.match === "unidentified"
      ? candidates.reduce<AppCredential | undefined>(
          (best, c) => (!best || outlives(c, best) ? c : best),
          undefined,
        )
      : candidates[0];
  if (!chosen) return {};
  return {
    link: {
      kind: "client-credential",
      label: `${describeCredential(chosen)} of app '${app.displayName ?? app.appId}' (it ${role}${
        inUse.match === "unidentified" ? "; not identified, the longest-living candidate" : ""
      })`,
      ...(chosen.endDateTime ? { expiresAt: chosen.endDateTime } : {}),
      renews: false,
      appCredential: {
        appId: app.appId,
        ...(app.displayName ? { appName: app.displayName } : {}),
        credential: chosen,
      },
    },
  };
}

function outlives(a: AppCredential, b: AppCredential): boolean {
  return (
    (a.endDateTime?.getTime() ?? Number.POSITIVE_INFINITY) >
    (b.endDateTime?.getTime() ?? Number.POSITIVE_INFINITY)
  );
}

/** `docker login -u <token> -p <password>`: bounded by the password's `expiry`. */
async function repositoryTokenChain(ctx: RegistryContext): Promise<Chain> {
  const name = ctx.config.tokenName;
  if (!name) {
    throw new SkipCheck(
      "not-applicable",
      "login-method is repository-token but token-name is not set, so there is no token to judge.",
      ["Set token-name to the repository token the job logs in with."],
    );
  }
  const lookup = await ctx.get(repositoryTokenFact(name));
  if (!lookup.found) {
    if (lookup.reason === "forbidden") {
      throw new SkipCheck(
        "permission",
        `ARM refused to read repository token '${name}' of ${ctx.registry.name} (${lookup.detail}); reading its password expiry needs Microsoft.ContainerRegistry/registries/tokens/read.`,
        [await grantReaderCommand(ctx, lookup.registryId)],
      );
    }
    throw new SkipCheck(
      "prerequisite",
      `The registry ${ctx.registry.name} has no repository token named '${name}' (see the \`repository-token\` check).`,
      [`az acr token list --registry ${ctx.registry.name} --output table`],
    );
  }
  const passwords = lookup.token.properties.credentials?.passwords ?? [];
  const expiryOf = (p: (typeof passwords)[number]) => (p.expiry ? new Date(p.expiry) : undefined);
  // The job presents one of the (up to two) passwords; judge the best case, the longest-living one.
  const longest = passwords.reduce<(typeof passwords)[number] | undefined>((best, p) => {
    if (!best) return p;
    const [pe, be] = [expiryOf(p), expiryOf(best)];
    return !pe || (be !== undefined && pe > be) ? p : best;
  }, undefined);
  if (!longest) {
    throw new SkipCheck(
      "prerequisite",
      `Repository token '${name}' has no password, so the job cannot docker login with it.`,
      [
        `az acr token credential generate --name ${name} --registry ${ctx.registry.name} --expiration-in-days 30 --password1`,
      ],
    );
  }
  const expiresAt = expiryOf(longest);
  return {
    links: [
      {
        kind: "repository-token-password",
        label: `${longest.name} of repository token '${name}'${passwords.length > 1 ? " (the longer-living of its two passwords)" : ""}`,
        ...(expiresAt ? { expiresAt } : {}),
        renews: false,
        repositoryToken: { name, password: longest.name },
      },
    ],
    unverified: [],
  };
}

async function judgeChain(ctx: RegistryContext, chain: Chain): Promise<Finding[]> {
  const now = ctx.now();
  const jobMinutes = ctx.config.jobDurationMinutes;
  const margin = overrunMarginMinutes(jobMinutes);
  const fixed = chain.links.filter(
    (l): l is ChainLink & { expiresAt: Date } => !l.renews && l.expiresAt !== undefined,
  );
  const failing = fixed.filter((l) => minutesUntil(l.expiresAt, now) < jobMinutes);
  const tight = fixed.filter(
    (l) => !failing.includes(l) && minutesUntil(l.expiresAt, now) < jobMinutes + margin,
  );
  const firstFailure = [...failing].sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime())[0];
  const evidence = {
    loginMethod: ctx.config.loginMethod,
    jobDurationMinutes: jobMinutes,
    jobEndsAt: isoMinute(new Date(now.getTime() + jobMinutes * 60_000)),
    overrunMarginMinutes: margin,
    chain: chain.links.map((l) => ({
      link: l.label,
      expiresAt: l.expiresAt ? l.expiresAt.toISOString() : "never",
      renews: l.renews,
      ...(l.expiresAt ? { minutesFromNow: minutesUntil(l.expiresAt, now) } : {}),
    })),
    ...(firstFailure
      ? {
          jobFailsAt: firstFailure.expiresAt.toISOString(),
          jobFailsAfterMinutes: Math.max(0, minutesUntil(firstFailure.expiresAt, now)),
        }
      : {}),
  };
  const registry = ctx.registry.name;
  const entraFails = failing.some((l) => l.kind === "entra-token");
  const findings = [
    ...failing.map((link) => failingLinkFinding(link, { now, jobMinutes, registry, entraFails, evidence })),
    ...tight.map((link) =>
      CODES.TOKEN_EXPIRES_NEAR_JOB_END.finding({
        message: `The ${link.label} expires at ${describeEnd(link.expiresAt, now)}, within ${margin} min after the job's planned ${jobMinutes} min: a job that overruns fails then.`,
        remediation: remediationFor(link, { now, jobMinutes, registry, entraFails }),
        evidence,
      }),
    ),
    ...chain.unverified.map((u) =>
      CODES.CHAIN_LINK_UNVERIFIED.finding({ message: u.message, remediation: u.remediation, evidence }),
    ),
  ];
  if (failing.length === 0 && tight.length === 0) {
    findings.unshift(
      CODES.TOKEN_CHAIN_OK.finding({
        message: `Every credential of the ${ctx.config.loginMethod} login chain outlives the job's ${jobMinutes} min (+${margin} min margin): ${chain.links
          .map(
            (l) =>
              `${l.label} → ${l.renews ? "renewed" : l.expiresAt ? isoMinute(l.expiresAt) : "never expires"}`,
          )
          .join("; ")}.`,
        evidence,
      }),
    );
  }
  return findings;
}

interface JudgeContext {
  now: Date;
  jobMinutes: number;
  registry: string;
  /** The Entra token cannot be renewed in time, so fixes that sign in through az need a fresh login first. */
  entraFails: boolean;
}

function failingLinkFinding(
  link: ChainLink & { expiresAt: Date },
  judge: JudgeContext & { evidence: Record<string, unknown> },
): Finding {
  const when = describeEnd(link.expiresAt, judge.now);
  const expired = link.expiresAt <= judge.now;
  const [code, consequence]: [FindingCode, string] = (() => {
    switch (link.kind) {
      case "entra-token":
        return [
          CODES.ENTRA_TOKEN_CANNOT_REFRESH,
          "every az command from then on — including a repeat `az acr login` — fails with AADSTS700024 (client assertion not within its valid time range).",
        ];
      case "acr-refresh-token":
        return [
          CODES.ACR_REFRESH_TOKEN_EXPIRES_DURING_JOB,
          "docker push and pull fail with 401 Unauthorized from that minute.",
        ];
      case "client-credential":
        return [
          CODES.CLIENT_CREDENTIAL_EXPIRES_DURING_JOB,
          "sign-ins from that minute fail with AADSTS7000222 (and docker login with 401).",
        ];
      case "repository-token-password":
        return [
          expired
            ? CODES.REPOSITORY_TOKEN_PASSWORD_EXPIRED
            : CODES.REPOSITORY_TOKEN_PASSWORD_EXPIRES_DURING_JOB,
          "docker login and every push/pull with it fail with 401 Unauthorized.",
        ];
      case "admin-password":
        throw new Error("the admin password never expires");
    }
  })();
  const message = expired
    ? `The ${link.label} expired at ${when}: ${consequence}`
    : `The ${link.label} expires at ${when}, before the job's ${judge.jobMinutes} min are over: ${consequence}`;
  return code.finding({ message, remediation: remediationFor(link, judge), evidence: judge.evidence });
}

function remediationFor(link: ChainLink, judge: JudgeContext): string[] {
  const minutes = link.expiresAt ? Math.max(0, minutesUntil(link.expiresAt, judge.now)) : judge.jobMinutes;
  const shorter = `Or keep the job under ${minutes} min (job-duration), e.g. by splitting it into jobs that each sign in.`;
  switch (link.kind) {
    case "entra-token":
      return [
        `Sign in again before the steps that run after ${minutes} min: add another azure/login step (OIDC, permissions: id-token: write) before them — each login presents a fresh ID token.`,
        "Or sign in with a credential that fetches a fresh OIDC assertion for every token (ClientAssertionCredential; on Azure DevOps AzurePipelinesCredential), as acr-preflight's own OIDC login does.",
        "On self-hosted runners a managed identity (tokens ~24 h, renewed) has no one-shot assertion.",
        shorter,
      ];
    case "acr-refresh-token":
      return [
        `az acr login --name ${judge.registry}  # again, right before the push/pull that runs after ${minutes} min: each login gives a fresh 3 h token${
          judge.entraFails
            ? " (after a fresh azure/login: the az session's Entra token cannot be renewed)"
            : ""
        }`,
        shorter,
      ];
    case "client-credential": {
      const app = link.appCredential!;
      return app.credential.kind === "secret"
        ? rotateSecretCommands(app.appId, app.credential.keyId, app.appName, judge.now)
        : rotateCertificateCommands(app.appId, app.credential.keyId, app.appName);
    }
    case "repository-token-password": {
      const token = link.repositoryToken!;
      return [
        `az acr token credential generate --name ${token.name} --registry ${judge.registry} --expiration-in-days 30 --${token.password}`,
        "Then update the password the job passes to docker login (the command prints it once).",
        shorter,
      ];
    }
    case "admin-password":
      return [];
  }
}
