import { readFileSync, statSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import yauzl from "yauzl";
import { taskManifest, MINIMUM_AGENT_VERSION, TASK_TARGET } from "../src/ado/manifest.js";
import { INPUTS } from "../src/core/config/inputs.js";
import { REPO_ROOT, runNode } from "./support/cli.js";

interface TaskInput {
  name: string;
  type: string;
  defaultValue?: string;
  required?: boolean;
  groupName?: string;
}

const TASK_JSON = path.join(REPO_ROOT, "ado-task", "task.json");
const task = JSON.parse(readFileSync(TASK_JSON, "utf8")) as {
  id: string;
  name: string;
  version: { Major: number; Minor: number; Patch: number };
  minimumAgentVersion: string;
  instanceNameFormat: string;
  groups: { name: string }[];
  inputs: TaskInput[];
  outputVariables: { name: string; description: string }[];
  execution: Record<string, { target: string }>;
};
const extension = JSON.parse(readFileSync(path.join(REPO_ROOT, "vss-extension.json"), "utf8")) as {
  icons: { default: string };
  contributions: { type: string; properties: { name: string } }[];
};

/** Every entry of a zip with its uncompressed bytes. */
function unzip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const entries = new Map<string, Buffer>();
      zip.on("entry", (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith("/")) return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on("data", (chunk: Buffer) => chunks.push(chunk));
          stream.on("end", () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => resolve(entries));
      zip.on("error", reject);
      zip.readEntry();
    });
  });
}

describe("ado-task/task.json", () => {
  it("is what src/ado/manifest.ts generates (npm run build:ado)", () => {
    expect(task).toEqual(JSON.parse(JSON.stringify(taskManifest())));
  });

  it("declares the service connection, then every SPEC input by its camelCase name with INPUTS' default", () => {
    const declared = task.inputs.map((i) => ({ name: i.name, defaultValue: i.defaultValue ?? "" }));
    expect(declared).toEqual([
      { name: "azureSubscription", defaultValue: "" },
      ...INPUTS.map((i) => ({ name: i.adoName, defaultValue: "default" in i ? i.default : "" })),
    ]);
    expect(task.inputs[0]).toMatchObject({ type: "connectedService:AzureRM", required: true });
    expect(task.inputs.slice(1).every((i) => i.required === false)).toBe(true);
    const groups = new Set(task.groups.map((g) => g.name));
    expect(task.inputs.filter((i) => i.groupName && !groups.has(i.groupName))).toEqual([]);
  });

  it("is AcrPreflight@1 on the Node24 handler, with the agent version that has it", () => {
    expect(task.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(task.name).toBe("AcrPreflight");
    expect(task.version.Major).toBe(1);
    expect(task.minimumAgentVersion).toBe(MINIMUM_AGENT_VERSION);
    expect(task.execution).toEqual({ Node24: { target: TASK_TARGET, argumentFormat: "" } });
    expect(statSync(path.join(REPO_ROOT, "ado-task", TASK_TARGET)).size).toBeGreaterThan(0);
    expect(task.instanceNameFormat).toContain("$(registry)");
  });

  it("declares the SPEC output variables", () => {
    expect(task.outputVariables.map((v) => v.name)).toEqual([
      "result",
      "errorCount",
      "warningCount",
      "reportPath",
      "sarifPath",
    ]);
    for (const variable of task.outputVariables) expect(variable.description).toBeTruthy();
  });
});

describe("the Marketplace extension", () => {
  it("packages with tfx into a .vsix holding task.json, the bundle and the icon", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "acr-preflight-vsix-"));
    const vsix = path.join(out, "acr-preflight.vsix");
    const tfx = path.join(REPO_ROOT, "node_modules", "tfx-cli", "_build", "tfx-cli.js");
    const result = await runNode(
      [tfx, "extension", "create", "--root", REPO_ROOT, "--manifest-globs", "vss-extension.json"].concat([
        "--output-path",
        vsix,
        "--no-prompt",
        "--no-color",
      ]),
      { PATH: process.env.PATH ?? "", HOME: out },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);

    const entries = await unzip(vsix);
    const [contribution] = extension.contributions;
    expect(contribution?.type).toBe("ms.vss-distributed-task.task");
    const taskDir = contribution?.properties.name ?? "";
    expect(JSON.parse(entries.get(`${taskDir}/task.json`)?.toString() ?? "{}")).toEqual(task);
    expect(entries.get(`${taskDir}/${TASK_TARGET}`)).toEqual(
      readFileSync(path.join(REPO_ROOT, "ado-task", TASK_TARGET)),
    );
    const icon = entries.get(extension.icons.default);
    expect(icon?.subarray(1, 4).toString()).toBe("PNG");
    expect([icon?.readUInt32BE(16), icon?.readUInt32BE(20)]).toEqual([128, 128]);
    expect(entries.has("extension.vsixmanifest")).toBe(true);
  });
});
