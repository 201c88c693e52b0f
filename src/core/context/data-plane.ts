import { AzureHttpError, errorOf } from "../azure/http.js";
import { decodeJwtClaims, jwtExpiry } from "../azure/jwt.js";
import { SkipCheck } from "../checks/check.js";
import { acrTokenAttemptFact, armTokenFact } from "./entra-token.js";
import { loginServerFact } from "./registry-lookup.js";
import type { RegistryContext } from "./scope.js";
import { keyedRegistryFact, registryFact } from "./scope.js";

/** What `GET https://<login server>/v2/` answered without credentials (acr-facts §1.4, §2.1). */
export type Challenge =
  | {
      answered: true;
      status: number;
      /** 401 + Bearer realm: reachable, asks for auth (the healthy answer). */
      bearer?: { realm: string; service: string };
      /** Set when the firewall refused us: the IP it saw (`client with IP '…' is not allowed access`). */
      blockedIp?: string;
      errorCode?: string;
      message?: string;
    }
  | { answered: false; error: string; code?: string };

export const challengeFact = registryFact("challenge", async (ctx): Promise<Challenge> =>
  fetchChallenge(ctx, await ctx.get(loginServerFact)),
);

/** `GET https://<host>/v2/` without credentials: login server, data and regional endpoints alike. */
export async function fetchChallenge(ctx: RegistryContext, host: string): Promise<Challenge> {
  try {
    const res = await ctx.apis.plain.send("GET", `https://${host}/v2/`);
    const { code, message } = errorOf(res.text);
    const bearer = parseBearerChallenge(res.headers["www-authenticate"]);
    const blockedIp = /client with IP '([^']+)' is not allowed/i.exec(message ?? res.text)?.[1];
    return {
      answered: true,
      status: res.status,
      ...(bearer ? { bearer } : {}),
      ...(blockedIp ? { blockedIp } : {}),
      ...(code ? { errorCode: code } : {}),
      ...(message ? { message } : {}),
    };
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    return { answered: false, error: err.message, ...(err.code ? { code: err.code } : {}) };
  }
}

export function parseBearerChallenge(
  header: string | undefined,
): { realm: string; service: string } | undefined {
  if (!header || !/^Bearer\s/i.test(header)) return undefined;
  const param = (name: string) => new RegExp(`${name}="([^"]*)"`, "i").exec(header)?.[1];
  const realm = param("realm");
  return realm ? { realm, service: param("service") ?? "" } : undefined;
}

export interface RefusedExchange {
  audience: "arm" | "acr";
  status: number;
  code?: string;
  message: string;
}

/** Result of trading the Entra token for an ACR refresh token (`/oauth2/exchange`). */
export type RefreshTokenExchange =
  | {
      ok: true;
      refreshToken: string;
      expiresOn?: Date;
      audience: "arm" | "acr";
      /** The ARM-audience attempt the registry refused before the ACR audience worked. */
      refusedArm?: RefusedExchange;
    }
  | { ok: false; attempts: RefusedExchange[] };

export const refreshTokenFact = registryFact(
  "acr-refresh-token",
  async (ctx): Promise<RefreshTokenExchange> => {
    const arm = await ctx.get(armTokenFact);
    const first = await exchange(ctx, arm.token, "arm");
    if ("refreshToken" in first) return first;
    if (first.status !== 401) return { ok: false, attempts: [first] };
    // The registry may refuse ARM-audience tokens by policy (azureADAuthenticationAsArmPolicy): retry with the ACR audience.
    const acr = await ctx.get(acrTokenAttemptFact);
    if (!acr.ok) return { ok: false, attempts: [first] };
    const second = await exchange(ctx, acr.value.token, "acr");
    if ("refreshToken" in second) return { ...second, refusedArm: first };
    return { ok: false, attempts: [first, second] };
  },
);

async function exchange(
  ctx: RegistryContext,
  entraToken: string,
  audience: "arm" | "acr",
): Promise<Extract<RefreshTokenExchange, { ok: true }> | RefusedExchange> {
  const loginServer = await ctx.get(loginServerFact);
  const tenant = (await ctx.get(armTokenFact)).claims.tid;
  const res = await ctx.apis.plain.send("POST", `https://${loginServer}/oauth2/exchange`, {
    form: {
      grant_type: "access_token",
      service: loginServer,
      ...(typeof tenant === "string" ? { tenant } : {}),
      access_token: entraToken,
    },
  });
  if (res.status === 200) {
    const refreshToken = (JSON.parse(res.text) as { refresh_token?: string }).refresh_token;
    if (refreshToken) {
      ctx.deps.mask(refreshToken);
      const expiresOn = jwtExpiry(refreshToken);
      return { ok: true, refreshToken, audience, ...(expiresOn ? { expiresOn } : {}) };
    }
  }
  const { code, message } = errorOf(res.text);
  return {
    audience,
    status: res.status,
    ...(code ? { code } : {}),
    message: message ?? res.text.slice(0, 300),
  };
}

export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

export type AccessTokenExchange =
  | { ok: true; accessToken: string; access: AccessEntry[]; expiresOn?: Date; scopes: string[] }
  | { ok: false; status: number; code?: string; message: string; scopes: string[] };

/**
 * A scoped ACR access token (`/oauth2/token`) and the `access` claim it carries. The registry
 * answers 200 with the intersection of what was asked and what is granted, so callers must read
 * `access`, never just the status.
 */
export const accessTokenFact = keyedRegistryFact(
  "acr-access-token",
  (scopes: string[]) => [...scopes].sort().join(" "),
  async (ctx, scopes): Promise<AccessTokenExchange> => {
    const refresh = await ctx.get(refreshTokenFact);
    if (!refresh.ok) {
      throw new SkipCheck(
        "prerequisite",
        "The registry gave no refresh token for this identity (see `data-plane-access`).",
      );
    }
    const loginServer = await ctx.get(loginServerFact);
    const res = await ctx.apis.plain.send("POST", `https://${loginServer}/oauth2/token`, {
      form: {
        grant_type: "refresh_token",
        service: loginServer,
        scope: scopes,
        refresh_token: refresh.refreshToken,
      },
    });
    if (res.status !== 200) {
      const { code, message } = errorOf(res.text);
      return {
        ok: false,
        status: res.status,
        ...(code ? { code } : {}),
        message: message ?? res.text.slice(0, 300),
        scopes,
      };
    }
    const accessToken = (JSON.parse(res.text) as { access_token?: string }).access_token;
    if (!accessToken)
      throw new AzureHttpError(
        res.status,
        undefined,
        "no access_token in the answer",
        `https://${loginServer}/oauth2/token`,
      );
    ctx.deps.mask(accessToken);
    const access = (decodeJwtClaims(accessToken)?.access as AccessEntry[] | undefined) ?? [];
    const expiresOn = jwtExpiry(accessToken);
    return { ok: true, accessToken, access, scopes, ...(expiresOn ? { expiresOn } : {}) };
  },
);

/** Actions the token grants on one resource (`repository`/`registry`) name. */
export function grantedActions(access: AccessEntry[], type: string, name: string): string[] {
  return access
    .filter((a) => a.type === type && a.name.toLowerCase() === name.toLowerCase())
    .flatMap((a) => a.actions);
}
