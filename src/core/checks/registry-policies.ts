import { requireRegistry } from "../context/registry-lookup.js";
import type { Finding } from "../report/types.js";
import type { Check } from "./check.js";
import { defineCodes } from "./check.js";

const CODES = defineCodes({
  REGISTRY_POLICIES_OK: {
    severity: "notice",
    title: "No registry policy stands in the job's way",
    fix: "Nothing to fix.",
  },
  QUARANTINE_ENABLED: {
    severity: "warning",
    title: "Quarantine is on: new images cannot be pulled until scanned",
    fix: "Make sure a scanner releases pushed images, or give the puller AcrQuarantineReader, or disable quarantine.",
    docs: "https://github.com/Azure/acr/tree/main/docs/preview/quarantine",
  },
  ANONYMOUS_PULL_ENABLED: {
    severity: "warning",
    title: "Anyone can pull from this registry without signing in",
    fix: "Disable anonymous pull unless the registry is meant to be public.",
    docs: "https://learn.microsoft.com/azure/container-registry/anonymous-pull-access",
  },
  EXPORT_DISABLED: {
    severity: "notice",
    title: "Export is disabled: images cannot be imported from this registry elsewhere",
    fix: "Enable the export policy if other registries import from this one (`az acr import`).",
    docs: "https://learn.microsoft.com/azure/container-registry/data-loss-prevention",
  },
});

/** `registry-policies`: quarantine, retention, soft delete, export and anonymous pull. */
export const registryPoliciesCheck: Check = {
  id: "registry-policies",
  scope: "registry",
  modes: ["preflight", "audit"],
  codes: CODES,
  permissions: ["`Microsoft.ContainerRegistry/registries/read` on the registry (Reader)"],
  async run(ctx) {
    const registry = await requireRegistry(ctx);
    const { policies = {}, anonymousPullEnabled, publicNetworkAccess } = registry.properties;
    const name = registry.name;
    const evidence = {
      quarantine: policies.quarantinePolicy?.status ?? "disabled",
      retention: policies.retentionPolicy
        ? `${policies.retentionPolicy.status ?? "disabled"} (${policies.retentionPolicy.days ?? "?"} days)`
        : "disabled",
      softDelete: policies.softDeletePolicy?.status ?? "disabled",
      export: policies.exportPolicy?.status ?? "enabled",
      anonymousPull: anonymousPullEnabled ?? false,
    };
    const findings: Finding[] = [];
    if (evidence.quarantine === "enabled") {
      findings.push(
        CODES.QUARANTINE_ENABLED.finding({
          message:
            `Quarantine is enabled on ${name}: a freshly pushed image cannot be pulled until a scanner marks it ` +
            `passed, so a deploy right after a push fails with 'manifest unknown' or 403.`,
          remediation: [
            `az role assignment create --role AcrQuarantineReader --assignee <scanner identity> --scope ${registry.id}`,
            `az acr config quarantine update --registry ${name} --status disabled  # only if no scanner uses it`,
          ],
          evidence,
          ...(ctx.config.operations.includes("pull") ? {} : { severity: "notice" as const }),
        }),
      );
    }
    if (evidence.anonymousPull && publicNetworkAccess !== "Disabled") {
      findings.push(
        CODES.ANONYMOUS_PULL_ENABLED.finding({
          message: `Anonymous pull is enabled on ${name}: every image can be pulled by anyone who can reach it.`,
          remediation: [`az acr update --name ${name} --anonymous-pull-enabled false`],
          evidence,
        }),
      );
    }
    if (evidence.export === "disabled") {
      findings.push(
        CODES.EXPORT_DISABLED.finding({
          message: `The export policy of ${name} is disabled: \`az acr import\` and pipelines cannot copy images out of it.`,
          remediation: [
            `az resource update --ids ${registry.id} --set properties.policies.exportPolicy.status=enabled`,
          ],
          evidence,
        }),
      );
    }
    if (findings.length === 0) {
      findings.push(
        CODES.REGISTRY_POLICIES_OK.finding({ message: `No policy of ${name} blocks the job.`, evidence }),
      );
    }
    return { findings };
  },
};
