import type { RunnerKind } from "./types.js";

/**
 * The runner kind the platform tells: GitHub sets RUNNER_ENVIRONMENT to `github-hosted` or
 * `self-hosted`; Azure Pipelines sets Agent.IsSelfHosted (AGENT_ISSELFHOSTED) to `0` on
 * Microsoft-hosted agents and `1` on self-hosted ones. Undefined when neither says.
 */
export function detectRunnerKind(env: Record<string, string | undefined>): RunnerKind | undefined {
  const github = env.RUNNER_ENVIRONMENT?.trim().toLowerCase();
  if (github === "github-hosted") return "github-hosted";
  if (github === "self-hosted") return "self-hosted";
  const agentSelfHosted = env.AGENT_ISSELFHOSTED?.trim().toLowerCase();
  if (agentSelfHosted === "0" || agentSelfHosted === "false") return "ado-hosted";
  if (agentSelfHosted === "1" || agentSelfHosted === "true") return "self-hosted";
  return undefined;
}
