/** The report.json contract (SPEC §3). Field names and values here are fixed by the SPEC. */

export type Status = "pass" | "warning" | "error" | "skipped";
export type Severity = "error" | "warning" | "notice";
export type Result = "pass" | "warning" | "error";
export type Mode = "preflight" | "audit";
export type Surface = "github" | "ado" | "cli";

export interface Finding {
  /** UPPER_SNAKE, stable, documented in the README. */
  code: string;
  severity: Severity;
  /** One or two sentences naming the cause. */
  message: string;
  /** Exact commands or steps that fix it, most direct first. */
  remediation: string[];
  docs?: string;
  /** The facts the check decided on. Never a secret. */
  evidence: Record<string, unknown>;
}

export interface CheckReport {
  id: string;
  status: Status;
  title: string;
  durationMs: number;
  findings: Finding[];
}

export interface RegistryReport {
  name: string;
  loginServer?: string;
  resourceId?: string;
  result: Result;
  checks: CheckReport[];
}

export interface PrincipalInfo {
  objectId?: string;
  appId?: string;
  tenantId?: string;
  type?: "ServicePrincipal" | "ManagedIdentity" | "User";
  authType?: string;
}

export interface ReportContext {
  surface: Surface;
  runnerKind?: string;
  runnerIp?: string;
  principal?: PrincipalInfo;
  operations: string[];
  jobDurationMinutes: number;
}

export interface Report {
  schemaVersion: 1;
  tool: { name: "acr-preflight"; version: string };
  mode: Mode;
  startedAt: string;
  durationMs: number;
  result: Result;
  context: ReportContext;
  registries: RegistryReport[];
}
