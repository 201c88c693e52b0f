import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import type { CertificateStore } from "./ca.js";
import type { Fault } from "./scenario.js";

export interface FakeRequest {
  method: string;
  /** Lower-case hostname from Host (or SNI), without port. */
  host: string;
  /** Decoded path. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as they are. */
  body?: unknown;
  /** No route matched: recorded in `unexpected` as well. */
  unexpected?: boolean;
  /** Close the connection without an answer, as an unreachable service looks to a client. */
  drop?: boolean;
}

export interface RecordedRequest {
  method: string;
  host: string;
  path: string;
  query: Record<string, string>;
  /** Status sent; 0 when a fault hung or reset the connection. */
  status: number;
  body?: string;
  /** Set when a fault answered instead of the service. */
  fault?: Fault["kind"];
  /** performance.now() of this process when the request arrived and when it was answered (or hung/reset). */
  receivedAt: number;
  answeredAt: number;
}

export type Router = (request: FakeRequest) => FakeResponse;

interface ActiveFault extends Fault {
  hits: number;
}

/**
 * One port on 127.0.0.1 that plays every host: TLS certificates are issued per SNI name,
 * requests are routed by Host, recorded, and faults (latency, status, hang, reset) are applied first.
 * The same port answers plain HTTP too, for the one Azure service clients call without TLS: the
 * instance metadata service (managed identity).
 */
export class FakeServer {
  readonly requests: RecordedRequest[] = [];
  readonly unexpected: RecordedRequest[] = [];
  private readonly faults: ActiveFault[] = [];
  private readonly server: https.Server;
  private readonly plainServer: http.Server;
  /** Hands each connection to the HTTPS or the plain server by its first byte (0x16: a TLS handshake). */
  private readonly listener = net.createServer((socket) => {
    socket.once("data", (first) => {
      socket.pause();
      socket.unshift(first);
      (first[0] === 0x16 ? this.server : this.plainServer).emit("connection", socket);
      process.nextTick(() => socket.resume());
    });
  });
  private readonly hanging = new Set<ServerResponse>();

  constructor(
    certificates: CertificateStore,
    interceptedBy: (host: string) => string | undefined,
    private readonly router: Router,
  ) {
    this.server = https.createServer(
      {
        ALPNProtocols: ["http/1.1"],
        SNICallback: (servername, callback) => {
          const host = servername.toLowerCase();
          try {
            callback(null, certificates.contextFor(host, interceptedBy(host)));
          } catch (error) {
            callback(error as Error);
          }
        },
        // Clients that send no SNI (a bare IP) get a certificate for localhost.
        ...certificates.keyAndChain("localhost"),
      },
      (req, res) => void this.onRequest(req, res),
    );
    this.plainServer = http.createServer((req, res) => void this.onRequest(req, res));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.listener.listen(0, "127.0.0.1", resolve));
    return (this.listener.address() as AddressInfo).port;
  }

  addFault(fault: Fault): void {
    this.faults.push({ ...fault, host: fault.host.toLowerCase(), hits: 0 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    this.plainServer.closeAllConnections();
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = performance.now();
    const request = await readRequest(req);
    const fault = this.takeFault(request);
    if (fault?.kind === "latency") await delay(fault.ms ?? 1000);
    if (fault?.kind === "hang") {
      this.hanging.add(res);
      res.on("close", () => this.hanging.delete(res));
      return this.record(request, receivedAt, 0, false, "hang");
    }
    if (fault?.kind === "reset") {
      this.record(request, receivedAt, 0, false, "reset");
      req.socket.destroy();
      return;
    }
    let response: FakeResponse;
    try {
      response = fault?.kind === "status" ? faultResponse(request.host, fault) : this.router(request);
    } catch (error) {
      response = {
        status: 500,
        body: { error: { code: "FakeAzureError", message: (error as Error).message } },
      };
    }
    if (response.drop) {
      this.record(request, receivedAt, 0, false);
      req.socket.destroy();
      return;
    }
    this.record(
      request,
      receivedAt,
      response.status,
      response.unexpected ?? false,
      fault?.kind === "status" ? "status" : undefined,
    );
    send(res, request.method, response);
  }

  private takeFault(request: FakeRequest): ActiveFault | undefined {
    const fault = this.faults.find(
      (f) =>
        (f.host === "*" || f.host === request.host) &&
        (!f.method || f.method.toUpperCase() === request.method) &&
        (!f.path || request.path.startsWith(f.path) || safeRegExp(f.path)?.test(request.path)) &&
        (f.times === undefined || f.hits < f.times),
    );
    if (fault) fault.hits++;
    return fault;
  }

  private record(
    request: FakeRequest,
    receivedAt: number,
    status: number,
    unexpected: boolean,
    fault?: Fault["kind"],
  ): void {
    const entry: RecordedRequest = {
      method: request.method,
      host: request.host,
      path: request.path,
      query: Object.fromEntries(request.query),
      status,
      ...(request.body ? { body: request.body } : {}),
      ...(fault ? { fault } : {}),
      receivedAt,
      answeredAt: performance.now(),
    };
    this.requests.push(entry);
    if (unexpected) this.unexpected.push(entry);
  }
}

async function readRequest(req: IncomingMessage): Promise<FakeRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const servername = (req.socket as TLSSocket).servername;
  const host = (req.headers.host ?? (servername || "localhost")).replace(/:\d+$/, "").toLowerCase();
  const url = new URL(req.url ?? "/", `https://${host}`);
  let path = url.pathname;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    // keep the raw path: a route will not match and the request is recorded as unexpected
  }
  return {
    method: (req.method ?? "GET").toUpperCase(),
    host,
    path,
    query: url.searchParams,
    headers: req.headers,
    body: Buffer.concat(chunks).toString("utf8"),
  };
}

function send(res: ServerResponse, method: string, response: FakeResponse): void {
  const headers: Record<string, string> = { ...response.headers };
  let payload: string | Buffer | undefined;
  if (typeof response.body === "string" || Buffer.isBuffer(response.body)) {
    payload = response.body;
    headers["Content-Type"] ??= "text/plain; charset=utf-8";
  } else if (response.body !== undefined) {
    payload = JSON.stringify(response.body);
    headers["Content-Type"] ??= "application/json; charset=utf-8";
  }
  headers["Content-Length"] ??= String(payload ? Buffer.byteLength(payload) : 0);
  res.writeHead(response.status, headers);
  res.end(method === "HEAD" ? undefined : payload);
}

function faultResponse(host: string, fault: Fault): FakeResponse {
  const status = fault.status ?? 503;
  const headers: Record<string, string> =
    status === 429 ? { "Retry-After": String(fault.retryAfterSeconds ?? 1) } : {};
  const registry = /\.azurecr\.(io|us|cn)$/.test(host);
  const message = status === 429 ? "Too many requests. Please retry later." : `The fake answered ${status}.`;
  const body = registry
    ? { errors: [{ code: status === 429 ? "TOOMANYREQUESTS" : "UNAVAILABLE", message }] }
    : { error: { code: status === 429 ? "TooManyRequests" : "ServiceUnavailable", message } };
  return { status, headers, body };
}

function safeRegExp(source: string): RegExp | undefined {
  try {
    return new RegExp(source);
  } catch {
    return undefined;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
