import { ConnectionsOptions } from '@app/connections';
import { loadEnv, Metrics } from '@app/platform';
import { DeferJobError } from '@app/queues';
import Redis from 'ioredis';
import { TEST_REDIS_URL } from '../../../../test/support/services';
import { baseTestEnv } from '../../../../test/support/test-env';
import { deleteKeysWithPrefix } from '../../../../test/support/test-redis';
import { RelayWorkerEnv } from '../config/relay-worker.env';
import { SendRateLimiter } from './send-rate-limiter';

describe('SendRateLimiter (real Redis)', () => {
  const vars = baseTestEnv({ OUTBOUND_SENDS_PER_SECOND: '2' });
  const redis = new Redis(TEST_REDIS_URL);
  const options: ConnectionsOptions = {
    redisUrl: TEST_REDIS_URL,
    redisPrefix: vars.REDIS_KEY_PREFIX,
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
    await limiter.take('ig-1', now);
    await limiter.take('ig-1', now);
    const third = limiter.take('ig-1', now);
    await expect(third).rejects.toBeInstanceOf(DeferJobError);
    const error = (await third.catch((e: unknown) => e)) as DeferJobError;
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(900);
    expect(error.retryAfterMs).toBeLessThan(1000);
    await expect(limiter.take('ig-2', now)).resolves.toBeUndefined();
    await expect(limiter.take('ig-1', now + 1000)).resolves.toBeUndefined();
  });
});
