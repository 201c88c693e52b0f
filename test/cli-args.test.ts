import { describe, expect, it } from "vitest";
import { parseArgs } from "../src/cli/args.js";
import { parseConfig } from "../src/core/config/parse.js";

describe("parseArgs", () => {
  it("reads --flag value and --flag=value, joins repeated flags as a list, and keeps auth apart", () => {
    const args = parseArgs([
      "--registry=myreg",
      "--repositories",
      "team/api",
      "--repositories=team/web",
      "--job-duration",
      "2h",
      "--client-id",
      "client-1",
      "--json",
    ]);
    expect(args.inputs).toEqual({
      registry: "myreg",
      repositories: "team/api\nteam/web",
      "job-duration": "2h",
    });
    expect(args.auth).toEqual({ "client-id": "client-1" });
    expect(args.switches).toEqual({ json: true, help: false, version: false });
    expect(parseConfig(args.inputs, { reportDir: "out" }).repositories).toEqual(["team/api", "team/web"]);
  });

  it("keeps an empty --flag= value as not given", () => {
    expect(
      parseConfig(parseArgs(["--registry=myreg", "--runner-ip="]).inputs, { reportDir: "out" }).runnerIp,
    ).toBe(undefined);
  });

  it("refuses a value on a switch", () => {
    expect(() => parseArgs(["--json=yes"])).toThrow("--json: takes no value");
  });
});
