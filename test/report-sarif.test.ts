import type { Log, Result } from "sarif";
import { describe, expect, it } from "vitest";
import { allFindingCodes } from "../src/core/checks/codes.js";
import { renderSarif } from "../src/core/report/sarif.js";
import type { Report } from "../src/core/report/types.js";
import { sarifValidator } from "./support/sarif-schema.js";
import { sampleReport } from "./support/sample-report.js";

const validateSarif = sarifValidator();

function results(log: Log): Result[] {
  return log.runs[0]!.results!;
}

describe("renderSarif", () => {
  it("is valid SARIF 2.1.0 per the official schema", () => {
    for (const options of [{}, { sourceFile: ".github/workflows/deploy.yml" }]) {
      const log = JSON.parse(JSON.stringify(renderSarif(sampleReport(), options)));
      const ok = validateSarif(log);
      expect(validateSarif.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it("the schema check catches a broken log", () => {
    const log = JSON.parse(JSON.stringify(renderSarif(sampleReport())));
    log.runs[0].results[0].level = "fatal";
    expect(validateSarif(log)).toBe(false);
  });

  it("defines one rule per finding code, with title, fix, docs and the level of its severity", () => {
    const driver = renderSarif(sampleReport()).runs[0]!.tool.driver;
    const rules = driver.rules!;
    expect(driver.name).toBe("acr-preflight");
    expect(driver.version).toBe("1.0.0");
    expect(driver.informationUri).toMatch(/^https:\/\//);
    const ids = rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const code of allFindingCodes()) {
      const rule = rules.find((r) => r.id === code.code)!;
      expect(rule, code.code).toBeDefined();
      expect(rule.shortDescription!.text).toBe(code.title);
      expect(rule.fullDescription!.text).toBe(code.fix);
      expect(rule.help!.markdown).toContain(code.fix);
      expect(rule.helpUri).toBe(code.docs);
      expect(rule.defaultConfiguration!.level).toBe(
        { error: "error", warning: "warning", notice: "note" }[code.severity],
      );
    }
    const skipRule = rules.find((r) => r.id === "PERMISSION_MISSING")!;
    expect(skipRule.properties!.tags).toEqual(["acr-preflight", "skipped"]);
  });

  it("adds a rule for a code in the report that this version does not define", () => {
    const report = sampleReport();
    report.registries[0]!.checks[2]!.findings[0]!.code = "RULE_FROM_A_NEWER_CHECK";
    const log = renderSarif(report);
    const rules = log.runs[0]!.tool.driver.rules!;
    const result = results(log).find((r) => r.ruleId === "RULE_FROM_A_NEWER_CHECK")!;
    expect(rules[result.ruleIndex!]!.id).toBe("RULE_FROM_A_NEWER_CHECK");
    expect(rules[result.ruleIndex!]!.shortDescription!.text).toBe(
      "Runner IP is not allowed by the registry firewall",
    );
  });

  it("reports each finding of a non-pass check once, pointing at its rule, at the level of its severity", () => {
    const log = renderSarif(sampleReport());
    const rules = log.runs[0]!.tool.driver.rules!;
    expect(results(log).map((r) => `${r.level} ${r.ruleId}`)).toEqual([
      "error RUNNER_IP_BLOCKED",
      "error IMAGE_NOT_FOUND",
      "error IMAGE_NOT_FOUND",
      "warning SECRET_EXPIRES_SOON",
      "warning ADMIN_USER_ENABLED",
      "note PERMISSION_MISSING",
    ]);
    for (const result of results(log)) expect(rules[result.ruleIndex!]!.id).toBe(result.ruleId);
    expect(results(log)[0]!.message.text).toBe(
      "The registry firewall denies by default and no IP rule covers the runner's address 20.61.1.2. Fix: az acr network-rule add --name myreg --ip-address 20.61.1.2/32",
    );
  });

  it("locates results at a pseudo-path per registry (run-wide ones at the job), with the registry as logical location", () => {
    const log = renderSarif(sampleReport());
    const where = results(log).map((r) => {
      const location = r.locations![0]!;
      return [location.physicalLocation!.artifactLocation!.uri, location.logicalLocations![0]!.name];
    });
    expect(where).toEqual([
      ["acr-preflight/myreg", "myreg"],
      ["acr-preflight/myreg", "myreg"],
      ["acr-preflight/myreg", "myreg"],
      ["acr-preflight/job", "job"],
      ["acr-preflight/teamreg", "teamreg"],
      ["acr-preflight/teamreg", "teamreg"],
    ]);
    expect(results(log)[0]!.locations![0]!.logicalLocations![0]!.fullyQualifiedName).toMatch(
      /^\/subscriptions\/.*\/registries\/myreg$/,
    );
  });

  it("locates every result in the workflow file when one is given", () => {
    const log = renderSarif(sampleReport(), { sourceFile: "azure-pipelines.yml" });
    for (const result of results(log)) {
      expect(result.locations![0]!.physicalLocation).toEqual({
        artifactLocation: { uri: "azure-pipelines.yml" },
        region: { startLine: 1 },
      });
    }
  });

  it("fingerprints stay the same across runs whose details change, and differ between findings", () => {
    const first = results(renderSarif(sampleReport())).map((r) => r.partialFingerprints!);
    const later: Report = { ...sampleReport(), startedAt: "2026-11-25T02:00:00.000Z", durationMs: 1500 };
    later.registries[0]!.checks[2]!.findings[0]!.message = "Now worded differently, runner 20.61.1.9.";
    const second = results(renderSarif(later)).map((r) => r.partialFingerprints!);
    expect(second).toEqual(first);
    const ids = first.map((f) => f["acrPreflight/v1"]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(first.every((f) => f.primaryLocationLineHash === f["acrPreflight/v1"])).toBe(true);
  });

  it("keeps a run-wide finding's fingerprint when the run covers fewer registries", () => {
    const fingerprintOf = (report: Report) =>
      results(renderSarif(report)).find((r) => r.ruleId === "SECRET_EXPIRES_SOON")!.partialFingerprints;
    const report = sampleReport();
    expect(fingerprintOf({ ...report, registries: report.registries.slice(1) })).toEqual(
      fingerprintOf(report),
    );
  });
});
