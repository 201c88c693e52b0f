import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
import {
  AzureCliCredential,
  ChainedTokenCredential,
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type ManagedIdentityCredentialClientIdOptions,
  type TokenCredentialOptions,
} from "@azure/identity";
import { CLOUDS, type CloudEndpoints } from "../config/clouds.js";
import {
  NoCredentialConfigured,
  type BuiltCredential,
  type CredentialInfo,
  type CredentialSpec,
} from "./types.js";

export interface CredentialOptions {
  cloud: CloudEndpoints;
  /** The guarded client: every Entra request goes through it (read-only, timeouts, the Network). */
  httpClient: HttpClient;
  /** Where `environment` reads AZURE_* from (default process.env). */
  env?: Record<string, string | undefined>;
}

type FederatedSpec = Extract<CredentialSpec, { kind: "federated" }>;

const FEDERATED_AUTH_TYPES: Record<FederatedSpec["source"], string> = {
  "github-oidc": "oidc",
  "azure-pipelines": "workload-identity-federation",
  "token-file": "federated-token-file",
};

/** Builds the @azure/identity credential a surface asked for, with what the core may know about it. */
export function createCredential(
  spec: CredentialSpec,
  options: CredentialOptions,
  inChain = false,
): BuiltCredential {
  const common = {
    authorityHost: options.cloud.authorityHost,
    httpClient: options.httpClient,
    // Instance discovery only knows the public clouds; Azure Stack and private authorities have none.
    disableInstanceDiscovery: !Object.values(CLOUDS).some(
      (c) => c.authorityHost === options.cloud.authorityHost,
    ),
  };
  switch (spec.kind) {
    case "secret":
      return fixed(
        new ClientSecretCredential(spec.tenantId, spec.clientId, spec.clientSecret, common),
        "secret",
        {
          kind: "secret",
          clientId: spec.clientId,
          tenantId: spec.tenantId,
          secretHint: spec.clientSecret.slice(0, 3),
        },
      );
    case "certificate":
      return fixed(
        new ClientCertificateCredential(
          spec.tenantId,
          spec.clientId,
          { certificate: spec.certificatePem },
          common,
        ),
        "certificate",
        {
          kind: "certificate",
          clientId: spec.clientId,
          tenantId: spec.tenantId,
          certificateThumbprint: certificateThumbprint(spec.certificatePem),
        },
      );
    case "federated":
      // getAssertion runs for every token request, so each token gets a fresh assertion.
      return fixed(
        new ClientAssertionCredential(spec.tenantId, spec.clientId, spec.getAssertion, common),
        FEDERATED_AUTH_TYPES[spec.source],
        {
          kind: "federated",
          clientId: spec.clientId,
          tenantId: spec.tenantId,
          federatedSource: spec.source,
          assertionRefreshes: true,
        },
      );
    case "environment":
      return createCredential(environmentSpec(options.env ?? process.env), options);
    case "azure-cli":
      return fixed(new AzureCliCredential({ ...common, tenantId: spec.tenantId }), "azure-cli", {
        kind: "azure-cli",
      });
    case "managed-identity":
      return fixed(
        new ManagedIdentityCredential(managedIdentityOptions(common, spec.clientId, inChain)),
        "managed-identity",
        {
          kind: "managed-identity",
        },
      );
    case "chain":
      return chain(spec.specs, options);
    case "custom":
      return fixed(spec.credential, spec.authType, { kind: "custom" });
  }
}

/**
 * In a chain, IMDS is pinged first (1 s, no retries) as DefaultAzureCredential does, so a machine
 * without a managed identity ends the chain at once instead of after IMDS's retries and timeouts.
 */
function managedIdentityOptions(
  common: TokenCredentialOptions,
  clientId: string | undefined,
  inChain: boolean,
): ManagedIdentityCredentialClientIdOptions {
  // `sendProbeRequest` is the option DefaultAzureCredential sets; @azure/identity types it internal.
  const options = { ...common, clientId, sendProbeRequest: inChain };
  return options;
}

function fixed(credential: TokenCredential, authType: string, info: CredentialInfo): BuiltCredential {
  return { credential, authType: () => authType, info: () => info };
}

/**
 * ChainedTokenCredential over the members that can be built; authType/info resolve to the member
 * whose token was accepted.
 */
function chain(specs: CredentialSpec[], options: CredentialOptions): BuiltCredential {
  const members = specs.flatMap((spec) => {
    try {
      return [createCredential(spec, options, true)];
    } catch (error) {
      if (error instanceof NoCredentialConfigured) return [];
      throw error;
    }
  });
  if (members.length === 0)
    throw new NoCredentialConfigured("none of the credentials of the chain is configured");
  let winner: BuiltCredential | undefined;
  const tracked = members.map((member): TokenCredential => ({
    async getToken(scopes: string | string[], tokenOptions?: GetTokenOptions): Promise<AccessToken | null> {
      const token = await member.credential.getToken(scopes, tokenOptions);
      if (token) winner ??= member;
      return token;
    },
  }));
  return {
    credential: new ChainedTokenCredential(...tracked),
    authType: () => winner?.authType() ?? "chain",
    info: () => winner?.info() ?? { kind: "chain" },
  };
}

/** The AZURE_* variables EnvironmentCredential reads, turned into the concrete spec they describe. */
export function environmentSpec(env: Record<string, string | undefined>): CredentialSpec {
  const tenantId = env.AZURE_TENANT_ID;
  const clientId = env.AZURE_CLIENT_ID;
  if (tenantId && clientId) {
    if (env.AZURE_CLIENT_SECRET)
      return { kind: "secret", tenantId, clientId, clientSecret: env.AZURE_CLIENT_SECRET };
    const certificatePath = env.AZURE_CLIENT_CERTIFICATE_PATH;
    if (certificatePath) {
      return {
        kind: "certificate",
        tenantId,
        clientId,
        certificatePem: readFileSync(certificatePath, "utf8"),
      };
    }
    const tokenFile = env.AZURE_FEDERATED_TOKEN_FILE;
    if (tokenFile) {
      // The file is rotated by its owner (e.g. AKS workload identity); read it anew for every token.
      const getAssertion = async () => (await readFile(tokenFile, "utf8")).trim();
      return { kind: "federated", tenantId, clientId, getAssertion, source: "token-file" };
    }
  }
  throw new NoCredentialConfigured(
    "AZURE_TENANT_ID and AZURE_CLIENT_ID with one of AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE are not all set",
  );
}

/** SHA-1 thumbprint (hex, upper case) of the first certificate in a PEM bundle. */
export function certificateThumbprint(pem: string): string {
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (!block) throw new NoCredentialConfigured("the certificate PEM holds no CERTIFICATE block");
  return new X509Certificate(block).fingerprint.replace(/:/g, "").toUpperCase();
}
