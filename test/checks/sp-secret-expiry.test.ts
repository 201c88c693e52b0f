import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startFakeAzure } from "../fake-azure/index.js";
import type { Principal, Registry, Secret } from "../fake-azure/scenario.js";
import { selfSignedCertificate } from "../support/certificate.js";
import { checkOf, runCli } from "../support/cli.js";
import { healthyVariant, runAgainst } from "./healthy-variant.js";

/** The job's principal and the secret runCli signs in with (the first of the first principal). */
function jobSecret(principal: Principal | undefined): Secret {
  const secret = principal?.secrets?.[0];
  if (!secret) throw new Error("healthy.json's first principal has no secret");
  return secret;
}

async function secretExpiry(
  tweak: (principal: Principal) => void,
  args: string[] = [],
  checks = "sp-secret-expiry",
) {
  const scenario = healthyVariant(({ scenario: s }) => tweak(s.principals[0] as Principal));
  const run = await runAgainst(scenario, ["--checks", checks, ...args]);
  return {
    run,
    check: checkOf(run.report, "sp-secret-expiry"),
    principal: scenario.principals[0] as Principal,
  };
}

describe("sp-secret-expiry", () => {
  it("passes for the secret in use, matched by its hint, and reads Graph once", async () => {
    const { run, check, principal } = await secretExpiry(
      () => undefined,
      [],
      "sp-secret-expiry,token-lifetime",
    );
    expect(check.status).toBe("pass");
    const finding = check.findings.find((f) => f.code === "SECRET_OK");
    expect(finding?.evidence).toMatchObject({ keyId: jobSecret(principal).keyId, matchedBy: "hint" });
    const graphReads = run.requests.filter(
      (r) => r.host === "graph.microsoft.com" && /applications/i.test(r.path),
    );
    expect(graphReads).toHaveLength(1);
  });

  it("errors when the secret expires during the job, naming the minute", async () => {
    const { check, principal } = await secretExpiry(
      (p) => {
        jobSecret(p).endDateTime = "now+30m";
      },
      ["--job-duration", "90m"],
    );
    expect(check.status).toBe("error");
    const finding = check.findings.find((f) => f.code === "SECRET_EXPIRES_DURING_JOB");
    expect(finding?.message).toMatch(/after (29|30) min of the job/);
    expect(finding?.remediation.join("\n")).toContain(
      `az ad app credential delete --id ${principal.clientId} --key-id ${jobSecret(principal).keyId}`,
    );
    expect(finding?.remediation[0]).toMatch(
      new RegExp(
        `^az ad app credential reset --id ${principal.clientId} --append --display-name ci-\\d{4}-\\d\\d-\\d\\d --years 1$`,
      ),
    );
  });

  it("warns when the secret expires within expiry-warning", async () => {
    const { check } = await secretExpiry(
      (p) => {
        jobSecret(p).endDateTime = "now+10d";
      },
      ["--expiry-warning", "30d"],
    );
    expect(check.status).toBe("warning");
    const finding = check.findings.find((f) => f.code === "SECRET_EXPIRES_SOON");
    expect([9, 10]).toContain(finding?.evidence.daysLeft);
  });

  it("judges the secret that expires first when several share the hint", async () => {
    const { check } = await secretExpiry((p) => {
      const inUse = jobSecret(p);
      inUse.endDateTime = "now+300d";
      p.secrets = [
        inUse,
        {
          keyId: "5b0c3c1e-0000-4000-8000-00000000beef",
          displayName: "old",
          value: `${inUse.value.slice(0, 3)}-other`,
          endDateTime: "now+5d",
        },
      ];
    });
    expect(check.status).toBe("warning");
    const finding = check.findings.find((f) => f.code === "SECRET_EXPIRES_SOON");
    expect(finding?.evidence).toMatchObject({
      keyId: "5b0c3c1e-0000-4000-8000-00000000beef",
      matchedBy: "ambiguous",
    });
    expect(finding?.message).toMatch(/2 credentials match/);
  });

  it("reports an expired secret from Entra's own refusal (AADSTS7000222)", async () => {
    const { check, principal } = await secretExpiry((p) => {
      jobSecret(p).endDateTime = "now-2d";
    });
    expect(check.status).toBe("error");
    const finding = check.findings.find((f) => f.code === "SECRET_EXPIRED");
    expect(finding?.evidence).toMatchObject({ appId: principal.clientId, aadsts: 7000222 });
    expect(finding?.remediation[0]).toContain(`az ad app credential reset --id ${principal.clientId}`);
  });

  it("is skipped naming Application.Read.All when Graph refuses, and still says Entra accepted the secret", async () => {
    const { check, principal } = await secretExpiry((p) => {
      p.graphAccess = "none";
    });
    expect(check.status).toBe("skipped");
    const [finding] = check.findings;
    expect(finding?.code).toBe("PERMISSION_MISSING");
    expect(finding?.message).toContain("Application.Read.All");
    expect(finding?.message).toContain("valid today");
    expect(finding?.remediation.join("\n")).toContain(
      `az ad app permission admin-consent --id ${principal.clientId}`,
    );
  });
});

describe("sp-secret-expiry with a certificate", () => {
  it("matches the certificate in use by thumbprint and errors when it expires during the job", async () => {
    const certificate = selfSignedCertificate();
    const scenario = healthyVariant(({ scenario: s }) => {
      const principal = s.principals[0] as Principal;
      principal.certificates = [
        { keyId: "c3a7e0de-0000-4000-8000-0000000000c1", thumbprint: "00".repeat(20), endDateTime: "now+1d" },
        {
          keyId: "c3a7e0de-0000-4000-8000-0000000000c2",
          thumbprint: certificate.sha1,
          thumbprintSha256: certificate.sha256,
          endDateTime: "now+20m",
        },
      ];
    });
    const dir = await mkdtemp(path.join(tmpdir(), "acr-preflight-cert-"));
    const certificatePath = path.join(dir, "ci.pem");
    await writeFile(certificatePath, certificate.pem);
    const fake = await startFakeAzure({ scenario });
    try {
      const principal = scenario.principals[0] as Principal;
      const run = await runCli(
        fake,
        ["--registry", (scenario.registries[0] as Registry).name, "--checks", "sp-secret-expiry"],
        {
          credentials: "none",
          env: {
            AZURE_TENANT_ID: scenario.tenantId,
            AZURE_CLIENT_ID: principal.clientId,
            AZURE_CLIENT_CERTIFICATE_PATH: certificatePath,
          },
        },
      );
      const check = checkOf(run.report, "sp-secret-expiry");
      expect(check.status).toBe("error");
      const finding = check.findings.find((f) => f.code === "CERTIFICATE_EXPIRES_DURING_JOB");
      expect(finding?.evidence).toMatchObject({
        keyId: "c3a7e0de-0000-4000-8000-0000000000c2",
        matchedBy: "thumbprint",
        thumbprint: certificate.sha1,
      });
      expect(finding?.remediation.join("\n")).toContain(
        `az ad app credential delete --id ${principal.clientId} --key-id c3a7e0de-0000-4000-8000-0000000000c2 --cert`,
      );
    } finally {
      await fake.close();
    }
  });
});
