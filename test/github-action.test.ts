import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Report } from "../src/core/report/types.js";
import { AGENT_VM_IDENTITY, healthyVariant, managedIdentityVariant } from "./checks/healthy-variant.js";
import { startFakeAzure, type FakeAzure } from "./fake-azure/index.js";
import type { Principal, Scenario } from "./fake-azure/scenario.js";
import { checkOf, fakeEnv, inputEnv, REPO_ROOT, runNode } from "./support/cli.js";
import { decodeJwtClaims } from "../src/core/azure/jwt.js";

/** The action.yml defaults the runner turns into INPUT_* variables for inputs the workflow leaves out. */
const ACTION_DEFAULTS = Object.entries(
  (
    parse(readFileSync(path.join(REPO_ROOT, "action.yml"), "utf8")) as {
      inputs: Record<string, { default?: string }>;
    }
  ).inputs,
).flatMap(([name, input]) => (input.default === undefined ? [] : [[name, String(input.default)] as const]));

interface Annotation {
  kind: "error" | "warning" | "notice";
  title?: string;
  message: string;
}

interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  annotations: Annotation[];
  /** Values the step asked the runner to mask (`::add-mask::`). */
  masked: string[];
  runnerTemp: string;
  report?: Report;
  /** Every text a user could read: the log minus the mask commands, outputs, summary and report files. */
  visible: string;
}

/** Runs `node dist/index.js` the way the runner does, against the fake. */
async function runAction(
  fake: FakeAzure,
  inputs: Record<string, string>,
  options: { idToken?: boolean; env?: Record<string, string> } = {},
): Promise<ActionRun> {
  const runnerTemp = await mkdtemp(path.join(tmpdir(), "runner-temp-"));
  const outputFile = path.join(runnerTemp, "github_output");
  const summaryFile = path.join(runnerTemp, "step_summary");
  await Promise.all([writeFile(outputFile, ""), writeFile(summaryFile, "")]);
  const env = fakeEnv(fake, {
    ...inputEnv(Object.fromEntries(ACTION_DEFAULTS)),
    ...inputEnv(inputs),
    GITHUB_ACTIONS: "true",
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp,
    RUNNER_ENVIRONMENT: "github-hosted",
    ...options.env,
  });
  // A workflow that signs in with a secret is one without `id-token: write`, unless a test says otherwise.
  const idToken = options.idToken ?? !(inputs["client-secret"] || inputs.creds);
  if (!idToken) {
    delete env.ACTIONS_ID_TOKEN_REQUEST_URL;
    delete env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  }
  const result = await runNode(["dist/index.js"], env);
  const outputs = parseOutputFile(await readFile(outputFile, "utf8"));
  const summary = await readFile(summaryFile, "utf8");
  const reportPath = outputs["report-path"];
  const reportFiles = reportPath
    ? await Promise.all(
        ["report.json", "report.md", "report.sarif"].map((f) =>
          readFile(path.join(path.dirname(reportPath), f), "utf8"),
        ),
      )
    : [];
  const logLines = result.stdout.split("\n");
  return {
    ...result,
    outputs,
    summary,
    annotations: logLines.flatMap(parseAnnotation),
    masked: logLines.filter((l) => l.startsWith("::add-mask::")).map((l) => l.slice("::add-mask::".length)),
    runnerTemp,
    ...(reportFiles[0] ? { report: JSON.parse(reportFiles[0]) as Report } : {}),
    visible: [
      logLines.filter((l) => !l.startsWith("::add-mask::")).join("\n"),
      result.stderr,
      JSON.stringify(outputs),
      summary,
      ...reportFiles,
    ].join("\n"),
  };
}

/** GITHUB_OUTPUT's `name<<delimiter` … `delimiter` blocks. */
function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const block = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const [, name, , value] of text.matchAll(block)) outputs[name as string] = value as string;
  return outputs;
}

function unescapeCommand(text: string): string {
  return text
    .replace(/%0D/g, "\r")
    .replace(/%0A/g, "\n")
    .replace(/%3A/g, ":")
    .replace(/%2C/g, ",")
    .replace(/%25/g, "%");
}

function parseAnnotation(line: string): Annotation[] {
  const match = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!match) return [];
  const [, kind, properties = "", message = ""] = match;
  const title = /(?:^|,)title=([^,]*)/.exec(properties)?.[1];
  return [
    {
      kind: kind as Annotation["kind"],
      ...(title ? { title: unescapeCommand(title) } : {}),
      message: unescapeCommand(message),
    },
  ];
}

async function withFake<T>(scenario: Scenario, body: (fake: FakeAzure) => Promise<T>): Promise<T> {
  const fake = await startFakeAzure({ scenario });
  try {
    return await body(fake);
  } finally {
    await fake.close();
  }
}

function jobPrincipal(scenario: Scenario): Principal {
  return scenario.principals[0] as Principal;
}

/** The inputs of a workflow signing in like azure/login; OIDC unless a secret is passed. */
function signIn(scenario: Scenario, how: "oidc" | "secret"): Record<string, string> {
  const principal = jobPrincipal(scenario);
  return {
    "client-id": principal.clientId,
    "tenant-id": scenario.tenantId,
    ...(how === "secret" ? { "client-secret": principal.secrets?.[0]?.value ?? "" } : {}),
  };
}

const REGISTRY = { registry: "contosoacr", operations: "pull,push" };

/** The job's identity can read the registry but holds no role that grants push. */
function readerOnly(): Scenario {
  return healthyVariant(({ setRoles, registryId }) => setRoles([{ scope: registryId, role: "Reader" }]));
}

function expectNothingLeaked(fake: FakeAzure, run: ActionRun): void {
  const leaked = fake.issuedTokens().filter((token) => run.visible.includes(token));
  expect(leaked).toEqual([]);
}

function errorsTitled(run: ActionRun, check: string): Annotation[] {
  return run.annotations.filter((a) => a.kind === "error" && a.title?.startsWith(`${check}:`));
}

describe("GitHub Action (node dist/index.js as the runner starts it)", () => {
  it("passes a healthy registry with a client secret: outputs, summary = report.md, no annotations", async () => {
    const scenario = healthyVariant();
    await withFake(scenario, async (fake) => {
      const run = await runAction(fake, { ...REGISTRY, ...signIn(scenario, "secret") });
      expect(run.code).toBe(0);
      const reportDir = path.join(run.runnerTemp, "acr-preflight");
      expect(run.outputs).toEqual({
        result: "pass",
        "error-count": "0",
        "warning-count": "0",
        "report-path": path.join(reportDir, "report.json"),
        "sarif-path": path.join(reportDir, "report.sarif"),
      });
      expect(existsSync(run.outputs["sarif-path"] as string)).toBe(true);
      expect(run.summary).toBe(await readFile(path.join(reportDir, "report.md"), "utf8"));
      expect(run.annotations.filter((a) => a.kind !== "notice")).toEqual([]);
      expect(run.report?.context).toMatchObject({
        surface: "github",
        runnerKind: "github-hosted",
        principal: { authType: "secret" },
        operations: ["pull", "push"],
      });
      expect(run.masked).toContain(jobPrincipal(scenario).secrets?.[0]?.value);
      // Every Entra token is masked as it arrives, the ones the SDK's pipelines ask for (Graph) too.
      const entraTokens = fake
        .issuedTokens()
        .filter((token) => /^https:\/\/(management|graph)\./.test(String(decodeJwtClaims(token)?.aud)));
      expect(entraTokens.some((token) => String(decodeJwtClaims(token)?.aud).includes("graph"))).toBe(true);
      for (const token of entraTokens) expect(run.masked).toContain(token);
      expectNothingLeaked(fake, run);
    });
  });

  it("passes with OIDC, presenting a fresh GitHub ID token to every Entra token request", async () => {
    const scenario = healthyVariant();
    await withFake(scenario, async (fake) => {
      const run = await runAction(fake, { ...REGISTRY, ...signIn(scenario, "oidc") });
      expect(run.code).toBe(0);
      expect(run.outputs.result).toBe("pass");
      expect(run.report?.context.principal?.authType).toBe("oidc");
      const secretExpiry = run.report?.registries[0]?.checks.find((c) => c.id === "sp-secret-expiry");
      expect(secretExpiry).toMatchObject({ status: "pass", findings: [{ code: "NO_SECRET_TO_EXPIRE" }] });
      const idTokenRequests = fake.requests.filter((r) => r.host === "token.actions.githubusercontent.com");
      expect(idTokenRequests.map((r) => r.query.audience)).toContain("api://AzureADTokenExchange");
      const assertions = fake.requests
        .filter((r) => r.host === "login.microsoftonline.com" && r.method === "POST")
        .map((r) => new URLSearchParams(r.body ?? "").get("client_assertion"));
      expect(assertions.length).toBeGreaterThan(1);
      expect(assertions.every(Boolean)).toBe(true);
      expect(new Set(assertions).size).toBe(assertions.length);
      for (const assertion of assertions) expect(run.masked).toContain(assertion);
      expectNothingLeaked(fake, run);
    });
  });

  it("auto prefers OIDC over a client secret when the job offers an ID token (SPEC order)", async () => {
    const scenario = healthyVariant();
    await withFake(scenario, async (fake) => {
      const run = await runAction(fake, { ...REGISTRY, ...signIn(scenario, "secret") }, { idToken: true });
      expect(run.code).toBe(0);
      expect(run.report?.context.principal?.authType).toBe("oidc");
      const tokenForms = fake.requests
        .filter((r) => r.host === "login.microsoftonline.com" && r.method === "POST")
        .map((r) => new URLSearchParams(r.body ?? ""));
      expect(tokenForms.some((form) => form.has("client_secret"))).toBe(false);
      expect(run.masked).toContain(jobPrincipal(scenario).secrets?.[0]?.value);
    });
  });

  it("signs in as a self-hosted runner VM's managed identity with auth-type managed-identity", async () => {
    const scenario = managedIdentityVariant();
    await withFake(scenario, async (fake) => {
      const run = await runAction(
        fake,
        { ...REGISTRY, "auth-type": "managed-identity" },
        { idToken: false, env: { RUNNER_ENVIRONMENT: "self-hosted" } },
      );
      expect(run.code).toBe(0);
      expect(run.outputs.result).toBe("pass");
      expect(run.report?.context).toMatchObject({
        runnerKind: "self-hosted",
        principal: { authType: "managed-identity", appId: AGENT_VM_IDENTITY.clientId },
      });
      expect(fake.requests.some((r) => r.host === "169.254.169.254" && r.status === 200)).toBe(true);
      expectNothingLeaked(fake, run);
    });
  });

  it("fails on an expired client secret with an error annotation naming the credential check", async () => {
    const scenario = healthyVariant(({ scenario: s }) => {
      const secret = jobPrincipal(s).secrets?.[0];
      if (secret) secret.endDateTime = "now-2d";
    });
    await withFake(scenario, async (fake) => {
      const run = await runAction(fake, { ...REGISTRY, ...signIn(scenario, "secret") });
      expect(run.code).toBe(1);
      expect(run.outputs.result).toBe("error");
      expect(Number(run.outputs["error-count"])).toBeGreaterThanOrEqual(1);
      const codes = run.report?.registries[0]?.checks.flatMap((c) => c.findings.map((f) => f.code));
      expect(codes).toEqual(expect.arrayContaining([expect.stringMatching(/^(CLIENT_)?SECRET_EXPIRED$/)]));
      expect(
        errorsTitled(run, "credential").length + errorsTitled(run, "sp-secret-expiry").length,
      ).toBeGreaterThan(0);
      expect(run.annotations[0]?.kind).toBe("error");
      expect(run.annotations.at(-1)?.message).toMatch(/fail-on: error/);
      expectNothingLeaked(fake, run);
    });
  });

  it("fails when the registry firewall blocks the runner's IP", async () => {
    const scenario = healthyVariant(({ registry }) => {
      registry.properties = {
        ...registry.properties,
        networkRuleSet: { defaultAction: "Deny", ipRules: [{ action: "Allow", value: "198.51.100.0/24" }] },
      };
    });
    await withFake(scenario, async (fake) => {
      const run = await runAction(fake, { ...REGISTRY, ...signIn(scenario, "oidc") });
      expect(run.code).toBe(1);
      expect(run.outputs.result).toBe("error");
      const finding = checkOf(run.report, "network-rules").findings.find(
        (f) => f.code === "RUNNER_IP_BLOCKED",
      );
      expect(finding?.remediation.join("\n")).toContain(scenario.runner.ip);
      expect(errorsTitled(run, "network-rules")).not.toEqual([]);
      expectNothingLeaked(fake, run);
    });
  });

  it("fails when the identity lacks the role to push, from both the RBAC and the data-plane view", async () => {
    const scenario = readerOnly();
    await withFake(scenario, async (fake) => {
      const run = await runAction(fake, {
        ...REGISTRY,
        repositories: "shop/api",
        ...signIn(scenario, "oidc"),
      });
      expect(run.code).toBe(1);
      expect(run.outputs.result).toBe("error");
      expect(checkOf(run.report, "role-scope").findings.map((f) => f.code)).toEqual([
        expect.stringMatching(/^ROLE_(MISSING|INSUFFICIENT)$/),
      ]);
      expect(checkOf(run.report, "data-plane-access").findings.map((f) => f.code)).toContain(
        "ACTION_NOT_GRANTED",
      );
      expect(errorsTitled(run, "role-scope")).not.toEqual([]);
      expect(errorsTitled(run, "data-plane-access")).not.toEqual([]);
      expect(Number(run.outputs["error-count"])).toBeGreaterThanOrEqual(2);
      expectNothingLeaked(fake, run);
    });
  });

  it("reports OIDC_TOKEN_UNAVAILABLE with the permission to add when the job has no id-token permission", async () => {
    const scenario = healthyVariant();
    await withFake(scenario, async (fake) => {
      const run = await runAction(fake, { ...REGISTRY, ...signIn(scenario, "oidc") }, { idToken: false });
      expect(run.code).toBe(1);
      expect(checkOf(run.report, "credential").findings.map((f) => f.code)).toEqual([
        "OIDC_TOKEN_UNAVAILABLE",
      ]);
      const [first] = errorsTitled(run, "credential");
      expect(first?.message).toContain("id-token: write");
      expectNothingLeaked(fake, run);
    });
  });

  it("retries a GitHub ID-token endpoint that stumbles, and reports one that refuses", async () => {
    const scenario = healthyVariant();
    const idTokenHost = "token.actions.githubusercontent.com";
    await withFake(scenario, async (fake) => {
      fake.addFault({ host: idTokenHost, kind: "status", status: 503, times: 2 });
      const retried = await runAction(fake, { ...REGISTRY, ...signIn(scenario, "oidc") });
      expect(retried.code).toBe(0);
      expect(fake.requests.filter((r) => r.host === idTokenHost && r.status === 503)).toHaveLength(2);

      fake.clearFaults();
      fake.addFault({ host: idTokenHost, kind: "status", status: 403 });
      const refused = await runAction(fake, { ...REGISTRY, ...signIn(scenario, "oidc") });
      expect(refused.code).toBe(1);
      const credential = checkOf(refused.report, "credential");
      expect(credential.status).toBe("error");
      expect(credential.findings[0]?.message).toContain(`HTTP 403 from ${idTokenHost}`);
      expect(`${refused.stdout}${refused.stderr}`).not.toMatch(/^\s+at /m);
      expectNothingLeaked(fake, refused);
    });
  });

  it("fails fast with one line when auth-type oidc is asked for without an ID token", async () => {
    const scenario = healthyVariant();
    await withFake(scenario, async (fake) => {
      const run = await runAction(
        fake,
        { ...REGISTRY, ...signIn(scenario, "oidc"), "auth-type": "oidc" },
        { idToken: false },
      );
      expect(run.code).toBe(1);
      expect(run.annotations).toEqual([
        { kind: "error", message: expect.stringContaining("add `permissions: id-token: write`") },
      ]);
      expect(run.outputs).toEqual({});
      expect(fake.requests).toEqual([]);
    });
  });

  describe("fail-on", () => {
    const adminEnabled = () =>
      healthyVariant(({ registry }) => {
        registry.properties = { ...registry.properties, adminUserEnabled: true };
        registry.adminPassword = "AdminPassw0rd-canary-4f1c";
      });

    it("error (default): a warning result passes the step and is annotated as a warning", async () => {
      const scenario = adminEnabled();
      await withFake(scenario, async (fake) => {
        const run = await runAction(fake, { ...REGISTRY, ...signIn(scenario, "secret") });
        expect(run.code).toBe(0);
        expect(run.outputs.result).toBe("warning");
        expect(run.outputs["error-count"]).toBe("0");
        expect(Number(run.outputs["warning-count"])).toBeGreaterThanOrEqual(1);
        expect(run.annotations.filter((a) => a.kind === "warning").map((a) => a.title)).toContainEqual(
          expect.stringMatching(/^admin-user:/),
        );
        expectNothingLeaked(fake, run);
      });
    });

    it("warning: the same warning result fails the step with one reason line", async () => {
      const scenario = adminEnabled();
      await withFake(scenario, async (fake) => {
        const run = await runAction(fake, {
          ...REGISTRY,
          ...signIn(scenario, "secret"),
          "fail-on": "warning",
        });
        expect(run.code).toBe(1);
        expect(run.outputs.result).toBe("warning");
        const untitled = run.annotations.filter((a) => a.kind === "error" && !a.title);
        expect(untitled).toEqual([{ kind: "error", message: expect.stringMatching(/\(fail-on: warning\)/) }]);
      });
    });

    it("never: an error result still passes the step, with the outputs telling the result", async () => {
      const scenario = readerOnly();
      await withFake(scenario, async (fake) => {
        const run = await runAction(fake, { ...REGISTRY, ...signIn(scenario, "secret"), "fail-on": "never" });
        expect(run.code).toBe(0);
        expect(run.outputs.result).toBe("error");
        expect(run.annotations.some((a) => a.kind === "error" && a.title)).toBe(true);
        expect(run.annotations.some((a) => a.kind === "error" && !a.title)).toBe(false);
      });
    });
  });

  it("ends a bad input with one clear error line and no stack trace", async () => {
    const scenario = healthyVariant();
    await withFake(scenario, async (fake) => {
      const run = await runAction(fake, {
        ...REGISTRY,
        ...signIn(scenario, "secret"),
        "job-duration": "90 minutes",
      });
      expect(run.code).toBe(1);
      expect(run.annotations).toEqual([
        { kind: "error", message: "job-duration: '90 minutes' is not a duration; use 90m, 2h or 1h30m" },
      ]);
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at /m);
      expect(run.outputs).toEqual({});
      expect(fake.requests).toEqual([]);
      expectNothingLeaked(fake, run);
    });
  });

  it("keeps secrets out of creds errors and masks the creds secret", async () => {
    const scenario = healthyVariant();
    const principal = jobPrincipal(scenario);
    const secret = principal.secrets?.[0]?.value ?? "";
    await withFake(scenario, async (fake) => {
      const creds = JSON.stringify({
        clientId: principal.clientId,
        clientSecret: secret,
        tenantId: scenario.tenantId,
      });
      const good = await runAction(fake, { ...REGISTRY, creds });
      expect(good.code).toBe(0);
      expect(good.report?.context.principal?.authType).toBe("secret");
      expect(good.masked).toContain(secret);
      expectNothingLeaked(fake, good);

      const broken = await runAction(fake, { ...REGISTRY, creds: `${creds.slice(0, -1)},` });
      expect(broken.code).toBe(1);
      expect(broken.annotations).toEqual([
        { kind: "error", message: expect.stringMatching(/^creds: is not valid JSON/) },
      ]);
      expectNothingLeaked(fake, broken);
    });
  });
});
