import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { CREDENTIALS_REDIS } from '@app/credentials';
import Redis from 'ioredis';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { redisKeys } from '@app/queues';
import { GatewayEnv } from '../config/gateway.env';

/** A signed_request issued this far in the future (clock skew) is still accepted. */
export const SIGNED_REQUEST_FUTURE_SKEW_SECONDS = 300;

const PENDING = '\u0000pending';
const ANSWER_WAIT_MS = 5_000;
const ANSWER_POLL_MS = 100;

export type Freshness = { ok: true } | { ok: false; reason: 'missing-issued-at' | 'expired' };

/**
 * Meta's signed_request carries no nonce: a captured one verifies forever. Two rules make a
 * replay harmless (docs/security.md): one older than META_SIGNED_REQUEST_MAX_AGE_SECONDS is
 * refused; inside that window, each signed_request is acted on once, and a replay gets the
 * first delivery's answer (the same confirmation code) while changing nothing. The record of a
 * delivery (a hash, never the request) lives in Redis as long as the request could verify.
 */
@Injectable()
export class SignedRequestReplayGuard {
  private readonly ttlSeconds: number;

  constructor(
    @Inject(CREDENTIALS_REDIS) private readonly redis: Redis,
    private readonly env: GatewayEnv,
  ) {
    this.ttlSeconds =
      env.META_SIGNED_REQUEST_MAX_AGE_SECONDS + 2 * SIGNED_REQUEST_FUTURE_SKEW_SECONDS;
  }

  freshness(issuedAt: number | undefined, now: number = Date.now()): Freshness {
    if (issuedAt === undefined || !Number.isFinite(issuedAt)) {
      return { ok: false, reason: 'missing-issued-at' };
    }
    const ageSeconds = now / 1000 - issuedAt;
    if (
      ageSeconds > this.env.META_SIGNED_REQUEST_MAX_AGE_SECONDS ||
      ageSeconds < -SIGNED_REQUEST_FUTURE_SKEW_SECONDS
    ) {
      return { ok: false, reason: 'expired' };
    }
    return { ok: true };
  }

  /**
   * Runs `act` for the first delivery of `signedRequest` and stores its answer; a replay returns
   * that answer without running anything. When `act` fails, the record is dropped so Meta's
   * retry is acted on.
   */
  async once(
    purpose: string,
    signedRequest: string,
    act: () => Promise<string>,
  ): Promise<{ answer: string; replayed: boolean }> {
    const digest = createHash('sha256').update(signedRequest, 'utf8').digest('base64url');
    const key = redisKeys.signedRequest(this.env.REDIS_KEY_PREFIX, purpose, digest);
    const claimed = await this.redis.set(key, PENDING, 'EX', this.ttlSeconds, 'NX');
    if (claimed !== 'OK') {
      return { answer: await this.answerOf(key), replayed: true };
    }
    try {
      const answer = await act();
      await this.redis.set(key, answer, 'EX', this.ttlSeconds, 'XX');
      return { answer, replayed: false };
    } catch (error) {
      await this.redis.del(key).catch(() => undefined);
      throw error;
    }
  }

  /** The first delivery's answer; it may still be in progress (a concurrent duplicate). */
  private async answerOf(key: string): Promise<string> {
    const deadline = Date.now() + ANSWER_WAIT_MS;
    for (;;) {
      const value = await this.redis.get(key);
      if (value !== null && value !== PENDING) {
        return value;
      }
      if (value === null || Date.now() >= deadline) {
        // Still running, or the first delivery failed: Meta retries.
        throw new ServiceUnavailableException(
          'this signed_request is being processed: retry in a moment',
        );
      }
      await sleep(ANSWER_POLL_MS);
    }
  }
}
