/**
 * `npm run demo [-- --scenario NAME]`: a full preflight against the project's fake Azure, no Azure
 * account needed. The default scenario, `broken`, is a realistic broken registry: the job's service
 * principal has a secret about to expire and too little RBAC to push, and the registry firewall
 * does not allow the runner's IP (and more: the scenario's description is printed first).
 * `--scenario healthy` shows a clean run.
 *
 * The fake runs in this process; the CLI runs as its own process (as on a runner), because Node
 * reads NODE_EXTRA_CA_CERTS (the fake's CA) only at start-up.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { startFakeAzure } from "../test/fake-azure/index.js";

const REPO_ROOT = path.resolve(import.meta.dirname, "..");

const { values } = parseArgs({ options: { scenario: { type: "string", default: "broken" } } });
// A name under test/scenarios/ (healthy, broken, or a check's own scenario) or a path to one.
const fake = await startFakeAzure({ scenario: values.scenario as string }).catch(async (error: Error) => {
  const names = (await readdir(path.join(REPO_ROOT, "test/scenarios"))).map((f) => f.replace(/\.json$/, ""));
  console.error(
    `demo: cannot start scenario '${values.scenario}' (${error.message}); use one of ${names.join(", ")}`,
  );
  process.exit(2);
});
try {
  const { scenario } = fake;
  const principal = scenario.principals[0];
  const secret = principal?.secrets?.[0]?.value;
  const registry = scenario.registries[0];
  if (!principal || !secret || !registry)
    throw new Error(`scenario '${values.scenario}' has no principal with a secret or no registry`);
  const repository = registry.repositories?.[0]?.name ?? "demo/app";
  const reportDir = await mkdtemp(path.join(tmpdir(), "acr-preflight-demo-"));

  console.log(`Scenario '${values.scenario}': ${scenario.description}\n`);
  const args = [
    ...["--import", "tsx", "src/cli/main.ts"],
    ...["--registry", registry.name, "--operations", "pull,push", "--repositories", repository],
    ...["--job-duration", "90m", "--expected-push-size", "2GiB", "--report-dir", reportDir],
  ];
  const env = {
    ...process.env,
    ...fake.env(),
    AZURE_TENANT_ID: scenario.tenantId,
    AZURE_CLIENT_ID: principal.clientId,
    AZURE_CLIENT_SECRET: secret,
  };
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: "inherit" });
    child.on("error", reject);
    child.on("close", resolve);
  });
  console.log(
    `\nThe CLI exited with ${code} (0 passed, 1 failed by fail-on, 2 bad input); the reports are in ${reportDir}.`,
  );
} finally {
  await fake.close();
}
