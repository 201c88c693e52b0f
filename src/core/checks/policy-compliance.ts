import type { RegistryResource } from "../azure/arm-types.js";
import { grantReaderCommand } from "../context/assignee.js";
import { isForbidden } from "../context/readable.js";
import { requireRegistry } from "../context/registry-lookup.js";
import type { RegistryContext } from "../context/scope.js";
import type { Finding } from "../report/types.js";
import type { Check } from "./check.js";
import { defineCodes, SkipCheck } from "./check.js";

const POLICY_INSIGHTS_API_VERSION = "2019-10-01";
const DOCS = "https://learn.microsoft.com/azure/governance/policy/how-to/get-compliance-data";
const READ_PERMISSION = "Microsoft.PolicyInsights/policyStates/queryResults/read";

/** Azure Policy does not evaluate registry data-plane requests: say so, so nobody chases it for a 401/403. */
const DATA_PLANE_NOTE =
  "Azure Policy does not act on the registry's data plane: docker push and pull are not blocked by it.";

const CODES = defineCodes({
  POLICY_COMPLIANT: {
    severity: "notice",
    title: "No Azure Policy assignment reports the registry non-compliant",
    fix: "Nothing to fix.",
    docs: DOCS,
  },
  POLICY_DENY_NONCOMPLIANT: {
    severity: "warning",
    title: "A deny policy reports the registry non-compliant",
    fix: "Bring the registry into compliance (or get an exemption) before changing its configuration; the deny policy refuses non-compliant updates.",
    docs: "https://learn.microsoft.com/azure/governance/policy/concepts/effect-deny",
  },
  POLICY_AUDIT_NONCOMPLIANT: {
    severity: "notice",
    title: "An audit policy reports the registry non-compliant",
    fix: "Review the policy assignment; audit effects record non-compliance but block nothing.",
    docs: DOCS,
  },
});

/** One row of `policyStates/latest/queryResults` (Microsoft.PolicyInsights 2019-10-01), as far as it is read. */
interface PolicyState {
  policyAssignmentId?: string;
  policyAssignmentName?: string;
  policyDefinitionId?: string;
  policyDefinitionName?: string;
  /** The effect: deny, denyAction, audit, auditIfNotExists, modify, append, deployIfNotExists … */
  policyDefinitionAction?: string;
  complianceState?: string;
}

/** Effects that refuse ARM requests: deny (create/update) and denyAction (delete). */
const BLOCKING_EFFECTS = new Set(["deny", "denyaction"]);

/** `policy-compliance`: Azure Policy states of the registry, and what a non-compliant deny means for the job. */
export const policyComplianceCheck: Check = {
  id: "policy-compliance",
  scope: "registry",
  modes: ["preflight", "audit"],
  codes: CODES,
  permissions: [`\`${READ_PERMISSION}\` on the registry (Reader)`],
  async run(ctx) {
    const registry = await requireRegistry(ctx);
    const states = await nonCompliantStates(ctx, registry);
    const blocking = states.filter((s) => BLOCKING_EFFECTS.has(effectOf(s)));
    const auditing = states.filter((s) => !BLOCKING_EFFECTS.has(effectOf(s)));
    const findings: Finding[] = [];
    if (blocking.length > 0) findings.push(denyFinding(registry, blocking));
    if (auditing.length > 0) {
      findings.push(
        CODES.POLICY_AUDIT_NONCOMPLIANT.finding({
          message: `${registry.name} is non-compliant with ${describe(auditing)}; these effects only record it and block nothing. ${DATA_PLANE_NOTE}`,
          remediation: [stateListCommand(registry)],
          evidence: { nonCompliant: auditing.map(summary) },
        }),
      );
    }
    if (findings.length === 0) {
      findings.push(
        CODES.POLICY_COMPLIANT.finding({
          message: `No Azure Policy assignment reports ${registry.name} non-compliant.`,
          evidence: { nonCompliant: [] },
        }),
      );
    }
    return { findings };
  },
};

async function nonCompliantStates(ctx: RegistryContext, registry: RegistryResource): Promise<PolicyState[]> {
  try {
    const page = await ctx.apis.arm.postJson<{ value?: PolicyState[] }>(
      `${registry.id}/providers/Microsoft.PolicyInsights/policyStates/latest/queryResults`,
      undefined,
      { "api-version": POLICY_INSIGHTS_API_VERSION, $filter: "complianceState eq 'NonCompliant'" },
    );
    return page.value ?? [];
  } catch (error) {
    if (isForbidden(error)) {
      throw new SkipCheck(
        "permission",
        `The identity may not read Azure Policy states for ${registry.name} (${error.message}); this needs \`${READ_PERMISSION}\`, which Reader on the registry includes.`,
        [await grantReaderCommand(ctx, registry.id)],
      );
    }
    throw error;
  }
}

function denyFinding(registry: RegistryResource, blocking: PolicyState[]): Finding {
  const blocksDelete = blocking.some((s) => effectOf(s) === "denyaction");
  return CODES.POLICY_DENY_NONCOMPLIANT.finding({
    message:
      `${registry.name} is non-compliant with ${describe(blocking)}: ARM refuses changes that keep it non-compliant, ` +
      `so fixes such as \`az acr update\`, \`az acr network-rule add\` or \`az acr config\` can fail with RequestDisallowedByPolicy` +
      `${blocksDelete ? ", and a denyAction policy blocks deleting it" : ""}. ${DATA_PLANE_NOTE}`,
    remediation: [
      stateListCommand(registry),
      ...assignmentIds(blocking).flatMap((id) => [
        `az policy assignment show --ids ${id}`,
        `az policy exemption create --name ${registry.name}-exemption --policy-assignment ${id} --exemption-category Waiver --scope ${registry.id}`,
      ]),
    ],
    evidence: { nonCompliant: blocking.map(summary) },
  });
}

function assignmentIds(states: PolicyState[]): string[] {
  return unique(states.map((s) => s.policyAssignmentId).filter((id): id is string => Boolean(id)));
}

function stateListCommand(registry: RegistryResource): string {
  return `az policy state list --resource ${registry.id} --filter "complianceState eq 'NonCompliant'" --output table`;
}

function effectOf(state: PolicyState): string {
  return (state.policyDefinitionAction ?? "unknown").toLowerCase();
}

function describe(states: PolicyState[]): string {
  const names = states.map((s) => `'${s.policyAssignmentName ?? "?"}' (${effectOf(s)})`);
  return `${states.length === 1 ? "policy assignment" : "policy assignments"} ${unique(names).join(", ")}`;
}

function summary(state: PolicyState): Record<string, unknown> {
  return {
    policyAssignment: state.policyAssignmentName,
    policyDefinition: state.policyDefinitionName,
    effect: effectOf(state),
  };
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
