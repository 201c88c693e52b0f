/**
 * The fake's clock. Relative scenario dates ("now", "now+90d", "now-2h", "now+45m") are resolved
 * once against the start time, so a scenario means the same thing for the whole test; `now()`
 * keeps ticking from that start so issued tokens age like real ones.
 */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export class Clock {
  private readonly startedAt = performance.now();

  constructor(readonly start: Date) {}

  now(): Date {
    return new Date(this.start.getTime() + (performance.now() - this.startedAt));
  }

  nowSeconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  resolve(value: string): Date {
    const relative = /^now(?:\s*([+-])\s*(\d+(?:\.\d+)?)\s*([smhdw]))?$/i.exec(value.trim());
    if (relative) {
      const [, sign, amount, unit] = relative;
      const offset = sign ? Number(amount) * UNIT_MS[unit!.toLowerCase()]! * (sign === "-" ? -1 : 1) : 0;
      return new Date(this.start.getTime() + offset);
    }
    const absolute = new Date(value);
    if (Number.isNaN(absolute.getTime()))
      throw new Error(`fake-azure: '${value}' is not a date or 'now±N[smhdw]'`);
    return absolute;
  }

  /** ISO 8601 in the form Azure writes (`2026-11-24T10:00:00Z`). */
  iso(value: string): string {
    return this.resolve(value)
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z");
  }
}
