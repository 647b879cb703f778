import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { TEST_REDIS_URL } from './services';

/** A Redis key prefix of this test file's own (Bull queues, locks, caches). */
export function testRedisPrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/** Every key under `prefix` (for assertions, and to prove nothing is left behind). */
export async function keysWithPrefix(prefix: string): Promise<string[]> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  } finally {
    redis.disconnect();
  }
}

export async function deleteKeysWithPrefix(prefix: string): Promise<void> {
  const keys = await keysWithPrefix(prefix);
  if (keys.length === 0) {
    return;
  }
  const redis = new Redis(TEST_REDIS_URL);
  try {
    for (let i = 0; i < keys.length; i += 500) {
      await redis.del(...keys.slice(i, i + 500));
    }
  } finally {
    redis.disconnect();
  }
}

/** Every string a key holds, whatever its type. */
export async function valuesOfKey(key: string): Promise<string[]> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    return await readValues(redis, key);
  } finally {
    redis.disconnect();
  }
}

async function readValues(redis: Redis, key: string): Promise<string[]> {
  const out: string[] = [];
  const type = await redis.type(key);
  if (type === 'string') {
    out.push((await redis.get(key)) ?? '');
  } else if (type === 'hash') {
    out.push(...Object.values(await redis.hgetall(key)));
  } else if (type === 'list') {
    out.push(...(await redis.lrange(key, 0, -1)));
  } else if (type === 'set') {
    out.push(...(await redis.smembers(key)));
  } else if (type === 'zset') {
    out.push(...(await redis.zrange(key, 0, -1)));
  }
  return out;
}

/** Dumps every value under `prefix`, whatever the key's type: for "no text left" assertions. */
export async function valuesWithPrefix(prefix: string): Promise<string[]> {
  const keys = await keysWithPrefix(prefix);
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const out: string[] = [];
    for (const key of keys) {
      out.push(...(await readValues(redis, key)));
    }
    return out;
  } finally {
    redis.disconnect();
  }
}
