import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { describe, expect, it } from "vitest";
import { sharedTokenCredential } from "../src/core/credential/shared-token.js";

/** A credential that mints `<scope>#<n>` tokens valid for an hour and counts its calls. */
function countingCredential() {
  const calls: string[] = [];
  const credential: TokenCredential = {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      const scope = [scopes].flat().join(" ");
      calls.push(options?.claims ? `${scope} (claims)` : scope);
      return { token: `${scope}#${calls.length}`, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
  return { credential, calls };
}

describe("sharedTokenCredential", () => {
  it("asks once per scope however many callers ask at once, and masks every token it hands out", async () => {
    const { credential, calls } = countingCredential();
    const masked: string[] = [];
    const shared = sharedTokenCredential(credential, (secret) => masked.push(secret));
    const tokens = await Promise.all([
      shared.getToken("https://management.azure.com/.default"),
      shared.getToken("https://management.azure.com/.default", { enableCae: true }),
      shared.getToken("https://graph.microsoft.com/.default"),
    ]);
    expect(calls).toEqual(["https://management.azure.com/.default", "https://graph.microsoft.com/.default"]);
    expect(tokens.map((t) => t?.token)).toEqual([
      "https://management.azure.com/.default#1",
      "https://management.azure.com/.default#1",
      "https://graph.microsoft.com/.default#2",
    ]);
    for (const token of tokens) expect(masked).toContain(token?.token);
  });

  it("passes a claims challenge straight to the credential, and masks that token too", async () => {
    const { credential, calls } = countingCredential();
    const masked: string[] = [];
    const shared = sharedTokenCredential(credential, (secret) => masked.push(secret));
    const token = await shared.getToken("https://management.azure.com/.default", { claims: "e30=" });
    expect(calls).toEqual(["https://management.azure.com/.default (claims)"]);
    expect(masked).toEqual([token?.token]);
  });
});
