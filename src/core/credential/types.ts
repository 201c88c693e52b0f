import type { TokenCredential } from "@azure/core-auth";

/**
 * How the job authenticates to Entra, as each surface understands it. Surfaces translate their
 * inputs (action inputs, service connection, CLI flags/env) into one of these; the core builds
 * the @azure/identity credential from it (createCredential).
 */
export type CredentialSpec =
  | { kind: "secret"; tenantId: string; clientId: string; clientSecret: string }
  | { kind: "certificate"; tenantId: string; clientId: string; certificatePem: string }
  | {
      kind: "federated";
      tenantId: string;
      clientId: string;
      /** Called for every Entra token request, so a long job never presents an expired assertion. */
      getAssertion: () => Promise<string>;
      source: "github-oidc" | "azure-pipelines" | "token-file";
    }
  | { kind: "environment" }
  | { kind: "azure-cli"; tenantId?: string }
  | { kind: "managed-identity"; clientId?: string }
  /** Try each in order; the first that yields a token wins (auth-type `auto`). */
  | { kind: "chain"; specs: CredentialSpec[] }
  /** A credential built by the surface itself (e.g. AzurePipelinesCredential). */
  | { kind: "custom"; credential: TokenCredential; authType: string };

export interface BuiltCredential {
  credential: TokenCredential;
  /** Report's `principal.authType`: secret, certificate, oidc, azure-cli, managed-identity, environment… For a chain, resolved once a token was obtained. */
  authType(): string;
  /** For a chain, resolved once a token was obtained. */
  info(): CredentialInfo;
}

/**
 * What the core may know about the credential beyond its tokens (never the secret itself):
 * sp-secret-expiry matches the secret in use by its Graph `hint` (first three characters) or the
 * certificate by thumbprint; token-lifetime asks whether Entra tokens can be refreshed mid-job.
 */
export interface CredentialInfo {
  kind: CredentialSpec["kind"];
  /** The configured client (app) id and tenant, when the spec names them: remediation commands need them even when no token came. */
  clientId?: string;
  tenantId?: string;
  secretHint?: string;
  /** SHA-1 thumbprint, hex upper case. */
  certificateThumbprint?: string;
  federatedSource?: Extract<CredentialSpec, { kind: "federated" }>["source"];
  /** Whether each new Entra token gets a fresh OIDC assertion (false for a one-shot assertion in an `az` session). */
  assertionRefreshes?: boolean;
}

/**
 * Thrown by a surface's `getAssertion` when the platform offers no OIDC token (GitHub: no
 * `permissions: id-token: write`; Azure Pipelines: System.AccessToken not exposed). The message is
 * the one line that tells the user what to add.
 */
export class OidcTokenUnavailable extends Error {
  constructor(
    message: string,
    readonly platform: "github" | "azure-pipelines",
  ) {
    super(message);
  }
}

/** Raised when no credential could be built or found (auth-type auto found nothing). */
export class NoCredentialConfigured extends Error {}
