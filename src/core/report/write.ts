import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { renderJson } from "./json.js";
import type { MarkdownOptions } from "./markdown.js";
import { renderMarkdown } from "./markdown.js";
import type { SarifOptions } from "./sarif.js";
import { renderSarif } from "./sarif.js";
import type { Report } from "./types.js";

export interface ReportFiles {
  json: string;
  markdown: string;
  sarif: string;
}

export interface WriteOptions {
  sarif?: SarifOptions;
  markdown?: MarkdownOptions;
}

/** Writes report.json, report.md and report.sarif into `dir` (created if needed); returns their absolute paths. */
export async function writeReports(
  report: Report,
  dir: string,
  options: WriteOptions = {},
): Promise<ReportFiles> {
  const root = path.resolve(dir);
  await mkdir(root, { recursive: true });
  const files: ReportFiles = {
    json: path.join(root, "report.json"),
    markdown: path.join(root, "report.md"),
    sarif: path.join(root, "report.sarif"),
  };
  await Promise.all([
    writeFile(files.json, renderJson(report)),
    writeFile(files.markdown, renderMarkdown(report, options.markdown)),
    writeFile(files.sarif, `${JSON.stringify(renderSarif(report, options.sarif), null, 2)}\n`),
  ]);
  return files;
}
