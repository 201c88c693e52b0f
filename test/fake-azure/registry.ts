import ipaddr from "ipaddr.js";
import type { Claims } from "./jwt.js";
import { contentOfTag, type Content } from "./manifests.js";
import { scopeMapActions } from "./rbac.js";
import type { Registry } from "./scenario.js";
import type { FakeRequest, FakeResponse } from "./server.js";
import { ACR_AUDIENCE, ARM_AUDIENCES, audienceKey, type World } from "./world.js";

const NULL_GUID = "00000000-0000-0000-0000-000000000000";
const ACR_ISSUER = "Azure Container Registry";
const REFRESH_TOKEN_SECONDS = 3 * 3600;
const ACCESS_TOKEN_SECONDS = 75 * 60;
const DISTRIBUTION_HEADERS = { "Docker-Distribution-Api-Version": "registry/2.0" };
const AUTH_REQUIRED = "authentication required, visit https://aka.ms/acr/authorization for more information.";

interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

/** Who a registry credential stands for. */
type Grantee =
  { kind: "entra"; objectId: string } | { kind: "admin" } | { kind: "token"; scopeMapActions: string[] };

/**
 * The registry data plane (login server, data and regional endpoints): firewall first, then the
 * token exchange (/oauth2/exchange, /oauth2/token with Docker intersection semantics) and the
 * /v2/ API (catalog, tags, manifests, config blobs).
 */
export function registryDataPlane(world: World) {
  return (req: FakeRequest): FakeResponse => {
    const registry = world.registryByHost(req.host);
    if (!registry)
      return { ...acrError(404, "NOT_FOUND", `no registry is served at ${req.host}`), unexpected: true };
    const blocked = firewall(world, registry, req.host);
    if (blocked) return blocked;
    const loginServer = world.registryProperties(registry).loginServer;
    const dp = new DataPlane(world, registry, loginServer);
    const { method, path } = req;
    if (path === "/oauth2/exchange" && method === "POST") return dp.exchange(new URLSearchParams(req.body));
    if (path === "/oauth2/token" && method === "POST") return dp.token(new URLSearchParams(req.body));
    if (path === "/oauth2/token" && method === "GET") return dp.basicToken(req);
    if (method !== "GET" && method !== "HEAD")
      return { ...acrError(405, "UNSUPPORTED", "The operation is unsupported."), unexpected: true };
    if (path === "/v2/" || path === "/v2") return dp.base(req);
    if (path === "/v2/_catalog") return dp.catalog(req);
    const tags = /^\/v2\/(.+)\/tags\/list$/.exec(path);
    if (tags) return dp.tags(req, tags[1]!);
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    if (manifest) return dp.manifest(req, manifest[1]!, manifest[2]!);
    const blob = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path);
    if (blob) return dp.blob(req, blob[1]!, blob[2]!);
    return { ...acrError(404, "NOT_FOUND", `no route for ${method} ${path}`), unexpected: true };
  };
}

/** The registry firewall (acr-facts §2.1): public access, default action and IP rules; private endpoints bypass it. */
function firewall(world: World, registry: Registry, host: string): FakeResponse | undefined {
  const resolved = world.scenario.dns?.[host];
  if (resolved && ipaddr.isValid(resolved) && ipaddr.parse(resolved).range() === "private") return undefined;
  const props = world.registryProperties(registry);
  const ip = world.scenario.runner.ip;
  const rules = registry.dataPlaneNetworkRules ?? {
    defaultAction: props.networkRuleSet.defaultAction,
    ipRules: props.networkRuleSet.ipRules.map((r) => r.value),
  };
  const allowed =
    props.publicNetworkAccess !== "Disabled" &&
    (rules.defaultAction === "Allow" || rules.ipRules.some((rule) => ipInRule(ip, rule)));
  if (allowed) return undefined;
  return acrError(
    403,
    "DENIED",
    `client with IP '${ip}' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.`,
  );
}

function ipInRule(ip: string, rule: string): boolean {
  try {
    const address = ipaddr.parse(ip);
    const [range, bits] = rule.includes("/")
      ? ipaddr.parseCIDR(rule)
      : [ipaddr.parse(rule), address.kind() === "ipv4" ? 32 : 128];
    return address.kind() === range.kind() && address.match(range, bits);
  } catch {
    return false;
  }
}

class DataPlane {
  constructor(
    private readonly world: World,
    private readonly registry: Registry,
    private readonly loginServer: string,
  ) {}

  /** Entra access token → ACR refresh token. */
  exchange(form: URLSearchParams): FakeResponse {
    if (form.get("grant_type") !== "access_token") {
      return acrError(
        400,
        "UNSUPPORTED",
        `grant_type '${form.get("grant_type") ?? ""}' is not supported; use access_token`,
      );
    }
    const claims = this.world.jwt.verify(form.get("access_token") ?? "");
    const audience = audienceKey(claims?.aud);
    const isArm = ARM_AUDIENCES.map(audienceKey).includes(audience);
    const principal =
      typeof claims?.oid === "string" ? this.world.principalByObjectId(claims.oid) : undefined;
    if (!claims || !principal || principal.deleted || (!isArm && audience !== audienceKey(ACR_AUDIENCE))) {
      return acrError(
        401,
        "UNAUTHORIZED",
        "The access token is invalid or was not issued for this registry's audience.",
      );
    }
    if (typeof claims.exp === "number" && claims.exp <= this.world.clock.nowSeconds()) {
      return acrError(401, "UNAUTHORIZED", "The access token has expired.");
    }
    if (
      isArm &&
      this.world.registryProperties(this.registry).policies.azureADAuthenticationAsArmPolicy.status ===
        "disabled"
    ) {
      return acrError(
        401,
        "UNAUTHORIZED",
        "ARM-audience tokens are disabled for this registry (azureADAuthenticationAsArmPolicy). Use a token for https://containerregistry.azure.net.",
      );
    }
    const iat = this.world.clock.nowSeconds();
    const refreshToken = this.world.jwt.mint({
      jti: this.world.newId(),
      sub: principal.objectId,
      nbf: iat,
      exp: iat + REFRESH_TOKEN_SECONDS,
      iat,
      iss: ACR_ISSUER,
      aud: this.loginServer,
      version: "1.0",
      rid: this.world.stableId(this.world.registryId(this.registry)).replace(/-/g, ""),
      grant_type: "refresh_token",
      appid: principal.clientId,
      tenant: this.world.scenario.tenantId,
      permissions: { actions: ["*"], notActions: [] },
      roles: [],
    });
    return { status: 200, body: { refresh_token: refreshToken } };
  }

  /** POST /oauth2/token: refresh_token or password grant. */
  token(form: URLSearchParams): FakeResponse {
    const grantType = form.get("grant_type");
    const grantee =
      grantType === "refresh_token"
        ? this.granteeOfRefreshToken(form.get("refresh_token") ?? "")
        : grantType === "password"
          ? this.granteeOfPassword(form.get("username") ?? "", form.get("password") ?? "")
          : undefined;
    if (!grantee) return acrError(401, "UNAUTHORIZED", AUTH_REQUIRED);
    return this.issueAccessToken(
      grantee,
      form.getAll("scope"),
      grantType === "refresh_token" ? "access_token" : "password",
    );
  }

  /** GET /oauth2/token with Basic auth (admin user, repository-scoped tokens). */
  basicToken(req: FakeRequest): FakeResponse {
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const [username, ...rest] = basic ? Buffer.from(basic, "base64").toString("utf8").split(":") : [];
    const grantee = username ? this.granteeOfPassword(username, rest.join(":")) : undefined;
    if (!grantee) {
      return {
        ...acrError(401, "UNAUTHORIZED", AUTH_REQUIRED),
        headers: { ...DISTRIBUTION_HEADERS, "Www-Authenticate": this.challenge() },
      };
    }
    return this.issueAccessToken(grantee, req.query.getAll("scope"), "password");
  }

  base(req: FakeRequest): FakeResponse {
    if (this.accessOf(req)) return { status: 200, headers: DISTRIBUTION_HEADERS, body: {} };
    return {
      ...acrError(401, "UNAUTHORIZED", AUTH_REQUIRED),
      headers: { ...DISTRIBUTION_HEADERS, "Www-Authenticate": this.challenge() },
    };
  }

  catalog(req: FakeRequest): FakeResponse {
    const denied = this.require(req, { type: "registry", name: "catalog", action: "*" });
    if (denied) return denied;
    let names = (this.registry.repositories ?? []).map((r) => r.name).sort();
    const last = req.query.get("last");
    if (last) names = names.filter((n) => n > last);
    const n = Number(req.query.get("n") ?? 0);
    return {
      status: 200,
      headers: DISTRIBUTION_HEADERS,
      body: { repositories: n > 0 ? names.slice(0, n) : names },
    };
  }

  tags(req: FakeRequest, repository: string): FakeResponse {
    const denied = this.require(req, {
      type: "repository",
      name: repository,
      action: ["pull", "metadata_read"],
    });
    if (denied) return denied;
    const repo = this.repository(repository);
    if (!repo) return nameUnknown(repository);
    return {
      status: 200,
      headers: DISTRIBUTION_HEADERS,
      body: { name: repo.name, tags: repo.tags.map((t) => t.name) },
    };
  }

  manifest(req: FakeRequest, repository: string, reference: string): FakeResponse {
    const denied = this.require(req, { type: "repository", name: repository, action: "pull" });
    if (denied) return denied;
    const repo = this.repository(repository);
    if (!repo) return nameUnknown(repository);
    const found = this.contents(repository).find((c) =>
      reference.startsWith("sha256:") ? c.content.digest === reference : c.tag === reference && c.top,
    );
    if (!found) {
      return acrError(404, "MANIFEST_UNKNOWN", `manifest tagged by "${reference}" is not found`, {
        Tag: reference,
      });
    }
    return contentResponse(found.content);
  }

  blob(req: FakeRequest, repository: string, digest: string): FakeResponse {
    const denied = this.require(req, { type: "repository", name: repository, action: "pull" });
    if (denied) return denied;
    const found =
      this.repository(repository) &&
      this.contents(repository).find((c) => c.blob && c.content.digest === digest);
    if (!found) return acrError(404, "BLOB_UNKNOWN", "blob unknown to registry", digest);
    return contentResponse(found.content);
  }

  private repository(name: string) {
    return (this.registry.repositories ?? []).find((r) => r.name.toLowerCase() === name.toLowerCase());
  }

  private contents(repository: string): { tag: string; top: boolean; blob: boolean; content: Content }[] {
    return (this.repository(repository)?.tags ?? []).flatMap((tag) => {
      const { top, children, blobs } = contentOfTag(repository, tag);
      return [
        { tag: tag.name, top: true, blob: false, content: top },
        ...children.map((content) => ({ tag: tag.name, top: false, blob: false, content })),
        ...blobs.map((content) => ({ tag: tag.name, top: false, blob: true, content })),
      ];
    });
  }

  private granteeOfRefreshToken(token: string): Grantee | undefined {
    const claims = this.world.jwt.verify(token);
    if (
      !claims ||
      claims.iss !== ACR_ISSUER ||
      claims.grant_type !== "refresh_token" ||
      claims.aud !== this.loginServer
    )
      return undefined;
    if (typeof claims.exp !== "number" || claims.exp <= this.world.clock.nowSeconds()) return undefined;
    return typeof claims.sub === "string" ? { kind: "entra", objectId: claims.sub } : undefined;
  }

  private granteeOfPassword(username: string, password: string): Grantee | undefined {
    if (username === NULL_GUID) return this.granteeOfRefreshToken(password);
    const props = this.world.registryProperties(this.registry);
    if (username.toLowerCase() === this.registry.name.toLowerCase()) {
      return props.adminUserEnabled && this.registry.adminPassword && password === this.registry.adminPassword
        ? { kind: "admin" }
        : undefined;
    }
    const token = (this.registry.tokens ?? []).find(
      (t) => t.name === username && (t.status ?? "enabled") === "enabled",
    );
    const valid = token?.passwords?.some(
      (p) =>
        p.value === password && (!p.expiry || this.world.clock.resolve(p.expiry) > this.world.clock.now()),
    );
    if (!token || !valid) return undefined;
    const systemMaps: Record<string, string[]> = {
      _repositories_admin: [
        "repositories/*/content/read",
        "repositories/*/content/write",
        "repositories/*/content/delete",
        "repositories/*/metadata/read",
        "repositories/*/metadata/write",
      ],
      _repositories_pull: ["repositories/*/content/read"],
      _repositories_push: ["repositories/*/content/read", "repositories/*/content/write"],
    };
    const actions =
      this.registry.scopeMaps?.find((m) => m.name === token.scopeMap)?.actions ??
      systemMaps[token.scopeMap] ??
      [];
    return { kind: "token", scopeMapActions: actions };
  }

  private grantedFor(grantee: Grantee, entry: { type: string; name: string }): string[] {
    if (grantee.kind === "admin")
      return entry.type === "registry"
        ? ["*"]
        : ["pull", "push", "delete", "metadata_read", "metadata_write"];
    if (grantee.kind === "token")
      return entry.type === "repository" ? scopeMapActions(grantee.scopeMapActions, entry.name) : [];
    const target =
      entry.type === "registry"
        ? ({ type: "registry", name: "catalog" } as const)
        : ({ type: "repository", name: entry.name } as const);
    return this.world.rbac.dataPlaneActions(
      this.registry,
      this.world.registryId(this.registry),
      grantee.objectId,
      target,
    );
  }

  /** Docker token semantics: 200 with the intersection of requested and granted actions. */
  private issueAccessToken(grantee: Grantee, scopes: string[], grantType: string): FakeResponse {
    const access: AccessEntry[] = scopes
      .flatMap((s) => s.split(" "))
      .map((s) => /^(repository|registry|artifact-repository):([^:]+):(.+)$/.exec(s.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map(([, type, name, actions]) => {
        const requested = actions!.split(",");
        const granted = this.grantedFor(grantee, {
          type: type === "artifact-repository" ? "repository" : type!,
          name: name!,
        });
        return {
          type: type!,
          name: name!,
          actions: requested.includes("*")
            ? granted
            : requested.filter((a) => granted.includes(a) || granted.includes("*")),
        };
      });
    const iat = this.world.clock.nowSeconds();
    const claims: Claims = {
      jti: this.world.newId(),
      sub:
        grantee.kind === "entra" ? grantee.objectId : grantee.kind === "admin" ? this.registry.name : "token",
      nbf: iat,
      exp: iat + ACCESS_TOKEN_SECONDS,
      iat,
      iss: ACR_ISSUER,
      aud: this.loginServer,
      version: "1.0",
      rid: this.world.stableId(this.world.registryId(this.registry)).replace(/-/g, ""),
      access,
      roles: [],
      grant_type: grantType,
    };
    return { status: 200, body: { access_token: this.world.jwt.mint(claims) } };
  }

  /** The access claim of a valid bearer access token for this registry, if any. */
  private accessOf(req: FakeRequest): AccessEntry[] | undefined {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const claims = token ? this.world.jwt.verify(token) : undefined;
    if (
      !claims ||
      claims.iss !== ACR_ISSUER ||
      claims.aud !== this.loginServer ||
      !Array.isArray(claims.access)
    )
      return undefined;
    if (typeof claims.exp !== "number" || claims.exp <= this.world.clock.nowSeconds()) return undefined;
    return claims.access as AccessEntry[];
  }

  private require(
    req: FakeRequest,
    need: { type: string; name: string; action: string | string[] },
  ): FakeResponse | undefined {
    const access = this.accessOf(req);
    const accepted = [need.action].flat();
    const ok = access?.some(
      (a) =>
        a.type === need.type &&
        a.name.toLowerCase() === need.name.toLowerCase() &&
        a.actions.some((x) => accepted.includes(x) || x === "*"),
    );
    if (ok) return undefined;
    const scope = `${need.type}:${need.name}:${accepted[0]}`;
    return {
      ...acrError(401, "UNAUTHORIZED", AUTH_REQUIRED, [
        { Type: need.type, Name: need.name, Action: accepted[0] },
      ]),
      headers: {
        ...DISTRIBUTION_HEADERS,
        "Www-Authenticate": `${this.challenge()},scope="${scope}"${access ? ',error="insufficient_scope"' : hasBearer(req) ? ',error="invalid_token"' : ""}`,
      },
    };
  }

  private challenge(): string {
    return `Bearer realm="https://${this.loginServer}/oauth2/token",service="${this.loginServer}"`;
  }
}

function hasBearer(req: FakeRequest): boolean {
  return /^Bearer\s+\S+$/i.test(req.headers.authorization ?? "");
}

function contentResponse(content: Content): FakeResponse {
  return {
    status: 200,
    headers: {
      ...DISTRIBUTION_HEADERS,
      "Content-Type": content.mediaType,
      "Docker-Content-Digest": content.digest,
    },
    body: content.text,
  };
}

function nameUnknown(repository: string): FakeResponse {
  return acrError(404, "NAME_UNKNOWN", "repository name not known to registry", { name: repository });
}

function acrError(status: number, code: string, message: string, detail?: unknown): FakeResponse {
  return {
    status,
    headers: DISTRIBUTION_HEADERS,
    body: { errors: [{ code, message, ...(detail !== undefined ? { detail } : {}) }] },
  };
}
