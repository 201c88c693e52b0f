import { armScope } from "../config/clouds.js";
import type { Operation } from "../config/types.js";
import { assigneeOf } from "../context/assignee.js";
import type { AccessTokenExchange, RefreshTokenExchange, RefusedExchange } from "../context/data-plane.js";
import { accessTokenFact, grantedActions, refreshTokenFact } from "../context/data-plane.js";
import { loginServerFact, registryLookupFact } from "../context/registry-lookup.js";
import type { RegistryContext } from "../context/scope.js";
import { modeOf, type RoleAssignmentMode } from "../rbac/access.js";
import { grantCommands } from "../rbac/grant-commands.js";
import type { Finding } from "../report/types.js";
import type { Check } from "./check.js";
import { defineCodes, SkipCheck } from "./check.js";

const AUTH_DOCS =
  "https://learn.microsoft.com/azure/container-registry/container-registry-troubleshoot-access";
const ARM_AUDIENCE_DOCS =
  "https://learn.microsoft.com/azure/container-registry/container-registry-disable-authentication-as-arm";

const CODES = defineCodes({
  DATA_PLANE_ACCESS_OK: {
    severity: "notice",
    title: "The registry grants every requested action",
    fix: "Nothing to fix.",
  },
  EXCHANGE_REFUSED: {
    severity: "error",
    title: "The registry refused to exchange the Entra token",
    fix: "Fix what the registry's answer names: the firewall (see network-rules), the ARM-audience policy, or the identity's tenant.",
    docs: AUTH_DOCS,
  },
  ARM_AUDIENCE_DISABLED: {
    severity: "warning",
    title: "The registry refuses ARM-audience tokens",
    fix: "Make every tool of the job request ACR-audience tokens (https://containerregistry.azure.net/.default), or re-enable authentication-as-arm.",
    docs: ARM_AUDIENCE_DOCS,
  },
  TOKEN_REFUSED: {
    severity: "error",
    title: "The registry refused to issue an access token",
    fix: "Fix what the registry's answer names; re-run to rule out a transient refusal.",
    docs: AUTH_DOCS,
  },
  ACTION_NOT_GRANTED: {
    severity: "error",
    title: "The identity lacks data-plane rights the job needs",
    fix: "Assign the role that grants the missing actions at the registry (AcrPull/AcrPush/AcrDelete, or the Container Registry Repository roles on ABAC registries).",
    docs: "https://learn.microsoft.com/azure/container-registry/container-registry-rbac-built-in-roles-overview",
  },
  CATALOG_NOT_GRANTED: {
    severity: "warning",
    title: "The identity may not list the registry's repositories",
    fix: "Name the repositories the job touches in `repositories` so rights are proven per repository, or grant catalog listing.",
    docs: "https://learn.microsoft.com/azure/container-registry/container-registry-rbac-abac-repository-permissions",
  },
});

/** Docker scope actions each operation needs (push requires pull). */
const ACTIONS: Record<Operation, string[]> = { pull: ["pull"], push: ["pull", "push"], delete: ["delete"] };
const OPERATION_OF_ACTION: Record<string, Operation> = { pull: "pull", push: "push", delete: "delete" };

/**
 * `data-plane-access`: the ground truth. Trades the identity's Entra token for an ACR refresh token,
 * asks for the actions the job needs on each repository and reads what the `access` claim grants
 * (the registry answers 200 with the intersection, never an error).
 */
export const dataPlaneAccessCheck: Check = {
  id: "data-plane-access",
  scope: "registry",
  modes: ["preflight", "audit"],
  codes: CODES,
  permissions: [
    "None beyond the job's own rights: it asks the registry for the actions `operations` need (AcrPull/AcrPush/AcrDelete, or Container Registry Repository Reader/Writer/Contributor on ABAC registries)",
  ],
  async run(ctx) {
    const refresh = await ctx.get(refreshTokenFact);
    if (!refresh.ok) {
      if (ctx.config.mode === "audit") skipFirewalledAudit(ctx, refresh);
      return { findings: [await exchangeRefused(ctx, refresh)] };
    }
    const audience = refresh.refusedArm ? [armAudienceDisabled(ctx, refresh.refusedArm)] : [];
    const evidence = {
      tokenAudience: refresh.audience === "arm" ? armScope(ctx.config.cloud) : ctx.config.cloud.acrScope,
      ...(refresh.expiresOn ? { refreshTokenExpiresOn: refresh.expiresOn.toISOString() } : {}),
    };
    const access = ctx.config.repositories.length
      ? await repositoryAccess(ctx, evidence)
      : await catalogAccess(ctx, evidence);
    return { findings: [...audience, ...access] };
  },
};

async function repositoryAccess(ctx: RegistryContext, evidence: Record<string, unknown>): Promise<Finding[]> {
  const wanted = [...new Set(ctx.config.operations.flatMap((op) => ACTIONS[op]))];
  const repositories = ctx.config.repositories;
  const grant = await ctx.get(
    accessTokenFact(repositories.map((repo) => `repository:${repo}:${wanted.join(",")}`)),
  );
  if (!grant.ok) return [await tokenRefused(ctx, grant, evidence)];
  const perRepository = repositories.map((repository) => {
    const granted = grantedActions(grant.access, "repository", repository);
    return { repository, requested: wanted, granted, missing: wanted.filter((a) => !granted.includes(a)) };
  });
  const tokenEvidence = {
    ...evidence,
    ...(grant.expiresOn ? { accessTokenExpiresOn: grant.expiresOn.toISOString() } : {}),
  };
  const lacking = perRepository.filter((r) => r.missing.length > 0);
  if (lacking.length === 0) {
    return [
      CODES.DATA_PLANE_ACCESS_OK.finding({
        message: `The registry grants ${wanted.join(", ")} on ${repositories.join(", ")} to this identity.`,
        evidence: { ...tokenEvidence, repositories: perRepository.map(({ missing: _, ...r }) => r) },
      }),
    ];
  }
  const grantContext = await roleContext(ctx);
  return lacking.map((r) =>
    CODES.ACTION_NOT_GRANTED.finding({
      message:
        `The registry grants ${r.granted.length ? r.granted.join(", ") : "nothing"} on '${r.repository}' but the job needs ${r.missing.join(", ")} too: ` +
        `\`docker ${r.missing.includes("push") ? "push" : "pull"}\` will fail with "denied: requested access to the resource is denied" or 401.`,
      remediation: grantRemediation(grantContext, r.missing, [r.repository]),
      evidence: {
        ...tokenEvidence,
        ...r,
        roleAssignmentMode: grantContext.modeKnown ? grantContext.mode : "unknown",
      },
    }),
  );
}

async function catalogAccess(ctx: RegistryContext, evidence: Record<string, unknown>): Promise<Finding[]> {
  const grant = await ctx.get(accessTokenFact(["registry:catalog:*"]));
  if (!grant.ok) return [await tokenRefused(ctx, grant, evidence)];
  const granted = grantedActions(grant.access, "registry", "catalog");
  const tokenEvidence = {
    ...evidence,
    requested: "registry:catalog:*",
    granted,
    ...(grant.expiresOn ? { accessTokenExpiresOn: grant.expiresOn.toISOString() } : {}),
  };
  if (granted.includes("*")) {
    return [
      CODES.DATA_PLANE_ACCESS_OK.finding({
        message: `The registry accepts this identity and lets it list repositories; pull/push rights are per repository, so name them in \`repositories\` to prove ${ctx.config.operations.join(", ")}.`,
        evidence: tokenEvidence,
      }),
    ];
  }
  const grantContext = await roleContext(ctx);
  return [
    CODES.CATALOG_NOT_GRANTED.finding({
      message:
        `The registry accepts this identity but does not let it list repositories, and no \`repositories\` were given, so ${ctx.config.operations.join(", ")} rights could not be proven. ` +
        (grantContext.mode === "abac"
          ? "On ABAC registries listing needs Container Registry Repository Catalog Lister."
          : "Rights are per repository."),
      remediation: [
        `repositories: <the repositories the job pushes or pulls, e.g. app/web>`,
        ...(grantContext.mode === "abac"
          ? [
              `az role assignment create --assignee ${grantContext.assignee} --role "Container Registry Repository Catalog Lister" --scope ${grantContext.registryId}`,
            ]
          : []),
      ],
      evidence: tokenEvidence,
    }),
  ];
}

interface RoleContext {
  mode: RoleAssignmentMode;
  modeKnown: boolean;
  assignee: string;
  registryId: string;
}

async function roleContext(ctx: RegistryContext): Promise<RoleContext> {
  const lookup = await ctx.get(registryLookupFact).catch(() => undefined);
  const resource = lookup?.found ? lookup.resource : undefined;
  return {
    mode: modeOf(resource?.properties.roleAssignmentMode),
    modeKnown: resource !== undefined,
    assignee: await assigneeOf(ctx),
    registryId: resource?.id ?? `$(az acr show --name ${ctx.registry.name} --query id --output tsv)`,
  };
}

function grantRemediation(role: RoleContext, missing: string[], repositories: string[]): string[] {
  const operations = [
    ...new Set(missing.map((a) => OPERATION_OF_ACTION[a]).filter((op): op is Operation => !!op)),
  ];
  const commands = (mode: RoleAssignmentMode) =>
    grantCommands({ mode, operations, assignee: role.assignee, registryId: role.registryId, repositories });
  if (role.modeKnown) return commands(role.mode);
  return [
    ...commands("legacy"),
    `If the registry uses ABAC repository permissions (roleAssignmentMode AbacRepositoryPermissions), instead: ${commands("abac").join(" ; ")}`,
  ];
}

function armAudienceDisabled(ctx: RegistryContext, refused: RefusedExchange): Finding {
  const name = ctx.registry.name;
  return CODES.ARM_AUDIENCE_DISABLED.finding({
    message:
      `The registry refused the ARM-audience Entra token (${refused.status}${refused.code ? ` ${refused.code}` : ""}) and accepted an ACR-audience one: its azureADAuthenticationAsArmPolicy is disabled. ` +
      `Tools that sign in with a management.azure.com token (older az CLI, some SDKs and login actions) get 401; they must request ${ctx.config.cloud.acrScope}.`,
    remediation: [
      `az acr config authentication-as-arm show --registry ${name}`,
      `Request tokens for ${ctx.config.cloud.acrScope} in every tool of the job (e.g. az account get-access-token --scope ${ctx.config.cloud.acrScope}), or, if policy allows: az acr config authentication-as-arm update --registry ${name} --status enabled`,
    ],
    evidence: { armAttempt: refused, acceptedAudience: ctx.config.cloud.acrScope },
  });
}

/**
 * An audit runs from wherever the nightly job runs, usually outside a locked-down registry's
 * firewall: that refusal says nothing about the registry, so it is not reported as its error.
 */
function skipFirewalledAudit(
  ctx: RegistryContext,
  refresh: Extract<RefreshTokenExchange, { ok: false }>,
): void {
  const blockedIp = blockedIpOf(refresh);
  if (!blockedIp) return;
  throw new SkipCheck(
    "not-applicable",
    `${ctx.registry.name}'s firewall does not admit this audit runner (${blockedIp}), so its data plane cannot be probed from here; an audit does not judge a runner's reachability. Run the preflight from the job's own runner to prove its access.`,
    [],
    { blockedIp, attempts: refresh.attempts },
  );
}

function blockedIpOf(refresh: Extract<RefreshTokenExchange, { ok: false }>): string | undefined {
  return refresh.attempts
    .map((a) => /client with IP '([^']+)'/i.exec(a.message)?.[1])
    .find((ip) => ip !== undefined);
}

async function exchangeRefused(
  ctx: RegistryContext,
  refresh: Extract<RefreshTokenExchange, { ok: false }>,
): Promise<Finding> {
  const name = ctx.registry.name;
  const last = refresh.attempts[refresh.attempts.length - 1] as RefusedExchange;
  const blockedIp = blockedIpOf(refresh);
  const evidence = { attempts: refresh.attempts };
  if (last.status === 403) {
    return CODES.EXCHANGE_REFUSED.finding({
      message:
        `The registry's firewall refused the token exchange${blockedIp ? ` from ${blockedIp}` : ""} (403 ${last.code ?? ""}): ${last.message} ` +
        "No operation can work from this runner until the network rules allow it (see network-rules).",
      remediation: blockedIp
        ? [
            `az acr network-rule add --name ${name} --ip-address ${blockedIp}/32`,
            `az acr show --name ${name} --query "{public:publicNetworkAccess, rules:networkRuleSet}"`,
          ]
        : [`az acr show --name ${name} --query "{public:publicNetworkAccess, rules:networkRuleSet}"`],
      evidence: { ...evidence, ...(blockedIp ? { blockedIp } : {}) },
    });
  }
  if (last.status === 401) {
    const armPolicy = await armPolicyStatus(ctx);
    const triedAcr = refresh.attempts.some((a) => a.audience === "acr");
    const cause =
      !triedAcr && armPolicy === "disabled"
        ? "the registry refuses ARM-audience tokens (azureADAuthenticationAsArmPolicy disabled) and no ACR-audience token could be obtained"
        : "it does not accept this identity's Entra token: the identity usually belongs to another tenant than the registry, or the token is for another cloud";
    return CODES.EXCHANGE_REFUSED.finding({
      message:
        `The registry answered 401 to the token exchange${triedAcr ? " with both ARM- and ACR-audience tokens" : ""}: ${cause}. (${last.code ?? ""} ${last.message})`.replace(
          /\(\s+/,
          "(",
        ),
      remediation: [
        `az acr show --name ${name} --query "{id:id, armAuth:policies.azureAdAuthenticationAsArmPolicy.status}"`,
        "az account show --query tenantId --output tsv   # must be the tenant of the registry's subscription",
        `az acr login --name ${name} --expose-token   # reproduces the exchange with your own identity`,
      ],
      evidence: { ...evidence, ...(armPolicy ? { azureADAuthenticationAsArmPolicy: armPolicy } : {}) },
    });
  }
  return CODES.EXCHANGE_REFUSED.finding({
    message: `The registry answered ${last.status}${last.code ? ` ${last.code}` : ""} to the token exchange: ${last.message}`,
    remediation: [`az acr check-health --name ${name} --yes`],
    evidence,
  });
}

async function armPolicyStatus(ctx: RegistryContext): Promise<string | undefined> {
  const lookup = await ctx.get(registryLookupFact).catch(() => undefined);
  return lookup?.found
    ? lookup.resource.properties.policies?.azureADAuthenticationAsArmPolicy?.status
    : undefined;
}

async function tokenRefused(
  ctx: RegistryContext,
  grant: Extract<AccessTokenExchange, { ok: false }>,
  evidence: Record<string, unknown>,
): Promise<Finding> {
  const loginServer = await ctx.get(loginServerFact);
  return CODES.TOKEN_REFUSED.finding({
    message: `The registry gave a refresh token but answered ${grant.status}${grant.code ? ` ${grant.code}` : ""} when asked for ${grant.scopes.join(" ")}: ${grant.message}`,
    remediation: [
      `az acr check-health --name ${ctx.registry.name} --yes`,
      `az acr login --name ${ctx.registry.name} && docker pull ${loginServer}/<repository>:<tag>`,
    ],
    evidence: { ...evidence, status: grant.status, code: grant.code, scopes: grant.scopes },
  });
}
