import type { Annotation } from "../core/report/annotations.js";
import { plural } from "../core/report/findings.js";

/** The agent keeps the first 10 errors and 10 warnings of a step as issues (`_maxIssueCount`, ExecutionContext.cs). */
export const ISSUES_PER_TYPE = 10;

export type Issue = Pick<Annotation, "severity" | "title" | "message" | "code">;

/**
 * At most ISSUES_PER_TYPE per severity, less the slots `reserved` for the task result's own issue
 * (setResult logs Failed as an error, SucceededWithIssues as a warning); when more, the last slot
 * says how many more the summary holds.
 */
export function withinIssueCap(
  annotations: readonly Annotation[],
  reserved: Partial<Record<Issue["severity"], number>> = {},
): Issue[] {
  const severities = [...new Set(annotations.map((a) => a.severity))];
  return severities.flatMap((severity): Issue[] => {
    const group = annotations.filter((a) => a.severity === severity);
    const slots = ISSUES_PER_TYPE - (reserved[severity] ?? 0);
    if (group.length <= slots) return group;
    const shown = group.slice(0, slots - 1);
    const hidden = group.slice(shown.length);
    const checks = [...new Set(hidden.map((a) => a.check))].join(", ");
    return [
      ...shown,
      {
        severity,
        title: `acr-preflight: ${plural(hidden.length, `more ${severity}`)}`,
        message: `Azure Pipelines keeps ${ISSUES_PER_TYPE} ${severity} issues per step; the other ${hidden.length} (${checks}) are in the summary on the Extensions tab of the run and in report.sarif.`,
        code: "MORE_FINDINGS",
      },
    ];
  });
}
