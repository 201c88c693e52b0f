import { readFileSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { commandFromString } from "azure-pipelines-task-lib/taskcommand.js";
import { describe, expect, it } from "vitest";
import type { Report } from "../src/core/report/types.js";
import { AGENT_VM_IDENTITY, healthyVariant, managedIdentityVariant } from "./checks/healthy-variant.js";
import { startFakeAzure, type FakeAzure } from "./fake-azure/index.js";
import type { Principal, Scenario } from "./fake-azure/scenario.js";
import { selfSignedCertificate } from "./support/certificate.js";
import { checkOf, fakeEnv, inputEnv, REPO_ROOT, runNode } from "./support/cli.js";

interface TaskJson {
  inputs: { name: string; defaultValue?: string }[];
  execution: Record<string, { target: string }>;
}

const TASK_DIR = path.join(REPO_ROOT, "ado-task");
const TASK = JSON.parse(readFileSync(path.join(TASK_DIR, "task.json"), "utf8")) as TaskJson;
const BUNDLE = path.join(TASK_DIR, TASK.execution.Node24?.target ?? "");
const CONNECTION_ID = "6f1c2a9e-3b7d-4e0a-9c55-2d8e41f0b7a3";
const REGISTRY = { registry: "contosoacr", operations: "pull,push" };

/** The agent passes every input the pipeline leaves out with task.json's default. */
const TASK_DEFAULTS = Object.fromEntries(
  TASK.inputs.filter((i) => i.defaultValue).map((i) => [i.name, i.defaultValue as string]),
);

interface Issue {
  type: string;
  code?: string;
  message: string;
}

interface TaskRun {
  stdout: string;
  stderr: string;
  /** `task.logissue` (one per finding) and `task.issue` (the task result's own line). */
  logIssues: Issue[];
  resultIssues: Issue[];
  /** Output variables (`task.setvariable … isOutput=true`). */
  outputs: Record<string, string>;
  /** `task.complete` result: Succeeded, SucceededWithIssues or Failed. */
  result?: string;
  summaries: string[];
  /** Values the task asked the agent to mask (`task.setsecret`). */
  masked: string[];
  /** Lines that are no logging command. */
  plainLines: string[];
  agentTemp: string;
  report?: Report;
  /** Every text a user could read: the log minus the mask commands, the report files. */
  visible: string;
}

interface Endpoint {
  scheme: string;
  parameters: Record<string, string>;
  data?: Record<string, string>;
  url?: string;
}

/** A service endpoint as the agent hands it to a task: the JSON, the scheme and every parameter on its own. */
function endpointEnv(id: string, endpoint: Endpoint): Record<string, string> {
  const { scheme, parameters, data = {}, url = "https://management.azure.com/" } = endpoint;
  return {
    [`ENDPOINT_AUTH_${id}`]: JSON.stringify({ scheme, parameters }),
    [`ENDPOINT_AUTH_SCHEME_${id}`]: scheme,
    ...Object.fromEntries(
      Object.entries(parameters).map(([k, v]) => [`ENDPOINT_AUTH_PARAMETER_${id}_${k.toUpperCase()}`, v]),
    ),
    ...Object.fromEntries(
      Object.entries(data).map(([k, v]) => [`ENDPOINT_DATA_${id}_${k.toUpperCase()}`, v]),
    ),
    [`ENDPOINT_URL_${id}`]: url,
  };
}

function connectionData(scenario: Scenario, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    subscriptionId: scenario.registries[0]?.subscriptionId ?? "",
    subscriptionName: "Contoso Production",
    environment: "AzureCloud",
    scopeLevel: "Subscription",
    activeDirectoryAuthority: "https://login.microsoftonline.com/",
    ...overrides,
  };
}

function jobPrincipal(scenario: Scenario): Principal {
  return scenario.principals[0] as Principal;
}

function secretConnection(scenario: Scenario): Endpoint {
  const principal = jobPrincipal(scenario);
  return {
    scheme: "ServicePrincipal",
    parameters: {
      authenticationType: "spnKey",
      serviceprincipalid: principal.clientId,
      serviceprincipalkey: principal.secrets?.[0]?.value ?? "",
      tenantid: scenario.tenantId,
    },
    data: connectionData(scenario),
  };
}

function wifConnection(scenario: Scenario): Endpoint {
  const principal = jobPrincipal(scenario);
  return {
    scheme: "WorkloadIdentityFederation",
    parameters: { serviceprincipalid: principal.clientId, tenantid: scenario.tenantId },
    data: connectionData(scenario),
  };
}

const ADO_SUBJECT = "sc://contoso/shop/acr-connection";

/** healthy.json with the job's app trusting this service connection's Azure Pipelines OIDC tokens. */
function wifScenario(): Scenario {
  return healthyVariant(({ scenario }) => {
    scenario.oidc = { ...scenario.oidc, azurePipelines: { subject: ADO_SUBJECT } };
    const principal = jobPrincipal(scenario);
    principal.federatedCredentials = [
      ...(principal.federatedCredentials ?? []),
      {
        name: "ado-acr-connection",
        issuer: `https://login.microsoftonline.com/${scenario.tenantId}/v2.0`,
        subject: ADO_SUBJECT,
      },
    ];
  });
}

interface RunOptions {
  /** How System.AccessToken reaches the task (default: the SYSTEMVSSCONNECTION endpoint). */
  accessToken?: "endpoint" | "env" | "none";
  env?: Record<string, string>;
}

/** Runs the bundle under plain node with the environment the agent gives a task, against the fake. */
async function runTask(
  fake: FakeAzure,
  connection: Endpoint | undefined,
  inputs: Record<string, string>,
  options: RunOptions = {},
): Promise<TaskRun> {
  const agentTemp = await mkdtemp(path.join(tmpdir(), "agent-temp-"));
  const env = fakeEnv(fake, {
    ...inputEnv(TASK_DEFAULTS),
    ...(connection
      ? { ...inputEnv({ azureSubscription: CONNECTION_ID }), ...endpointEnv(CONNECTION_ID, connection) }
      : {}),
    ...inputEnv(inputs),
    AGENT_TEMPDIRECTORY: agentTemp,
    AGENT_ISSELFHOSTED: "0",
    TF_BUILD: "True",
    ...options.env,
  });
  const accessToken = env.SYSTEM_ACCESSTOKEN;
  delete env.SYSTEM_ACCESSTOKEN;
  const how = options.accessToken ?? "endpoint";
  if (accessToken && how === "endpoint") {
    Object.assign(
      env,
      endpointEnv("SYSTEMVSSCONNECTION", { scheme: "OAuth", parameters: { AccessToken: accessToken } }),
    );
  }
  if (accessToken && how === "env") env.SYSTEM_ACCESSTOKEN = accessToken;

  const result = await runNode([BUNDLE], env, { cwd: agentTemp });
  const lines = result.stdout.split(/\r?\n/);
  const commands = lines.filter((l) => l.startsWith("##vso[")).map((l) => commandFromString(l));
  const issuesOf = (name: string) =>
    commands
      .filter((c) => c.command === name)
      .map((c) => ({
        type: c.properties.type ?? "",
        ...(c.properties.code ? { code: c.properties.code } : {}),
        message: c.message,
      }));
  const outputs = Object.fromEntries(
    commands
      .filter((c) => c.command === "task.setvariable" && c.properties.isOutput === "true")
      .map((c) => [c.properties.variable ?? "", c.message]),
  );
  const reportPath = outputs.reportPath;
  const reportFiles = reportPath
    ? await Promise.all(
        ["report.json", "report.md", "report.sarif"].map((f) =>
          readFile(path.join(path.dirname(reportPath), f), "utf8"),
        ),
      )
    : [];
  return {
    stdout: result.stdout,
    stderr: result.stderr,
    logIssues: issuesOf("task.logissue"),
    resultIssues: issuesOf("task.issue"),
    outputs,
    result: commands.find((c) => c.command === "task.complete")?.properties.result,
    summaries: commands.filter((c) => c.command === "task.uploadsummary").map((c) => c.message),
    masked: commands.filter((c) => c.command === "task.setsecret").map((c) => c.message),
    plainLines: lines.filter((l) => l && !l.startsWith("##vso[")),
    agentTemp,
    ...(reportFiles[0] ? { report: JSON.parse(reportFiles[0]) as Report } : {}),
    visible: [
      lines.filter((l) => !l.startsWith("##vso[task.setsecret]")).join("\n"),
      result.stderr,
      ...reportFiles,
    ].join("\n"),
  };
}

async function withFake<T>(scenario: Scenario, body: (fake: FakeAzure) => Promise<T>): Promise<T> {
  const fake = await startFakeAzure({ scenario });
  try {
    return await body(fake);
  } finally {
    await fake.close();
  }
}

function expectNothingLeaked(fake: FakeAzure, run: TaskRun, secrets: string[] = []): void {
  const leaked = [...fake.issuedTokens(), ...secrets].filter((secret) => run.visible.includes(secret));
  expect(leaked).toEqual([]);
}

function issuesOfCheck(run: TaskRun, check: string, type = "error"): Issue[] {
  return run.logIssues.filter((i) => i.type === type && i.message.startsWith(`${check}:`));
}

function entraTokenRequests(fake: FakeAzure) {
  return fake.requests.filter((r) => r.host === "login.microsoftonline.com" && r.method === "POST");
}

describe("Azure Pipelines task (node ado-task/dist/index.cjs as the agent starts it)", () => {
  it("passes a healthy registry over a secret service connection: output variables, summary, result", async () => {
    const scenario = healthyVariant();
    const secret = jobPrincipal(scenario).secrets?.[0]?.value ?? "";
    await withFake(scenario, async (fake) => {
      const run = await runTask(fake, secretConnection(scenario), REGISTRY);
      expect(run.result).toBe("Succeeded");
      const reportDir = path.join(run.agentTemp, "acr-preflight");
      expect(run.outputs).toEqual({
        result: "pass",
        errorCount: "0",
        warningCount: "0",
        reportPath: path.join(reportDir, "report.json"),
        sarifPath: path.join(reportDir, "report.sarif"),
      });
      expect(run.summaries).toEqual([path.join(reportDir, "report.md")]);
      expect(run.logIssues).toEqual([]);
      expect(run.resultIssues).toEqual([]);
      expect(run.report?.context).toMatchObject({
        surface: "ado",
        runnerKind: "ado-hosted",
        principal: { authType: "secret", appId: jobPrincipal(scenario).clientId },
        operations: ["pull", "push"],
      });
      expect(run.masked).toContain(secret);
      expectNothingLeaked(fake, run, [secret]);
    });
  });

  it("reads the registry in the connection's subscription directly, without a Resource Graph search", async () => {
    const scenario = healthyVariant();
    const registry = scenario.registries[0];
    await withFake(scenario, async (fake) => {
      const run = await runTask(fake, secretConnection(scenario), {
        ...REGISTRY,
        resourceGroup: registry?.resourceGroup ?? "",
      });
      expect(run.result).toBe("Succeeded");
      const armPaths = fake.requests.filter((r) => r.host === "management.azure.com").map((r) => r.path);
      expect(armPaths).toContain(
        `/subscriptions/${registry?.subscriptionId}/resourceGroups/${registry?.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${registry?.name}`,
      );
      expect(armPaths.filter((p) => /Microsoft\.ResourceGraph/i.test(p))).toEqual([]);
    });
  });

  it("passes over a workload identity federation connection, with a fresh Azure Pipelines OIDC token per Entra request", async () => {
    const scenario = wifScenario();
    await withFake(scenario, async (fake) => {
      const run = await runTask(fake, wifConnection(scenario), REGISTRY);
      expect(run.result).toBe("Succeeded");
      expect(run.outputs.result).toBe("pass");
      expect(run.report?.context.principal?.authType).toBe("workload-identity-federation");
      const oidcRequests = fake.requests.filter((r) => r.host === "dev.azure.com");
      expect(oidcRequests.length).toBeGreaterThan(0);
      for (const request of oidcRequests) {
        expect(request).toMatchObject({
          method: "POST",
          status: 200,
          query: { "api-version": "7.1", serviceConnectionId: CONNECTION_ID },
        });
      }
      const assertions = entraTokenRequests(fake).map((r) =>
        new URLSearchParams(r.body ?? "").get("client_assertion"),
      );
      expect(assertions.length).toBeGreaterThan(1);
      expect(assertions.every(Boolean)).toBe(true);
      expect(new Set(assertions).size).toBe(assertions.length);
      for (const assertion of assertions) expect(run.masked).toContain(assertion);
      expectNothingLeaked(fake, run);
    });
  });

  it("takes System.AccessToken from the task's env mapping when the agent offers no SYSTEMVSSCONNECTION", async () => {
    const scenario = wifScenario();
    await withFake(scenario, async (fake) => {
      const run = await runTask(fake, wifConnection(scenario), REGISTRY, { accessToken: "env" });
      expect(run.result).toBe("Succeeded");
      expect(run.report?.context.principal?.authType).toBe("workload-identity-federation");
      expectNothingLeaked(fake, run);
    });
  });

  it("names the missing System.AccessToken through the credential check, without asking Azure DevOps", async () => {
    const scenario = wifScenario();
    await withFake(scenario, async (fake) => {
      const run = await runTask(fake, wifConnection(scenario), REGISTRY, { accessToken: "none" });
      expect(run.result).toBe("Failed");
      expect(checkOf(run.report, "credential").findings.map((f) => f.code)).toEqual([
        "OIDC_TOKEN_UNAVAILABLE",
      ]);
      const [issue] = issuesOfCheck(run, "credential");
      expect(issue).toMatchObject({ code: "OIDC_TOKEN_UNAVAILABLE" });
      expect(issue?.message).toContain("SYSTEM_ACCESSTOKEN: $(System.AccessToken)");
      expect(fake.requests.filter((r) => r.host === "dev.azure.com")).toEqual([]);
      expect(entraTokenRequests(fake)).toEqual([]);
    });
  });

  it("fails on an expired client secret with an error issue carrying the finding code", async () => {
    const scenario = healthyVariant(({ scenario: s }) => {
      const secret = jobPrincipal(s).secrets?.[0];
      if (secret) secret.endDateTime = "now-2d";
    });
    await withFake(scenario, async (fake) => {
      const run = await runTask(fake, secretConnection(scenario), REGISTRY);
      expect(run.result).toBe("Failed");
      expect(run.outputs.result).toBe("error");
      expect(Number(run.outputs.errorCount)).toBeGreaterThanOrEqual(1);
      const expiredIssues = run.logIssues.filter((i) => /^(CLIENT_)?SECRET_EXPIRED$/.test(i.code ?? ""));
      expect(expiredIssues.map((i) => i.type)).toContain("error");
      expect(run.logIssues[0]?.type).toBe("error");
      expect(run.resultIssues).toEqual([
        { type: "error", message: expect.stringMatching(/\(fail-on: error\)/) as unknown as string },
      ]);
      expectNothingLeaked(fake, run, [jobPrincipal(scenario).secrets?.[0]?.value ?? ""]);
    });
  });

  it("fails when the registry firewall blocks the agent's IP, naming the rule to add", async () => {
    const scenario = healthyVariant(({ registry }) => {
      registry.properties = {
        ...registry.properties,
        networkRuleSet: { defaultAction: "Deny", ipRules: [{ action: "Allow", value: "198.51.100.0/24" }] },
      };
    });
    await withFake(scenario, async (fake) => {
      const run = await runTask(fake, secretConnection(scenario), REGISTRY);
      expect(run.result).toBe("Failed");
      expect(run.outputs.result).toBe("error");
      const blocked = run.logIssues.find((i) => i.code === "RUNNER_IP_BLOCKED");
      expect(blocked?.type).toBe("error");
      expect(blocked?.message).toMatch(/^network-rules:/);
      expect(blocked?.message).toContain(scenario.runner.ip);
      expectNothingLeaked(fake, run);
    });
  });

  it("signs in with a certificate connection, masking the key line by line", async () => {
    const certificate = selfSignedCertificate();
    const scenario = healthyVariant(({ scenario: s }) => {
      jobPrincipal(s).certificates = [
        {
          keyId: "c0ffee00-0000-4000-8000-000000000001",
          thumbprint: certificate.sha1,
          thumbprintSha256: certificate.sha256,
          endDateTime: "now+300d",
        },
      ];
    });
    const principal = jobPrincipal(scenario);
    await withFake(scenario, async (fake) => {
      const run = await runTask(
        fake,
        {
          scheme: "ServicePrincipal",
          parameters: {
            authenticationType: "spnCertificate",
            serviceprincipalid: principal.clientId,
            servicePrincipalCertificate: certificate.pem,
            tenantid: scenario.tenantId,
          },
          data: connectionData(scenario),
        },
        REGISTRY,
      );
      expect(run.report?.context.principal?.authType).toBe("certificate");
      expect(checkOf(run.report, "credential").status).toBe("pass");
      const keyLines = certificate.keyPem.split(/\r?\n/).filter((l) => l && !l.startsWith("-----"));
      for (const line of keyLines) expect(run.masked).toContain(line);
      expectNothingLeaked(fake, run, keyLines);
    });
  });

  it("signs in over a managed identity connection as the self-hosted agent VM's identity", async () => {
    const scenario = managedIdentityVariant();
    await withFake(scenario, async (fake) => {
      const run = await runTask(
        fake,
        {
          scheme: "ManagedServiceIdentity",
          parameters: { tenantid: scenario.tenantId },
          data: connectionData(scenario),
        },
        REGISTRY,
        { env: { AGENT_ISSELFHOSTED: "1" } },
      );
      expect(run.result).toBe("Succeeded");
      expect(run.outputs.result).toBe("pass");
      expect(run.report?.context).toMatchObject({
        runnerKind: "self-hosted",
        principal: { authType: "managed-identity", appId: AGENT_VM_IDENTITY.clientId },
      });
      expect(fake.requests.some((r) => r.host === "169.254.169.254" && r.status === 200)).toBe(true);
      expect(entraTokenRequests(fake)).toEqual([]);
      expectNothingLeaked(fake, run);
    });
  });

  it("takes the cloud from the connection: an AzureUSGovernment connection signs in at login.microsoftonline.us", async () => {
    const scenario = healthyVariant();
    await withFake(scenario, async (fake) => {
      const connection = secretConnection(scenario);
      connection.data = connectionData(scenario, { environment: "AzureUSGovernment" });
      const run = await runTask(fake, connection, { ...REGISTRY, checks: "credential" });
      expect(run.report).toBeDefined();
      const tokenHosts = new Set(
        fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/token")).map((r) => r.host),
      );
      expect(tokenHosts).toEqual(new Set(["login.microsoftonline.us"]));
    });
  });

  it("takes an Azure Stack connection's own ARM, authority and Graph endpoints", async () => {
    const scenario = healthyVariant();
    await withFake(scenario, async (fake) => {
      const connection = secretConnection(scenario);
      // Hosts the fake plays stand in for a stack's own endpoints.
      connection.url = "https://management.usgovcloudapi.net/";
      connection.data = connectionData(scenario, {
        environment: "AzureStack",
        activeDirectoryAuthority: "https://login.microsoftonline.us/",
        graphUrl: "https://graph.microsoft.us/",
      });
      const run = await runTask(fake, connection, {
        ...REGISTRY,
        checks: "credential,registry,sp-secret-expiry",
      });
      expect(run.result).toBe("Succeeded");
      const hosts = new Set(fake.requests.map((r) => r.host));
      expect(hosts).toContain("login.microsoftonline.us");
      expect(hosts).toContain("management.usgovcloudapi.net");
      expect(hosts).toContain("graph.microsoft.us");
      for (const publicHost of ["login.microsoftonline.com", "management.azure.com", "graph.microsoft.com"])
        expect(hosts).not.toContain(publicHost);
    });
  });

  it("tells a self-hosted agent from a Microsoft-hosted one by Agent.IsSelfHosted", async () => {
    const scenario = healthyVariant();
    await withFake(scenario, async (fake) => {
      const run = await runTask(
        fake,
        secretConnection(scenario),
        { ...REGISTRY, checks: "credential" },
        {
          env: { AGENT_ISSELFHOSTED: "1" },
        },
      );
      expect(run.report?.context.runnerKind).toBe("self-hosted");
    });
  });

  describe("fail-on", () => {
    const adminEnabled = () =>
      healthyVariant(({ registry }) => {
        registry.properties = { ...registry.properties, adminUserEnabled: true };
        registry.adminPassword = "AdminPassw0rd-canary-4f1c";
      });

    it("error (default): only warnings leave the step SucceededWithIssues", async () => {
      const scenario = adminEnabled();
      await withFake(scenario, async (fake) => {
        const run = await runTask(fake, secretConnection(scenario), REGISTRY);
        expect(run.result).toBe("SucceededWithIssues");
        expect(run.outputs.result).toBe("warning");
        expect(run.outputs.errorCount).toBe("0");
        expect(issuesOfCheck(run, "admin-user", "warning")).not.toEqual([]);
        expect(run.logIssues.filter((i) => i.type === "error")).toEqual([]);
        expectNothingLeaked(fake, run, ["AdminPassw0rd-canary-4f1c"]);
      });
    });

    it("warning: the same warnings fail the step", async () => {
      const scenario = adminEnabled();
      await withFake(scenario, async (fake) => {
        const run = await runTask(fake, secretConnection(scenario), { ...REGISTRY, failOn: "warning" });
        expect(run.result).toBe("Failed");
        expect(run.resultIssues).toEqual([
          { type: "error", message: expect.stringMatching(/\(fail-on: warning\)/) as unknown as string },
        ]);
      });
    });

    it("never: errors are issues but the step does not fail", async () => {
      const scenario = healthyVariant(({ setRoles, registryId }) =>
        setRoles([{ scope: registryId, role: "Reader" }]),
      );
      await withFake(scenario, async (fake) => {
        const run = await runTask(fake, secretConnection(scenario), { ...REGISTRY, failOn: "never" });
        expect(run.result).toBe("SucceededWithIssues");
        expect(run.outputs.result).toBe("error");
        expect(issuesOfCheck(run, "role-scope")).not.toEqual([]);
      });
    });
  });

  it("ends a bad input with one clear line, no stack trace and no request", async () => {
    const scenario = healthyVariant();
    await withFake(scenario, async (fake) => {
      const run = await runTask(fake, secretConnection(scenario), { ...REGISTRY, jobDuration: "90 minutes" });
      const line = "job-duration: '90 minutes' is not a duration; use 90m, 2h or 1h30m";
      expect(run.result).toBe("Failed");
      expect(run.resultIssues).toEqual([{ type: "error", message: line }]);
      expect(run.logIssues).toEqual([]);
      expect(run.outputs).toEqual({});
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at /m);
      expect(fake.requests).toEqual([]);
      expectNothingLeaked(fake, run, [jobPrincipal(scenario).secrets?.[0]?.value ?? ""]);
    });
  });

  it("prints skipped checks as plain lines, not issues (Azure Pipelines has no notice issues)", async () => {
    const scenario = healthyVariant();
    await withFake(scenario, async (fake) => {
      const run = await runTask(fake, secretConnection(scenario), REGISTRY);
      const skipped = run.report?.registries[0]?.checks.filter((c) => c.status === "skipped") ?? [];
      expect(skipped.map((c) => c.id)).toEqual(expect.arrayContaining(["images", "repository-token"]));
      for (const check of skipped) {
        expect(run.plainLines.filter((l) => l.startsWith(`${check.id}:`))).toHaveLength(1);
      }
      expect(run.logIssues).toEqual([]);
    });
  });
});
