import { describe, expect, it } from "vitest";
import { nearestTags } from "../../src/core/checks/images.js";
import { checkOf } from "../support/cli.js";
import { healthyVariant, runAgainst } from "./healthy-variant.js";

const CHECK = ["--checks", "images", "--operations", "pull", "--repositories", "shop/api"];

describe("images", () => {
  it("passes when every image exists and offers the platform", async () => {
    const { report, code } = await runAgainst(healthyVariant(), [
      ...CHECK,
      "--images",
      "shop/api:latest,shop/web:2.0.0",
      "--platform",
      "linux/amd64",
    ]);
    const check = checkOf(report, "images");
    expect(code).toBe(0);
    expect(check.status).toBe("pass");
    expect(check.findings.map((f) => f.code)).toEqual(["IMAGE_OK", "IMAGE_OK"]);
    expect(check.findings[0]?.evidence).toMatchObject({ platforms: ["linux/amd64", "linux/arm64"] });
    expect(String(check.findings[0]?.evidence.digest)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("names the nearest existing tags when a tag is missing", async () => {
    const { report } = await runAgainst(healthyVariant(), [...CHECK, "--images", "shop/api:1.4.3"]);
    const check = checkOf(report, "images");
    expect(check.status).toBe("error");
    const finding = check.findings.find((f) => f.code === "IMAGE_NOT_FOUND");
    expect(finding?.message).toContain("shop/api:1.4.3");
    expect(finding?.evidence.nearestTags).toEqual(["1.4.2", "latest"]);
    expect(finding?.remediation[0]).toContain(
      "az acr repository show-tags --name contosoacr --repository shop/api",
    );
  });

  it("reports a missing repository", async () => {
    const { report } = await runAgainst(healthyVariant(), [...CHECK, "--images", "shop/nope:1.0"]);
    const finding = checkOf(report, "images").findings[0];
    expect(finding?.code).toBe("REPOSITORY_NOT_FOUND");
  });

  it("catches a Windows node pool deploying a Linux-only image", async () => {
    const { report } = await runAgainst(healthyVariant(), [
      ...CHECK,
      "--images",
      "shop/api:1.4.2",
      "--platform",
      "windows/amd64",
    ]);
    const check = checkOf(report, "images");
    expect(check.status).toBe("error");
    expect(check.findings[0]).toMatchObject({
      code: "PLATFORM_MISSING",
      evidence: { wanted: "windows/amd64" },
    });
    expect(check.findings[0]?.remediation[0]).toContain("--platform linux/amd64,windows/amd64");
  });

  it("is skipped, not passed, when the identity may not pull the repository", async () => {
    const scenario = healthyVariant((v) => v.setRoles([{ role: "Reader", scope: v.registryId }]));
    scenario.registries[0]!.properties = {
      ...scenario.registries[0]!.properties,
      roleAssignmentMode: "AbacRepositoryPermissions",
    };
    const { report } = await runAgainst(scenario, [...CHECK, "--images", "shop/api:latest"]);
    const check = checkOf(report, "images");
    expect(check.status).toBe("skipped");
    expect(check.findings[0]?.message).toContain("may not pull 'shop/api'");
  });

  it("orders candidate tags by edit distance", () => {
    expect(nearestTags("1.4.3", ["latest", "1.4.2", "1.3.0", "2.0.0"], 2)).toEqual(["1.4.2", "1.3.0"]);
  });
});
