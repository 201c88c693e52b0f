import type { HttpClient } from "@azure/core-rest-pipeline";
import { createGuardedHttpClient } from "./azure/http.js";
import type { RunDeps } from "./context/scope.js";
import type { BuiltCredential } from "./credential/types.js";
import { createNetwork, type Network } from "./net/network.js";
import type { Surface } from "./report/types.js";

/** Longest one HTTP request may take when no caller says otherwise. */
export const REQUEST_TIMEOUT_MS = 10_000;

export interface Transport {
  network: Network;
  /** The guarded client every request goes through, the credential's included. */
  httpClient: HttpClient;
}

export function createTransport(
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Transport {
  const network = createNetwork(env);
  return { network, httpClient: createGuardedHttpClient(network, timeoutMs) };
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
    credential: credential.credential,
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
