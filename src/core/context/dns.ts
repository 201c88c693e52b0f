import { keyedRegistryFact } from "./scope.js";

export type DnsAnswer =
  | { host: string; resolved: true; addresses: string[] }
  | { host: string; resolved: false; code: string; message: string; notFound: boolean };

/** getaddrinfo codes meaning "no such name" rather than "could not ask". */
const NOT_FOUND_CODES = new Set(["ENOTFOUND", "ENODATA", "ENONAME"]);

/** What the runner's resolver answers for a host (login server, data endpoints), asked once per run. */
export const dnsFact = keyedRegistryFact(
  "dns",
  (host: string) => host.toLowerCase(),
  async (ctx, host): Promise<DnsAnswer> => {
    try {
      return { host, resolved: true, addresses: await ctx.deps.network.lookup(host) };
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      const code = err.code ?? "ERROR";
      return { host, resolved: false, code, message: err.message, notFound: NOT_FOUND_CODES.has(code) };
    }
  },
);
