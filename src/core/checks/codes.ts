import type { Check, FindingCode } from "./check.js";
import type { CheckId } from "./ids.js";
import { IMPLEMENTED_CHECKS } from "./index.js";
import { SKIP_CODES } from "./skip-codes.js";

/** Where a finding code is defined: a check, or the shared codes of `skipped` checks. */
export interface CodeOrigin {
  check: CheckId | "skipped";
  code: FindingCode;
}

/** Every code with the check that defines it, in check order and each check's definition order. */
export function codeOrigins(checks: readonly Check[] = IMPLEMENTED_CHECKS): CodeOrigin[] {
  return [
    ...checks.flatMap((check) => Object.values(check.codes).map((code) => ({ check: check.id, code }))),
    ...Object.values(SKIP_CODES).map((code) => ({ check: "skipped" as const, code })),
  ];
}

/** Every finding code this version can emit, once each (README tables, SARIF rules). */
export function allFindingCodes(checks: readonly Check[] = IMPLEMENTED_CHECKS): FindingCode[] {
  const byCode = new Map<string, FindingCode>();
  for (const { code } of codeOrigins(checks)) if (!byCode.has(code.code)) byCode.set(code.code, code);
  return [...byCode.values()];
}
