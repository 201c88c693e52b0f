import { tmpdir } from "node:os";
import path from "node:path";
import * as tl from "azure-pipelines-task-lib/task.js";
import { InputError } from "../core/config/input-error.js";
import { detectRunnerKind } from "../core/config/runner-kind.js";
import { NoCredentialConfigured, OidcTokenUnavailable } from "../core/credential/types.js";
import { createTransport } from "../core/deps.js";
import { NetworkConfigError } from "../core/net/network.js";
import { preflight } from "../core/preflight.js";
import { readServiceConnection, withConnectionDefaults } from "./connection.js";
import { readInputs } from "./inputs.js";
import { publish } from "./publish.js";

/** The task's entry: read inputs and the service connection, run the core, publish; every failure ends in one line. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let oidcTransport: ReturnType<typeof createTransport> | undefined;
  try {
    const inputs = readInputs();
    oidcTransport = createTransport(env);
    const connection = readServiceConnection(inputs.serviceConnection, {
      env,
      httpClient: oidcTransport.httpClient,
      mask: maskLines,
    });
    const result = await preflight({
      surface: "ado",
      inputs: withConnectionDefaults(inputs.spec, connection),
      defaults: {
        reportDir: path.join(tl.getVariable("Agent.TempDirectory") || tmpdir(), "acr-preflight"),
        runnerKind: detectRunnerKind(env),
      },
      credential: connection.spec,
      mask: maskLines,
      log: tl.debug,
      env,
    });
    publish(result);
  } catch (error) {
    tl.setResult(tl.TaskResult.Failed, failureLine(error));
  } finally {
    oidcTransport?.network.httpsAgent.destroy();
    oidcTransport?.network.httpAgent.destroy();
  }
}

/** task.setsecret takes one line: a PEM is masked line by line, its BEGIN/END markers left readable. */
function maskLines(secret: string): void {
  for (const line of secret.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed && !/^-----[A-Z0-9 ]+-----$/.test(trimmed)) tl.setSecret(trimmed);
  }
}

/** A user's mistake is its own line; only a fault of ours keeps its stack, in the debug log. */
function failureLine(error: unknown): string {
  if (
    error instanceof InputError ||
    error instanceof OidcTokenUnavailable ||
    error instanceof NetworkConfigError
  )
    return error.message;
  if (error instanceof NoCredentialConfigured)
    return `no credential: ${error.message}; check the service connection of azureSubscription`;
  if (error instanceof Error && error.stack) tl.debug(error.stack);
  const message = error instanceof Error ? error.message : String(error);
  return `acr-preflight internal error: ${message.split("\n")[0]}`;
}
