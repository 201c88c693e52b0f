import { spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Report } from "../../src/core/report/types.js";
import type { FakeAzure } from "../fake-azure/index.js";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliResult extends ProcessResult {
  reportDir: string;
  /** report.json, when the run wrote one. */
  report?: Report;
}

/** Environment of a clean process pointed at the fake: no inherited Azure/GitHub/ADO variables. */
export function fakeEnv(fake: FakeAzure, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? tmpdir(),
    // The machine's own Docker configuration must not leak into the docker-config check's answer.
    DOCKER_CONFIG: path.join(tmpdir(), "acr-preflight-test-no-docker-config"),
    ...fake.env(),
    ...extra,
  };
}

/** Runs a node script as its own process (the way runners and agents do) and collects its output. */
export function runNode(
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs the CLI (from source, through tsx) against the fake, with the given flags and a fresh
 * report directory. Credentials default to the scenario's first principal's first secret via the
 * AZURE_* environment, as a CI job would set them.
 */
export async function runCli(
  fake: FakeAzure,
  args: string[],
  options: { env?: Record<string, string>; credentials?: "env" | "none" } = {},
): Promise<CliResult> {
  const reportDir = await mkdtemp(path.join(tmpdir(), "acr-preflight-report-"));
  const principal = fake.scenario.principals[0];
  const secret = principal?.secrets?.[0]?.value;
  const credentialEnv: Record<string, string> =
    (options.credentials ?? "env") === "env" && principal && secret
      ? {
          AZURE_TENANT_ID: fake.scenario.tenantId,
          AZURE_CLIENT_ID: principal.clientId,
          AZURE_CLIENT_SECRET: secret,
        }
      : {};
  const result = await runNode(
    ["--import", "tsx", "src/cli/main.ts", "--report-dir", reportDir, ...args],
    fakeEnv(fake, { ...credentialEnv, ...options.env }),
  );
  const report = await readFile(path.join(reportDir, "report.json"), "utf8").then(
    (text) => JSON.parse(text) as Report,
    () => undefined,
  );
  return { ...result, reportDir, ...(report ? { report } : {}) };
}

/** The report entry of one check of the first (or named) registry. */
export function checkOf(report: Report | undefined, id: string, registry?: string) {
  const reg = registry ? report?.registries.find((r) => r.name === registry) : report?.registries[0];
  const check = reg?.checks.find((c) => c.id === id);
  if (!check) throw new Error(`no '${id}' check in the report${report ? "" : " (no report was written)"}`);
  return check;
}

/**
 * The environment a runner or agent gives a JavaScript task for its inputs: `INPUT_` + the name
 * upper-cased, dashes kept (GitHub's `INPUT_JOB-DURATION`, Azure Pipelines' `INPUT_JOBDURATION`).
 */
export function inputEnv(inputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
  );
}
