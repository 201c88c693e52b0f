import type { AccessToken } from "@azure/core-auth";
import { decodeJwtClaims } from "../azure/jwt.js";
import { SkipCheck } from "../checks/check.js";
import { armScope } from "../config/clouds.js";
import type { PrincipalInfo } from "../report/types.js";
import type { RunContext } from "./scope.js";
import { runFact } from "./scope.js";

export interface EntraToken {
  token: string;
  expiresOn: Date;
  scope: string;
  claims: Record<string, unknown>;
}

export type EntraTokenAttempt =
  { ok: true; value: EntraToken; ms: number } | { ok: false; error: unknown; ms: number };

async function attempt(ctx: RunContext, scope: string): Promise<EntraTokenAttempt> {
  const started = performance.now();
  try {
    const token: AccessToken | null = await ctx.deps.credential.getToken(scope);
    if (!token) throw new Error(`the credential returned no token for ${scope}`);
    const value = {
      token: token.token,
      expiresOn: new Date(token.expiresOnTimestamp),
      scope,
      claims: decodeJwtClaims(token.token) ?? {},
    };
    return { ok: true, value, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, error, ms: Math.round(performance.now() - started) };
  }
}

/** The ARM-audience token attempt; the `credential` check explains a failure. */
export const armTokenAttemptFact = runFact("entra-token:arm", (ctx) =>
  attempt(ctx, armScope(ctx.config.cloud)),
);

/** An ACR-audience token attempt (needed when the registry refuses ARM-audience tokens). */
export const acrTokenAttemptFact = runFact("entra-token:acr", (ctx) =>
  attempt(ctx, ctx.config.cloud.acrScope),
);

function required(attemptValue: EntraTokenAttempt): EntraToken {
  if (attemptValue.ok) return attemptValue.value;
  throw new SkipCheck(
    "prerequisite",
    "No Entra token could be obtained for the identity (see the `credential` check).",
  );
}

export const armTokenFact = runFact("entra-token:arm:required", async (ctx) =>
  required(await ctx.get(armTokenAttemptFact)),
);

/** Who the token says the identity is. */
export const principalFact = runFact("principal", async (ctx): Promise<PrincipalInfo> => {
  return principalFromClaims((await ctx.get(armTokenFact)).claims);
});

export function principalFromClaims(claims: Record<string, unknown>): PrincipalInfo {
  const str = (key: string) => (typeof claims[key] === "string" ? (claims[key] as string) : undefined);
  const type: PrincipalInfo["type"] = str("xms_mirid")
    ? "ManagedIdentity"
    : str("idtyp") === "app" || (!str("upn") && !str("unique_name") && str("idtyp") !== "user")
      ? "ServicePrincipal"
      : "User";
  return {
    ...(str("oid") ? { objectId: str("oid") } : {}),
    ...(str("appid") || str("azp") ? { appId: str("appid") ?? str("azp") } : {}),
    ...(str("tid") ? { tenantId: str("tid") } : {}),
    type,
  };
}
