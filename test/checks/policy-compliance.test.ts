import { describe, expect, it } from "vitest";
import { checkOf } from "../support/cli.js";
import { healthyVariant, runAgainst } from "./healthy-variant.js";

const CHECK = ["--checks", "policy-compliance"];

describe("policy-compliance", () => {
  it("passes when no policy reports the registry non-compliant, reading the states with a POST query", async () => {
    const scenario = healthyVariant((v) => {
      v.scenario.policyStates = [
        {
          resourceId: v.registryId,
          policyAssignmentName: "acr-sku",
          policyDefinitionName: "sku",
          complianceState: "Compliant",
          effect: "deny",
        },
      ];
    });
    const result = await runAgainst(scenario, CHECK);
    const check = checkOf(result.report, "policy-compliance");
    expect(check.status).toBe("pass");
    expect(check.findings[0]?.code).toBe("POLICY_COMPLIANT");
    const query = result.requests.find((r) => r.path.endsWith("/policyStates/latest/queryResults"));
    expect(query?.method).toBe("POST");
    expect(query?.query.$filter).toBe("complianceState eq 'NonCompliant'");
  });

  it("warns on a non-compliant deny assignment and notes audit ones, saying the data plane is not affected", async () => {
    const scenario = healthyVariant((v) => {
      v.scenario.policyStates = [
        {
          resourceId: v.registryId,
          policyAssignmentName: "no-public-acr",
          policyDefinitionName: "acr-public",
          complianceState: "NonCompliant",
          effect: "deny",
        },
        {
          resourceId: v.registryId,
          policyAssignmentName: "acr-logs",
          policyDefinitionName: "diag",
          complianceState: "NonCompliant",
          effect: "auditIfNotExists",
        },
      ];
    });
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "policy-compliance");
    expect(check.status).toBe("warning");
    expect(check.findings.map((f) => f.code)).toEqual([
      "POLICY_DENY_NONCOMPLIANT",
      "POLICY_AUDIT_NONCOMPLIANT",
    ]);
    const deny = check.findings[0]!;
    expect(deny.message).toContain("'no-public-acr' (deny)");
    expect(deny.message).toContain("does not act on the registry's data plane");
    expect(deny.remediation).toContain(
      "az policy assignment show --ids /subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.Authorization/policyAssignments/no-public-acr",
    );
    expect(deny.evidence.nonCompliant).toEqual([
      { policyAssignment: "no-public-acr", policyDefinition: "acr-public", effect: "deny" },
    ]);
  });

  it("is skipped, naming the permission, when the identity may not read policy states", async () => {
    const scenario = healthyVariant((v) =>
      v.setRoles([
        { scope: v.registryId, role: "AcrPush" },
        { scope: v.registryId, role: "Container Registry Data Importer and Data Reader" },
      ]),
    );
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "policy-compliance");
    expect(check.status).toBe("skipped");
    expect(check.findings[0]?.code).toBe("PERMISSION_MISSING");
    expect(check.findings[0]?.message).toContain("Microsoft.PolicyInsights/policyStates/queryResults/read");
  });
});
