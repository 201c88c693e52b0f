import { describe, expect, it } from "vitest";
import { checkOf } from "../support/cli.js";
import { healthyVariant, runAgainst } from "./healthy-variant.js";
import type { Variant } from "./healthy-variant.js";

const RUNNER_IP = "20.61.1.2";

async function networkRules(tweak: (v: Variant) => void, args: string[] = []) {
  const scenario = healthyVariant(tweak);
  const result = await runAgainst(scenario, ["--checks", "network-rules", ...args]);
  return checkOf(result.report, "network-rules");
}

function firewall(v: Variant, ipRules: string[], extra: Record<string, unknown> = {}) {
  v.registry.properties = {
    ...v.registry.properties,
    networkRuleSet: { defaultAction: "Deny", ipRules },
    ...extra,
  };
}

/** `count` /32 rules in 198.18.0.0/15 (benchmark space), none holding the runner. */
function unrelatedRules(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`);
}

function codesOf(check: { findings: { code: string }[] }): string[] {
  return check.findings.map((f) => f.code);
}

describe("network-rules", () => {
  it("passes with a notice when the registry is open to every IP", async () => {
    const check = await networkRules(() => undefined);
    expect(check.status).toBe("pass");
    expect(codesOf(check)).toEqual(["NETWORK_OPEN"]);
    expect(check.findings[0]!.evidence).toMatchObject({
      publicNetworkAccess: "Enabled",
      defaultAction: "Allow",
    });
  });

  it("fails when no IP rule holds the runner, with the exact rule to add", async () => {
    const check = await networkRules((v) => firewall(v, ["52.1.2.3"]), ["--runner-kind", "github-hosted"]);
    expect(check.status).toBe("error");
    expect(codesOf(check)).toEqual(["RUNNER_IP_BLOCKED"]);
    const finding = check.findings[0]!;
    expect(finding.remediation).toEqual([
      `az acr network-rule add --name contosoacr --ip-address ${RUNNER_IP}/32`,
    ]);
    expect(finding.message).toContain("its IP changes from job to job");
    expect(finding.evidence).toMatchObject({
      runnerIp: RUNNER_IP,
      source: "firewall",
      defaultAction: "Deny",
      ipRules: 1,
      matchedRule: null,
    });
  });

  it("passes when a CIDR rule holds the runner", async () => {
    const check = await networkRules((v) => firewall(v, ["52.1.2.3", "20.61.0.0/16"]));
    expect(check.status).toBe("pass");
    expect(codesOf(check)).toEqual(["RUNNER_IP_ALLOWED"]);
    expect(check.findings[0]!.evidence).toMatchObject({
      runnerIp: RUNNER_IP,
      source: "ip-echo",
      matchedRule: "20.61.0.0/16",
    });
  });

  it("judges runner-ip when the registry does not contradict it", async () => {
    const check = await networkRules((v) => firewall(v, ["20.61.0.0/16"]), ["--runner-ip", "40.68.1.1"]);
    // The registry accepted the job's real address, though no rule holds the runner-ip given.
    expect(codesOf(check)).toEqual(["RULES_NOT_YET_APPLIED"]);
    expect(check.findings[0]!.evidence).toMatchObject({
      runnerIp: "40.68.1.1",
      source: "input",
      dataPlane: "401",
    });
  });

  it("believes the firewall's 403 over a runner-ip that NAT made wrong", async () => {
    const check = await networkRules((v) => firewall(v, ["40.68.0.0/16"]), ["--runner-ip", "40.68.1.1"]);
    expect(check.status).toBe("error");
    expect(codesOf(check)).toEqual(["RUNNER_IP_BLOCKED"]);
    expect(check.findings[0]!.message).toContain("runner-ip says 40.68.1.1, but the registry saw 20.61.1.2");
    expect(check.findings[0]!.evidence).toMatchObject({
      runnerIp: RUNNER_IP,
      source: "firewall",
      statedRunnerIp: "40.68.1.1",
    });
  });

  it("fails when public network access is disabled and the runner is outside the private network", async () => {
    const check = await networkRules((v) =>
      firewall(v, [`${RUNNER_IP}/32`], { publicNetworkAccess: "Disabled" }),
    );
    expect(check.status).toBe("error");
    expect(codesOf(check)).toEqual(["PUBLIC_ACCESS_DISABLED"]);
  });

  it("passes when the runner reaches the registry through a private endpoint", async () => {
    const check = await networkRules((v) => {
      firewall(v, [], { publicNetworkAccess: "Disabled" });
      v.scenario.dns = { "contosoacr.azurecr.io": "10.1.0.4" };
    });
    expect(check.status).toBe("pass");
    expect(codesOf(check)).toEqual(["PRIVATE_ROUTE"]);
  });

  it("warns when the rules are near the 200 limit", async () => {
    const check = await networkRules((v) => firewall(v, [...unrelatedRules(184), "20.61.0.0/16"]));
    expect(check.status).toBe("warning");
    expect(codesOf(check)).toEqual(["RULE_LIMIT_NEAR", "RUNNER_IP_ALLOWED"]);
    expect(check.findings[0]!.severity).toBe("warning");
    expect(check.findings[0]!.evidence).toMatchObject({ ipRules: 185, limit: 200 });
  });

  it("fails the limit when the runner's rule would be rule 201", async () => {
    const check = await networkRules((v) => firewall(v, unrelatedRules(200)));
    expect(check.status).toBe("error");
    expect(codesOf(check).sort()).toEqual(["RULE_LIMIT_NEAR", "RUNNER_IP_BLOCKED"]);
    expect(check.findings.find((f) => f.code === "RULE_LIMIT_NEAR")!.severity).toBe("error");
  });

  it("warns when ARM allows the runner but the registry still refuses it (rule not yet applied)", async () => {
    const check = await networkRules((v) => {
      firewall(v, [`${RUNNER_IP}/32`]);
      v.registry.dataPlaneNetworkRules = { defaultAction: "Deny", ipRules: [] };
    });
    expect(check.status).toBe("warning");
    expect(codesOf(check)).toEqual(["RULES_NOT_YET_APPLIED"]);
    expect(check.findings[0]!.evidence).toMatchObject({
      matchedRule: `${RUNNER_IP}/32`,
      dataPlane: `403 refused ${RUNNER_IP}`,
    });
  });

  it("warns when ARM denies the runner but the registry still accepts it", async () => {
    const check = await networkRules((v) => {
      firewall(v, []);
      v.registry.dataPlaneNetworkRules = { defaultAction: "Allow", ipRules: [] };
    });
    expect(check.status).toBe("warning");
    expect(codesOf(check)).toEqual(["RULES_NOT_YET_APPLIED"]);
    expect(check.findings[0]!.evidence).toMatchObject({ dataPlane: "401", source: "ip-echo" });
  });

  it("is skipped, saying how to pass runner-ip, when the runner's IP cannot be learned", async () => {
    const check = await networkRules(
      (v) => {
        firewall(v, []);
        v.registry.dataPlaneNetworkRules = { defaultAction: "Allow", ipRules: [] };
      },
      ["--ip-echo-url", "none"],
    );
    expect(check.status).toBe("skipped");
    expect(codesOf(check)).toEqual(["PREREQUISITE_FAILED"]);
    expect(check.findings[0]!.message).toContain("runner-ip");
  });
});
