import { readFile } from "node:fs/promises";
import * as core from "@actions/core";
import type { PreflightResult } from "../core/preflight.js";
import { annotationsOf, capPerSeverity, summaryCounts, type Annotation } from "../core/report/annotations.js";
import { plural } from "../core/report/findings.js";
import type { Severity } from "../core/report/types.js";

/** GitHub shows 10 error, 10 warning and 10 notice annotations per step (actions/toolkit docs/problem-matchers.md). */
export const ANNOTATIONS_PER_KIND = 10;

/** GitHub rejects a step summary over 1 MiB. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;

const ANNOTATE: Record<Severity, typeof core.error> = {
  error: core.error,
  warning: core.warning,
  notice: core.notice,
};

/** Annotations, job summary and outputs of a finished run; fails the step per `fail-on`. */
export async function publish(result: PreflightResult): Promise<void> {
  const { report, files } = result;
  // setFailed's reason is an error annotation too: keep a slot for it.
  const reserved = { error: result.failed ? 1 : 0 };
  for (const annotation of withinLimits(annotationsOf(report), reserved)) {
    ANNOTATE[annotation.severity](annotation.message, { title: annotation.title });
  }
  await writeSummary(files.markdown);
  const counts = summaryCounts(report);
  core.setOutput("result", report.result);
  core.setOutput("error-count", counts.errors);
  core.setOutput("warning-count", counts.warnings);
  core.setOutput("report-path", files.json);
  core.setOutput("sarif-path", files.sarif);
  core.info(
    `acr-preflight: ${report.result} (${plural(counts.errors, "error")}, ${plural(counts.warnings, "warning")}); report: ${files.json}`,
  );
  if (result.failed) {
    core.setFailed(
      `acr-preflight found ${plural(counts.errors, "error")} and ${plural(counts.warnings, "warning")} (fail-on: ${result.config.failOn}); see the job summary`,
    );
  }
}

/** At most ANNOTATIONS_PER_KIND per severity, less the slots `reserved` for annotations emitted later. */
export function withinLimits(
  annotations: readonly Annotation[],
  reserved: Partial<Record<Severity, number>> = {},
): Annotation[] {
  return capPerSeverity(
    annotations,
    ANNOTATIONS_PER_KIND,
    reserved,
    (severity, hidden, checks) =>
      `GitHub shows ${ANNOTATIONS_PER_KIND} ${severity} annotations per step; the other ${hidden} (${checks}) are in the job summary and report.sarif.`,
  );
}

/** The job summary is report.md itself, or a pointer to it when GitHub would reject its size. */
async function writeSummary(markdownPath: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.info(`GITHUB_STEP_SUMMARY is not set; the summary is in ${markdownPath}`);
    return;
  }
  const markdown = await readFile(markdownPath, "utf8");
  const fits = Buffer.byteLength(markdown) < SUMMARY_LIMIT_BYTES;
  await core.summary
    .addRaw(
      fits
        ? markdown
        : `The acr-preflight report (${Buffer.byteLength(markdown)} bytes) is over GitHub's 1 MiB summary limit; read ${markdownPath} or upload report.sarif.\n`,
    )
    .write();
}
