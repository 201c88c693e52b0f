import { describe, expect, it } from "vitest";
import type { Severity } from "../src/core/report/types.js";
import { ANNOTATIONS_PER_KIND, withinLimits } from "../src/github/publish.js";
import { sampleAnnotations } from "./support/sample-report.js";

describe("annotations within GitHub's per-step limits", () => {
  it("emits every annotation when each kind fits, in the given order", () => {
    const all = [
      ...sampleAnnotations("error", 10),
      ...sampleAnnotations("warning", 3),
      ...sampleAnnotations("notice", 10),
    ];
    expect(withinLimits(all).map((a) => a.title)).toEqual(all.map((a) => a.title));
  });

  it("keeps the most severe first and spends the last slot of an overflowing kind on a pointer to the summary", () => {
    const all = [
      ...sampleAnnotations("error", 8, "role-scope"),
      ...sampleAnnotations("error", 6, "data-plane-access"),
      ...sampleAnnotations("warning", 12, "storage-headroom"),
      ...sampleAnnotations("notice", 2, "images"),
    ];
    const emitted = withinLimits(all);
    const bySeverity = (severity: Severity) => emitted.filter((a) => a.severity === severity);
    expect(bySeverity("error")).toHaveLength(ANNOTATIONS_PER_KIND);
    expect(bySeverity("warning")).toHaveLength(ANNOTATIONS_PER_KIND);
    expect(bySeverity("notice")).toHaveLength(2);
    expect(emitted.map((a) => a.severity)).toEqual([
      ...Array(10).fill("error"),
      ...Array(10).fill("warning"),
      "notice",
      "notice",
    ]);
    expect(bySeverity("error").slice(0, 9)).toEqual(
      all
        .slice(0, 9)
        .map(({ severity, title, message }) => expect.objectContaining({ severity, title, message })),
    );
    const pointer = bySeverity("error")[9];
    expect(pointer?.title).toBe("acr-preflight: 5 more errors");
    expect(pointer?.message).toContain("the other 5 (data-plane-access) are in the job summary");
    expect(bySeverity("warning")[9]?.message).toContain("the other 3 (storage-headroom)");
  });

  it("leaves room for the step's failure line when asked to", () => {
    const emitted = withinLimits(sampleAnnotations("error", 10), { error: 1 });
    expect(emitted).toHaveLength(ANNOTATIONS_PER_KIND - 1);
    expect(emitted.at(-1)?.title).toBe("acr-preflight: 2 more errors");
  });
});
