/** Check ids are fixed by the SPEC (§4). */
export const CHECK_IDS = [
  "credential",
  "registry",
  "sp-secret-expiry",
  "token-lifetime",
  "reachability",
  "network-rules",
  "service-tags",
  "role-scope",
  "data-plane-access",
  "storage-headroom",
  "admin-user",
  "sku-limits",
  "replication-health",
  "images",
  "repository-token",
  "policy-compliance",
  "registry-policies",
  "aks-pull",
  "docker-config",
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

export function isCheckId(value: string): value is CheckId {
  return (CHECK_IDS as readonly string[]).includes(value);
}
