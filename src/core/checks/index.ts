import type { Check } from "./check.js";

/** Every check this version implements, in report order. Add one line per check. */
export const IMPLEMENTED_CHECKS: readonly Check[] = [];
