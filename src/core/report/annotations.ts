import type { ReportedFinding } from "./findings.js";
import { findingTitle, reportedFindings } from "./findings.js";
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
