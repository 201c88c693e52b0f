import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export type Claims = Record<string, unknown>;

/**
 * Mints well-formed JWTs (HS256 with a key that never leaves this process). The tool only decodes
 * tokens; the fake verifies its own signature so a token it did not issue is refused like Azure would.
 */
export class JwtMinter {
  private readonly key = randomBytes(32);
  /** Every token minted, for leak checks. */
  readonly minted: string[] = [];

  mint(claims: Claims, header: Record<string, unknown> = {}): string {
    const head = encode({ typ: "JWT", alg: "HS256", ...header });
    const body = encode(claims);
    const token = `${head}.${body}.${this.sign(`${head}.${body}`)}`;
    this.minted.push(token);
    return token;
  }

  /** The claims of a token this minter issued, or undefined (forged, altered or foreign). */
  verify(token: string): Claims | undefined {
    const [head, body, signature] = token.split(".");
    if (!head || !body || !signature) return undefined;
    const expected = Buffer.from(this.sign(`${head}.${body}`));
    const actual = Buffer.from(signature);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
    return decodeJwt(token)?.claims;
  }

  private sign(input: string): string {
    return createHmac("sha256", this.key).update(input).digest("base64url");
  }
}

/** Header and claims of any JWT, without verification (client assertions signed by the caller). */
export function decodeJwt(token: string): { header: Claims; claims: Claims } | undefined {
  const [head, body] = token.split(".");
  if (!head || !body) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(head, "base64url").toString("utf8"));
    const claims: unknown = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    if (!isObject(header) || !isObject(claims)) return undefined;
    return { header, claims };
  } catch {
    return undefined;
  }
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function isObject(value: unknown): value is Claims {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
