import { closest } from "../core/config/closest.js";
import { InputError } from "../core/config/input-error.js";
import { INPUT_NAMES } from "../core/config/inputs.js";

export const AUTH_FLAGS = ["auth-type", "client-id", "tenant-id"] as const;
type AuthFlag = (typeof AUTH_FLAGS)[number];
const SWITCHES = ["json", "help", "version"] as const;
type Switch = (typeof SWITCHES)[number];
const SECRET_FLAGS = ["client-secret", "creds", "password"];

export interface CliArgs {
  /** SPEC inputs by kebab-case name; a repeated flag's values are joined as a list. */
  inputs: Record<string, string>;
  auth: Partial<Record<AuthFlag, string>>;
  switches: Record<Switch, boolean>;
}

const FLAGS_WITH_VALUE: readonly string[] = [...INPUT_NAMES, ...AUTH_FLAGS];

/** `--flag value`, `--flag=value`, and the switches `--json`, `--help`/`-h`, `--version`. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { inputs: {}, auth: {}, switches: { json: false, help: false, version: false } };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "-h") {
      args.switches.help = true;
      continue;
    }
    const match = /^--([^=]+)(?:=([\s\S]*))?$/.exec(arg);
    if (!match)
      throw new InputError(arg, `${quoteArg(arg)}: is not a flag; use --<input> <value>, see --help`);
    const [, name = "", inlineValue] = match;
    if ((SWITCHES as readonly string[]).includes(name)) {
      if (inlineValue !== undefined) throw new InputError(`--${name}`, `--${name}: takes no value`);
      args.switches[name as Switch] = true;
      continue;
    }
    if (!FLAGS_WITH_VALUE.includes(name)) throw unknownFlag(name);
    const value = inlineValue ?? argv[++i];
    if (value === undefined || (inlineValue === undefined && value.startsWith("--"))) {
      throw new InputError(
        `--${name}`,
        `--${name}: needs a value; use --${name} <value> or --${name}=<value>`,
      );
    }
    if ((AUTH_FLAGS as readonly string[]).includes(name)) args.auth[name as AuthFlag] = value;
    else args.inputs[name] = name in args.inputs ? `${args.inputs[name]}\n${value}` : value;
  }
  return args;
}

function unknownFlag(name: string): InputError {
  if (SECRET_FLAGS.includes(name)) {
    return new InputError(
      `--${name}`,
      `--${name}: is not accepted, a secret on the command line leaks into shell history; use the AZURE_CLIENT_SECRET environment variable`,
    );
  }
  const near = closest(name, [...FLAGS_WITH_VALUE, ...SWITCHES]);
  return new InputError(
    `--${name}`,
    `--${name}: is not an acr-preflight flag; use ${near ? `--${near}, or ` : ""}see acr-preflight --help`,
  );
}

function quoteArg(arg: string): string {
  return `'${arg.length > 60 ? `${arg.slice(0, 57)}...` : arg}'`;
}
