import path from "node:path";
import ipaddr from "ipaddr.js";
import { CHECK_IDS, isCheckId, type CheckId } from "../checks/ids.js";
import type { Mode } from "../report/types.js";
import { closest } from "./closest.js";
import { ALL_ACR_SUFFIXES, CLOUDS, type CloudEndpoints, type CloudName } from "./clouds.js";
import { InputError } from "./input-error.js";
import { INPUT_NAMES, inputSpec, type InputName } from "./inputs.js";
import { parseRegistryRef } from "./registry-ref.js";
import type {
  FailOn,
  ImageRef,
  LoginMethod,
  Operation,
  Platform,
  PreflightConfig,
  RegistryRef,
  RunnerKind,
} from "./types.js";
import { parseDurationMinutes, parseSizeBytes } from "./units.js";

export { InputError } from "./input-error.js";

/** Inputs by their kebab-case SPEC names, as a surface read them; empty means not given. */
export type RawInputs = Record<string, string | undefined>;

export interface ConfigDefaults {
  /** The surface's report directory (resolved against the working directory). */
  reportDir: string;
  /** What the surface detected (detectRunnerKind); the `runner-kind` input wins. */
  runnerKind?: RunnerKind;
}

const OPERATIONS: readonly Operation[] = ["pull", "push", "delete"];
const LOGIN_METHODS: readonly LoginMethod[] = [
  "az-acr-login",
  "service-principal",
  "repository-token",
  "admin",
  "managed-identity",
];
const RUNNER_KINDS: readonly RunnerKind[] = ["github-hosted", "ado-hosted", "self-hosted"];
const FAIL_ON: readonly FailOn[] = ["error", "warning", "never"];
const MODES: readonly Mode[] = ["preflight", "audit"];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESOURCE_GROUP = /^[\p{L}\p{N}._()-]{0,89}[\p{L}\p{N}_()-]$/u;
const REPOSITORY_COMPONENT = "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*";
const REPOSITORY = new RegExp(`^${REPOSITORY_COMPONENT}(?:/${REPOSITORY_COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const PLATFORM = /^([a-z0-9]+)\/([a-z0-9_]+)(?:\/([a-z0-9]+))?$/;
const AKS_RESOURCE_ID =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+$/i;
const AKS_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,49}$/;

/**
 * Validates every input and builds the typed config. Throws InputError, whose message is the one
 * line the user sees, for the first bad value.
 */
export function parseConfig(raw: RawInputs, defaults: ConfigDefaults): PreflightConfig {
  const inputs = new InputReader(raw);
  const mode = inputs.oneOf("mode", MODES, "a mode");
  const cloud = parseCloud(inputs);
  const loginMethod = inputs.oneOf("login-method", LOGIN_METHODS, "a login method");
  const tokenName = inputs.matching("token-name", TOKEN_NAME, "a token name");
  if (loginMethod === "repository-token" && !tokenName) {
    throw new InputError(
      "token-name",
      `token-name: is required with login-method repository-token; use ${inputSpec("token-name").accepted}`,
    );
  }
  const runnerKind = raw["runner-kind"]?.trim()
    ? inputs.oneOf("runner-kind", RUNNER_KINDS, "a runner kind")
    : defaults.runnerKind;
  const platform = inputs.value("platform");
  const expectedPushSize = inputs.value("expected-push-size");
  const serviceTagsFile = inputs.value("service-tags-file");
  const ipEchoUrl = inputs.value("ip-echo-url") as string;
  return {
    mode,
    registries: parseRegistries(inputs, mode, cloud),
    subscriptionId: inputs.matching("subscription-id", GUID, "a subscription id")?.toLowerCase(),
    resourceGroup: inputs.matching("resource-group", RESOURCE_GROUP, "a resource group name"),
    operations: unique(
      inputs.listOf("operations", (v) => inputs.enumValue("operations", v, OPERATIONS, "an operation")),
    ),
    repositories: unique(inputs.listOf("repositories", (v) => parseRepository(inputs, v))),
    images: inputs.listOf("images", (v) => parseImage(inputs, v)),
    platform: platform === undefined ? undefined : parsePlatform(inputs, platform),
    jobDurationMinutes: parseDuration(inputs, "job-duration", 1),
    expiryWarningMinutes: parseDuration(inputs, "expiry-warning", 0),
    storageWarningPercent: parsePercent(inputs, "storage-warning"),
    expectedPushSizeBytes:
      expectedPushSize === undefined
        ? undefined
        : (parseSizeBytes(expectedPushSize) ?? inputs.fail("expected-push-size", expectedPushSize, "a size")),
    loginMethod,
    tokenName,
    aksCluster: parseAksCluster(inputs),
    runnerIp: parseRunnerIp(inputs),
    ipEchoUrl:
      ipEchoUrl.toLowerCase() === "none" ? undefined : parseHttpsUrl(inputs, "ip-echo-url", ipEchoUrl),
    runnerKind,
    serviceTagsFile: serviceTagsFile === undefined ? undefined : path.resolve(serviceTagsFile),
    checks: parseChecks(inputs),
    failOn: inputs.oneOf("fail-on", FAIL_ON, "a fail-on level"),
    reportDir: path.resolve(inputs.value("report-dir") ?? defaults.reportDir),
    cloud,
  };
}

/** Reads raw inputs: trims, treats empty as absent, falls back to the SPEC default, and words errors. */
class InputReader {
  private readonly values = new Map<InputName, string>();

  constructor(raw: RawInputs) {
    for (const [key, value] of Object.entries(raw)) {
      if (value === undefined) continue;
      if (!(INPUT_NAMES as readonly string[]).includes(key)) {
        const near = closest(key, INPUT_NAMES);
        throw new InputError(
          key,
          `${key}: is not an acr-preflight input; use ${near ? `${near}, or ` : ""}one of ${INPUT_NAMES.join(", ")}`,
        );
      }
      if (value.trim()) this.values.set(key as InputName, value.trim());
    }
  }

  value(name: InputName): string | undefined {
    return this.values.get(name) ?? inputSpec(name).default;
  }

  /** Comma- or newline-separated entries, trimmed, empties dropped; a value with no entries is an error. */
  listOf<T>(name: InputName, parseEntry: (entry: string) => T): T[] {
    const value = this.value(name);
    if (value === undefined) return [];
    const entries = splitList(value);
    if (entries.length === 0) this.fail(name, value, "a list");
    return entries.map(parseEntry);
  }

  oneOf<T extends string>(name: InputName, allowed: readonly T[], what: string): T {
    return this.enumValue(name, this.value(name) as string, allowed, what);
  }

  /** Case-insensitive, returning the canonical spelling. */
  enumValue<T extends string>(name: InputName, value: string, allowed: readonly T[], what: string): T {
    return allowed.find((a) => a.toLowerCase() === value.toLowerCase()) ?? this.fail(name, value, what);
  }

  matching(name: InputName, pattern: RegExp, what: string): string | undefined {
    const value = this.value(name);
    if (value !== undefined && !pattern.test(value)) this.fail(name, value, what);
    return value;
  }

  fail(name: InputName, value: string, what: string, accepted = inputSpec(name).accepted): never {
    throw InputError.invalid(name, value, what, accepted);
  }
}

export function splitList(value: string): string[] {
  return value
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter(Boolean);
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function parseCloud(inputs: InputReader): CloudEndpoints {
  const name = inputs.oneOf("environment", Object.keys(CLOUDS) as CloudName[], "an Azure cloud");
  const override = (input: "arm-endpoint" | "authority-host" | "graph-endpoint") => {
    const value = inputs.value(input);
    return value === undefined ? undefined : parseHttpsUrl(inputs, input, value).replace(/\/+$/, "");
  };
  const base = CLOUDS[name];
  return {
    ...base,
    armEndpoint: override("arm-endpoint") ?? base.armEndpoint,
    authorityHost: override("authority-host") ?? base.authorityHost,
    graphEndpoint: override("graph-endpoint") ?? base.graphEndpoint,
  };
}

function parseHttpsUrl(inputs: InputReader, name: InputName, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return inputs.fail(name, value, "a URL");
  }
  if (url.protocol !== "https:") inputs.fail(name, value, "an https:// URL");
  return value;
}

function parseRegistries(inputs: InputReader, mode: Mode, cloud: CloudEndpoints): RegistryRef[] {
  const refs = inputs.listOf("registry", (entry) => parseRegistryRef(entry, cloud));
  if (refs.length === 0 && mode === "preflight") {
    throw new InputError(
      "registry",
      `registry: is required in preflight mode; use ${inputSpec("registry").accepted} (or mode audit)`,
    );
  }
  const byName = new Map<string, RegistryRef>();
  for (const ref of refs) if (!byName.has(ref.name)) byName.set(ref.name, ref);
  return [...byName.values()];
}

function parseRepository(inputs: InputReader, value: string): string {
  if (REPOSITORY.test(value) && value.length <= 256) return value;
  const lowerCaseWouldDo = REPOSITORY.test(value.toLowerCase());
  return inputs.fail(
    "repositories",
    value,
    lowerCaseWouldDo ? "a repository name (repository names are lower case)" : "a repository name",
  );
}

function parseImage(inputs: InputReader, input: string): ImageRef {
  const fail = (what: string) => inputs.fail("images", input, what);
  const [nameAndTag = "", digest, ...extra] = input.split("@");
  if (extra.length > 0 || (digest !== undefined && !DIGEST.test(digest)))
    fail("an image reference (bad digest)");
  const lastColon = nameAndTag.lastIndexOf(":");
  const hasTag = lastColon > nameAndTag.lastIndexOf("/");
  const tag = hasTag ? nameAndTag.slice(lastColon + 1) : undefined;
  let repository = hasTag ? nameAndTag.slice(0, lastColon) : nameAndTag;
  // `myreg.azurecr.io/team/api:1.0` names the repository `team/api` of that registry.
  const [firstComponent = "", ...restComponents] = repository.split("/");
  if (
    restComponents.length > 0 &&
    ALL_ACR_SUFFIXES.some((s) => firstComponent.toLowerCase().endsWith(`.${s}`))
  ) {
    repository = restComponents.join("/");
  }
  if (!REPOSITORY.test(repository)) fail("an image reference (repository names are lower case)");
  if (tag !== undefined && !TAG.test(tag)) fail("an image reference (bad tag)");
  if (tag === undefined && digest === undefined) fail("an image reference with a tag or digest");
  return {
    input,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

function parsePlatform(inputs: InputReader, value: string): Platform {
  const match = PLATFORM.exec(value.toLowerCase());
  if (!match) return inputs.fail("platform", value, "a platform");
  const [, os = "", architecture = "", variant] = match;
  return { os, architecture, ...(variant ? { variant } : {}) };
}

function parseDuration(
  inputs: InputReader,
  name: "job-duration" | "expiry-warning",
  minimum: number,
): number {
  const value = inputs.value(name) as string;
  const minutes = parseDurationMinutes(value);
  if (minutes === undefined) return inputs.fail(name, value, "a duration");
  if (minutes < minimum) return inputs.fail(name, value, "a duration longer than zero");
  return minutes;
}

function parsePercent(inputs: InputReader, name: "storage-warning"): number {
  const value = inputs.value(name) as string;
  const percent = /^\d+%?$/.test(value) ? Number.parseInt(value, 10) : NaN;
  if (!(percent >= 1 && percent <= 100)) inputs.fail(name, value, "a percent from 1 to 100");
  return percent;
}

function parseAksCluster(inputs: InputReader): string | undefined {
  const value = inputs.value("aks-cluster");
  if (value === undefined) return undefined;
  const valid = value.startsWith("/") ? AKS_RESOURCE_ID.test(value) : AKS_NAME.test(value);
  return valid ? value : inputs.fail("aks-cluster", value, "an AKS cluster name or resource id");
}

function parseRunnerIp(inputs: InputReader): string | undefined {
  const value = inputs.value("runner-ip");
  if (value === undefined) return undefined;
  if (ipaddr.IPv4.isValidFourPartDecimal(value)) return value;
  if (ipaddr.IPv6.isValid(value)) {
    return inputs.fail("runner-ip", value, "an IPv4 address (registry IP rules take IPv4 only)");
  }
  return inputs.fail("runner-ip", value, "an IPv4 address");
}

function parseChecks(inputs: InputReader): PreflightConfig["checks"] {
  const parseIds = (name: "checks" | "skip-checks", everything: string, all: readonly CheckId[]) => {
    const value = inputs.value(name);
    if (value === undefined) return undefined;
    if (value.toLowerCase() === everything) return all;
    return inputs.listOf(name, (id) => {
      if (isCheckId(id)) return id;
      const near = closest(id, CHECK_IDS);
      return inputs.fail(
        name,
        id,
        "a check id",
        `${near ? `${near}, or ` : ""}one of ${CHECK_IDS.join(", ")}`,
      );
    });
  };
  const chosen = parseIds("checks", "all", CHECK_IDS);
  const skipped = parseIds("skip-checks", "none", []) ?? [];
  const ids = CHECK_IDS.filter((id) => (chosen ?? CHECK_IDS).includes(id) && !skipped.includes(id));
  if (ids.length === 0) {
    inputs.fail(
      "skip-checks",
      inputs.value("skip-checks") ?? "",
      "a list that leaves a check to run",
      "fewer ids",
    );
  }
  return { ids, explicit: chosen !== undefined && chosen !== CHECK_IDS };
}
