import { describe, expect, it } from "vitest";
import { healthyVariant, runAgainst } from "./checks/healthy-variant.js";

/**
 * Checks share facts (memoised per run/registry), so a full run reads each piece of Azure state
 * once, however many checks decide on it.
 */
describe("shared context", () => {
  it("reads the registry resource, its usages and the Graph application once per run", async () => {
    const scenario = healthyVariant();
    const name = scenario.registries[0]!.name;
    const result = await runAgainst(scenario, ["--operations", "pull,push"]);
    expect(result.report, result.stderr).toBeDefined();
    const checks = result.report!.registries[0]!.checks.map((c) => c.id);
    expect(checks).toEqual(expect.arrayContaining(["role-scope", "storage-headroom", "admin-user"]));

    const arm = result.requests.filter((r) => r.host === "management.azure.com" && r.method === "GET");
    const registryReads = arm.filter((r) =>
      new RegExp(`/providers/Microsoft\\.ContainerRegistry/registries/${name}$`, "i").test(r.path),
    );
    expect(registryReads).toHaveLength(1);
    expect(arm.filter((r) => /\/listUsages$/i.test(r.path))).toHaveLength(1);

    // The Graph application read belongs to sp-secret-expiry; counted only when that check ran.
    if (checks.includes("sp-secret-expiry")) {
      const graphApplicationReads = result.requests.filter(
        (r) =>
          r.host === "graph.microsoft.com" && r.method === "GET" && /^\/v1\.0\/applications/i.test(r.path),
      );
      expect(graphApplicationReads).toHaveLength(1);
    }
  });
});
