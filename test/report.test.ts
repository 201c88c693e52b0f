import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { allFindingCodes } from "../src/core/checks/codes.js";
import { annotationsOf, summaryCounts } from "../src/core/report/annotations.js";
import { renderConsole } from "../src/core/report/console.js";
import { renderJson } from "../src/core/report/json.js";
import type { Finding, Report } from "../src/core/report/types.js";
import { writeReports } from "../src/core/report/write.js";
import { compileSchema } from "./support/json-schema.js";
import { sampleReport } from "./support/sample-report.js";

const validateReport = compileSchema("schema/report.schema.json");

/** The code's title once its check defines it; until then annotations fall back to the check's title. */
function titleOf(code: string, checkTitle: string): string {
  return allFindingCodes().find((c) => c.code === code)?.title ?? checkTitle;
}

function singleRegistry(): Report {
  const report = sampleReport();
  return { ...report, registries: report.registries.slice(0, 1) };
}

describe("report.json", () => {
  it("writes the keys in SPEC §3 order, whatever order the object was built in", () => {
    const report = sampleReport();
    const shuffled = JSON.parse(JSON.stringify(report, Object.keys(report).reverse())) as Report;
    const scrambled = {
      ...shuffled,
      context: { ...report.context },
      registries: report.registries,
    } as Report;
    const json = JSON.parse(renderJson(scrambled)) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      "schemaVersion",
      "tool",
      "mode",
      "startedAt",
      "durationMs",
      "result",
      "context",
      "registries",
    ]);
    const context = json.context as Record<string, unknown>;
    expect(Object.keys(context)).toEqual([
      "surface",
      "runnerKind",
      "runnerIp",
      "principal",
      "operations",
      "jobDurationMinutes",
    ]);
    const registry = (json.registries as Record<string, unknown>[])[0]!;
    expect(Object.keys(registry)).toEqual(["name", "loginServer", "resourceId", "result", "checks"]);
    const check = (registry.checks as Record<string, unknown>[])[2]!;
    expect(Object.keys(check)).toEqual(["id", "status", "title", "durationMs", "findings"]);
    expect(Object.keys((check.findings as object[])[0]!)).toEqual([
      "code",
      "severity",
      "message",
      "remediation",
      "docs",
      "evidence",
    ]);
  });

  it("leaves absent optional fields out instead of writing null", () => {
    const report = sampleReport();
    delete report.context.runnerIp;
    delete report.registries[0]!.resourceId;
    const text = renderJson(report);
    expect(text).not.toContain("null");
    expect(JSON.parse(text).context).not.toHaveProperty("runnerIp");
  });

  it("normalises startedAt to ISO 8601 UTC and durations to whole milliseconds", () => {
    const report = { ...sampleReport(), startedAt: "2026-11-24T11:00:00+01:00", durationMs: 812.6 };
    const json = JSON.parse(renderJson(report));
    expect(json.startedAt).toBe("2026-11-24T10:00:00.000Z");
    expect(json.durationMs).toBe(813);
  });

  it("validates against schema/report.schema.json", () => {
    for (const report of [
      sampleReport(),
      singleRegistry(),
      { ...sampleReport(), registries: [], result: "pass" as const },
    ]) {
      const ok = validateReport(JSON.parse(renderJson(report)));
      expect(validateReport.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it("the schema rejects what SPEC §3 rules out", () => {
    const finding = (r: Report, registry: number) => r.registries[registry]!.checks[2]!.findings[0]!;
    const cases: ((r: Report) => void)[] = [
      (r) => (finding(r, 0).code = "runner-ip-blocked"),
      (r) => (r.registries[0]!.checks[2]!.status = "failed" as never),
      (r) => (finding(r, 0).severity = "info" as never),
      (r) => (r.result = "skipped" as never),
      (r) => Object.assign(r.registries[0]!.checks[2]!, { extra: true }),
      (r) => delete (finding(r, 0) as Partial<Finding>).evidence,
      (r) => (finding(r, 1).severity = "warning"),
      (r) => (r.registries[1]!.checks[2]!.findings = []),
      (r) => (r.startedAt = "yesterday"),
      (r) => (r.schemaVersion = 2 as never),
    ];
    for (const mutate of cases) {
      const json = JSON.parse(renderJson(sampleReport())) as Report;
      mutate(json);
      expect(validateReport(json), mutate.toString()).toBe(false);
    }
  });
});

describe("annotations", () => {
  it("lists every finding of non-pass checks, errors first, report order otherwise", () => {
    const annotations = annotationsOf(sampleReport());
    expect(annotations.map((a) => `${a.severity} ${a.check} ${a.code}`)).toEqual([
      "error network-rules RUNNER_IP_BLOCKED",
      "error images IMAGE_NOT_FOUND",
      "error images IMAGE_NOT_FOUND",
      "warning sp-secret-expiry SECRET_EXPIRES_SOON",
      "warning admin-user ADMIN_USER_ENABLED",
      "notice role-scope PERMISSION_MISSING",
    ]);
  });

  it("reports a run-wide finding once, for every registry, and names the registry of the others", () => {
    const annotations = annotationsOf(sampleReport());
    const secret = annotations.find((a) => a.code === "SECRET_EXPIRES_SOON")!;
    expect(secret.registry).toBe("myreg, teamreg");
    expect(secret.title).toBe(
      `sp-secret-expiry: ${titleOf("SECRET_EXPIRES_SOON", "(defined by sp-secret-expiry)")}`,
    );
    const blocked = annotations.find((a) => a.code === "RUNNER_IP_BLOCKED")!;
    expect(blocked.title).toBe(
      `network-rules: ${titleOf("RUNNER_IP_BLOCKED", "Runner IP is not allowed by the registry firewall")} (myreg)`,
    );
    expect(blocked.message).toBe(
      "The registry firewall denies by default and no IP rule covers the runner's address 20.61.1.2. Fix: az acr network-rule add --name myreg --ip-address 20.61.1.2/32",
    );
  });

  it("leaves the registry out of titles when the report has one", () => {
    const titles = annotationsOf(singleRegistry()).map((a) => a.title);
    expect(titles).toContain(
      `network-rules: ${titleOf("RUNNER_IP_BLOCKED", "Runner IP is not allowed by the registry firewall")}`,
    );
    expect(titles.every((t) => !t.includes("(myreg)"))).toBe(true);
  });

  it("counts findings, not checks, and a run-wide finding once", () => {
    expect(summaryCounts(sampleReport())).toEqual({ errors: 3, warnings: 2, notices: 1 });
    expect(summaryCounts(singleRegistry())).toEqual({ errors: 3, warnings: 1, notices: 0 });
  });
});

describe("console", () => {
  it("prints one block per registry after the run-wide checks, then the result line and the report paths", () => {
    const paths = { json: "/tmp/r/report.json", markdown: "/tmp/r/report.md", sarif: "/tmp/r/report.sarif" };
    const text = renderConsole(sampleReport(), { color: false, paths });
    expect(text).not.toContain("\u001b[");
    const blocks = text.split("\n\n");
    expect(blocks[0]).toMatch(
      /^all registries\n {2}✔ credential +An Entra token was obtained\n {2}▲ sp-secret-expiry/,
    );
    expect(blocks[1]).toMatch(/^myreg \(myreg\.azurecr\.io\)\n {2}✖ network-rules/);
    expect(blocks[1]).toContain("      RUNNER_IP_BLOCKED: The registry firewall denies by default");
    expect(blocks[1]).toContain("        $ az acr network-rule add --name myreg --ip-address 20.61.1.2/32");
    expect(blocks[1]).toContain(
      "          Or run the job on a self-hosted runner inside an allowed network.",
    );
    expect(blocks[2]).toMatch(/^teamreg \(teamreg\.azurecr\.io\)\n {2}○ role-scope/);
    const tail = text.trimEnd().split("\n");
    expect(tail.slice(tail.indexOf("result: error (3 errors, 2 warnings)"), -3)).toEqual([
      "result: error (3 errors, 2 warnings)",
      "5 causes to fix:",
      "  1. ✖ Runner IP is not allowed by the registry firewall on myreg (network-rules)",
      "     $ az acr network-rule add --name myreg --ip-address 20.61.1.2/32",
      "  2. ✖ An image the job deploys does not exist on myreg (images)",
      "     $ az acr repository show-tags --name myreg --repository team/api --orderby time_desc --top 10",
      "  3. ✖ An image the job deploys does not exist on myreg (images)",
      "     $ az acr repository show-tags --name myreg --repository team/web --orderby time_desc --top 10",
      "  4. ▲ The client secret in use expires within the expiry-warning window (sp-secret-expiry)",
      "     $ az ad app credential reset --id 0a1b2c3d-0000-4000-8000-00000000aaaa --append --display-name ci-deploy-2027 --years 1",
      "  5. ▲ The registry's admin account is enabled on teamreg (admin-user)",
      "     $ az acr update -n teamreg --admin-enabled false",
    ]);
    expect(tail.slice(-3)).toEqual([
      "report: /tmp/r/report.json",
      "summary: /tmp/r/report.md",
      "sarif: /tmp/r/report.sarif",
    ]);
  });

  it("colours statuses only when asked", () => {
    const text = renderConsole(sampleReport(), { color: true });
    expect(text).toContain("\u001b[31m✖\u001b[0m network-rules");
    expect(text).toContain("\u001b[31mresult: error (3 errors, 2 warnings)\u001b[0m");
  });

  it("says pass plainly for a clean run", () => {
    const report = sampleReport();
    const clean: Report = {
      ...report,
      result: "pass",
      registries: [{ ...report.registries[0]!, result: "pass", checks: [report.registries[0]!.checks[0]!] }],
    };
    expect(renderConsole(clean, { color: false })).toBe(
      "myreg (myreg.azurecr.io)\n  ✔ credential  An Entra token was obtained\n\nresult: pass (0 errors, 0 warnings)\n",
    );
  });
});

describe("writeReports", () => {
  it("creates the directory and writes the three files, returning absolute paths", async () => {
    const base = await mkdtemp(path.join(tmpdir(), "acr-preflight-report-"));
    const relative = path.relative(process.cwd(), path.join(base, "nested", "dir"));
    const files = await writeReports(sampleReport(), relative, {
      sarif: { sourceFile: ".github/workflows/deploy.yml" },
    });
    expect(files).toEqual({
      json: path.join(base, "nested", "dir", "report.json"),
      markdown: path.join(base, "nested", "dir", "report.md"),
      sarif: path.join(base, "nested", "dir", "report.sarif"),
    });
    expect(JSON.parse(await readFile(files.json, "utf8"))).toEqual(JSON.parse(renderJson(sampleReport())));
    expect(await readFile(files.markdown, "utf8")).toMatch(/^## ❌ ACR preflight failed/);
    const sarif = JSON.parse(await readFile(files.sarif, "utf8"));
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe(
      ".github/workflows/deploy.yml",
    );
  });
});
