import type { RegistryResource } from "../azure/arm-types.js";
import type { Challenge } from "../context/data-plane.js";
import { challengeFact } from "../context/data-plane.js";
import { dnsFact } from "../context/dns.js";
import { loginServerFact, requireRegistry } from "../context/registry-lookup.js";
import type { RunnerIp } from "../context/runner-ip.js";
import { registryRunnerIpFact } from "../context/runner-ip.js";
import type { RegistryContext } from "../context/scope.js";
import { cidrContainsIp, isPublicAddress } from "../net/cidr.js";
import type { Finding } from "../report/types.js";
import type { Check } from "./check.js";
import { defineCodes, SkipCheck } from "./check.js";

const DOCS =
  "https://learn.microsoft.com/azure/container-registry/container-registry-access-selected-networks";
const PRIVATE_LINK_DOCS =
  "https://learn.microsoft.com/azure/container-registry/container-registry-private-link";
/** acr-facts §2.2: "Each registry supports a maximum of 200 IP access rules." */
export const IP_RULE_LIMIT = 200;
const RULE_LIMIT_WARNING = 180;

const CODES = defineCodes({
  NETWORK_OPEN: {
    severity: "notice",
    title: "The registry accepts connections from any IP",
    fix: "Nothing to fix for this job.",
    docs: DOCS,
  },
  RUNNER_IP_ALLOWED: {
    severity: "notice",
    title: "An IP rule allows the runner",
    fix: "Nothing to fix.",
    docs: DOCS,
  },
  PRIVATE_ROUTE: {
    severity: "notice",
    title: "The runner reaches the registry privately; IP rules do not apply",
    fix: "Nothing to fix.",
    docs: PRIVATE_LINK_DOCS,
  },
  RUNNER_IP_BLOCKED: {
    severity: "error",
    title: "Runner IP is not allowed by the registry firewall",
    fix: "Add an IP rule for the runner (`az acr network-rule add`) — for hosted runners prefer a self-hosted runner in the VNet or a private endpoint (see service-tags).",
    docs: DOCS,
  },
  PUBLIC_ACCESS_DISABLED: {
    severity: "error",
    title: "Public network access is disabled and the runner is outside the registry's private network",
    fix: "Run the job on a runner inside a VNet with a private endpoint to the registry (and the privatelink DNS zone linked), or enable public access with IP rules.",
    docs: PRIVATE_LINK_DOCS,
  },
  RULE_LIMIT_NEAR: {
    severity: "warning",
    title: "The registry's IP rules are at or near the 200-rule limit",
    fix: "Consolidate rules into wider CIDRs or move runners behind a private endpoint; the limit cannot be raised.",
    docs: DOCS,
  },
  RULES_NOT_YET_APPLIED: {
    severity: "warning",
    title: "ARM's network rules and the registry's answer disagree",
    fix: "Rules take a few minutes to apply: wait and re-run; if it persists, check that the runner's egress IP is the one evaluated.",
    docs: DOCS,
  },
});

interface RuleView {
  publicNetworkAccess: "Enabled" | "Disabled";
  defaultAction: "Allow" | "Deny";
  ipRules: string[];
}

/** `network-rules`: the runner's egress IP against `publicNetworkAccess`, `defaultAction` and `ipRules`. */
export const networkRulesCheck: Check = {
  id: "network-rules",
  scope: "registry",
  modes: ["preflight"],
  codes: CODES,
  permissions: ["`Microsoft.ContainerRegistry/registries/read` on the registry (Reader)"],
  async run(ctx) {
    const registry = await requireRegistry(ctx);
    const loginServer = await ctx.get(loginServerFact);
    const [dns, challenge] = await Promise.all([ctx.get(dnsFact(loginServer)), ctx.get(challengeFact)]);
    const view = ruleView(registry);
    const base = {
      publicNetworkAccess: view.publicNetworkAccess,
      defaultAction: view.defaultAction,
      ipRules: view.ipRules.length,
      dataPlane: dataPlaneAnswer(challenge),
    };

    const privateAddresses = dns.resolved ? dns.addresses.filter((a) => !isPublicAddress(a)) : [];
    if (privateAddresses.length > 0) {
      return {
        findings: [
          CODES.PRIVATE_ROUTE.finding({
            message: `${loginServer} resolves to ${privateAddresses.join(", ")} on this runner: traffic goes through a private endpoint, where public access settings and IP rules do not apply.`,
            evidence: { ...base, loginServerAddresses: privateAddresses },
          }),
        ],
      };
    }
    if (view.publicNetworkAccess === "Disabled") {
      return { findings: [publicAccessDisabled(registry, base)] };
    }

    if (view.defaultAction === "Allow") {
      const disagreement = challenge.answered && challenge.blockedIp;
      return {
        findings: [
          disagreement
            ? CODES.RULES_NOT_YET_APPLIED.finding({
                message: `ARM shows ${registry.name} open to every IP, but the registry refused ${challenge.blockedIp} a moment ago: a recent change to the network rules has not reached the registry yet.`,
                remediation: [`sleep 300 && az acr show --name ${registry.name} --query networkRuleSet`],
                evidence: { ...base, runnerIp: challenge.blockedIp, source: "firewall" },
              })
            : CODES.NETWORK_OPEN.finding({
                message: `${registry.name} has public network access enabled and defaultAction Allow: any IP may connect, so the runner's address does not matter.`,
                evidence: base,
              }),
        ],
      };
    }

    const runner = await ctx.get(registryRunnerIpFact);
    if (!runner.ip) {
      throw new SkipCheck(
        "prerequisite",
        `${registry.name} only admits listed IPs, but the runner's egress IP is unknown (${runner.detail ?? "no source"}); pass it as runner-ip, or let ip-echo-url reach an echo service.`,
        ["--runner-ip $(curl -s https://api.ipify.org)"],
        { ...base },
      );
    }
    return { findings: deniedByDefault(ctx, registry, view, runner, challenge, base) };
  },
};

function sourceText(runner: RunnerIp): string {
  return {
    input: "given as runner-ip",
    firewall: "as the registry firewall reported it",
    "ip-echo": "from the IP echo service",
    unknown: "unknown",
  }[runner.source];
}

function ruleView(registry: RegistryResource): RuleView {
  const props = registry.properties;
  return {
    publicNetworkAccess: props.publicNetworkAccess ?? "Enabled",
    defaultAction: props.networkRuleSet?.defaultAction ?? "Allow",
    ipRules: (props.networkRuleSet?.ipRules ?? []).map((r) => r.value),
  };
}

function dataPlaneAnswer(challenge: Challenge): string {
  if (!challenge.answered) return `no answer (${challenge.code ?? challenge.error})`;
  return challenge.blockedIp
    ? `${challenge.status} refused ${challenge.blockedIp}`
    : String(challenge.status);
}

function publicAccessDisabled(registry: RegistryResource, evidence: Record<string, unknown>): Finding {
  return CODES.PUBLIC_ACCESS_DISABLED.finding({
    message: `${registry.name} has public network access disabled and the runner resolves its public address, so every request is refused whatever the IP rules say; only clients that reach a private endpoint get in.`,
    remediation: [
      `run the job on a self-hosted runner/agent in a VNet with a private endpoint to ${registry.name}, and link the privatelink DNS zone to that VNet`,
      `or: az acr update --name ${registry.name} --public-network-enabled true --default-action Deny, then allow the runner with az acr network-rule add`,
    ],
    evidence,
  });
}

function deniedByDefault(
  ctx: RegistryContext,
  registry: RegistryResource,
  view: RuleView,
  stated: RunnerIp,
  challenge: Challenge,
  base: Record<string, unknown>,
): Finding[] {
  // The firewall's own words beat a runner-ip that NAT or a proxy made stale.
  const refusedIp = challenge.answered ? challenge.blockedIp : undefined;
  const overridden = refusedIp !== undefined && refusedIp !== stated.ip;
  const runner: RunnerIp = overridden ? { ip: refusedIp, source: "firewall" } : stated;
  const ip = runner.ip!;
  const matchedRule = view.ipRules.find((rule) => cidrContainsIp(rule, ip));
  const evidence = {
    ...base,
    runnerIp: ip,
    source: runner.source,
    matchedRule: matchedRule ?? null,
    ...(overridden ? { statedRunnerIp: stated.ip } : {}),
  };
  const dataPlaneAccepted = challenge.answered && challenge.status === 401;
  const dataPlaneRefused = challenge.answered && challenge.blockedIp === ip;
  const findings: Finding[] = [];

  if (matchedRule) {
    findings.push(
      dataPlaneRefused
        ? CODES.RULES_NOT_YET_APPLIED.finding({
            message: `ARM lists rule ${matchedRule} allowing ${ip}, but the registry still refuses ${ip}: the rule was added minutes ago and is not applied yet.`,
            remediation: [
              `sleep 300 && curl -s -o /dev/null -w "%{http_code}\\n" https://${registry.properties.loginServer}/v2/`,
            ],
            evidence,
          })
        : CODES.RUNNER_IP_ALLOWED.finding({
            message: `The runner's IP ${ip} (${sourceText(runner)}) is allowed by rule ${matchedRule} of ${registry.name}.`,
            evidence,
          }),
    );
  } else if (dataPlaneAccepted && runner.source !== "firewall") {
    findings.push(
      CODES.RULES_NOT_YET_APPLIED.finding({
        message: `No IP rule of ${registry.name} allows ${ip}, yet the registry accepted the runner: a recent rule change has not reached the registry, or the runner leaves through another address than ${ip} (${sourceText(runner)}).`,
        remediation: [`sleep 300 && az acr network-rule list --name ${registry.name}`],
        evidence,
      }),
    );
  } else {
    findings.push(blocked(ctx, registry, ip, runner, evidence));
  }

  const limitFinding = ruleLimit(registry, view, matchedRule ? 0 : 1, evidence);
  return limitFinding ? [...findings, limitFinding] : findings;
}

function blocked(
  ctx: RegistryContext,
  registry: RegistryResource,
  ip: string,
  runner: RunnerIp,
  evidence: Record<string, unknown>,
): Finding {
  const hosted = ctx.config.runnerKind === "github-hosted" || ctx.config.runnerKind === "ado-hosted";
  const caveat = hosted
    ? ` This is a ${ctx.config.runnerKind} runner: its IP changes from job to job, so a /32 rule only helps this run (see the service-tags check).`
    : ctx.config.runnerKind === "self-hosted"
      ? ""
      : " If this is a hosted runner its IP changes from job to job (see the service-tags check).";
  const premium = registry.sku.name === "Premium";
  return CODES.RUNNER_IP_BLOCKED.finding({
    message: `The runner's IP ${ip} (${sourceText(runner)}${evidence.statedRunnerIp ? `; runner-ip says ${evidence.statedRunnerIp as string}, but the registry saw ${ip}` : ""}) is in none of the ${evidence.ipRules as number} IP rules of ${registry.name}, whose defaultAction is Deny, so pulls and pushes get 403 DENIED.${caveat}`,
    remediation: premium
      ? [`az acr network-rule add --name ${registry.name} --ip-address ${ip}/32`]
      : [
          `IP rules need the Premium SKU: az acr update --name ${registry.name} --sku Premium`,
          `az acr network-rule add --name ${registry.name} --ip-address ${ip}/32`,
        ],
    evidence: { ...evidence, sku: registry.sku.name },
  });
}

/** `adding`: rules the fix would add (1 when the runner still needs one). */
function ruleLimit(
  registry: RegistryResource,
  view: RuleView,
  adding: number,
  evidence: Record<string, unknown>,
): Finding | undefined {
  const count = view.ipRules.length;
  if (count + adding > IP_RULE_LIMIT) {
    return CODES.RULE_LIMIT_NEAR.finding({
      severity: "error",
      message: `${registry.name} already has ${count} of ${IP_RULE_LIMIT} IP rules, so the rule this runner needs cannot be added.`,
      remediation: [
        `az acr network-rule list --name ${registry.name} --query "ipRules[].ipAddressOrRange"   # merge neighbours into wider CIDRs, remove stale ones`,
        `or reach ${registry.name} through a private endpoint from a runner in the VNet`,
      ],
      evidence: { ...evidence, limit: IP_RULE_LIMIT },
    });
  }
  if (count >= RULE_LIMIT_WARNING) {
    return CODES.RULE_LIMIT_NEAR.finding({
      message: `${registry.name} has ${count} of ${IP_RULE_LIMIT} IP rules; the limit cannot be raised, so the next runners will not fit.`,
      remediation: [`az acr network-rule list --name ${registry.name} --query "ipRules[].ipAddressOrRange"`],
      evidence: { ...evidence, limit: IP_RULE_LIMIT },
    });
  }
  return undefined;
}
