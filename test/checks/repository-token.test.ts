import { describe, expect, it } from "vitest";
import type { Registry } from "../fake-azure/scenario.js";
import { checkOf } from "../support/cli.js";
import { healthyVariant, runAgainst } from "./healthy-variant.js";

type TokenSpec = NonNullable<Registry["tokens"]>[number];

function withToken(token: Partial<TokenSpec> = {}) {
  return healthyVariant((v) => {
    v.registry.scopeMaps = [
      { name: "ci-shop", actions: ["repositories/shop/*/content/read", "repositories/shop/*/content/write"] },
    ];
    v.registry.tokens = [
      {
        name: "ci-token",
        scopeMap: "ci-shop",
        passwords: [{ name: "password1", value: "token-password-value-1", expiry: "now+200d" }],
        ...token,
      },
    ];
  });
}

async function run(scenario: ReturnType<typeof withToken>, operations = "pull,push", tokenName = "ci-token") {
  const args = [
    "--checks",
    "repository-token",
    "--token-name",
    tokenName,
    "--operations",
    operations,
    "--repositories",
    "shop/api",
  ];
  return checkOf((await runAgainst(scenario, args)).report, "repository-token");
}

describe("repository-token", () => {
  it("passes for an enabled token whose wildcard scope map covers the repository", async () => {
    const check = await run(withToken());
    expect(check.status).toBe("pass");
    expect(check.findings[0]).toMatchObject({
      code: "REPOSITORY_TOKEN_OK",
      evidence: { scopeMap: "ci-shop" },
    });
  });

  it("fails when the scope map only reads but the job pushes", async () => {
    const scenario = withToken({ scopeMap: "_repositories_pull" });
    const check = await run(scenario);
    expect(check.status).toBe("error");
    const finding = check.findings.find((f) => f.code === "SCOPE_MAP_MISSING_ACTION");
    expect(finding?.evidence.missing).toEqual(["content/write"]);
    expect(finding?.remediation[0]).toBe(
      "az acr scope-map update --name _repositories_pull --registry contosoacr --add-repository shop/api content/write",
    );
  });

  it("fails for a disabled token", async () => {
    const check = await run(withToken({ status: "disabled" }), "pull");
    expect(check.findings.map((f) => f.code)).toContain("REPOSITORY_TOKEN_DISABLED");
  });

  it("fails when every password has expired and warns when the last one expires soon", async () => {
    const expired = await run(
      withToken({ passwords: [{ name: "password1", value: "p1-value-xyz", expiry: "now-1d" }] }),
      "pull",
    );
    expect(expired.findings.map((f) => f.code)).toEqual(["REPOSITORY_TOKEN_NO_VALID_PASSWORD"]);
    const soon = await run(
      withToken({ passwords: [{ name: "password1", value: "p1-value-xyz", expiry: "now+5d" }] }),
      "pull",
    );
    expect(soon.status).toBe("warning");
    expect(soon.findings[0]?.code).toBe("REPOSITORY_TOKEN_PASSWORD_EXPIRES_SOON");
  });

  it("reports a token name that does not exist", async () => {
    const check = await run(withToken(), "pull", "no-such-token");
    expect(check.findings[0]?.code).toBe("REPOSITORY_TOKEN_NOT_FOUND");
  });
});
