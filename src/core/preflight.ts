import { parseConfig, type ConfigDefaults, type RawInputs } from "./config/parse.js";
import type { PreflightConfig } from "./config/types.js";
import { createCredential } from "./credential/create.js";
import type { CredentialSpec } from "./credential/types.js";
import { createRunDeps, createTransport, timeoutOverrides } from "./deps.js";
import { runPreflight, type RunOptions } from "./orchestrator.js";
import { shouldFail } from "./outcome.js";
import type { Report, Surface } from "./report/types.js";
import { writeReports } from "./report/write.js";

export interface PreflightOptions {
  surface: Surface;
  /** Inputs by kebab-case SPEC name, as the surface read them. */
  inputs: RawInputs;
  defaults: ConfigDefaults;
  credential: CredentialSpec;
  /** Hides a secret from the surface's logs (core.setSecret, task.setsecret). */
  mask: (secret: string) => void;
  log: (line: string) => void;
  /** Process environment: the Network's test redirection and the `environment` credential read it. */
  env?: NodeJS.ProcessEnv;
  run?: RunOptions;
}

export interface PreflightResult {
  config: PreflightConfig;
  report: Report;
  /** Absolute paths of the written reports. */
  files: { json: string; markdown: string; sarif: string };
  /** The run fails by `fail-on`. */
  failed: boolean;
}

/**
 * The whole run behind every surface: parse the inputs (InputError on bad input), build the
 * credential on the guarded transport, run the checks and write the reports.
 */
export async function preflight(options: PreflightOptions): Promise<PreflightResult> {
  const config = parseConfig(options.inputs, options.defaults);
  const env = options.env ?? process.env;
  for (const secret of secretsOf(options.credential, env)) options.mask(secret);
  const transport = createTransport(env);
  try {
    const credential = createCredential(options.credential, {
      cloud: config.cloud,
      httpClient: transport.httpClient,
      env,
    });
    const deps = createRunDeps({ ...options, credential, transport });
    const report = await runPreflight(config, deps, { ...timeoutOverrides(env), ...options.run });
    const files = await writeReports(report, config.reportDir);
    return { config, report, files, failed: shouldFail(report.result, config.failOn) };
  } finally {
    transport.close();
  }
}

function secretsOf(spec: CredentialSpec, env: NodeJS.ProcessEnv): string[] {
  switch (spec.kind) {
    case "secret":
      return [spec.clientSecret];
    case "environment":
      return env.AZURE_CLIENT_SECRET ? [env.AZURE_CLIENT_SECRET] : [];
    case "chain":
      return spec.specs.flatMap((member) => secretsOf(member, env));
    default:
      return [];
  }
}
