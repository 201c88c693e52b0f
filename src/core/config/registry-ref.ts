import { closest } from "./closest.js";
import { ALL_ACR_SUFFIXES, type CloudEndpoints } from "./clouds.js";
import { InputError } from "./input-error.js";
import type { RegistryRef, RegistryTypo } from "./types.js";

export const REGISTRY_ACCEPTED =
  "a registry name (5-50 letters and digits) or its login server, e.g. myreg or myreg.azurecr.io";

const REGISTRY_NAME = /^[a-z0-9]{5,50}$/;
/** A login server with a domain-name-label hash: `<name>-<hash>.azurecr.io`. */
const NAME_WITH_LABEL_HASH = /^([a-z0-9]{5,50})-[a-z0-9]+$/;

/**
 * Reads one `registry` entry. How it was written (scheme, port, path, upper case, a misspelt or
 * other cloud's suffix) is kept as typos for the `registry` check to explain; only a value that
 * cannot name a registry at all is an InputError.
 */
export function parseRegistryRef(input: string, cloud: CloudEndpoints): RegistryRef {
  const notARegistry = (what: string) => InputError.invalid("registry", input, what, REGISTRY_ACCEPTED);
  const typos: RegistryTypo[] = [];
  let host = input.trim();
  if (!host || /\s/.test(host)) throw notARegistry("a registry name");

  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(host);
  if (scheme) {
    typos.push({ kind: "scheme", found: scheme[0] });
    host = host.slice(scheme[0].length);
  }
  const slash = host.indexOf("/");
  if (slash >= 0) {
    typos.push({ kind: "path", found: host.slice(slash) });
    host = host.slice(0, slash);
  }
  const port = /:\d+$/.exec(host);
  if (port) {
    typos.push({ kind: "port", found: port[0] });
    host = host.slice(0, port.index);
  }
  if (!/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?$/.test(host)) throw notARegistry("a registry name");
  if (host !== host.toLowerCase()) {
    typos.push({ kind: "uppercase", found: host });
    host = host.toLowerCase();
  }

  const [firstLabel = "", ...labels] = host.split(".");
  if (labels.length === 0) {
    if (!REGISTRY_NAME.test(firstLabel)) throw notARegistry("a registry name");
    return { input, name: firstLabel, typos };
  }
  const name = REGISTRY_NAME.test(firstLabel) ? firstLabel : NAME_WITH_LABEL_HASH.exec(firstLabel)?.[1];
  if (!name) throw notARegistry("a registry name");

  const suffix = labels.join(".");
  const suffixTypo = classifySuffix(suffix, cloud.acrSuffix);
  if (suffixTypo === "foreign") throw notARegistry("an Azure Container Registry login server");
  if (suffixTypo) typos.push(suffixTypo);
  return { input, name, loginServer: host.replace(/\.$/, ""), typos };
}

function classifySuffix(suffix: string, expected: string): RegistryTypo | "foreign" | undefined {
  if (suffix === expected) return undefined;
  if (ALL_ACR_SUFFIXES.includes(suffix)) return { kind: "other-cloud-suffix", found: suffix, expected };
  const looksLikeAcr =
    suffix.includes("acr") ||
    ALL_ACR_SUFFIXES.some((s) => suffix.endsWith(`.${s}`) || suffix === `${s}.`) ||
    closest(suffix, ALL_ACR_SUFFIXES, 3) !== undefined;
  return looksLikeAcr ? { kind: "misspelt-suffix", found: suffix, expected } : "foreign";
}
