import { createRequire } from "node:module";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { MockTestRunner } from "azure-pipelines-task-lib/mock-test.js";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./support/cli.js";

/**
 * Input edge cases the way Microsoft's tasks test them ("L0"): a TaskMockRunner script sets the
 * inputs and endpoints and runs the task; MockTestRunner spawns it and collects issues and the
 * result. The bundle carries its own task-lib, so the script runs it unmocked (`run(true)`); every
 * case below ends before the task sends any request.
 */

const TASK_JSON = path.join(REPO_ROOT, "ado-task", "task.json");
const BUNDLE = path.join(REPO_ROOT, "ado-task", "dist", "index.cjs");
const MOCK_RUN = createRequire(import.meta.url).resolve("azure-pipelines-task-lib/mock-run");
const CONNECTION = "AzureRM";

interface Case {
  inputs: Record<string, string>;
  env?: Record<string, string>;
}

async function runL0({ inputs, env = {} }: Case): Promise<MockTestRunner> {
  const dir = await mkdtemp(path.join(tmpdir(), "acr-preflight-l0-"));
  const script = path.join(dir, "l0.cjs");
  await writeFile(
    script,
    [
      `const { TaskMockRunner } = require(${JSON.stringify(MOCK_RUN)});`,
      `Object.assign(process.env, ${JSON.stringify({ AGENT_TEMPDIRECTORY: dir, ...env })});`,
      `const tmr = new TaskMockRunner(${JSON.stringify(BUNDLE)});`,
      `for (const [name, value] of Object.entries(${JSON.stringify(inputs)})) tmr.setInput(name, value);`,
      "tmr.run(true);",
    ].join("\n"),
  );
  const runner = new MockTestRunner(script, TASK_JSON);
  // The agent's own node is this one: MockTestRunner would otherwise download Node 24 from nodejs.org.
  runner.nodePath = process.execPath;
  await runner.runAsync();
  return runner;
}

function servicePrincipal(
  parameters: Record<string, string>,
  scheme = "ServicePrincipal",
): Record<string, string> {
  return {
    [`ENDPOINT_AUTH_${CONNECTION}`]: JSON.stringify({ scheme, parameters }),
    [`ENDPOINT_AUTH_SCHEME_${CONNECTION}`]: scheme,
    [`ENDPOINT_DATA_${CONNECTION}_SUBSCRIPTIONID`]: "11111111-2222-4333-8444-555555555555",
  };
}

const SECRET = "l0-Secret~canary-7Qz";
const VALID_CONNECTION = servicePrincipal({
  serviceprincipalid: "0c5a7e0e-6f1d-4b8a-9a51-3f2d8c9b7e10",
  tenantid: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  serviceprincipalkey: SECRET,
});

describe("AcrPreflight@1 input edge cases (task-lib MockTestRunner)", () => {
  it.each<[string, Case, string]>([
    ["no service connection", { inputs: { registry: "contosoacr" } }, "azureSubscription: is required"],
    [
      "a connection the pipeline may not use",
      { inputs: { azureSubscription: CONNECTION, registry: "contosoacr" } },
      `azureSubscription: service connection '${CONNECTION}' is not available to this job`,
    ],
    [
      "a publish-profile connection",
      {
        inputs: { azureSubscription: CONNECTION, registry: "contosoacr" },
        env: servicePrincipal({ publishProfile: "<publishData/>" }, "PublishProfile"),
      },
      "uses the PublishProfile scheme; use an Azure Resource Manager connection with workload identity federation",
    ],
    [
      "a service principal connection without its key",
      {
        inputs: { azureSubscription: CONNECTION, registry: "contosoacr" },
        env: servicePrincipal({
          serviceprincipalid: "0c5a7e0e-6f1d-4b8a-9a51-3f2d8c9b7e10",
          tenantid: "contoso",
        }),
      },
      "(ServicePrincipal) has no serviceprincipalkey",
    ],
    [
      "no registry in preflight mode",
      { inputs: { azureSubscription: CONNECTION }, env: VALID_CONNECTION },
      "registry: is required in preflight mode",
    ],
    [
      "an unknown operation",
      {
        inputs: { azureSubscription: CONNECTION, registry: "contosoacr", operations: "pull,publish" },
        env: VALID_CONNECTION,
      },
      "operations: 'publish'",
    ],
    [
      "an unknown fail-on",
      {
        inputs: { azureSubscription: CONNECTION, registry: "contosoacr", failOn: "errors" },
        env: VALID_CONNECTION,
      },
      "fail-on: 'errors'",
    ],
    [
      "an environment the connection cannot mean",
      {
        inputs: { azureSubscription: CONNECTION, registry: "contosoacr", environment: "AzureGermanCloud" },
        env: VALID_CONNECTION,
      },
      "environment: 'AzureGermanCloud'",
    ],
  ])("fails on %s with one line naming the input", async (_name, testCase, line) => {
    const runner = await runL0(testCase);
    expect(runner.succeeded).toBe(false);
    expect(runner.errorIssues).toEqual([expect.stringContaining(line)]);
    expect(runner.errorIssues[0]?.split("\n")).toHaveLength(1);
    expect(runner.stdout).not.toMatch(/^\s+at /m);
    expect(runner.stdout).not.toContain("##vso[task.logissue");
    expect(runner.stdout.replace(/^##vso\[task\.setsecret\].*$/gm, "")).not.toContain(SECRET);
  });

  it("masks the connection's secret before anything else can print it", async () => {
    const runner = await runL0({ inputs: { azureSubscription: CONNECTION }, env: VALID_CONNECTION });
    const lines = runner.stdout.split(/\r?\n/);
    const maskedAt = lines.indexOf(`##vso[task.setsecret]${SECRET}`);
    expect(maskedAt).toBeGreaterThanOrEqual(0);
    expect(lines.findIndex((l) => l.startsWith("##vso[task.issue"))).toBeGreaterThan(maskedAt);
  });
});
