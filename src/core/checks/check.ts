import type { RegistryContext } from "../context/scope.js";
import type { Finding, Mode, Severity } from "../report/types.js";
import type { CheckId } from "./ids.js";

/** A finding code: stable id, default severity, the check title it gives, and its generic fix. */
export interface CodeInfo {
  code: string;
  severity: Severity;
  /** Title of the check when this is its most severe finding, e.g. "Runner IP is not allowed by the registry firewall". */
  title: string;
  /** One sentence: what fixes it in general (README, SARIF rule help). */
  fix: string;
  docs?: string;
}

export interface FindingInput {
  message: string;
  remediation?: string[];
  evidence?: Record<string, unknown>;
  /** Overrides the code's default severity. */
  severity?: Severity;
  docs?: string;
}

export class FindingCode implements CodeInfo {
  readonly code: string;
  readonly severity: Severity;
  readonly title: string;
  readonly fix: string;
  readonly docs?: string;

  constructor(info: CodeInfo) {
    this.code = info.code;
    this.severity = info.severity;
    this.title = info.title;
    this.fix = info.fix;
    this.docs = info.docs;
  }

  finding(input: FindingInput): Finding {
    const docs = input.docs ?? this.docs;
    return {
      code: this.code,
      severity: input.severity ?? this.severity,
      message: input.message,
      remediation: input.remediation ?? [],
      ...(docs ? { docs } : {}),
      evidence: input.evidence ?? {},
    };
  }
}

export function defineCodes<K extends string>(
  defs: Record<K, Omit<CodeInfo, "code">>,
): Record<K, FindingCode> {
  const out = {} as Record<K, FindingCode>;
  for (const code of Object.keys(defs) as K[]) out[code] = new FindingCode({ code, ...defs[code] });
  return out;
}

export interface CheckOutcome {
  findings: Finding[];
  /** The check could not decide; findings hold one notice saying why. */
  skipped?: boolean;
}

/** One check = one file in src/core/checks named after its id. */
export interface Check {
  id: CheckId;
  /** `run`: decided once per run (about the identity); `registry`: once per registry. */
  scope: "run" | "registry";
  /** Modes it runs in when the user did not list checks explicitly. */
  modes: readonly Mode[];
  /** Every code the check can emit (README and SARIF rules are built from these). */
  codes: Record<string, FindingCode>;
  /** What the identity needs for the check to decide (README's permissions table). */
  permissions?: readonly string[];
  run(ctx: RegistryContext): Promise<CheckOutcome>;
}

export type SkipKind = "not-applicable" | "permission" | "prerequisite";

/**
 * Thrown by a check or a fact when the check cannot decide. The orchestrator turns it into a
 * `skipped` status with one notice finding, so one missing fact never stops the other checks.
 */
export class SkipCheck extends Error {
  constructor(
    readonly kind: SkipKind,
    message: string,
    readonly remediation: string[] = [],
    readonly evidence: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
