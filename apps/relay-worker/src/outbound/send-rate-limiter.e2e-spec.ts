import { CredentialsOptions } from '@app/credentials';
import { loadEnv, Metrics } from '@app/platform';
import { DeferJobError } from '@app/queues';
import Redis from 'ioredis';
import { TEST_REDIS_URL } from '../../../../test/support/services';
import { baseTestEnv } from '../../../../test/support/test-env';
import { deleteKeysWithPrefix } from '../../../../test/support/test-redis';
import { RelayWorkerEnv } from '../config/relay-worker.env';
import { SendRateLimiter } from './send-rate-limiter';

describe('SendRateLimiter (real Redis)', () => {
  const vars = baseTestEnv({
    OUTBOUND_SENDS_PER_SECOND: '3',
    OUTBOUND_MEDIA_SENDS_PER_SECOND: '1',
  });
  const redis = new Redis(TEST_REDIS_URL);
  const options: CredentialsOptions = {
    redisUrl: TEST_REDIS_URL,
    redisPrefix: vars.REDIS_KEY_PREFIX,
    tokenEncryptionKey: vars.TOKEN_ENCRYPTION_KEY,
  };
  const limiter = new SendRateLimiter(
    redis,
    options,
    new Metrics('test'),
    loadEnv(RelayWorkerEnv, vars),
  );

  afterAll(async () => {
    await deleteKeysWithPrefix(options.redisPrefix);
    redis.disconnect();
  });

  it('lets an account send its limit per second, defers the next until the next second, and leaves other accounts alone', async () => {
    const now = Math.floor(Date.now() / 1000) * 1000 + 100; // 100 ms into a second
    await limiter.take('ig-1', 'standard', now);
    await limiter.take('ig-1', 'standard', now);
    await limiter.take('ig-1', 'standard', now);
    const fourth = limiter.take('ig-1', 'standard', now);
    await expect(fourth).rejects.toBeInstanceOf(DeferJobError);
    const error = (await fourth.catch((e: unknown) => e)) as DeferJobError;
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(900);
    expect(error.retryAfterMs).toBeLessThan(1000);
    await expect(limiter.take('ig-2', 'standard', now)).resolves.toBeUndefined();
    await expect(limiter.take('ig-1', 'standard', now + 1000)).resolves.toBeUndefined();
  });

  it("keeps audio and video within Meta's lower limit while text goes on", async () => {
    const now = (Math.floor(Date.now() / 1000) + 10) * 1000 + 100;
    await limiter.take('ig-3', 'audio-video', now);
    await expect(limiter.take('ig-3', 'audio-video', now)).rejects.toBeInstanceOf(DeferJobError);
    // The video turned away used no standard send: text still has its whole limit less one.
    await limiter.take('ig-3', 'standard', now);
    await limiter.take('ig-3', 'standard', now);
    await expect(limiter.take('ig-3', 'standard', now)).rejects.toBeInstanceOf(DeferJobError);
    await expect(limiter.take('ig-3', 'audio-video', now + 1000)).resolves.toBeUndefined();
  });

  it('sets the sending mark with the count when the send goes ahead, and takes it back when deferred', async () => {
    const now = (Math.floor(Date.now() / 1000) + 20) * 1000 + 100;
    const mark = { key: `${options.redisPrefix}:test-mark`, ttlMs: 30_000 };
    await limiter.take('ig-4', 'standard', now, mark);
    expect(await redis.exists(mark.key)).toBe(1);
    expect(await redis.pttl(mark.key)).toBeGreaterThan(0);
    await redis.del(mark.key);
    await limiter.take('ig-4', 'standard', now);
    await limiter.take('ig-4', 'standard', now);
    await expect(limiter.take('ig-4', 'standard', now, mark)).rejects.toBeInstanceOf(DeferJobError);
    expect(await redis.exists(mark.key)).toBe(0);
  });
});
