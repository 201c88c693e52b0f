import type { TokenCredential } from "@azure/core-auth";
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
  type Pipeline,
  type PipelineRequest,
} from "@azure/core-rest-pipeline";
import type { Network } from "../net/network.js";

export const USER_AGENT = "acr-preflight/1.0.0";

/**
 * POSTs the tool may send: token exchanges and read-only queries (SPEC §5): Resource Graph and
 * Azure Policy states (`queryResults` is a POST that only reads).
 */
const ALLOWED_POST_PATHS = [
  /\/oauth2\/exchange$/,
  /\/oauth2\/token$/,
  /\/oauth2\/v2\.0\/token$/,
  /\/providers\/Microsoft\.ResourceGraph\/resources$/i,
  /\/providers\/Microsoft\.PolicyInsights\/policyStates\/latest\/queryResults$/i,
  /\/oidctoken$/i,
];

export class ReadOnlyViolation extends Error {}

/**
 * The one HttpClient every request of the tool (ours and @azure/identity's) is sent through:
 * it refuses anything that could change Azure, gives every request a timeout, and uses the
 * Network's sockets.
 */
export function createGuardedHttpClient(network: Network, defaultTimeoutMs: number): HttpClient {
  const inner = createDefaultHttpClient();
  return {
    async sendRequest(request: PipelineRequest) {
      assertReadOnly(request.method, request.url);
      if (!request.timeout) request.timeout = defaultTimeoutMs;
      if (!request.agent) {
        request.agent = request.url.startsWith("https:") ? network.httpsAgent : network.httpAgent;
      }
      try {
        return await inner.sendRequest(request);
      } catch (error) {
        if ((error as Error).name !== "AbortError") throw error;
        throw new RequestTimeout(request.url, request.timeout, request.abortSignal?.aborted ?? false);
      }
    },
  };
}

/** A request got no answer in time; the SDK's own error says only "The operation was aborted". */
export class RequestTimeout extends Error {
  constructor(url: string, timeoutMs: number, runDeadlinePassed: boolean) {
    const host = new URL(url).host;
    super(
      runDeadlinePassed
        ? `${host} timed out: no answer before the run's deadline`
        : `${host} timed out: no answer within ${timeoutMs / 1000} s`,
    );
    this.name = "RequestTimeout";
  }
}

export function assertReadOnly(method: string, url: string): void {
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return;
  const path = new URL(url).pathname;
  if (method === "POST" && ALLOWED_POST_PATHS.some((p) => p.test(path))) return;
  throw new ReadOnlyViolation(`refusing ${method} ${path}: acr-preflight never changes Azure`);
}

export interface HttpOptions {
  httpClient: HttpClient;
  maxRetries: number;
  signal?: AbortSignal;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** An Azure service answered with a non-success status. */
export class AzureHttpError extends Error {
  constructor(
    readonly status: number,
    /** `error.code` (ARM/Graph) or `errors[0].code` (registry), when present. */
    readonly code: string | undefined,
    readonly detail: string,
    readonly url: string,
  ) {
    super(`${status}${code ? ` ${code}` : ""}: ${detail}`);
  }
}

type Query = Record<string, string | undefined>;

/** A small JSON client on one base URL, on top of the Azure SDK pipeline (retries, Retry-After). */
export class HttpApi {
  private readonly pipeline: Pipeline;

  constructor(
    readonly baseUrl: string,
    private readonly options: HttpOptions,
    auth?: { credential: TokenCredential; scope: string },
  ) {
    this.pipeline = createPipelineFromOptions({
      retryOptions: { maxRetries: options.maxRetries, retryDelayInMs: 400, maxRetryDelayInMs: 8000 },
      userAgentOptions: { userAgentPrefix: USER_AGENT },
    });
    if (auth) {
      this.pipeline.addPolicy(
        bearerTokenAuthenticationPolicy({ credential: auth.credential, scopes: auth.scope }),
      );
    }
  }

  /** Sends a request and returns whatever came back; throws only when nothing came back. */
  async send(
    method: "GET" | "HEAD" | "POST",
    pathOrUrl: string,
    init: {
      query?: Query;
      headers?: Record<string, string>;
      body?: string;
      form?: Record<string, string | string[]>;
    } = {},
  ): Promise<HttpResult> {
    const url = new URL(pathOrUrl, this.baseUrl);
    for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers = createHttpHeaders(init.headers);
    let body = init.body;
    if (init.form) {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(init.form)) for (const item of [v].flat()) form.append(k, item);
      body = form.toString();
      headers.set("Content-Type", "application/x-www-form-urlencoded");
    }
    const request = createPipelineRequest({
      url: url.toString(),
      method,
      headers,
      body,
      abortSignal: this.options.signal,
    });
    const response = await this.pipeline.sendRequest(this.options.httpClient, request);
    return { status: response.status, headers: response.headers.toJSON(), text: response.bodyAsText ?? "" };
  }

  async getJson<T>(pathOrUrl: string, query?: Query): Promise<T> {
    return parseOrThrow<T>(await this.send("GET", pathOrUrl, { query }), new URL(pathOrUrl, this.baseUrl));
  }

  async postJson<T>(pathOrUrl: string, body: unknown, query?: Query): Promise<T> {
    const result = await this.send("POST", pathOrUrl, {
      query,
      body: JSON.stringify(body),
      headers: { "Content-Type": "application/json" },
    });
    return parseOrThrow<T>(result, new URL(pathOrUrl, this.baseUrl));
  }

  /** GETs every page of an ARM/Graph list (`value` + `nextLink` / `@odata.nextLink`). */
  async getAllPages<T>(pathOrUrl: string, query?: Query, maxPages = 20): Promise<T[]> {
    const items: T[] = [];
    let page = await this.getJson<Paged<T>>(pathOrUrl, query);
    for (let i = 0; ; i++) {
      items.push(...(page.value ?? []));
      const next = page.nextLink ?? page["@odata.nextLink"];
      if (!next || i + 1 >= maxPages) return items;
      page = await this.getJson<Paged<T>>(next);
    }
  }
}

interface Paged<T> {
  value?: T[];
  nextLink?: string;
  "@odata.nextLink"?: string;
}

function parseOrThrow<T>(result: HttpResult, url: URL): T {
  if (result.status >= 200 && result.status < 300) return JSON.parse(result.text || "null") as T;
  const { code, message } = errorOf(result.text);
  throw new AzureHttpError(
    result.status,
    code,
    message ?? result.text.slice(0, 300),
    url.origin + url.pathname,
  );
}

/** Reads the error code and message out of ARM, Graph and registry error bodies. */
export function errorOf(text: string): { code?: string; message?: string } {
  try {
    const body = JSON.parse(text) as {
      error?: { code?: string; message?: string } | string;
      errors?: { code?: string; message?: string }[];
      error_description?: string;
    };
    if (typeof body.error === "object") return { code: body.error.code, message: body.error.message };
    if (body.errors?.[0]) return { code: body.errors[0].code, message: body.errors[0].message };
    if (typeof body.error === "string") return { code: body.error, message: body.error_description };
  } catch {
    // not JSON: the caller falls back to the raw text
  }
  return {};
}
