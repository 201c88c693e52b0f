import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createDefaultHttpClient } from "@azure/core-rest-pipeline";
import { CredentialUnavailableError } from "@azure/identity";
import forge from "node-forge";
import { describe, expect, it } from "vitest";
import { cliCredential } from "../src/cli/credential.js";
import { CLOUDS } from "../src/core/config/clouds.js";
import { certificateThumbprint, createCredential, environmentSpec } from "../src/core/credential/create.js";
import { NoCredentialConfigured, type CredentialSpec } from "../src/core/credential/types.js";

const options = { cloud: CLOUDS.AzureCloud, httpClient: createDefaultHttpClient() };
const IDS = { AZURE_TENANT_ID: "tenant-1", AZURE_CLIENT_ID: "client-1" };

function selfSignedPem(): { pem: string; sha1: string } {
  const keys = forge.pki.rsa.generateKeyPair(1024);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = "01";
  cert.validity.notBefore = new Date();
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: "commonName", value: "acr-preflight-test" }]);
  cert.setIssuer([{ name: "commonName", value: "acr-preflight-test" }]);
  cert.sign(keys.privateKey);
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes();
  const sha1 = forge.md.sha1.create().update(der).digest().toHex().toUpperCase();
  return { pem: forge.pki.privateKeyToPem(keys.privateKey) + forge.pki.certificateToPem(cert), sha1 };
}

describe("createCredential", () => {
  it("tells the secret's hint, never the secret", () => {
    const built = createCredential({ kind: "secret", ...ids(), clientSecret: "abcDEF123~secret" }, options);
    expect(built.authType()).toBe("secret");
    expect(built.info()).toEqual({ kind: "secret", ...ids(), secretHint: "abc" });
  });

  it("tells the certificate's SHA-1 thumbprint of the DER, even after the private key", () => {
    const { pem, sha1 } = selfSignedPem();
    expect(certificateThumbprint(pem)).toBe(sha1);
    const built = createCredential({ kind: "certificate", ...ids(), certificatePem: pem }, options);
    expect(built.info()).toEqual({ kind: "certificate", ...ids(), certificateThumbprint: sha1 });
  });

  it("marks federated credentials as refreshing their assertion", () => {
    const built = createCredential(
      { kind: "federated", ...ids(), source: "github-oidc", getAssertion: async () => "assertion" },
      options,
    );
    expect(built.authType()).toBe("oidc");
    expect(built.info()).toEqual({
      kind: "federated",
      ...ids(),
      federatedSource: "github-oidc",
      assertionRefreshes: true,
    });
  });

  it("resolves a chain to the member whose token was accepted", async () => {
    const unavailable: CredentialSpec = {
      kind: "custom",
      authType: "azure-cli",
      credential: {
        getToken: async () => {
          throw new CredentialUnavailableError("not signed in");
        },
      },
    };
    const working: CredentialSpec = {
      kind: "custom",
      authType: "managed-identity",
      credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }) },
    };
    const built = createCredential({ kind: "chain", specs: [unavailable, working] }, options);
    expect(built.authType()).toBe("chain");
    await built.credential.getToken("https://management.azure.com/.default");
    expect(built.authType()).toBe("managed-identity");
    expect(built.info().kind).toBe("custom");
  });

  it("builds the environment credential from the env it is given", () => {
    const built = createCredential(
      { kind: "environment" },
      { ...options, env: { ...IDS, AZURE_CLIENT_SECRET: "xyz-secret" } },
    );
    expect(built.info()).toEqual({ kind: "secret", ...ids(), secretHint: "xyz" });
  });
});

describe("environmentSpec", () => {
  it("reads a federated token file anew for every assertion", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "acr-preflight-token-"));
    const file = path.join(dir, "token");
    await writeFile(file, "first\n");
    const spec = environmentSpec({ ...IDS, AZURE_FEDERATED_TOKEN_FILE: file });
    if (spec.kind !== "federated") throw new Error(`expected federated, got ${spec.kind}`);
    expect(spec.source).toBe("token-file");
    expect(await spec.getAssertion()).toBe("first");
    await writeFile(file, "second\n");
    expect(await spec.getAssertion()).toBe("second");
  });

  it("names what is missing", () => {
    expect(() => environmentSpec({ AZURE_TENANT_ID: "t" })).toThrow(NoCredentialConfigured);
  });
});

describe("cliCredential", () => {
  it("auto uses the environment when it names a secret", () => {
    expect(cliCredential({}, { ...IDS, AZURE_CLIENT_SECRET: "s" }).spec).toEqual({ kind: "environment" });
  });

  it("auto falls back to the az session, then a managed identity", () => {
    expect(cliCredential({ "tenant-id": "tenant-2" }, {}).spec).toEqual({
      kind: "chain",
      specs: [
        { kind: "azure-cli", tenantId: "tenant-2" },
        { kind: "managed-identity", clientId: undefined },
      ],
    });
  });

  it("applies --client-id and --tenant-id over AZURE_*", () => {
    const { spec, env } = cliCredential(
      { "auth-type": "secret", "client-id": "client-9" },
      { ...IDS, AZURE_CLIENT_SECRET: "s" },
    );
    expect(spec).toEqual({ kind: "secret", tenantId: "tenant-1", clientId: "client-9", clientSecret: "s" });
    expect(env.AZURE_CLIENT_ID).toBe("client-9");
  });
});

function ids() {
  return { tenantId: IDS.AZURE_TENANT_ID, clientId: IDS.AZURE_CLIENT_ID };
}
