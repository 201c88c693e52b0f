import { describe, expect, it } from "vitest";
import { ISSUES_PER_TYPE, withinIssueCap } from "../src/ado/issues.js";
import type { Annotation } from "../src/core/report/annotations.js";

function annotations(severity: Annotation["severity"], count: number, check = "images"): Annotation[] {
  return Array.from({ length: count }, (_, i) => ({
    severity,
    title: `${check}: finding ${i + 1}`,
    message: `message ${i + 1}`,
    registry: "contosoacr",
    check,
    code: `CODE_${i + 1}`,
  }));
}

describe("withinIssueCap (the agent keeps 10 errors and 10 warnings per step)", () => {
  it("keeps every issue of a severity that fits", () => {
    const issues = [...annotations("error", ISSUES_PER_TYPE), ...annotations("warning", 3)];
    expect(withinIssueCap(issues)).toEqual(issues);
  });

  it("ends an overflowing severity with one issue saying how many more, and of which checks", () => {
    const errors = [...annotations("error", 8, "images"), ...annotations("error", 6, "role-scope")];
    const kept = withinIssueCap([...errors, ...annotations("warning", 2)]);
    const keptErrors = kept.filter((i) => i.severity === "error");
    expect(keptErrors).toHaveLength(ISSUES_PER_TYPE);
    expect(keptErrors.slice(0, 9).map((i) => i.code)).toEqual(errors.slice(0, 9).map((a) => a.code));
    expect(keptErrors[9]).toMatchObject({
      title: "acr-preflight: 5 more errors",
      message: expect.stringContaining("the other 5 (role-scope)"),
    });
    expect(kept.filter((i) => i.severity === "warning")).toHaveLength(2);
  });

  it("leaves a slot for the task result's own issue", () => {
    const kept = withinIssueCap(annotations("error", ISSUES_PER_TYPE), { error: 1 });
    expect(kept).toHaveLength(ISSUES_PER_TYPE - 1);
    expect(kept.at(-1)?.title).toBe("acr-preflight: 2 more errors");
  });
});
