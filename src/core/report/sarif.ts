import { createHash } from "node:crypto";
import type { Location, Log, ReportingDescriptor, Result as SarifResult } from "sarif";
import type { FindingCode } from "../checks/check.js";
import { codeOrigins } from "../checks/codes.js";
import type { ReportedFinding } from "./findings.js";
import { findingTitle, isRunWide, reportedFindings } from "./findings.js";
import type { Report, Severity } from "./types.js";

export interface SarifOptions {
  /**
   * Repository-relative path of the workflow or pipeline file that runs the preflight. GitHub code
   * scanning only accepts results with a file location; without this, results point at a stable
   * pseudo-path `acr-preflight/<registry>` that code scanning shows without a source view.
   */
  sourceFile?: string;
}

const SARIF_SCHEMA =
  "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json";
const INFORMATION_URI =
  "https://learn.microsoft.com/azure/container-registry/container-registry-troubleshoot-access";
const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  error: "error",
  warning: "warning",
  notice: "note",
};
/** Subject of run-wide findings (the identity and its credentials), in paths and fingerprints. */
const RUN_WIDE_SUBJECT = "job";

/** report.sarif: one rule per finding code this version defines, one result per reported finding. */
export function renderSarif(report: Report, options: SarifOptions = {}): Log {
  const rules = ruleCatalog(report);
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  const occurrences = new Map<string, number>();
  const results = reportedFindings(report).map((entry): SarifResult => {
    const key = fingerprintKey(entry);
    const occurrence = occurrences.get(key) ?? 0;
    occurrences.set(key, occurrence + 1);
    const { check, finding } = entry;
    const fix = finding.remediation[0];
    const fingerprint = sha256(`${key}/${occurrence}`);
    return {
      ruleId: finding.code,
      ruleIndex: ruleIndex.get(finding.code),
      level: LEVEL[finding.severity],
      message: { text: fix ? `${finding.message} Fix: ${fix}` : finding.message },
      locations: [location(entry, options)],
      partialFingerprints: { primaryLocationLineHash: fingerprint, "acrPreflight/v1": fingerprint },
      properties: {
        check: check.id,
        status: check.status,
        ...(entry.registry ? { registry: entry.registry.name } : {}),
        remediation: finding.remediation,
        evidence: finding.evidence,
      },
    };
  });

  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            semanticVersion: report.tool.version,
            informationUri: INFORMATION_URI,
            rules,
          },
        },
        invocations: [{ executionSuccessful: true, startTimeUtc: report.startedAt }],
        results,
        properties: { mode: report.mode, result: report.result },
      },
    ],
  };
}

/** Every code this version defines, plus any code in the report it does not (a newer check's). */
function ruleCatalog(report: Report): ReportingDescriptor[] {
  const rules = new Map<string, ReportingDescriptor>();
  for (const { check, code } of codeOrigins())
    if (!rules.has(code.code)) rules.set(code.code, rule(code, check));
  for (const entry of reportedFindings(report)) {
    const { code, severity, docs } = entry.finding;
    if (!rules.has(code)) {
      const info = {
        code,
        severity,
        docs,
        title: findingTitle(entry),
        fix: entry.finding.remediation[0] ?? entry.finding.message,
      };
      rules.set(code, rule(info, entry.check.id));
    }
  }
  return [...rules.values()];
}

function rule(
  code: Pick<FindingCode, "code" | "severity" | "title" | "fix" | "docs">,
  check: string,
): ReportingDescriptor {
  const docsLine = code.docs ? `\n\n[Documentation](${code.docs})` : "";
  return {
    id: code.code,
    name: pascalCase(code.code),
    shortDescription: { text: code.title },
    fullDescription: { text: code.fix },
    help: {
      text: code.docs ? `${code.fix} ${code.docs}` : code.fix,
      markdown: `**Fix:** ${code.fix}${docsLine}`,
    },
    ...(code.docs ? { helpUri: code.docs } : {}),
    defaultConfiguration: { level: LEVEL[code.severity] },
    properties: { tags: ["acr-preflight", check], "problem.severity": problemSeverity(code.severity) },
  };
}

function location(entry: ReportedFinding, options: SarifOptions): Location {
  const subject = subjectOf(entry);
  return {
    physicalLocation: {
      artifactLocation: { uri: options.sourceFile ?? `acr-preflight/${subject}` },
      region: { startLine: 1 },
    },
    logicalLocations: [
      entry.registry && !isRunWide(entry.check)
        ? {
            name: entry.registry.name,
            fullyQualifiedName:
              entry.registry.resourceId ?? entry.registry.loginServer ?? entry.registry.name,
            kind: "resource",
          }
        : { name: RUN_WIDE_SUBJECT, kind: "object" },
    ],
  };
}

/** The registry a finding is about, or the job for run-wide checks — stable whatever else the run covered. */
function subjectOf(entry: ReportedFinding): string {
  return entry.registry && !isRunWide(entry.check) ? entry.registry.name : RUN_WIDE_SUBJECT;
}

/**
 * Same subject, check and code = same alert across nightly runs. Several findings of one code in
 * one check (two missing images) are told apart by their order, which holds while the set does.
 */
function fingerprintKey(entry: ReportedFinding): string {
  return `${subjectOf(entry)}/${entry.check.id}/${entry.finding.code}`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function pascalCase(code: string): string {
  return code
    .toLowerCase()
    .split("_")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

/** GitHub code scanning's severity for non-security rules. */
function problemSeverity(severity: Severity): string {
  return severity === "notice" ? "recommendation" : severity;
}
