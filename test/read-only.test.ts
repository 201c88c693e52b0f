import { describe, expect, it } from "vitest";
import { assertReadOnly } from "../src/core/azure/http.js";
import { startFakeAzure, type RecordedRequest } from "./fake-azure/index.js";
import { runCli } from "./support/cli.js";

/**
 * The only POSTs acr-preflight may send (SPEC §5): token endpoints (Entra, the registry's
 * exchange/token, OIDC issuers), Resource Graph queries and Azure Policy state queries. Written out here, not imported, so the
 * test is an independent oracle for the guard in src/core/azure/http.ts.
 */
const ALLOWED_POSTS = [
  /^\/[^/]+\/oauth2\/v2\.0\/token$/,
  /^\/oauth2\/exchange$/,
  /^\/oauth2\/token$/,
  /^\/_ado\/oidctoken$/,
  /^\/providers\/Microsoft\.ResourceGraph\/resources$/i,
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+\/providers\/Microsoft\.PolicyInsights\/policyStates\/latest\/queryResults$/i,
];

function isReadOnly(request: RecordedRequest): boolean {
  if (request.method === "GET" || request.method === "HEAD") return true;
  return request.method === "POST" && ALLOWED_POSTS.some((p) => p.test(request.path));
}

const JOB = [
  "--operations",
  "pull,push,delete",
  "--repositories",
  "shop/api,shop/web",
  "--images",
  "shop/api:1.4.2,shop/web:latest",
  "--platform",
  "linux/arm64",
  "--expected-push-size",
  "2GiB",
  "--job-duration",
  "2h",
];

describe("read-only", () => {
  it.each(["healthy", "broken"])(
    "sends only reads to Azure in the %s scenario, every check",
    async (name) => {
      const fake = await startFakeAzure({ scenario: name });
      try {
        const result = await runCli(fake, ["--registry", "contosoacr", ...JOB]);
        expect(result.report, result.stderr).toBeDefined();
        const ran = result
          .report!.registries[0]!.checks.filter((c) => c.status !== "skipped")
          .map((c) => c.id);
        expect(ran).toEqual(expect.arrayContaining(["credential", "registry", "data-plane-access"]));
        expect(fake.requests.length).toBeGreaterThan(5);
        expect(
          fake.requests.filter((r) => !isReadOnly(r)).map((r) => `${r.method} ${r.host}${r.path}`),
        ).toEqual([]);
        expect(fake.unexpected.map((r) => `${r.method} ${r.host}${r.path}`)).toEqual([]);
      } finally {
        await fake.close();
      }
    },
  );

  it("the guarded client refuses every write before it leaves the process", () => {
    const registry = "https://contosoacr.azurecr.io";
    const arm =
      "https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r";
    for (const method of ["PUT", "PATCH", "DELETE"])
      expect(() => assertReadOnly(method, arm)).toThrow(/never changes Azure/);
    expect(() => assertReadOnly("POST", `${arm}/listCredentials`)).toThrow(/never changes Azure/);
    expect(() => assertReadOnly("POST", `${arm}/regenerateCredential`)).toThrow(/never changes Azure/);
    expect(() => assertReadOnly("DELETE", `${registry}/v2/shop/api/manifests/sha256:00`)).toThrow(
      /never changes Azure/,
    );
    expect(() => assertReadOnly("POST", `${registry}/v2/shop/api/blobs/uploads/`)).toThrow(
      /never changes Azure/,
    );
    expect(() => assertReadOnly("POST", `${registry}/oauth2/exchange`)).not.toThrow();
    expect(() => assertReadOnly("GET", arm)).not.toThrow();
  });
});
