import { ChildProcess, spawn } from 'node:child_process';
import { baseTestEnv } from '../support/test-env';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { deleteKeysWithPrefix } from '../support/test-redis';
import { waitFor } from '../support/wait-for';

const APPS = ['gateway', 'relay-worker', 'cleanup-worker'] as const;

/** Runs an app's real main.ts (transpiled on the fly) as its own process. */
function runApp(app: (typeof APPS)[number], env: Record<string, string>): ChildProcess {
  return spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      `apps/${app}/src/main.ts`,
    ],
    {
      env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: 'tsconfig.json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

function collect(child: ChildProcess): { out: () => string; exit: Promise<number | null> } {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { out: () => out, exit };
}

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
      const run = collect(runApp(app, env));
      const code = await run.exit;
      expect(code).not.toBe(0);
      expect(run.out()).toContain('DATABASE_URL');
      expect(run.out()).not.toContain(env.TOKEN_ENCRYPTION_KEY);
      expect(run.out()).not.toContain(env.META_APP_SECRET);
    },
  );

  it.each(APPS)('%s starts with a valid environment and exits 0 on SIGTERM', async (app) => {
    const env = baseTestEnv({ DATABASE_URL: db.url, LOG_LEVEL: 'log' });
    prefixes.push(env.REDIS_KEY_PREFIX);
    const child = runApp(app, env);
    const run = collect(child);
    await waitFor(`${app} to start`, () => /listening|started/.test(run.out()), 30_000);
    child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(run.out()).toContain('shut down cleanly');
  });
});
