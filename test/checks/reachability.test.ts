import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { startFakeAzure } from "../fake-azure/index.js";
import { checkOf, runCli } from "../support/cli.js";
import { healthyVariant, runAgainst } from "./healthy-variant.js";
import type { Variant } from "./healthy-variant.js";

const LOGIN_SERVER = "contosoacr.azurecr.io";

async function reachability(tweak: (v: Variant) => void = () => undefined) {
  const scenario = healthyVariant(tweak);
  const result = await runAgainst(scenario, ["--checks", "reachability"]);
  return { check: checkOf(result.report, "reachability"), requests: result.requests };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function codesOf(check: { findings: { code: string }[] }): string[] {
  return check.findings.map((f) => f.code);
}

describe("reachability", () => {
  it("passes when the login server resolves, speaks trusted TLS and answers the /v2/ challenge", async () => {
    const { check } = await reachability();
    expect(check.status).toBe("pass");
    expect(codesOf(check)).toEqual(["ENDPOINT_REACHABLE"]);
    const [endpoint] = check.findings[0]!.evidence.endpoints as Record<string, unknown>[];
    expect(endpoint).toMatchObject({
      host: LOGIN_SERVER,
      kind: "login-server",
      v2: { status: 401, realm: `https://${LOGIN_SERVER}/oauth2/token` },
    });
  });

  it("probes every dedicated data endpoint and regional endpoint too", async () => {
    const { check, requests } = await reachability((v) => {
      v.registry.properties = {
        ...v.registry.properties,
        dataEndpointEnabled: true,
        regionalEndpoints: "Enabled",
      };
      v.registry.replications = [{ location: "northeurope", regionEndpointEnabled: true }];
    });
    expect(check.status).toBe("pass");
    const hosts = (check.findings[0]!.evidence.endpoints as { host: string }[]).map((e) => e.host);
    const expected = [
      LOGIN_SERVER,
      "contosoacr.westeurope.data.azurecr.io",
      "contosoacr.northeurope.data.azurecr.io",
      "contosoacr.westeurope.geo.azurecr.io",
      "contosoacr.northeurope.geo.azurecr.io",
    ];
    expect(hosts.sort()).toEqual([...expected].sort());
    const probed = requests.filter((r) => r.path === "/v2/").map((r) => r.host);
    expect(new Set(probed)).toEqual(new Set(expected));
  });

  it("reports a host that does not resolve", async () => {
    const { check } = await reachability((v) => {
      v.scenario.dns = { [LOGIN_SERVER]: "NXDOMAIN" };
    });
    expect(check.status).toBe("error");
    expect(codesOf(check)).toEqual(["DNS_RESOLUTION_FAILED"]);
    expect(check.findings[0]!.evidence).toMatchObject({ host: LOGIN_SERVER, dnsError: "ENOTFOUND" });
  });

  it("names the proxy CA when TLS is intercepted", async () => {
    const { check } = await reachability((v) => {
      v.scenario.tlsInterception = { hosts: [LOGIN_SERVER], issuer: "Contoso Proxy CA" };
    });
    expect(check.status).toBe("error");
    expect(codesOf(check)).toEqual(["TLS_INTERCEPTED"]);
    const finding = check.findings[0]!;
    expect(finding.message).toContain("issued by 'Contoso Proxy CA', not by a public CA");
    expect(finding.remediation.join("\n")).toContain(`/etc/docker/certs.d/${LOGIN_SERVER}/ca.crt`);
    expect(finding.evidence).toMatchObject({ tls: { stage: "tls", issuer: "Contoso Proxy CA" } });
  });

  it("reports the firewall's 403 with the IP it refused", async () => {
    const { check } = await reachability((v) => {
      v.registry.properties = {
        ...v.registry.properties,
        networkRuleSet: { defaultAction: "Deny", ipRules: [] },
      };
    });
    expect(check.status).toBe("error");
    expect(codesOf(check)).toEqual(["FIREWALL_FORBIDDEN"]);
    expect(check.findings[0]!.evidence).toMatchObject({ v2: { status: 403, blockedIp: "20.61.1.2" } });
    expect(check.findings[0]!.remediation).toEqual([
      "az acr network-rule add --name contosoacr --ip-address 20.61.1.2/32",
    ]);
  });

  it("reports an unlinked private DNS zone when public access is disabled but the name resolves publicly", async () => {
    const { check } = await reachability((v) => {
      v.registry.properties = { ...v.registry.properties, publicNetworkAccess: "Disabled" };
    });
    expect(check.status).toBe("error");
    expect(codesOf(check)).toEqual(["PRIVATE_DNS_NOT_LINKED"]);
    expect(check.findings[0]!.message).toContain("privatelink.azurecr.io");
    expect(check.findings[0]!.remediation[0]).toContain("az network private-dns link vnet create");
  });

  it("passes with a notice when the runner resolves a private endpoint", async () => {
    const { check } = await reachability((v) => {
      v.registry.properties = { ...v.registry.properties, publicNetworkAccess: "Disabled" };
      v.scenario.dns = { [LOGIN_SERVER]: "10.20.0.5" };
    });
    expect(check.status).toBe("pass");
    expect(codesOf(check).sort()).toEqual(["ENDPOINT_REACHABLE", "PRIVATE_ENDPOINT_IN_USE"]);
    const notice = check.findings.find((f) => f.code === "PRIVATE_ENDPOINT_IN_USE")!;
    expect(notice.evidence).toMatchObject({ addresses: ["10.20.0.5"] });
  });

  it("reports a refused TCP connection, without needing ARM", async () => {
    const fake = await startFakeAzure({ scenario: healthyVariant() });
    try {
      const port = await closedPort();
      const result = await runCli(fake, ["--registry", LOGIN_SERVER, "--checks", "reachability"], {
        env: { ACR_PREFLIGHT_CONNECT_TO: `127.0.0.1:${port}` },
      });
      const check = checkOf(result.report, "reachability");
      expect(check.status).toBe("error");
      expect(codesOf(check)).toEqual(["TCP_CONNECT_FAILED"]);
      expect(check.findings[0]!.evidence).toMatchObject({
        host: LOGIN_SERVER,
        tls: { stage: "tcp", code: "ECONNREFUSED" },
      });
      expect(check.findings[0]!.remediation[0]).toBe(
        `allow outbound TCP 443 from the runner to ${LOGIN_SERVER}`,
      );
    } finally {
      await fake.close();
    }
  });
});
