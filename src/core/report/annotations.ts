import type { ReportedFinding } from "./findings.js";
import { findingTitle, plural, reportedFindings } from "./findings.js";
import type { Report, Severity } from "./types.js";

/** One line a CI platform shows on the run (GitHub `::error`, ADO `task.logissue`). */
export interface Annotation {
  severity: Severity;
  /** "<check id>: <what is wrong>", plus the registry when the report covers several. */
  title: string;
  /** The finding's message and its most direct fix. */
  message: string;
  /** The registry it is about; every registry's name, comma-separated, for a run-wide check. */
  registry: string;
  check: string;
  code: string;
}

/** Every finding of every check that did not pass (skipped notices included), most severe first. */
export function annotationsOf(report: Report): Annotation[] {
  const several = report.registries.length > 1;
  return reportedFindings(report).map((entry) => {
    const { check, finding } = entry;
    const fix = finding.remediation[0];
    return {
      severity: finding.severity,
      title: `${check.id}: ${findingTitle(entry)}${several && entry.registry ? ` (${entry.registry.name})` : ""}`,
      message: fix ? `${finding.message} Fix: ${fix}` : finding.message,
      registry: registriesOf(report, entry),
      check: check.id,
      code: finding.code,
    };
  });
}

/**
 * At most `limit` annotations per severity, less the slots `reserved` for lines the platform adds
 * itself (the step's own failure line); an overflowing severity spends its last slot on one
 * annotation saying how many more there are and of which checks, in the words of `overflow`.
 */
export function capPerSeverity(
  annotations: readonly Annotation[],
  limit: number,
  reserved: Partial<Record<Severity, number>>,
  overflow: (severity: Severity, hidden: number, checks: string) => string,
): Annotation[] {
  const severities = [...new Set(annotations.map((a) => a.severity))];
  return severities.flatMap((severity): Annotation[] => {
    const group = annotations.filter((a) => a.severity === severity);
    const slots = limit - (reserved[severity] ?? 0);
    if (group.length <= slots) return group;
    const shown = group.slice(0, slots - 1);
    const hidden = group.slice(shown.length);
    const checks = [...new Set(hidden.map((a) => a.check))].join(", ");
    return [
      ...shown,
      {
        severity,
        title: `acr-preflight: ${plural(hidden.length, `more ${severity}`)}`,
        message: overflow(severity, hidden.length, checks),
        registry: "",
        check: "acr-preflight",
        code: "MORE_FINDINGS",
      },
    ];
  });
}

function registriesOf(report: Report, entry: ReportedFinding): string {
  return entry.registry?.name ?? report.registries.map((r) => r.name).join(", ");
}

export interface SummaryCounts {
  errors: number;
  warnings: number;
  notices: number;
}

/**
 * The `error-count` / `warning-count` outputs: the number of FINDINGS of each severity (not of
 * checks), a run-wide finding counted once however many registries the run covers.
 */
export function summaryCounts(report: Report): SummaryCounts {
  const counts: SummaryCounts = { errors: 0, warnings: 0, notices: 0 };
  for (const { finding } of reportedFindings(report)) {
    if (finding.severity === "error") counts.errors++;
    else if (finding.severity === "warning") counts.warnings++;
    else counts.notices++;
  }
  return counts;
}
