import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { detectRunnerKind } from "../core/config/runner-kind.js";
import { failureLine } from "../core/failure.js";
import { preflight } from "../core/preflight.js";
import { renderConsole } from "../core/report/console.js";
import { TOOL_VERSION } from "../core/version.js";
import { parseArgs } from "./args.js";
import { cliCredential } from "./credential.js";
import { DEFAULT_REPORT_DIR, helpText } from "./help.js";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  color: boolean;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
};

/** Runs the CLI and returns its exit code: 0 passed, 1 failed by fail-on, 2 bad input or fault. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const secrets: string[] = [];
  const redact = (text: string) => secrets.reduce((out, secret) => out.split(secret).join("***"), text);
  try {
    const args = parseArgs(argv);
    if (args.switches.help) return (io.stdout(helpText()), 0);
    if (args.switches.version) return (io.stdout(`${TOOL_VERSION}\n`), 0);
    const { spec, env } = cliCredential(args.auth, io.env);
    const debug = Boolean(io.env.ACR_PREFLIGHT_DEBUG);
    const result = await preflight({
      surface: "cli",
      inputs: args.inputs,
      defaults: { reportDir: DEFAULT_REPORT_DIR, runnerKind: detectRunnerKind(io.env) },
      credential: spec,
      mask: (secret) => secrets.push(secret),
      log: (line) => debug && io.stderr(`${redact(line)}\n`),
      env,
    });
    if (args.switches.json) {
      io.stdout(`${JSON.stringify(result.report, null, 2)}\n`);
    } else {
      io.stdout(renderConsole(result.report, { color: io.color }));
      io.stdout(
        `\nReports: ${result.files.json}\n         ${result.files.markdown}\n         ${result.files.sarif}\n`,
      );
    }
    return result.failed ? 1 : 0;
  } catch (error) {
    io.stderr(`acr-preflight: ${redact(failureLine(error, "see --help (Sign-in)"))}\n`);
    return 2;
  }
}

function isEntryModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

if (isEntryModule(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
