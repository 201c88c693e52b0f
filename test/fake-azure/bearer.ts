import type { Claims } from "./jwt.js";
import { audienceKey, type World } from "./world.js";

export type BearerCheck =
  | { ok: true; claims: Claims; objectId: string }
  | {
      ok: false;
      reason: "missing" | "invalid" | "audience" | "expired";
      audience?: string;
      expiredAt?: Date;
    };

/** Validates an Entra access token the fake issued, for one of the given audiences. */
export function checkBearer(
  world: World,
  authorization: string | undefined,
  audiences: string[],
): BearerCheck {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
  if (!token) return { ok: false, reason: "missing" };
  const claims = world.jwt.verify(token);
  if (!claims || typeof claims.oid !== "string") return { ok: false, reason: "invalid" };
  if (!audiences.map(audienceKey).includes(audienceKey(claims.aud))) {
    return { ok: false, reason: "audience", audience: String(claims.aud) };
  }
  if (typeof claims.exp === "number" && claims.exp <= world.clock.nowSeconds()) {
    return { ok: false, reason: "expired", expiredAt: new Date(claims.exp * 1000) };
  }
  return { ok: true, claims, objectId: claims.oid };
}
