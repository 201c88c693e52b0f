/**
 * `npm run bench [-- --runs 5 --latency 100 --scenario healthy,broken]`: how fast a full preflight
 * is against the project's fake Azure, and how much of its waiting overlaps. Every scenario runs
 * `--runs` times through the CLI process (and the bundled action, `node dist/index.js`, when dist/
 * exists) with no added latency and with `--latency` ms added to every request on every host.
 *
 * With L ms per request and R requests, a run that waited for them one after another would take at
 * least R × L; a concurrent one takes about (longest chain of dependent requests) × L. The table
 * shows both, so a new `await` in sequence shows up as a longer chain. Prints; never asserts
 * (test/performance.test.ts does). `--timeline` also prints when each request of the last slow
 * run began and ended, to find which request waits for which.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Report } from "../src/core/report/types.js";
import { startFakeAzure, type FakeAzure, type RecordedRequest } from "../test/fake-azure/index.js";
import { fakeEnv, REPO_ROOT, runNode } from "../test/support/cli.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    latency: { type: "string", default: "100" },
    scenario: { type: "string", default: "healthy,broken" },
    timeline: { type: "boolean", default: false },
  },
});
const RUNS = Number(values.runs);
const LATENCY_MS = Number(values.latency);
const SCENARIOS = String(values.scenario).split(",");

type Surface = "cli" | "action";

interface Sample {
  wallMs: number;
  durationMs: number;
  requests: number;
  /** Σ of every request's time at the fake: what a fully serial run would wait. */
  requestMsSum: number;
  /** Most requests that ran strictly one after another (each began after the previous was answered). */
  chain: number;
  checks: { id: string; durationMs: number }[];
  timeline: RecordedRequest[];
}

const surfaces: Surface[] = existsSync(path.join(REPO_ROOT, "dist/index.js")) ? ["cli", "action"] : ["cli"];

console.log(
  `acr-preflight bench: ${RUNS} runs per row, latency 0 and ${LATENCY_MS} ms on every request, ${process.version}\n`,
);
await printStartup();

for (const scenarioName of SCENARIOS) {
  const fake = await startFakeAzure({ scenario: scenarioName });
  try {
    for (const surface of surfaces) {
      const byLatency = new Map<number, Sample[]>();
      for (const latency of [0, LATENCY_MS]) {
        const samples: Sample[] = [];
        for (let i = 0; i < RUNS; i++) samples.push(await measure(fake, surface, latency));
        byLatency.set(latency, samples);
      }
      printScenario(scenarioName, surface, byLatency);
    }
  } finally {
    await fake.close();
  }
}

async function measure(fake: FakeAzure, surface: Surface, latencyMs: number): Promise<Sample> {
  fake.clearFaults();
  if (latencyMs > 0) fake.addFault({ host: "*", kind: "latency", ms: latencyMs });
  fake.requests.length = 0;
  const reportDir = await mkdtemp(path.join(tmpdir(), "acr-preflight-bench-"));
  const { args, env } =
    surface === "cli" ? cliInvocation(fake, reportDir) : actionInvocation(fake, reportDir);
  const started = performance.now();
  const result = await runNode(args, env, { timeoutMs: 120_000 });
  const wallMs = performance.now() - started;
  const report = await readFile(path.join(reportDir, "report.json"), "utf8").then(
    (text) => JSON.parse(text) as Report,
    () => {
      throw new Error(`${surface} wrote no report (exit ${result.code}): ${result.stderr.slice(0, 500)}`);
    },
  );
  return {
    wallMs,
    durationMs: report.durationMs,
    requests: fake.requests.length,
    requestMsSum: fake.requests.reduce((sum, r) => sum + (r.answeredAt - r.receivedAt), 0),
    chain: longestSequentialChain(fake.requests),
    checks: report.registries.flatMap((r) => r.checks.map((c) => ({ id: c.id, durationMs: c.durationMs }))),
    timeline: [...fake.requests],
  };
}

/** A job on a GitHub-hosted runner that pushes and deploys: every repository and one tag of each, so every check has work. */
function jobInputs(fake: FakeAzure): Record<string, string> {
  const registry = fake.scenario.registries[0];
  if (!registry) throw new Error("the scenario has no registry");
  const repositories = registry.repositories ?? [];
  const images = repositories.flatMap((r) => (r.tags?.[0] ? [`${r.name}:${r.tags[0].name}`] : []));
  return {
    registry: registry.name,
    operations: "pull,push",
    "job-duration": "90m",
    "expected-push-size": "2GiB",
    "runner-kind": "github-hosted",
    ...(repositories.length > 0 ? { repositories: repositories.map((r) => r.name).join(",") } : {}),
    ...(images.length > 0 ? { images: images.join(",") } : {}),
  };
}

function cliInvocation(fake: FakeAzure, reportDir: string) {
  const principal = fake.scenario.principals[0];
  const flags = Object.entries({ ...jobInputs(fake), "report-dir": reportDir }).flatMap(([k, v]) => [
    `--${k}`,
    v,
  ]);
  return {
    args: ["--import", "tsx", "src/cli/main.ts", ...flags],
    env: fakeEnv(fake, {
      AZURE_TENANT_ID: fake.scenario.tenantId,
      AZURE_CLIENT_ID: principal?.clientId ?? "",
      AZURE_CLIENT_SECRET: principal?.secrets?.[0]?.value ?? "",
    }),
  };
}

/** The action as the runner starts it: INPUT_* variables, signed in with its secret. */
function actionInvocation(fake: FakeAzure, reportDir: string) {
  const principal = fake.scenario.principals[0];
  const inputs: Record<string, string> = {
    ...jobInputs(fake),
    "report-dir": reportDir,
    "auth-type": "secret",
    "tenant-id": fake.scenario.tenantId,
    "client-id": principal?.clientId ?? "",
    "client-secret": principal?.secrets?.[0]?.value ?? "",
    "fail-on": "never",
  };
  const env = fakeEnv(fake, {
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    GITHUB_ACTIONS: "true",
    RUNNER_TEMP: reportDir,
    RUNNER_ENVIRONMENT: "github-hosted",
  });
  return { args: ["dist/index.js"], env };
}

/** Longest run of requests in which each began only after the one before it was answered. */
function longestSequentialChain(requests: RecordedRequest[]): number {
  const sorted = [...requests].sort((a, b) => a.receivedAt - b.receivedAt);
  const longestEndingAt: number[] = [];
  sorted.forEach((request, i) => {
    const before = sorted
      .slice(0, i)
      .flatMap((earlier, j) => (earlier.answeredAt <= request.receivedAt ? [j] : []));
    longestEndingAt.push(1 + Math.max(0, ...before.map((j) => longestEndingAt[j] ?? 0)));
  });
  return Math.max(0, ...longestEndingAt);
}

/** How much of a run's wall time is the process starting: bare node, then node + tsx + the CLI's imports. */
async function printStartup(): Promise<void> {
  const commands: [string, string[]][] = [
    ["node -e 0", ["-e", "0"]],
    ["node --import tsx src/cli/main.ts --version", ["--import", "tsx", "src/cli/main.ts", "--version"]],
  ];
  if (existsSync(path.join(REPO_ROOT, "lib/cli/main.js")))
    commands.push([
      "node bin/acr-preflight.js --version (lib/, as built)",
      ["bin/acr-preflight.js", "--version"],
    ]);
  const rows = [];
  for (const [label, args] of commands) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await runNode(args, { PATH: process.env.PATH ?? "" });
      times.push(performance.now() - started);
    }
    rows.push([label, ...spread(times)]);
  }
  printTable("Process start-up (ms)", ["command", "median", "min", "max"], rows);
}

function printScenario(scenario: string, surface: Surface, byLatency: Map<number, Sample[]>): void {
  const label = surface === "cli" ? "CLI (node --import tsx src/cli/main.ts)" : "action (node dist/index.js)";
  const rows = [...byLatency].map(([latency, samples]) => {
    const duration = median(samples.map((s) => s.durationMs));
    const requestMsSum = median(samples.map((s) => s.requestMsSum));
    // Without added latency requests are too short to overlap: chain and ratio would say nothing.
    const delayed = latency > 0;
    return [
      `${latency} ms`,
      spread(samples.map((s) => s.wallMs)).join(" / "),
      spread(samples.map((s) => s.durationMs)).join(" / "),
      median(samples.map((s) => s.wallMs - s.durationMs)),
      median(samples.map((s) => s.requests)),
      delayed ? median(samples.map((s) => s.chain)) : "-",
      requestMsSum,
      delayed ? `${Math.round((100 * duration) / requestMsSum)} %` : "-",
    ];
  });
  printTable(
    `${scenario} — ${label}`,
    [
      "added latency",
      "wall med/min/max",
      "durationMs med/min/max",
      "wall − durationMs",
      "requests",
      "longest chain",
      "Σ request ms (serial)",
      "durationMs / Σ",
    ],
    rows,
  );
  const plain = median((byLatency.get(0) ?? []).map((s) => s.durationMs));
  const slow = byLatency.get(LATENCY_MS) ?? [];
  if (LATENCY_MS > 0) {
    const rounds = (median(slow.map((s) => s.durationMs)) - plain) / LATENCY_MS;
    console.log(
      `Dependent rounds from the latency it added: (durationMs at ${LATENCY_MS} ms − at 0) / ${LATENCY_MS} = ${rounds.toFixed(1)}`,
    );
  }
  const checkIds = [...new Set(slow.flatMap((s) => s.checks.map((c) => c.id)))];
  const slowest = checkIds
    .map(
      (id) =>
        [
          id,
          median(slow.flatMap((s) => s.checks.filter((c) => c.id === id).map((c) => c.durationMs))),
        ] as const,
    )
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5);
  console.log(
    `Slowest checks at ${LATENCY_MS} ms (median durationMs): ${slowest.map(([id, ms]) => `${id} ${ms}`).join(", ")}\n`,
  );
  if (values.timeline) printTimeline(slow.at(-1)?.timeline ?? []);
}

function printTimeline(requests: RecordedRequest[]): void {
  const origin = Math.min(...requests.map((r) => r.receivedAt));
  const sorted = [...requests].sort((a, b) => a.receivedAt - b.receivedAt);
  for (const r of sorted) {
    const span = `${Math.round(r.receivedAt - origin)}–${Math.round(r.answeredAt - origin)}`.padStart(11);
    console.log(
      `${span} ms  ${String(r.status).padStart(3)} ${r.method.padEnd(4)} ${r.host}${shortPath(r.path)}`,
    );
  }
  console.log();
}

/** ARM paths without the subscription and resource group, which say nothing about timing. */
function shortPath(requestPath: string): string {
  return requestPath
    .replace(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\//i, "/…/")
    .slice(0, 110);
}

function spread(values: number[]): number[] {
  return [median(values), Math.round(Math.min(...values)), Math.round(Math.max(...values))];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return Math.round(value);
}

function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(title);
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of cells.slice(1)) console.log(line(r));
  console.log();
}
