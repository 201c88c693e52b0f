import { describe, expect, it } from "vitest";
import { checkOf } from "../support/cli.js";
import { healthyVariant, runAgainst } from "./healthy-variant.js";

async function adminUser(enabled: boolean, args: string[] = []) {
  const scenario = healthyVariant((v) => {
    v.registry.properties = { ...v.registry.properties, adminUserEnabled: enabled };
  });
  const result = await runAgainst(scenario, ["--checks", "admin-user", ...args]);
  return { check: checkOf(result.report, "admin-user"), name: scenario.registries[0]!.name };
}

describe("admin-user", () => {
  it("passes when the admin account is disabled and the job uses Entra", async () => {
    const { check } = await adminUser(false);
    expect(check.status).toBe("pass");
    expect(check.findings.map((f) => f.code)).toEqual(["ADMIN_USER_OK"]);
  });

  it("warns when the admin account is enabled", async () => {
    const { check, name } = await adminUser(true);
    expect(check.status).toBe("warning");
    expect(check.findings[0]!.code).toBe("ADMIN_USER_ENABLED");
    expect(check.findings[0]!.remediation).toEqual([`az acr update -n ${name} --admin-enabled false`]);
    expect(check.findings[0]!.evidence).toEqual({ adminUserEnabled: true, loginMethod: "az-acr-login" });
  });

  it("fails when the job logs in as admin but the account is disabled", async () => {
    const { check, name } = await adminUser(false, ["--login-method", "admin"]);
    expect(check.status).toBe("error");
    expect(check.findings[0]!.code).toBe("ADMIN_USER_DISABLED");
    expect(check.findings[0]!.remediation).toEqual([
      `az acr login --name ${name}`,
      `az acr update -n ${name} --admin-enabled true`,
    ]);
  });

  it("still warns when the job relies on the enabled admin account, with the way off it first", async () => {
    const { check, name } = await adminUser(true, ["--login-method", "admin"]);
    expect(check.status).toBe("warning");
    expect(check.findings[0]!.remediation.at(-1)).toBe(`az acr update -n ${name} --admin-enabled false`);
  });
});
