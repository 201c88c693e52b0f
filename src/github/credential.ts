import { InputError } from "../core/config/input-error.js";
import { OidcTokenUnavailable, type CredentialSpec } from "../core/credential/types.js";
import type { AuthInputs } from "./inputs.js";

export const DEFAULT_AUDIENCE = "api://AzureADTokenExchange";

/** Ours, then azure/login's own values (SERVICE_PRINCIPAL: secret if given, else OIDC; IDENTITY). */
export const AUTH_TYPES = [
  "auto",
  "oidc",
  "secret",
  "environment",
  "azure-cli",
  "managed-identity",
  "service_principal",
  "identity",
] as const;
type AuthType = (typeof AUTH_TYPES)[number];

export interface CredentialDeps {
  env: NodeJS.ProcessEnv;
  /** A new GitHub ID token for the audience (githubIdTokens). */
  getIdToken: (audience: string) => Promise<string>;
  mask: (secret: string) => void;
}

export interface ActionCredential {
  spec: CredentialSpec;
  /** From `creds`, the default for the subscription-id input. */
  subscriptionId?: string;
}

interface Identity {
  clientId: string;
  tenantId: string;
  clientSecret: string;
  audience: string;
}

export const NO_ID_TOKEN =
  "GitHub offers this job no ID token; add `permissions: id-token: write` to the job or workflow (pull requests from forks never get one)";

/**
 * The credential azure/login users expect. `auto`: OIDC when client-id and tenant-id are given and
 * the job offers an ID token; else a client secret (input or `creds`); else OIDC when client-id and
 * tenant-id are (the credential check then names the missing permission); else the AZURE_*
 * environment, an `az` session (azure/login ran earlier), a managed identity, in that order.
 */
export function actionCredential(auth: AuthInputs, deps: CredentialDeps): ActionCredential {
  const creds = parseCreds(auth.creds, deps.mask);
  const identity: Identity = {
    clientId: auth.clientId || creds.clientId || "",
    tenantId: auth.tenantId || creds.tenantId || "",
    clientSecret: auth.clientSecret || creds.clientSecret || "",
    audience: auth.audience || DEFAULT_AUDIENCE,
  };
  const subscription = creds.subscriptionId ? { subscriptionId: creds.subscriptionId } : {};
  return { spec: specFor(parseAuthType(auth.authType), identity, deps), ...subscription };
}

function specFor(authType: AuthType, identity: Identity, deps: CredentialDeps): CredentialSpec {
  const { clientId, tenantId, clientSecret } = identity;
  switch (authType) {
    case "auto":
      if (clientId && tenantId && idTokenOffered(deps.env)) return oidcSpec(identity, deps);
      if (clientSecret) return secretSpec(identity, authType);
      // Without an ID token the credential check names the missing `id-token: write`.
      if (clientId && tenantId) return oidcSpec(identity, deps);
      return {
        kind: "chain",
        specs: [
          { kind: "environment" },
          { kind: "azure-cli", ...(tenantId ? { tenantId } : {}) },
          { kind: "managed-identity", ...(clientId ? { clientId } : {}) },
        ],
      };
    case "service_principal":
      return clientSecret ? secretSpec(identity, authType) : explicitOidc(identity, deps, authType);
    case "oidc":
      return explicitOidc(identity, deps, authType);
    case "secret":
      return secretSpec(identity, authType);
    case "environment":
      return { kind: "environment" };
    case "azure-cli":
      return { kind: "azure-cli", ...(tenantId ? { tenantId } : {}) };
    case "managed-identity":
    case "identity":
      return { kind: "managed-identity", ...(clientId ? { clientId } : {}) };
  }
}

function secretSpec(identity: Identity, authType: AuthType): CredentialSpec {
  requireInputs(identity, authType, "a client secret", ["client-id", "tenant-id", "client-secret"]);
  const { clientId, tenantId, clientSecret } = identity;
  return { kind: "secret", clientId, tenantId, clientSecret };
}

/** OIDC asked for by name fails fast, before any check runs, when the job has no ID token. */
function explicitOidc(identity: Identity, deps: CredentialDeps, authType: AuthType): CredentialSpec {
  requireInputs(identity, authType, "OIDC", ["client-id", "tenant-id"]);
  if (!idTokenOffered(deps.env))
    throw new OidcTokenUnavailable(
      `auth-type: '${authType}' signs in with OIDC, but ${NO_ID_TOKEN}`,
      "github",
    );
  return oidcSpec(identity, deps);
}

/** A fresh ID token for every Entra request, so a long job never presents an expired one (AADSTS700024). */
function oidcSpec({ clientId, tenantId, audience }: Identity, deps: CredentialDeps): CredentialSpec {
  const getAssertion = async () => {
    if (!idTokenOffered(deps.env)) throw new OidcTokenUnavailable(NO_ID_TOKEN, "github");
    const idToken = await deps.getIdToken(audience);
    deps.mask(idToken);
    return idToken;
  };
  return { kind: "federated", tenantId, clientId, getAssertion, source: "github-oidc" };
}

function idTokenOffered(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
}

function requireInputs(
  identity: Identity,
  authType: AuthType,
  what: string,
  names: ("client-id" | "tenant-id" | "client-secret")[],
): void {
  const values = {
    "client-id": identity.clientId,
    "tenant-id": identity.tenantId,
    "client-secret": identity.clientSecret,
  };
  const missing = names.filter((name) => !values[name]);
  if (missing.length === 0) return;
  throw new InputError(
    missing[0] as string,
    `auth-type: '${authType}' signs in with ${what} and needs ${missing.join(", ")}; set ${missing.length > 1 ? "them" : "it"} as input${missing.length > 1 ? "s" : ""} or in creds`,
  );
}

function parseAuthType(value: string): AuthType {
  const found = AUTH_TYPES.find((type) => type === value.trim().toLowerCase());
  if (!found) throw InputError.invalid("auth-type", value, "an auth type", AUTH_TYPES.join(", "));
  return found;
}

interface Creds {
  clientId?: string;
  clientSecret?: string;
  tenantId?: string;
  subscriptionId?: string;
}

const CREDS_SHAPE =
  'azure/login\'s JSON {"clientId": "…", "clientSecret": "…", "tenantId": "…", "subscriptionId": "…"}';

/** azure/login's `creds`; its secret is masked the moment it is parsed and never quoted in an error. */
function parseCreds(raw: string, mask: (secret: string) => void): Creds {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InputError("creds", `creds: is not valid JSON; use ${CREDS_SHAPE}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new InputError("creds", `creds: is not a JSON object; use ${CREDS_SHAPE}`);
  const fields = parsed as Record<string, unknown>;
  const read = (key: keyof Creds) => {
    const value = fields[key];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value !== "string")
      throw new InputError("creds", `creds: ${key} is not a string; use ${CREDS_SHAPE}`);
    return value.trim();
  };
  const clientSecret = read("clientSecret");
  if (clientSecret) mask(clientSecret);
  return {
    clientId: read("clientId"),
    clientSecret,
    tenantId: read("tenantId"),
    subscriptionId: read("subscriptionId"),
  };
}
