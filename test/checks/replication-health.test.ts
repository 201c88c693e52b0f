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

  it("names each replica's data endpoint, the hosts clients behind an egress firewall must reach", async () => {
    const scenario = healthyVariant((v) => {
      v.registry.replications = [{ location: "northeurope" }];
      v.registry.properties = { ...v.registry.properties, dataEndpointEnabled: true };
    });
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "replication-health");
    expect(check.status).toBe("pass");
    expect(check.findings[0]?.message).toContain(
      "must reach contosoacr.azurecr.io and contosoacr.westeurope.data.azurecr.io, contosoacr.northeurope.data.azurecr.io",
    );
    expect(check.findings[0]?.evidence.replicas).toEqual([
      expect.objectContaining({
        location: "westeurope",
        dataEndpoint: "contosoacr.westeurope.data.azurecr.io",
      }),
      expect.objectContaining({
        location: "northeurope",
        dataEndpoint: "contosoacr.northeurope.data.azurecr.io",
      }),
    ]);
  });

  it("says layers come from storage when there are no dedicated data endpoints", async () => {
    const scenario = healthyVariant((v) => (v.registry.replications = [{ location: "northeurope" }]));
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "replication-health");
    expect(check.findings[0]?.message).toContain("*.blob.core.windows.net");
  });

  it("warns when ARM lists no data endpoint for a replica yet", async () => {
    const scenario = healthyVariant((v) => {
      v.registry.replications = [{ location: "northeurope" }];
      v.registry.properties = {
        ...v.registry.properties,
        dataEndpointEnabled: true,
        dataEndpointHostNames: ["contosoacr.westeurope.data.azurecr.io"],
      };
    });
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "replication-health");
    expect(check.status).toBe("warning");
    expect(check.findings.map((f) => [f.code, f.evidence.location])).toEqual([
      ["REPLICA_DATA_ENDPOINT_MISSING", "northeurope"],
    ]);
    expect(check.findings[0]?.remediation).toEqual(["az acr show-endpoints --name contosoacr"]);
  });

  it("does not apply to a Standard registry", async () => {
    const scenario = healthyVariant((v) => (v.registry.sku = "Standard"));
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "replication-health");
    expect(check.status).toBe("skipped");
    expect(check.findings[0]?.code).toBe("CHECK_NOT_APPLICABLE");
  });
});
