import { RunningGateway, startGateway } from '../support/gateway-harness';
import { baseTestEnv } from '../support/test-env';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { deleteKeysWithPrefix, testRedisPrefix } from '../support/test-redis';

/** Per-IP limits on /install, /api, /connect, /meta and /admin, shared by replicas via Redis. */
describe('attack: request floods against the admin-facing routes', () => {
  const MAX = 6;
  let db: TestDatabase;
  const prefix = testRedisPrefix();
  let replicaA: RunningGateway;
  let replicaB: RunningGateway;
  let behindProxy: RunningGateway;

  beforeAll(async () => {
    db = await createTestDatabase();
    const vars = baseTestEnv({
      DATABASE_URL: db.url,
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_MAX: String(MAX),
      RATE_LIMIT_WINDOW_SECONDS: '600',
    });
    replicaA = await startGateway(vars);
    replicaB = await startGateway(vars);
    behindProxy = await startGateway({ ...vars, TRUST_PROXY: '1' });
  });

  afterAll(async () => {
    await Promise.all([replicaA, replicaB, behindProxy].map((g) => g?.close()));
    await db?.drop();
    await deleteKeysWithPrefix(prefix);
  });

  it('answers 429 with Retry-After once a client passes the limit, counted across replicas', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < MAX; i += 1) {
      const replica = i % 2 === 0 ? replicaA : replicaB;
      statuses.push((await fetch(`${replica.url}/api/instagram/accounts`)).status);
    }
    expect(statuses).toEqual(Array.from({ length: MAX }, () => 401));
    for (const replica of [replicaA, replicaB]) {
      const limited = await fetch(`${replica.url}/api/instagram/accounts`);
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(600);
    }
  });

  it('limits /install, /connect, /meta and /admin too, each on its own', async () => {
    for (const path of [
      '/install?code=x',
      '/connect/instagram/callback?code=x&state=y',
      '/meta/data-deletion/unknown',
      '/admin/queues',
    ]) {
      const statuses: number[] = [];
      for (let i = 0; i <= MAX; i += 1) {
        statuses.push((await fetch(`${replicaA.url}${path}`, { redirect: 'manual' })).status);
      }
      expect(statuses.slice(0, MAX)).not.toContain(429);
      expect(statuses[MAX]).toBe(429);
    }
  });

  it('never limits webhooks, health or the settings page', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 4 * MAX }, () =>
        fetch(`${replicaA.url}/webhooks/livechat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ secret_key: 'wrong' }),
        }).then((r) => r.status),
      ),
    );
    expect(new Set(statuses)).toEqual(new Set([401]));
    for (let i = 0; i < 2 * MAX; i += 1) {
      expect((await fetch(`${replicaA.url}/health/live`)).status).toBe(200);
      expect((await fetch(`${replicaA.url}/app`)).status).toBe(200);
    }
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY says a proxy is in front', async () => {
    // Off (the default): the socket's peer is the client, whatever it claims.
    const spoofed = [];
    for (let i = 0; i < 2; i += 1) {
      spoofed.push(
        (
          await fetch(`${replicaA.url}/api/livechat/groups`, {
            headers: { 'x-forwarded-for': `198.51.100.${i}` },
          })
        ).status,
      );
    }
    expect(spoofed).toEqual([429, 429]);
    // TRUST_PROXY=1: one proxy (the loopback peer) in front; its X-Forwarded-For names the client.
    const perClient: number[] = [];
    for (let i = 0; i < 3 * MAX; i += 1) {
      perClient.push(
        (
          await fetch(`${behindProxy.url}/api/livechat/groups`, {
            headers: { 'x-forwarded-for': `198.51.100.${i}` },
          })
        ).status,
      );
    }
    expect(perClient).not.toContain(429);
    const one: number[] = [];
    for (let i = 0; i <= MAX; i += 1) {
      one.push(
        (
          await fetch(`${behindProxy.url}/api/livechat/groups`, {
            headers: { 'x-forwarded-for': '203.0.113.9' },
          })
        ).status,
      );
    }
    expect(one[MAX]).toBe(429);
  });
});
