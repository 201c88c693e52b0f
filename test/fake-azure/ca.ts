import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import tls from "node:tls";
import forge from "node-forge";

/** A certificate authority the fake signs leaves with. */
export interface Authority {
  name: string;
  certPem: string;
  keyPem: string;
  cert: forge.pki.Certificate;
}

interface StoredAuthority {
  name: string;
  certPem: string;
  keyPem: string;
}

const YEAR_MS = 365 * 86_400_000;

/**
 * Keys and CA certificates are cached in `<repo>/.fake-azure/` so only the first run pays for RSA
 * key generation. Files are published with link() (fails if present), so parallel test workers that
 * race on the first run all end up using the same CA.
 */
export class CertificateStore {
  readonly trusted: Authority;
  /** PEM file of the trusted CA: NODE_EXTRA_CA_CERTS. */
  readonly caPath: string;
  private readonly leafKeyPem: string;
  private readonly leafPublicKey: forge.pki.PublicKey;
  private readonly contexts = new Map<string, tls.SecureContext>();
  private readonly proxies = new Map<string, Authority>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.trusted = this.loadAuthority("ca.json", "acr-preflight Fake Azure Root CA");
    this.caPath = path.join(dir, "ca.pem");
    if (!existsSync(this.caPath) || readFileSync(this.caPath, "utf8") !== this.trusted.certPem) {
      publish(this.caPath, this.trusted.certPem, { replace: true });
    }
    this.leafKeyPem = this.loadOrCreate("leaf-key.pem", () => newKeyPair().keyPem);
    this.leafPublicKey = forge.pki.setRsaPublicKey(
      forge.pki.privateKeyFromPem(this.leafKeyPem).n,
      forge.pki.privateKeyFromPem(this.leafKeyPem).e,
    );
  }

  /** TLS context for a hostname: signed by the trusted CA, or by the proxy CA when the host is intercepted. */
  contextFor(hostname: string, interceptedBy?: string): tls.SecureContext {
    const key = `${hostname}\u0000${interceptedBy ?? ""}`;
    let context = this.contexts.get(key);
    if (!context) {
      context = tls.createSecureContext(this.keyAndChain(hostname, interceptedBy));
      this.contexts.set(key, context);
    }
    return context;
  }

  /** Leaf key and certificate chain (leaf + issuing CA) for a hostname. */
  keyAndChain(hostname: string, interceptedBy?: string): { key: string; cert: string } {
    const authority = interceptedBy ? this.proxyAuthority(interceptedBy) : this.trusted;
    return {
      key: this.leafKeyPem,
      cert: issueLeaf(authority, this.leafPublicKey, hostname) + authority.certPem,
    };
  }

  /** An untrusted CA named like a corporate TLS-inspection proxy. */
  proxyAuthority(name: string): Authority {
    let authority = this.proxies.get(name);
    if (!authority) {
      const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
      authority = this.loadAuthority(`proxy-${slug}.json`, name);
      this.proxies.set(name, authority);
    }
    return authority;
  }

  private loadAuthority(file: string, name: string): Authority {
    const stored = JSON.parse(
      this.loadOrCreate(file, () => JSON.stringify(createAuthority(name)), isUsableAuthority),
    ) as StoredAuthority;
    return { ...stored, cert: forge.pki.certificateFromPem(stored.certPem) };
  }

  private loadOrCreate(
    file: string,
    create: () => string,
    usable: (text: string) => boolean = () => true,
  ): string {
    const target = path.join(this.dir, file);
    if (existsSync(target)) {
      const text = readFileSync(target, "utf8");
      if (usable(text)) return text;
      rmSync(target, { force: true });
    }
    publish(target, create(), { replace: false });
    return readFileSync(target, "utf8");
  }
}

function isUsableAuthority(text: string): boolean {
  try {
    const stored = JSON.parse(text) as StoredAuthority;
    return forge.pki.certificateFromPem(stored.certPem).validity.notAfter.getTime() > Date.now() + YEAR_MS;
  } catch {
    return false;
  }
}

/** Writes via a temp file; without `replace`, the first writer wins. */
function publish(target: string, text: string, options: { replace: boolean }): void {
  const temp = `${target}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  try {
    if (options.replace) renameSync(temp, target);
    else linkSync(temp, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}

function newKeyPair(): { keyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    keyPem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

function createAuthority(name: string): StoredAuthority {
  const { keyPem, publicKeyPem } = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * YEAR_MS);
  const subject = [
    { name: "commonName", value: name },
    {
      name: "organizationName",
      value: name.includes("Proxy") ? "Contoso IT Security" : "acr-preflight tests",
    },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  signCertificate(cert, keyPem);
  return { name, certPem: forge.pki.certificateToPem(cert), keyPem };
}

function issueLeaf(authority: Authority, publicKey: forge.pki.PublicKey, hostname: string): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 90 * 86_400_000);
  cert.setSubject([{ name: "commonName", value: hostname }]);
  cert.setIssuer(authority.cert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: [{ type: 2, value: hostname }] },
  ]);
  signCertificate(cert, authority.keyPem);
  return forge.pki.certificateToPem(cert);
}

/** Signs with node:crypto (fast native RSA) instead of forge's pure-JS RSA. */
function signCertificate(cert: forge.pki.Certificate, issuerKeyPem: string): void {
  const oid = forge.pki.oids.sha256WithRSAEncryption!;
  cert.siginfo.algorithmOid = oid;
  cert.signatureOid = oid;
  const getTbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 })
    .getTBSCertificate;
  const tbs = getTbs(cert);
  const der = Buffer.from(forge.asn1.toDer(tbs).getBytes(), "binary");
  cert.tbsCertificate = tbs;
  cert.signature = sign("sha256", der, issuerKeyPem).toString("binary");
}

function serialNumber(): string {
  // Positive ASN.1 integer: clear the top bit.
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString("hex");
}
