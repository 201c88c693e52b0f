import { describe, expect, it } from "vitest";
import { checkOf } from "../support/cli.js";
import { healthyVariant, runAgainst, type Variant } from "./healthy-variant.js";

const ABAC = "AbacRepositoryPermissions";

function resourceGroupOf(v: Variant): string {
  return `/subscriptions/${v.registry.subscriptionId}/resourceGroups/${v.registry.resourceGroup}`;
}

function abac(v: Variant): void {
  v.registry.properties = { ...v.registry.properties, roleAssignmentMode: ABAC };
}

async function roleScope(tweak: (v: Variant) => void, args: string[]) {
  let variant: Variant | undefined;
  const scenario = healthyVariant((v) => {
    variant = v;
    tweak(v);
  });
  const result = await runAgainst(scenario, ["--checks", "role-scope", ...args]);
  const check = checkOf(result.report, "role-scope");
  return { check, codes: check.findings.map((f) => f.code), variant: variant as Variant, result };
}

describe("role-scope", () => {
  it("passes the healthy scenario", async () => {
    const { check, result } = await roleScope(() => undefined, ["--operations", "pull,push"]);
    expect(check.status, JSON.stringify(check.findings)).toBe("pass");
    expect(check.findings.map((f) => f.code)).toEqual(["ROLE_OK"]);
    expect(check.findings[0]!.message).toContain("AcrPush");
    expect(result.code).toBe(0);
  });

  it("passes a conditional ABAC grant without repositories, but says the condition was not checked", async () => {
    const condition =
      "@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'shop/'";
    const { check } = await roleScope(
      (v) => {
        abac(v);
        v.setRoles([
          { role: "Reader", scope: resourceGroupOf(v) },
          { role: "Container Registry Repository Reader", scope: v.registryId, condition },
        ]);
      },
      ["--operations", "pull"],
    );
    expect(check.status).toBe("pass");
    expect(check.findings[0]!.message).toMatch(/limited by an ABAC condition; set `repositories`/);
  });

  it("names AcrPush with the exact scope when Reader/AcrPull must push", async () => {
    const { check, codes, variant } = await roleScope(
      (v) =>
        v.setRoles([
          { role: "Reader", scope: resourceGroupOf(v) },
          { role: "AcrPull", scope: v.registryId },
        ]),
      ["--operations", "pull,push"],
    );
    expect(check.status).toBe("error");
    expect(codes).toEqual(["ROLE_INSUFFICIENT"]);
    const finding = check.findings[0]!;
    expect(finding.message).toMatch(/push/);
    expect(finding.evidence).toMatchObject({ missing: ["push"], granted: ["pull"] });
    expect(finding.remediation[0]).toMatch(
      /^az role assignment create --assignee \S+ --role "AcrPush" --scope /,
    );
    expect(finding.remediation[0]).toContain(`--scope ${variant.registryId}`);
  });

  it("reports legacy roles on an ABAC registry", async () => {
    const { check, codes } = await roleScope(
      (v) => {
        abac(v);
        v.setRoles([
          { role: "Reader", scope: resourceGroupOf(v) },
          { role: "AcrPush", scope: v.registryId },
        ]);
      },
      ["--operations", "pull,push"],
    );
    expect(check.status).toBe("error");
    expect(codes).toEqual(["LEGACY_ROLE_ON_ABAC_REGISTRY"]);
    expect(check.findings[0]!.message).toContain("AcrPush");
    expect(check.findings[0]!.remediation[0]).toContain('--role "Container Registry Repository Writer"');
  });

  it("reports a missing role when only Reader is held on an ABAC registry", async () => {
    const { check, codes } = await roleScope(
      (v) => {
        abac(v);
        v.setRoles([{ role: "Reader", scope: resourceGroupOf(v) }]);
      },
      ["--operations", "pull"],
    );
    expect(check.status).toBe("error");
    expect(codes).toEqual(["ROLE_MISSING"]);
    expect(check.findings[0]!.remediation[0]).toContain('--role "Container Registry Repository Reader"');
  });

  it("names the repository an ABAC condition excludes, and writes a condition that covers it", async () => {
    const condition =
      "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/write'}) AND " +
      "!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'})) OR " +
      "(@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'team-a/'))";
    const { check, codes } = await roleScope(
      (v) => {
        abac(v);
        v.setRoles([
          { role: "Reader", scope: resourceGroupOf(v) },
          { role: "Container Registry Repository Writer", scope: v.registryId, condition },
        ]);
      },
      ["--operations", "pull,push", "--repositories", "team-a/api,team-b/api"],
    );
    expect(check.status).toBe("error");
    expect(codes).toEqual(["ABAC_CONDITION_EXCLUDES_REPOSITORY"]);
    const finding = check.findings[0]!;
    expect(finding.message).toContain("'team-b/api'");
    expect(finding.message).not.toContain("'team-a/api'");
    expect(finding.message).toContain("StringStartsWithIgnoreCase 'team-a/'");
    expect(finding.remediation[0]).toMatch(
      /--condition ".*StringEqualsIgnoreCase 'team-b\/api'.*" --condition-version 2\.0$/,
    );
  });

  it("says so instead of guessing when a condition is not understood", async () => {
    const condition =
      "@Resource[Microsoft.ContainerRegistry/registries/repositories:tags] StringEquals 'prod'";
    const { check, codes } = await roleScope(
      (v) => {
        abac(v);
        v.setRoles([
          { role: "Reader", scope: resourceGroupOf(v) },
          { role: "Container Registry Repository Reader", scope: v.registryId, condition },
        ]);
      },
      ["--operations", "pull", "--repositories", "app"],
    );
    expect(check.status).toBe("warning");
    expect(codes).toEqual(["ROLE_UNVERIFIED"]);
    expect(check.findings[0]!.message).toMatch(/condition is not understood .*repositories:tags/);
  });

  it("counts roles inherited through a group", async () => {
    const { check, variant } = await roleScope(
      (v) => {
        v.setRoles([{ role: "Reader", scope: resourceGroupOf(v) }]);
        v.scenario.groups = [
          {
            objectId: "9b1e6f0a-0000-4000-8000-00000000beef",
            displayName: "ci-pushers",
            members: [v.principalId],
          },
        ];
        v.scenario.roleAssignments.push({
          role: "AcrPush",
          scope: v.registryId,
          principalId: "9b1e6f0a-0000-4000-8000-00000000beef",
          principalType: "Group",
        });
      },
      ["--operations", "pull,push"],
    );
    expect(check.status, JSON.stringify(check.findings)).toBe("pass");
    const ok = check.findings.find((f) => f.code === "ROLE_OK")!;
    expect(ok.message).toContain("AcrPush");
    expect(ok.evidence.assignments).toContainEqual({
      role: "AcrPush",
      scope: variant.registryId,
      viaGroup: "9b1e6f0a-0000-4000-8000-00000000beef",
    });
  });

  it("warns about Contributor at subscription scope (least privilege)", async () => {
    const { check, codes, variant } = await roleScope(
      (v) => v.setRoles([{ role: "Contributor", scope: `/subscriptions/${v.registry.subscriptionId}` }]),
      ["--operations", "pull,push"],
    );
    expect(check.status).toBe("warning");
    expect(codes.sort()).toEqual(["ROLE_OK", "ROLE_OVER_BROAD"]);
    const finding = check.findings.find((f) => f.code === "ROLE_OVER_BROAD")!;
    expect(finding.remediation).toContainEqual(
      expect.stringContaining(`--role "AcrPush" --scope ${variant.registryId}`),
    );
    expect(finding.remediation).toContainEqual(
      expect.stringMatching(
        /^az role assignment delete .* --role "Contributor" --scope \/subscriptions\/[^/]+$/,
      ),
    );
  });

  it("falls back to the caller's permissions when role assignments are not readable, and skips when neither is", async () => {
    const tweak = (v: Variant) =>
      v.setRoles([
        {
          role: "Container Registry Contributor and Data Access Configuration Administrator",
          scope: resourceGroupOf(v),
        },
        { role: "AcrPush", scope: v.registryId },
      ]);
    const fallback = await roleScope(tweak, ["--operations", "pull,push"]);
    expect(fallback.check.status, JSON.stringify(fallback.check.findings)).toBe("pass");
    expect(fallback.check.findings[0]!.evidence.source).toMatch(/caller permissions/);
    expect(fallback.result.report?.registries[0]?.checks).toHaveLength(1);

    const scenario = healthyVariant(tweak);
    const blocked = await runAgainst(scenario, ["--checks", "role-scope", "--operations", "pull"], (fake) =>
      fake.addFault({
        host: "management.azure.com",
        path: "/providers/Microsoft\\.Authorization/permissions$",
        kind: "status",
        status: 403,
      }),
    );
    const check = checkOf(blocked.report, "role-scope");
    expect(check.status).toBe("skipped");
    expect(check.findings[0]!.code).toBe("PERMISSION_MISSING");
    expect(check.findings[0]!.message).toContain("Microsoft.Authorization/roleAssignments/read");
    expect(check.findings[0]!.message).toContain("data-plane-access");
  });
});
