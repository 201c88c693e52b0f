import { describe, expect, it } from "vitest";
import type { AksCluster, Scenario } from "../fake-azure/scenario.js";
import { checkOf } from "../support/cli.js";
import type { Variant } from "./healthy-variant.js";
import { healthyVariant, runAgainst } from "./healthy-variant.js";

const SUB = "11111111-2222-3333-4444-555555555555";
const CLUSTER_GROUP = `/subscriptions/${SUB}/resourceGroups/rg-aks`;
const CLUSTER_ID = `${CLUSTER_GROUP}/providers/Microsoft.ContainerService/managedClusters/shop-aks`;
const KUBELET = {
  objectId: "7a1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
  clientId: "1b2c3d4e-5f60-4b7c-8d9e-0f1a2b3c4d5e",
};
const VNET = `${CLUSTER_GROUP}/providers/Microsoft.Network/virtualNetworks/vnet-aks`;
const CHECK = ["--checks", "aks-pull", "--aks-cluster", "shop-aks"];

/** healthy.json plus an AKS cluster the job's identity may read, its kubelet identity holding AcrPull. */
function withCluster(tweak: (v: Variant, cluster: AksCluster) => void = () => undefined): Scenario {
  return healthyVariant((v) => {
    const cluster: AksCluster = {
      name: "shop-aks",
      subscriptionId: SUB,
      resourceGroup: "rg-aks",
      location: "westeurope",
      kubeletIdentity: KUBELET,
      agentPools: [
        { name: "system", osType: "Linux", mode: "System", vnetSubnetId: `${VNET}/subnets/nodes` },
      ],
    };
    v.scenario.aksClusters = [cluster];
    v.scenario.roleAssignments.push(
      { scope: CLUSTER_GROUP, role: "Reader", principalId: v.principalId },
      { scope: v.registryId, role: "AcrPull", principalId: KUBELET.objectId },
    );
    tweak(v, cluster);
  });
}

/** Turns the cluster into a service-principal cluster whose principal Graph will not show the job (`graphAccess: self`). */
function runAsServicePrincipal(v: Variant, cluster: AksCluster): void {
  const clientId = "7b8c9d0e-1f2a-4b3c-8d4e-5f6071829304";
  v.scenario.principals.push({
    ...v.scenario.principals[0]!,
    displayName: "shop-aks-sp",
    clientId,
    objectId: "8c9d0e1f-2a3b-4c4d-8e5f-607182930415",
    secrets: [],
  });
  delete cluster.kubeletIdentity;
  cluster.servicePrincipalClientId = clientId;
}

function dropKubeletRole(v: Variant): void {
  v.scenario.roleAssignments = v.scenario.roleAssignments.filter((a) => a.principalId !== KUBELET.objectId);
}

describe("aks-pull", () => {
  it("passes when the kubelet identity holds AcrPull, finding the cluster by name with Resource Graph", async () => {
    const result = await runAgainst(withCluster(), CHECK);
    const check = checkOf(result.report, "aks-pull");
    expect(check.status).toBe("pass");
    expect(check.findings.map((f) => f.code)).toEqual(["AKS_PULL_OK"]);
    expect(check.findings[0]?.evidence.cluster).toBe(CLUSTER_ID);
    expect(result.requests.some((r) => r.path === CLUSTER_ID && r.method === "GET")).toBe(true);
  });

  it("fails when the kubelet identity has no pull role, with the attach command", async () => {
    const check = checkOf((await runAgainst(withCluster(dropKubeletRole), CHECK)).report, "aks-pull");
    expect(check.status).toBe("error");
    expect(check.findings[0]?.code).toBe("AKS_KUBELET_NO_PULL_ROLE");
    expect(check.findings[0]?.remediation).toEqual([
      `az aks update --name shop-aks --resource-group rg-aks --attach-acr /subscriptions/${SUB}/resourceGroups/rg-containers/providers/Microsoft.ContainerRegistry/registries/contosoacr`,
      "az aks check-acr --name shop-aks --resource-group rg-aks --acr contosoacr.azurecr.io",
    ]);
  });

  it("names the replaced identity the registry's AcrPull still points at", async () => {
    const replaced = "0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f";
    const scenario = withCluster((v) => {
      dropKubeletRole(v);
      v.scenario.roleAssignments.push({
        scope: v.registryId,
        role: "AcrPull",
        principalId: replaced,
        principalType: "ServicePrincipal",
      });
    });
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "aks-pull");
    expect(check.status).toBe("error");
    expect(check.findings[0]?.code).toBe("AKS_ROLE_ON_REPLACED_PRINCIPAL");
    expect(check.findings[0]?.evidence.replacedPrincipals).toEqual([
      expect.objectContaining({ principalId: replaced, role: "AcrPull" }),
    ]);
  });

  it("fails on a service-principal cluster whose secret has expired", async () => {
    const scenario = withCluster((v, cluster) => {
      const sp = {
        displayName: "shop-aks-sp",
        clientId: "2c3d4e5f-6071-4c8d-9eaf-102132435465",
        objectId: "3d4e5f60-7182-4d9e-afb0-213243546576",
        appObjectId: "4e5f6071-8293-4eaf-b0c1-324354657687",
        type: "ServicePrincipal" as const,
      };
      v.scenario.principals.push({
        ...sp,
        secrets: [
          {
            keyId: "5f607182-93a4-4fb0-c1d2-435465768798",
            value: "aks-old-secret-value-0000",
            endDateTime: "now-3d",
          },
        ],
      });
      (v.scenario.principals[0] as { graphAccess?: string }).graphAccess = "all";
      delete cluster.kubeletIdentity;
      cluster.servicePrincipalClientId = sp.clientId;
      v.scenario.roleAssignments.push({ scope: v.registryId, role: "AcrPull", principalId: sp.objectId });
    });
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "aks-pull");
    expect(check.status).toBe("error");
    expect(check.findings.map((f) => f.code)).toEqual(["AKS_SP_SECRET_EXPIRED"]);
    expect(check.findings[0]?.remediation[1]).toContain(
      "az aks update-credentials --name shop-aks --resource-group rg-aks --reset-service-principal",
    );
  });

  it("fails on a service-principal cluster whose service principal was deleted", async () => {
    const scenario = withCluster((v, cluster) => {
      (v.scenario.principals[0] as { graphAccess?: string }).graphAccess = "all";
      delete cluster.kubeletIdentity;
      cluster.servicePrincipalClientId = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f60718293";
    });
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "aks-pull");
    expect(check.status).toBe("error");
    expect(check.findings.map((f) => f.code)).toEqual(["AKS_SERVICE_PRINCIPAL_MISSING"]);
  });

  it("is skipped, naming Application.Read.All, when Graph may not read the cluster's service principal", async () => {
    const scenario = withCluster((v, cluster) => {
      runAsServicePrincipal(v, cluster);
    });
    const check = checkOf((await runAgainst(scenario, CHECK)).report, "aks-pull");
    expect(check.status).toBe("skipped");
    expect(check.findings[0]?.code).toBe("PERMISSION_MISSING");
    expect(check.findings[0]?.message).toContain("Application.Read.All");
    expect(check.findings[0]?.remediation[0]).toMatch(/^az ad app permission add --id 0c5a7e0e-/);
  });

  it("reports what it found and what it could not verify, instead of skipping, when something is wrong", async () => {
    const scenario = withCluster((v, cluster) => {
      runAsServicePrincipal(v, cluster);
      cluster.agentPools.push({ name: "win22", osType: "Windows" });
    });
    const result = await runAgainst(scenario, [...CHECK, "--images", "shop/api:1.4.2"]);
    const check = checkOf(result.report, "aks-pull");
    expect(check.status).toBe("warning");
    expect(check.findings.map((f) => f.code).sort()).toEqual([
      "AKS_PULL_PARTLY_UNVERIFIED",
      "AKS_WINDOWS_POOL_LINUX_IMAGE",
    ]);
  });

  it("warns when a Windows node pool may be handed a Linux-only image", async () => {
    const scenario = withCluster((_v, cluster) =>
      cluster.agentPools.push({ name: "win22", osType: "Windows" }),
    );
    const check = checkOf(
      (await runAgainst(scenario, [...CHECK, "--images", "shop/api:1.4.2"])).report,
      "aks-pull",
    );
    expect(check.status).toBe("warning");
    expect(check.findings[0]?.code).toBe("AKS_WINDOWS_POOL_LINUX_IMAGE");
    expect(check.findings[0]?.evidence.linuxOnlyImages).toEqual([
      { image: "shop/api:1.4.2", platforms: ["linux/amd64"] },
    ]);
    expect(check.findings[0]?.remediation).toEqual([
      "az aks nodepool update --cluster-name shop-aks --resource-group rg-aks --name win22 --node-taints os=windows:NoSchedule",
    ]);
  });

  describe("private registry", () => {
    const ZONE = `/subscriptions/${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io`;
    const ENDPOINT = `/subscriptions/${SUB}/resourceGroups/rg-containers/providers/Microsoft.Network/privateEndpoints/pe-contosoacr`;

    function privateRegistry(links: string[]) {
      return withCluster((v) => {
        v.registry.properties = {
          ...v.registry.properties,
          privateEndpointConnections: [
            {
              id: `${v.registryId}/privateEndpointConnections/pe`,
              properties: { privateEndpoint: { id: ENDPOINT } },
            },
          ],
        };
        v.scenario.privateEndpoints = [{ id: ENDPOINT, privateDnsZoneIds: [ZONE] }];
        v.scenario.privateDnsZones = [
          {
            id: ZONE,
            virtualNetworkLinks: links.map((vnet, i) => ({ name: `link${i}`, virtualNetworkId: vnet })),
          },
        ];
        v.scenario.roleAssignments.push({
          scope: `/subscriptions/${SUB}`,
          role: "Reader",
          principalId: v.principalId,
        });
      });
    }

    it("fails when the cluster's VNet is not linked to privatelink.azurecr.io", async () => {
      const hub = `/subscriptions/${SUB}/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub`;
      const check = checkOf((await runAgainst(privateRegistry([hub]), CHECK)).report, "aks-pull");
      expect(check.status).toBe("error");
      expect(check.findings[0]?.code).toBe("AKS_PRIVATE_DNS_NOT_LINKED");
      expect(check.findings[0]?.remediation).toEqual([
        `az network private-dns link vnet create --resource-group rg-dns --zone-name privatelink.azurecr.io --name vnet-aks-acr --virtual-network ${VNET} --registration-enabled false`,
      ]);
    });

    it("passes when the cluster's VNet is linked", async () => {
      const check = checkOf((await runAgainst(privateRegistry([VNET]), CHECK)).report, "aks-pull");
      expect(check.status).toBe("pass");
      expect(check.findings.map((f) => f.code)).toEqual(["AKS_PULL_OK"]);
    });
  });

  it("does not apply without aks-cluster", async () => {
    const check = checkOf((await runAgainst(withCluster(), ["--checks", "aks-pull"])).report, "aks-pull");
    expect(check.status).toBe("skipped");
    expect(check.findings[0]?.code).toBe("CHECK_NOT_APPLICABLE");
  });

  it("is skipped, naming the permission, when the cluster cannot be read", async () => {
    const scenario = withCluster((v) => {
      v.scenario.roleAssignments = v.scenario.roleAssignments.filter((a) => a.scope !== CLUSTER_GROUP);
    });
    const check = checkOf(
      (await runAgainst(scenario, [...CHECK.slice(0, 2), "--aks-cluster", CLUSTER_ID])).report,
      "aks-pull",
    );
    expect(check.status).toBe("skipped");
    expect(check.findings[0]?.code).toBe("PERMISSION_MISSING");
    expect(check.findings[0]?.message).toContain("Microsoft.ContainerService/managedClusters/read");
    expect(check.findings[0]?.remediation[0]).toContain(`--scope ${CLUSTER_ID}`);
  });
});
