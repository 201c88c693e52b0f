import { describe, expect, it } from "vitest";
import { checkOf } from "../support/cli.js";
import { healthyVariant, runAgainst } from "./healthy-variant.js";

const CHECK = ["--checks", "registry-policies", "--operations", "pull"];

function withProperties(properties: Record<string, unknown>) {
  return healthyVariant((v) => {
    v.registry.properties = { ...v.registry.properties, ...properties };
  });
}

describe("registry-policies", () => {
  it("passes with evidence of every policy on a plain registry", async () => {
    const check = checkOf((await runAgainst(healthyVariant(), CHECK)).report, "registry-policies");
    expect(check.status).toBe("pass");
    expect(check.findings[0]).toMatchObject({
      code: "REGISTRY_POLICIES_OK",
      evidence: { quarantine: "disabled", anonymousPull: false },
    });
  });

  it("warns that quarantined images cannot be pulled until scanned", async () => {
    const scenario = withProperties({ policies: { quarantinePolicy: { status: "enabled" } } });
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "registry-policies");
    expect(check.status).toBe("warning");
    expect(check.findings[0]?.code).toBe("QUARANTINE_ENABLED");
    expect(check.findings[0]?.remediation.join("\n")).toContain("AcrQuarantineReader");
  });

  it("warns about anonymous pull on a public registry", async () => {
    const scenario = withProperties({ anonymousPullEnabled: true });
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "registry-policies");
    expect(check.findings.map((f) => f.code)).toEqual(["ANONYMOUS_PULL_ENABLED"]);
    expect(check.findings[0]?.remediation[0]).toBe(
      "az acr update --name contosoacr --anonymous-pull-enabled false",
    );
  });

  it("is skipped with the permission named when the registry cannot be read", async () => {
    const scenario = healthyVariant((v) => v.setRoles([{ role: "AcrPull", scope: v.registryId }]));
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "registry-policies");
    expect(check.status).toBe("skipped");
    expect(check.findings[0]?.code).toBe("PERMISSION_MISSING");
  });
});
