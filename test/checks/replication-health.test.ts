import { describe, expect, it } from "vitest";
import { checkOf } from "../support/cli.js";
import { healthyVariant, runAgainst } from "./healthy-variant.js";

const CHECK = ["--checks", "replication-health"];

describe("replication-health", () => {
  it("passes with every replica listed when all are ready", async () => {
    const scenario = healthyVariant((v) => (v.registry.replications = [{ location: "northeurope" }]));
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "replication-health");
    expect(check.status).toBe("pass");
    expect(check.findings[0]?.code).toBe("REPLICAS_HEALTHY");
    expect(check.findings[0]?.evidence.replicas).toHaveLength(2);
  });

  it("fails on a replica that failed to provision and warns on one still updating", async () => {
    const scenario = healthyVariant(
      (v) =>
        (v.registry.replications = [
          { location: "northeurope", provisioningState: "Failed", status: "Failed" },
          { location: "eastus", provisioningState: "Updating", status: "Syncing" },
        ]),
    );
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "replication-health");
    expect(check.status).toBe("error");
    expect(check.findings.map((f) => [f.code, f.evidence.location])).toEqual([
      ["REPLICA_FAILED", "northeurope"],
      ["REPLICA_NOT_READY", "eastus"],
    ]);
    expect(check.findings[0]?.remediation[0]).toBe(
      "az acr replication show --registry contosoacr --name northeurope",
    );
  });

  it("notes a replica excluded from routing", async () => {
    const scenario = healthyVariant(
      (v) => (v.registry.replications = [{ location: "northeurope", regionEndpointEnabled: false }]),
    );
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "replication-health");
    expect(check.status).toBe("pass");
    expect(check.findings[0]?.code).toBe("REPLICA_ROUTING_DISABLED");
  });

  it("does not apply to a Standard registry", async () => {
    const scenario = healthyVariant((v) => (v.registry.sku = "Standard"));
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "replication-health");
    expect(check.status).toBe("skipped");
    expect(check.findings[0]?.code).toBe("CHECK_NOT_APPLICABLE");
  });
});
