import { AzureHttpError } from "../azure/http.js";
import { ACR_API_VERSION } from "../azure/arm-types.js";
import type { Operation } from "../config/types.js";
import type { RepositoryToken } from "../context/repository-token.js";
import { repositoryTokenFact } from "../context/repository-token.js";
import type { RegistryContext } from "../context/scope.js";
import type { Finding } from "../report/types.js";
import type { Check } from "./check.js";
import { defineCodes, SkipCheck } from "./check.js";

const DOCS =
  "https://learn.microsoft.com/azure/container-registry/container-registry-token-based-repository-permissions";

const CODES = defineCodes({
  REPOSITORY_TOKEN_OK: {
    severity: "notice",
    title: "The repository token is enabled and its scope map covers the job",
    fix: "Nothing to fix.",
  },
  REPOSITORY_TOKEN_NOT_FOUND: {
    severity: "error",
    title: "The repository token does not exist",
    fix: "Check `token-name` against `az acr token list`, or create the token.",
    docs: DOCS,
  },
  REPOSITORY_TOKEN_DISABLED: {
    severity: "error",
    title: "The repository token is disabled",
    fix: "Enable the token; every login with it is refused until then.",
    docs: DOCS,
  },
  SCOPE_MAP_MISSING_ACTION: {
    severity: "error",
    title: "The token's scope map does not allow what the job does",
    fix: "Add the missing repository actions to the scope map.",
    docs: DOCS,
  },
  REPOSITORY_TOKEN_NO_VALID_PASSWORD: {
    severity: "error",
    title: "The repository token has no valid password",
    fix: "Generate a password for the token and store it where the job reads it.",
    docs: DOCS,
  },
  REPOSITORY_TOKEN_PASSWORD_EXPIRES_SOON: {
    severity: "warning",
    title: "The repository token's password expires soon",
    fix: "Generate the other password slot now and switch the job to it before the current one expires.",
    docs: DOCS,
  },
});

/** Scope-map actions each operation needs (acr-facts §4); push also reads, as `docker push` checks layers. */
const ACTIONS_FOR: Record<Operation, string[]> = {
  pull: ["content/read"],
  push: ["content/read", "content/write"],
  delete: ["content/delete"],
};

/** `repository-token`: the named non-Entra token's status, scope map and password expiry. */
export const repositoryTokenCheck: Check = {
  id: "repository-token",
  scope: "registry",
  modes: ["preflight", "audit"],
  codes: CODES,
  permissions: [
    "`Microsoft.ContainerRegistry/registries/tokens/read` and `registries/scopeMaps/read` on the registry (Reader)",
  ],
  async run(ctx) {
    const tokenName = ctx.config.tokenName;
    if (!tokenName)
      throw new SkipCheck(
        "not-applicable",
        "No `token-name` was given; the job does not use a repository token.",
      );
    const lookup = await ctx.get(repositoryTokenFact(tokenName));
    const registry = ctx.registry.name;
    if (!lookup.found && lookup.reason === "forbidden") {
      throw new SkipCheck(
        "permission",
        `The identity may not read the tokens of ${registry} (${lookup.detail}).`,
        [`Grant Reader on ${lookup.registryId}`],
      );
    }
    if (!lookup.found) {
      return {
        findings: [
          CODES.REPOSITORY_TOKEN_NOT_FOUND.finding({
            message: `${registry} has no token named '${tokenName}'; a docker login with it fails with 401.`,
            remediation: [`az acr token list --registry ${registry} --output table`],
            evidence: { tokenName },
          }),
        ],
      };
    }
    const token = lookup.token;
    const actions = await scopeMapActions(ctx, token);
    const evidence = {
      tokenName,
      status: token.properties.status ?? "enabled",
      scopeMap: token.properties.scopeMapId?.split("/").pop(),
      scopeMapActions: actions,
      passwords: (token.properties.credentials?.passwords ?? []).map((p) => ({
        name: p.name,
        expiry: p.expiry ?? "never",
      })),
    };
    const findings = [
      ...statusFindings(registry, token, evidence),
      ...scopeFindings(ctx, token, actions, evidence),
      ...passwordFindings(ctx, token, evidence),
    ];
    if (findings.length === 0) {
      findings.push(
        CODES.REPOSITORY_TOKEN_OK.finding({
          message: `Token '${tokenName}' is enabled, has a valid password and its scope map allows ${ctx.config.operations.join(", ")}.`,
          evidence,
        }),
      );
    }
    return { findings };
  },
};

async function scopeMapActions(ctx: RegistryContext, token: RepositoryToken): Promise<string[]> {
  const id = token.properties.scopeMapId;
  if (!id) return [];
  try {
    const map = await ctx.apis.arm.getJson<{ properties: { actions?: string[] } }>(id, {
      "api-version": ACR_API_VERSION,
    });
    return map.properties.actions ?? [];
  } catch (error) {
    if (error instanceof AzureHttpError && error.status === 403) {
      throw new SkipCheck(
        "permission",
        `The identity may not read the token's scope map (${error.message}).`,
      );
    }
    throw error;
  }
}

function statusFindings(
  registry: string,
  token: RepositoryToken,
  evidence: Record<string, unknown>,
): Finding[] {
  if (token.properties.status !== "disabled") return [];
  return [
    CODES.REPOSITORY_TOKEN_DISABLED.finding({
      message: `Token '${token.name}' of ${registry} is disabled, so every login with it is refused.`,
      remediation: [`az acr token update --name ${token.name} --registry ${registry} --status enabled`],
      evidence,
    }),
  ];
}

function scopeFindings(
  ctx: RegistryContext,
  token: RepositoryToken,
  actions: string[],
  evidence: Record<string, unknown>,
): Finding[] {
  const repositories = ctx.config.repositories.length > 0 ? ctx.config.repositories : ["*"];
  const scopeMap = String(evidence.scopeMap);
  return repositories.flatMap((repository) => {
    const needed = [...new Set(ctx.config.operations.flatMap((op) => ACTIONS_FOR[op]))];
    const missing = needed.filter((action) => !allows(actions, repository, action));
    if (missing.length === 0) return [];
    const target = repository === "*" ? "every repository" : `'${repository}'`;
    return [
      CODES.SCOPE_MAP_MISSING_ACTION.finding({
        message: `Scope map '${scopeMap}' of token '${token.name}' does not allow ${missing.join(", ")} on ${target}, which ${ctx.config.operations.join("/")} needs.`,
        remediation:
          repository === "*"
            ? [`Name the repositories in \`repositories\`, then add their actions to scope map ${scopeMap}`]
            : [
                `az acr scope-map update --name ${scopeMap} --registry ${ctx.registry.name} --add-repository ${repository} ${missing.join(" ")}`,
              ],
        evidence: { ...evidence, repository, missing },
      }),
    ];
  });
}

/** Scope-map actions are `repositories/<repo>/<action>`; a trailing `*` in the repository is a prefix wildcard. */
function allows(actions: string[], repository: string, action: string): boolean {
  return actions.some((granted) => {
    const match = /^repositories\/(.+)\/(content|metadata)\/(read|write|delete)$/.exec(granted);
    if (!match || `${match[2]}/${match[3]}` !== action) return false;
    const pattern = match[1] as string;
    if (repository === "*") return pattern === "*";
    return pattern.endsWith("*") ? repository.startsWith(pattern.slice(0, -1)) : pattern === repository;
  });
}

function passwordFindings(
  ctx: RegistryContext,
  token: RepositoryToken,
  evidence: Record<string, unknown>,
): Finding[] {
  const now = ctx.now().getTime();
  const registry = ctx.registry.name;
  const expiries = (token.properties.credentials?.passwords ?? []).map((p) =>
    p.expiry ? Date.parse(p.expiry) : Number.POSITIVE_INFINITY,
  );
  const latest = Math.max(...expiries, Number.NEGATIVE_INFINITY);
  const generate = `az acr token credential generate --name ${token.name} --registry ${registry} --expiration-in-days 90 --password1`;
  if (latest <= now) {
    return [
      CODES.REPOSITORY_TOKEN_NO_VALID_PASSWORD.finding({
        message:
          expiries.length === 0
            ? `Token '${token.name}' has no password, so nothing can log in with it.`
            : `Every password of token '${token.name}' has expired (the latest at ${new Date(latest).toISOString()}).`,
        remediation: [generate],
        evidence,
      }),
    ];
  }
  const warnUntil = now + ctx.config.expiryWarningMinutes * 60_000;
  if (latest < warnUntil) {
    return [
      CODES.REPOSITORY_TOKEN_PASSWORD_EXPIRES_SOON.finding({
        message: `The last valid password of token '${token.name}' expires at ${new Date(latest).toISOString()}, within the expiry-warning window.`,
        remediation: [generate.replace("--password1", "--password2")],
        evidence,
      }),
    ];
  }
  return [];
}
