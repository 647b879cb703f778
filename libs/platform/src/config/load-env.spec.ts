import { randomBytes } from 'node:crypto';
import { CoreEnv, DataLifecycleEnv, PlatformApisEnv } from './env';
import { InvalidEnvironmentError, loadEnv } from './load-env.util';

const valid = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
  REDIS_URL: 'redis://127.0.0.1:6379',
  TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

describe('loadEnv', () => {
  it('returns typed, frozen values with defaults', () => {
    const env = loadEnv(CoreEnv, { ...valid, FAILED_JOB_RETENTION_DAYS: '3' });
    expect(env.FAILED_JOB_RETENTION_DAYS).toBe(3);
    expect(env.REDIS_KEY_PREFIX).toBe('igl');
    expect(Object.isFrozen(env)).toBe(true);
  });

  it('sizes the Postgres pool from DATABASE_POOL_SIZE (10 by default) and refuses a size out of range', () => {
    expect(loadEnv(CoreEnv, valid).DATABASE_POOL_SIZE).toBe(10);
    expect(loadEnv(CoreEnv, { ...valid, DATABASE_POOL_SIZE: '25' }).DATABASE_POOL_SIZE).toBe(25);
    expect(() => loadEnv(CoreEnv, { ...valid, DATABASE_POOL_SIZE: '0' })).toThrow(
      /DATABASE_POOL_SIZE \(invalid/,
    );
  });

  it('binds all interfaces unless HOST says otherwise, and names a malformed HOST', () => {
    expect(loadEnv(CoreEnv, valid).HOST).toBe('0.0.0.0');
    expect(loadEnv(CoreEnv, { ...valid, HOST: '127.0.0.1' }).HOST).toBe('127.0.0.1');
    expect(() => loadEnv(CoreEnv, { ...valid, HOST: 'http://0.0.0.0' })).toThrow(/HOST \(invalid/);
  });

  it('names a missing variable', () => {
    const { DATABASE_URL: _omitted, ...rest } = valid;
    expect(() => loadEnv(CoreEnv, rest)).toThrow(/DATABASE_URL \(missing\)/);
  });

  it('treats an empty value as missing', () => {
    expect(() => loadEnv(CoreEnv, { ...valid, DATABASE_URL: '' })).toThrow(
      /DATABASE_URL \(missing\)/,
    );
  });

  it('names a malformed secret without printing its value', () => {
    const badKey = 'not-a-32-byte-key-but-a-secret-value';
    let error: unknown;
    try {
      loadEnv(CoreEnv, { ...valid, TOKEN_ENCRYPTION_KEY: badKey });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    expect((error as Error).message).toContain('TOKEN_ENCRYPTION_KEY (invalid');
    expect((error as Error).message).not.toContain(badKey);
  });

  it('rejects a URL of the wrong kind and a malformed Graph version', () => {
    const load = (): unknown =>
      loadEnv(PlatformApisEnv, {
        ...valid,
        REDIS_URL: 'http://127.0.0.1:6379',
        META_APP_ID: '1',
        META_APP_SECRET: 'secretsecret',
        LIVECHAT_CLIENT_ID: 'c',
        LIVECHAT_CLIENT_SECRET: 'secretsecret',
        META_GRAPH_VERSION: '26',
      });
    expect(load).toThrow(/REDIS_URL \(invalid: isRedisUrl\)/);
    expect(load).toThrow(/META_GRAPH_VERSION \(invalid: matches\)/);
  });

  it('holds the privacy promises: purge within 7 days, links kept 30 days by default', () => {
    const apis = {
      ...valid,
      META_APP_ID: '1',
      META_APP_SECRET: 'secretsecret',
      LIVECHAT_CLIENT_ID: 'c',
      LIVECHAT_CLIENT_SECRET: 'secretsecret',
    };
    const env = loadEnv(DataLifecycleEnv, apis);
    expect(env.PURGE_DELAY_SECONDS).toBe(604_800);
    expect(env.MESSAGE_LINK_RETENTION_DAYS).toBe(30);
    expect(() => loadEnv(DataLifecycleEnv, { ...apis, PURGE_DELAY_SECONDS: '604801' })).toThrow(
      /PURGE_DELAY_SECONDS \(invalid/,
    );
    expect(() => loadEnv(DataLifecycleEnv, { ...apis, MESSAGE_LINK_RETENTION_DAYS: '0' })).toThrow(
      /MESSAGE_LINK_RETENTION_DAYS \(invalid/,
    );
  });

  it('accepts previous encryption keys as base64 32-byte keys and names a malformed one', () => {
    const previous = [randomBytes(32), randomBytes(32)].map((k) => k.toString('base64'));
    expect(
      loadEnv(CoreEnv, { ...valid, TOKEN_ENCRYPTION_PREVIOUS_KEYS: previous.join(', ') })
        .TOKEN_ENCRYPTION_PREVIOUS_KEYS,
    ).toBe(previous.join(', '));
    expect(
      loadEnv(CoreEnv, { ...valid, TOKEN_ENCRYPTION_PREVIOUS_KEYS: `old:${previous[0]}` })
        .TOKEN_ENCRYPTION_PREVIOUS_KEYS,
    ).toBe(`old:${previous[0]}`);
    for (const bad of [
      `${previous[0]},`,
      randomBytes(16).toString('base64'),
      `${previous[0]},not base64!`,
    ]) {
      expect(() => loadEnv(CoreEnv, { ...valid, TOKEN_ENCRYPTION_PREVIOUS_KEYS: bad })).toThrow(
        /TOKEN_ENCRYPTION_PREVIOUS_KEYS \(invalid: isKeyList\)/,
      );
    }
  });
});
