import type { RegistryResource } from "../azure/arm-types.js";
import { parseResourceId } from "../azure/arm-types.js";
import type { ManagedCluster } from "../context/aks-cluster.js";
import { aksClusterFact } from "../context/aks-cluster.js";
import type { PullIdentity } from "../context/aks-pull-identity.js";
import { graphRead, pullIdentityOf } from "../context/aks-pull-identity.js";
import { assigneeOf } from "../context/assignee.js";
import { APPLICATION_READ_PERMISSION, grantApplicationReadCommands } from "../context/graph-application.js";
import { imageManifestFact } from "../context/image-manifest.js";
import { registryPrivateDnsFact } from "../context/private-dns.js";
import { loginServerFact, requireRegistry } from "../context/registry-lookup.js";
import type { RoleAssignmentView } from "../context/role-assignments.js";
import { applicableTo, listRoleAssignments } from "../context/role-assignments.js";
import type { RegistryContext } from "../context/scope.js";
import type { RoleAssignmentMode } from "../rbac/access.js";
import { modeOf, permits, REQUIRED_PERMISSION } from "../rbac/access.js";
import { parseCondition } from "../rbac/condition.js";
import { grantCommands } from "../rbac/grant-commands.js";
import type { Finding } from "../report/types.js";
import type { Check } from "./check.js";
import { defineCodes, SkipCheck } from "./check.js";

const ATTACH_DOCS = "https://learn.microsoft.com/azure/aks/cluster-container-registry-integration";

const CODES = defineCodes({
  AKS_PULL_OK: {
    severity: "notice",
    title: "The AKS cluster's nodes can pull from the registry",
    fix: "Nothing to fix.",
    docs: ATTACH_DOCS,
  },
  AKS_KUBELET_NO_PULL_ROLE: {
    severity: "error",
    title: "The AKS cluster's pull identity has no pull role at the registry",
    fix: "Attach the registry to the cluster (`az aks update --attach-acr`), which grants its kubelet identity AcrPull; on ABAC registries assign Container Registry Repository Reader.",
    docs: ATTACH_DOCS,
  },
  AKS_ROLE_ON_REPLACED_PRINCIPAL: {
    severity: "error",
    title: "The registry's pull role still points at an identity the cluster no longer uses",
    fix: "Re-attach the registry so the cluster's current identity gets the role, and delete the assignment of the deleted identity.",
    docs: ATTACH_DOCS,
  },
  AKS_SERVICE_PRINCIPAL_MISSING: {
    severity: "error",
    title: "The AKS cluster's service principal no longer exists",
    fix: "Reset the cluster's credentials to an existing service principal (`az aks update-credentials --reset-service-principal`), or move the cluster to managed identity.",
    docs: "https://learn.microsoft.com/azure/aks/update-credentials",
  },
  AKS_SP_SECRET_EXPIRED: {
    severity: "error",
    title: "The AKS cluster's service principal secret has expired",
    fix: "Create a new secret and hand it to the cluster with `az aks update-credentials --reset-service-principal`, or move the cluster to managed identity.",
    docs: "https://learn.microsoft.com/azure/aks/update-credentials",
  },
  AKS_SP_SECRET_EXPIRING: {
    severity: "warning",
    title: "The AKS cluster's service principal secret expires soon",
    fix: "Rotate the secret with `az aks update-credentials --reset-service-principal` before it expires, or move the cluster to managed identity.",
    docs: "https://learn.microsoft.com/azure/aks/update-credentials",
  },
  AKS_WINDOWS_POOL_LINUX_IMAGE: {
    severity: "warning",
    title: "The cluster has Windows node pools but an image is Linux-only",
    fix: "Pin the workload to Linux nodes (nodeSelector `kubernetes.io/os: linux`), taint the Windows pools, or publish a Windows variant of the image.",
    docs: "https://learn.microsoft.com/azure/aks/windows-faq",
  },
  AKS_PRIVATE_DNS_NOT_LINKED: {
    severity: "error",
    title: "The cluster's VNet cannot resolve the registry's private endpoint",
    fix: "Link the cluster's VNet to the registry's privatelink.azurecr.io private DNS zone (`az network private-dns link vnet create`).",
    docs: "https://learn.microsoft.com/azure/container-registry/container-registry-private-link",
  },
  AKS_PULL_PARTLY_UNVERIFIED: {
    severity: "warning",
    title: "Part of the cluster's pull path could not be verified",
    fix: "Grant the read permission named in the finding; `az aks check-acr` verifies from inside the cluster.",
    docs: ATTACH_DOCS,
  },
});

interface Job {
  ctx: RegistryContext;
  registry: RegistryResource;
  cluster: ManagedCluster;
  clusterName: string;
  clusterGroup: string;
  loginServer: string;
  mode: RoleAssignmentMode;
  /** What the check could not read, each naming what would let it. */
  unverified: string[];
}

/** `aks-pull`: what `az aks check-acr` would tell — can the cluster's nodes pull — without running a pod. */
export const aksPullCheck: Check = {
  id: "aks-pull",
  scope: "registry",
  modes: ["preflight"],
  codes: CODES,
  permissions: [
    "`Microsoft.ContainerService/managedClusters/read` on the cluster (Reader)",
    "`Microsoft.Authorization/roleAssignments/read` on the registry (Reader)",
    `Microsoft Graph \`${APPLICATION_READ_PERMISSION}\` for clusters that run as a service principal`,
    "`Microsoft.Network/privateEndpoints/privateDnsZoneGroups/read` and `privateDnsZones/virtualNetworkLinks/read` for private registries (Reader on their resource groups)",
  ],
  async run(ctx) {
    if (!ctx.config.aksCluster) {
      throw new SkipCheck(
        "not-applicable",
        "No `aks-cluster` was given, so no cluster's pull path is checked.",
      );
    }
    const [registry, cluster, loginServer] = await Promise.all([
      requireRegistry(ctx),
      ctx.get(aksClusterFact),
      ctx.get(loginServerFact),
    ]);
    const { resourceGroup } = parseResourceId(cluster.id);
    const job: Job = {
      ctx,
      registry,
      cluster,
      clusterName: cluster.name,
      clusterGroup: resourceGroup ?? "<resource group>",
      loginServer,
      mode: modeOf(registry.properties.roleAssignmentMode),
      unverified: [],
    };
    const identity = await pullIdentityOf(ctx, cluster);
    const [identityFindings, roleFindings, platformFindings, dnsFindings] = await Promise.all([
      servicePrincipalFindings(job, identity),
      pullRoleFindings(job, identity),
      windowsPoolFindings(job),
      privateDnsFindings(job),
    ]);
    const findings = [...identityFindings, ...(roleFindings ?? []), ...platformFindings, ...dnsFindings];
    const evidence = evidenceOf(job, identity);
    if (job.unverified.length > 0) {
      const remediation = [...(await grantGraphRead(ctx, identity)), checkAcrCommand(job)];
      if (!roleFindings && findings.length === 0) {
        throw new SkipCheck(
          "permission",
          `Whether ${job.clusterName} may pull from ${registry.name} could not be decided: ${job.unverified.join("; ")}.`,
          remediation,
          evidence,
        );
      }
      findings.push(
        CODES.AKS_PULL_PARTLY_UNVERIFIED.finding({
          message: `Not verified for ${job.clusterName}: ${job.unverified.join("; ")}.`,
          remediation,
          evidence,
        }),
      );
    }
    if (findings.length === 0) {
      findings.push(
        CODES.AKS_PULL_OK.finding({
          message: `${describeIdentity(identity)} of ${job.clusterName} holds a pull role at ${registry.name}, and nothing in its node pools or DNS stands in the way.`,
          evidence,
        }),
      );
    }
    return { findings };
  },
};

// ---- the identity's role at the registry ------------------------------------------------------

/** Empty when the identity may pull; undefined when that cannot be judged (the reason goes to `job.unverified`). */
async function pullRoleFindings(job: Job, identity: PullIdentity): Promise<Finding[] | undefined> {
  if (identity.kind === "unknown") {
    job.unverified.push("the cluster reports neither a kubelet identity nor a service principal");
    return undefined;
  }
  const objectId = identity.objectId;
  // A deleted service principal, or one Graph would not name, is reported by servicePrincipalFindings.
  if (!objectId) return undefined;
  const { registry } = job;
  const listed = await listRoleAssignments(job.ctx, registry.id, `assignedTo('${objectId}')`, objectId);
  if (!listed.readable) {
    job.unverified.push(
      `the pull identity's role assignments at ${registry.name} (\`Microsoft.Authorization/roleAssignments/read\`: ${listed.detail})`,
    );
    return undefined;
  }
  const assignments = applicableTo(registry.id, listed.value);
  if (assignments.some((a) => grantsPull(job, a))) return [];

  const evidence = { pullIdentity: objectId, roleAssignmentMode: job.mode, roles: assignments.map(roleName) };
  const grant = grantPullCommands(job, objectId);
  const orphans = await replacedPrincipals(job, objectId);
  if (orphans.length > 0) {
    return [
      CODES.AKS_ROLE_ON_REPLACED_PRINCIPAL.finding({
        message:
          `${registry.name} grants ${unique(orphans.map(roleName)).join(", ")} to ${orphans.map((o) => o.principalId).join(", ")}, ` +
          `which no longer exist${orphans.length === 1 ? "s" : ""} in the directory, while ${job.clusterName} now pulls as ${objectId}, which holds no pull role: nodes fail with 401 / ImagePullBackOff.`,
        remediation: [
          ...grant,
          ...orphans.map(
            (o) =>
              `az role assignment list --scope ${o.scope} --query "[?principalId=='${o.principalId}'].id" --output tsv | xargs az role assignment delete --ids`,
          ),
          checkAcrCommand(job),
        ],
        evidence: {
          ...evidence,
          replacedPrincipals: orphans.map((o) => ({
            principalId: o.principalId,
            role: roleName(o),
            scope: o.scope,
          })),
        },
      }),
    ];
  }
  const legacyOnAbac =
    job.mode === "abac" &&
    assignments.some((a) => a.role && permits(a.role.permissions, REQUIRED_PERMISSION.legacy.pull));
  return [
    CODES.AKS_KUBELET_NO_PULL_ROLE.finding({
      message:
        `${describeIdentity(identity)} of ${job.clusterName} (${objectId}) holds no role that lets it pull from ${registry.name}` +
        (legacyOnAbac
          ? "; its AcrPull is ignored because the registry uses ABAC repository permissions"
          : "") +
        ": nodes fail with 401 Unauthorized / ImagePullBackOff.",
      remediation: [...grant, checkAcrCommand(job)],
      evidence,
    }),
  ];
}

function grantsPull(job: Job, assignment: RoleAssignmentView): boolean {
  const required = REQUIRED_PERMISSION[job.mode].pull;
  if (!assignment.role || !permits(assignment.role.permissions, required)) return false;
  const repositories = unique(job.ctx.config.images.map((i) => i.repository));
  if (job.mode !== "abac" || !assignment.condition || repositories.length === 0) return true;
  const condition = parseCondition(assignment.condition);
  if (!condition.ok) {
    job.unverified.push(`the ABAC condition on ${roleName(assignment)} (${condition.error})`);
    return false;
  }
  return repositories.every((repository) => condition.evaluate({ action: required.name, repository }));
}

/**
 * Pull-granting assignments at the registry whose service principal Graph no longer knows: what is
 * left behind when a cluster's service principal or kubelet identity was replaced.
 */
async function replacedPrincipals(job: Job, currentObjectId: string): Promise<RoleAssignmentView[]> {
  const listed = await listRoleAssignments(job.ctx, job.registry.id, "atScope()");
  if (!listed.readable) return [];
  const candidates = listed.value
    .filter(
      (a) =>
        a.principalType === "ServicePrincipal" &&
        a.principalId.toLowerCase() !== currentObjectId.toLowerCase(),
    )
    .filter((a) => a.role && permits(a.role.permissions, REQUIRED_PERMISSION[job.mode].pull))
    .slice(0, 10);
  const lookups = await Promise.all(
    candidates.map((a) =>
      graphRead<{ id: string }>(
        job.ctx,
        `/v1.0/servicePrincipals/${encodeURIComponent(a.principalId)}`,
        "id",
      ),
    ),
  );
  return candidates.filter((_, i) => lookups[i]?.status === "missing");
}

function grantPullCommands(job: Job, objectId: string): string[] {
  if (job.mode === "legacy") {
    return [
      `az aks update --name ${job.clusterName} --resource-group ${job.clusterGroup} --attach-acr ${job.registry.id}`,
    ];
  }
  const repositories = unique(job.ctx.config.images.map((i) => i.repository));
  return grantCommands({
    mode: job.mode,
    operations: ["pull"],
    assignee: objectId,
    registryId: job.registry.id,
    repositories,
  });
}

// ---- the cluster's service principal --------------------------------------------------------

function servicePrincipalFindings(job: Job, identity: PullIdentity): Finding[] {
  if (identity.kind !== "service-principal") return [];
  if (identity.graphRefused) {
    job.unverified.push(
      `service principal ${identity.clientId} in Microsoft Graph (${identity.graphRefused}; reading it needs ${APPLICATION_READ_PERMISSION})`,
    );
  }
  const evidence = { servicePrincipal: identity.clientId };
  const reset = resetCredentialsCommands(job, identity.clientId);
  if (identity.deleted) {
    return [
      CODES.AKS_SERVICE_PRINCIPAL_MISSING.finding({
        message: `${job.clusterName} runs as service principal ${identity.clientId}, which no longer exists in the directory: its nodes cannot authenticate to pull.`,
        remediation: [
          `az ad sp create-for-rbac --name ${job.clusterName}-sp --skip-assignment`,
          `az aks update-credentials --name ${job.clusterName} --resource-group ${job.clusterGroup} --reset-service-principal --service-principal <new app id> --client-secret <new secret>`,
          `az aks update --name ${job.clusterName} --resource-group ${job.clusterGroup} --enable-managed-identity`,
        ],
        evidence,
      }),
    ];
  }
  const ends = [
    ...(identity.application?.passwordCredentials ?? []),
    ...(identity.application?.keyCredentials ?? []),
  ]
    .map((c) => (c.endDateTime ? new Date(c.endDateTime) : undefined))
    .filter((d): d is Date => Boolean(d));
  if (ends.length === 0) return [];
  const latest = new Date(Math.max(...ends.map((d) => d.getTime())));
  const now = job.ctx.now();
  const credentialEvidence = {
    ...evidence,
    latestCredentialExpiry: latest.toISOString(),
    credentials: ends.length,
  };
  if (latest <= now) {
    return [
      CODES.AKS_SP_SECRET_EXPIRED.finding({
        message: `Every credential of ${job.clusterName}'s service principal ${identity.clientId} has expired (the latest on ${latest.toISOString()}): its nodes cannot get tokens to pull.`,
        remediation: reset,
        evidence: credentialEvidence,
      }),
    ];
  }
  const warnBefore = new Date(now.getTime() + job.ctx.config.expiryWarningMinutes * 60_000);
  if (latest <= warnBefore) {
    return [
      CODES.AKS_SP_SECRET_EXPIRING.finding({
        message: `The newest credential of ${job.clusterName}'s service principal ${identity.clientId} expires on ${latest.toISOString()}; after that its nodes stop pulling.`,
        remediation: reset,
        evidence: credentialEvidence,
      }),
    ];
  }
  return [];
}

function resetCredentialsCommands(job: Job, clientId: string): string[] {
  return [
    `SP_SECRET=$(az ad app credential reset --id ${clientId} --append --query password --output tsv)`,
    `az aks update-credentials --name ${job.clusterName} --resource-group ${job.clusterGroup} --reset-service-principal --service-principal ${clientId} --client-secret "$SP_SECRET"`,
  ];
}

// ---- Windows node pools vs Linux-only images --------------------------------------------------

async function windowsPoolFindings(job: Job): Promise<Finding[]> {
  const pools = job.cluster.properties.agentPoolProfiles ?? [];
  const windowsPools = pools.filter((p) => p.osType?.toLowerCase() === "windows").map((p) => p.name);
  if (windowsPools.length === 0 || job.ctx.config.images.length === 0) return [];
  const manifests = await Promise.all(
    job.ctx.config.images.map((image) =>
      job.ctx.get(imageManifestFact(image)).catch((error: unknown) => {
        if (error instanceof SkipCheck) return undefined;
        throw error;
      }),
    ),
  );
  const linuxOnly: { image: string; platforms: string[] }[] = [];
  job.ctx.config.images.forEach((image, i) => {
    const manifest = manifests[i];
    if (!manifest)
      job.unverified.push(`the platforms of ${image.input} (the job's identity may not pull it)`);
    // A missing image is the `images` check's finding.
    if (!manifest?.found) return;
    if (!manifest.platforms) job.unverified.push(`the platforms of ${image.input}`);
    else if (!manifest.platforms.some((p) => p.startsWith("windows/")))
      linuxOnly.push({ image: image.input, platforms: manifest.platforms });
  });
  if (linuxOnly.length === 0) return [];
  return [
    CODES.AKS_WINDOWS_POOL_LINUX_IMAGE.finding({
      message:
        `${job.clusterName} has Windows node pools (${windowsPools.join(", ")}), but ${linuxOnly.map((l) => l.image).join(", ")} offer${linuxOnly.length === 1 ? "s" : ""} no Windows platform: ` +
        `pods without a \`kubernetes.io/os: linux\` node selector that land there fail with ImagePullBackOff ("no matching manifest").`,
      remediation: windowsPools.map(
        (pool) =>
          `az aks nodepool update --cluster-name ${job.clusterName} --resource-group ${job.clusterGroup} --name ${pool} --node-taints os=windows:NoSchedule`,
      ),
      evidence: { windowsPools, linuxOnlyImages: linuxOnly },
    }),
  ];
}

// ---- private registry DNS --------------------------------------------------------------------

async function privateDnsFindings(job: Job): Promise<Finding[]> {
  if ((job.registry.properties.privateEndpointConnections ?? []).length === 0) return [];
  const dns = await job.ctx.get(registryPrivateDnsFact);
  job.unverified.push(
    ...dns.unreadable.map((u) => `${u} (Reader on the private endpoint's and DNS zone's resource groups)`),
  );
  const pools = job.cluster.properties.agentPoolProfiles ?? [];
  const vnets = unique(
    pools
      .map((p) => p.vnetSubnetID?.replace(/\/subnets\/[^/]+$/i, ""))
      .filter((v): v is string => Boolean(v)),
  );
  if (vnets.length === 0) {
    job.unverified.push(
      `the DNS link of the AKS-managed VNet in ${job.cluster.properties.nodeResourceGroup ?? "the node resource group"} to privatelink.azurecr.io`,
    );
    return [];
  }
  if (dns.zones.length === 0) {
    if (dns.endpointsWithoutZoneGroup.length > 0) {
      job.unverified.push(
        `name resolution of ${job.loginServer} from the cluster: the registry's private endpoints have no DNS zone group, so their records live in a DNS this tool cannot read`,
      );
    }
    return [];
  }
  const unlinked = vnets.filter((v) => !dns.zones.some((z) => z.linkedVnets.includes(v.toLowerCase())));
  if (unlinked.length === 0) return [];
  const zone = dns.zones[0]!;
  const { resourceGroup: zoneGroup } = parseResourceId(zone.id);
  const zoneName = zone.id.split("/").pop();
  return [
    CODES.AKS_PRIVATE_DNS_NOT_LINKED.finding({
      message:
        `${job.registry.name} is reached through a private endpoint, but ${unlinked.join(", ")} of ${job.clusterName} ${unlinked.length === 1 ? "is" : "are"} not linked to ${zoneName}: ` +
        `nodes resolve ${job.loginServer} to its public address and are refused (or time out) — unless the VNet's DNS servers forward to a resolver in a linked VNet.`,
      remediation: unlinked.map(
        (vnet) =>
          `az network private-dns link vnet create --resource-group ${zoneGroup} --zone-name ${zoneName} --name ${vnet.split("/").pop()}-acr --virtual-network ${vnet} --registration-enabled false`,
      ),
      evidence: { clusterVnets: vnets, zones: dns.zones, privateEndpoints: dns.privateEndpoints },
    }),
  ];
}

// ---- shared -----------------------------------------------------------------------------------

/** When Graph refused to show the cluster's service principal: let the job's identity read app registrations. */
async function grantGraphRead(ctx: RegistryContext, identity: PullIdentity): Promise<string[]> {
  if (identity.kind !== "service-principal" || !identity.graphRefused) return [];
  return grantApplicationReadCommands(await assigneeOf(ctx));
}

function checkAcrCommand(job: Job): string {
  return `az aks check-acr --name ${job.clusterName} --resource-group ${job.clusterGroup} --acr ${job.loginServer}`;
}

function describeIdentity(identity: PullIdentity): string {
  if (identity.kind === "kubelet-identity") return "The kubelet identity";
  if (identity.kind === "service-principal") return `The service principal ${identity.clientId}`;
  return "The pull identity";
}

function evidenceOf(job: Job, identity: PullIdentity): Record<string, unknown> {
  return {
    cluster: job.cluster.id,
    pullIdentity:
      identity.kind === "kubelet-identity"
        ? { kind: identity.kind, objectId: identity.objectId, clientId: identity.clientId }
        : identity.kind === "service-principal"
          ? { kind: identity.kind, clientId: identity.clientId, objectId: identity.objectId }
          : { kind: identity.kind },
    nodePools: (job.cluster.properties.agentPoolProfiles ?? []).map((p) => ({
      name: p.name,
      osType: p.osType ?? "Linux",
    })),
    roleAssignmentMode: job.mode,
  };
}

function roleName(a: RoleAssignmentView): string {
  return a.role?.name ?? a.roleDefinitionId;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
