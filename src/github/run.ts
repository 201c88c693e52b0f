import { tmpdir } from "node:os";
import path from "node:path";
import * as core from "@actions/core";
import { detectRunnerKind } from "../core/config/runner-kind.js";
import { createTransport } from "../core/deps.js";
import { failureLine } from "../core/failure.js";
import { preflight } from "../core/preflight.js";
import { actionCredential } from "./credential.js";
import { githubIdTokens } from "./id-token.js";
import { readInputs } from "./inputs.js";
import { publish } from "./publish.js";

/** The action's entry: read inputs, run the core, publish; every failure ends in one setFailed line. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let idTokenTransport: ReturnType<typeof createTransport> | undefined;
  try {
    const inputs = readInputs();
    idTokenTransport = createTransport(env);
    const credential = actionCredential(inputs.auth, {
      env,
      getIdToken: githubIdTokens(env, idTokenTransport.httpClient),
      mask: core.setSecret,
    });
    const result = await preflight({
      surface: "github",
      inputs: {
        ...inputs.spec,
        "subscription-id": inputs.spec["subscription-id"] || credential.subscriptionId,
      },
      defaults: {
        reportDir: path.join(env.RUNNER_TEMP || tmpdir(), "acr-preflight"),
        runnerKind: detectRunnerKind(env),
      },
      credential: credential.spec,
      mask: core.setSecret,
      log: core.debug,
      env,
    });
    await publish(result);
  } catch (error) {
    core.setFailed(
      failureLine(error, "set client-id and tenant-id (OIDC), client-secret or creds", core.debug),
    );
  } finally {
    idTokenTransport?.close();
  }
}
