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
}
