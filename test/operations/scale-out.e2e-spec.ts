import { ConnectedBusiness, World } from '../support/world';
import { spawnApp, SpawnedApp } from '../support/spawn-app';
import { waitFor } from '../support/wait-for';

describe('two relay-worker processes on the same queues; SIGTERM during a burst', () => {
  let world: World;
  let biz: ConnectedBusiness;
  const workers: SpawnedApp[] = [];

  beforeAll(async () => {
    world = await World.start({ relayWorkers: 0 });
    biz = await world.connectBusiness();
  });

  afterAll(async () => {
    for (const worker of workers) {
      if (worker.child.exitCode === null) {
        worker.child.kill('SIGKILL');
        await worker.exit;
      }
    }
    await world?.close();
  });

  it('relays the burst with no loss, no duplicate and per-conversation order, and the stopped worker exits 0', async () => {
    const ig = biz.meta.igAccount.id;
    const users = ['s0', 's1', 's2', 's3', 's4'];
    const perUser = 12;
    world.livechat.faults.inject({ route: 'send_event', latencyMs: 20, jitterMs: 40 });
    for (let i = 0; i < 2; i += 1) {
      workers.push(
        spawnApp('relay-worker', { ...world.vars, LOG_LEVEL: 'log', RELAY_CONCURRENCY: '4' }),
      );
    }
    await Promise.all(
      workers.map((w) =>
        waitFor('a worker to start', () => w.output().includes('relay-worker started'), 30_000),
      ),
    );

    const base = Date.now();
    for (let m = 0; m < perUser; m += 1) {
      const items = users.map((u) =>
        world.meta.build.message({
          igAccountId: ig,
          igsid: u,
          text: `${u}:${m}`,
          timestamp: base + m,
        }),
      );
      expect((await world.meta.sendBatch([{ igAccountId: ig, items }])).status).toBe(200);
    }
    const relayed = (): string[] =>
      world.livechat.state
        .chats(biz.org.organizationId)
        .flatMap((chat) => world.livechat.state.events(chat.id))
        .filter((e) => e.type === 'message' && /^s\d:/.test(e.text ?? ''))
        .map((e) => e.text!);

    await waitFor('the burst under way', () => relayed().length >= 10, 30_000, 5);
    workers[0].child.kill('SIGTERM');
    expect(await workers[0].exit).toBe(0);
    expect(workers[0].output()).toContain('shut down cleanly');

    await waitFor('every message', () => relayed().length >= users.length * perUser, 60_000);
    const texts = relayed();
    expect(texts).toHaveLength(users.length * perUser);
    expect(new Set(texts).size).toBe(texts.length);
    for (const user of users) {
      expect(texts.filter((t) => t.startsWith(`${user}:`))).toEqual(
        Array.from({ length: perUser }, (_, m) => `${user}:${m}`),
      );
    }
  });
});
