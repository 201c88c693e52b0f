import { describe, expect, it } from "vitest";
import { checkOf } from "../support/cli.js";
import { healthyVariant, runAgainst } from "./healthy-variant.js";

const CHECK = ["--checks", "sku-limits", "--operations", "pull,push"];

describe("sku-limits", () => {
  it("passes a Premium registry without Premium-only features, stating its request-rate budget", async () => {
    const check = checkOf((await runAgainst(healthyVariant(), CHECK)).report, "sku-limits");
    expect(check.status).toBe("pass");
    expect(check.findings.map((f) => f.code)).toEqual(["SKU_RATE_LIMITS"]);
    expect(check.findings[0]?.evidence.budget).toEqual({
      DataplaneRead: { perIdentityPerMinute: 10_000, perRegistryPerMinute: 20_000 },
      DataplaneWrite: { perIdentityPerMinute: 2_000, perRegistryPerMinute: 4_000 },
    });
  });

  it("lists the Premium-only features a Premium registry depends on, so nobody downgrades it", async () => {
    const scenario = healthyVariant((v) => {
      v.registry.replications = [{ location: "northeurope" }];
      v.registry.properties = {
        ...v.registry.properties,
        policies: { retentionPolicy: { status: "enabled", days: 7 } },
      };
    });
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "sku-limits");
    expect(check.status).toBe("pass");
    const inUse = check.findings.find((f) => f.code === "PREMIUM_FEATURES_IN_USE");
    expect(inUse?.evidence.premiumFeatures).toEqual(["geo-replicas in northeurope", "a retention policy"]);
  });

  it("warns when a Standard registry is configured with private endpoints and dedicated data endpoints", async () => {
    const scenario = healthyVariant((v) => {
      v.registry.sku = "Standard";
      v.registry.properties = {
        ...v.registry.properties,
        dataEndpointEnabled: true,
        privateEndpointConnections: [
          {
            id: `${v.registryId}/privateEndpointConnections/pe1`,
            properties: { privateEndpoint: { id: "/x/pe1" } },
          },
        ],
      };
    });
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "sku-limits");
    expect(check.status).toBe("warning");
    const lower = check.findings.find((f) => f.code === "PREMIUM_FEATURE_ON_LOWER_SKU");
    expect(lower?.evidence.premiumFeatures).toEqual(["1 private endpoint(s)", "dedicated data endpoints"]);
    expect(lower?.remediation).toEqual(["az acr update -n contosoacr --sku Premium"]);
    const limits = check.findings.find((f) => f.code === "SKU_RATE_LIMITS");
    expect(limits?.message).toContain("5,000 read requests per minute per identity");
    expect(limits?.message).toContain("Premium doubles these limits");
  });
});
