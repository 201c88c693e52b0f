import { X509Certificate } from "node:crypto";
import forge from "node-forge";

/**
 * A self-signed certificate: `pem` is certificate + key (as a service connection or
 * AZURE_CLIENT_CERTIFICATE_PATH holds it), `keyPem` the key alone, with the SHA-1 and SHA-256
 * thumbprints (hex upper case) Graph and MSAL use.
 */
export function selfSignedCertificate() {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = "01";
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  const subject = [{ name: "commonName", value: "acr-preflight-test" }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const certificatePem = forge.pki.certificateToPem(cert);
  const x509 = new X509Certificate(certificatePem);
  const keyPem = forge.pki.privateKeyToPem(keys.privateKey);
  return {
    pem: certificatePem + keyPem,
    keyPem,
    sha1: x509.fingerprint.replace(/:/g, ""),
    sha256: x509.fingerprint256.replace(/:/g, ""),
  };
}
