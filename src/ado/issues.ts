import { capPerSeverity, type Annotation } from "../core/report/annotations.js";
import type { Severity } from "../core/report/types.js";

/** The agent keeps the first 10 errors and 10 warnings of a step as issues (`_maxIssueCount`, ExecutionContext.cs). */
export const ISSUES_PER_TYPE = 10;

/**
 * At most ISSUES_PER_TYPE per severity, less the slots `reserved` for the task result's own issue
 * (setResult logs Failed as an error, SucceededWithIssues as a warning).
 */
export function withinIssueCap(
  annotations: readonly Annotation[],
  reserved: Partial<Record<Severity, number>> = {},
): Annotation[] {
  return capPerSeverity(
    annotations,
    ISSUES_PER_TYPE,
    reserved,
    (severity, hidden, checks) =>
      `Azure Pipelines keeps ${ISSUES_PER_TYPE} ${severity} issues per step; the other ${hidden} (${checks}) are in the summary on the Extensions tab of the run and in report.sarif.`,
  );
}
