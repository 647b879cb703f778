import { SpawnedApp, spawnApp } from '../support/spawn-app';
import { baseTestEnv } from '../support/test-env';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { deleteKeysWithPrefix } from '../support/test-redis';
import { waitFor } from '../support/wait-for';
import { freePort, manyEmptyObjects, postStatus } from './security-helpers';

/** The image's memory settings (Dockerfile), under which 4 × 5 MB parsed bodies killed it. */
const IMAGE_NODE_OPTIONS = '--max-old-space-size=128 --max-semi-space-size=8';

/** Just under the old 5 MiB limit: today's gateway read and parsed these before any check. */
const ATTACK_BYTES = 5 * 1024 * 1024 - 64;

describe('attack: concurrent oversized unsigned bodies', () => {
  let db: TestDatabase;
  let gateway: SpawnedApp;
  let base: string;
  let prefix: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const port = await freePort();
    const env = baseTestEnv({
      DATABASE_URL: db.url,
      PORT: String(port),
      NODE_OPTIONS: IMAGE_NODE_OPTIONS,
    });
    prefix = env.REDIS_KEY_PREFIX;
    base = `http://127.0.0.1:${port}`;
    gateway = spawnApp('gateway', env);
    await waitFor(
      'the gateway to answer',
      async () => (await fetch(`${base}/health/live`)).status === 200,
      60_000,
    );
  });

  afterAll(async () => {
    if (gateway && gateway.child.exitCode === null) {
      gateway.child.kill('SIGTERM');
      await gateway.exit;
    }
    await db?.drop();
    await deleteKeysWithPrefix(prefix);
  });

  it('answers 413 to four concurrent 5 MB unsigned webhook bodies, stays up and live', async () => {
    const body = manyEmptyObjects(ATTACK_BYTES);
    const liveDuring: number[] = [];
    const attack = Promise.all(
      [0, 1, 2, 3].map(() =>
        postStatus(`${base}/webhooks/instagram`, body, { 'x-hub-signature-256': 'sha256=00' }),
      ),
    );
    liveDuring.push((await fetch(`${base}/health/live`)).status);
    const statuses = await attack;
    expect(statuses).toEqual([413, 413, 413, 413]);
    liveDuring.push((await fetch(`${base}/health/live`)).status);
    expect(liveDuring).toEqual([200, 200]);
    expect(gateway.child.exitCode).toBeNull();
    expect(gateway.output()).not.toContain('heap limit');
  });

  it('answers 413 to chunked bodies (no Content-Length) once they pass the limit, on every route', async () => {
    const body = manyEmptyObjects(ATTACK_BYTES);
    const chunked = (path: string): Promise<number> =>
      postStatus(`${base}${path}`, body, {}, { chunked: true });
    const statuses = await Promise.all([
      chunked('/webhooks/instagram'),
      chunked('/webhooks/livechat'),
      chunked('/api/instagram/connect'),
      chunked('/meta/data-deletion'),
    ]);
    expect(statuses).toEqual([413, 413, 413, 413]);
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect(gateway.child.exitCode).toBeNull();
  });
});
