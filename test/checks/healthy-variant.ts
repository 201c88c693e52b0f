import { readFileSync } from "node:fs";
import path from "node:path";
import { startFakeAzure } from "../fake-azure/index.js";
import type { Principal, Registry, RoleAssignment, Scenario } from "../fake-azure/scenario.js";
import { REPO_ROOT, runCli, type CliResult } from "../support/cli.js";

/** What a variant tweak gets: the cloned scenario, its first registry and the job's principal. */
export interface Variant {
  scenario: Scenario;
  registry: Registry;
  registryId: string;
  principalId: string;
  /** Replaces every role assignment of the job's principal (directly held) with these. */
  setRoles(assignments: Omit<RoleAssignment, "principalId">[]): void;
}

export function healthyScenario(): Scenario {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, "test/scenarios/healthy.json"), "utf8")) as Scenario;
}

export function registryIdOf(registry: Registry): string {
  return `/subscriptions/${registry.subscriptionId}/resourceGroups/${registry.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${registry.name}`;
}

/** healthy.json, deep-cloned and tweaked. */
export function healthyVariant(tweak: (variant: Variant) => void = () => undefined): Scenario {
  const scenario = healthyScenario();
  const registry = scenario.registries[0] as Registry;
  const principalId = (scenario.principals[0] as { objectId: string }).objectId;
  const variant: Variant = {
    scenario,
    registry,
    registryId: registryIdOf(registry),
    principalId,
    setRoles(assignments) {
      scenario.roleAssignments = [
        ...scenario.roleAssignments.filter((a) => a.principalId !== principalId),
        ...assignments.map((a) => ({ principalType: "ServicePrincipal" as const, ...a, principalId })),
      ];
    },
  };
  tweak(variant);
  return scenario;
}

/** Starts the fake on the scenario, runs the CLI against its first registry with `args`, closes the fake. */
export async function runAgainst(
  scenario: Scenario,
  args: string[],
  during: (fake: Awaited<ReturnType<typeof startFakeAzure>>) => void = () => undefined,
): Promise<CliResult & { requests: Awaited<ReturnType<typeof startFakeAzure>>["requests"] }> {
  const fake = await startFakeAzure({ scenario });
  try {
    during(fake);
    const registry = scenario.registries[0] as Registry;
    const result = await runCli(fake, ["--registry", registry.name, ...args]);
    return { ...result, requests: fake.requests };
  } finally {
    await fake.close();
  }
}

export const AGENT_VM_IDENTITY: Principal = {
  displayName: "build-agent-vm",
  clientId: "7d2e4f60-1a3b-4c5d-8e9f-0a1b2c3d4e6f",
  objectId: "c4d5e6f7-0819-4a2b-9c3d-4e5f60718293",
  type: "ManagedIdentity",
  graphAccess: "none",
};

/** healthy.json on an Azure VM whose system-assigned identity holds the job principal's roles. */
export function managedIdentityVariant(): Scenario {
  return healthyVariant(({ scenario, principalId }) => {
    scenario.principals.push(structuredClone(AGENT_VM_IDENTITY));
    scenario.roleAssignments = scenario.roleAssignments.map((a) =>
      a.principalId === principalId ? { ...a, principalId: AGENT_VM_IDENTITY.objectId } : a,
    );
    scenario.imds = { systemAssigned: AGENT_VM_IDENTITY.clientId };
  });
}
