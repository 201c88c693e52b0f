import { describe, expect, it } from "vitest";
import type { Registry } from "../fake-azure/scenario.js";
import { checkOf } from "../support/cli.js";
import { healthyVariant, runAgainst } from "./healthy-variant.js";

const GIB = 1024 ** 3;
const TIB = 1024 ** 4;

function withUsages(sku: Registry["sku"], usages: NonNullable<Registry["usages"]>) {
  return healthyVariant((v) => {
    v.registry.sku = sku;
    v.registry.usages = usages;
  });
}

async function storage(scenario: ReturnType<typeof healthyVariant>, args: string[] = []) {
  const result = await runAgainst(scenario, ["--checks", "storage-headroom", ...args]);
  return checkOf(result.report, "storage-headroom");
}

describe("storage-headroom", () => {
  it("passes the healthy scenario with GiB figures", async () => {
    const check = await storage(healthyVariant());
    expect(check.status, JSON.stringify(check.findings)).toBe("pass");
    expect(check.findings.map((f) => f.code)).toEqual(["STORAGE_OK"]);
    expect(check.findings[0]!.evidence).toHaveProperty("includedGiB");
  });

  it("warns above storage-warning percent of the included storage", async () => {
    const check = await storage(
      withUsages("Standard", [{ name: "Size", currentValue: 60 * GIB, limit: 100 * GIB }]),
      ["--storage-warning", "50"],
    );
    expect(check.status).toBe("warning");
    expect(check.findings[0]!.code).toBe("STORAGE_NEAR_INCLUDED");
    expect(check.findings[0]!.message).toContain("60 %");
    expect(check.findings[0]!.remediation).toContainEqual(expect.stringMatching(/acr purge --filter/));
  });

  it("only notes billed overage above the included storage", async () => {
    const check = await storage(
      withUsages("Standard", [{ name: "Size", currentValue: 150 * GIB, limit: 100 * GIB }]),
    );
    expect(check.status).toBe("pass");
    expect(check.findings[0]!.code).toBe("STORAGE_OVERAGE_BILLED");
    expect(check.findings[0]!.evidence).toMatchObject({ usedGiB: 150, includedGiB: 100 });
  });

  it("fails when the expected push would cross the SKU's hard limit", async () => {
    const scenario = withUsages("Standard", [
      { name: "Size", currentValue: 40 * TIB - GIB, limit: 100 * GIB },
    ]);
    const check = await storage(scenario, ["--expected-push-size", "2GiB"]);
    expect(check.status).toBe("error");
    expect(check.findings[0]!.code).toBe("STORAGE_FORECAST_OVER_LIMIT");
    expect(check.findings[0]!.remediation).toContainEqual(expect.stringMatching(/--sku Premium$/));
    const withoutPush = await storage(scenario);
    expect(withoutPush.findings[0]!.code).toBe("STORAGE_OVERAGE_BILLED");
  });

  it("warns for every other usage at 90 % of its limit, skipping unlimited ones", async () => {
    const check = await storage(
      withUsages("Standard", [
        { name: "Size", currentValue: GIB, limit: 100 * GIB },
        { name: "Webhooks", currentValue: 9, limit: 10 },
        { name: "Tokens", currentValue: 10, limit: 500 },
        { name: "Geo-replications", currentValue: 3, limit: -1 },
      ]),
    );
    expect(check.status).toBe("warning");
    const near = check.findings.filter((f) => f.code === "USAGE_NEAR_LIMIT");
    expect(near).toHaveLength(1);
    expect(near[0]!.evidence).toEqual({ usage: "Webhooks", currentValue: 9, limit: 10 });
    expect(near[0]!.remediation[0]).toMatch(/^az acr webhook list --registry /);
  });

  it("skips naming the permission when the usages are not readable", async () => {
    const result = await runAgainst(healthyVariant(), ["--checks", "storage-headroom"], (fake) =>
      fake.addFault({ host: "management.azure.com", path: "/listUsages$", kind: "status", status: 403 }),
    );
    const check = checkOf(result.report, "storage-headroom");
    expect(check.status).toBe("skipped");
    expect(check.findings[0]!.code).toBe("PERMISSION_MISSING");
    expect(check.findings[0]!.message).toContain("listUsages/read");
    expect(check.findings[0]!.remediation[0]).toMatch(
      /^az role assignment create --role Reader --assignee \S+ --scope \/subscriptions\//,
    );
  });
});
