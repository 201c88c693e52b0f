import { createAzureApis } from "./azure/apis.js";
import type { Check, CheckOutcome } from "./checks/check.js";
import { SkipCheck } from "./checks/check.js";
import { IMPLEMENTED_CHECKS } from "./checks/index.js";
import type { CheckId } from "./checks/ids.js";
import { SKIP_CODES } from "./checks/skip-codes.js";
import type { PreflightConfig, RegistryRef } from "./config/types.js";
import { principalFact } from "./context/entra-token.js";
import { discoverRegistries, registryIdentity } from "./context/registry-lookup.js";
import { runnerIpFact } from "./context/runner-ip.js";
import type { RegistryContext, RunContext, RunDeps } from "./context/scope.js";
import { createRegistryContext, createRunContext } from "./context/scope.js";
import type {
  CheckReport,
  Finding,
  RegistryReport,
  Report,
  Result,
  Severity,
  Status,
} from "./report/types.js";
import { TOOL_VERSION } from "./version.js";

export interface RunOptions {
  /** Longest one check may take before it is reported as skipped. */
  checkTimeoutMs?: number;
  /** Longest the whole run may take; every pending request is aborted then. */
  deadlineMs?: number;
  /** Checks to run instead of the built-in set (tests). */
  checks?: readonly Check[];
}

const REGISTRY_CONCURRENCY = 8;

export async function runPreflight(
  config: PreflightConfig,
  deps: RunDeps,
  options: RunOptions = {},
): Promise<Report> {
  const startedAt = deps.now();
  const started = performance.now();
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new Error("the run's deadline passed")),
    options.deadlineMs ?? 60_000,
  );
  try {
    const run = createRunContext(config, deps, createAzureApis(config, deps, deadline.signal));
    const checks = selectChecks(config, options.checks ?? IMPLEMENTED_CHECKS);
    const checkTimeoutMs = options.checkTimeoutMs ?? 30_000;
    const runScoped = new Map<CheckId, Promise<CheckReport>>();

    const registries = config.registries.length > 0 ? config.registries : await discoverRegistries(run);
    // Started with the checks, not after them: the runner IP may need a request no check makes.
    const context = reportContext(run, registries);
    const registryReports = await mapWithLimit(registries, REGISTRY_CONCURRENCY, async (ref) => {
      const ctx = createRegistryContext(run, ref);
      const reports = await Promise.all(
        checks.map((check) => {
          if (check.scope === "registry") return runCheck(check, ctx, checkTimeoutMs);
          let shared = runScoped.get(check.id);
          if (!shared) runScoped.set(check.id, (shared = runCheck(check, ctx, checkTimeoutMs)));
          return shared;
        }),
      );
      return registryReport(ctx, ref, reports);
    });
    const reportedContext = await context;

    return {
      schemaVersion: 1,
      tool: { name: "acr-preflight", version: TOOL_VERSION },
      mode: config.mode,
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - started),
      result: worstResult(registryReports.map((r) => r.result)),
      context: reportedContext,
      registries: registryReports,
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The checks this run executes: the user's list, or every check made for the mode. A check the
 * user asked for — by id, or by giving the input only it reads — that this version lacks is
 * reported as skipped, so nothing the user expects verified silently passes.
 */
function selectChecks(config: PreflightConfig, available: readonly Check[]): Check[] {
  const byId = new Map(available.map((c) => [c.id, c]));
  if (config.checks.explicit) return config.checks.ids.map((id) => byId.get(id) ?? notAvailable(id));
  const selected = available.filter((c) => c.modes.includes(config.mode) && config.checks.ids.includes(c.id));
  const missing = checksImpliedByInputs(config).filter(
    (id) => !byId.has(id) && config.checks.ids.includes(id),
  );
  return [...selected, ...missing.map(notAvailable)];
}

function checksImpliedByInputs(config: PreflightConfig): CheckId[] {
  return [
    ...(config.images.length > 0 || config.platform ? (["images"] as const) : []),
    ...(config.tokenName ? (["repository-token"] as const) : []),
    ...(config.aksCluster ? (["aks-pull"] as const) : []),
  ];
}

function notAvailable(id: CheckId): Check {
  return {
    id,
    scope: "run",
    modes: [],
    codes: {},
    run: async () => ({
      skipped: true,
      findings: [
        SKIP_CODES.CHECK_NOT_AVAILABLE.finding({
          message: `The check '${id}' is part of the acr-preflight contract but not available in ${TOOL_VERSION} yet; nothing was verified for it.`,
          evidence: { check: id },
        }),
      ],
    }),
  };
}

async function runCheck(check: Check, ctx: RegistryContext, timeoutMs: number): Promise<CheckReport> {
  const started = performance.now();
  let outcome: CheckOutcome;
  try {
    outcome = await withTimeout(check.run(ctx), timeoutMs);
  } catch (error) {
    outcome = skippedOutcome(error, timeoutMs);
  }
  const status = statusOf(outcome);
  return {
    id: check.id,
    status,
    title: titleOf(check, outcome),
    durationMs: Math.round(performance.now() - started),
    findings: [...outcome.findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]),
  };
}

class CheckTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function skippedOutcome(error: unknown, timeoutMs: number): CheckOutcome {
  if (error instanceof SkipCheck) {
    const code = {
      "not-applicable": SKIP_CODES.CHECK_NOT_APPLICABLE,
      permission: SKIP_CODES.PERMISSION_MISSING,
      prerequisite: SKIP_CODES.PREREQUISITE_FAILED,
    }[error.kind];
    return {
      skipped: true,
      findings: [
        code.finding({ message: error.message, remediation: error.remediation, evidence: error.evidence }),
      ],
    };
  }
  if (error instanceof CheckTimeout) {
    return {
      skipped: true,
      findings: [
        SKIP_CODES.CHECK_TIMED_OUT.finding({
          message: `The check did not finish within ${Math.round(timeoutMs / 1000)} s, so nothing was verified.`,
          evidence: { timeoutMs },
        }),
      ],
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    skipped: true,
    findings: [
      SKIP_CODES.CHECK_FAILED.finding({
        message: `The check could not finish: ${message}`,
        evidence: { error: message },
      }),
    ],
  };
}

const SEVERITY_RANK: Record<Severity, number> = { notice: 0, warning: 1, error: 2 };
const RESULT_RANK: Record<Result, number> = { pass: 0, warning: 1, error: 2 };

function statusOf(outcome: CheckOutcome): Status {
  if (outcome.skipped) return "skipped";
  const worst = worstSeverity(outcome.findings);
  return worst === "error" ? "error" : worst === "warning" ? "warning" : "pass";
}

function worstSeverity(findings: Finding[]): Severity {
  return findings.reduce<Severity>(
    (w, f) => (SEVERITY_RANK[f.severity] > SEVERITY_RANK[w] ? f.severity : w),
    "notice",
  );
}

function titleOf(check: Check, outcome: CheckOutcome): string {
  const top = [...outcome.findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity])[0];
  if (!top) return `${check.id}: passed`;
  const info = check.codes[top.code] ?? Object.values(SKIP_CODES).find((c) => c.code === top.code);
  return info?.title ?? top.code;
}

export function worstResult(results: Result[]): Result {
  return results.reduce<Result>((w, r) => (RESULT_RANK[r] > RESULT_RANK[w] ? r : w), "pass");
}

async function registryReport(
  ctx: RegistryContext,
  ref: RegistryRef,
  checks: CheckReport[],
): Promise<RegistryReport> {
  const identity = await registryIdentity(ctx);
  const result = worstResult(
    checks.map((c) => (c.status === "skipped" || c.status === "pass" ? "pass" : c.status)),
  );
  return { name: ref.name, ...identity, result, checks };
}

async function reportContext(run: RunContext, registries: RegistryRef[]): Promise<Report["context"]> {
  const [principal, runnerIp] = await Promise.all([
    run.get(principalFact).catch(() => undefined),
    registries[0] ? run.get(runnerIpFact).catch(() => undefined) : undefined,
  ]);
  return {
    surface: run.deps.surface,
    ...(run.config.runnerKind ? { runnerKind: run.config.runnerKind } : {}),
    ...(runnerIp?.ip ? { runnerIp: runnerIp.ip } : {}),
    ...(principal ? { principal: { ...principal, authType: run.deps.authType } } : {}),
    operations: run.config.operations,
    jobDurationMinutes: run.config.jobDurationMinutes,
  };
}

async function mapWithLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}
