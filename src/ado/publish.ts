import * as tl from "azure-pipelines-task-lib/task.js";
import type { PreflightResult } from "../core/preflight.js";
import { annotationsOf, summaryCounts } from "../core/report/annotations.js";
import { plural } from "../core/report/findings.js";
import { withinIssueCap } from "./issues.js";

/** Issues, summary tab, output variables and result of a finished run, the Azure DevOps way. */
export function publish(result: PreflightResult): void {
  const { report, files } = result;
  const annotations = annotationsOf(report);
  const outcome = outcomeOf(result);
  const reserved = {
    error: outcome === "Failed" ? 1 : 0,
    warning: outcome === "SucceededWithIssues" ? 1 : 0,
  };
  for (const issue of withinIssueCap(
    annotations.filter((a) => a.severity !== "notice"),
    reserved,
  )) {
    const type = issue.severity === "error" ? tl.IssueType.Error : tl.IssueType.Warning;
    tl.logIssue(type, `${issue.title}: ${issue.message}`, undefined, undefined, undefined, issue.code);
  }
  // Azure Pipelines has no notice issues: skipped checks are plain log lines.
  for (const notice of annotations.filter((a) => a.severity === "notice")) {
    console.log(`${notice.title}: ${notice.message}`);
  }
  tl.uploadSummary(files.markdown);
  const counts = summaryCounts(report);
  const outputs = {
    result: report.result,
    errorCount: String(counts.errors),
    warningCount: String(counts.warnings),
    reportPath: files.json,
    sarifPath: files.sarif,
  };
  for (const [name, value] of Object.entries(outputs)) tl.setVariable(name, value, false, true);
  const found = `${plural(counts.errors, "error")} and ${plural(counts.warnings, "warning")}`;
  console.log(`acr-preflight: ${report.result} (${found}); report: ${files.json}`);
  const reasons: Record<Outcome, string> = {
    Failed: `acr-preflight found ${found} (fail-on: ${result.config.failOn}); see the summary on the Extensions tab of the run`,
    SucceededWithIssues: `acr-preflight found ${found}; not failing the step (fail-on: ${result.config.failOn})`,
    Succeeded: "acr-preflight: every check passed",
  };
  tl.setResult(tl.TaskResult[outcome], reasons[outcome]);
}

type Outcome = "Failed" | "SucceededWithIssues" | "Succeeded";

/** Failed per `fail-on`; findings that do not fail the step still mark it SucceededWithIssues. */
function outcomeOf(result: PreflightResult): Outcome {
  if (result.failed) return "Failed";
  return result.report.result === "pass" ? "Succeeded" : "SucceededWithIssues";
}
