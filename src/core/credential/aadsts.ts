import { NoCredentialConfigured, OidcTokenUnavailable } from "./types.js";

/**
 * What went wrong when the credential asked Entra for a token, read out of whatever
 * @azure/identity threw: AuthenticationError (`errorResponse`), MSAL's ServerError wrapped in
 * AuthenticationRequiredError (`cause`), AggregateAuthenticationError from a chain (`errors`), or
 * a network failure under any of them.
 */
export type EntraFailure =
  | ({ kind: "aadsts"; code: number } & EntraErrorDetails)
  | { kind: "oidc-unavailable"; platform: OidcTokenUnavailable["platform"]; message: string }
  | { kind: "network"; code: string; message: string }
  | { kind: "no-credential"; message: string }
  | { kind: "other"; message: string };

export interface EntraErrorDetails {
  /** Every AADSTS code found (a chain can carry several); `code` is the one explained. */
  codes: number[];
  /** The AADSTS description, without Entra's trace/correlation/timestamp tail. */
  description: string;
  traceId?: string;
  correlationId?: string;
  /** Quoted values Entra put in the description. */
  appId?: string;
  tenant?: string;
  assertion?: { issuer?: string; subject?: string; audience?: string };
}

const NETWORK_CODES = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** MSAL/identity wording for "could not talk to the authority" when no socket error code survives. */
const NETWORK_WORDING =
  /endpoints_resolution_error|network_error|getaddrinfo|socket hang up|timed? ?out|operation was aborted|ECONN\w+/i;

export function decodeEntraError(error: unknown): EntraFailure {
  const errors = flatten(error);
  const oidc = errors.find((e): e is OidcTokenUnavailable => e instanceof OidcTokenUnavailable);
  if (oidc) return { kind: "oidc-unavailable", platform: oidc.platform, message: oidc.message };

  const texts = errors.flatMap(textsOf);
  const codes = unique([...errors.flatMap(codesOf), ...texts.flatMap(aadstsCodesIn)]);
  const [code] = codes;
  if (code !== undefined) return { kind: "aadsts", code, ...details(errors, texts, codes, code) };

  const message = firstMessage(errors);
  if (errors.some((e) => e instanceof NoCredentialConfigured)) return { kind: "no-credential", message };
  if (everyChainMemberUnavailable(errors[0])) {
    const members = (errors[0] as unknown as { errors: Error[] }).errors;
    return { kind: "no-credential", message: members.map((m) => firstMessage([m])).join("; ") };
  }

  const networkCode = errors
    .map((e) => (e as NodeJS.ErrnoException).code)
    .find((c) => c && NETWORK_CODES.has(c));
  if (networkCode) return { kind: "network", code: networkCode, message: firstMessage(errors) };
  const networkText = texts.find((t) => NETWORK_WORDING.test(t));
  if (networkText)
    return {
      kind: "network",
      code: NETWORK_WORDING.exec(networkText)?.[0] ?? "network",
      message: networkText,
    };

  if (errors.every((e) => e.name === "CredentialUnavailableError")) return { kind: "no-credential", message };
  return { kind: "other", message };
}

/** A chain where no member could even try (no `az` session, no managed identity endpoint, …). */
function everyChainMemberUnavailable(root: Error | undefined): boolean {
  const members = (root as { errors?: unknown[] } | undefined)?.errors;
  return (
    root?.name === "AggregateAuthenticationError" &&
    Array.isArray(members) &&
    members.every((m) => (m as Error)?.name === "CredentialUnavailableError")
  );
}

/** The error, its causes and the members of aggregate errors, outermost first. */
function flatten(root: unknown): Error[] {
  const out: Error[] = [];
  const visit = (value: unknown, depth: number) => {
    if (!(value instanceof Error) || depth > 8 || out.includes(value)) return;
    out.push(value);
    for (const inner of (value as { errors?: unknown[] }).errors ?? []) visit(inner, depth + 1);
    visit((value as { cause?: unknown }).cause, depth + 1);
  };
  visit(root, 0);
  if (out.length === 0) out.push(new Error(String(root)));
  return out;
}

interface ErrorResponseLike {
  errorDescription?: string;
  errorCodes?: number[];
  traceId?: string;
  correlationId?: string;
}

function responseOf(error: Error): ErrorResponseLike | undefined {
  return (error as { errorResponse?: ErrorResponseLike }).errorResponse;
}

function textsOf(error: Error): string[] {
  const description = responseOf(error)?.errorDescription;
  const msal = (error as { errorMessage?: string }).errorMessage;
  return [error.message, description, msal].filter((t): t is string => typeof t === "string" && t.length > 0);
}

function codesOf(error: Error): number[] {
  const errorNo = Number((error as { errorNo?: unknown }).errorNo);
  return [
    ...(responseOf(error)?.errorCodes ?? []),
    ...(Number.isInteger(errorNo) && errorNo > 0 ? [errorNo] : []),
  ];
}

export function aadstsCodesIn(text: string): number[] {
  return [...text.matchAll(/AADSTS(\d+)/g)].map((m) => Number(m[1]));
}

function details(errors: Error[], texts: string[], codes: number[], code: number): EntraErrorDetails {
  const withCode = texts.find((t) => t.includes(`AADSTS${code}`)) ?? texts[0] ?? "";
  const description = cleanDescription(withCode, code);
  const response = errors.map(responseOf).find((r) => r?.traceId || r?.correlationId);
  const traceId = response?.traceId ?? /Trace ID: ([0-9a-f-]{36})/i.exec(withCode)?.[1];
  const correlationId = response?.correlationId ?? /Correlation ID: ([0-9a-f-]{36})/i.exec(withCode)?.[1];
  const quoted = (pattern: RegExp) => pattern.exec(description)?.[1];
  const issuer = quoted(/Assertion Issuer: '([^']*)'/i) ?? quoted(/assertion issuer '([^']*)'/i);
  const subject = quoted(/Assertion Subject: '([^']*)'/i) ?? quoted(/assertion subject '([^']*)'/i);
  const audience = quoted(/Assertion Audience: '([^']*)'/i);
  const appId = quoted(/(?:app|identifier|client) '([0-9a-f-]{36})'/i);
  const tenant = quoted(/Tenant '([^']+)'/i) ?? quoted(/directory '([^']+)'/i);
  return {
    codes,
    description,
    ...(traceId ? { traceId } : {}),
    ...(correlationId ? { correlationId } : {}),
    ...(appId ? { appId } : {}),
    ...(tenant ? { tenant } : {}),
    ...(issuer || subject || audience ? { assertion: { issuer, subject, audience } } : {}),
  };
}

/** `AADSTS…: text` up to Entra's `Trace ID`/`Correlation ID`/`Timestamp` tail. */
function cleanDescription(text: string, code: number): string {
  const start = text.indexOf(`AADSTS${code}`);
  const from = start >= 0 ? text.slice(start) : text;
  const cut = from.search(/\r?\n|\s-\s(?:Correlation ID|Trace ID|Timestamp):|\sTrace ID:/);
  return (cut >= 0 ? from.slice(0, cut) : from).trim().slice(0, 600);
}

function firstMessage(errors: Error[]): string {
  const message = errors.map((e) => e.message).find((m) => m.trim().length > 0) ?? "unknown error";
  return message.split(/\r?\n/)[0]?.slice(0, 400) ?? message;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
