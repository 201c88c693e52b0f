import type { RegistryResource } from "../azure/arm-types.js";
import type { Operation } from "../config/types.js";
import { requireRegistry } from "../context/registry-lookup.js";
import { replicationsFact } from "../context/replications.js";
import type { Finding } from "../report/types.js";
import type { Check } from "./check.js";
import { defineCodes } from "./check.js";

const SKU_DOCS = "https://learn.microsoft.com/azure/container-registry/container-registry-skus";

const CODES = defineCodes({
  PREMIUM_FEATURE_ON_LOWER_SKU: {
    severity: "warning",
    title: "The registry is configured with Premium-only features but is not Premium",
    fix: "Move the registry to Premium (`az acr update -n <registry> --sku Premium`), or stop relying on the listed features.",
    docs: SKU_DOCS,
  },
  PREMIUM_FEATURES_IN_USE: {
    severity: "notice",
    title: "The registry depends on Premium-only features",
    fix: "Nothing to fix; keep the registry on Premium, or remove the listed features before any downgrade.",
    docs: SKU_DOCS,
  },
  SKU_RATE_LIMITS: {
    severity: "notice",
    title: "Request-rate limits of the registry's SKU",
    fix: "Nothing to fix; spread heavy parallel pulls over identities or replicas, or move to Premium for twice the limits.",
    docs: "https://learn.microsoft.com/azure/container-registry/container-registry-skus#service-tier-features-and-limits",
  },
});

type RateCategory = "DataplaneRead" | "DataplaneWrite" | "DataplaneDelete";

/** acr-facts §3.2: requests per minute, best effort, throttled with 429 + Retry-After. */
const RATE_LIMITS: Record<
  "Premium" | "BasicStandard",
  Record<RateCategory, { registry: number; identity: number }>
> = {
  BasicStandard: {
    DataplaneRead: { registry: 10_000, identity: 5_000 },
    DataplaneWrite: { registry: 2_000, identity: 1_000 },
    DataplaneDelete: { registry: 1_000, identity: 500 },
  },
  Premium: {
    DataplaneRead: { registry: 20_000, identity: 10_000 },
    DataplaneWrite: { registry: 4_000, identity: 2_000 },
    DataplaneDelete: { registry: 4_000, identity: 2_000 },
  },
};

const CATEGORY_OF: Record<Operation, RateCategory> = {
  pull: "DataplaneRead",
  push: "DataplaneWrite",
  delete: "DataplaneDelete",
};

/** `sku-limits`: features in use against the SKU (acr-facts §3.1), and the SKU's request-rate budget (§3.2). */
export const skuLimitsCheck: Check = {
  id: "sku-limits",
  scope: "registry",
  modes: ["preflight", "audit"],
  codes: CODES,
  permissions: [
    "`Microsoft.ContainerRegistry/registries/read` and `registries/replications/read` on the registry (Reader)",
  ],
  async run(ctx) {
    const registry = await requireRegistry(ctx);
    const replicas = await ctx.get(replicationsFact);
    const extraRegions = replicas.readable
      ? replicas.value
          .map((r) => r.location)
          .filter((l) => l.toLowerCase() !== registry.location.toLowerCase())
      : [];
    const features = premiumFeatures(registry, extraRegions);
    const premium = registry.sku.name === "Premium";
    const evidence = {
      sku: registry.sku.name,
      premiumFeatures: features,
      ...(replicas.readable ? {} : { replicationsUnreadable: replicas.detail }),
    };
    const findings: Finding[] = [];
    if (features.length > 0 && !premium) {
      findings.push(
        CODES.PREMIUM_FEATURE_ON_LOWER_SKU.finding({
          message:
            `${registry.name} is ${registry.sku.name}, but is configured with ${features.join(", ")}, ` +
            `which only Premium offers: clients that rely on them (e.g. runners behind a private endpoint) fail.`,
          remediation: [`az acr update -n ${registry.name} --sku Premium`],
          evidence,
        }),
      );
    }
    if (features.length > 0 && premium) {
      findings.push(
        CODES.PREMIUM_FEATURES_IN_USE.finding({
          message: `${registry.name} uses Premium-only features (${features.join(", ")}); a move to Standard or Basic would have to remove them first.`,
          evidence,
        }),
      );
    }
    findings.push(rateLimitFinding(registry, ctx.config.operations));
    return { findings };
  },
};

/** Premium-only settings the registry has on (acr-facts §3.1). */
function premiumFeatures(registry: RegistryResource, extraRegions: string[]): string[] {
  const p = registry.properties;
  const ipRules = p.networkRuleSet?.ipRules?.length ?? 0;
  const privateEndpoints = p.privateEndpointConnections?.length ?? 0;
  return [
    ...(privateEndpoints > 0 ? [`${privateEndpoints} private endpoint(s)`] : []),
    ...(extraRegions.length > 0 ? [`geo-replicas in ${extraRegions.join(", ")}`] : []),
    ...(p.dataEndpointEnabled ? ["dedicated data endpoints"] : []),
    ...(p.policies?.retentionPolicy?.status === "enabled" ? ["a retention policy"] : []),
    ...(p.policies?.exportPolicy?.status === "disabled" ? ["a disabled export policy"] : []),
    ...(ipRules > 0 || p.networkRuleSet?.defaultAction === "Deny"
      ? [
          `firewall rules (${ipRules} IP rule(s), default action ${p.networkRuleSet?.defaultAction ?? "Allow"})`,
        ]
      : []),
    // Anonymous pull exists on Standard and Premium, not on Basic.
    ...(registry.sku.name === "Basic" && p.anonymousPullEnabled ? ["anonymous pull"] : []),
  ];
}

function rateLimitFinding(registry: RegistryResource, operations: Operation[]): Finding {
  const premium = registry.sku.name === "Premium";
  const limits = RATE_LIMITS[premium ? "Premium" : "BasicStandard"];
  const budget = Object.fromEntries(
    operations.map((op) => [
      CATEGORY_OF[op],
      {
        perIdentityPerMinute: limits[CATEGORY_OF[op]].identity,
        perRegistryPerMinute: limits[CATEGORY_OF[op]].registry,
      },
    ]),
  );
  const read = limits.DataplaneRead;
  return CODES.SKU_RATE_LIMITS.finding({
    message:
      `${registry.name} (${registry.sku.name}) serves about ${read.identity.toLocaleString("en-US")} read requests per minute per identity ` +
      `and ${read.registry.toLocaleString("en-US")} for the whole registry, best effort; beyond that clients get 429 toomanyrequests. ` +
      `Every pull costs one request per layer plus the manifest, so many nodes or jobs pulling at once with one identity share that budget.` +
      (premium ? "" : " Premium doubles these limits."),
    remediation: premium ? [] : [`az acr update -n ${registry.name} --sku Premium`],
    evidence: {
      sku: registry.sku.name,
      operations,
      budget,
      basis: "ACR service tier limits, best effort without SLA",
    },
  });
}
