import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { arm } from "./arm.js";
import { CertificateStore } from "./ca.js";
import { Clock } from "./clock.js";
import { entra } from "./entra.js";
import { graph } from "./graph.js";
import { IMDS_HOST, imds } from "./imds.js";
import {
  ADO_HOST,
  ADO_OIDC_PATH,
  azurePipelinesOidc,
  GITHUB_ID_TOKEN_PATH,
  GITHUB_OIDC_HOST,
  githubApi,
  githubOidc,
  ipEcho,
} from "./misc.js";
import { registryDataPlane } from "./registry.js";
import type { Fault, Scenario } from "./scenario.js";
import { FakeServer, type FakeRequest, type FakeResponse, type RecordedRequest } from "./server.js";
import { ARM_HOSTS, ENTRA_HOSTS, GRAPH_HOSTS, World } from "./world.js";

export type { RecordedRequest } from "./server.js";
export type { Fault, Scenario } from "./scenario.js";

export interface FakeAzure {
  port: number;
  /** PEM of the CA every fake host chains to (NODE_EXTRA_CA_CERTS). */
  caPath: string;
  /** The loaded scenario, dates still as written. */
  scenario: Scenario;
  /** Environment that points a spawned process at the fake. */
  env(): Record<string, string>;
  /** Every request served, in order. */
  requests: RecordedRequest[];
  /** Requests no route matched (the tool asked for something the fake does not model). */
  unexpected: RecordedRequest[];
  /** Every token and secret value the fake minted or holds; none may appear in the tool's output. */
  issuedTokens(): string[];
  addFault(fault: Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export interface StartOptions {
  /** A scenario name under test/scenarios/, a path to a JSON file, or the scenario itself. */
  scenario: string | Scenario;
  /** What "now" means for relative scenario dates and issued tokens (default: the real time). */
  now?: Date;
}

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const DEFAULT_PROXY_CA = "Corporate Proxy CA";

export async function startFakeAzure(options: StartOptions): Promise<FakeAzure> {
  const scenario = typeof options.scenario === "string" ? loadScenario(options.scenario) : options.scenario;
  const world = new World(scenario, new Clock(options.now ?? new Date()));
  const certificates = new CertificateStore(path.join(REPO_ROOT, ".fake-azure"));
  const githubRequestToken = world.newOpaqueSecret();
  const systemAccessToken = world.newOpaqueSecret();
  const route = router(world, githubRequestToken, systemAccessToken);
  const intercepted = new Set((scenario.tlsInterception?.hosts ?? []).map((h) => h.toLowerCase()));
  const proxyName = scenario.tlsInterception?.issuer ?? DEFAULT_PROXY_CA;
  const server = new FakeServer(
    certificates,
    (host) => (intercepted.has(host) ? proxyName : undefined),
    route,
  );
  for (const fault of scenario.faults ?? []) server.addFault(fault);
  const port = await server.listen();

  return {
    port,
    caPath: certificates.caPath,
    scenario,
    requests: server.requests,
    unexpected: server.unexpected,
    env: () => ({
      NODE_EXTRA_CA_CERTS: certificates.caPath,
      ACR_PREFLIGHT_CONNECT_TO: `127.0.0.1:${port}`,
      ACR_PREFLIGHT_DNS: JSON.stringify(dnsTable(world)),
      ...(scenario.oidc?.github
        ? {
            ACTIONS_ID_TOKEN_REQUEST_URL: `https://${GITHUB_OIDC_HOST}${GITHUB_ID_TOKEN_PATH}?api-version=2.0`,
            ACTIONS_ID_TOKEN_REQUEST_TOKEN: githubRequestToken,
          }
        : {}),
      ...(scenario.oidc?.azurePipelines
        ? {
            SYSTEM_OIDCREQUESTURI: `https://${ADO_HOST}${ADO_OIDC_PATH}`,
            SYSTEM_ACCESSTOKEN: systemAccessToken,
          }
        : {}),
    }),
    issuedTokens: () => world.secretValues(),
    addFault: (fault) => server.addFault(fault),
    clearFaults: () => server.clearFaults(),
    close: () => server.close(),
  };
}

export function loadScenario(nameOrPath: string): Scenario {
  const file = /[/\\]|\.json$/.test(nameOrPath)
    ? path.resolve(nameOrPath)
    : path.join(REPO_ROOT, "test", "scenarios", `${nameOrPath}.json`);
  return JSON.parse(readFileSync(file, "utf8")) as Scenario;
}

function router(
  world: World,
  githubRequestToken: string,
  systemAccessToken: string,
): (req: FakeRequest) => FakeResponse {
  const services: [(host: string) => boolean, (req: FakeRequest) => FakeResponse][] = [
    [(h) => ENTRA_HOSTS.includes(h), entra(world)],
    [(h) => h === IMDS_HOST, imds(world)],
    [(h) => ARM_HOSTS.includes(h), arm(world)],
    [(h) => GRAPH_HOSTS.includes(h), graph(world)],
    [(h) => /\.azurecr\.(io|us|cn)$/.test(h), registryDataPlane(world)],
    [(h) => h === "api.ipify.org", ipEcho(world)],
    [(h) => h === "api.github.com", githubApi(world)],
    [(h) => h === GITHUB_OIDC_HOST, githubOidc(world, githubRequestToken)],
    [(h) => h === ADO_HOST, azurePipelinesOidc(world, systemAccessToken)],
  ];
  return (req) => {
    const service = services.find(([matches]) => matches(req.host))?.[1];
    return service
      ? service(req)
      : { status: 404, body: `fake-azure does not play ${req.host}`, unexpected: true };
  };
}

/**
 * What the tool's DNS lookups answer (ACR_PREFLIGHT_DNS): every registry host gets a
 * public-looking address (documentation data only: connections go to the fake regardless),
 * unknown registry hosts are NXDOMAIN, and the scenario's own answers (private endpoints, NXDOMAIN) win.
 */
function dnsTable(world: World): Record<string, string> {
  // Registry names the scenario does not know do not resolve, as in Azure.
  const table: Record<string, string> = {
    "*.azurecr.io": "NXDOMAIN",
    "*.azurecr.us": "NXDOMAIN",
    "*.azurecr.cn": "NXDOMAIN",
  };
  for (const registry of world.scenario.registries) {
    for (const host of world.registryHosts(registry)) table[host] = publicLookingAddress(host);
  }
  for (const [host, answer] of Object.entries(world.scenario.dns ?? {})) table[host.toLowerCase()] = answer;
  return table;
}

function publicLookingAddress(host: string): string {
  const [a, b] = createHash("sha1").update(host).digest();
  return `20.${50 + (a! % 100)}.${b}.${10 + (a! % 200)}`;
}
