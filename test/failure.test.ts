import { describe, expect, it } from "vitest";
import { InputError } from "../src/core/config/input-error.js";
import { NoCredentialConfigured } from "../src/core/credential/types.js";
import { failureLine } from "../src/core/failure.js";

describe("failureLine", () => {
  it("says a user's mistake as it is, and logs no stack for it", () => {
    const debug: string[] = [];
    const line = failureLine(
      InputError.invalid("fail-on", "sometimes", "a level", "error, warning or never"),
      "-",
      (l) => debug.push(l),
    );
    expect(line).toMatch(/^fail-on: 'sometimes'/);
    expect(debug).toEqual([]);
  });

  it("adds the surface's sign-in hint when no credential is configured", () => {
    expect(
      failureLine(new NoCredentialConfigured("AZURE_TENANT_ID is not set"), "see --help (Sign-in)"),
    ).toBe("no credential: AZURE_TENANT_ID is not set; see --help (Sign-in)");
  });

  it("keeps only the first line of a fault of ours, its stack going to debug", () => {
    const debug: string[] = [];
    const line = failureLine(new TypeError("x is undefined\nmore detail"), "-", (l) => debug.push(l));
    expect(line).toBe("internal error: x is undefined");
    expect(debug.join("\n")).toContain("TypeError: x is undefined");
  });
});
