import { INPUTS } from "../core/config/inputs.js";
import { TOOL_VERSION } from "../core/version.js";
import { AUTH_TYPES } from "./credential.js";

export const DEFAULT_REPORT_DIR = "acr-preflight-report";

/** --help: every SPEC input as a flag (from the INPUTS table), then sign-in and output. */
export function helpText(): string {
  const inputLines = INPUTS.flatMap((input) => [
    `  --${input.name} <value>`,
    `      ${input.description}`,
    `      Accepts ${input.accepted}.${"default" in input ? ` Default: ${input.default}.` : ""}`,
  ]);
  return [
    `acr-preflight ${TOOL_VERSION}: read-only preflight for Azure Container Registry.`,
    "",
    "Usage: acr-preflight --registry <name> [--operations pull,push] [--repositories team/api] [flags]",
    "",
    "Flags (the GitHub Action's input names; repeat a list flag or separate values by commas):",
    ...inputLines,
    "",
    "Sign-in:",
    `  --auth-type <${AUTH_TYPES.join("|")}>   Default: auto.`,
    "      auto: AZURE_TENANT_ID + AZURE_CLIENT_ID with AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH",
    "      or AZURE_FEDERATED_TOKEN_FILE; else your `az login` session; else a managed identity.",
    "  --client-id <id>   Sets AZURE_CLIENT_ID (also the user-assigned managed identity's client id).",
    "  --tenant-id <id>   Sets AZURE_TENANT_ID.",
    "  The client secret is read only from the AZURE_CLIENT_SECRET environment variable, never from a flag.",
    "",
    "Output:",
    `  Reports go to --report-dir (default ./${DEFAULT_REPORT_DIR}): report.json, report.md, report.sarif.`,
    "  --json      Print report.json to stdout instead of the table.",
    "  --help, -h  Print this help.  --version  Print the version.",
    "",
    "Timeouts (milliseconds, from the environment): ACR_PREFLIGHT_REQUEST_TIMEOUT_MS one request (10000),",
    "  ACR_PREFLIGHT_CHECK_TIMEOUT_MS one check (30000), ACR_PREFLIGHT_DEADLINE_MS the whole run (60000).",
    "",
    "Exit codes: 0 passed, 1 failed by --fail-on, 2 bad input or internal fault.",
    "",
  ].join("\n");
}
