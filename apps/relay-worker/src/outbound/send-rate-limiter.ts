import { Inject, Injectable } from '@nestjs/common';
import { CREDENTIALS_OPTIONS, CREDENTIALS_REDIS, CredentialsOptions } from '@app/credentials';
import { Metrics } from '@app/platform';
import { DeferJobError, redisKeys } from '@app/queues';
import type { Redis } from 'ioredis';
import { RelayWorkerEnv } from '../config/relay-worker.env';

/** Meta limits audio and video sends lower than the rest (10/s against 100–300/s). */
export type SendKind = 'standard' | 'audio-video';

/**
 * Keeps each Instagram account's sends within Meta's per-account limits, across every worker: a
 * counter per account per second in Redis (and one for audio and video, which Meta limits lower).
 * Over a limit, the job waits for the next second (a deferral, not a failure); other accounts,
 * and an account's text while its videos wait, are not slowed.
 */
@Injectable()
export class SendRateLimiter {
  constructor(
    @Inject(CREDENTIALS_REDIS) private readonly redis: Redis,
    @Inject(CREDENTIALS_OPTIONS) private readonly options: CredentialsOptions,
    private readonly metrics: Metrics,
    private readonly env: RelayWorkerEnv,
  ) {}

  /**
   * Takes one send. `mark` (a key and its lifetime) is set in the same round trip as the count,
   * for a send that goes ahead; when the send is deferred instead, it is removed again.
   */
  async take(
    instagramAccountId: string,
    kind: SendKind = 'standard',
    now = Date.now(),
    mark?: { key: string; ttlMs: number },
  ): Promise<void> {
    const second = Math.floor(now / 1000);
    const base = redisKeys.sendRate(this.options.redisPrefix, instagramAccountId);
    if (kind === 'audio-video') {
      // Checked first: a video turned away here has not used up a standard send.
      await this.count(
        `${base}:av:${second}`,
        this.env.OUTBOUND_MEDIA_SENDS_PER_SECOND,
        second,
        now,
      );
    }
    await this.count(`${base}:${second}`, this.env.OUTBOUND_SENDS_PER_SECOND, second, now, mark);
  }

  private async count(
    key: string,
    limit: number,
    second: number,
    now: number,
    mark?: { key: string; ttlMs: number },
  ): Promise<void> {
    const multi = this.redis.multi().incr(key).pexpire(key, 2_000);
    if (mark) {
      multi.set(mark.key, '1', 'PX', mark.ttlMs);
    }
    const [[, count]] = ((await multi.exec()) ?? []) as [[unknown, number]];
    if (count > limit) {
      if (mark) {
        await this.redis.del(mark.key);
      }
      this.metrics.rateLimitWaits.inc({ platform: 'meta-own-limit' });
      throw new DeferJobError(
        (second + 1) * 1000 - now + Math.floor(Math.random() * 50),
        'the account is at its send rate limit',
      );
    }
  }
}
