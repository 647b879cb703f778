import { spawnApp } from '../support/spawn-app';
import { baseTestEnv } from '../support/test-env';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { deleteKeysWithPrefix } from '../support/test-redis';
import { waitFor } from '../support/wait-for';

const APPS = ['gateway', 'relay-worker', 'cleanup-worker'] as const;

describe('process boot and shutdown', () => {
  let db: TestDatabase;
  const prefixes: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
    await Promise.all(prefixes.map((p) => deleteKeysWithPrefix(p)));
  });

  it.each(APPS)(
    '%s exits non-zero naming DATABASE_URL when it is missing, printing no secret',
    async (app) => {
      const env = baseTestEnv({ DATABASE_URL: undefined });
      const run = spawnApp(app, env);
      const code = await run.exit;
      expect(code).not.toBe(0);
      expect(run.output()).toContain('DATABASE_URL');
      expect(run.output()).not.toContain(env.TOKEN_ENCRYPTION_KEY);
      expect(run.output()).not.toContain(env.META_APP_SECRET);
    },
  );

  // Every app's env extends CoreEnv, which validates it (libs/platform load-env.spec.ts).
  it('cleanup-worker exits 78 naming TOKEN_ENCRYPTION_PREVIOUS_KEYS when an old key is malformed', async () => {
    const run = spawnApp(
      'cleanup-worker',
      baseTestEnv({ TOKEN_ENCRYPTION_PREVIOUS_KEYS: 'c2hvcnQ=' }),
    );
    expect(await run.exit).toBe(78);
    expect(run.output()).toContain('TOKEN_ENCRYPTION_PREVIOUS_KEYS (invalid');
    expect(run.output()).not.toContain('c2hvcnQ=');
  });

  it('relay-worker exits 78 naming MEDIA_HOST_ALLOWLIST when an entry is malformed', async () => {
    const run = spawnApp(
      'relay-worker',
      baseTestEnv({ MEDIA_HOST_ALLOWLIST: '*.fbcdn.net,https://cdn.example.com' }),
    );
    expect(await run.exit).toBe(78);
    expect(run.output()).toContain('MEDIA_HOST_ALLOWLIST (invalid: isHostAllowlist)');
  });

  it.each(APPS)('%s starts with a valid environment and exits 0 on SIGTERM', async (app) => {
    const env = baseTestEnv({ DATABASE_URL: db.url, LOG_LEVEL: 'log' });
    prefixes.push(env.REDIS_KEY_PREFIX);
    const run = spawnApp(app, env);
    await waitFor(`${app} to start`, () => /listening|started/.test(run.output()), 30_000);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(run.output()).toContain('shut down cleanly');
  });
});
