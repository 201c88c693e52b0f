import type { CredentialInfo } from "../credential/types.js";
import type { GraphApplication } from "./graph-application.js";

/** A client secret or certificate of the app registration, as the checks judge it. */
export interface AppCredential {
  kind: "secret" | "certificate";
  keyId: string;
  displayName?: string;
  /** undefined: Graph gives no end date (it never expires). */
  endDateTime?: Date;
  hint?: string;
  /** SHA-1, hex upper case. */
  thumbprint?: string;
}

/**
 * Which of the app's credentials the job presents: told apart by the secret's `hint` or the
 * certificate's thumbprint; `ambiguous` keeps only the match that expires first, `unidentified`
 * keeps every candidate.
 */
export interface CredentialsInUse {
  match: "hint" | "thumbprint" | "ambiguous" | "unidentified";
  judged: AppCredential[];
  /** Every credential that matched (ambiguous) or could be the one (unidentified). */
  candidates: AppCredential[];
}

export function appCredentials(app: GraphApplication): AppCredential[] {
  const secrets = (app.passwordCredentials ?? []).map((p): AppCredential => ({
    kind: "secret",
    keyId: p.keyId,
    ...(p.displayName ? { displayName: p.displayName } : {}),
    ...(p.endDateTime ? { endDateTime: new Date(p.endDateTime) } : {}),
    ...(p.hint ? { hint: p.hint } : {}),
  }));
  const certificates = (app.keyCredentials ?? [])
    .filter((k) => !k.usage || k.usage.toLowerCase() === "verify")
    .map((k): AppCredential => {
      const thumbprint = thumbprintOf(k.customKeyIdentifier);
      return {
        kind: "certificate",
        keyId: k.keyId,
        ...(k.displayName ? { displayName: k.displayName } : {}),
        ...(k.endDateTime ? { endDateTime: new Date(k.endDateTime) } : {}),
        ...(thumbprint ? { thumbprint } : {}),
      };
    });
  return [...secrets, ...certificates];
}

export function credentialsInUse(app: GraphApplication, info: CredentialInfo): CredentialsInUse {
  const all = appCredentials(app);
  const byHint = info.secretHint
    ? all.filter((c) => c.kind === "secret" && c.hint === info.secretHint!.slice(0, 3))
    : undefined;
  const wanted = info.certificateThumbprint?.replace(/[^0-9a-f]/gi, "").toUpperCase();
  const byThumbprint = wanted ? all.filter((c) => c.thumbprint === wanted) : undefined;
  const matches = byHint ?? byThumbprint;
  if (!matches || matches.length === 0) {
    const kinds = info.secretHint ? ["secret"] : wanted ? ["certificate"] : ["secret", "certificate"];
    const candidates = all.filter((c) => kinds.includes(c.kind));
    return { match: "unidentified", judged: candidates, candidates };
  }
  if (matches.length === 1)
    return { match: byHint ? "hint" : "thumbprint", judged: matches, candidates: matches };
  return { match: "ambiguous", judged: [expiringFirst(matches)], candidates: matches };
}

function expiringFirst(credentials: AppCredential[]): AppCredential {
  const end = (c: AppCredential) => c.endDateTime?.getTime() ?? Number.POSITIVE_INFINITY;
  return credentials.reduce((first, c) => (end(c) < end(first) ? c : first));
}

/**
 * Graph returns `customKeyIdentifier` as base64 of the thumbprint bytes (Edm.Binary); some tools
 * show it as hex. Both normalise to upper-case hex.
 */
export function thumbprintOf(customKeyIdentifier: string | null | undefined): string | undefined {
  if (!customKeyIdentifier) return undefined;
  if (/^[0-9a-f]{40}$/i.test(customKeyIdentifier)) return customKeyIdentifier.toUpperCase();
  const bytes = Buffer.from(customKeyIdentifier, "base64");
  return bytes.length === 20 ? bytes.toString("hex").toUpperCase() : undefined;
}

export function describeCredential(c: AppCredential): string {
  const name = c.displayName ? `'${c.displayName}' ` : "";
  return `${c.kind === "secret" ? "client secret" : "certificate"} ${name}(keyId ${c.keyId})`;
}
