import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Scenario } from "../fake-azure/scenario.js";
import { checkOf } from "../support/cli.js";
import { healthyVariant, runAgainst } from "./healthy-variant.js";
import type { Variant } from "./healthy-variant.js";

const SERVICE_TAGS_PATH = /\/providers\/Microsoft\.Network\/locations\/[^/]+\/serviceTags$/i;

/** `count` /24 prefixes in 100.64.0.0/10-free public space, none holding the runner. */
function manyPrefixes(count: number, firstOctet = 51): string[] {
  return Array.from(
    { length: count },
    (_, i) => `${firstOctet}.${100 + Math.floor(i / 250)}.${i % 250}.0/24`,
  );
}

/** The identity may read the Service Tags API (Reader at the subscription). */
function subscriptionReader(v: Variant) {
  v.scenario.roleAssignments.push({
    scope: `/subscriptions/${v.registry.subscriptionId}`,
    role: "Reader",
    principalId: v.principalId,
    principalType: "ServicePrincipal",
  });
}

function denyByDefault(v: Variant, ipRules: string[] = []) {
  v.registry.properties = { ...v.registry.properties, networkRuleSet: { defaultAction: "Deny", ipRules } };
}

/** The scenario's service tags written as a weekly ServiceTags_Public_*.json download. */
async function serviceTagsFile(scenario: Scenario): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "service-tags-"));
  const file = path.join(dir, "ServiceTags_Public_20261123.json");
  const tags = scenario.serviceTags!;
  const values = Object.entries(tags.tags).map(([name, addressPrefixes]) => ({
    name,
    id: name,
    properties: {
      changeNumber: tags.changeNumber,
      region: name.split(".")[1]?.toLowerCase() ?? "",
      addressPrefixes,
    },
  }));
  await writeFile(file, JSON.stringify({ changeNumber: 400, cloud: "Public", values }));
  return file;
}

async function serviceTags(tweak: (v: Variant) => void, args: string[]) {
  const scenario = healthyVariant(tweak);
  const result = await runAgainst(scenario, ["--checks", "service-tags", ...args]);
  return { check: checkOf(result.report, "service-tags"), requests: result.requests, scenario };
}

function codesOf(check: { findings: { code: string }[] }): string[] {
  return check.findings.map((f) => f.code);
}

describe("service-tags", () => {
  it("does not apply to self-hosted runners or an unknown runner kind", async () => {
    const selfHosted = await serviceTags(subscriptionReader, ["--runner-kind", "self-hosted"]);
    expect(selfHosted.check.status).toBe("skipped");
    expect(codesOf(selfHosted.check)).toEqual(["CHECK_NOT_APPLICABLE"]);
    expect(selfHosted.check.findings[0]!.message).toContain("self-hosted");

    const unknown = await serviceTags(subscriptionReader, []);
    expect(unknown.check.status).toBe("skipped");
    expect(unknown.check.findings[0]!.message).toContain("runner-kind");
  });

  it("is skipped naming the permission when the Service Tags API is not readable", async () => {
    const { check } = await serviceTags(() => undefined, ["--runner-kind", "ado-hosted"]);
    expect(check.status).toBe("skipped");
    expect(codesOf(check)).toEqual(["PERMISSION_MISSING"]);
    expect(check.findings[0]!.message).toContain("Microsoft.Network/locations/serviceTags/read");
    expect(check.findings[0]!.remediation[0]).toContain("--role Reader");
    expect(check.findings[0]!.remediation[0]).toContain(
      "--scope /subscriptions/11111111-2222-3333-4444-555555555555",
    );
  });

  it("finds the GitHub actions range and AzureCloud tag holding a GitHub-hosted runner", async () => {
    const { check, requests } = await serviceTags(subscriptionReader, ["--runner-kind", "github-hosted"]);
    expect(check.status).toBe("pass");
    expect(codesOf(check)).toEqual(["HOSTED_RANGES_FIT"]);
    expect(check.findings[0]!.evidence).toMatchObject({
      runnerKind: "github-hosted",
      runnerIp: "20.61.1.2",
      azureCloudTags: ["AzureCloud.westeurope"],
      holdingRanges: ["20.61.0.0/16"],
      prefixesNeeded: 5,
      serviceTags: "service-tags-api (changeNumber 312)",
    });
    expect(requests.filter((r) => r.host === "api.github.com" && r.path === "/meta")).toHaveLength(1);
  });

  it("fails for GitHub-hosted runners behind a Deny firewall when the actions list exceeds 200 rules", async () => {
    const { check } = await serviceTags(
      (v) => {
        subscriptionReader(v);
        denyByDefault(v, ["20.61.1.2/32"]);
        v.scenario.githubActionsRanges = ["20.61.0.0/16", ...manyPrefixes(260)];
      },
      ["--runner-kind", "github-hosted"],
    );
    expect(check.status).toBe("error");
    expect(codesOf(check)).toEqual(["HOSTED_RANGES_EXCEED_LIMIT"]);
    const finding = check.findings[0]!;
    expect(finding.evidence).toMatchObject({ prefixesNeeded: 261, ipRules: 1, limit: 200 });
    expect(finding.remediation.join("\n")).toContain("larger runners with static IP");
    expect(finding.remediation.join("\n")).toContain("private endpoint");
  });

  it("still judges a GitHub-hosted runner on GitHub's list when Azure's service tags are not readable", async () => {
    const { check } = await serviceTags(
      (v) => {
        denyByDefault(v, ["20.61.1.2/32"]);
        v.scenario.githubActionsRanges = ["20.61.0.0/16", ...manyPrefixes(260)];
      },
      ["--runner-kind", "github-hosted"],
    );
    expect(check.status).toBe("error");
    expect(codesOf(check)).toEqual(["HOSTED_RANGES_EXCEED_LIMIT", "SERVICE_TAGS_NOT_READ"]);
    expect(check.findings[0]!.evidence).toMatchObject({ serviceTags: "not read", prefixesNeeded: 261 });
    const notRead = check.findings[1]!;
    expect(notRead.severity).toBe("notice");
    expect(notRead.message).toContain("Microsoft.Network/locations/serviceTags/read");
    expect(notRead.message).toContain("were not looked for");
    expect(notRead.remediation[0]).toContain("--role Reader");
  });

  it("only notes the limit when the registry does not rely on allow-listing", async () => {
    const { check } = await serviceTags(
      (v) => {
        subscriptionReader(v);
        v.scenario.githubActionsRanges = ["20.61.0.0/16", ...manyPrefixes(260)];
      },
      ["--runner-kind", "github-hosted"],
    );
    expect(check.status).toBe("pass");
    expect(check.findings.map((f) => [f.code, f.severity])).toEqual([
      ["HOSTED_RANGES_EXCEED_LIMIT", "notice"],
    ]);
  });

  it("reads service-tags-file instead of the API and counts the agent region's AzureCloud prefixes", async () => {
    const scenario = healthyVariant((v) => {
      denyByDefault(v);
      v.scenario.serviceTags!.tags["AzureCloud.westeurope"] = ["20.61.0.0/16", ...manyPrefixes(240)];
    });
    const file = await serviceTagsFile(scenario);
    const result = await runAgainst(scenario, [
      "--checks",
      "service-tags",
      "--runner-kind",
      "ado-hosted",
      "--service-tags-file",
      file,
    ]);
    const check = checkOf(result.report, "service-tags");
    expect(check.status).toBe("error");
    expect(codesOf(check)).toEqual(["HOSTED_RANGES_EXCEED_LIMIT"]);
    expect(check.findings[0]!.evidence).toMatchObject({
      runnerKind: "ado-hosted",
      holdingRanges: ["AzureCloud.westeurope"],
      prefixesNeeded: 241,
      serviceTags: "service-tags-file (changeNumber 400)",
    });
    expect(check.findings[0]!.remediation.join("\n")).toContain("Managed DevOps Pools");
    expect(result.requests.some((r) => SERVICE_TAGS_PATH.test(r.path))).toBe(false);
  });

  it("warns about rules copied from the AzureDevOps tag", async () => {
    const { check } = await serviceTags(
      (v) => {
        subscriptionReader(v);
        denyByDefault(v, ["20.61.0.0/16", "20.37.158.0/23", "40.80.187.0/24"]);
      },
      ["--runner-kind", "ado-hosted"],
    );
    expect(check.status).toBe("warning");
    expect(codesOf(check)).toEqual(["AZURE_DEVOPS_TAG_RULES", "HOSTED_RANGES_FIT"]);
    const finding = check.findings[0]!;
    expect(finding.evidence).toEqual({ tag: "AzureDevOps", rules: ["20.37.158.0/23", "40.80.187.0/24"] });
    expect(finding.remediation).toEqual([
      "az acr network-rule remove --name contosoacr --ip-address 20.37.158.0/23",
      "az acr network-rule remove --name contosoacr --ip-address 40.80.187.0/24",
    ]);
  });

  it("warns about ranges of a copied tag that this week's list no longer has", async () => {
    const { check } = await serviceTags(
      (v) => {
        subscriptionReader(v);
        // Two exact copies of AzureCloud.westeurope prefixes, one range dropped from every list, one office /32.
        denyByDefault(v, ["13.69.0.0/17", "20.61.0.0/16", "52.236.0.0/17", "198.51.100.7"]);
      },
      ["--runner-kind", "ado-hosted"],
    );
    expect(check.status).toBe("warning");
    expect(codesOf(check)).toContain("STALE_TAG_RULES");
    const stale = check.findings.find((f) => f.code === "STALE_TAG_RULES")!;
    expect(stale.evidence).toEqual({ exactCopies: 2, staleRules: ["52.236.0.0/17"] });
  });

  it("warns when a hosted runner's IP is in no published range", async () => {
    const { check } = await serviceTags(
      (v) => {
        subscriptionReader(v);
        v.scenario.runner.ip = "198.51.100.23";
      },
      ["--runner-kind", "ado-hosted"],
    );
    expect(check.status).toBe("warning");
    expect(codesOf(check)).toEqual(["RUNNER_IP_NOT_IN_TAGS"]);
    expect(check.findings[0]!.evidence).toMatchObject({ runnerIp: "198.51.100.23", azureCloudTags: [] });
  });
});
