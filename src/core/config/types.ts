import type { CheckId } from "../checks/ids.js";
import type { Mode } from "../report/types.js";
import type { CloudEndpoints } from "./clouds.js";

export type Operation = "pull" | "push" | "delete";
export type LoginMethod =
  "az-acr-login" | "service-principal" | "repository-token" | "admin" | "managed-identity";
export type RunnerKind = "github-hosted" | "ado-hosted" | "self-hosted";
export type FailOn = "error" | "warning" | "never";

/** Something about how the user wrote the registry that tools downstream will trip on. */
export type RegistryTypo =
  | { kind: "scheme"; found: string }
  | { kind: "port"; found: string }
  | { kind: "path"; found: string }
  | { kind: "uppercase"; found: string }
  | { kind: "misspelt-suffix"; found: string; expected: string }
  | { kind: "other-cloud-suffix"; found: string; expected: string };

export interface RegistryRef {
  /** Exactly what the user wrote. */
  input: string;
  /** Registry resource name, lower case (ACR names are 5–50 alphanumerics). */
  name: string;
  /** Login server the user named, normalised (lower case, no scheme/port/path), if they gave one. */
  loginServer?: string;
  /** Known ARM id (audit discovery), which spares the lookup. */
  resourceId?: string;
  typos: RegistryTypo[];
}

export interface ImageRef {
  input: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** The typed, validated configuration every surface builds and the core runs on. */
export interface PreflightConfig {
  mode: Mode;
  registries: RegistryRef[];
  subscriptionId?: string;
  resourceGroup?: string;
  operations: Operation[];
  repositories: string[];
  images: ImageRef[];
  platform?: Platform;
  jobDurationMinutes: number;
  expiryWarningMinutes: number;
  storageWarningPercent: number;
  expectedPushSizeBytes?: number;
  loginMethod: LoginMethod;
  tokenName?: string;
  aksCluster?: string;
  runnerIp?: string;
  /** undefined when the user disabled it with `none`. */
  ipEchoUrl?: string;
  /** undefined = detect from the environment. */
  runnerKind?: RunnerKind;
  serviceTagsFile?: string;
  /** Checks selected by `checks` minus `skip-checks`; `explicit` when the user listed them. */
  checks: { ids: CheckId[]; explicit: boolean };
  failOn: FailOn;
  reportDir: string;
  cloud: CloudEndpoints;
}
