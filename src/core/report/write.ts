import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Report } from "./types.js";

// Minimal stand-in written by CONFIG-CLI until REPORTS lands the real renderers.
export async function writeReports(
  report: Report,
  dir: string,
): Promise<{ json: string; markdown: string; sarif: string }> {
  const root = path.resolve(dir);
  await mkdir(root, { recursive: true });
  const files = {
    json: path.join(root, "report.json"),
    markdown: path.join(root, "report.md"),
    sarif: path.join(root, "report.sarif"),
  };
  const sarif = { version: "2.1.0", runs: [{ tool: { driver: { name: "acr-preflight" } }, results: [] }] };
  await Promise.all([
    writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`),
    writeFile(files.markdown, `# acr-preflight: ${report.result}\n`),
    writeFile(files.sarif, `${JSON.stringify(sarif, null, 2)}\n`),
  ]);
  return files;
}
