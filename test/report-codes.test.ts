import { describe, expect, it } from "vitest";
import { defineCodes } from "../src/core/checks/check.js";
import type { Check } from "../src/core/checks/check.js";
import { allFindingCodes, codeOrigins } from "../src/core/checks/codes.js";
import { CHECK_IDS } from "../src/core/checks/ids.js";
import { IMPLEMENTED_CHECKS } from "../src/core/checks/index.js";
import { SKIP_CODES } from "../src/core/checks/skip-codes.js";

describe("finding codes", () => {
  it("every code is UPPER_SNAKE with a severity, a title and a fix", () => {
    for (const code of allFindingCodes()) {
      expect(code.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(["error", "warning", "notice"]).toContain(code.severity);
      expect(code.title.trim(), code.code).not.toBe("");
      expect(code.fix.trim(), code.code).not.toBe("");
      if (code.docs) expect(code.docs, code.code).toMatch(/^https:\/\//);
    }
  });

  it("each code belongs to one check: no two checks (or the skip codes) define the same code", () => {
    const owners = new Map<string, string[]>();
    for (const { check, code } of codeOrigins())
      owners.set(code.code, [...(owners.get(code.code) ?? []), check]);
    expect([...owners].filter(([, checks]) => checks.length > 1)).toEqual([]);
  });

  it("every check is a SPEC check, listed once, in SPEC order", () => {
    const ids = IMPLEMENTED_CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const specOrder = ids.map((id) => CHECK_IDS.indexOf(id));
    expect(specOrder.every((index) => index >= 0)).toBe(true);
    expect(specOrder).toEqual([...specOrder].sort((a, b) => a - b));
  });

  it("lists codes in check order, then each check's definition order, then the skip codes, once each", () => {
    const first = fakeCheck("registry", { B_CODE: "error", A_CODE: "warning" });
    const second = fakeCheck("images", { C_CODE: "notice" });
    expect(allFindingCodes([first, second]).map((c) => c.code)).toEqual([
      "B_CODE",
      "A_CODE",
      "C_CODE",
      ...Object.keys(SKIP_CODES),
    ]);
    expect(allFindingCodes([first, first]).map((c) => c.code)).toEqual(
      allFindingCodes([first]).map((c) => c.code),
    );
  });

  it("includes the skip codes every check can end with", () => {
    const codes = allFindingCodes().map((c) => c.code);
    for (const code of Object.keys(SKIP_CODES)) expect(codes).toContain(code);
  });
});

function fakeCheck(id: Check["id"], severities: Record<string, "error" | "warning" | "notice">): Check {
  const defs = Object.fromEntries(
    Object.entries(severities).map(([code, severity]) => [
      code,
      { severity, title: `${code} title`, fix: `${code} fix` },
    ]),
  );
  return {
    id,
    scope: "registry",
    modes: ["preflight"],
    codes: defineCodes(defs),
    run: async () => ({ findings: [] }),
  };
}
