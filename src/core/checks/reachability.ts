import type { RegistryResource } from "../azure/arm-types.js";
import type { Challenge } from "../context/data-plane.js";
import { challengeFact, fetchChallenge } from "../context/data-plane.js";
import { dnsFact } from "../context/dns.js";
import type { RegistryEndpoint } from "../context/endpoints.js";
import { endpointsFact } from "../context/endpoints.js";
import { registryLookupFact } from "../context/registry-lookup.js";
import type { RegistryContext } from "../context/scope.js";
import { addressRange, isPublicAddress } from "../net/cidr.js";
import type { TlsProbe } from "../net/network.js";
import type { Finding } from "../report/types.js";
import type { Check } from "./check.js";
import { defineCodes } from "./check.js";

const ENDPOINTS_DOCS =
  "https://learn.microsoft.com/azure/container-registry/container-registry-endpoint-reference";
const FIREWALL_DOCS =
  "https://learn.microsoft.com/azure/container-registry/container-registry-access-selected-networks";
const PRIVATE_LINK_DOCS =
  "https://learn.microsoft.com/azure/container-registry/container-registry-private-link";
const TLS_PROBE_TIMEOUT_MS = 10_000;

/** Verification errors that mean "the chain ends in a CA this runner does not trust", i.e. someone re-signed it. */
const UNTRUSTED_CHAIN_CODES = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_UNTRUSTED",
]);

const CODES = defineCodes({
  ENDPOINT_REACHABLE: {
    severity: "notice",
    title: "Every registry endpoint answers from this runner",
    fix: "Nothing to fix.",
    docs: ENDPOINTS_DOCS,
  },
  PRIVATE_ENDPOINT_IN_USE: {
    severity: "notice",
    title: "The runner reaches the registry through a private endpoint",
    fix: "Nothing to fix; keep the privatelink DNS zone linked to the runner's network.",
    docs: PRIVATE_LINK_DOCS,
  },
  DNS_RESOLUTION_FAILED: {
    severity: "error",
    title: "A registry endpoint does not resolve from the runner",
    fix: "Fix the runner's DNS for the host named (private DNS zone link or conditional forwarder for privatelink.azurecr.io), or allow the name through the DNS filter.",
    docs: ENDPOINTS_DOCS,
  },
  PRIVATE_DNS_NOT_LINKED: {
    severity: "error",
    title: "Public network access is disabled but the runner resolves a public address",
    fix: "Link the privatelink.azurecr.io private DNS zone to the runner's virtual network (or forward it from the runner's DNS server), or run the job inside that network.",
    docs: PRIVATE_LINK_DOCS,
  },
  TCP_CONNECT_FAILED: {
    severity: "error",
    title: "The runner cannot open TCP 443 to a registry endpoint",
    fix: "Allow outbound TCP 443 from the runner to the host named (egress firewall, NSG, proxy allow-list).",
    docs: ENDPOINTS_DOCS,
  },
  TLS_INTERCEPTED: {
    severity: "error",
    title: "A TLS-inspecting proxy re-signs the registry's certificate",
    fix: "Trust the proxy's CA (NODE_EXTRA_CA_CERTS, /etc/docker/certs.d/<host>/ca.crt) or exempt *.azurecr.io from TLS inspection.",
    docs: ENDPOINTS_DOCS,
  },
  TLS_FAILED: {
    severity: "error",
    title: "The TLS handshake with a registry endpoint fails",
    fix: "Check the proxy or middlebox between the runner and the registry; the handshake error is in the finding.",
    docs: ENDPOINTS_DOCS,
  },
  FIREWALL_FORBIDDEN: {
    severity: "error",
    title: "The registry firewall refuses the runner",
    fix: "Allow the runner's IP (see the network-rules check) or reach the registry through a private endpoint.",
    docs: FIREWALL_DOCS,
  },
  UNEXPECTED_CHALLENGE: {
    severity: "warning",
    title: "A registry endpoint answers /v2/ unlike a registry",
    fix: "Something between the runner and the registry answers instead of it (proxy, captive portal); route *.azurecr.io around it.",
    docs: ENDPOINTS_DOCS,
  },
});

interface EndpointProbe {
  endpoint: RegistryEndpoint;
  addresses?: string[];
  dnsError?: string;
  tls?: TlsProbe;
  challenge?: Challenge;
}

/** `reachability`: DNS, TCP/TLS 443 and the `/v2/` challenge for every endpoint a job talks to. */
export const reachabilityCheck: Check = {
  id: "reachability",
  scope: "registry",
  modes: ["preflight"],
  codes: CODES,
  permissions: [
    "None for the login server; `Microsoft.ContainerRegistry/registries/read` (Reader) to also probe data and regional endpoints",
  ],
  async run(ctx) {
    const [{ endpoints, incomplete }, lookup] = await Promise.all([
      ctx.get(endpointsFact),
      ctx.get(registryLookupFact).catch(() => undefined),
    ]);
    const registry = lookup?.found ? lookup.resource : undefined;
    const probes = await Promise.all(endpoints.map((endpoint) => probe(ctx, endpoint)));
    const judged = probes.map((p) => ({ probe: p, findings: judge(ctx, p, registry) }));
    const findings = judged.flatMap((j) => j.findings);
    const healthy = judged
      .filter((j) => j.findings.every((f) => f.severity === "notice"))
      .map((j) => j.probe);
    if (healthy.length > 0) {
      findings.push(
        CODES.ENDPOINT_REACHABLE.finding({
          message: `${healthy.map((p) => p.endpoint.host).join(", ")} answer${healthy.length === 1 ? "s" : ""} on TCP 443 with a publicly trusted certificate and the registry's /v2/ challenge${incomplete ? `; ${incomplete}` : ""}.`,
          evidence: { endpoints: healthy.map(evidenceOf), ...(incomplete ? { incomplete } : {}) },
        }),
      );
    }
    return { findings };
  },
};

async function probe(ctx: RegistryContext, endpoint: RegistryEndpoint): Promise<EndpointProbe> {
  const dns = await ctx.get(dnsFact(endpoint.host));
  if (!dns.resolved) return { endpoint, dnsError: dns.code };
  const tls = await ctx.deps.network.probeTls(endpoint.host, TLS_PROBE_TIMEOUT_MS);
  if (!tls.ok) return { endpoint, addresses: dns.addresses, tls };
  const challenge =
    endpoint.kind === "login-server"
      ? await ctx.get(challengeFact)
      : await fetchChallenge(ctx, endpoint.host);
  return { endpoint, addresses: dns.addresses, tls, challenge };
}

/** What is wrong with one endpoint, in the order a connection fails: DNS, address, TCP, TLS, HTTP. */
function judge(ctx: RegistryContext, p: EndpointProbe, registry?: RegistryResource): Finding[] {
  const { endpoint } = p;
  const host = endpoint.host;
  const name = registry?.name ?? ctx.registry.name;
  if (!p.addresses) return [dnsFailed(ctx, p, registry)];
  const publicAddresses = p.addresses.filter(isPublicAddress);
  const publicAccess = registry?.properties.publicNetworkAccess;
  if (publicAccess === "Disabled" && publicAddresses.length > 0) {
    return [
      CODES.PRIVATE_DNS_NOT_LINKED.finding({
        message: `${name} has public network access disabled, but ${host} resolves to the public address ${publicAddresses.join(", ")} on this runner: the privatelink.${ctx.config.cloud.acrSuffix} private DNS zone is not linked to the runner's network, so every request lands on the closed public endpoint.`,
        remediation: privateDnsRemediation(ctx),
        evidence: { ...evidenceOf(p), publicNetworkAccess: publicAccess },
      }),
    ];
  }
  const privateNotice =
    publicAddresses.length < p.addresses.length
      ? [
          CODES.PRIVATE_ENDPOINT_IN_USE.finding({
            message: `${host} resolves to ${p.addresses.join(", ")} (${p.addresses.map(addressRange).join(", ")}): the runner uses a private endpoint, where IP rules do not apply.`,
            evidence: evidenceOf(p),
          }),
        ]
      : [];
  const tls = p.tls!;
  if (!tls.ok) return [...privateNotice, connectionFailed(p, tls)];
  const challenge = p.challenge!;
  const problem = challengeProblem(p, challenge, name, registry);
  return [...privateNotice, ...(problem ? [problem] : [])];
}

function dnsFailed(ctx: RegistryContext, p: EndpointProbe, registry?: RegistryResource): Finding {
  const host = p.endpoint.host;
  const privateOnly =
    registry?.properties.publicNetworkAccess === "Disabled" ||
    (registry?.properties.privateEndpointConnections?.length ?? 0) > 0;
  return CODES.DNS_RESOLUTION_FAILED.finding({
    message: privateOnly
      ? `${host} does not resolve on this runner and the registry is reached through a private endpoint: the runner's DNS has no answer from the privatelink.${ctx.config.cloud.acrSuffix} zone.`
      : `${host} does not resolve on this runner, so docker cannot reach it: a DNS filter or a resolver without internet names stops it.`,
    remediation: privateOnly
      ? privateDnsRemediation(ctx)
      : [
          `nslookup ${host}`,
          `allow ${host} (and *.${ctx.config.cloud.acrSuffix}) in the runner's DNS filter`,
        ],
    evidence: evidenceOf(p),
  });
}

function privateDnsRemediation(ctx: RegistryContext): string[] {
  const zone = `privatelink.${ctx.config.cloud.acrSuffix}`;
  return [
    `az network private-dns link vnet create --resource-group <dns-zone-rg> --zone-name ${zone} --name runner-link --virtual-network <runner-vnet-id> --registration-enabled false`,
    `or, with a custom DNS server, forward ${zone} to 168.63.129.16 from inside the linked network`,
  ];
}

function connectionFailed(p: EndpointProbe, tls: Extract<TlsProbe, { ok: false }>): Finding {
  const host = p.endpoint.host;
  if (tls.stage === "tcp") {
    return CODES.TCP_CONNECT_FAILED.finding({
      message: `TCP 443 to ${host} (${p.addresses!.join(", ")}) failed with ${tls.code}: an egress firewall, NSG or proxy requirement blocks the runner.`,
      remediation: [`allow outbound TCP 443 from the runner to ${host}`, `curl -sv https://${host}/v2/`],
      evidence: evidenceOf(p),
    });
  }
  if (tls.issuer && UNTRUSTED_CHAIN_CODES.has(tls.code)) {
    return CODES.TLS_INTERCEPTED.finding({
      message: `${host} presents a certificate issued by '${tls.issuer}', not by a public CA: a TLS-inspecting proxy sits between the runner and the registry, and docker and az will refuse it (${tls.code}).`,
      remediation: [
        `export NODE_EXTRA_CA_CERTS=/path/to/proxy-ca.pem   # for Node-based tools, including this one`,
        `sudo mkdir -p /etc/docker/certs.d/${host} && sudo cp proxy-ca.pem /etc/docker/certs.d/${host}/ca.crt`,
        `or ask the proxy team to exempt *.azurecr.io from TLS inspection`,
      ],
      evidence: evidenceOf(p),
    });
  }
  return CODES.TLS_FAILED.finding({
    message: `The TLS handshake with ${host} failed (${tls.code}: ${tls.message}).`,
    remediation: [`openssl s_client -connect ${host}:443 -servername ${host} </dev/null`],
    evidence: evidenceOf(p),
  });
}

function challengeProblem(
  p: EndpointProbe,
  challenge: Challenge,
  name: string,
  registry?: RegistryResource,
): Finding | undefined {
  const host = p.endpoint.host;
  if (!challenge.answered) {
    return CODES.UNEXPECTED_CHALLENGE.finding({
      message: `TLS to ${host} works, but GET /v2/ got no answer (${challenge.code ?? challenge.error}).`,
      remediation: [`curl -sv https://${host}/v2/`],
      evidence: evidenceOf(p),
    });
  }
  if (challenge.status === 403) {
    const ip = challenge.blockedIp;
    const addRule = registry?.sku.name === "Premium" && ip;
    return CODES.FIREWALL_FORBIDDEN.finding({
      message: `${host} answered 403 ${challenge.errorCode ?? ""}${ip ? `: the registry firewall does not allow the runner's IP ${ip}` : `: ${challenge.message ?? "access denied"}`}. See the network-rules check for which rule is missing.`,
      remediation: addRule
        ? [`az acr network-rule add --name ${name} --ip-address ${ip}/32`]
        : [
            `az acr show --name ${name} --query "{publicNetworkAccess:publicNetworkAccess, networkRuleSet:networkRuleSet}"`,
          ],
      evidence: evidenceOf(p),
    });
  }
  // Data endpoints serve blobs: any non-403 answer proves the path; the login server must challenge like a registry.
  const challengesLikeRegistry = challenge.status === 401 && challenge.bearer;
  if (p.endpoint.kind === "data" ? challenge.status < 500 : challengesLikeRegistry) return undefined;
  return CODES.UNEXPECTED_CHALLENGE.finding({
    message: `${host} answered GET /v2/ with ${challenge.status}${challenge.bearer ? "" : " and no Bearer challenge"} instead of the registry's 401 + Www-Authenticate: something else answers for the registry (proxy, captive portal, wrong DNS answer).`,
    remediation: [`curl -sv https://${host}/v2/`, `nslookup ${host}`],
    evidence: evidenceOf(p),
  });
}

function evidenceOf(p: EndpointProbe): Record<string, unknown> {
  const tls = p.tls;
  const challenge = p.challenge;
  return {
    host: p.endpoint.host,
    kind: p.endpoint.kind,
    ...(p.endpoint.region ? { region: p.endpoint.region } : {}),
    ...(p.addresses ? { addresses: p.addresses } : { dnsError: p.dnsError }),
    ...(tls
      ? tls.ok
        ? { tls: { protocol: tls.protocol, issuer: tls.issuer } }
        : { tls: { stage: tls.stage, code: tls.code, ...(tls.issuer ? { issuer: tls.issuer } : {}) } }
      : {}),
    ...(challenge
      ? challenge.answered
        ? {
            v2: {
              status: challenge.status,
              ...(challenge.bearer ? { realm: challenge.bearer.realm } : {}),
              ...(challenge.blockedIp ? { blockedIp: challenge.blockedIp } : {}),
            },
          }
        : { v2: { error: challenge.code ?? challenge.error } }
      : {}),
  };
}
