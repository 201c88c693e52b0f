import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { codesSection, inputsSection, permissionsSection, updateReadme } from "../scripts/readme-codes.js";
import type { Check } from "../src/core/checks/check.js";
import { defineCodes } from "../src/core/checks/check.js";
import { IMPLEMENTED_CHECKS } from "../src/core/checks/index.js";
import { INPUTS } from "../src/core/config/inputs.js";
import { REPO_ROOT } from "./support/cli.js";

describe("README generated sections", () => {
  it("README.md matches the code (run `npm run readme:codes` after changing a check's codes or an input)", async () => {
    const readme = await readFile(path.join(REPO_ROOT, "README.md"), "utf8");
    expect(updateReadme(readme)).toBe(readme);
  });

  it("documents every code of every check, with its permissions", () => {
    const section = codesSection();
    for (const check of IMPLEMENTED_CHECKS) {
      expect(section).toContain(`### \`${check.id}\``);
      for (const code of Object.keys(check.codes)) expect(section).toContain(`| \`${code}\` |`);
    }
    expect(section).toContain("| `PERMISSION_MISSING` | notice |");
  });

  it("renders one row per code with cause, fix and docs, and names the checks not in this version", () => {
    const check: Check = {
      id: "admin-user",
      scope: "registry",
      modes: ["preflight"],
      permissions: ["`Microsoft.ContainerRegistry/registries/read` (Reader)"],
      codes: defineCodes({
        ADMIN_ON: {
          severity: "warning",
          title: "Admin | user on",
          fix: "Run `az acr update -n <registry> --admin-enabled false`.",
          docs: "https://learn.microsoft.com/azure/container-registry/container-registry-authentication",
        },
      }),
      run: async () => ({ findings: [] }),
    };
    const section = codesSection([check]);
    expect(section).toContain(
      "### `admin-user`\n\nNeeds: `Microsoft.ContainerRegistry/registries/read` (Reader)\n",
    );
    expect(section).toContain(
      "| `ADMIN_ON` | warning | Admin \\| user on | Run `az acr update -n <registry> --admin-enabled false`. ([docs](https://learn.microsoft.com/azure/container-registry/container-registry-authentication)) |",
    );
    expect(section).toMatch(/Not in this version yet: `credential`, `registry`, .*`docker-config`\./);
  });

  it("gives every check's permissions one row, linked to its codes", () => {
    const section = permissionsSection();
    for (const check of IMPLEMENTED_CHECKS) expect(section).toContain(`| [\`${check.id}\`](#${check.id}) |`);
    expect(section).toContain("`Microsoft.ContainerRegistry/registries/listUsages/read`");
    expect(section).not.toContain("not documented");
  });

  it("lists every input with its Azure Pipelines name and default", () => {
    const section = inputsSection();
    for (const input of INPUTS) expect(section).toContain(`| \`${input.name}\` | \`${input.adoName}\` |`);
    expect(section).toContain("| `job-duration` | `jobDuration` | `60m` |");
  });

  it("replaces only what is between the markers, and refuses a README without them", () => {
    const readme =
      "intro\n<!-- codes:start -->\nSTALE-TABLE\n<!-- codes:end -->\nmiddle\n<!-- inputs:start -->\n<!-- inputs:end -->\n" +
      "<!-- permissions:start -->\n<!-- permissions:end -->\nend\n";
    const updated = updateReadme(readme);
    expect(updated.startsWith("intro\n<!-- codes:start -->\n<!-- Generated")).toBe(true);
    expect(updated).not.toContain("STALE-TABLE");
    expect(updated).toContain("<!-- codes:end -->\nmiddle\n<!-- inputs:start -->\n<!-- Generated");
    expect(updated).toContain("<!-- inputs:end -->\n<!-- permissions:start -->\n<!-- Generated");
    expect(updated.endsWith("<!-- permissions:end -->\nend\n")).toBe(true);
    expect(updateReadme(updated)).toBe(updated);
    expect(() => updateReadme("no markers")).toThrow(/inputs:start/);
    expect(() => updateReadme(readme.replace("<!-- permissions:end -->", ""))).toThrow(/permissions:start/);
  });
});
