import { allFindingCodes } from "../checks/codes.js";
import { IMPLEMENTED_CHECKS } from "../checks/index.js";
import { SKIP_CODES } from "../checks/skip-codes.js";
import type { CheckReport, Finding, RegistryReport, Report, Severity } from "./types.js";

/**
 * Run-wide checks (the identity, its credentials) are decided once per run and the orchestrator
 * copies their result into every registry; so is the notice of a check this version lacks.
 */
export function isRunWide(check: CheckReport): boolean {
  const implemented = IMPLEMENTED_CHECKS.find((c) => c.id === check.id);
  if (implemented) return implemented.scope === "run";
  return check.findings.some((f) => f.code === SKIP_CODES.CHECK_NOT_AVAILABLE.code);
}

/** Checks as the human-facing outputs list them: a run-wide check once, not once per registry. */
export interface CheckGroup {
  /** undefined: the run-wide checks of a report with several registries. */
  registry?: RegistryReport;
  checks: CheckReport[];
}

export function checkGroups(report: Report): CheckGroup[] {
  if (report.registries.length <= 1) return report.registries.map((r) => ({ registry: r, checks: r.checks }));
  const runWide = new Map<string, CheckReport>();
  for (const registry of report.registries)
    for (const check of registry.checks)
      if (isRunWide(check) && !runWide.has(check.id)) runWide.set(check.id, check);
  const groups: CheckGroup[] = [
    { checks: [...runWide.values()] },
    ...report.registries.map((registry) => ({
      registry,
      checks: registry.checks.filter((c) => !isRunWide(c)),
    })),
  ];
  return groups.filter((g) => g.checks.length > 0 || g.registry);
}

export function groupLabel(group: CheckGroup): string {
  return group.registry?.name ?? "all registries";
}

/** A finding the outputs report: one of a check that did not pass (error, warning or skipped). */
export interface ReportedFinding {
  registry?: RegistryReport;
  check: CheckReport;
  finding: Finding;
}

const SEVERITY_ORDER: readonly Severity[] = ["error", "warning", "notice"];

/** Findings of every check that did not pass, most severe first, report order otherwise. */
export function reportedFindings(report: Report): ReportedFinding[] {
  const findings = checkGroups(report).flatMap((group) =>
    group.checks
      .filter((check) => check.status !== "pass")
      .flatMap((check) => check.findings.map((finding) => ({ registry: group.registry, check, finding }))),
  );
  const rank = (entry: ReportedFinding) => SEVERITY_ORDER.indexOf(entry.finding.severity);
  return findings.sort((a, b) => rank(a) - rank(b)); // Array.prototype.sort is stable
}

/**
 * Findings that one fix resolves, shown as one cause: the firewall that refuses the runner is seen
 * by reachability, network-rules and data-plane-access, and `az acr network-rule add` fixes all
 * three. Findings group when their first remediation step is the same command on the same
 * registry; `lead` is the most severe of them, the first in check order.
 */
export interface RootCause {
  lead: ReportedFinding;
  /** The other findings the lead's fix resolves. */
  alsoFoundBy: ReportedFinding[];
}

/** The causes to fix in a report: its findings of checks that ran and did not pass, grouped. */
export function rootCauses(report: Report): RootCause[] {
  const causes: RootCause[] = [];
  const byFix = new Map<string, RootCause>();
  for (const entry of reportedFindings(report).filter((f) => f.check.status !== "skipped")) {
    const fix = entry.finding.remediation[0];
    const key = fix && isCommand(fix) ? `${entry.registry?.name ?? ""}\n${fix}` : undefined;
    const known = key === undefined ? undefined : byFix.get(key);
    if (known) {
      known.alsoFoundBy.push(entry);
      continue;
    }
    const cause: RootCause = { lead: entry, alsoFoundBy: [] };
    causes.push(cause);
    if (key !== undefined) byFix.set(key, cause);
  }
  return causes;
}

/** The ids of the checks that found a cause, lead first. */
export function causeChecks(cause: RootCause): string[] {
  return [...new Set([cause.lead, ...cause.alsoFoundBy].map((e) => e.check.id))];
}

/** What the finding's code says is wrong; the check's title for a code this version does not define. */
export function findingTitle({ check, finding }: ReportedFinding): string {
  return allFindingCodes().find((c) => c.code === finding.code)?.title ?? check.title;
}

/** The check's title, unless it is only the orchestrator's "<id>: passed". */
export function informativeTitle(check: CheckReport): string | undefined {
  return check.title === `${check.id}: passed` ? undefined : check.title;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

const COMMANDS =
  /^(az|azcopy|kubectl|kubelogin|docker|helm|oras|notation|curl|wget|gh|git|nslookup|dig|openssl|date|export|echo|npx|npm|pwsh|Connect-AzAccount|Get-Az\w+|Set-Az\w+|New-Az\w+)(\s|$)/;

/** Whether a remediation step is a shell command (shown as code) rather than an instruction in prose. */
export function isCommand(step: string): boolean {
  return COMMANDS.test(step);
}
