import { ConnectedBusiness, World } from '../support/world';
import { spawnApp, SpawnedApp } from '../support/spawn-app';
import { waitFor } from '../support/wait-for';

describe('a relay worker killed mid-burst (SIGKILL) and restarted', () => {
  let world: World;
  let biz: ConnectedBusiness;
  let worker: SpawnedApp | undefined;

  beforeAll(async () => {
    world = await World.start({ relayWorkers: 0 });
    biz = await world.connectBusiness();
  });

  afterAll(async () => {
    if (worker && worker.child.exitCode === null) {
      worker.child.kill('SIGKILL');
      await worker.exit;
    }
    await world?.close();
  });

  it('loses nothing and duplicates nothing, and keeps each conversation in order', async () => {
    const ig = biz.meta.igAccount.id;
    const users = ['k0', 'k1', 'k2', 'k3'];
    const perUser = 15;
    // LiveChat answers slowly, so the burst is still in flight when the worker dies.
    world.livechat.faults.inject({ route: 'send_event', latencyMs: 60 });
    worker = spawnApp('relay-worker', { ...world.vars, LOG_LEVEL: 'warn', RELAY_CONCURRENCY: '8' });

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
      const delivery = await world.meta.sendBatch([{ igAccountId: ig, items }]);
      expect(delivery.status).toBe(200);
    }

    const messageEvents = (): Array<{ text: string; author: string }> =>
      world.livechat.state
        .chats(biz.org.organizationId)
        .flatMap((chat) => world.livechat.state.events(chat.id))
        .filter((e) => e.type === 'message' && e.text && /^k\d:/.test(e.text))
        .map((e) => ({ text: e.text!, author: e.authorId! }));

    await waitFor('the burst to be partly relayed', () => messageEvents().length >= 12, 30_000, 5);
    worker.child.kill('SIGKILL');
    await worker.exit;
    const relayedBeforeKill = messageEvents().length;
    expect(relayedBeforeKill).toBeLessThan(users.length * perUser);

    world.livechat.faults.clear();
    await world.startRelayWorker();
    await waitFor('every message', () => messageEvents().length >= users.length * perUser, 60_000);

    const events = messageEvents();
    const texts = events.map((e) => e.text);
    expect(new Set(texts).size).toBe(texts.length); // no duplicate
    expect(texts).toHaveLength(users.length * perUser); // nothing lost
    for (const user of users) {
      const mine = texts.filter((t) => t.startsWith(`${user}:`));
      expect(mine).toEqual(Array.from({ length: perUser }, (_, m) => `${user}:${m}`));
    }
  });
});
