import { baseTestEnv } from '../support/test-env';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { deleteKeysWithPrefix } from '../support/test-redis';
import { RunningGateway, startGateway } from '../support/gateway-harness';

describe('gateway health (real Postgres and Redis)', () => {
  let db: TestDatabase;
  let gateway: RunningGateway;
  let prefix: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const vars = baseTestEnv({ DATABASE_URL: db.url });
    prefix = vars.REDIS_KEY_PREFIX!;
    gateway = await startGateway(vars);
  });

  afterAll(async () => {
    await gateway?.close();
    await db?.drop();
    await deleteKeysWithPrefix(prefix);
  });

  it('answers liveness', async () => {
    const res = await fetch(`${gateway.url}/health/live`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('is ready while Postgres and Redis answer, and never sets a cookie', async () => {
    const res = await fetch(`${gateway.url}/health/ready`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body.status).toBe('ok');
    expect(body.checks.postgres.ok).toBe(true);
    expect(body.checks.redis.ok).toBe(true);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('turns 503 naming Postgres when its database goes away', async () => {
    await db.drop(); // WITH (FORCE): the gateway's pooled connections are cut, as in an outage
    const res = await fetch(`${gateway.url}/health/ready`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as {
      status: string;
      checks: Record<string, { ok: boolean; reason?: string }>;
    };
    expect(body.status).toBe('unavailable');
    expect(body.checks.postgres.ok).toBe(false);
    expect(body.checks.postgres.reason).toEqual(expect.any(String));
    expect(body.checks.redis.ok).toBe(true);
  });
});
