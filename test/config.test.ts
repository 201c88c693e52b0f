import path from "node:path";
import { describe, expect, it } from "vitest";
import { CHECK_IDS } from "../src/core/checks/ids.js";
import { CLOUDS } from "../src/core/config/clouds.js";
import { INPUTS } from "../src/core/config/inputs.js";
import { InputError, parseConfig, type RawInputs } from "../src/core/config/parse.js";
import { parseRegistryRef } from "../src/core/config/registry-ref.js";
import { detectRunnerKind } from "../src/core/config/runner-kind.js";
import { parseDurationMinutes, parseSizeBytes } from "../src/core/config/units.js";

const DEFAULTS = { reportDir: "/tmp/acr-preflight-test" };
const parse = (raw: RawInputs) => parseConfig({ registry: "myreg", ...raw }, DEFAULTS);

function errorOf(raw: RawInputs): InputError {
  try {
    parse(raw);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error(`no InputError for ${JSON.stringify(raw)}`);
}

describe("parseConfig rejects each bad value with one line naming the input, value and what is accepted", () => {
  const rows: [input: string, value: string, line: string][] = [
    ["job-duration", "90 minutes", "job-duration: '90 minutes' is not a duration; use 90m, 2h or 1h30m"],
    ["job-duration", "90", "job-duration: '90' is not a duration; use 90m, 2h or 1h30m"],
    ["job-duration", "30m1h", "job-duration: '30m1h' is not a duration; use 90m, 2h or 1h30m"],
    ["job-duration", "0m", "job-duration: '0m' is not a duration longer than zero; use 90m, 2h or 1h30m"],
    ["job-duration", "90s", "job-duration: '90s' is not a duration; use 90m, 2h or 1h30m"],
    [
      "expiry-warning",
      "a month",
      "expiry-warning: 'a month' is not a duration; use a duration such as 30d, 7d or 12h",
    ],
    [
      "storage-warning",
      "0",
      "storage-warning: '0' is not a percent from 1 to 100; use a whole percent from 1 to 100, e.g. 80",
    ],
    [
      "storage-warning",
      "101",
      "storage-warning: '101' is not a percent from 1 to 100; use a whole percent from 1 to 100, e.g. 80",
    ],
    [
      "storage-warning",
      "80.5",
      "storage-warning: '80.5' is not a percent from 1 to 100; use a whole percent from 1 to 100, e.g. 80",
    ],
    [
      "expected-push-size",
      "2 gigs",
      "expected-push-size: '2 gigs' is not a size; use a size such as 2GiB, 500MB or 1048576 (bytes)",
    ],
    [
      "expected-push-size",
      "-5MB",
      "expected-push-size: '-5MB' is not a size; use a size such as 2GiB, 500MB or 1048576 (bytes)",
    ],
    [
      "operations",
      "pull,pusj",
      "operations: 'pusj' is not an operation; use pull, push and/or delete, separated by commas",
    ],
    ["operations", " , ", "operations: ',' is not a list; use pull, push and/or delete, separated by commas"],
    [
      "login-method",
      "docker-login",
      "login-method: 'docker-login' is not a login method; use az-acr-login, service-principal, repository-token, admin or managed-identity",
    ],
    [
      "runner-ip",
      "2001:db8::1",
      "runner-ip: '2001:db8::1' is not an IPv4 address (registry IP rules take IPv4 only); use an IPv4 address such as 20.61.1.2",
    ],
    [
      "runner-ip",
      "20.61.1.2/32",
      "runner-ip: '20.61.1.2/32' is not an IPv4 address; use an IPv4 address such as 20.61.1.2",
    ],
    [
      "runner-ip",
      "300.1.1.1",
      "runner-ip: '300.1.1.1' is not an IPv4 address; use an IPv4 address such as 20.61.1.2",
    ],
    [
      "ip-echo-url",
      "http://api.ipify.org",
      "ip-echo-url: 'http://api.ipify.org' is not an https:// URL; use an https:// URL or none",
    ],
    ["ip-echo-url", "ipify", "ip-echo-url: 'ipify' is not a URL; use an https:// URL or none"],
    [
      "runner-kind",
      "hosted",
      "runner-kind: 'hosted' is not a runner kind; use github-hosted, ado-hosted or self-hosted",
    ],
    ["fail-on", "errors", "fail-on: 'errors' is not a fail-on level; use error, warning or never"],
    ["mode", "nightly", "mode: 'nightly' is not a mode; use preflight or audit"],
    [
      "environment",
      "AzureStack",
      "environment: 'AzureStack' is not an Azure cloud; use AzureCloud, AzureUSGovernment or AzureChinaCloud",
    ],
    [
      "arm-endpoint",
      "http://management.local",
      "arm-endpoint: 'http://management.local' is not an https:// URL; use an https:// URL such as https://management.azure.com",
    ],
    [
      "authority-host",
      "login",
      "authority-host: 'login' is not a URL; use an https:// URL such as https://login.microsoftonline.com",
    ],
    [
      "graph-endpoint",
      "ftp://graph",
      "graph-endpoint: 'ftp://graph' is not an https:// URL; use an https:// URL such as https://graph.microsoft.com",
    ],
    [
      "subscription-id",
      "my-subscription",
      "subscription-id: 'my-subscription' is not a subscription id; use a subscription GUID, e.g. 00000000-0000-0000-0000-000000000000",
    ],
    [
      "resource-group",
      "rg.",
      "resource-group: 'rg.' is not a resource group name; use a resource group name (1-90 letters, digits, '.', '_', '-', '(', ')', not ending in '.')",
    ],
    [
      "repositories",
      "Team/API",
      "repositories: 'Team/API' is not a repository name (repository names are lower case); use lower-case repository names such as team/api, separated by commas or newlines",
    ],
    [
      "repositories",
      "team//api",
      "repositories: 'team//api' is not a repository name; use lower-case repository names such as team/api, separated by commas or newlines",
    ],
    [
      "images",
      "team/api",
      "images: 'team/api' is not an image reference with a tag or digest; use repo:tag or repo@sha256:<64 hex digits>, separated by commas or newlines",
    ],
    [
      "images",
      "team/api@sha256:abc",
      "images: 'team/api@sha256:abc' is not an image reference (bad digest); use repo:tag or repo@sha256:<64 hex digits>, separated by commas or newlines",
    ],
    [
      "images",
      "Team/api:1.0",
      "images: 'Team/api:1.0' is not an image reference (repository names are lower case); use repo:tag or repo@sha256:<64 hex digits>, separated by commas or newlines",
    ],
    [
      "images",
      "team/api:-bad",
      "images: 'team/api:-bad' is not an image reference (bad tag); use repo:tag or repo@sha256:<64 hex digits>, separated by commas or newlines",
    ],
    [
      "platform",
      "linux",
      "platform: 'linux' is not a platform; use os/arch or os/arch/variant, e.g. linux/amd64, windows/amd64 or linux/arm64/v8",
    ],
    [
      "platform",
      "linux/amd64/v8/extra",
      "platform: 'linux/amd64/v8/extra' is not a platform; use os/arch or os/arch/variant, e.g. linux/amd64, windows/amd64 or linux/arm64/v8",
    ],
    [
      "aks-cluster",
      "/subscriptions/x/clusters/aks",
      "aks-cluster: '/subscriptions/x/clusters/aks' is not an AKS cluster name or resource id; use a cluster name or its resource id /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ContainerService/managedClusters/<name>",
    ],
    [
      "token-name",
      "my token",
      "token-name: 'my token' is not a token name; use the token's name as in `az acr token list`",
    ],
    [
      "registry",
      "my-reg",
      "registry: 'my-reg' is not a registry name; use a registry name (5-50 letters and digits) or its login server, e.g. myreg or myreg.azurecr.io",
    ],
    [
      "registry",
      "acr",
      "registry: 'acr' is not a registry name; use a registry name (5-50 letters and digits) or its login server, e.g. myreg or myreg.azurecr.io",
    ],
    [
      "registry",
      "my reg",
      "registry: 'my reg' is not a registry name; use a registry name (5-50 letters and digits) or its login server, e.g. myreg or myreg.azurecr.io",
    ],
    [
      "registry",
      "myreg_1.azurecr.io",
      "registry: 'myreg_1.azurecr.io' is not a registry name; use a registry name (5-50 letters and digits) or its login server, e.g. myreg or myreg.azurecr.io",
    ],
    [
      "registry",
      "docker.io",
      "registry: 'docker.io' is not an Azure Container Registry login server; use a registry name (5-50 letters and digits) or its login server, e.g. myreg or myreg.azurecr.io",
    ],
    [
      "checks",
      "network-rule",
      `checks: 'network-rule' is not a check id; use network-rules, or one of ${CHECK_IDS.join(", ")}`,
    ],
    [
      "skip-checks",
      "firewall",
      `skip-checks: 'firewall' is not a check id; use one of ${CHECK_IDS.join(", ")}`,
    ],
  ];

  it.each(rows)("%s = %j", (input, value, line) => {
    const error = errorOf({ [input]: value });
    expect(error.message).toBe(line);
    expect(error.input).toBe(input);
    expect(error.message).not.toContain("\n");
  });

  it("names a missing registry in preflight mode", () => {
    expect(() => parseConfig({}, DEFAULTS)).toThrow(
      "registry: is required in preflight mode; use registry names or login servers, e.g. myreg or myreg.azurecr.io, separated by commas or newlines (or mode audit)",
    );
    expect(() => parseConfig({ registry: " \n " }, DEFAULTS)).toThrow(/^registry: is required/);
  });

  it("requires token-name with login-method repository-token", () => {
    expect(errorOf({ "login-method": "repository-token" }).message).toBe(
      "token-name: is required with login-method repository-token; use the token's name as in `az acr token list`",
    );
  });

  it("refuses a skip list that leaves nothing to run", () => {
    expect(errorOf({ checks: "registry", "skip-checks": "registry" }).message).toMatch(
      /^skip-checks: 'registry' is not a list that leaves a check to run/,
    );
  });

  it("names an unknown input and suggests the near one", () => {
    expect(errorOf({ "job-durations": "90m" }).message).toMatch(
      /^job-durations: is not an acr-preflight input; use job-duration, or one of registry, /,
    );
  });

  it("keeps a multi-line value on one line in the message", () => {
    expect(errorOf({ "job-duration": "90m\n2h" }).message).toBe(
      "job-duration: '90m\\n2h' is not a duration; use 90m, 2h or 1h30m",
    );
  });
});

describe("parseConfig happy paths", () => {
  it("applies the SPEC defaults", () => {
    const config = parseConfig({ registry: "myreg", "job-duration": "", operations: undefined }, DEFAULTS);
    expect(config).toMatchObject({
      mode: "preflight",
      registries: [{ input: "myreg", name: "myreg", typos: [] }],
      operations: ["pull"],
      repositories: [],
      images: [],
      jobDurationMinutes: 60,
      expiryWarningMinutes: 30 * 24 * 60,
      storageWarningPercent: 80,
      loginMethod: "az-acr-login",
      ipEchoUrl: "https://api.ipify.org",
      failOn: "error",
      reportDir: path.resolve(DEFAULTS.reportDir),
      cloud: CLOUDS.AzureCloud,
      checks: { ids: [...CHECK_IDS], explicit: false },
    });
    expect(config.runnerKind).toBeUndefined();
    expect(config.subscriptionId).toBeUndefined();
  });

  it("reads every input written the way users write them", () => {
    const config = parseConfig(
      {
        registry: "myreg, other1.azurecr.io\nmyreg",
        "subscription-id": "0B1E2C3D-0000-4000-8000-000000000001",
        "resource-group": "rg-build(eu)",
        operations: "Pull,\npush, pull",
        repositories: "team/api\nteam/web-ui, base/node_20",
        images: "team/api:1.4.2, myreg.azurecr.io/team/web@sha256:" + "a".repeat(64),
        platform: "Windows/AMD64",
        "job-duration": "1h 30m",
        "expiry-warning": "7d",
        "storage-warning": "90%",
        "expected-push-size": "2GiB",
        "login-method": "repository-token",
        "token-name": "ci-push",
        "aks-cluster":
          "/subscriptions/0b1e2c3d-0000-4000-8000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
        "runner-ip": "20.61.1.2",
        "ip-echo-url": "none",
        "runner-kind": "self-hosted",
        "service-tags-file": "tags/ServiceTags_Public.json",
        checks: "network-rules,registry",
        "skip-checks": "registry",
        "fail-on": "Warning",
        mode: "preflight",
        "report-dir": "out",
        environment: "azureusgovernment",
        "arm-endpoint": "https://management.example.test/",
      },
      { reportDir: "ignored", runnerKind: "github-hosted" },
    );
    expect(config.registries.map((r) => r.name)).toEqual(["myreg", "other1"]);
    expect(config.registries[1]).toMatchObject({ loginServer: "other1.azurecr.io" });
    expect(config.registries[1]!.typos).toEqual([
      { kind: "other-cloud-suffix", found: "azurecr.io", expected: "azurecr.us" },
    ]);
    expect(config.subscriptionId).toBe("0b1e2c3d-0000-4000-8000-000000000001");
    expect(config.operations).toEqual(["pull", "push"]);
    expect(config.repositories).toEqual(["team/api", "team/web-ui", "base/node_20"]);
    expect(config.images).toEqual([
      { input: "team/api:1.4.2", repository: "team/api", tag: "1.4.2" },
      {
        input: "myreg.azurecr.io/team/web@sha256:" + "a".repeat(64),
        repository: "team/web",
        digest: "sha256:" + "a".repeat(64),
      },
    ]);
    expect(config.platform).toEqual({ os: "windows", architecture: "amd64" });
    expect(config.jobDurationMinutes).toBe(90);
    expect(config.expiryWarningMinutes).toBe(7 * 24 * 60);
    expect(config.storageWarningPercent).toBe(90);
    expect(config.expectedPushSizeBytes).toBe(2 * 1024 ** 3);
    expect(config.tokenName).toBe("ci-push");
    expect(config.runnerIp).toBe("20.61.1.2");
    expect(config.ipEchoUrl).toBeUndefined();
    expect(config.runnerKind).toBe("self-hosted");
    expect(config.serviceTagsFile).toBe(path.resolve("tags/ServiceTags_Public.json"));
    expect(config.checks).toEqual({ ids: ["network-rules"], explicit: true });
    expect(config.failOn).toBe("warning");
    expect(config.reportDir).toBe(path.resolve("out"));
    expect(config.cloud).toEqual({
      ...CLOUDS.AzureUSGovernment,
      armEndpoint: "https://management.example.test",
    });
  });

  it("takes the detected runner kind when the input is empty", () => {
    expect(
      parseConfig({ registry: "myreg", "runner-kind": "" }, { ...DEFAULTS, runnerKind: "ado-hosted" })
        .runnerKind,
    ).toBe("ado-hosted");
  });

  it("lets audit mode run without a registry, and checks=all stays implicit", () => {
    const config = parseConfig({ mode: "audit", checks: "all", "skip-checks": "service-tags" }, DEFAULTS);
    expect(config.registries).toEqual([]);
    expect(config.checks.explicit).toBe(false);
    expect(config.checks.ids).toEqual(CHECK_IDS.filter((id) => id !== "service-tags"));
  });
});

describe("parseRegistryRef keeps every typo for the registry check", () => {
  const cloud = CLOUDS.AzureCloud;
  it.each([
    ["https://myreg.azurecr.io", [{ kind: "scheme", found: "https://" }]],
    ["myreg.azurecr.io:443", [{ kind: "port", found: ":443" }]],
    ["myreg.azurecr.io/team/api", [{ kind: "path", found: "/team/api" }]],
    ["MyReg.AzureCR.io", [{ kind: "uppercase", found: "MyReg.AzureCR.io" }]],
    ["myreg.azureacr.io", [{ kind: "misspelt-suffix", found: "azureacr.io", expected: "azurecr.io" }]],
    ["myreg.azurecr.com", [{ kind: "misspelt-suffix", found: "azurecr.com", expected: "azurecr.io" }]],
    ["myreg.azurecr.io.", [{ kind: "misspelt-suffix", found: "azurecr.io.", expected: "azurecr.io" }]],
    ["myreg.azurecr.cn", [{ kind: "other-cloud-suffix", found: "azurecr.cn", expected: "azurecr.io" }]],
    [
      "https://MYREG.azurecr.io:443/v2/",
      [
        { kind: "scheme", found: "https://" },
        { kind: "path", found: "/v2/" },
        { kind: "port", found: ":443" },
        { kind: "uppercase", found: "MYREG.azurecr.io" },
      ],
    ],
  ])("%s", (input, typos) => {
    const ref = parseRegistryRef(input, cloud);
    expect(ref.name).toBe("myreg");
    expect(ref.input).toBe(input);
    expect(ref.typos).toEqual(typos);
  });

  it("reads a login server with a domain-name-label hash", () => {
    expect(parseRegistryRef("myreg-abc123.azurecr.io", cloud)).toEqual({
      input: "myreg-abc123.azurecr.io",
      name: "myreg",
      loginServer: "myreg-abc123.azurecr.io",
      typos: [],
    });
  });
});

describe("units", () => {
  it.each([
    ["45m", 45],
    ["2h", 120],
    ["1h30m", 90],
    ["30d", 43200],
    ["1d12h", 2160],
    ["2H", 120],
  ])("duration %s = %d minutes", (text, minutes) => expect(parseDurationMinutes(text)).toBe(minutes));

  it.each([
    ["2GiB", 2147483648],
    ["500MB", 500_000_000],
    ["1.5gb", 1_500_000_000],
    ["1048576", 1048576],
    ["10 KiB", 10240],
  ])("size %s = %d bytes", (text, bytes) => expect(parseSizeBytes(text)).toBe(bytes));
});

describe("detectRunnerKind", () => {
  it.each([
    [{ RUNNER_ENVIRONMENT: "github-hosted" }, "github-hosted"],
    [{ RUNNER_ENVIRONMENT: "self-hosted" }, "self-hosted"],
    [{ AGENT_ISSELFHOSTED: "0" }, "ado-hosted"],
    [{ AGENT_ISSELFHOSTED: "False" }, "ado-hosted"],
    [{ AGENT_ISSELFHOSTED: "1" }, "self-hosted"],
    [{}, undefined],
  ])("%j → %s", (env, kind) => expect(detectRunnerKind(env)).toBe(kind));
});

describe("INPUTS", () => {
  it("names every input once, with camelCase ADO names", () => {
    const names = INPUTS.map((i) => i.name);
    expect(new Set(names).size).toBe(names.length);
    for (const input of INPUTS) {
      expect(input.adoName).toBe(input.name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()));
    }
  });

  it("has defaults the parser accepts", () => {
    const raw = Object.fromEntries(
      INPUTS.filter((i) => "default" in i).map((i) => [i.name, i.default as string]),
    );
    expect(() => parse(raw)).not.toThrow();
  });
});
