import { readFileSync } from "node:fs";
import path from "node:path";
import { validateAction, validateWorkflow } from "@action-validator/core";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { INPUTS } from "../src/core/config/inputs.js";
import { AUTH_INPUTS } from "../src/github/inputs.js";
import { REPO_ROOT } from "./support/cli.js";

interface ActionYml {
  name: string;
  description: string;
  branding: { icon: string; color: string };
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
}

const actionText = readFileSync(path.join(REPO_ROOT, "action.yml"), "utf8");
const action = parse(actionText) as ActionYml;

describe("action.yml", () => {
  it("is a valid action, running dist/index.js on node24", () => {
    // @action-validator/core 0.6.0 bundles a schema whose runs.using enum ends at node20, so
    // validate everything else against it and pin the runtime separately.
    const errors = validateAction(actionText.replace(/^(\s+using:) node24$/m, "$1 node20")).errors;
    expect(errors).toEqual([]);
    expect(action.runs).toEqual({ using: "node24", main: "dist/index.js" });
    expect(action.branding.icon).toBeTruthy();
  });

  it("declares every SPEC input with INPUTS' description and default, then the GitHub sign-in inputs", () => {
    const expected = [...INPUTS, ...AUTH_INPUTS].map((input) => ({
      name: input.name,
      description: input.description,
      default: "default" in input ? input.default : undefined,
    }));
    const declared = Object.entries(action.inputs).map(([name, input]) => ({
      name,
      description: input.description,
      default: input.default,
    }));
    expect(declared).toEqual(expected);
    expect(Object.values(action.inputs).every((input) => input.required === false)).toBe(true);
  });

  it("declares the SPEC outputs", () => {
    expect(Object.keys(action.outputs)).toEqual([
      "result",
      "error-count",
      "warning-count",
      "report-path",
      "sarif-path",
    ]);
    for (const output of Object.values(action.outputs)) expect(output.description).toBeTruthy();
  });
});

describe("workflows", () => {
  it.each(["ci.yml", "check-dist.yml"])("%s is a valid workflow", (file) => {
    const text = readFileSync(path.join(REPO_ROOT, ".github/workflows", file), "utf8");
    expect(validateWorkflow(text).errors).toEqual([]);
  });

  it("the README examples are valid workflows using this action", () => {
    const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const examples = readme.slice(
      readme.indexOf("\n### Examples\n"),
      readme.indexOf("\n## Azure Pipelines\n"),
    );
    const workflows = [...examples.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    expect(workflows.length).toBeGreaterThanOrEqual(3);
    for (const workflow of workflows) {
      expect(validateWorkflow(workflow).errors).toEqual([]);
      expect(workflow).toMatch(/uses: [\w-]+\/acr-preflight@v1\b/);
    }
  });
});
