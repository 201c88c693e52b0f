import { summaryCounts } from "./annotations.js";
import {
  causeChecks,
  checkGroups,
  findingTitle,
  groupLabel,
  informativeTitle,
  isCommand,
  plural,
  rootCauses,
} from "./findings.js";
import type { CheckReport, Report, Status } from "./types.js";

export interface ConsoleOptions {
  /** ANSI colours; only when the output is a terminal or a CI log that renders them. */
  color: boolean;
  /** Report files to point at in the last lines. */
  paths?: { json: string; markdown: string; sarif: string };
}

const SYMBOL: Record<Status, string> = { pass: "✔", warning: "▲", error: "✖", skipped: "○" };
const ANSI = { red: 31, yellow: 33, green: 32, dim: 2, bold: 1 } as const;
const STATUS_COLOR: Record<Status, keyof typeof ANSI> = {
  pass: "green",
  warning: "yellow",
  error: "red",
  skipped: "dim",
};

/** The run as a terminal shows it: one block per registry, what failed and the commands that fix it. */
export function renderConsole(report: Report, options: ConsoleOptions): string {
  const paint = (style: keyof typeof ANSI, text: string) =>
    options.color ? `\u001b[${ANSI[style]}m${text}\u001b[0m` : text;
  const width = Math.max(0, ...report.registries.flatMap((r) => r.checks.map((c) => c.id.length)));
  const lines: string[] = [];

  for (const group of checkGroups(report)) {
    const server = group.registry?.loginServer ? ` (${group.registry.loginServer})` : "";
    lines.push(paint("bold", `${groupLabel(group)}${server}`));
    for (const check of group.checks) lines.push(...checkLines(check, width, paint));
    lines.push("");
  }

  const counts = summaryCounts(report);
  const result = `result: ${report.result} (${plural(counts.errors, "error")}, ${plural(counts.warnings, "warning")})`;
  lines.push(
    paint(report.result === "pass" ? "green" : report.result === "warning" ? "yellow" : "red", result),
  );
  lines.push(...causeLines(report, paint));
  if (options.paths) {
    lines.push(
      `report: ${options.paths.json}`,
      `summary: ${options.paths.markdown}`,
      `sarif: ${options.paths.sarif}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The causes to fix, most severe first, each with the checks that saw it and its first step. */
function causeLines(report: Report, paint: (style: keyof typeof ANSI, text: string) => string): string[] {
  const causes = rootCauses(report);
  if (causes.length === 0) return [];
  const several = report.registries.length > 1;
  return [
    `${plural(causes.length, "cause")} to fix:`,
    ...causes.flatMap((cause, i) => {
      const { lead } = cause;
      const status = lead.finding.severity === "error" ? "error" : "warning";
      const where = several && lead.registry ? ` on ${lead.registry.name}` : "";
      const fix = lead.finding.remediation[0];
      return [
        `  ${i + 1}. ${paint(STATUS_COLOR[status], SYMBOL[status])} ${findingTitle(lead)}${where} (${causeChecks(cause).join(", ")})`,
        ...(fix
          ? fix.split("\n").map((line, n) => `     ${n === 0 && isCommand(fix) ? "$ " : "  "}${line}`)
          : []),
      ];
    }),
  ];
}

function checkLines(
  check: CheckReport,
  width: number,
  paint: (style: keyof typeof ANSI, text: string) => string,
): string[] {
  const head = `  ${paint(STATUS_COLOR[check.status], SYMBOL[check.status])} ${check.id.padEnd(width)}  ${informativeTitle(check) ?? "passed"}`;
  if (check.status === "pass") return [head];
  return [
    head,
    ...check.findings.flatMap((finding) => [
      `      ${paint("dim", `${finding.code}:`)} ${finding.message}`,
      ...finding.remediation.flatMap((step) =>
        step.split("\n").map((line, i) => `        ${i === 0 && isCommand(step) ? "$ " : "  "}${line}`),
      ),
    ]),
  ];
}
