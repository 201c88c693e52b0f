import type { CheckGroup, ReportedFinding, RootCause } from "./findings.js";
import {
  causeChecks,
  checkGroups,
  findingTitle,
  groupLabel,
  informativeTitle,
  isCommand,
  plural,
  reportedFindings,
  rootCauses,
} from "./findings.js";
import { summaryCounts } from "./annotations.js";
import type { CheckReport, Report, Result, Severity, Status } from "./types.js";

export interface MarkdownOptions {
  /** Largest summary written, in bytes; GitHub rejects a step summary over 1 MiB. */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 512 * 1024;
const CELL_MAX_CHARS = 200;
const EVIDENCE_MAX_CHARS = 2000;
const VERDICT_MAX_NAMES = 5;
const CAUSE_LIST_MAX = 20;

const STATUS_ICON: Record<Status, string> = { pass: "✅", warning: "⚠️", error: "❌", skipped: "⏭️" };
const SEVERITY_ICON: Record<Severity, string> = { error: "❌", warning: "⚠️", notice: "ℹ️" };

/**
 * report.md, also the GitHub job summary and the Azure Pipelines summary tab: the verdict, a table
 * of every check, then what to do about each finding. Cut to `maxBytes`, saying so.
 */
export function renderMarkdown(report: Report, options: MarkdownOptions = {}): string {
  const out = new SizedOutput(options.maxBytes ?? DEFAULT_MAX_BYTES);
  out.add(`${verdict(report)}\n\n${runLine(report)}\n`);
  out.add("\n| registry | check | status | finding |\n|---|---|---|---|\n");
  for (const group of checkGroups(report)) for (const check of group.checks) out.add(tableRow(group, check));

  const findings = reportedFindings(report);
  const causes = rootCauses(report);
  if (causes.length > 0) {
    out.add(`\n### What to fix: ${plural(causes.length, "cause")}\n\n`);
    out.add(causeList(report, causes));
    for (const cause of causes) out.add(causeDetails(report, cause));
  }
  const skipped = findings.filter((f) => f.check.status === "skipped");
  for (const [title, entries] of groupBy(skipped, (f) => findingTitle(f))) {
    out.add(`\n### ⏭️ ${escapeProse(title)}\n\n`);
    for (const entry of entries) out.add(skippedItem(report, entry));
  }
  return out.text();
}

function verdict(report: Report): string {
  const counts = summaryCounts(report);
  const found = [plural(counts.errors, "error"), plural(counts.warnings, "warning")].join(", ");
  const text: Record<Result, string> = {
    error: `failed: ${found}`,
    warning: `passed with warnings: ${found}`,
    pass: "passed",
  };
  const names = report.registries.map((r) => `\`${r.name}\``);
  const shown = names.length > VERDICT_MAX_NAMES ? [...names.slice(0, 3), `${names.length - 3} more`] : names;
  const registries = shown.join(", ") || "no registry";
  return `## ${STATUS_ICON[report.result]} ACR preflight ${text[report.result]} — ${registries}`;
}

function runLine(report: Report): string {
  const { context } = report;
  const runnerFacts = [context.runnerIp, context.runnerKind && `(${context.runnerKind})`].filter(Boolean);
  const runner = runnerFacts.length > 0 ? `runner ${runnerFacts.join(" ")}` : "";
  const parts = [
    report.mode,
    `operations: ${context.operations.join(", ")}`,
    `job duration: ${context.jobDurationMinutes} min`,
    runner,
    `${report.tool.name} ${report.tool.version}`,
    `${report.startedAt} (${report.durationMs} ms)`,
  ];
  return `<sub>${parts.filter(Boolean).map(escapeProse).join(" · ")}</sub>`;
}

function tableRow(group: CheckGroup, check: CheckReport): Block {
  const cells = [
    groupLabel(group),
    `\`${check.id}\``,
    `${STATUS_ICON[check.status]} ${check.status}`,
    tableCell(informativeTitle(check) ?? ""),
  ];
  return { text: `| ${cells.join(" | ")} |\n`, omitted: "table row" };
}

/** The numbered causes, at most CAUSE_LIST_MAX of them: the part of the summary read in ten seconds. */
function causeList(report: Report, causes: RootCause[]): Block {
  const lines = causes.slice(0, CAUSE_LIST_MAX).map((cause, i) => causeLine(report, cause, i + 1));
  const more = causes.length - CAUSE_LIST_MAX;
  if (more > 0) lines.push(`\n…and ${plural(more, "more cause")}, below.\n`);
  return { text: lines.join(""), omitted: "cause list" };
}

/** `1. ❌ **What is wrong** — `the fix` (the checks that saw it)`. */
function causeLine(report: Report, cause: RootCause, number: number): string {
  const { lead } = cause;
  const fix = lead.finding.remediation[0];
  const where = report.registries.length > 1 ? ` on ${locationOf(lead)}` : "";
  const checks = causeChecks(cause)
    .map((id) => `\`${id}\``)
    .join(", ");
  const command = fix && isCommand(fix) && !fix.includes("\n") ? ` — \`${fix.replace(/`/g, "'")}\`` : "";
  return `${number}. ${SEVERITY_ICON[lead.finding.severity]} **${escapeProse(findingTitle(lead))}**${where}${command} (${checks})\n`;
}

function causeDetails(report: Report, cause: RootCause): Block {
  const others = cause.alsoFoundBy.map((entry) => {
    const { check, finding } = entry;
    return `- \`${check.id}\` · \`${finding.code}\` · ${finding.severity}: ${escapeProse(finding.message)}\n`;
  });
  const seenBy =
    others.length > 0
      ? `<details><summary>Also seen by ${plural(others.length, "other check")}, fixed by the same step</summary>\n\n${others.join("")}\n</details>\n`
      : "";
  return { text: findingDetails(report, cause.lead) + seenBy, omitted: "finding" };
}

function findingDetails(report: Report, entry: ReportedFinding): string {
  const { check, finding } = entry;
  const where = [`\`${check.id}\``, report.registries.length > 1 ? locationOf(entry) : undefined];
  const lines = [
    `\n#### ${SEVERITY_ICON[finding.severity]} ${escapeProse(findingTitle(entry))}\n`,
    `${where.filter(Boolean).join(" · ")} · \`${finding.code}\` · ${finding.severity}\n`,
    `${escapeProse(finding.message)}\n`,
    remediation(finding.remediation),
    finding.docs?.startsWith("https://") ? `[Documentation](${finding.docs})\n` : "",
    evidence(finding.evidence),
  ];
  return lines.filter(Boolean).join("\n");
}

function skippedItem(report: Report, entry: ReportedFinding): Block {
  const { check, finding } = entry;
  const where = report.registries.length > 1 ? ` (${locationOf(entry)})` : "";
  const fix = remediation(finding.remediation)
    .split("\n")
    .map((line) => (line ? `  ${line}` : line))
    .join("\n");
  return {
    text: `- \`${check.id}\`${where}: ${escapeProse(finding.message)}\n${fix}`,
    omitted: "skipped check",
  };
}

function locationOf(entry: ReportedFinding): string {
  return entry.registry ? `\`${entry.registry.name}\`` : "all registries";
}

/** Commands as one shell block per run of consecutive commands; instructions as list items. */
function remediation(steps: string[]): string {
  const parts: string[] = [];
  let commands: string[] = [];
  const flush = () => {
    if (commands.length > 0) parts.push(fenced(commands.join("\n"), "sh"));
    commands = [];
  };
  for (const step of steps) {
    if (isCommand(step)) {
      commands.push(step);
      continue;
    }
    flush();
    parts.push(step.includes("\n") ? fenced(step, "") : `- ${escapeProse(step)}\n`);
  }
  flush();
  return parts.join("\n");
}

/** One `key: value` line per fact (values as JSON, which YAML reads too), folded away by default. */
function evidence(facts: Record<string, unknown>): string {
  if (Object.keys(facts).length === 0) return "";
  let lines = Object.entries(facts)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join("\n");
  if (lines.length > EVIDENCE_MAX_CHARS)
    lines = `${lines.slice(0, EVIDENCE_MAX_CHARS)} … (cut; report.json has all of it)`;
  return `<details><summary>Evidence</summary>\n\n${fenced(lines, "yaml")}\n</details>\n`;
}

/** A fenced block that no backtick run inside the text can close early. */
function fenced(text: string, lang: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text}\n${fence}\n`;
}

/** A table cell: one line, pipes escaped (code spans too: GitHub splits cells first), HTML inert. */
export function tableCell(text: string, maxChars = CELL_MAX_CHARS): string {
  const line = text.replace(/\s*[\r\n]+\s*/g, " ");
  const short = line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
  return escapeProse(short).replace(/\|/g, "\\|");
}

/** Markdown prose from checks: backtick code kept as written, `<placeholders>` outside it shown literally. */
export function escapeProse(text: string): string {
  return text
    .split(/(`[^`\n]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : escapeHtml(part)))
    .join("");
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

interface Block {
  text: string;
  /** What the reader misses if this block is cut, e.g. "finding". */
  omitted?: string;
}

/** Appends blocks until the next would pass the limit, then notes what was left out. */
class SizedOutput {
  private readonly parts: string[] = [];
  private used = 0;
  private readonly left = new Map<string, number>();
  private full = false;
  private static readonly NOTE_RESERVE = 400;

  constructor(private readonly maxBytes: number) {}

  add(block: Block | string): void {
    const { text, omitted } = typeof block === "string" ? { text: block, omitted: undefined } : block;
    const size = Buffer.byteLength(text);
    if (!this.full && this.used + size + SizedOutput.NOTE_RESERVE <= this.maxBytes) {
      this.parts.push(text);
      this.used += size;
      return;
    }
    this.full = true;
    if (omitted) this.left.set(omitted, (this.left.get(omitted) ?? 0) + 1);
  }

  text(): string {
    if (!this.full) return this.parts.join("");
    const what = [...this.left].map(([kind, count]) => plural(count, kind)).join(", ");
    const note = `\n> ✂️ Summary truncated to stay under the job summary size limit${what ? `: ${what} not shown` : ""}. report.json and report.sarif have everything.\n`;
    return this.parts.join("") + note;
  }
}
