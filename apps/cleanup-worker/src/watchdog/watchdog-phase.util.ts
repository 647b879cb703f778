import { createHash } from 'node:crypto';

/**
 * Where in each period an account is checked: a stable offset from a hash of its id, so the checks
 * of many accounts spread evenly over the period instead of firing together.
 */
export function phaseOf(id: string, periodMs: number): number {
  const head = createHash('sha256').update(id).digest().readUInt32BE(0);
  return head % periodMs;
}

/** The account's next slot strictly after `now`: `phase + k × period` for the smallest such k. */
export function nextSlot(id: string, now: number, periodMs: number): number {
  const phase = phaseOf(id, periodMs);
  return phase + (Math.floor((now - phase) / periodMs) + 1) * periodMs;
}

/** How often the tick claims due accounts: a tenth of the period, between 1 s and 30 s. */
export function tickMsFor(periodMs: number): number {
  return Math.min(30_000, Math.max(1_000, Math.round(periodMs / 10)));
}
