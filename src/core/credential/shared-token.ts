import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";

/** A token this close to its expiry is fetched anew. */
const EXPIRY_MARGIN_MS = 2 * 60_000;

interface SharedToken {
  token: Promise<AccessToken | null>;
  expiresAt: number;
}

/**
 * One Entra token per scope for the whole run, however many facts and HTTP pipelines ask, in any
 * order: concurrent callers share one request. The Azure SDK's bearer policy asks with
 * `enableCae`, which @azure/identity serves from a second MSAL cache (and `az`-session credentials
 * do not cache at all), so without this each scope was signed in twice — a whole round trip before
 * the first ARM call. Every shared token is an ordinary (non-CAE) one, whoever asked first; a CAE
 * claims challenge still goes straight to the credential. Every token is handed to `mask` the
 * moment it arrives, whichever pipeline asked for it.
 */
export function sharedTokenCredential(
  credential: TokenCredential,
  mask: (secret: string) => void,
): TokenCredential {
  const masked = async (token: Promise<AccessToken | null>) => {
    const value = await token;
    if (value) mask(value.token);
    return value;
  };
  const shared = new Map<string, SharedToken>();
  return {
    getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken | null> {
      if (options.claims) return masked(credential.getToken(scopes, options));
      const key = JSON.stringify([[scopes].flat().sort(), options.tenantId ?? ""]);
      const existing = shared.get(key);
      if (existing && Date.now() < existing.expiresAt - EXPIRY_MARGIN_MS) return existing.token;
      const entry: SharedToken = {
        token: masked(credential.getToken(scopes, options.tenantId ? { tenantId: options.tenantId } : {})),
        expiresAt: Infinity,
      };
      shared.set(key, entry);
      const forget = () => shared.get(key) === entry && shared.delete(key);
      entry.token.then((token) => (token ? (entry.expiresAt = token.expiresOnTimestamp) : forget()), forget);
      return entry.token;
    },
  };
}
