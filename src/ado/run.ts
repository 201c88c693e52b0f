import { tmpdir } from "node:os";
import path from "node:path";
import * as tl from "azure-pipelines-task-lib/task.js";
import { detectRunnerKind } from "../core/config/runner-kind.js";
import { createTransport } from "../core/deps.js";
import { failureLine } from "../core/failure.js";
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
    tl.setResult(
      tl.TaskResult.Failed,
      failureLine(error, "check the service connection of azureSubscription", tl.debug),
    );
  } finally {
    oidcTransport?.close();
  }
}

/** task.setsecret takes one line: a PEM is masked line by line, its BEGIN/END markers left readable. */
function maskLines(secret: string): void {
  for (const line of secret.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed && !/^-----[A-Z0-9 ]+-----$/.test(trimmed)) tl.setSecret(trimmed);
  }
}
