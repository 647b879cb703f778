import { Metrics } from '@app/platform';
import { ConnectedBusiness, World } from '../support/world';
import { waitFor } from '../support/wait-for';

/** Texts of the customer's message events, in the order LiveChat holds them. */
function textsOf(world: World, biz: ConnectedBusiness, igsid: string): string[] {
  return world.livechat.state
    .chats(biz.org.organizationId)
    .flatMap((chat) => world.livechat.state.events(chat.id))
    .filter((e) => e.type === 'message' && e.customId?.startsWith('ig:'))
    .map((e) => e.text ?? '')
    .filter((text) => text.startsWith(`${igsid}:`));
}

/** igl_jobs_total of instagram-inbound with this outcome, over the file's workers. */
async function counted(world: World, outcome: string): Promise<number> {
  let total = 0;
  for (const worker of world.workers) {
    const metrics = await worker.get(Metrics).registry.getSingleMetricAsString('igl_jobs_total');
    const line = metrics
      .split('\n')
      .find((l) => l.includes('queue="instagram-inbound"') && l.includes(`outcome="${outcome}"`));
    total += Number(line?.split(' ').pop() ?? 0);
  }
  return total;
}

describe('inbound bursts at high concurrency (one relay worker, real Redis and Postgres)', () => {
  let world: World;
  let biz: ConnectedBusiness;

  beforeAll(async () => {
    world = await World.start({ relayWorkers: 1, env: { RELAY_CONCURRENCY: '64' } });
    biz = await world.connectBusiness();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('relays a burst of one conversation in order, its jobs waiting in-process rather than deferring', async () => {
    // Each send takes a while, so the jobs behind the first are all picked up while it runs:
    // without in-process waiting each of them defers through Bull at least once.
    world.livechat.faults.inject({ route: 'send_event', latencyMs: 100 });
    const igAccountId = biz.meta.igAccount.id;
    const bursts = ['u-burst1', 'u-burst2'];
    const t = Date.now();
    const items = bursts.flatMap((igsid) =>
      Array.from({ length: 12 }, (_, n) =>
        world.meta.build.message({ igAccountId, igsid, text: `${igsid}:${n}`, timestamp: t + n }),
      ),
    );
    const before = await counted(world, 'deferred');
    const delivery = await world.meta.sendBatch([{ igAccountId, items }]);
    expect(delivery.status).toBe(200);
    await waitFor(
      'both bursts relayed',
      () => bursts.every((igsid) => textsOf(world, biz, igsid).length === 12),
      60_000,
    );
    for (const igsid of bursts) {
      expect(textsOf(world, biz, igsid)).toEqual(Array.from({ length: 12 }, (_, n) => `${igsid}:${n}`));
    }
    // 22 jobs were behind a running one: they waited in-process (a stray race may still defer).
    expect((await counted(world, 'deferred')) - before).toBeLessThanOrEqual(2);
    world.livechat.faults.clear();
  });
});
