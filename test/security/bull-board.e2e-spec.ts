import { computeHubSignature } from '@app/meta-graph';
import { RunningGateway, startGateway } from '../support/gateway-harness';
import { baseTestEnv } from '../support/test-env';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { deleteKeysWithPrefix } from '../support/test-redis';
import { waitFor } from '../support/wait-for';

const USER = 'ops';
const PASSWORD = 'correct-horse-battery';
const TEXT = 'the customer wrote 4711 in private';
const MEDIA = 'https://scontent.cdninstagram.example/secret-photo.jpg';

interface BoardQueue {
  name: string;
  isPaused: boolean;
  readOnlyMode: boolean;
  jobs: Array<{ id: string; data: Record<string, unknown> }>;
}

describe('attack: reading message text in Bull Board, and changing the queues through it', () => {
  let db: TestDatabase;
  let gateway: RunningGateway;

  beforeAll(async () => {
    db = await createTestDatabase();
    gateway = await startGateway(
      baseTestEnv({ DATABASE_URL: db.url, ADMIN_USERNAME: USER, ADMIN_PASSWORD: PASSWORD }),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await db?.drop();
    await deleteKeysWithPrefix(gateway?.env.REDIS_KEY_PREFIX ?? 'none');
  });

  const auth = (password = PASSWORD): Record<string, string> => ({
    authorization: `Basic ${Buffer.from(`${USER}:${password}`).toString('base64')}`,
  });
  const board = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${gateway.url}/admin/queues${path}`, {
      ...init,
      headers: { ...auth(), ...(init.headers as Record<string, string> | undefined) },
    });
  async function inbound(): Promise<BoardQueue> {
    const res = await board('/api/queues?activeQueue=instagram-inbound&page=1&jobsPerPage=50');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queues: BoardQueue[] };
    const queue = body.queues.find((q) => q.name === 'instagram-inbound');
    expect(queue).toBeDefined();
    return queue!;
  }

  it('shows the jobs a DM and a photo became, with ids and kinds but no text and no URL', async () => {
    const now = Date.now();
    const payload = JSON.stringify({
      object: 'instagram',
      entry: [
        {
          id: '17841400000000001',
          time: now,
          messaging: [
            {
              sender: { id: '9001' },
              recipient: { id: '17841400000000001' },
              timestamp: now,
              message: { mid: 'mid.board.1', text: TEXT },
            },
            {
              sender: { id: '9001' },
              recipient: { id: '17841400000000001' },
              timestamp: now + 1,
              message: {
                mid: 'mid.board.2',
                attachments: [{ type: 'image', payload: { url: MEDIA } }],
              },
            },
          ],
        },
      ],
    });
    const sent = await fetch(`${gateway.url}/webhooks/instagram`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': computeHubSignature(payload, gateway.env.META_APP_SECRET),
      },
      body: payload,
    });
    expect(sent.status).toBe(200);

    const queue = await waitFor('both jobs in Bull Board', async () => {
      const q = await inbound();
      return q.jobs.length === 2 ? q : undefined;
    });
    const raw = JSON.stringify(queue);
    expect(raw).not.toContain('4711');
    expect(raw).not.toContain('cdninstagram');
    expect(raw).not.toContain('secret-photo');
    const data = queue.jobs.map((j) => j.data);
    expect(data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          instagramAccountId: '17841400000000001',
          igsid: '9001',
          itemKey: 'm:mid.board.1',
          // Sealed at the gateway (no readable text in Redis), and redacted on top: even the
          // ciphertext is not shown.
          sealedItem: '[redacted]',
        }),
      ]),
    );
    expect(queue.readOnlyMode).toBe(true);
  });

  it('refuses every write (pause, add, clean, retry, pause all) and changes nothing', async () => {
    const before = await inbound();
    const writes: Array<[string, string]> = [
      ['PUT', '/api/queues/instagram-inbound/pause'],
      ['PUT', '/api/queues/pause'],
      ['PUT', '/api/queues/instagram-inbound/clean/waiting'],
      ['PUT', '/api/queues/instagram-inbound/retry/failed'],
      ['POST', '/api/queues/instagram-inbound/add'],
      ['PUT', `/api/queues/instagram-inbound/${before.jobs[0]?.id ?? 'x'}/clean`],
    ];
    for (const [method, path] of writes) {
      const res = await board(path, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x', data: {} }),
      });
      expect([method, path, res.status]).toEqual([method, path, 405]);
    }
    const after = await inbound();
    expect(after.isPaused).toBe(false);
    expect(after.jobs.map((j) => j.id).sort()).toEqual(before.jobs.map((j) => j.id).sort());
  });

  it('serves its page with a CSP and framed by nobody', async () => {
    const res = await board('');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('throttles failed logins per client: after 10, even the right password waits', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      statuses.push((await board('/api/queues', { headers: auth(`wrong-${i}`) })).status);
    }
    expect(statuses).toEqual(Array.from({ length: 10 }, () => 401));
    const throttled = await board('/api/queues', { headers: auth('wrong-again') });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await board('/api/queues')).status).toBe(429);
  });
});
