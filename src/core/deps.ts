import type { HttpClient } from "@azure/core-rest-pipeline";
import { createGuardedHttpClient } from "./azure/http.js";
import { InputError } from "./config/input-error.js";
import type { RunDeps } from "./context/scope.js";
import { sharedTokenCredential } from "./credential/shared-token.js";
import type { BuiltCredential } from "./credential/types.js";
import { createNetwork, type Network } from "./net/network.js";
import type { Surface } from "./report/types.js";

/** Longest one HTTP request may take when no caller says otherwise. */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Timeouts a slow network (or a test that injects hangs) may set by environment; unset, the
 * defaults apply: ACR_PREFLIGHT_REQUEST_TIMEOUT_MS one HTTP request (10 s),
 * ACR_PREFLIGHT_CHECK_TIMEOUT_MS one check (30 s), ACR_PREFLIGHT_DEADLINE_MS the whole run (60 s).
 */
export interface TimeoutOverrides {
  requestTimeoutMs?: number;
  checkTimeoutMs?: number;
  deadlineMs?: number;
}

export const TIMEOUT_VARIABLES = {
  requestTimeoutMs: "ACR_PREFLIGHT_REQUEST_TIMEOUT_MS",
  checkTimeoutMs: "ACR_PREFLIGHT_CHECK_TIMEOUT_MS",
  deadlineMs: "ACR_PREFLIGHT_DEADLINE_MS",
} as const;

export function timeoutOverrides(env: NodeJS.ProcessEnv): TimeoutOverrides {
  const overrides: TimeoutOverrides = {};
  for (const [key, variable] of Object.entries(TIMEOUT_VARIABLES) as [keyof TimeoutOverrides, string][]) {
    const value = env[variable]?.trim();
    if (!value) continue;
    if (!/^[1-9]\d*$/.test(value))
      throw InputError.invalid(variable, value, "a number of milliseconds", "a whole number such as 5000");
    overrides[key] = Number(value);
  }
  return overrides;
}

export interface Transport {
  network: Network;
  /** The guarded client every request goes through, the credential's included. */
  httpClient: HttpClient;
  /** Frees the keep-alive sockets, so the process can exit. */
  close(): void;
}

export function createTransport(
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = timeoutOverrides(env).requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
): Transport {
  const network = createNetwork(env);
  return {
    network,
    httpClient: createGuardedHttpClient(network, timeoutMs),
    close: () => {
      network.httpsAgent.destroy();
      network.httpAgent.destroy();
    },
  };
}

export interface RunDepsOptions {
  surface: Surface;
  credential: BuiltCredential;
  /** The transport the credential was built with; a fresh one on the system network when absent. */
  transport?: Transport;
  mask: (secret: string) => void;
  log: (line: string) => void;
  timeoutMs?: number;
  now?: () => Date;
}

export function createRunDeps(options: RunDepsOptions): RunDeps {
  const { network, httpClient } = options.transport ?? createTransport(process.env, options.timeoutMs);
  const { credential } = options;
  return {
    surface: options.surface,
    credential: sharedTokenCredential(credential.credential, options.mask),
    // A chain knows which member signed in only after the first token, so these are read late.
    get authType() {
      return credential.authType();
    },
    get credentialInfo() {
      return credential.info();
    },
    network,
    httpClient,
    now: options.now ?? (() => new Date()),
    mask: options.mask,
    log: options.log,
  };
}
