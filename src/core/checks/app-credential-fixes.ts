/** Remediation for an app registration's client secret or certificate, with the real ids filled in. */
import { dayStamp } from "./expiry.js";

function portalPath(appName: string | undefined, tab: string): string {
  return `Portal: Microsoft Entra admin center › App registrations › ${appName ?? "<app>"} › Certificates & secrets › ${tab}`;
}

export function rotateSecretCommands(
  appId: string,
  keyId: string | undefined,
  appName: string | undefined,
  now: Date,
): string[] {
  return [
    `az ad app credential reset --id ${appId} --append --display-name ci-${dayStamp(now)} --years 1`,
    `Store the new secret where the job reads it (AZURE_CLIENT_SECRET, the GitHub secret or the service connection), then delete the old one: az ad app credential delete --id ${appId} --key-id ${keyId ?? "<keyId of the old secret>"}`,
    portalPath(appName, "Client secrets › New client secret"),
    `Or drop the secret: add a federated credential (OIDC) — az ad app federated-credential create --id ${appId} --parameters federated-credential.json`,
  ];
}

export function rotateCertificateCommands(
  appId: string,
  keyId: string,
  appName: string | undefined,
): string[] {
  return [
    `az ad app credential reset --id ${appId} --append --cert @new-certificate.pem`,
    `Point the job at the new certificate, then delete the old one: az ad app credential delete --id ${appId} --key-id ${keyId} --cert`,
    portalPath(appName, "Certificates › Upload certificate"),
  ];
}
