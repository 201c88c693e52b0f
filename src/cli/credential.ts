import { readFileSync } from "node:fs";
import { InputError } from "../core/config/input-error.js";
import type { CredentialSpec } from "../core/credential/types.js";
import type { CliArgs } from "./args.js";

export const AUTH_TYPES = [
  "auto",
  "environment",
  "secret",
  "certificate",
  "azure-cli",
  "managed-identity",
] as const;
type AuthType = (typeof AUTH_TYPES)[number];

export interface CliCredential {
  spec: CredentialSpec;
  /** The process environment with --client-id/--tenant-id applied as AZURE_CLIENT_ID/AZURE_TENANT_ID. */
  env: NodeJS.ProcessEnv;
}

/**
 * The CLI's sign-in, like azure/login's: `auto` uses the AZURE_* environment when it names a
 * secret, certificate or federated token file, else the `az` session, else a managed identity.
 * The secret only ever comes from AZURE_CLIENT_SECRET.
 */
export function cliCredential(auth: CliArgs["auth"], processEnv: NodeJS.ProcessEnv): CliCredential {
  const env: NodeJS.ProcessEnv = {
    ...processEnv,
    ...(auth["client-id"] ? { AZURE_CLIENT_ID: auth["client-id"] } : {}),
    ...(auth["tenant-id"] ? { AZURE_TENANT_ID: auth["tenant-id"] } : {}),
  };
  const authType = parseAuthType(auth["auth-type"] ?? "auto");
  const tenantId = env.AZURE_TENANT_ID;
  const clientId = env.AZURE_CLIENT_ID;
  const need = (...missing: [string, string | undefined][]) => {
    const absent = missing.filter(([, value]) => !value).map(([name]) => name);
    if (absent.length > 0) {
      throw new InputError(
        "--auth-type",
        `--auth-type: '${authType}' needs ${absent.join(", ")}; set them (the secret only as AZURE_CLIENT_SECRET, never a flag)`,
      );
    }
  };
  const tenantAndClient: [string, string | undefined][] = [
    ["--tenant-id or AZURE_TENANT_ID", tenantId],
    ["--client-id or AZURE_CLIENT_ID", clientId],
  ];
  switch (authType) {
    case "auto":
      return {
        env,
        spec: environmentConfigured(env)
          ? { kind: "environment" }
          : {
              kind: "chain",
              specs: [
                { kind: "azure-cli", tenantId },
                { kind: "managed-identity", clientId },
              ],
            },
      };
    case "environment":
      return { env, spec: { kind: "environment" } };
    case "secret":
      need(...tenantAndClient, ["AZURE_CLIENT_SECRET", env.AZURE_CLIENT_SECRET]);
      return {
        env,
        spec: {
          kind: "secret",
          tenantId: tenantId!,
          clientId: clientId!,
          clientSecret: env.AZURE_CLIENT_SECRET!,
        },
      };
    case "certificate": {
      need(...tenantAndClient, ["AZURE_CLIENT_CERTIFICATE_PATH", env.AZURE_CLIENT_CERTIFICATE_PATH]);
      const certificatePem = readCertificate(env.AZURE_CLIENT_CERTIFICATE_PATH!);
      return { env, spec: { kind: "certificate", tenantId: tenantId!, clientId: clientId!, certificatePem } };
    }
    case "azure-cli":
      return { env, spec: { kind: "azure-cli", tenantId } };
    case "managed-identity":
      return { env, spec: { kind: "managed-identity", clientId } };
  }
}

function parseAuthType(value: string): AuthType {
  const found = AUTH_TYPES.find((t) => t === value.toLowerCase());
  if (!found) {
    throw InputError.invalid("--auth-type", value, "an auth type", AUTH_TYPES.join(", "));
  }
  return found;
}

function environmentConfigured(env: NodeJS.ProcessEnv): boolean {
  return Boolean(
    env.AZURE_TENANT_ID &&
    env.AZURE_CLIENT_ID &&
    (env.AZURE_CLIENT_SECRET || env.AZURE_CLIENT_CERTIFICATE_PATH || env.AZURE_FEDERATED_TOKEN_FILE),
  );
}

function readCertificate(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw InputError.invalid(
      "AZURE_CLIENT_CERTIFICATE_PATH",
      path,
      `a readable PEM file (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`,
      "the path of a PEM file holding the certificate and its private key",
    );
  }
}
