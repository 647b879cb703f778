import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/** A lease in Redis: held by one process across all processes, expiring if its holder dies. */
export class RedisLock {
  constructor(private readonly redis: Redis) {}

  /** The lease token when acquired, undefined when someone else holds it. */
  async acquire(key: string, ttlMs: number): Promise<string | undefined> {
    const token = randomBytes(12).toString('base64url');
    const ok = await this.redis.set(key, token, 'PX', ttlMs, 'NX');
    return ok === 'OK' ? token : undefined;
  }

  /** Extends a lease we still hold; false when it was lost. */
  async extend(key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(EXTEND, 1, key, token, String(ttlMs))) === 1;
  }

  /** Releases only a lease we still hold (never one that expired and was taken by another). */
  async release(key: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, key, token);
  }
}
