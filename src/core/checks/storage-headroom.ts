import type { RegistryResource } from "../azure/arm-types.js";
import { requireRegistry } from "../context/registry-lookup.js";
import type { RegistryContext } from "../context/scope.js";
import type { RegistryUsage } from "../context/usages.js";
import { usagesFact } from "../context/usages.js";
import type { Finding } from "../report/types.js";
import type { Check } from "./check.js";
import { defineCodes, SkipCheck } from "./check.js";

const LIMITS_DOCS = "https://learn.microsoft.com/azure/container-registry/container-registry-skus";

const CODES = defineCodes({
  STORAGE_OK: {
    severity: "notice",
    title: "Storage has headroom",
    fix: "Nothing to fix.",
    docs: LIMITS_DOCS,
  },
  STORAGE_NEAR_INCLUDED: {
    severity: "warning",
    title: "Storage is close to the SKU's included amount",
    fix: "Purge old or untagged images (`acr purge`), enable a retention policy, or plan for billed overage.",
    docs: "https://learn.microsoft.com/azure/container-registry/container-registry-auto-purge",
  },
  STORAGE_OVERAGE_BILLED: {
    severity: "notice",
    title: "Storage exceeds the included amount (billed overage)",
    fix: "Nothing blocks the job; purge unused images or change the SKU to stop paying per GiB per day.",
    docs: LIMITS_DOCS,
  },
  STORAGE_FORECAST_OVER_LIMIT: {
    severity: "error",
    title: "The push would take the registry over its storage limit",
    fix: "Purge images before pushing, or move to Premium (100 TiB); beyond that, contact Azure support.",
    docs: LIMITS_DOCS,
  },
  USAGE_NEAR_LIMIT: {
    severity: "warning",
    title: "A registry resource count is close to its SKU limit",
    fix: "Remove unused webhooks, tokens, scope maps or IP rules, or move to a SKU with a higher limit.",
    docs: LIMITS_DOCS,
  },
});

const GIB = 1024 ** 3;
const TIB = 1024 ** 4;

/** acr-facts §3.1: included storage (what `Size.limit` reports) and the per-registry storage limit. */
const SKU_STORAGE: Record<string, { included: number; hardLimit: number }> = {
  Basic: { included: 10 * GIB, hardLimit: 40 * TIB },
  Standard: { included: 100 * GIB, hardLimit: 40 * TIB },
  Premium: { included: 500 * GIB, hardLimit: 100 * TIB },
};

const NEAR_LIMIT_RATIO = 0.9;

/** `storage-headroom`: `listUsages` against included storage, the SKU's hard limit and the expected push. */
export const storageHeadroomCheck: Check = {
  id: "storage-headroom",
  scope: "registry",
  modes: ["preflight", "audit"],
  codes: CODES,
  permissions: ["`Microsoft.ContainerRegistry/registries/listUsages/read` on the registry (Reader)"],
  async run(ctx) {
    const [registry, usages] = await Promise.all([requireRegistry(ctx), ctx.get(usagesFact)]);
    return { findings: [storageFinding(ctx, registry, usages), ...countFindings(ctx, usages)] };
  },
};

function storageFinding(ctx: RegistryContext, registry: RegistryResource, usages: RegistryUsage[]): Finding {
  const size = usages.find((u) => u.name === "Size");
  const sku = SKU_STORAGE[registry.sku.name];
  if (!size || !sku) {
    throw new SkipCheck(
      "prerequisite",
      `The registry reported no storage usage${sku ? "" : ` and its SKU '${registry.sku.name}' is unknown`}, so its headroom cannot be judged.`,
    );
  }
  const included = size.limit > 0 ? size.limit : sku.included;
  const pushSize = ctx.config.expectedPushSizeBytes ?? 0;
  const forecast = size.currentValue + pushSize;
  const warningPercent = ctx.config.storageWarningPercent;
  const evidence = {
    sku: registry.sku.name,
    usedGiB: gib(size.currentValue),
    includedGiB: gib(included),
    hardLimitGiB: gib(sku.hardLimit),
    ...(pushSize > 0 ? { expectedPushGiB: gib(pushSize), forecastGiB: gib(forecast) } : {}),
    storageWarningPercent: warningPercent,
  };
  const usedText = `${gib(size.currentValue)} GiB used${pushSize > 0 ? ` (${gib(forecast)} GiB after the ${gib(pushSize)} GiB push)` : ""}`;
  const cleanup = cleanupCommands(ctx, registry);

  if (forecast > sku.hardLimit) {
    return CODES.STORAGE_FORECAST_OVER_LIMIT.finding({
      message: `${registry.name} has ${usedText}, over the ${registry.sku.name} storage limit of ${gib(sku.hardLimit)} GiB: pushes will be refused.`,
      remediation: [
        ...cleanup,
        ...(registry.sku.name === "Premium" ? [] : [`az acr update -n ${registry.name} --sku Premium`]),
      ],
      evidence,
    });
  }
  if (forecast > included) {
    return CODES.STORAGE_OVERAGE_BILLED.finding({
      message: `${registry.name} has ${usedText}, above the ${gib(included)} GiB included in ${registry.sku.name}; the overage is billed per GiB per day but nothing is refused.`,
      remediation: [...cleanup, ...skuUpgrade(registry)],
      evidence,
    });
  }
  if (forecast > (included * warningPercent) / 100) {
    return CODES.STORAGE_NEAR_INCLUDED.finding({
      message: `${registry.name} has ${usedText}, ${Math.round((forecast / included) * 100)} % of the ${gib(included)} GiB included in ${registry.sku.name} (warning at ${warningPercent} %).`,
      remediation: [...cleanup, ...skuUpgrade(registry)],
      evidence,
    });
  }
  return CODES.STORAGE_OK.finding({
    message: `${registry.name} has ${usedText} of ${gib(included)} GiB included (${Math.round((forecast / included) * 100)} %).`,
    evidence,
  });
}

function countFindings(ctx: RegistryContext, usages: RegistryUsage[]): Finding[] {
  return usages
    .filter((u) => u.name !== "Size" && u.limit > 0 && u.currentValue >= u.limit * NEAR_LIMIT_RATIO)
    .map((u) =>
      CODES.USAGE_NEAR_LIMIT.finding({
        message: `${u.name}: ${u.currentValue} of ${u.limit} used on ${ctx.registry.name}; creating more will be refused at the limit.`,
        remediation: [
          ...countCleanup(ctx.registry.name, u.name),
          `az acr update -n ${ctx.registry.name} --sku Premium`,
        ],
        evidence: { usage: u.name, currentValue: u.currentValue, limit: u.limit },
      }),
    );
}

function countCleanup(registry: string, usage: string): string[] {
  const list: Record<string, string> = {
    Webhooks: `az acr webhook list --registry ${registry} --output table`,
    Tokens: `az acr token list --registry ${registry} --output table`,
    ScopeMaps: `az acr scope-map list --registry ${registry} --output table`,
    IPRules: `az acr network-rule list --name ${registry}`,
    PrivateEndpointConnections: `az acr private-endpoint-connection list --registry-name ${registry} --output table`,
  };
  return list[usage] ? [list[usage]] : [];
}

function cleanupCommands(ctx: RegistryContext, registry: RegistryResource): string[] {
  const filters = ctx.config.repositories.length > 0 ? ctx.config.repositories : [".*"];
  const purge = filters.map(
    (repository) =>
      `az acr run --registry ${registry.name} --cmd "acr purge --filter '${repository}:.*' --ago 30d --untagged" /dev/null`,
  );
  const retention =
    registry.sku.name === "Premium"
      ? [
          `az acr config retention update --registry ${registry.name} --status enabled --days 7 --type UntaggedManifests`,
        ]
      : [];
  return [...purge, ...retention];
}

function skuUpgrade(registry: RegistryResource): string[] {
  const next =
    registry.sku.name === "Basic" ? "Standard" : registry.sku.name === "Standard" ? "Premium" : undefined;
  return next ? [`az acr update -n ${registry.name} --sku ${next}`] : [];
}

function gib(bytes: number): number {
  return Math.round((bytes / GIB) * 100) / 100;
}
