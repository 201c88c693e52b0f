/** Time arithmetic shared by the expiry checks (sp-secret-expiry, token-lifetime). */

export type ExpiryVerdict = "expired" | "during-job" | "soon" | "ok";

export interface ExpiryWindow {
  now: Date;
  jobMinutes: number;
  /** Warn when the end falls within this many minutes from now (after the job). */
  warningMinutes: number;
}

export function expiryVerdict(end: Date | undefined, window: ExpiryWindow): ExpiryVerdict {
  if (!end) return "ok";
  const left = minutesUntil(end, window.now);
  if (left <= 0) return "expired";
  if (left < window.jobMinutes) return "during-job";
  if (left < window.warningMinutes) return "soon";
  return "ok";
}

/** Whole minutes from `now` to `end` (negative when past), rounded down: a job fails in the minute it crosses. */
export function minutesUntil(end: Date, now: Date): number {
  return Math.floor((end.getTime() - now.getTime()) / 60_000);
}

export function isoMinute(date: Date): string {
  return `${date.toISOString().slice(0, 16)}Z`;
}

/** "2026-11-24T11:30Z (after 90 min of the job)" / "(expired 3 days ago)" / "(in 12 days)". */
export function describeEnd(end: Date, now: Date): string {
  const minutes = minutesUntil(end, now);
  return `${isoMinute(end)} (${relative(minutes)})`;
}

function relative(minutes: number): string {
  if (minutes <= 0) return `expired ${span(-minutes)} ago`;
  if (minutes < 24 * 60) return `after ${minutes} min of the job`;
  return `in ${span(minutes)}`;
}

function span(minutes: number): string {
  if (minutes < 120) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / (24 * 60))} days`;
}

export function daysLeft(end: Date, now: Date): number {
  return Math.floor((end.getTime() - now.getTime()) / 86_400_000);
}

/** YYYY-MM-DD of `now`, for display names of rotated credentials (`ci-2026-11-24`). */
export function dayStamp(now: Date): string {
  return now.toISOString().slice(0, 10);
}
