import type { FailOn } from "./config/types.js";
import type { Result } from "./report/types.js";

/** SPEC §3: `error` fails on an error result, `warning` also on a warning one, `never` never. */
export function shouldFail(result: Result, failOn: FailOn): boolean {
  if (failOn === "never") return false;
  if (failOn === "warning") return result !== "pass";
  return result === "error";
}
