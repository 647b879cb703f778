import { MessageLinkRepository } from '@app/persistence';
import { Metrics } from '@app/platform';
import { ConversationOrder, QueueName } from '@app/queues';
import { getQueueToken } from '@nestjs/bull';
import { Queue } from 'bull';
import Redis from 'ioredis';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConnectedBusiness, World } from '../support/world';
import { valuesOfKey } from '../support/test-redis';
import { waitFor } from '../support/wait-for';

/** Texts of the customer's message events, in the order LiveChat holds them. */
function textsOf(world: World, customerId: string): string[] {
  return world.livechat.state
    .chatsOfCustomer(customerId)
    .flatMap((chat) => world.livechat.state.events(chat.id))
    .filter((e) => e.type === 'message' && e.authorId === customerId)
    .map((e) => e.text ?? '');
}

function customerOf(world: World, biz: ConnectedBusiness, igsid: string): string | undefined {
  const chats = world.livechat.state.chats(biz.org.organizationId);
  for (const chat of chats) {
    for (const event of world.livechat.state.events(chat.id)) {
      if (event.customId?.startsWith('ig:') && event.text?.startsWith(`${igsid}:`)) {
        return event.authorId;
      }
    }
  }
  return undefined;
}

describe('inbound order and exactly-once (two relay workers, real Redis and Postgres)', () => {
  let world: World;
  let biz: ConnectedBusiness;

  beforeAll(async () => {
    world = await World.start({ relayWorkers: 2, env: { RELAY_CONCURRENCY: '16' } });
    biz = await world.connectBusiness();
  });

  afterAll(async () => {
    await world?.close();
  });

  const ig = (): string => biz.meta.igAccount.id;

  it('keeps three messages of one user in one batch in order', async () => {
    const igsid = 'u-batch';
    const t = Date.now();
    const items = [1, 2, 3].map((n) =>
      world.meta.build.message({ igAccountId: ig(), igsid, text: `${igsid}:${n}`, timestamp: t }),
    );
    const delivery = await world.meta.sendBatch([{ igAccountId: ig(), items }]);
    expect(delivery.status).toBe(200);
    const customer = await waitFor('the customer', () => customerOf(world, biz, igsid));
    await waitFor('three messages', () => textsOf(world, customer).length === 3);
    expect(textsOf(world, customer)).toEqual([`${igsid}:1`, `${igsid}:2`, `${igsid}:3`]);
  });

  it('relays a 10-item batch of one user once each and in order, though Meta redelivers it twice', async () => {
    const igsid = 'u-batch10';
    const t = Date.now();
    const items = Array.from({ length: 10 }, (_, n) =>
      world.meta.build.message({ igAccountId: ig(), igsid, text: `${igsid}:${n}`, timestamp: t }),
    );
    const delivery = await world.meta.sendBatch([{ igAccountId: ig(), items }]);
    expect(delivery.status).toBe(200);
    expect((await world.meta.redeliver(delivery)).status).toBe(200);
    const customer = await waitFor('the customer', () => customerOf(world, biz, igsid));
    await waitFor('ten messages', () => textsOf(world, customer).length >= 10);
    expect((await world.meta.redeliver(delivery)).status).toBe(200);
    // Settled: the order set of the conversation is empty once every item is done with.
    const order = new ConversationOrder(
      world.gateway.app.get<Queue>(getQueueToken(QueueName.INSTAGRAM_INBOUND)).client,
      world.gateway.env.REDIS_KEY_PREFIX,
    );
    await waitFor('the conversation settled', async () =>
      (await order.pending(ConversationOrder.instagram(ig(), igsid))) === 0 ? true : undefined,
    );
    expect(textsOf(world, customer)).toEqual(items.map((_, n) => `${igsid}:${n}`));
  });

  it('moves on past an order entry whose job vanished, and counts it (igl_jobs_total outcome dropped-ghost-entry)', async () => {
    const igsid = 'u-ghost';
    // An entry at the head of the conversation whose job does not exist (a producer that indexed
    // it and died before queueing it, or a job removed by hand).
    const redis = new Redis(world.vars.REDIS_URL);
    try {
      const prefix = world.vars.REDIS_KEY_PREFIX;
      const order = new ConversationOrder(redis, prefix);
      await redis.zadd(order.key(ConversationOrder.instagram(ig(), igsid)), 1, 'ig.vanished-job');
    } finally {
      redis.disconnect();
    }
    const sent = await world.meta.customerSends({
      igAccountId: ig(),
      igsid,
      text: `${igsid}:after the ghost`,
    });
    expect(sent.delivery.status).toBe(200);
    const customer = await waitFor('the customer', () => customerOf(world, biz, igsid));
    expect(textsOf(world, customer)).toEqual([`${igsid}:after the ghost`]);
    const counted = await Promise.all(
      world.workers.map(async (worker) => {
        const metrics = await worker
          .get(Metrics)
          .registry.getSingleMetricAsString('igl_jobs_total');
        const line = metrics.split('\n').find((l) => l.includes('outcome="dropped-ghost-entry"'));
        return Number(line?.split(' ').pop() ?? 0);
      }),
    );
    expect(counted.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('keeps each of two interleaved users in order', async () => {
    const t = Date.now();
    const items = [];
    for (let n = 1; n <= 5; n += 1) {
      items.push(
        world.meta.build.message({
          igAccountId: ig(),
          igsid: 'u-a',
          text: `u-a:${n}`,
          timestamp: t + n,
        }),
      );
      items.push(
        world.meta.build.message({
          igAccountId: ig(),
          igsid: 'u-b',
          text: `u-b:${n}`,
          timestamp: t + n,
        }),
      );
    }
    await world.meta.sendBatch([{ igAccountId: ig(), items }]);
    const a = await waitFor('customer a', () => customerOf(world, biz, 'u-a'));
    const b = await waitFor('customer b', () => customerOf(world, biz, 'u-b'));
    await waitFor(
      'all ten',
      () => textsOf(world, a).length === 5 && textsOf(world, b).length === 5,
    );
    expect(textsOf(world, a)).toEqual([1, 2, 3, 4, 5].map((n) => `u-a:${n}`));
    expect(textsOf(world, b)).toEqual([1, 2, 3, 4, 5].map((n) => `u-b:${n}`));
  });

  it('keeps per-conversation order for 200 messages across 20 conversations from many POSTs', async () => {
    // A slow, jittery LiveChat: each conversation's messages pile up, and without the order
    // gate concurrent sends would overtake one another.
    world.livechat.faults.inject({ route: 'send_event', latencyMs: 10, jitterMs: 40 });
    const base = Date.now();
    const posts: Array<Promise<unknown>> = [];
    // 5 rounds of 4 POSTs; each POST carries two consecutive messages of each of its 5
    // conversations, so a conversation's messages sit side by side in the queue: 200 messages.
    for (let round = 0; round < 5; round += 1) {
      for (let post = 0; post < 4; post += 1) {
        const items = [];
        for (let c = post * 5; c < post * 5 + 5; c += 1) {
          for (const half of [0, 1]) {
            const seq = round * 2 + half;
            items.push(
              world.meta.build.message({
                igAccountId: ig(),
                igsid: `c${c}`,
                text: `c${c}:${seq}`,
                timestamp: base + seq,
              }),
            );
          }
        }
        posts.push(world.meta.sendBatch([{ igAccountId: ig(), items }]));
      }
      // Rounds are POSTed one after another, as Meta delivers a conversation's messages.
      await Promise.all(posts.splice(0));
    }
    const customers = await waitFor('20 customers', () => {
      const found = Array.from({ length: 20 }, (_, c) => customerOf(world, biz, `c${c}`));
      return found.every(Boolean) ? (found as string[]) : undefined;
    });
    await waitFor(
      '200 messages',
      () => customers.every((id) => textsOf(world, id).length === 10),
      60_000,
    );
    for (const [c, id] of customers.entries()) {
      expect(textsOf(world, id)).toEqual(Array.from({ length: 10 }, (_, r) => `c${c}:${r}`));
    }
    world.livechat.faults.clear();
  });

  it('turns the same webhook delivered three times into one LiveChat event', async () => {
    const sent = await world.meta.customerSends({
      igAccountId: ig(),
      igsid: 'u-dup',
      text: 'u-dup:once',
    });
    await world.meta.redeliver(sent.delivery);
    await world.meta.redeliver(sent.delivery);
    const customer = await waitFor('the customer', () => customerOf(world, biz, 'u-dup'));
    const links = world.gateway.app.get(MessageLinkRepository);
    await waitFor(
      'the link',
      async () =>
        (await links.findByInstagramId(biz.installation.id, biz.account.id, `m:${sent.mid}`))
          ?.state === 'done',
    );
    // A later message proves the queue has moved past every redelivery.
    await world.meta.customerSends({ igAccountId: ig(), igsid: 'u-dup', text: 'u-dup:after' });
    await waitFor('the later message', () => textsOf(world, customer).includes('u-dup:after'));
    expect(textsOf(world, customer)).toEqual(['u-dup:once', 'u-dup:after']);
  });

  it('leaves no message text in Postgres, and none in Redis once the queues drain', async () => {
    const dataSource = world.gateway.app.get<DataSource>(getDataSourceToken());
    const tables = [
      'installations',
      'instagram_accounts',
      'conversations',
      'message_links',
      'deletion_requests',
    ];
    let everything = '';
    for (const table of tables) {
      const rows = await dataSource.query<Array<{ t: string | null }>>(
        `SELECT string_agg(row_to_json(x)::text, ' ') AS t FROM ${table} x`,
      );
      everything += rows[0]?.t ?? '';
    }
    expect(everything.length).toBeGreaterThan(100);
    for (const text of ['u-batch:1', 'u-a:3', 'c7:4', 'u-dup:once', 'Hello']) {
      expect(everything).not.toContain(text);
    }
    const holding = async (): Promise<string[]> => {
      const keys = await world.redisKeys();
      const found: string[] = [];
      for (const key of keys) {
        const values = await valuesOfKey(key);
        // A whole JSON string that is one of this file's texts (unanchored, the pattern also
        // matched random base64 in cached tokens now and then).
        if (values.some((v) => /"(c\d+:\d+|u-(a|b|dup|batch|ghost):[^"]*)"/.test(v))) {
          found.push(key);
        }
      }
      return found;
    };
    let left: string[] = [];
    await waitFor('queues drained of message text', async () => {
      left = await holding();
      return left.length === 0;
    }).catch((error: Error) => {
      throw new Error(`${error.message}; keys still holding text: ${left.join(', ')}`);
    });
    expect(left).toEqual([]);
  });
});
