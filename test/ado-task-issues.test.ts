import { describe, expect, it } from "vitest";
import { ISSUES_PER_TYPE, withinIssueCap } from "../src/ado/issues.js";
import { sampleAnnotations } from "./support/sample-report.js";

describe("withinIssueCap (the agent keeps 10 errors and 10 warnings per step)", () => {
  it("keeps every issue of a severity that fits", () => {
    const issues = [...sampleAnnotations("error", ISSUES_PER_TYPE), ...sampleAnnotations("warning", 3)];
    expect(withinIssueCap(issues)).toEqual(issues);
  });

  it("ends an overflowing severity with one issue saying how many more, and of which checks", () => {
    const errors = [
      ...sampleAnnotations("error", 8, "images"),
      ...sampleAnnotations("error", 6, "role-scope"),
    ];
    const kept = withinIssueCap([...errors, ...sampleAnnotations("warning", 2)]);
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
    const kept = withinIssueCap(sampleAnnotations("error", ISSUES_PER_TYPE), { error: 1 });
    expect(kept).toHaveLength(ISSUES_PER_TYPE - 1);
    expect(kept.at(-1)?.title).toBe("acr-preflight: 2 more errors");
  });
});
