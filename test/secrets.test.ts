import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startFakeAzure } from "./fake-azure/index.js";
import { runCli, type CliResult } from "./support/cli.js";

/** Every form a secret could leak in: as is, base64, base64url, URL-encoded, and as a Basic auth pair. */
function formsOf(secret: string): string[] {
  return [
    secret,
    Buffer.from(secret).toString("base64"),
    Buffer.from(secret).toString("base64url"),
    encodeURIComponent(secret),
    Buffer.from(`00000000-0000-0000-0000-000000000000:${secret}`).toString("base64"),
  ];
}

async function outputsOf(result: CliResult): Promise<Record<string, string>> {
  const files = ["report.json", "report.md", "report.sarif"];
  const contents = await Promise.all(files.map((f) => readFile(path.join(result.reportDir, f), "utf8")));
  return {
    stdout: result.stdout,
    stderr: result.stderr,
    ...Object.fromEntries(files.map((f, i) => [f, contents[i]!])),
  };
}

const JOB = [
  "--registry",
  "contosoacr",
  "--operations",
  "pull,push",
  "--repositories",
  "shop/api",
  "--images",
  "shop/api:latest",
];

describe("secret canary", () => {
  const refused = { AZURE_CLIENT_SECRET: "Wr0ng~Secret.Value_With+Specials/42" };
  const runs: { label: string; scenario: string; output: string; env?: Record<string, string> }[] = [
    { label: "healthy", scenario: "healthy", output: "human" },
    { label: "healthy", scenario: "healthy", output: "json" },
    { label: "broken", scenario: "broken", output: "human" },
    { label: "broken", scenario: "broken", output: "json" },
    // A refused secret is still a secret: it must not be echoed while explaining the refusal.
    { label: "refused secret", scenario: "healthy", output: "human", env: refused },
    { label: "refused secret", scenario: "healthy", output: "json", env: refused },
  ];

  it.each(runs)(
    "$label ($output output) prints no secret or token anywhere",
    async ({ scenario, output, env }) => {
      const fake = await startFakeAzure({ scenario });
      try {
        const result = await runCli(
          fake,
          [...JOB, ...(output === "json" ? ["--json"] : [])],
          env ? { env } : {},
        );
        expect(result.report, result.stderr).toBeDefined();
        const secret = env?.AZURE_CLIENT_SECRET ?? fake.scenario.principals[0]!.secrets![0]!.value;
        const canaries = [...formsOf(secret), ...fake.issuedTokens()];
        expect(fake.issuedTokens()).toContain(fake.scenario.principals[0]!.secrets![0]!.value);
        const outputs = await outputsOf(result);
        expect(outputs["report.json"]!.length).toBeGreaterThan(500);
        const leaks = Object.entries(outputs).flatMap(([where, text]) =>
          canaries
            .filter((canary) => text.includes(canary))
            .map((canary) => `${where}: ${canary.slice(0, 12)}…`),
        );
        expect(leaks).toEqual([]);
      } finally {
        await fake.close();
      }
    },
  );
});
