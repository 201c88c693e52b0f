import { describe, expect, it } from "vitest";
import { startFakeAzure, type Fault, type Scenario } from "../fake-azure/index.js";
import { checkOf, runCli } from "../support/cli.js";
import { healthyScenario, healthyVariant, registryIdOf } from "./healthy-variant.js";

async function dataPlaneOf(scenario: Scenario, args: string[], fault?: Fault) {
  const fake = await startFakeAzure({ scenario });
  try {
    if (fault) fake.addFault(fault);
    const result = await runCli(fake, ["--registry", "contosoacr", "--checks", "data-plane-access", ...args]);
    const check = checkOf(result.report, "data-plane-access");
    return {
      check,
      codes: check.findings.map((f) => f.code),
      finding: (code: string) => check.findings.find((f) => f.code === code)!,
    };
  } finally {
    await fake.close();
  }
}

const healthy = healthyScenario();
const REGISTRY_ID = registryIdOf(healthy.registries[0]!);
const APP_ID = healthy.principals[0]!.clientId;
const ABAC_CONDITION =
  "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'})) OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'shop/api'))";

function abac(roles: { role: string; condition?: string }[]): Scenario {
  return healthyVariant((v) => {
    v.registry.properties = { ...v.registry.properties, roleAssignmentMode: "AbacRepositoryPermissions" };
    v.setRoles([
      { scope: v.registryId, role: "Reader" },
      ...roles.map((r) => ({ scope: v.registryId, ...r })),
    ]);
  });
}

describe.concurrent("data-plane-access", () => {
  it("passes with the granted actions per repository, the token audience and expiry", async () => {
    const { check, codes, finding } = await dataPlaneOf(healthy, [
      "--operations",
      "pull,push",
      "--repositories",
      "shop/api,shop/web",
    ]);
    expect(check.status).toBe("pass");
    expect(codes).toEqual(["DATA_PLANE_ACCESS_OK"]);
    const evidence = finding("DATA_PLANE_ACCESS_OK").evidence;
    expect(evidence.repositories).toEqual([
      { repository: "shop/api", requested: ["pull", "push"], granted: ["pull", "push"] },
      { repository: "shop/web", requested: ["pull", "push"], granted: ["pull", "push"] },
    ]);
    expect(evidence.tokenAudience).toBe("https://management.azure.com/.default");
    expect(Date.parse(evidence.accessTokenExpiresOn as string)).toBeGreaterThan(Date.now());
  });

  it("reports push missing for an AcrPull-only identity with the AcrPush assignment that fixes it", async () => {
    const scenario = healthyVariant((v) =>
      v.setRoles([
        { scope: v.registryId, role: "AcrPull" },
        { scope: v.registryId, role: "Reader" },
      ]),
    );
    const { check, codes, finding } = await dataPlaneOf(scenario, [
      "--operations",
      "pull,push",
      "--repositories",
      "shop/api",
    ]);
    expect(check.status).toBe("error");
    expect(codes).toEqual(["ACTION_NOT_GRANTED"]);
    const missing = finding("ACTION_NOT_GRANTED");
    expect(missing.evidence).toMatchObject({
      repository: "shop/api",
      requested: ["pull", "push"],
      granted: ["pull"],
      missing: ["push"],
      roleAssignmentMode: "legacy",
    });
    expect(missing.remediation).toEqual([
      `az role assignment create --assignee ${APP_ID} --role "AcrPush" --scope ${REGISTRY_ID}`,
    ]);
  });

  it("asks for AcrDelete when the job deletes", async () => {
    const { finding } = await dataPlaneOf(healthy, [
      "--operations",
      "pull,delete",
      "--repositories",
      "shop/api",
    ]);
    expect(finding("ACTION_NOT_GRANTED").evidence).toMatchObject({ granted: ["pull"], missing: ["delete"] });
    expect(finding("ACTION_NOT_GRANTED").remediation).toEqual([
      `az role assignment create --assignee ${APP_ID} --role "AcrDelete" --scope ${REGISTRY_ID}`,
    ]);
  });

  it("on an ABAC registry, reports the repository outside the role's condition with a conditioned grant", async () => {
    const scenario = abac([{ role: "Container Registry Repository Reader", condition: ABAC_CONDITION }]);
    const { codes, finding } = await dataPlaneOf(scenario, [
      "--operations",
      "pull",
      "--repositories",
      "shop/api,shop/web",
    ]);
    expect(codes).toEqual(["ACTION_NOT_GRANTED"]);
    const missing = finding("ACTION_NOT_GRANTED");
    expect(missing.evidence).toMatchObject({
      repository: "shop/web",
      granted: [],
      roleAssignmentMode: "abac",
    });
    expect(missing.remediation).toHaveLength(1);
    expect(missing.remediation[0]).toContain(
      `--role "Container Registry Repository Reader" --scope ${REGISTRY_ID}`,
    );
    expect(missing.remediation[0]).toContain("StringEqualsIgnoreCase 'shop/web'");
    expect(missing.remediation[0]).toContain("--condition-version 2.0");
  });

  it("without repositories, proves catalog access and says pull/push need `repositories`", async () => {
    const { check, finding } = await dataPlaneOf(healthy, ["--operations", "pull,push"]);
    expect(check.status).toBe("pass");
    expect(finding("DATA_PLANE_ACCESS_OK").evidence).toMatchObject({
      requested: "registry:catalog:*",
      granted: ["*"],
    });
    expect(finding("DATA_PLANE_ACCESS_OK").message).toContain("`repositories`");
  });

  it("without repositories on ABAC without Catalog Lister, warns CATALOG_NOT_GRANTED", async () => {
    const { check, finding } = await dataPlaneOf(abac([{ role: "Container Registry Repository Writer" }]), [
      "--operations",
      "push",
    ]);
    expect(check.status).toBe("warning");
    expect(finding("CATALOG_NOT_GRANTED").remediation).toContain(
      `az role assignment create --assignee ${APP_ID} --role "Container Registry Repository Catalog Lister" --scope ${REGISTRY_ID}`,
    );
  });

  it("warns ARM_AUDIENCE_DISABLED when only ACR-audience tokens are accepted, and still proves access", async () => {
    const scenario = healthyVariant((v) => {
      v.registry.properties = {
        ...v.registry.properties,
        policies: { azureADAuthenticationAsArmPolicy: { status: "disabled" } },
      };
    });
    const { check, codes, finding } = await dataPlaneOf(scenario, [
      "--operations",
      "pull",
      "--repositories",
      "shop/api",
    ]);
    expect(check.status).toBe("warning");
    expect(codes).toEqual(["ARM_AUDIENCE_DISABLED", "DATA_PLANE_ACCESS_OK"]);
    expect(finding("ARM_AUDIENCE_DISABLED").remediation[0]).toBe(
      "az acr config authentication-as-arm show --registry contosoacr",
    );
    expect(finding("DATA_PLANE_ACCESS_OK").evidence.tokenAudience).toBe(
      "https://containerregistry.azure.net/.default",
    );
  });

  it("reports the firewall refusing the exchange with the blocked IP and the rule that admits it", async () => {
    const scenario = healthyVariant((v) => {
      v.registry.properties = {
        ...v.registry.properties,
        networkRuleSet: { defaultAction: "Deny", ipRules: [{ action: "Allow", value: "198.51.100.0/24" }] },
      };
    });
    const { check, finding } = await dataPlaneOf(scenario, [
      "--operations",
      "pull",
      "--repositories",
      "shop/api",
    ]);
    expect(check.status).toBe("error");
    const refused = finding("EXCHANGE_REFUSED");
    expect(refused.message).toContain("firewall");
    expect(refused.evidence.blockedIp).toBe(healthy.runner.ip);
    expect(refused.remediation[0]).toBe(
      `az acr network-rule add --name contosoacr --ip-address ${healthy.runner.ip}/32`,
    );
  });

  it("reports a 401 to both token audiences as EXCHANGE_REFUSED", async () => {
    const fault: Fault = {
      host: "contosoacr.azurecr.io",
      path: "/oauth2/exchange",
      kind: "status",
      status: 401,
    };
    const { finding } = await dataPlaneOf(
      healthy,
      ["--operations", "pull", "--repositories", "shop/api"],
      fault,
    );
    const refused = finding("EXCHANGE_REFUSED");
    expect(refused.message).toContain("both ARM- and ACR-audience tokens");
    expect((refused.evidence.attempts as { audience: string }[]).map((a) => a.audience)).toEqual([
      "arm",
      "acr",
    ]);
  });

  it("reports /oauth2/token failing as TOKEN_REFUSED with the scopes asked", async () => {
    const fault: Fault = {
      host: "contosoacr.azurecr.io",
      path: "/oauth2/token",
      kind: "status",
      status: 403,
    };
    const { check, finding } = await dataPlaneOf(
      healthy,
      ["--operations", "pull", "--repositories", "shop/api"],
      fault,
    );
    expect(check.status).toBe("error");
    expect(finding("TOKEN_REFUSED").evidence).toMatchObject({
      status: 403,
      scopes: ["repository:shop/api:pull"],
    });
  });
});
