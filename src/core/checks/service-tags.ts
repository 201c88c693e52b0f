import type { RegistryResource } from "../azure/arm-types.js";
import { githubActionsRangesFact } from "../context/github-meta.js";
import { requireRegistry } from "../context/registry-lookup.js";
import { registryRunnerIpFact } from "../context/runner-ip.js";
import type { RegistryContext } from "../context/scope.js";
import type { ServiceTag, ServiceTags } from "../context/service-tags.js";
import { serviceTagsOf } from "../context/service-tags.js";
import type { RunnerKind } from "../config/types.js";
import { cidrContainsIp, cidrWithin, isIpv4Cidr, parseCidr, sameCidr } from "../net/cidr.js";
import type { Finding } from "../report/types.js";
import type { Check } from "./check.js";
import { defineCodes, SkipCheck } from "./check.js";
import { IP_RULE_LIMIT } from "./network-rules.js";

const ADO_DOCS = "https://learn.microsoft.com/azure/devops/pipelines/agents/hosted#networking";
const GITHUB_DOCS = "https://docs.github.com/actions/reference/runners/github-hosted-runners#ip-addresses";
const ALLOW_LIST_DOCS = "https://learn.microsoft.com/azure/devops/organizations/security/allow-list-ip-url";
/** Exact copies of this many published prefixes make a rule set look copied from that list. */
const COPIED_LIST_MIN_MATCHES = 2;

const CODES = defineCodes({
  HOSTED_RANGES_EXCEED_LIMIT: {
    severity: "error",
    title: "Allow-listing hosted-runner ranges cannot fit the 200-rule firewall",
    fix: "Stop allow-listing hosted runners: use a self-hosted runner/agent in the registry's VNet with a private endpoint, GitHub larger runners with static IPs, or Managed DevOps Pools.",
  },
  HOSTED_RANGES_FIT: {
    severity: "notice",
    title: "The hosted-runner ranges fit the rule limit, but change weekly",
    fix: "Refresh the rules from each week's list, or move to a runner with a fixed egress.",
  },
  RUNNER_IP_NOT_IN_TAGS: {
    severity: "warning",
    title: "The runner's IP is in none of this week's published ranges",
    fix: "Check runner-ip and runner-kind; macOS agents egress from GitHub's cloud, not AzureCloud ranges.",
  },
  AZURE_DEVOPS_TAG_RULES: {
    severity: "warning",
    title: "IP rules copied from the AzureDevOps service tag (it does not cover hosted agents)",
    fix: "Remove them: the AzureDevOps tag is for inbound calls from Azure DevOps, not the egress of Microsoft-hosted agents.",
    docs: ALLOW_LIST_DOCS,
  },
  SERVICE_TAGS_NOT_READ: {
    severity: "notice",
    title: "Azure's service tags were not read; GitHub's ranges decided",
    fix: "Grant Reader on the subscription, or pass service-tags-file, to also find rules copied from Azure service tags.",
  },
  STALE_TAG_RULES: {
    severity: "warning",
    title: "IP rules copied from a published list are no longer in this week's ranges",
    fix: "Re-sync the rules with this week's list (they change weekly), or stop allow-listing hosted runners.",
  },
});

/** The ranges a hosted runner of this kind may egress from, and the prefixes an allow-list would need. */
interface HostedRanges {
  /** What the runner's IP was matched against: `GitHub actions` or `AzureCloud.<region>` names. */
  list: string;
  holding: string[];
  /** IPv4 prefixes an allow-list must hold for every job to get in (ACR IP rules are IPv4 only). */
  prefixes: string[];
  docs: string;
}

/** `service-tags`: for hosted runners, whether allow-listing their ranges in the registry firewall can work. */
export const serviceTagsCheck: Check = {
  id: "service-tags",
  scope: "registry",
  modes: ["preflight"],
  codes: CODES,
  permissions: [
    "`Microsoft.Network/locations/serviceTags/read` on the registry's subscription (Reader), unless service-tags-file is given; without it GitHub-hosted runners are judged on GitHub's own list alone",
  ],
  async run(ctx) {
    const kind = hostedKind(ctx.config.runnerKind);
    const registry = await requireRegistry(ctx);
    const runner = await ctx.get(registryRunnerIpFact);
    if (!runner.ip) {
      throw new SkipCheck(
        "prerequisite",
        `The runner's egress IP is unknown (${runner.detail ?? "no source"}); pass it as runner-ip.`,
        ["--runner-ip $(curl -s https://api.ipify.org)"],
      );
    }
    const { tags, unread } = await readServiceTags(ctx, kind);
    const azureHolding = tags.tags.filter(
      (t) => t.name.startsWith("AzureCloud.") && t.addressPrefixes.some((p) => cidrContainsIp(p, runner.ip!)),
    );
    const ranges = kind === "github-hosted" ? await githubRanges(ctx, runner.ip) : adoRanges(azureHolding);
    const rules = (registry.properties.networkRuleSet?.ipRules ?? []).map((r) => r.value);
    const evidence = {
      runnerKind: kind,
      runnerIp: runner.ip,
      ipSource: runner.source,
      serviceTags: unread
        ? "not read"
        : `${tags.source}${tags.changeNumber ? ` (changeNumber ${tags.changeNumber})` : ""}`,
      azureCloudTags: azureHolding.map((t) => t.name),
      ipRules: rules.length,
      limit: IP_RULE_LIMIT,
    };
    return {
      findings: [
        ...(ranges.holding.length === 0 ? [notInRanges(kind, runner.ip, ranges, evidence)] : []),
        ...(ranges.prefixes.length > 0 ? [verdict(registry, kind, ranges, rules, evidence)] : []),
        ...azureDevOpsRules(registry, tags, rules),
        ...staleRules(registry, tags, ranges, rules, kind),
        ...(unread ? [tagsNotRead(unread)] : []),
      ],
    };
  },
};

/**
 * Azure's service tags; for a GitHub-hosted runner, whose egress GitHub's own list decides, an
 * unreadable API only leaves the copied-rule findings out, said in a notice.
 */
async function readServiceTags(
  ctx: RegistryContext,
  kind: "github-hosted" | "ado-hosted",
): Promise<{ tags: ServiceTags; unread?: SkipCheck }> {
  try {
    return { tags: await serviceTagsOf(ctx) };
  } catch (error) {
    if (kind !== "github-hosted" || !(error instanceof SkipCheck) || error.kind !== "permission") throw error;
    return { tags: { source: "service-tags-api", tags: [] }, unread: error };
  }
}

function tagsNotRead(unread: SkipCheck): Finding {
  return CODES.SERVICE_TAGS_NOT_READ.finding({
    message: `${unread.message} GitHub's actions ranges decided this check; rules copied from the AzureDevOps tag or from stale AzureCloud ranges were not looked for.`,
    remediation: unread.remediation,
    evidence: { reason: unread.message },
  });
}

function hostedKind(kind: RunnerKind | undefined): "github-hosted" | "ado-hosted" {
  if (kind === "github-hosted" || kind === "ado-hosted") return kind;
  throw new SkipCheck(
    "not-applicable",
    kind === "self-hosted"
      ? "The runner is self-hosted: its egress is yours to fix and allow-list (see network-rules), not a published range."
      : "The runner kind is unknown (neither RUNNER_ENVIRONMENT nor AGENT_ISSELFHOSTED is set); pass runner-kind github-hosted or ado-hosted to check allow-listing of hosted runners.",
    [],
    { runnerKind: kind ?? "unknown" },
  );
}

async function githubRanges(ctx: RegistryContext, ip: string): Promise<HostedRanges> {
  const actions = await ctx.get(githubActionsRangesFact).catch((error: Error) => {
    throw new SkipCheck(
      "prerequisite",
      `GitHub's meta API could not be read (${error.message}), so the actions ranges are unknown.`,
      ["curl -s https://api.github.com/meta | jq '.actions | length'"],
    );
  });
  return {
    list: "GitHub actions",
    holding: actions.filter((range) => cidrContainsIp(range, ip)),
    prefixes: actions.filter(isIpv4Cidr),
    docs: GITHUB_DOCS,
  };
}

/**
 * Microsoft-hosted agents egress from the AzureCloud ranges of every region of the organisation's
 * geography (acr-facts §6.3); the holding region's tag alone is the lower bound an allow-list needs.
 */
function adoRanges(holding: ServiceTag[]): HostedRanges {
  return {
    list: "AzureCloud.<region>",
    holding: holding.map((t) => t.name),
    prefixes: [...new Set(holding.flatMap((t) => t.addressPrefixes.filter(isIpv4Cidr)))],
    docs: ADO_DOCS,
  };
}

function recommendations(registry: RegistryResource, kind: "github-hosted" | "ado-hosted"): string[] {
  return [
    `run the job on a self-hosted ${kind === "github-hosted" ? "runner" : "agent"} in a VNet with a private endpoint to ${registry.name} (az network private-endpoint create --group-id registry --private-connection-resource-id ${registry.id} …)`,
    kind === "github-hosted"
      ? "or use GitHub larger runners with static IP addresses and allow only those"
      : "or use Managed DevOps Pools injected into your VNet",
  ];
}

/** Whether the job depends on the allow-list: public access on, default Deny. */
function reliesOnAllowList(registry: RegistryResource): boolean {
  const props = registry.properties;
  return props.publicNetworkAccess !== "Disabled" && props.networkRuleSet?.defaultAction === "Deny";
}

function verdict(
  registry: RegistryResource,
  kind: "github-hosted" | "ado-hosted",
  ranges: HostedRanges,
  rules: string[],
  evidence: Record<string, unknown>,
): Finding {
  const needed = ranges.prefixes.filter((p) => !rules.some((rule) => cidrWithin(p, rule)));
  const total = rules.length + needed.length;
  const relies = reliesOnAllowList(registry);
  const full = {
    ...evidence,
    holdingRanges: ranges.holding,
    prefixesNeeded: ranges.prefixes.length,
    missingPrefixes: needed.length,
  };
  const listName =
    kind === "github-hosted"
      ? "GitHub's `actions` list"
      : `${ranges.holding.join(", ")} (and the other regions of the organisation's geography)`;
  if (total > IP_RULE_LIMIT) {
    return CODES.HOSTED_RANGES_EXCEED_LIMIT.finding({
      ...(relies ? {} : { severity: "notice" as const }),
      message: `Allowing every ${kind} runner means ${ranges.prefixes.length} prefixes from ${listName}; with the ${rules.length} existing rules that is ${total}, over the ${IP_RULE_LIMIT}-rule limit, and the ranges change weekly${relies ? `, so ${registry.name}'s firewall will keep refusing some jobs` : ` (${registry.name} is not relying on its allow-list today)`}.`,
      remediation: recommendations(registry, kind),
      docs: ranges.docs,
      evidence: full,
    });
  }
  return CODES.HOSTED_RANGES_FIT.finding({
    message: `Allowing every ${kind} runner takes ${ranges.prefixes.length} prefixes from ${listName} (${needed.length} not yet covered), within the ${IP_RULE_LIMIT}-rule limit; but the list changes weekly, so the rules need refreshing, and these ranges are shared with every other tenant of the cloud, so the firewall then admits far more than your runners.`,
    remediation: [
      ...(relies
        ? needed.slice(0, 5).map((p) => `az acr network-rule add --name ${registry.name} --ip-address ${p}`)
        : []),
      ...recommendations(registry, kind),
    ],
    docs: ranges.docs,
    evidence: full,
  });
}

function notInRanges(
  kind: "github-hosted" | "ado-hosted",
  ip: string,
  ranges: HostedRanges,
  evidence: Record<string, unknown>,
): Finding {
  return CODES.RUNNER_IP_NOT_IN_TAGS.finding({
    message: `The runner's IP ${ip} is in no ${ranges.list} range of this week's list, which a ${kind} runner's egress should be: runner-ip or runner-kind is wrong, the job runs on macOS (GitHub's own cloud), or egress goes through a proxy/NAT of your own.`,
    remediation: ["curl -s https://api.ipify.org   # on the runner, compare with the runner IP above"],
    docs: ranges.docs,
    evidence,
  });
}

function azureDevOpsRules(registry: RegistryResource, tags: ServiceTags, rules: string[]): Finding[] {
  const tag = tags.tags.find((t) => t.name === "AzureDevOps");
  const copied = tag ? rules.filter((rule) => tag.addressPrefixes.some((p) => cidrWithin(rule, p))) : [];
  if (copied.length === 0) return [];
  return [
    CODES.AZURE_DEVOPS_TAG_RULES.finding({
      message: `${copied.length} IP rule(s) of ${registry.name} come from the AzureDevOps service tag (${copied.slice(0, 5).join(", ")}), which covers inbound calls from Azure DevOps — Microsoft-hosted agents do not egress from it, so these rules let no pipeline in.`,
      remediation: copied.map(
        (rule) => `az acr network-rule remove --name ${registry.name} --ip-address ${rule}`,
      ),
      evidence: { tag: "AzureDevOps", rules: copied },
    }),
  ];
}

/**
 * Rules look copied from a published list when several equal its prefixes exactly; among such a rule
 * set, ranges (not single hosts) that no current published range covers were dropped from the list
 * since the copy was made.
 */
function staleRules(
  registry: RegistryResource,
  tags: ServiceTags,
  ranges: HostedRanges,
  rules: string[],
  kind: "github-hosted" | "ado-hosted",
): Finding[] {
  const published = [
    ...tags.tags.flatMap((t) => t.addressPrefixes),
    ...(kind === "github-hosted" ? ranges.prefixes : []),
  ];
  const exactCopies = rules.filter((rule) => published.some((p) => sameCidr(rule, p)));
  if (exactCopies.length < COPIED_LIST_MIN_MATCHES) return [];
  const stale = rules.filter(
    (rule) => (parseCidr(rule)?.[1] ?? 32) < 32 && !published.some((p) => cidrWithin(rule, p)),
  );
  if (stale.length === 0) return [];
  return [
    CODES.STALE_TAG_RULES.finding({
      message: `${registry.name}'s rules were copied from a published list (${exactCopies.length} match this week's prefixes exactly), but ${stale.length} range(s) (${stale.slice(0, 5).join(", ")}) are in no current ${kind === "github-hosted" ? "GitHub actions range or " : ""}service tag: the copy is out of date.`,
      remediation: stale.map(
        (rule) => `az acr network-rule remove --name ${registry.name} --ip-address ${rule}`,
      ),
      evidence: { exactCopies: exactCopies.length, staleRules: stale },
    }),
  ];
}
