import Redis from 'ioredis';
import { ConnectionSignals } from '@app/credentials';
import { redisKeys, type JobProducer } from '@app/queues';
import { TEST_REDIS_URL } from '../support/services';
import { deleteKeysWithPrefix, testRedisPrefix } from '../support/test-redis';

/**
 * The connections generation every relayed message reads (twice): concurrent readers share
 * reads, yet none is answered by a read sent before its call (it could miss a change committed
 * just before). Real Redis; the first read's reply is held back to keep it in flight.
 */
describe('connections generation reads (real Redis)', () => {
  const prefix = testRedisPrefix();
  let redis: Redis;
  let other: Redis;
  let gets: number;
  let hold: Promise<void> | undefined;

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
    other = new Redis(TEST_REDIS_URL);
    // Counts the GETs sent, and can keep one's reply from its caller until released (the read
    // is real; only its answer arrives late, as under load).
    const get = redis.get.bind(redis);
    redis.get = (key: string) => {
      gets += 1;
      const held = hold;
      hold = undefined;
      return get(key).then(async (value) => {
        await held;
        return value;
      });
    };
  });

  afterAll(async () => {
    await deleteKeysWithPrefix(prefix);
    redis.disconnect();
    other.disconnect();
  });

  const signals = (): ConnectionSignals =>
    // The producer is only used when held jobs are released, which these tests do not do.
    new ConnectionSignals(
      redis,
      { redisUrl: TEST_REDIS_URL, redisPrefix: prefix, tokenEncryptionKey: '' },
      undefined as unknown as JobProducer,
    );

  it('never answers a caller with a read sent before its call, and shares the reads after it', async () => {
    const subject = signals();
    await subject.changed();
    const before = await subject.generation();
    gets = 0;
    let release!: () => void;
    hold = new Promise<void>((resolve) => (release = resolve));

    const first = subject.generation(); // its read is sent now and held in flight
    await other.incr(redisKeys.connectionSignal(prefix, 'gen')); // a change committed after that read was sent
    const later = Array.from({ length: 20 }, () => subject.generation());
    release();

    expect(await first).toBe(before);
    const after = await Promise.all(later);
    expect(new Set(after)).toEqual(new Set([String(Number(before) + 1)]));
    // One read in flight, and one that the 20 callers arriving meanwhile shared.
    expect(gets).toBe(2);
  });

  it('reads at once when nothing is in flight', async () => {
    const subject = signals();
    gets = 0;
    const a = await subject.generation();
    await other.incr(redisKeys.connectionSignal(prefix, 'gen'));
    const b = await subject.generation();
    expect(Number(b)).toBe(Number(a) + 1);
    expect(gets).toBe(2);
  });
});
