import type { CheckReport, Finding, PrincipalInfo, RegistryReport, Report, ReportContext } from "./types.js";

/**
 * report.json text: keys in the order SPEC §3 shows them, whatever order the report object was
 * built in, so diffs between runs show only what changed. Absent optional fields are left out
 * (JSON.stringify skips undefined), never written as null.
 */
export function renderJson(report: Report): string {
  return `${JSON.stringify(ordered(report), null, 2)}\n`;
}

function ordered(report: Report): Report {
  return {
    schemaVersion: report.schemaVersion,
    tool: { name: report.tool.name, version: report.tool.version },
    mode: report.mode,
    startedAt: new Date(report.startedAt).toISOString(),
    durationMs: Math.round(report.durationMs),
    result: report.result,
    context: orderedContext(report.context),
    registries: report.registries.map(orderedRegistry),
  };
}

function orderedContext(context: ReportContext): ReportContext {
  return {
    surface: context.surface,
    runnerKind: context.runnerKind,
    runnerIp: context.runnerIp,
    principal: context.principal && orderedPrincipal(context.principal),
    operations: context.operations,
    jobDurationMinutes: context.jobDurationMinutes,
  };
}

function orderedPrincipal(principal: PrincipalInfo): PrincipalInfo {
  return {
    objectId: principal.objectId,
    appId: principal.appId,
    tenantId: principal.tenantId,
    type: principal.type,
    authType: principal.authType,
  };
}

function orderedRegistry(registry: RegistryReport): RegistryReport {
  return {
    name: registry.name,
    loginServer: registry.loginServer,
    resourceId: registry.resourceId,
    result: registry.result,
    checks: registry.checks.map(orderedCheck),
  };
}

function orderedCheck(check: CheckReport): CheckReport {
  return {
    id: check.id,
    status: check.status,
    title: check.title,
    durationMs: Math.round(check.durationMs),
    findings: check.findings.map(orderedFinding),
  };
}

function orderedFinding(finding: Finding): Finding {
  return {
    code: finding.code,
    severity: finding.severity,
    message: finding.message,
    remediation: finding.remediation,
    docs: finding.docs,
    evidence: finding.evidence,
  };
}
