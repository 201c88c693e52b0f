import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
import type { PreflightConfig, RegistryRef } from "../config/types.js";
import type { CredentialInfo } from "../credential/types.js";
import type { Network } from "../net/network.js";
import type { HttpApi } from "../azure/http.js";
import type { Surface } from "../report/types.js";

/** What a surface (CLI, GitHub, Azure DevOps) hands the core besides the config. */
export interface RunDeps {
  surface: Surface;
  credential: TokenCredential;
  /** How the credential authenticates, for the report: `secret`, `certificate`, `oidc`, `azure-cli`, … */
  authType: string;
  /** Which secret/certificate/assertion the credential uses (never the secret itself). */
  credentialInfo: CredentialInfo;
  network: Network;
  httpClient: HttpClient;
  now: () => Date;
  /** Called with every token the core receives, before anything else sees it (core.setSecret / task.setsecret). */
  mask: (secret: string) => void;
  /** Debug lines; never receives secrets. */
  log: (line: string) => void;
}

export interface AzureApis {
  /** ARM with an ARM-audience bearer token. */
  arm: HttpApi;
  /** Microsoft Graph with a Graph-audience bearer token. */
  graph: HttpApi;
  /** No Azure auth: registry data plane, IP echo. Base URL is irrelevant; pass absolute URLs. */
  plain: HttpApi;
}

/** A piece of shared knowledge, loaded at most once per run (or per registry) and shared by every check. */
export interface Fact<T, S extends "run" | "registry" = "run" | "registry"> {
  readonly name: string;
  readonly scope: S;
  readonly load: S extends "run" ? (ctx: RunContext) => Promise<T> : (ctx: RegistryContext) => Promise<T>;
}

export type RunFact<T> = Fact<T, "run">;
export type RegistryFact<T> = Fact<T, "registry">;

export function runFact<T>(name: string, load: (ctx: RunContext) => Promise<T>): RunFact<T> {
  return { name, scope: "run", load } as RunFact<T>;
}

export function registryFact<T>(name: string, load: (ctx: RegistryContext) => Promise<T>): RegistryFact<T> {
  return { name, scope: "registry", load } as RegistryFact<T>;
}

/** A family of facts told apart by a key (e.g. one ACR access token per set of scopes). */
export function keyedRegistryFact<K, T>(
  name: string,
  keyOf: (key: K) => string,
  load: (ctx: RegistryContext, key: K) => Promise<T>,
): (key: K) => RegistryFact<T> {
  return (key) => registryFact(`${name}:${keyOf(key)}`, (ctx) => load(ctx, key));
}

export interface RunContext {
  readonly config: PreflightConfig;
  readonly deps: RunDeps;
  readonly apis: AzureApis;
  now(): Date;
  get<T>(fact: RunFact<T>): Promise<T>;
}

export interface RegistryContext extends Omit<RunContext, "get"> {
  readonly registry: RegistryRef;
  get<T>(fact: RunFact<T> | RegistryFact<T>): Promise<T>;
}

export function createRunContext(config: PreflightConfig, deps: RunDeps, apis: AzureApis): RunContext {
  const memo = new Map<string, Promise<unknown>>();
  const ctx: RunContext = {
    config,
    deps,
    apis,
    now: deps.now,
    get<T>(fact: RunFact<T>): Promise<T> {
      return memoised(memo, fact.name, () => fact.load(ctx));
    },
  };
  return ctx;
}

export function createRegistryContext(run: RunContext, registry: RegistryRef): RegistryContext {
  const memo = new Map<string, Promise<unknown>>();
  const ctx: RegistryContext = {
    config: run.config,
    deps: run.deps,
    apis: run.apis,
    now: run.now,
    registry,
    get<T>(fact: RunFact<T> | RegistryFact<T>): Promise<T> {
      if (fact.scope === "run") return run.get(fact as RunFact<T>);
      return memoised(memo, fact.name, () => (fact as RegistryFact<T>).load(ctx));
    },
  };
  return ctx;
}

function memoised<T>(memo: Map<string, Promise<unknown>>, key: string, load: () => Promise<T>): Promise<T> {
  let promise = memo.get(key) as Promise<T> | undefined;
  if (!promise) {
    promise = load();
    // A rejected fact stays rejected (one failure, one reason), but must not be reported as unhandled.
    promise.catch(() => undefined);
    memo.set(key, promise);
  }
  return promise;
}
