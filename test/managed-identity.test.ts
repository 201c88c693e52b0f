import { describe, expect, it } from "vitest";
import { AGENT_VM_IDENTITY, healthyVariant, managedIdentityVariant } from "./checks/healthy-variant.js";
import { startFakeAzure } from "./fake-azure/index.js";
import type { Scenario } from "./fake-azure/scenario.js";
import { runCli } from "./support/cli.js";

const IMDS_HOST = "169.254.169.254";

/** The CLI with no AZURE_* credential in its environment, as on a VM that signs in as itself. */
async function runWithoutSecrets(scenario: Scenario, args: string[]) {
  const fake = await startFakeAzure({ scenario });
  try {
    const started = performance.now();
    const result = await runCli(fake, ["--registry", "contosoacr", ...args], { credentials: "none" });
    const imds = fake.requests.filter((r) => r.host === IMDS_HOST);
    return { ...result, imds, seconds: (performance.now() - started) / 1000, tokens: fake.issuedTokens() };
  } finally {
    await fake.close();
  }
}

describe("managed identity (the CLI on an Azure VM, IMDS played by the fake)", () => {
  it("--auth-type managed-identity signs in as the VM's identity through IMDS", async () => {
    const result = await runWithoutSecrets(managedIdentityVariant(), [
      "--auth-type",
      "managed-identity",
      "--operations",
      "pull,push",
    ]);
    expect(result.code).toBe(0);
    expect(result.report?.result).toBe("pass");
    expect(result.report?.context.principal).toMatchObject({
      authType: "managed-identity",
      appId: AGENT_VM_IDENTITY.clientId,
      objectId: AGENT_VM_IDENTITY.objectId,
    });
    expect(result.imds.length).toBeGreaterThan(0);
    expect(result.imds.every((r) => r.status === 200 && r.query.resource)).toBe(true);
    const secretExpiry = result.report?.registries[0]?.checks.find((c) => c.id === "sp-secret-expiry");
    expect(secretExpiry).toMatchObject({ status: "pass", findings: [{ code: "NO_SECRET_TO_EXPIRE" }] });
    expect(secretExpiry?.findings[0]?.message).toMatch(/managed identity/);
    for (const token of result.tokens) expect(result.stdout).not.toContain(token);
  });

  it("auto on an Azure VM ends its chain at the managed identity", async () => {
    const result = await runWithoutSecrets(managedIdentityVariant(), []);
    expect(result.code).toBe(0);
    expect(result.report?.context.principal?.authType).toBe("managed-identity");
  });

  it("auto off Azure: one IMDS probe ends the chain at once, without IMDS's retries", async () => {
    const result = await runWithoutSecrets(healthyVariant(), []);
    expect(result.imds).toHaveLength(1);
    expect(result.imds[0]).toMatchObject({ path: "/metadata/identity/oauth2/token", status: 0 });
    expect(result.seconds).toBeLessThan(10);
    const credential = result.report?.registries[0]?.checks.find((c) => c.id === "credential");
    expect(credential?.status).toBe("error");
    expect(credential?.findings[0]).toMatchObject({ code: "NO_CREDENTIAL_CONFIGURED" });
    expect(credential?.findings[0]?.message).toMatch(/IMDS endpoint, but it is not available/);
  });
});
