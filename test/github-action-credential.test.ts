import { describe, expect, it } from "vitest";
import { InputError } from "../src/core/config/input-error.js";
import { OidcTokenUnavailable, type CredentialSpec } from "../src/core/credential/types.js";
import { actionCredential, DEFAULT_AUDIENCE } from "../src/github/credential.js";
import type { AuthInputs } from "../src/github/inputs.js";

const CLIENT = "0c5a7e0e-6f1d-4b8a-9a51-3f2d8c9b7e10";
const TENANT = "8f2c1d6e-3b4a-4c5d-9e7f-0a1b2c3d4e5f";
const SECRET = "Xq7~k2PzR9vLm4Nw8Tb3Yc6Hd1Fg5Js0Ae2UiQo";
const ID_TOKEN_ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.actions.githubusercontent.com/_github/idtoken?api-version=2.0",
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: "request-token",
};

function auth(inputs: Partial<AuthInputs>): AuthInputs {
  return {
    authType: "auto",
    clientId: "",
    tenantId: "",
    clientSecret: "",
    creds: "",
    audience: "",
    ...inputs,
  };
}

function resolve(inputs: Partial<AuthInputs>, env: NodeJS.ProcessEnv = ID_TOKEN_ENV) {
  const masked: string[] = [];
  const audiences: string[] = [];
  let issued = 0;
  const credential = actionCredential(auth(inputs), {
    env,
    getIdToken: async (audience) => {
      audiences.push(audience);
      return `id-token-${++issued}`;
    },
    mask: (secret) => masked.push(secret),
  });
  return { ...credential, masked, audiences };
}

function federated(spec: CredentialSpec) {
  if (spec.kind !== "federated") throw new Error(`expected a federated spec, got ${spec.kind}`);
  return spec;
}

describe("the action's credential (auth-type)", () => {
  it("auto: OIDC wins when the job offers an ID token, even beside a secret", () => {
    const { spec } = resolve({ clientId: CLIENT, tenantId: TENANT, clientSecret: SECRET });
    expect(federated(spec)).toMatchObject({ clientId: CLIENT, tenantId: TENANT, source: "github-oidc" });
  });

  it("auto: without an ID token a client secret is used", () => {
    const { spec } = resolve({ clientId: CLIENT, tenantId: TENANT, clientSecret: SECRET }, {});
    expect(spec).toEqual({ kind: "secret", clientId: CLIENT, tenantId: TENANT, clientSecret: SECRET });
  });

  it("auto: client-id and tenant-id without a secret sign in with OIDC, a fresh masked ID token per request", async () => {
    const { spec, masked, audiences } = resolve({ clientId: CLIENT, tenantId: TENANT });
    const oidc = federated(spec);
    expect(oidc).toMatchObject({ clientId: CLIENT, tenantId: TENANT, source: "github-oidc" });
    expect([await oidc.getAssertion(), await oidc.getAssertion()]).toEqual(["id-token-1", "id-token-2"]);
    expect(masked).toEqual(["id-token-1", "id-token-2"]);
    expect(audiences).toEqual([DEFAULT_AUDIENCE, DEFAULT_AUDIENCE]);
  });

  it("auto: OIDC without an ID token fails each token request with OidcTokenUnavailable naming the permission", async () => {
    const oidc = federated(resolve({ clientId: CLIENT, tenantId: TENANT }, {}).spec);
    const failure = oidc.getAssertion();
    await expect(failure).rejects.toBeInstanceOf(OidcTokenUnavailable);
    await expect(failure).rejects.toThrow("add `permissions: id-token: write`");
  });

  it("oidc: fails at once without an ID token, before any request", () => {
    expect(() => resolve({ authType: "oidc", clientId: CLIENT, tenantId: TENANT }, {})).toThrow(
      /^auth-type: 'oidc' signs in with OIDC, but GitHub offers this job no ID token; add `permissions: id-token: write`/,
    );
  });

  it("the audience input reaches the ID-token request", async () => {
    const { spec, audiences } = resolve({
      clientId: CLIENT,
      tenantId: TENANT,
      audience: "api://AzureADTokenExchangeUSGov",
    });
    await federated(spec).getAssertion();
    expect(audiences).toEqual(["api://AzureADTokenExchangeUSGov"]);
  });

  it("auto: with nothing given, tries the AZURE_* environment, an az session, then a managed identity", () => {
    expect(resolve({}).spec).toEqual({
      kind: "chain",
      specs: [{ kind: "environment" }, { kind: "azure-cli" }, { kind: "managed-identity" }],
    });
    expect(resolve({ clientId: CLIENT }).spec).toEqual({
      kind: "chain",
      specs: [{ kind: "environment" }, { kind: "azure-cli" }, { kind: "managed-identity", clientId: CLIENT }],
    });
  });

  it("accepts azure/login's SERVICE_PRINCIPAL and IDENTITY", () => {
    expect(resolve({ authType: "SERVICE_PRINCIPAL", clientId: CLIENT, tenantId: TENANT }).spec.kind).toBe(
      "federated",
    );
    expect(
      resolve({ authType: "SERVICE_PRINCIPAL", clientId: CLIENT, tenantId: TENANT, clientSecret: SECRET })
        .spec.kind,
    ).toBe("secret");
    expect(resolve({ authType: "IDENTITY", clientId: CLIENT }).spec).toEqual({
      kind: "managed-identity",
      clientId: CLIENT,
    });
  });

  it("names the missing input and the accepted auth types in one line", () => {
    expect(() => resolve({ clientId: CLIENT, clientSecret: SECRET })).toThrow(
      new InputError(
        "tenant-id",
        "auth-type: 'auto' signs in with a client secret and needs tenant-id; set it as input or in creds",
      ),
    );
    expect(() => resolve({ authType: "password" })).toThrow(
      "auth-type: 'password' is not an auth type; use auto, oidc, secret, environment, azure-cli, managed-identity, service_principal, identity",
    );
  });

  describe("creds (azure/login's JSON)", () => {
    it("fills client, tenant, secret and subscription, masks the secret, and yields to explicit inputs", () => {
      const creds = JSON.stringify({
        clientId: "11111111-1111-1111-1111-111111111111",
        clientSecret: SECRET,
        tenantId: TENANT,
        subscriptionId: "22222222-2222-2222-2222-222222222222",
      });
      const { spec, subscriptionId, masked } = resolve({ creds, clientId: CLIENT }, {});
      expect(spec).toEqual({ kind: "secret", clientId: CLIENT, tenantId: TENANT, clientSecret: SECRET });
      expect(subscriptionId).toBe("22222222-2222-2222-2222-222222222222");
      expect(masked).toEqual([SECRET]);
    });

    it("rejects malformed JSON without quoting it", () => {
      const creds = `{"clientSecret": "${SECRET}",`;
      expect(() => resolve({ creds })).toThrow(/^creds: is not valid JSON; use azure\/login's JSON/);
      try {
        resolve({ creds });
      } catch (error) {
        expect((error as Error).message).not.toContain(SECRET);
      }
    });
  });
});
