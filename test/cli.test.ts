import { readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INPUTS } from "../src/core/config/inputs.js";
import type { Scenario } from "./fake-azure/scenario.js";
import { startFakeAzure, type FakeAzure } from "./fake-azure/index.js";
import { checkOf, runCli, runNode } from "./support/cli.js";

const CLI = ["--import", "tsx", "src/cli/main.ts"];
const BARE_ENV = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir() };

describe("CLI without Azure", () => {
  it("--help lists every input as a flag and says where the secret comes from", async () => {
    const result = await runNode([...CLI, "--help"], BARE_ENV);
    expect(result.code).toBe(0);
    for (const input of INPUTS) expect(result.stdout).toContain(`--${input.name} <value>`);
    expect(result.stdout).toContain("only from the AZURE_CLIENT_SECRET environment variable");
    expect(result.stderr).toBe("");
  });

  it.each([
    [
      ["--registry", "myreg", "--job-duration", "90 minutes"],
      "job-duration: '90 minutes' is not a duration; use 90m, 2h or 1h30m",
    ],
    [
      ["--registry=myreg", "--operations=pull,pusj"],
      "operations: 'pusj' is not an operation; use pull, push and/or delete, separated by commas",
    ],
    [
      ["--registy", "myreg"],
      "--registy: is not an acr-preflight flag; use --registry, or see acr-preflight --help",
    ],
    [["--registry"], "--registry: needs a value; use --registry <value> or --registry=<value>"],
    [["myreg"], "'myreg': is not a flag; use --<input> <value>, see --help"],
    [
      ["--registry", "myreg", "--client-secret", "s3cret"],
      "--client-secret: is not accepted, a secret on the command line leaks into shell history; use the AZURE_CLIENT_SECRET environment variable",
    ],
    [
      ["--registry", "myreg", "--auth-type", "secret", "--tenant-id", "t"],
      "--auth-type: 'secret' needs --client-id or AZURE_CLIENT_ID, AZURE_CLIENT_SECRET; set them (the secret only as AZURE_CLIENT_SECRET, never a flag)",
    ],
    [
      ["--registry", "myreg", "--auth-type", "password"],
      "--auth-type: 'password' is not an auth type; use auto, environment, secret, certificate, azure-cli, managed-identity",
    ],
  ])("%j exits 2 with one stderr line", async (args, line) => {
    const result = await runNode([...CLI, ...args], BARE_ENV);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`acr-preflight: ${line}\n`);
    expect(result.stdout).toBe("");
  });
});

describe("CLI against the fake Azure", () => {
  let fake: FakeAzure;
  beforeAll(async () => {
    fake = await startFakeAzure({ scenario: "healthy" });
  });
  afterAll(() => fake?.close());

  const registryArgs = () => ["--registry", fake.scenario.registries[0]!.name];

  it("passes the healthy scenario, writes the three reports and leaks no secret", async () => {
    const result = await runCli(fake, [...registryArgs(), "--operations", "pull,push"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.report?.result).not.toBe("error");
    expect(result.report?.context.surface).toBe("cli");
    for (const file of ["report.json", "report.md", "report.sarif"]) {
      expect((await stat(path.join(result.reportDir, file))).size).toBeGreaterThan(0);
    }
    expect(result.stdout).toContain(path.join(result.reportDir, "report.json"));
    const written = await Promise.all(
      ["report.json", "report.md", "report.sarif"].map((f) =>
        readFile(path.join(result.reportDir, f), "utf8"),
      ),
    );
    const secret = fake.scenario.principals[0]!.secrets![0]!.value;
    for (const text of [result.stdout, result.stderr, ...written]) {
      expect(text).not.toContain(secret);
      for (const token of fake.issuedTokens()) expect(text).not.toContain(token);
    }
  });

  it("--json prints exactly report.json on stdout", async () => {
    const result = await runCli(fake, [...registryArgs(), "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(result.report);
  });

  it("exits 2 with the line naming the credential problem when no sign-in is configured", async () => {
    const result = await runCli(fake, [...registryArgs(), "--auth-type", "environment"], {
      credentials: "none",
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^acr-preflight: no credential: AZURE_TENANT_ID and AZURE_CLIENT_ID/);
  });

  describe("fail-on decides the exit code", () => {
    const withAdminUser = async (enabled: boolean) => {
      const scenario = structuredClone(fake.scenario) as Scenario;
      const registry = scenario.registries[0]!;
      registry.properties = { ...registry.properties, adminUserEnabled: enabled };
      return startFakeAzure({ scenario });
    };

    it.each([
      ["error", 0],
      ["warning", 1],
      ["never", 0],
    ])("a warning result with fail-on %s exits %d", async (failOn, code) => {
      const variant = await withAdminUser(true);
      try {
        const result = await runCli(variant, [
          ...registryArgs(),
          "--checks",
          "admin-user",
          "--fail-on",
          failOn,
        ]);
        expect(checkOf(result.report, "admin-user").status).toBe("warning");
        expect(result.report?.result).toBe("warning");
        expect(result.code).toBe(code);
      } finally {
        await variant.close();
      }
    });

    it.each([
      ["error", 1],
      ["never", 0],
    ])("an error result with fail-on %s exits %d", async (failOn, code) => {
      const variant = await withAdminUser(false);
      try {
        const result = await runCli(variant, [
          ...registryArgs(),
          ...["--checks", "admin-user", "--login-method", "admin", "--fail-on", failOn],
        ]);
        expect(checkOf(result.report, "admin-user").status).toBe("error");
        expect(result.code).toBe(code);
      } finally {
        await variant.close();
      }
    });
  });
});
