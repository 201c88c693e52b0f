import { parseResourceId } from "../azure/arm-types.js";
import { CLOUDS } from "../config/clouds.js";
import type { RegistryTypo } from "../config/types.js";
import type { DnsAnswer } from "../context/dns.js";
import { dnsFact } from "../context/dns.js";
import { assigneeOf } from "../context/assignee.js";
import type { RegistryLookup } from "../context/registry-lookup.js";
import { loginServerFact, registryLookupFact } from "../context/registry-lookup.js";
import type { RegistryContext } from "../context/scope.js";
import type { Finding } from "../report/types.js";
import type { Check } from "./check.js";
import { defineCodes, SkipCheck } from "./check.js";

const LOGIN_DOCS = "https://learn.microsoft.com/azure/container-registry/container-registry-authentication";
const TROUBLESHOOT_DOCS =
  "https://learn.microsoft.com/azure/container-registry/container-registry-troubleshoot-login";

const CODES = defineCodes({
  REGISTRY_FOUND: {
    severity: "notice",
    title: "The registry exists and is visible",
    fix: "Nothing to fix.",
  },
  REGISTRY_OUTSIDE_GIVEN_SCOPE: {
    severity: "warning",
    title: "The registry is not where subscription-id/resource-group say",
    fix: "Set subscription-id and resource-group to where the registry really is.",
  },
  REGISTRY_NOT_FOUND: {
    severity: "error",
    title: "The registry does not exist",
    fix: "Fix the registry name, or subscription-id/resource-group; `az acr list` shows the registries the identity can see.",
    docs: TROUBLESHOOT_DOCS,
  },
  REGISTRY_AMBIGUOUS: {
    severity: "error",
    title: "Several registries match the name",
    fix: "Set subscription-id (and resource-group) to the one the job uses.",
  },
  REGISTRY_NOT_VISIBLE: {
    severity: "warning",
    title: "The identity cannot read the registry resource",
    fix: "Grant Reader on the registry for full diagnostics; data-plane-access still proves what the job can do.",
    docs: "https://learn.microsoft.com/azure/container-registry/container-registry-rbac-built-in-roles-overview",
  },
  LOGIN_SERVER_DNS_NOT_FOUND: {
    severity: "error",
    title: "The login server does not resolve",
    fix: "Fix the registry name; for private endpoints, link the privatelink.azurecr.io DNS zone to the runner's network.",
    docs: "https://learn.microsoft.com/azure/container-registry/container-registry-private-link",
  },
  LOGIN_SERVER_MISMATCH: {
    severity: "warning",
    title: "The login server written differs from the registry's",
    fix: "Use the registry's `loginServer` exactly (`az acr show --query loginServer`).",
    docs: LOGIN_DOCS,
  },
  LOGIN_SERVER_HAS_SCHEME: {
    severity: "warning",
    title: "The registry is written with a URL scheme",
    fix: "Write the login server without `https://`: image references and `docker login` take a host, not a URL.",
    docs: LOGIN_DOCS,
  },
  LOGIN_SERVER_HAS_PORT: {
    severity: "warning",
    title: "The registry is written with a port",
    fix: "Drop `:443`: Docker keys credentials by the exact host, so `host:443` does not get the login made for `host`.",
    docs: LOGIN_DOCS,
  },
  LOGIN_SERVER_HAS_PATH: {
    severity: "warning",
    title: "The registry is written with a path",
    fix: "Give only the login server; repositories go in `repositories`, images in `images`.",
    docs: LOGIN_DOCS,
  },
  LOGIN_SERVER_UPPERCASE: {
    severity: "warning",
    title: "The registry is written in upper case",
    fix: "Write the registry in lower case: Docker references must be lower case and credentials are keyed by the exact host.",
    docs: LOGIN_DOCS,
  },
  LOGIN_SERVER_SUFFIX_MISSPELT: {
    severity: "error",
    title: "The login server's domain is misspelt",
    fix: "Use the cloud's registry domain, e.g. `azurecr.io`.",
    docs: LOGIN_DOCS,
  },
  LOGIN_SERVER_WRONG_CLOUD: {
    severity: "error",
    title: "The login server belongs to another Azure cloud",
    fix: "Set `environment` to the registry's cloud, or use the login server of this cloud.",
    docs: "https://learn.microsoft.com/azure/container-registry/container-registry-get-started-portal",
  },
});

/** `registry`: the registry exists, is visible, and is written the way Docker and ACR expect. */
export const registryCheck: Check = {
  id: "registry",
  scope: "registry",
  modes: ["preflight", "audit"],
  codes: CODES,
  permissions: [
    "`Microsoft.ContainerRegistry/registries/read` on the registry (Reader), for the ARM lookup; without it the check still reads the name and DNS",
  ],
  async run(ctx) {
    const loginServer = await ctx.get(loginServerFact);
    const [dns, lookup] = await Promise.all([ctx.get(dnsFact(loginServer)), lookupOrSkip(ctx)]);
    const typoFindings = ctx.registry.typos.map((typo) => typoFinding(ctx, typo, loginServer));
    if (lookup instanceof SkipCheck) {
      const findings = [
        ...typoFindings,
        ...optional(dns.resolved ? undefined : dnsNotFound(ctx, loginServer, dns)),
      ];
      if (findings.length === 0) throw lookup;
      return { findings };
    }
    return { findings: [...typoFindings, ...(await lookupFindings(ctx, lookup, loginServer, dns))] };
  },
};

async function lookupOrSkip(ctx: RegistryContext): Promise<RegistryLookup | SkipCheck> {
  try {
    return await ctx.get(registryLookupFact);
  } catch (error) {
    if (error instanceof SkipCheck) return error;
    throw error;
  }
}

async function lookupFindings(
  ctx: RegistryContext,
  lookup: RegistryLookup,
  loginServer: string,
  dns: DnsAnswer,
): Promise<Finding[]> {
  const dnsEvidence = dns.resolved ? { addresses: dns.addresses } : { dnsError: dns.code };
  if (lookup.found) {
    return [
      found(ctx, lookup, loginServer, dnsEvidence),
      ...(lookup.outsideGivenScope ? [outsideScope(ctx, lookup)] : []),
      ...loginServerMismatch(ctx, loginServer),
      ...optional(dns.resolved ? undefined : dnsNotFound(ctx, loginServer, dns, lookup)),
    ];
  }
  const name = ctx.registry.name;
  switch (lookup.reason) {
    case "not-found":
      if (!dns.resolved && dns.notFound) return [notFound(ctx, lookup, loginServer, dnsEvidence)];
      return [await notVisible(ctx, lookup, loginServer, dnsEvidence)];
    case "forbidden":
      return [
        await notVisible(ctx, lookup, loginServer, dnsEvidence),
        ...optional(dns.resolved ? undefined : dnsNotFound(ctx, loginServer, dns, lookup)),
      ];
    case "ambiguous":
      return [
        CODES.REGISTRY_AMBIGUOUS.finding({
          message: `${lookup.detail}, so the one the job uses cannot be told apart.`,
          remediation: [
            `az acr list --query "[?name=='${name}'].{id:id, loginServer:loginServer}" --output table`,
            ...lookup.candidates.map((id) => setScopeLine(id)),
          ],
          evidence: { candidates: lookup.candidates },
        }),
      ];
    case "error":
      throw new SkipCheck(
        "prerequisite",
        `ARM could not be asked about the registry: ${lookup.detail}.`,
        [],
        {
          error: lookup.detail,
        },
      );
  }
}

function found(
  ctx: RegistryContext,
  lookup: Extract<RegistryLookup, { found: true }>,
  loginServer: string,
  dnsEvidence: Record<string, unknown>,
): Finding {
  const { resource } = lookup;
  return CODES.REGISTRY_FOUND.finding({
    message: `Registry ${resource.name} (${resource.sku.name}, ${resource.location}) serves ${loginServer}.`,
    evidence: {
      resourceId: resource.id,
      sku: resource.sku.name,
      location: resource.location,
      loginServer,
      via: lookup.via,
      ...(resource.properties.provisioningState
        ? { provisioningState: resource.properties.provisioningState }
        : {}),
      ...dnsEvidence,
    },
  });
}

function outsideScope(ctx: RegistryContext, lookup: Extract<RegistryLookup, { found: true }>): Finding {
  const where = parseResourceId(lookup.resource.id);
  return CODES.REGISTRY_OUTSIDE_GIVEN_SCOPE.finding({
    message: `Registry ${lookup.resource.name} is in subscription ${where.subscriptionId}, resource group ${where.resourceGroup}, not where subscription-id/resource-group point (${ctx.config.subscriptionId ?? "any"}/${ctx.config.resourceGroup ?? "any"}); the checks use the registry that was found.`,
    remediation: [setScopeLine(lookup.resource.id)],
    evidence: {
      resourceId: lookup.resource.id,
      givenSubscriptionId: ctx.config.subscriptionId,
      givenResourceGroup: ctx.config.resourceGroup,
    },
  });
}

function loginServerMismatch(ctx: RegistryContext, loginServer: string): Finding[] {
  const written = ctx.registry.loginServer;
  const suffixTypo = ctx.registry.typos.some(
    (t) => t.kind === "misspelt-suffix" || t.kind === "other-cloud-suffix",
  );
  if (!written || suffixTypo || written === loginServer) return [];
  return [
    CODES.LOGIN_SERVER_MISMATCH.finding({
      message: `The registry's login server is ${loginServer}, but ${written} was written; pushes and pulls must use ${loginServer} (registries with a domain-name-label scope carry a hash in it).`,
      remediation: [
        `az acr show --name ${ctx.registry.name} --query loginServer --output tsv`,
        `Write registry: ${loginServer} and tag images ${loginServer}/<repository>:<tag>.`,
      ],
      evidence: { written, loginServer },
    }),
  ];
}

function notFound(
  ctx: RegistryContext,
  lookup: Extract<RegistryLookup, { found: false }>,
  loginServer: string,
  dnsEvidence: Record<string, unknown>,
): Finding {
  const name = ctx.registry.name;
  const elsewhere = lookup.candidates.length
    ? ` A registry of that name exists at ${lookup.candidates.join(", ")}.`
    : "";
  return CODES.REGISTRY_NOT_FOUND.finding({
    message: `No registry '${name}' exists: ${lookup.detail}, and ${loginServer} does not resolve.${elsewhere}`,
    remediation: [
      `az acr list --query "[?name=='${name}'].{id:id, loginServer:loginServer}" --output table`,
      `az acr check-name --name ${name}   # nameAvailable: true means no registry has this name`,
      ...lookup.candidates.map((id) => setScopeLine(id)),
    ],
    evidence: {
      name,
      loginServer,
      subscriptionId: ctx.config.subscriptionId,
      resourceGroup: ctx.config.resourceGroup,
      candidates: lookup.candidates,
      ...dnsEvidence,
    },
  });
}

async function notVisible(
  ctx: RegistryContext,
  lookup: Extract<RegistryLookup, { found: false }>,
  loginServer: string,
  dnsEvidence: Record<string, unknown>,
): Promise<Finding> {
  const name = ctx.registry.name;
  const why =
    lookup.reason === "forbidden"
      ? `ARM refused to show the registry to this identity (${lookup.detail})`
      : `no subscription this identity can read holds it, while ${loginServer} resolves, so the registry exists but is hidden from this identity`;
  const scope = registryScope(ctx);
  return CODES.REGISTRY_NOT_VISIBLE.finding({
    message: `Registry ${name} cannot be read in ARM: ${why}. Checks that need its settings are skipped; data-plane-access still proves what the job can do.`,
    remediation: [
      `az role assignment create --assignee ${await assigneeOf(ctx)} --role Reader --scope ${scope}`,
    ],
    evidence: { name, loginServer, reason: lookup.reason, detail: lookup.detail, ...dnsEvidence },
  });
}

function dnsNotFound(
  ctx: RegistryContext,
  loginServer: string,
  dns: Extract<DnsAnswer, { resolved: false }>,
  lookup?: RegistryLookup,
): Finding | undefined {
  if (!dns.notFound) return undefined;
  const isPrivate =
    lookup?.found &&
    ((lookup.resource.properties.privateEndpointConnections?.length ?? 0) > 0 ||
      lookup.resource.properties.publicNetworkAccess === "Disabled");
  const cause = lookup?.found
    ? isPrivate
      ? "the registry uses a private endpoint and the runner's DNS has no privatelink.azurecr.io record for it"
      : "the registry exists in ARM, so the runner's DNS (a private zone or a corporate resolver) is answering wrongly"
    : "the registry name is probably misspelt";
  return CODES.LOGIN_SERVER_DNS_NOT_FOUND.finding({
    message: `${loginServer} does not resolve from the runner (${dns.code}): ${cause}.`,
    remediation: [
      `nslookup ${loginServer}`,
      ...(isPrivate
        ? [
            `az network private-dns link vnet create --resource-group <dns-zone-rg> --zone-name privatelink.${ctx.config.cloud.acrSuffix} --name runner-link --virtual-network <runner-vnet-id> --registration-enabled false`,
          ]
        : [`az acr list --query "[].loginServer" --output tsv`]),
    ],
    evidence: { loginServer, dnsError: dns.code },
  });
}

function typoFinding(ctx: RegistryContext, typo: RegistryTypo, loginServer: string): Finding {
  const input = ctx.registry.input;
  const target = ctx.registry.loginServer ? loginServer : ctx.registry.name;
  const evidence = { written: input, found: typo.found, use: target };
  switch (typo.kind) {
    case "scheme":
      return CODES.LOGIN_SERVER_HAS_SCHEME.finding({
        message: `'${input}' starts with ${typo.found}: image references like ${target}/app:1 and \`docker login ${target}\` take the bare host, and a URL makes them fail with "invalid reference format".`,
        remediation: [`Write registry: ${target}`],
        evidence,
      });
    case "port":
      return CODES.LOGIN_SERVER_HAS_PORT.finding({
        message: `'${input}' names port ${typo.found.slice(1)}: Docker treats ${loginServer}${typo.found} as another registry than ${loginServer}, so a login made by \`az acr login\` is not used for it and pushes get 401.`,
        remediation: [`Write registry: ${target}`],
        evidence,
      });
    case "path":
      return CODES.LOGIN_SERVER_HAS_PATH.finding({
        message: `'${input}' carries the path ${typo.found}: \`registry\` is the login server only; repositories belong in \`repositories\` and images in \`images\`.`,
        remediation: [
          `Write registry: ${target}`,
          `repositories: ${typo.found.replace(/^\/+/, "").split(":")[0]}`,
        ],
        evidence,
      });
    case "uppercase":
      return CODES.LOGIN_SERVER_UPPERCASE.finding({
        message: `'${input}' has upper-case letters: Docker references must be lower case ("repository name must be lowercase") and credentials stored for ${loginServer} are not found for another spelling.`,
        remediation: [`Write registry: ${target}`],
        evidence,
      });
    case "misspelt-suffix":
      return CODES.LOGIN_SERVER_SUFFIX_MISSPELT.finding({
        message: `'${input}' ends in ${typo.found}, which is not a registry domain; registries in ${ctx.config.cloud.name} end in ${typo.expected}, so ${typo.found} fails DNS.`,
        remediation: [`Write registry: ${loginServer}`],
        evidence: { ...evidence, expected: typo.expected },
      });
    case "other-cloud-suffix": {
      const other = Object.values(CLOUDS).find((c) => c.acrSuffix === typo.found);
      return CODES.LOGIN_SERVER_WRONG_CLOUD.finding({
        message: `'${input}' ends in ${typo.found}, the registry domain of ${other?.name ?? "another cloud"}, but \`environment\` is ${ctx.config.cloud.name} (registries end in ${typo.expected}); the token exchange would go to the wrong cloud.`,
        remediation: [
          ...(other ? [`If the registry is in ${other.name}: set environment: ${other.name}`] : []),
          `Otherwise write registry: ${loginServer}`,
        ],
        evidence: {
          ...evidence,
          expected: typo.expected,
          environment: ctx.config.cloud.name,
          suffixCloud: other?.name,
        },
      });
    }
  }
}

function registryScope(ctx: RegistryContext): string {
  const { subscriptionId, resourceGroup } = ctx.config;
  return subscriptionId && resourceGroup
    ? `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${ctx.registry.name}`
    : `$(az acr show --name ${ctx.registry.name} --query id --output tsv)`;
}

function setScopeLine(resourceId: string): string {
  const { subscriptionId, resourceGroup } = parseResourceId(resourceId);
  return `Set subscription-id: ${subscriptionId} and resource-group: ${resourceGroup} (${resourceId})`;
}

function optional<T>(value: T | undefined): T[] {
  return value === undefined ? [] : [value];
}
