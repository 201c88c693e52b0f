import { defineCodes } from "./check.js";

/** Codes of the one notice a `skipped` check carries, shared by every check. */
export const SKIP_CODES = defineCodes({
  CHECK_NOT_APPLICABLE: {
    severity: "notice",
    title: "Not applicable to this job",
    fix: "Nothing to fix; the check does not apply to the inputs given.",
  },
  PERMISSION_MISSING: {
    severity: "notice",
    title: "Skipped: the identity may not read what this check needs",
    fix: "Grant the read permission named in the finding, or accept the skip: data-plane checks still prove access.",
  },
  PREREQUISITE_FAILED: {
    severity: "notice",
    title: "Skipped: something this check needs could not be established",
    fix: "Fix the finding of the check named in the message; this check then runs.",
  },
  CHECK_TIMED_OUT: {
    severity: "notice",
    title: "Skipped: no answer in time",
    fix: "Re-run; if it persists, the Azure endpoint named in the message is slow or unreachable from the runner.",
  },
  CHECK_FAILED: {
    severity: "notice",
    title: "Skipped: the check could not finish",
    fix: "Re-run; if it persists, report it with the message (it contains no secrets).",
  },
  CHECK_NOT_AVAILABLE: {
    severity: "notice",
    title: "Not available in this version",
    fix: "Remove the id from `checks`, or upgrade acr-preflight.",
  },
});
