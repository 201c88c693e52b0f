import { tmpdir } from "node:os";
import path from "node:path";
import * as core from "@actions/core";
import { InputError } from "../core/config/input-error.js";
import { detectRunnerKind } from "../core/config/runner-kind.js";
import { NoCredentialConfigured, OidcTokenUnavailable } from "../core/credential/types.js";
import { createTransport } from "../core/deps.js";
import { NetworkConfigError } from "../core/net/network.js";
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
    core.setFailed(failureLine(error));
  } finally {
    idTokenTransport?.network.httpsAgent.destroy();
    idTokenTransport?.network.httpAgent.destroy();
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
    return `no credential: ${error.message}; set client-id and tenant-id (OIDC), client-secret or creds`;
  if (error instanceof Error && error.stack) core.debug(error.stack);
  const message = error instanceof Error ? error.message : String(error);
  return `acr-preflight internal error: ${message.split("\n")[0]}`;
}
