import { InputError } from "./config/input-error.js";
import { NoCredentialConfigured, OidcTokenUnavailable } from "./credential/types.js";
import { NetworkConfigError } from "./net/network.js";

/**
 * The one line a run that could not start ends with. A user's mistake is said as it is; anything
 * else is a fault of ours: its first line, and its stack to `debug` only.
 */
export function failureLine(
  error: unknown,
  howToSignIn: string,
  debug: (line: string) => void = () => {},
): string {
  if (
    error instanceof InputError ||
    error instanceof OidcTokenUnavailable ||
    error instanceof NetworkConfigError
  )
    return error.message;
  if (error instanceof NoCredentialConfigured) return `no credential: ${error.message}; ${howToSignIn}`;
  if (error instanceof Error && error.stack) debug(error.stack);
  const message = error instanceof Error ? error.message : String(error);
  return `internal error: ${message.split("\n")[0]}`;
}
