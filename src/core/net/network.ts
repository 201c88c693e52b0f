import dns from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import type net from "node:net";
import tls from "node:tls";
import ipaddr from "ipaddr.js";

/**
 * Every socket the tool opens goes through a Network. Normally that is plain DNS + TCP.
 * With ACR_PREFLIGHT_CONNECT_TO=<loopback-ip>:<port> every connection is sent to that address
 * instead while SNI, Host and certificate checks keep the real hostname (like curl --connect-to);
 * ACR_PREFLIGHT_DNS={"host":"ip"|"NXDOMAIN", "*.suffix": …} sets what lookups answer. That is how the tests and the demo
 * play Azure on this machine; it refuses any non-loopback target so it cannot leak traffic.
 */
export interface Network {
  readonly httpsAgent: https.Agent;
  readonly httpAgent: http.Agent;
  /** IPv4/IPv6 addresses the host resolves to (all of them). */
  lookup(host: string): Promise<string[]>;
  /** Opens TCP + TLS to host:443 and reports what the server presented. Never sends a request. */
  probeTls(host: string, timeoutMs: number): Promise<TlsProbe>;
}

export type TlsProbe =
  | { ok: true; address: string; protocol: string; issuer: string; subject: string }
  | { ok: false; stage: "tcp" | "tls"; code: string; message: string; issuer?: string; address?: string };

export class NetworkConfigError extends Error {}

interface Redirect {
  host: string;
  port: number;
}

export function createNetwork(env: NodeJS.ProcessEnv = process.env): Network {
  const redirect = parseConnectTo(env.ACR_PREFLIGHT_CONNECT_TO);
  const dnsTable = parseDnsTable(env.ACR_PREFLIGHT_DNS);
  return redirect ? redirectedNetwork(redirect, dnsTable) : systemNetwork();
}

function systemNetwork(): Network {
  return {
    httpsAgent: new https.Agent({ keepAlive: true }),
    httpAgent: new http.Agent({ keepAlive: true }),
    async lookup(host) {
      const answers = await dns.lookup(host, { all: true });
      return answers.map((a) => a.address);
    },
    probeTls: (host, timeoutMs) => probeTls({ host, port: 443, servername: host }, timeoutMs),
  };
}

function redirectedNetwork(target: Redirect, dnsTable: Record<string, string>): Network {
  const to = { host: target.host, port: target.port };
  class RedirectingHttpsAgent extends https.Agent {
    override createConnection(options: tls.ConnectionOptions, cb?: unknown) {
      const servername = options.servername || String(options.host);
      // @ts-expect-error createConnection exists at runtime on https.Agent
      return super.createConnection({ ...options, ...to, servername }, cb);
    }
  }
  class RedirectingHttpAgent extends http.Agent {
    override createConnection(options: net.NetConnectOpts, cb?: unknown) {
      // @ts-expect-error createConnection exists at runtime on http.Agent
      return super.createConnection({ ...options, ...to }, cb);
    }
  }
  return {
    httpsAgent: new RedirectingHttpsAgent({ keepAlive: true }),
    httpAgent: new RedirectingHttpAgent({ keepAlive: true }),
    async lookup(host) {
      const answer = tableAnswer(dnsTable, host.toLowerCase()) ?? target.host;
      if (answer === "NXDOMAIN")
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
      return [answer];
    },
    probeTls: (host, timeoutMs) => probeTls({ ...to, servername: host }, timeoutMs),
  };
}

function probeTls(
  options: { host: string; port: number; servername: string },
  timeoutMs: number,
): Promise<TlsProbe> {
  return new Promise((resolve) => {
    let tcpConnected = false;
    // Verify by hand after the handshake so an untrusted chain still shows who issued it.
    const socket = tls.connect({ ...options, ALPNProtocols: ["http/1.1"], rejectUnauthorized: false });
    const issuerOf = (): string | undefined => {
      const cert = socket.getPeerCertificate(true);
      if (!cert || !cert.issuer) return undefined;
      // The top of the presented chain names who really issued it (a proxy CA when intercepted).
      let top: tls.DetailedPeerCertificate = cert;
      while (top.issuerCertificate && top.issuerCertificate !== top) top = top.issuerCertificate;
      return firstOf(top.issuer?.CN) ?? firstOf(top.subject?.CN);
    };
    const finish = (probe: TlsProbe) => {
      socket.destroy();
      resolve(probe);
    };
    socket.setTimeout(timeoutMs, () =>
      finish({
        ok: false,
        stage: tcpConnected ? "tls" : "tcp",
        code: "ETIMEDOUT",
        message: `no answer within ${timeoutMs} ms`,
      }),
    );
    socket.once("connect", () => (tcpConnected = true));
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      if (!socket.authorized) {
        const error = socket.authorizationError as unknown as Error | string | undefined;
        const code =
          typeof error === "string" ? error : ((error as NodeJS.ErrnoException)?.code ?? String(error));
        return finish({
          ok: false,
          stage: "tls",
          code,
          message: `certificate not trusted (${code})`,
          issuer: issuerOf(),
          address: socket.remoteAddress,
        });
      }
      finish({
        ok: true,
        address: socket.remoteAddress ?? options.host,
        protocol: socket.getProtocol() ?? "",
        issuer: issuerOf() ?? "",
        subject: firstOf(cert?.subject?.CN) ?? "",
      });
    });
    socket.once("error", (err: NodeJS.ErrnoException) => {
      finish({
        ok: false,
        stage: tcpConnected ? "tls" : "tcp",
        code: err.code ?? "ERROR",
        message: err.message,
        issuer: tcpConnected ? issuerOf() : undefined,
        address: socket.remoteAddress,
      });
    });
  });
}

function parseConnectTo(value: string | undefined): Redirect | undefined {
  if (!value) return undefined;
  const match = /^(.+):(\d+)$/.exec(value.trim());
  const host = match?.[1]?.replace(/^\[|\]$/g, "");
  if (!match || !host || !ipaddr.isValid(host) || ipaddr.parse(host).range() !== "loopback") {
    throw new NetworkConfigError(
      `ACR_PREFLIGHT_CONNECT_TO: '${value}' is not accepted; use a loopback address and port, e.g. 127.0.0.1:8443`,
    );
  }
  return { host, port: Number(match[2]) };
}

function parseDnsTable(value: string | undefined): Record<string, string> {
  if (!value) return {};
  try {
    const parsed = JSON.parse(value) as Record<string, string>;
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k.toLowerCase(), String(v)]));
  } catch {
    throw new NetworkConfigError(`ACR_PREFLIGHT_DNS: is not JSON; use {"host":"ip"}`);
  }
}

/** Exact host first, then the longest `*.suffix` entry that covers it. */
function tableAnswer(table: Record<string, string>, host: string): string | undefined {
  if (table[host]) return table[host];
  const wildcard = Object.keys(table)
    .filter((key) => key.startsWith("*.") && host.endsWith(key.slice(1)))
    .sort((a, b) => b.length - a.length)[0];
  return wildcard ? table[wildcard] : undefined;
}

function firstOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
