import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAzure, type FakeAzure } from "../fake-azure/index.js";
import { checkOf, runCli } from "../support/cli.js";

const LOGIN_SERVER = "contosoacr.azurecr.io";
const ACR_TOKEN_USER = "00000000-0000-0000-0000-000000000000";

function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}

async function dockerConfigDir(config: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "docker-config-"));
  await writeFile(path.join(dir, "config.json"), JSON.stringify(config));
  return dir;
}

describe("docker-config", () => {
  let fake: FakeAzure;
  beforeAll(async () => (fake = await startFakeAzure({ scenario: "healthy" })));
  afterAll(() => fake.close());

  const run = async (config: unknown, extraEnv: Record<string, string> = {}) => {
    const env = { DOCKER_CONFIG: await dockerConfigDir(config), ...extraEnv };
    const result = await runCli(fake, ["--registry", "contosoacr", "--checks", "docker-config"], { env });
    return { ...result, check: checkOf(result.report, "docker-config") };
  };

  it("passes when nothing in the configuration stands between the job and its login", async () => {
    const { check } = await run({ auths: {} });
    expect(check.status).toBe("pass");
    expect(check.findings[0]?.code).toBe("DOCKER_CONFIG_OK");
  });

  it("fails when the configured credential helper is not installed", async () => {
    const { check } = await run({ credHelpers: { [LOGIN_SERVER]: "acr-missing-helper" } });
    expect(check.status).toBe("error");
    expect(check.findings[0]).toMatchObject({
      code: "CREDENTIAL_HELPER_MISSING",
      evidence: { helper: "acr-missing-helper", onPath: false },
    });
  });

  it("warns when an installed helper answers for the registry instead of the job's login", async () => {
    const bin = await mkdtemp(path.join(tmpdir(), "helper-bin-"));
    const helper = path.join(bin, "docker-credential-corp");
    await writeFile(helper, "#!/bin/sh\nexit 0\n");
    await chmod(helper, 0o755);
    const { check } = await run(
      { credHelpers: { [LOGIN_SERVER]: "corp" } },
      { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` },
    );
    expect(check.status).toBe("warning");
    expect(check.findings[0]?.code).toBe("CREDENTIAL_HELPER_OVERRIDES_LOGIN");
  });

  it("warns about an expired az acr login token and never prints it", async () => {
    const token = unsignedJwt({ exp: Math.floor(Date.now() / 1000) - 3600, aud: LOGIN_SERVER });
    const auth = Buffer.from(`${ACR_TOKEN_USER}:${token}`).toString("base64");
    const { check, stdout, stderr, report } = await run({ auths: { [LOGIN_SERVER]: { auth } } });
    expect(check.status).toBe("warning");
    expect(check.findings[0]?.code).toBe("STALE_REGISTRY_LOGIN");
    expect(check.findings[0]?.remediation).toEqual(["az acr login --name contosoacr"]);
    for (const text of [stdout, stderr, JSON.stringify(report)]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(auth);
    }
  });
});
