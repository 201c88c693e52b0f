import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderJson } from "../src/core/report/json.js";
import type { Report } from "../src/core/report/types.js";
import { startFakeAzure, type FakeAzure } from "./fake-azure/index.js";
import { runCli } from "./support/cli.js";
import { compileSchema } from "./support/json-schema.js";
import { sarifValidator } from "./support/sarif-schema.js";

const validateReport = compileSchema("schema/report.schema.json");
const validateSarif = sarifValidator();

/** The three files of real runs through the CLI against the fake Azure meet their contracts. */
describe.each(["healthy", "broken"] as const)("report files of the %s scenario", (scenario) => {
  let fake: FakeAzure;
  let files: { json: string; markdown: string; sarif: string };
  let report: Report;

  beforeAll(async () => {
    fake = await startFakeAzure({ scenario });
    const registry = fake.scenario.registries[0]!.name;
    const result = await runCli(fake, [
      "--registry",
      registry,
      "--operations",
      "pull,push",
      "--fail-on",
      "never",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const read = (name: string) => readFile(path.join(result.reportDir, name), "utf8");
    files = {
      json: await read("report.json"),
      markdown: await read("report.md"),
      sarif: await read("report.sarif"),
    };
    report = JSON.parse(files.json) as Report;
  });
  afterAll(() => fake?.close());

  it("report.json follows schema/report.schema.json, keys in SPEC order", () => {
    const ok = validateReport(report);
    expect(validateReport.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(files.json).toBe(renderJson(report));
  });

  it("report.sarif is valid SARIF 2.1.0 with a rule for every result", () => {
    const log = JSON.parse(files.sarif);
    const ok = validateSarif(log);
    expect(validateSarif.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const rules: { id: string }[] = log.runs[0].tool.driver.rules;
    for (const result of log.runs[0].results) expect(rules[result.ruleIndex]!.id).toBe(result.ruleId);
  });

  it("report.md opens with the verdict of report.json", () => {
    const icon = { pass: "✅", warning: "⚠️", error: "❌" }[report.result];
    expect(files.markdown.startsWith(`## ${icon} ACR preflight`)).toBe(true);
  });

  it("no file holds a token or secret the fake issued", () => {
    for (const secret of fake.issuedTokens()) {
      for (const [name, text] of Object.entries(files))
        expect(text.includes(secret), `${name} holds a secret`).toBe(false);
    }
  });
});
