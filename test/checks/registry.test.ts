import { describe, expect, it } from "vitest";
import { startFakeAzure, type Scenario } from "../fake-azure/index.js";
import { checkOf, runCli } from "../support/cli.js";
import { healthyScenario, healthyVariant, registryIdOf } from "./healthy-variant.js";

async function registryCheckOf(scenario: Scenario, registry: string, args: string[] = []) {
  const fake = await startFakeAzure({ scenario });
  try {
    const result = await runCli(fake, ["--registry", registry, "--checks", "registry", ...args]);
    const check = checkOf(result.report, "registry");
    return {
      result,
      check,
      codes: check.findings.map((f) => f.code),
      finding: (code: string) => check.findings.find((f) => f.code === code)!,
    };
  } finally {
    await fake.close();
  }
}

const healthy = healthyScenario();
const REGISTRY = healthy.registries[0]!;
const REGISTRY_ID = registryIdOf(REGISTRY);
const LOGIN_SERVER = "contosoacr.azurecr.io";
const APP_ID = healthy.principals[0]!.clientId;

describe.concurrent("registry", () => {
  it("passes with the registry's resource id, SKU, location and login server as evidence", async () => {
    const { check, codes, finding } = await registryCheckOf(healthy, "contosoacr");
    expect(check.status).toBe("pass");
    expect(codes).toEqual(["REGISTRY_FOUND"]);
    expect(finding("REGISTRY_FOUND").evidence).toMatchObject({
      resourceId: REGISTRY_ID,
      sku: "Premium",
      location: "westeurope",
      loginServer: LOGIN_SERVER,
      via: "resource-graph",
    });
  });

  it("finds the registry outside a wrong resource-group and says where it really is", async () => {
    const { check, finding } = await registryCheckOf(healthy, "contosoacr", [
      "--subscription-id",
      REGISTRY.subscriptionId,
      "--resource-group",
      "rg-old",
    ]);
    expect(check.status).toBe("warning");
    expect(finding("REGISTRY_FOUND").evidence.resourceId).toBe(REGISTRY_ID);
    expect(finding("REGISTRY_OUTSIDE_GIVEN_SCOPE").remediation).toEqual([
      `Set subscription-id: ${REGISTRY.subscriptionId} and resource-group: rg-containers (${REGISTRY_ID})`,
    ]);
  });

  it("reports a registry that exists nowhere (NXDOMAIN) as REGISTRY_NOT_FOUND", async () => {
    const scenario = healthyVariant((v) => {
      v.scenario.dns = { "contosoacrr.azurecr.io": "NXDOMAIN" };
    });
    const { check, codes, finding } = await registryCheckOf(scenario, "contosoacrr");
    expect(check.status).toBe("error");
    expect(codes).toEqual(["REGISTRY_NOT_FOUND"]);
    expect(finding("REGISTRY_NOT_FOUND").remediation[0]).toBe(
      `az acr list --query "[?name=='contosoacrr'].{id:id, loginServer:loginServer}" --output table`,
    );
    expect(finding("REGISTRY_NOT_FOUND").evidence).toMatchObject({ dnsError: "ENOTFOUND", candidates: [] });
  });

  it("warns, not fails, when only data-plane roles hide the registry from ARM", async () => {
    const scenario = healthyVariant((v) => v.setRoles([{ scope: v.registryId, role: "AcrPush" }]));
    const { check, codes, finding } = await registryCheckOf(scenario, "contosoacr");
    expect(check.status).toBe("warning");
    expect(codes).toEqual(["REGISTRY_NOT_VISIBLE"]);
    expect(finding("REGISTRY_NOT_VISIBLE").message).toContain("data-plane-access still proves");
    expect(finding("REGISTRY_NOT_VISIBLE").remediation[0]).toBe(
      `az role assignment create --assignee ${APP_ID} --role Reader --scope $(az acr show --name contosoacr --query id --output tsv)`,
    );
  });

  it("reports ARM's 403 for a registry addressed by subscription and resource group as not visible", async () => {
    const scenario = healthyVariant((v) => v.setRoles([{ scope: v.registryId, role: "AcrPull" }]));
    const { codes, finding } = await registryCheckOf(scenario, "contosoacr", [
      "--subscription-id",
      REGISTRY.subscriptionId,
      "--resource-group",
      REGISTRY.resourceGroup,
    ]);
    expect(codes).toEqual(["REGISTRY_NOT_VISIBLE"]);
    expect(finding("REGISTRY_NOT_VISIBLE").evidence.reason).toBe("forbidden");
    expect(finding("REGISTRY_NOT_VISIBLE").remediation[0]).toContain(`--scope ${REGISTRY_ID}`);
  });

  it("reports a private registry whose login server does not resolve on the runner", async () => {
    const scenario = healthyVariant((v) => {
      v.registry.properties = {
        ...v.registry.properties,
        privateEndpointConnections: [{ id: `${v.registryId}/privateEndpointConnections/pe` }],
      };
      v.scenario.dns = { [LOGIN_SERVER]: "NXDOMAIN" };
    });
    const { check, finding } = await registryCheckOf(scenario, "contosoacr");
    expect(check.status).toBe("error");
    const dns = finding("LOGIN_SERVER_DNS_NOT_FOUND");
    expect(dns.message).toContain("private endpoint");
    expect(dns.remediation).toContain(`nslookup ${LOGIN_SERVER}`);
    expect(dns.remediation.join("\n")).toContain("--zone-name privatelink.azurecr.io");
  });

  it("warns when the written login server is not the registry's (domain-name-label hash)", async () => {
    const scenario = healthyVariant((v) => {
      v.registry.properties = { ...v.registry.properties, loginServer: "contosoacr-h4c9e2.azurecr.io" };
    });
    const { check, finding } = await registryCheckOf(scenario, LOGIN_SERVER);
    expect(check.status).toBe("warning");
    expect(finding("LOGIN_SERVER_MISMATCH").evidence).toEqual({
      written: LOGIN_SERVER,
      loginServer: "contosoacr-h4c9e2.azurecr.io",
    });
  });

  it("reports two visible registries of the same name as REGISTRY_AMBIGUOUS", async () => {
    const scenario = healthyVariant((v) => {
      const other = "99999999-2222-3333-4444-555555555555";
      v.scenario.subscriptions.push({ id: other, displayName: "Contoso Legacy" });
      v.scenario.registries.push({
        ...structuredClone(v.registry),
        subscriptionId: other,
        properties: { ...v.registry.properties, loginServer: "contosoacr-old.azurecr.io" },
      });
      v.scenario.roleAssignments.push({
        scope: `/subscriptions/${other}`,
        role: "Reader",
        principalId: v.principalId,
      });
    });
    const { check, finding } = await registryCheckOf(scenario, "contosoacr");
    expect(check.status).toBe("error");
    expect(finding("REGISTRY_AMBIGUOUS").evidence.candidates).toHaveLength(2);
  });

  const typos: [input: string, code: string, severity: string, remediation: string][] = [
    [`https://${LOGIN_SERVER}`, "LOGIN_SERVER_HAS_SCHEME", "warning", `Write registry: ${LOGIN_SERVER}`],
    [`${LOGIN_SERVER}:443`, "LOGIN_SERVER_HAS_PORT", "warning", `Write registry: ${LOGIN_SERVER}`],
    [`${LOGIN_SERVER}/shop/api`, "LOGIN_SERVER_HAS_PATH", "warning", `Write registry: ${LOGIN_SERVER}`],
    ["ContosoACR.azurecr.io", "LOGIN_SERVER_UPPERCASE", "warning", `Write registry: ${LOGIN_SERVER}`],
    ["ContosoACR", "LOGIN_SERVER_UPPERCASE", "warning", "Write registry: contosoacr"],
    ["contosoacr.azureacr.io", "LOGIN_SERVER_SUFFIX_MISSPELT", "error", `Write registry: ${LOGIN_SERVER}`],
    [
      "contosoacr.azurecr.us",
      "LOGIN_SERVER_WRONG_CLOUD",
      "error",
      "If the registry is in AzureUSGovernment: set environment: AzureUSGovernment",
    ],
  ];

  it.each(typos)("explains '%s' as %s and says what to write", async (input, code, severity, remediation) => {
    const { check, codes, finding } = await registryCheckOf(healthy, input);
    expect(codes).toEqual([code, "REGISTRY_FOUND"]);
    expect(check.status).toBe(severity === "error" ? "error" : "warning");
    expect(finding(code).remediation[0]).toBe(remediation);
    expect(finding(code).evidence.written).toBe(input);
    expect(finding("REGISTRY_FOUND").evidence.loginServer).toBe(LOGIN_SERVER);
  });
});
