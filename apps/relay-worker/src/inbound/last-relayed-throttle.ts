import { Injectable } from '@nestjs/common';

/** The settings page shows "last message relayed" to the minute. */
const INTERVAL_MS = 60_000;

/**
 * Decides in memory when an account's "last message relayed" time is worth writing: at most once
 * a minute per account and process, so a busy account costs no query per message (the database
 * still drops writes less than 30 s apart, across processes).
 */
@Injectable()
export class LastRelayedThrottle {
  private readonly written = new Map<string, number>();

  /** True, and remembered, when the account's time is due for a write. */
  take(accountId: string, now = Date.now()): boolean {
    const last = this.written.get(accountId);
    if (last !== undefined && now - last < INTERVAL_MS) {
      return false;
    }
    if (this.written.size > 10_000) {
      this.written.clear();
    }
    this.written.set(accountId, now);
    return true;
  }
}
