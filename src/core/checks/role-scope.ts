import type { RegistryResource } from "../azure/arm-types.js";
import type { Operation } from "../config/types.js";
import { callerPermissionsFact } from "../context/permissions.js";
import { requireRegistry } from "../context/registry-lookup.js";
import type { RoleAssignmentView } from "../context/role-assignments.js";
import { assigneeOf, grantReaderCommand } from "../context/assignee.js";
import { applicableTo, roleAssignmentsFact } from "../context/role-assignments.js";
import type { RegistryContext } from "../context/scope.js";
import type { RoleAssignmentMode } from "../rbac/access.js";
import { modeOf, permits, REQUIRED_PERMISSION } from "../rbac/access.js";
import { parseCondition } from "../rbac/condition.js";
import { grantCommands } from "../rbac/grant-commands.js";
import type { PermissionSet } from "../rbac/roles.js";
import { grantsEveryAction } from "../rbac/roles.js";
import type { Finding } from "../report/types.js";
import type { Check } from "./check.js";
import { defineCodes, SkipCheck } from "./check.js";

const RBAC_DOCS = "https://learn.microsoft.com/azure/container-registry/container-registry-roles";
const ABAC_DOCS =
  "https://learn.microsoft.com/azure/container-registry/container-registry-rbac-abac-repository-permissions";

const CODES = defineCodes({
  ROLE_OK: {
    severity: "notice",
    title: "The identity's roles grant the job's operations",
    fix: "Nothing to fix.",
    docs: RBAC_DOCS,
  },
  ROLE_MISSING: {
    severity: "error",
    title: "No role gives the identity access to the registry",
    fix: "Assign AcrPull/AcrPush (ABAC registries: Container Registry Repository Reader/Writer) on the registry with `az role assignment create`.",
    docs: RBAC_DOCS,
  },
  ROLE_INSUFFICIENT: {
    severity: "error",
    title: "The identity's roles do not grant every operation the job needs",
    fix: "Assign the role that grants the missing operation (e.g. AcrPush for push, AcrDelete for delete) on the registry.",
    docs: RBAC_DOCS,
  },
  LEGACY_ROLE_ON_ABAC_REGISTRY: {
    severity: "error",
    title: "Legacy ACR roles are not honoured by this ABAC registry",
    fix: "Assign the ABAC role that replaces it (AcrPull → Repository Reader, AcrPush → Repository Writer, AcrDelete → Repository Contributor).",
    docs: ABAC_DOCS,
  },
  ABAC_CONDITION_EXCLUDES_REPOSITORY: {
    severity: "error",
    title: "A role assignment's ABAC condition excludes a repository the job uses",
    fix: "Add an assignment whose condition names the repository, or widen the existing condition.",
    docs: ABAC_DOCS,
  },
  ROLE_UNVERIFIED: {
    severity: "warning",
    title: "A role assignment could not be evaluated",
    fix: "Review the assignment named in the finding; `data-plane-access` shows what the registry actually grants.",
    docs: ABAC_DOCS,
  },
  ROLE_OVER_BROAD: {
    severity: "warning",
    title: "The identity holds Owner or Contributor at subscription scope or above",
    fix: "Assign the least role on the registry itself, then remove the broad assignment.",
    docs: "https://learn.microsoft.com/azure/role-based-access-control/best-practices",
  },
});

/** `role-scope`: control-plane RBAC for the job's operations, honouring the registry's roleAssignmentMode. */
export const roleScopeCheck: Check = {
  id: "role-scope",
  scope: "registry",
  modes: ["preflight"],
  codes: CODES,
  permissions: [
    "`Microsoft.Authorization/roleAssignments/read` on the registry (Reader), else the caller's own permissions at the registry",
  ],
  async run(ctx) {
    const registry = await requireRegistry(ctx);
    const job: Job = {
      ctx,
      registry,
      mode: modeOf(registry.properties.roleAssignmentMode),
      assignee: await assigneeOf(ctx),
    };
    const assignments = await ctx.get(roleAssignmentsFact);
    if (assignments.readable)
      return { findings: judgeAssignments(job, applicableTo(registry.id, assignments.value)) };
    const permissions = await ctx.get(callerPermissionsFact);
    if (permissions.readable)
      return { findings: judgePermissions(job, permissions.value, assignments.detail) };
    throw new SkipCheck(
      "permission",
      `The identity may neither list its role assignments (\`Microsoft.Authorization/roleAssignments/read\`: ${assignments.detail}) nor read its permissions on the registry, so its roles cannot be judged; \`data-plane-access\` still proves what the registry grants.`,
      [await grantReaderCommand(ctx, registry.id)],
      { roleAssignmentsStatus: assignments.status, permissionsStatus: permissions.status },
    );
  },
};

interface Job {
  ctx: RegistryContext;
  registry: RegistryResource;
  mode: RoleAssignmentMode;
  assignee: string;
}

interface Verdict {
  operation: Operation;
  repository?: string;
  granting: RoleAssignmentView[];
  excluding: RoleAssignmentView[];
  unverified: { assignment: RoleAssignmentView; reason: string }[];
}

function judgeAssignments(job: Job, assignments: RoleAssignmentView[]): Finding[] {
  const { operations, repositories } = job.ctx.config;
  const targets = repositories.length > 0 ? repositories : [undefined];
  const verdicts = operations.flatMap((operation) =>
    targets.map((repository) => verdictFor(job.mode, assignments, operation, repository)),
  );
  const evidence = {
    roleAssignmentMode: job.registry.properties.roleAssignmentMode ?? "LegacyRegistryPermissions",
    operations,
    ...(repositories.length > 0 ? { repositories } : {}),
    assignments: assignments.map(describeAssignment),
  };
  const gaps = verdicts.filter((v) => v.granting.length === 0);
  const findings = [
    ...overBroad(job, assignments, evidence),
    ...gapFindings(job, assignments, verdicts, gaps, evidence),
  ];
  if (gaps.length === 0) {
    const roles = unique(verdicts.flatMap((v) => v.granting.map(roleName)));
    const conditional =
      job.mode === "abac" &&
      repositories.length === 0 &&
      verdicts.some((v) => v.granting.every((a) => a.condition));
    findings.push(
      CODES.ROLE_OK.finding({
        message:
          `${roles.join(", ")} grant${roles.length === 1 ? "s" : ""} ${operations.join(", ")} on ${job.registry.name} (${modeText(job.mode)}).` +
          (conditional
            ? " The grant is limited by an ABAC condition; set `repositories` to check the job's repositories against it."
            : ""),
        evidence,
      }),
    );
  }
  return findings;
}

function verdictFor(
  mode: RoleAssignmentMode,
  assignments: RoleAssignmentView[],
  operation: Operation,
  repository: string | undefined,
): Verdict {
  const required = REQUIRED_PERMISSION[mode][operation];
  const verdict: Verdict = {
    operation,
    ...(repository ? { repository } : {}),
    granting: [],
    excluding: [],
    unverified: [],
  };
  for (const assignment of assignments) {
    if (!assignment.role) {
      verdict.unverified.push({
        assignment,
        reason: `its role definition could not be read (${assignment.definitionError})`,
      });
      continue;
    }
    if (!permits(assignment.role.permissions, required)) continue;
    // Repository conditions exist only on ABAC registries; without repositories a conditional grant counts (noted in ROLE_OK).
    if (mode !== "abac" || !assignment.condition || !repository) {
      verdict.granting.push(assignment);
      continue;
    }
    const condition = parseCondition(assignment.condition);
    if (!condition.ok)
      verdict.unverified.push({ assignment, reason: `its condition is not understood (${condition.error})` });
    else if (condition.evaluate({ action: required.name, repository })) verdict.granting.push(assignment);
    else verdict.excluding.push(assignment);
  }
  return verdict;
}

function gapFindings(
  job: Job,
  assignments: RoleAssignmentView[],
  verdicts: Verdict[],
  gaps: Verdict[],
  evidence: Record<string, unknown>,
): Finding[] {
  const findings: Finding[] = [];
  const excluded = gaps.filter((g) => g.excluding.length > 0);
  const unverified = gaps.filter((g) => g.excluding.length === 0 && g.unverified.length > 0);
  const plain = gaps.filter((g) => g.excluding.length === 0 && g.unverified.length === 0);

  for (const repository of unique(excluded.map((g) => g.repository as string))) {
    const forRepository = excluded.filter((g) => g.repository === repository);
    const ops = unique(forRepository.map((g) => g.operation));
    const excluding = unique(forRepository.flatMap((g) => g.excluding));
    findings.push(
      CODES.ABAC_CONDITION_EXCLUDES_REPOSITORY.finding({
        message:
          `The condition on ${excluding.map(roleName).join(", ")} does not include the repository '${repository}', so ${ops.join(", ")} there is denied: ` +
          excluding.map((a) => a.condition).join(" | "),
        remediation: grantCommands({ ...grantTarget(job), operations: ops, repositories: [repository] }),
        evidence: { ...evidence, repository, operations: ops, excludedBy: excluding.map(describeAssignment) },
      }),
    );
  }

  if (unverified.length > 0) {
    const reasons = unique(
      unverified.flatMap((g) =>
        g.unverified.map((u) => `${roleName(u.assignment)} at ${u.assignment.scope}: ${u.reason}`),
      ),
    );
    findings.push(
      CODES.ROLE_UNVERIFIED.finding({
        message: `Whether ${unique(unverified.map((g) => g.operation)).join(", ")} is granted could not be decided: ${reasons.join("; ")}.`,
        remediation: [listAssignmentsCommand(job)],
        evidence: { ...evidence, unverified: reasons },
      }),
    );
  }

  const plainOps = unique(plain.map((g) => g.operation));
  const legacyRoles = job.mode === "abac" ? legacyGrants(assignments, plainOps) : [];
  if (legacyRoles.length > 0) {
    findings.push(
      CODES.LEGACY_ROLE_ON_ABAC_REGISTRY.finding({
        message:
          `${job.registry.name} uses ABAC repository permissions, which ignore ${unique(legacyRoles.map(roleName)).join(", ")}; ` +
          `no Container Registry Repository role grants ${plainOps.join(", ")}.`,
        remediation: grantCommands({ ...grantTarget(job), operations: plainOps }),
        evidence: { ...evidence, ignoredAssignments: legacyRoles.map(describeAssignment) },
      }),
    );
  } else if (plainOps.length > 0) {
    const granted = unique(verdicts.filter((v) => v.granting.length > 0).map((v) => v.operation));
    const code = granted.length > 0 ? CODES.ROLE_INSUFFICIENT : CODES.ROLE_MISSING;
    const held = unique(assignments.map(roleName));
    findings.push(
      code.finding({
        message:
          `No role assignment grants ${plainOps.join(", ")} on ${job.registry.name} (${modeText(job.mode)})` +
          (held.length > 0
            ? `; the identity holds ${held.join(", ")}${granted.length > 0 ? `, which grant ${granted.join(", ")}` : ""}.`
            : "; it holds no role there.") +
          abacRolesOnLegacyNote(job.mode, assignments, plainOps),
        remediation: grantCommands({ ...grantTarget(job), operations: plainOps }),
        evidence: { ...evidence, missing: plainOps, ...(granted.length > 0 ? { granted } : {}) },
      }),
    );
  }
  return findings;
}

function overBroad(
  job: Job,
  assignments: RoleAssignmentView[],
  evidence: Record<string, unknown>,
): Finding[] {
  return assignments
    .filter((a) => a.role && grantsEveryAction(a.role) && isSubscriptionOrAbove(a.scope))
    .map((a) =>
      CODES.ROLE_OVER_BROAD.finding({
        message:
          `The identity holds ${roleName(a)} at ${a.scope}${a.viaGroup ? ` through group ${a.principalId}` : ""}: ` +
          `far more than ${job.ctx.config.operations.join(", ")} on one registry needs.`,
        remediation: [
          ...grantCommands({ ...grantTarget(job), operations: job.ctx.config.operations }),
          `az role assignment delete --assignee ${a.viaGroup ? a.principalId : job.assignee} --role "${roleName(a)}" --scope ${a.scope}`,
        ],
        evidence: { ...evidence, assignment: describeAssignment(a) },
      }),
    );
}

/** Fallback when assignments are not readable: the caller's effective permissions, without scopes or conditions. */
function judgePermissions(job: Job, permissions: PermissionSet[], assignmentsDetail: string): Finding[] {
  const { operations } = job.ctx.config;
  const missing = operations.filter((op) => !permits(permissions, REQUIRED_PERMISSION[job.mode][op]));
  const evidence = {
    source: "caller permissions (role assignments not readable)",
    roleAssignmentsError: assignmentsDetail,
    roleAssignmentMode: job.registry.properties.roleAssignmentMode ?? "LegacyRegistryPermissions",
    operations,
    actions: unique(permissions.flatMap((p) => p.actions ?? [])),
    dataActions: unique(permissions.flatMap((p) => p.dataActions ?? [])),
  };
  const remediation = grantCommands({ ...grantTarget(job), operations: missing });
  if (missing.length === 0) {
    return [
      CODES.ROLE_OK.finding({
        message:
          `The identity's effective permissions on ${job.registry.name} include ${operations.join(", ")} (${modeText(job.mode)}).` +
          (job.mode === "abac"
            ? " ABAC repository conditions are not visible this way; `data-plane-access` proves each repository."
            : ""),
        evidence,
      }),
    ];
  }
  const legacyOnly = job.mode === "abac" && grantsInLegacyMode(permissions, missing);
  const granted = operations.filter((op) => !missing.includes(op));
  const code = legacyOnly
    ? CODES.LEGACY_ROLE_ON_ABAC_REGISTRY
    : granted.length > 0
      ? CODES.ROLE_INSUFFICIENT
      : CODES.ROLE_MISSING;
  return [
    code.finding({
      message: legacyOnly
        ? `${job.registry.name} uses ABAC repository permissions; the identity's permissions there are legacy registry actions, which it ignores, so ${missing.join(", ")} is not granted.`
        : `The identity's effective permissions on ${job.registry.name} do not include ${missing.join(", ")} (${modeText(job.mode)}).`,
      remediation,
      evidence: { ...evidence, missing },
    }),
  ];
}

function legacyGrants(assignments: RoleAssignmentView[], operations: Operation[]): RoleAssignmentView[] {
  return assignments.filter((a) => a.role && grantsInLegacyMode(a.role.permissions, operations));
}

/**
 * Whether the permissions are a registry role that only legacy mode honours (AcrPull/AcrPush/AcrDelete,
 * Owner, Contributor). Reader's read-everything action also pulls in legacy mode, but is no registry role.
 */
function grantsInLegacyMode(permissions: PermissionSet[], operations: Operation[]): boolean {
  const withoutReadAll = permissions.map((set) => ({
    ...set,
    actions: set.actions?.filter((a) => a !== "*/read"),
  }));
  return operations.some((op) => permits(withoutReadAll, REQUIRED_PERMISSION.legacy[op]));
}

function abacRolesOnLegacyNote(
  mode: RoleAssignmentMode,
  assignments: RoleAssignmentView[],
  operations: Operation[],
): string {
  if (mode !== "legacy") return "";
  const abacOnly = assignments.filter(
    (a) =>
      a.role && operations.some((op) => a.role && permits(a.role.permissions, REQUIRED_PERMISSION.abac[op])),
  );
  if (abacOnly.length === 0) return "";
  return ` ${unique(abacOnly.map(roleName)).join(", ")} count only on registries in ABAC mode.`;
}

function grantTarget(job: Job) {
  return {
    mode: job.mode,
    assignee: job.assignee,
    registryId: job.registry.id,
    repositories: job.ctx.config.repositories,
  };
}

function listAssignmentsCommand(job: Job): string {
  return `az role assignment list --assignee ${job.assignee} --scope ${job.registry.id} --include-inherited --include-groups --output table`;
}

function isSubscriptionOrAbove(scope: string): boolean {
  const s = scope.replace(/\/$/, "");
  return (
    s === "" ||
    /^\/providers\/Microsoft\.Management\/managementGroups\/[^/]+$/i.test(s) ||
    /^\/subscriptions\/[^/]+$/i.test(s)
  );
}

function describeAssignment(a: RoleAssignmentView): Record<string, unknown> {
  return {
    role: roleName(a),
    scope: a.scope,
    ...(a.viaGroup ? { viaGroup: a.principalId } : {}),
    ...(a.condition ? { condition: a.condition } : {}),
  };
}

function roleName(a: RoleAssignmentView): string {
  return a.role?.name ?? a.roleDefinitionId;
}

function modeText(mode: RoleAssignmentMode): string {
  return mode === "abac" ? "ABAC repository permissions" : "legacy registry permissions";
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
