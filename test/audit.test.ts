import { describe, expect, it } from "vitest";
import { healthyVariant, registryIdOf } from "./checks/healthy-variant.js";
import { startFakeAzure } from "./fake-azure/index.js";
import type { Registry, Scenario } from "./fake-azure/scenario.js";
import { runCli } from "./support/cli.js";

/** Checks about this runner or this job's deployment, which an audit leaves out unless asked. */
const RUNNER_SPECIFIC = [
  "token-lifetime",
  "reachability",
  "network-rules",
  "service-tags",
  "role-scope",
  "images",
  "aks-pull",
  "docker-config",
];

/** healthy.json plus a Standard dev registry with its admin account on, behind a firewall that keeps the audit runner out. */
function twoRegistries(): Scenario {
  return healthyVariant(({ scenario, registry, principalId }) => {
    const dev: Registry = {
      ...structuredClone(registry),
      name: "contosoacrdev",
      resourceGroup: "rg-dev",
      sku: "Premium",
      properties: {
        publicNetworkAccess: "Enabled",
        networkRuleSet: { defaultAction: "Deny", ipRules: [{ action: "Allow", value: "203.0.113.0/24" }] },
        adminUserEnabled: true,
      },
    };
    scenario.registries.push(dev);
    scenario.roleAssignments.push({
      scope: registryIdOf(dev),
      role: "Reader",
      principalId,
      principalType: "ServicePrincipal",
    });
  });
}

async function audit(scenario: Scenario, args: string[] = []) {
  const fake = await startFakeAzure({ scenario });
  try {
    const result = await runCli(fake, ["--mode", "audit", ...args]);
    return { ...result, requests: [...fake.requests] };
  } finally {
    await fake.close();
  }
}

describe("audit mode (the nightly run across registries)", () => {
  it("finds every visible registry with one Resource Graph query and checks each, without runner-specific checks", async () => {
    const result = await audit(twoRegistries());
    expect(result.report?.mode).toBe("audit");
    expect(result.report?.registries.map((r) => r.name).sort()).toEqual(["contosoacr", "contosoacrdev"]);
    for (const registry of result.report?.registries ?? []) {
      const ids = registry.checks.map((c) => c.id);
      expect(ids).toEqual(
        expect.arrayContaining(["registry", "storage-headroom", "admin-user", "sku-limits"]),
      );
      for (const id of RUNNER_SPECIFIC) expect(ids).not.toContain(id);
    }
    const graphQueries = result.requests.filter((r) => r.path.includes("Microsoft.ResourceGraph"));
    expect(graphQueries).toHaveLength(1);
    const byName = new Map(result.report?.registries.map((r) => [r.name, r]));
    expect(byName.get("contosoacr")?.result).toBe("pass");
    expect(byName.get("contosoacrdev")?.result).toBe("warning");
    expect(result.report?.result).toBe("warning");
    expect(result.code).toBe(0);
  });

  it("does not count a firewall that keeps the audit runner out as the registry's error", async () => {
    const result = await audit(twoRegistries());
    const dev = result.report?.registries.find((r) => r.name === "contosoacrdev");
    const dataPlane = dev?.checks.find((c) => c.id === "data-plane-access");
    expect(dataPlane).toMatchObject({ status: "skipped", findings: [{ code: "CHECK_NOT_APPLICABLE" }] });
    expect(dataPlane?.findings[0]?.message).toMatch(/does not admit this audit runner \(20\.61\.1\.2\)/);
    const admin = dev?.checks.find((c) => c.id === "admin-user");
    expect(admin).toMatchObject({ status: "warning", findings: [{ code: "ADMIN_USER_ENABLED" }] });
    expect(admin?.findings[0]?.message).not.toMatch(/this job/);
  });

  it("runs a runner-specific check when asked for by name", async () => {
    const result = await audit(twoRegistries(), ["--registry", "contosoacrdev", "--checks", "network-rules"]);
    const checks = result.report?.registries[0]?.checks;
    expect(checks?.map((c) => c.id)).toEqual(["network-rules"]);
    expect(checks?.[0]).toMatchObject({ status: "error", findings: [{ code: "RUNNER_IP_BLOCKED" }] });
    expect(result.code).toBe(1);
  });
});
