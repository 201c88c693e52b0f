import * as core from "@actions/core";
import type { RawInputs } from "../core/config/parse.js";
import { INPUT_NAMES } from "../core/config/inputs.js";

/** The action's sign-in inputs, named and meant as in azure/login; action.yml lists them after INPUTS. */
export const AUTH_INPUTS = [
  {
    name: "auth-type",
    default: "auto",
    description:
      "How to sign in to Azure: `auto` uses OIDC when client-id and tenant-id are given and the job has `id-token: write`, else client-secret or creds, else the AZURE_* environment, an existing az session (azure/login ran earlier), a managed identity. Also `oidc`, `secret`, `environment`, `azure-cli`, `managed-identity`, and azure/login's SERVICE_PRINCIPAL and IDENTITY.",
  },
  {
    name: "client-id",
    description:
      "Client (application) id of the service principal, or of a user-assigned managed identity (same as azure/login).",
  },
  { name: "tenant-id", description: "Microsoft Entra tenant id (same as azure/login)." },
  {
    name: "client-secret",
    description:
      "Client secret of the service principal; prefer OIDC (`permissions: id-token: write`) without one.",
  },
  {
    name: "creds",
    description:
      'azure/login\'s JSON credentials {"clientId", "clientSecret", "tenantId", "subscriptionId"}; client-id, tenant-id and client-secret override its fields.',
  },
  {
    name: "audience",
    default: "api://AzureADTokenExchange",
    description: "Audience of the GitHub ID token for OIDC; must match the federated credential's audience.",
  },
] as const satisfies readonly { name: string; default?: string; description: string }[];

export interface AuthInputs {
  authType: string;
  clientId: string;
  tenantId: string;
  clientSecret: string;
  /** azure/login's JSON: clientId, clientSecret, tenantId, subscriptionId. */
  creds: string;
  /** Audience of the GitHub ID token (OIDC). */
  audience: string;
}

export interface ActionInputs {
  /** The SPEC inputs by kebab-case name; empty when not given. */
  spec: RawInputs;
  auth: AuthInputs;
}

/** Reads every input and masks the secret ones at once; validation happens later. */
export function readInputs(): ActionInputs {
  const spec = Object.fromEntries(INPUT_NAMES.map((name) => [name, core.getInput(name)]));
  const auth: AuthInputs = {
    authType: core.getInput("auth-type") || "auto",
    clientId: core.getInput("client-id"),
    tenantId: core.getInput("tenant-id"),
    clientSecret: core.getInput("client-secret"),
    creds: core.getInput("creds"),
    audience: core.getInput("audience"),
  };
  if (auth.clientSecret) core.setSecret(auth.clientSecret);
  if (auth.creds) core.setSecret(auth.creds);
  return { spec, auth };
}
