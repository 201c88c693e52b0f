import { describe, expect, it } from "vitest";
import { healthyVariant } from "./checks/healthy-variant.js";
import { startFakeAzure } from "./fake-azure/index.js";
import type { Scenario } from "./fake-azure/scenario.js";
import { runCli } from "./support/cli.js";

const JOB = ["--registry", "contosoacr", "--operations", "pull,push", "--repositories", "shop/api"];

async function hostsOf(scenario: Scenario, args: string[]) {
  const fake = await startFakeAzure({ scenario });
  try {
    const result = await runCli(fake, [...JOB, ...args]);
    return { ...result, hosts: new Set(fake.requests.map((r) => r.host)) };
  } finally {
    await fake.close();
  }
}

describe("clouds and endpoint overrides (every host from environment, the overrides or ARM)", () => {
  it("runs a whole preflight against Azure US Government's hosts only", async () => {
    const scenario = healthyVariant(({ registry }) => {
      registry.properties = { ...registry.properties, loginServer: "contosoacr.azurecr.us" };
    });
    const result = await hostsOf(scenario, ["--environment", "AzureUSGovernment"]);
    expect(result.code).toBe(0);
    expect(result.report?.result).toBe("pass");
    expect(result.report?.registries[0]?.loginServer).toBe("contosoacr.azurecr.us");
    expect([...result.hosts].sort()).toEqual([
      "api.ipify.org",
      "contosoacr.azurecr.us",
      "graph.microsoft.us",
      "login.microsoftonline.us",
      "management.usgovcloudapi.net",
    ]);
  });

  it("sends Entra, ARM and Graph requests to arm-endpoint, authority-host and graph-endpoint", async () => {
    const result = await hostsOf(healthyVariant(), [
      "--authority-host",
      "https://login.microsoftonline.us",
      "--arm-endpoint",
      "https://management.usgovcloudapi.net",
      "--graph-endpoint",
      "https://graph.microsoft.us",
    ]);
    expect(result.code).toBe(0);
    expect(result.hosts).toContain("login.microsoftonline.us");
    expect(result.hosts).toContain("management.usgovcloudapi.net");
    expect(result.hosts).toContain("graph.microsoft.us");
    for (const publicHost of ["login.microsoftonline.com", "management.azure.com", "graph.microsoft.com"])
      expect(result.hosts).not.toContain(publicHost);
  });
});
