import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { PreflightConfig } from "../../src/core/config/types.js";
import { usesOneShotAssertion } from "../../src/core/context/az-session.js";
import type { AzureApis, RunContext, RunDeps } from "../../src/core/context/scope.js";
import { createRunContext } from "../../src/core/context/scope.js";
import type { Principal, Registry } from "../fake-azure/scenario.js";
import { checkOf } from "../support/cli.js";
import { healthyVariant, runAgainst, type Variant } from "./healthy-variant.js";

async function tokenLifetime(args: string[], tweak: (variant: Variant) => void = () => undefined) {
  const scenario = healthyVariant(tweak);
  const run = await runAgainst(scenario, ["--checks", "token-lifetime", ...args]);
  return { check: checkOf(run.report, "token-lifetime"), registry: scenario.registries[0] as Registry };
}

/** A repository token `ci-push` on the registry, readable by the job's identity (Reader on the registry). */
function withRepositoryToken(passwords: NonNullable<Registry["tokens"]>[number]["passwords"]) {
  return ({ scenario, registry, registryId, principalId }: Variant) => {
    registry.scopeMaps = [
      { name: "ci-push-map", actions: ["repositories/app/content/read", "repositories/app/content/write"] },
    ];
    registry.tokens = [{ name: "ci-push", scopeMap: "ci-push-map", status: "enabled", passwords }];
    scenario.roleAssignments.push({
      scope: registryId,
      role: "Reader",
      principalId,
      principalType: "ServicePrincipal",
    });
  };
}

describe("token-lifetime", () => {
  it("passes az-acr-login for a 60 min job, listing the 3 h ACR refresh token read from its exp", async () => {
    const { check } = await tokenLifetime(["--job-duration", "60m"]);
    expect(check.status).toBe("pass");
    const ok = check.findings.find((f) => f.code === "TOKEN_CHAIN_OK");
    const chain = ok?.evidence.chain as { link: string; minutesFromNow?: number; renews: boolean }[];
    const acr = chain.find((l) => l.link.startsWith("ACR refresh token"));
    expect(acr?.renews).toBe(false);
    expect(acr?.minutesFromNow).toBeGreaterThanOrEqual(170);
    expect(acr?.minutesFromNow).toBeLessThanOrEqual(180);
    expect(chain.find((l) => l.link.startsWith("Entra access token"))?.renews).toBe(true);
  });

  it("errors when a job outlives the ACR refresh token, with the minute and the re-login fix", async () => {
    const { check, registry } = await tokenLifetime(["--job-duration", "4h"]);
    expect(check.status).toBe("error");
    const finding = check.findings.find((f) => f.code === "ACR_REFRESH_TOKEN_EXPIRES_DURING_JOB");
    expect(finding?.evidence.jobFailsAfterMinutes).toBeGreaterThanOrEqual(170);
    expect(finding?.evidence.jobFailsAfterMinutes).toBeLessThan(180);
    expect(finding?.message).toMatch(/after 1\d\d min of the job/);
    expect(finding?.remediation[0]).toMatch(new RegExp(`^az acr login --name ${registry.name} `));
  });

  it("warns when the ACR refresh token ends within the overrun margin after the job", async () => {
    const { check } = await tokenLifetime(["--job-duration", "170m"]);
    expect(check.status).toBe("warning");
    expect(check.findings.map((f) => f.code)).toContain("TOKEN_EXPIRES_NEAR_JOB_END");
  });

  it("errors for service-principal when the secret docker logs in with expires during the job", async () => {
    const { check } = await tokenLifetime(
      ["--login-method", "service-principal", "--job-duration", "2h"],
      ({ scenario }) => {
        const secret = (scenario.principals[0] as Principal).secrets![0]!;
        secret.endDateTime = "now+90m";
      },
    );
    expect(check.status).toBe("error");
    const finding = check.findings.find((f) => f.code === "CLIENT_CREDENTIAL_EXPIRES_DURING_JOB");
    expect(finding?.evidence.jobFailsAfterMinutes).toBeGreaterThanOrEqual(88);
    expect(finding?.evidence.jobFailsAfterMinutes).toBeLessThan(90);
    expect(finding?.remediation[0]).toMatch(/^az ad app credential reset --id \S+ --append/);
  });

  it("errors when the repository token's password expires during the job", async () => {
    const { check, registry } = await tokenLifetime(
      ["--login-method", "repository-token", "--token-name", "ci-push", "--job-duration", "60m"],
      withRepositoryToken([{ name: "password1", value: "p1-value-not-shown", expiry: "now+30m" }]),
    );
    expect(check.status).toBe("error");
    const finding = check.findings.find((f) => f.code === "REPOSITORY_TOKEN_PASSWORD_EXPIRES_DURING_JOB");
    expect(finding?.remediation[0]).toBe(
      `az acr token credential generate --name ci-push --registry ${registry.name} --expiration-in-days 30 --password1`,
    );
  });

  it("judges the longer-living password and reports an expired token password", async () => {
    const expired = await tokenLifetime(
      ["--login-method", "repository-token", "--token-name", "ci-push"],
      withRepositoryToken([
        { name: "password1", value: "p1-value-not-shown", expiry: "now-2d" },
        { name: "password2", value: "p2-value-not-shown", expiry: "now-1d" },
      ]),
    );
    const finding = expired.check.findings.find((f) => f.code === "REPOSITORY_TOKEN_PASSWORD_EXPIRED");
    expect(finding?.message).toContain("password2");

    const fresh = await tokenLifetime(
      ["--login-method", "repository-token", "--token-name", "ci-push"],
      withRepositoryToken([
        { name: "password1", value: "p1-value-not-shown", expiry: "now-2d" },
        { name: "password2", value: "p2-value-not-shown" },
      ]),
    );
    expect(fresh.check.status).toBe("pass");
  });

  it("is skipped naming the permission when the registry is readable but its tokens are not", async () => {
    const { check } = await tokenLifetime(
      ["--login-method", "repository-token", "--token-name", "ci-push"],
      (variant) => {
        withRepositoryToken([{ name: "password1", value: "p1-value-not-shown" }])(variant);
        // registries/read without registries/tokens/read.
        variant.setRoles([
          { scope: variant.registryId, role: "Container Registry Data Importer and Data Reader" },
        ]);
      },
    );
    expect(check.status).toBe("skipped");
    expect(check.findings[0]?.code).toBe("PERMISSION_MISSING");
    expect(check.findings[0]?.message).toContain("tokens/read");
  });

  it("passes the admin login with a note that its password does not expire", async () => {
    const { check } = await tokenLifetime(["--login-method", "admin", "--job-duration", "12h"]);
    expect(check.status).toBe("pass");
    expect(check.findings[0]?.message).toContain("admin user password");
  });
});

describe("one-shot OIDC az sessions", () => {
  /** An az config directory as `az login --service-principal` leaves it, with the given stored credential. */
  async function azConfigDir(clientId: string, stored: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), "acr-preflight-az-"));
    const profile = {
      subscriptions: [{ isDefault: true, user: { name: clientId, type: "servicePrincipal" } }],
    };
    await writeFile(path.join(dir, "azureProfile.json"), `\uFEFF${JSON.stringify(profile)}`);
    await writeFile(
      path.join(dir, "service_principal_entries.json"),
      JSON.stringify([{ client_id: clientId, tenant: "t", ...stored }]),
    );
    return dir;
  }

  function azCliContext(): RunContext {
    const deps = { credentialInfo: { kind: "azure-cli" }, now: () => new Date() } as unknown as RunDeps;
    return createRunContext({} as PreflightConfig, deps, {} as AzureApis);
  }

  afterEach(() => {
    delete process.env.AZURE_CONFIG_DIR;
  });

  it("tells an az session signed in with a federated token (azure/login OIDC) from one with a secret", async () => {
    process.env.AZURE_CONFIG_DIR = await azConfigDir("app-1", { client_assertion: "eyJ.not.checked" });
    expect(await usesOneShotAssertion(azCliContext())).toBe(true);
    process.env.AZURE_CONFIG_DIR = await azConfigDir("app-1", { client_secret: "not-used-here" });
    expect(await usesOneShotAssertion(azCliContext())).toBe(false);
  });
});
