import type { HttpClient } from "@azure/core-rest-pipeline";
import * as tl from "azure-pipelines-task-lib/task.js";
import { CLOUDS } from "../core/config/clouds.js";
import { InputError } from "../core/config/input-error.js";
import { inputSpec } from "../core/config/inputs.js";
import type { RawInputs } from "../core/config/parse.js";
import { OidcTokenUnavailable, type CredentialSpec } from "../core/credential/types.js";
import { SERVICE_CONNECTION_INPUT } from "./manifest.js";
import { requestOidcToken } from "./oidc-token.js";

export interface ServiceConnection {
  spec: CredentialSpec;
  /** Inputs the connection implies (subscription, cloud); the task's own inputs win. */
  defaults: RawInputs;
}

export interface ConnectionDeps {
  env: NodeJS.ProcessEnv;
  /** The guarded client the OIDC token requests go through. */
  httpClient: HttpClient;
  mask: (secret: string) => void;
}

interface EndpointAuthorization {
  scheme?: string;
  parameters?: Record<string, string>;
}

export const NO_ACCESS_TOKEN =
  "Azure Pipelines gives this task no System.AccessToken to request the OIDC token with; add `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)` to the task (classic pipelines: enable 'Allow scripts to access the OAuth token' on the agent job)";

export const NO_OIDC_REQUEST_URI =
  "Azure Pipelines gives this task no System.OidcRequestUri, so workload identity federation cannot work here; use Azure DevOps Services or Server 2022.1+ with agent 3.x or later, or a service connection with a secret or certificate";

/**
 * Reads an AzureRM service connection the way Microsoft's Azure tasks do (azure-arm-endpoint.ts)
 * and turns it into the credential the core builds. Secrets are masked the moment they are read;
 * the whole authorization object is read at once because task-lib debug-logs single parameters.
 */
export function readServiceConnection(id: string, deps: ConnectionDeps): ServiceConnection {
  if (!id) {
    throw new InputError(
      SERVICE_CONNECTION_INPUT,
      `${SERVICE_CONNECTION_INPUT}: is required; use the name of an Azure Resource Manager service connection`,
    );
  }
  const auth = tl.getEndpointAuthorization(id, true) as EndpointAuthorization | undefined;
  if (!auth) {
    throw new InputError(
      SERVICE_CONNECTION_INPUT,
      `${SERVICE_CONNECTION_INPUT}: service connection '${id}' is not available to this job; use an Azure Resource Manager service connection the pipeline is authorized to use`,
    );
  }
  const param = parameterReader(auth);
  const scheme = (
    auth.scheme ??
    tl.getEndpointAuthorizationScheme(id, true) ??
    "ServicePrincipal"
  ).toLowerCase();
  const identity = { tenantId: param("tenantid") ?? "", clientId: param("serviceprincipalid") ?? "" };
  const spec = (() => {
    switch (scheme) {
      case "serviceprincipal":
        return servicePrincipalSpec(id, identity, param, deps.mask);
      case "workloadidentityfederation":
        requireIdentity(id, identity, scheme);
        return workloadIdentitySpec(id, identity, deps);
      case "managedserviceidentity": {
        const clientId = tl.getEndpointDataParameter(id, "msiclientId", true);
        return { kind: "managed-identity", ...(clientId ? { clientId } : {}) } satisfies CredentialSpec;
      }
      default:
        throw new InputError(
          SERVICE_CONNECTION_INPUT,
          `${SERVICE_CONNECTION_INPUT}: service connection '${id}' uses the ${auth.scheme} scheme; use an Azure Resource Manager connection with workload identity federation, a service principal secret or certificate, or a managed identity`,
        );
    }
  })();
  return { spec, defaults: connectionDefaults(id) };
}

type ParameterReader = (key: string) => string | undefined;

/** Parameter names differ in case between connection types and agent versions. */
function parameterReader(auth: EndpointAuthorization): ParameterReader {
  const entries = Object.entries(auth.parameters ?? {});
  return (key) =>
    entries.find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1]?.trim() || undefined;
}

function servicePrincipalSpec(
  id: string,
  identity: { tenantId: string; clientId: string },
  param: ParameterReader,
  mask: (secret: string) => void,
): CredentialSpec {
  requireIdentity(id, identity, "ServicePrincipal");
  if (param("authenticationType")?.toLowerCase() === "spncertificate") {
    const certificatePem = param("servicePrincipalCertificate");
    if (!certificatePem) throw missingParameter(id, "servicePrincipalCertificate");
    mask(certificatePem);
    return { kind: "certificate", ...identity, certificatePem };
  }
  const clientSecret = param("serviceprincipalkey");
  if (!clientSecret) throw missingParameter(id, "serviceprincipalkey");
  mask(clientSecret);
  return { kind: "secret", ...identity, clientSecret };
}

/**
 * A fresh Azure Pipelines OIDC token for every Entra token request (a one-shot token lasts 10
 * minutes). Without System.AccessToken or System.OidcRequestUri the assertion callback throws
 * OidcTokenUnavailable at once, so the credential check names the fix and nothing waits.
 */
function workloadIdentitySpec(
  id: string,
  identity: { tenantId: string; clientId: string },
  deps: ConnectionDeps,
): CredentialSpec {
  const accessToken = systemAccessToken(deps.env);
  if (accessToken) deps.mask(accessToken);
  const requestUri = tl.getVariable("System.OidcRequestUri");
  const getAssertion = async () => {
    if (!requestUri) throw new OidcTokenUnavailable(NO_OIDC_REQUEST_URI, "azure-pipelines");
    if (!accessToken) throw new OidcTokenUnavailable(NO_ACCESS_TOKEN, "azure-pipelines");
    const token = await requestOidcToken({
      requestUri,
      serviceConnectionId: id,
      accessToken,
      httpClient: deps.httpClient,
    });
    deps.mask(token);
    return token;
  };
  return { kind: "federated", ...identity, getAssertion, source: "azure-pipelines" };
}

/**
 * The job's access token: tasks get it as the SYSTEMVSSCONNECTION endpoint; a task mapped
 * `SYSTEM_ACCESSTOKEN: $(System.AccessToken)` gets it in the environment.
 */
function systemAccessToken(env: NodeJS.ProcessEnv): string | undefined {
  const vss = tl.getEndpointAuthorization("SYSTEMVSSCONNECTION", true) as EndpointAuthorization | undefined;
  return (
    (vss && parameterReader(vss)("AccessToken")) ||
    env.SYSTEM_ACCESSTOKEN ||
    tl.getVariable("System.AccessToken") ||
    undefined
  );
}

function requireIdentity(id: string, identity: { tenantId: string; clientId: string }, scheme: string): void {
  if (!identity.tenantId) throw missingParameter(id, "tenantid", scheme);
  if (!identity.clientId) throw missingParameter(id, "serviceprincipalid", scheme);
}

function missingParameter(id: string, parameter: string, scheme = "ServicePrincipal"): InputError {
  return new InputError(
    SERVICE_CONNECTION_INPUT,
    `${SERVICE_CONNECTION_INPUT}: service connection '${id}' (${scheme}) has no ${parameter}; edit and save the connection, or create it again`,
  );
}

/**
 * The subscription and cloud the connection names. A known cloud becomes `environment`; any
 * other (Azure Stack) brings its own ARM, authority and Graph endpoints.
 */
function connectionDefaults(id: string): RawInputs {
  const data = (key: string) => tl.getEndpointDataParameter(id, key, true)?.trim() || undefined;
  const subscriptionId = data("subscriptionId");
  const environment = data("environment");
  const known = Object.keys(CLOUDS).find((name) => name.toLowerCase() === environment?.toLowerCase());
  const cloud: RawInputs = known
    ? { environment: known }
    : environment
      ? {
          "arm-endpoint": tl.getEndpointUrl(id, true)?.trim() || undefined,
          "authority-host": data("activeDirectoryAuthority") ?? data("environmentAuthorityUrl"),
          "graph-endpoint": data("microsoftGraphUrl") ?? data("graphUrl"),
        }
      : {};
  return { "subscription-id": subscriptionId, ...cloud };
}

/**
 * The task's inputs over the connection's. `environment` always arrives with task.json's default,
 * so only a value other than the default overrides the connection's cloud.
 */
export function withConnectionDefaults(inputs: RawInputs, connection: ServiceConnection): RawInputs {
  const merged: RawInputs = { ...inputs };
  for (const [name, value] of Object.entries(connection.defaults)) {
    const given = inputs[name]?.trim();
    const isDefault = name === "environment" && given === inputSpec("environment").default;
    if (value && (!given || isDefault)) merged[name] = value;
  }
  return merged;
}
