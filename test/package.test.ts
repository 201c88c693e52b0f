import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { TOOL_VERSION } from "../src/core/version.js";
import { REPO_ROOT, runNode } from "./support/cli.js";

const npm = process.env.npm_execpath
  ? (args: string[]) =>
      promisify(execFile)(process.execPath, [process.env.npm_execpath as string, ...args], { cwd: REPO_ROOT })
  : (args: string[]) => promisify(execFile)("npm", args, { cwd: REPO_ROOT });

describe("the npm package (npx acr-preflight)", () => {
  it("packs the CLI built by prepack, its schema and licence, and nothing else; its bin runs under plain node", async () => {
    const { stdout } = await npm(["pack", "--dry-run", "--json", "--ignore-scripts=false"]);
    const files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        "bin/acr-preflight.js",
        "lib/cli/main.js",
        "lib/core/preflight.js",
        "schema/report.schema.json",
        "README.md",
        "LICENSE",
        "package.json",
      ]),
    );
    expect(files.filter((f) => /^(src|test|dist|ado-task|scripts|\.github)\//.test(f))).toEqual([]);

    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
      version: string;
      bin: Record<string, string>;
    };
    expect(pkg.version).toBe(TOOL_VERSION);
    const bin = pkg.bin["acr-preflight"] as string;
    expect(files).toContain(bin);
    const result = await runNode([bin, "--version"], { PATH: process.env.PATH ?? "" });
    expect(result).toMatchObject({ code: 0, stdout: `${TOOL_VERSION}\n` });
  }, 60_000);
});
