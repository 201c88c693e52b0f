/**
 * Durations and sizes as users write them. Durations take days, hours and minutes in any
 * combination (`45m`, `2h`, `1h30m`, `30d`, `1d12h`); a bare number or seconds are refused, because
 * "90" is ambiguous and no job budget is measured in seconds. Sizes take plain bytes, decimal
 * units (`500MB` = 500 × 1000²) and binary units (`2GiB` = 2 × 1024³), case-insensitive.
 */

const MINUTES_PER_UNIT: Record<string, number> = { d: 24 * 60, h: 60, m: 1 };

/** Minutes in a duration like `1h30m`, or undefined when it is not one. */
export function parseDurationMinutes(text: string): number | undefined {
  const compact = text.replace(/\s+/g, "").toLowerCase();
  if (!/^(\d+[dhm])+$/.test(compact)) return undefined;
  let minutes = 0;
  let lastUnitRank = Infinity;
  for (const [, amount, unit] of compact.matchAll(/(\d+)([dhm])/g)) {
    const perUnit = MINUTES_PER_UNIT[unit as string] as number;
    // `30m1h` or `1h1h` is a typo, not a duration.
    if (perUnit >= lastUnitRank) return undefined;
    lastUnitRank = perUnit;
    minutes += Number(amount) * perUnit;
  }
  return minutes;
}

/** `90m` → `1h30m`, for messages. */
export function formatMinutes(minutes: number): string {
  const days = Math.floor(minutes / MINUTES_PER_UNIT.d!);
  const hours = Math.floor((minutes % MINUTES_PER_UNIT.d!) / 60);
  const rest = minutes % 60;
  const parts = [days ? `${days}d` : "", hours ? `${hours}h` : "", rest ? `${rest}m` : ""].join("");
  return parts || "0m";
}

const BYTES_PER_UNIT: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Bytes in a size like `2GiB`, `500MB`, `1.5GB` or `1048576`, or undefined when it is not one. */
export function parseSizeBytes(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!match) return undefined;
  const perUnit = BYTES_PER_UNIT[(match[2] || "b").toLowerCase()];
  if (perUnit === undefined) return undefined;
  const bytes = Number(match[1]) * perUnit;
  return Number.isSafeInteger(Math.round(bytes)) ? Math.round(bytes) : undefined;
}
