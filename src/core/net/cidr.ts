import ipaddr from "ipaddr.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;
export type Cidr = [Address, number];

/** A firewall rule or service-tag prefix: `a.b.c.d/n`, or a bare address meaning that one host. */
export function parseCidr(value: string): Cidr | undefined {
  try {
    if (value.includes("/")) return ipaddr.parseCIDR(value.trim());
    const address = ipaddr.process(value.trim());
    return [address, address.kind() === "ipv4" ? 32 : 128];
  } catch {
    return undefined;
  }
}

export function isIpv4Cidr(value: string): boolean {
  return parseCidr(value)?.[0].kind() === "ipv4";
}

export function cidrContainsIp(cidr: string, ip: string): boolean {
  const range = parseCidr(cidr);
  const address = ipaddr.isValid(ip) ? ipaddr.process(ip) : undefined;
  return Boolean(range && address && address.kind() === range[0].kind() && address.match(range));
}

/** Whether every address of `inner` lies in `outer`. */
export function cidrWithin(inner: string, outer: string): boolean {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  return Boolean(a && b && a[0].kind() === b[0].kind() && a[1] >= b[1] && a[0].match(b));
}

/** Same network and length, however it was written (`1.2.3.4` equals `1.2.3.4/32`). */
export function sameCidr(x: string, y: string): boolean {
  return cidrWithin(x, y) && cidrWithin(y, x);
}

/** ipaddr.js range name: `unicast` is a public address; `private`, `loopback`, `carrierGradeNat`… are not. */
export function addressRange(ip: string): string {
  return ipaddr.isValid(ip) ? ipaddr.process(ip).range() : "invalid";
}

export function isPublicAddress(ip: string): boolean {
  return addressRange(ip) === "unicast";
}
