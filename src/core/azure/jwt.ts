/** Decodes a JWT's claims without verifying it: we only read what a token says about itself. */
export function decodeJwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return claims && typeof claims === "object" ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `exp` of a JWT as a Date, if present. */
export function jwtExpiry(token: string): Date | undefined {
  const exp = decodeJwtClaims(token)?.exp;
  return typeof exp === "number" ? new Date(exp * 1000) : undefined;
}
