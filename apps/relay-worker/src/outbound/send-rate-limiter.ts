import { Inject, Injectable } from '@nestjs/common';
import { CONNECTIONS_OPTIONS, CONNECTIONS_REDIS, ConnectionsOptions } from '@app/connections';
import { Metrics } from '@app/platform';
import { DeferJobError } from '@app/queues';
import type { Redis } from 'ioredis';
import { RelayWorkerEnv } from '../config/relay-worker.env';

/**
 * Keeps each Instagram account's sends within Meta's per-account limit, across every worker: a
 * counter per account per second in Redis. Over the limit, the job waits for the next second
 * (a deferral, not a failure); other accounts are not slowed.
 */
@Injectable()
export class SendRateLimiter {
  constructor(
    @Inject(CONNECTIONS_REDIS) private readonly redis: Redis,
    @Inject(CONNECTIONS_OPTIONS) private readonly options: ConnectionsOptions,
    private readonly metrics: Metrics,
    private readonly env: RelayWorkerEnv,
  ) {}

  async take(instagramAccountId: string, now = Date.now()): Promise<void> {
    const second = Math.floor(now / 1000);
    const key = `${this.options.redisPrefix}:rate:${instagramAccountId}:${second}`;
    const [[, count]] = ((await this.redis.multi().incr(key).pexpire(key, 2_000).exec()) ?? []) as [
      [unknown, number],
    ];
    if (count > this.env.OUTBOUND_SENDS_PER_SECOND) {
      this.metrics.rateLimitWaits.inc({ platform: 'meta-own-limit' });
      throw new DeferJobError(
        (second + 1) * 1000 - now + Math.floor(Math.random() * 50),
        'the account is at its send rate limit',
      );
    }
  }
}
