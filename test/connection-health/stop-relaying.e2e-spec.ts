import { InstagramAccountDirectory } from '@app/credentials';
import { JobProducer, QueueName } from '@app/queues';
import { World } from '../support/world';
import { waitFor } from '../support/wait-for';
import { dm, eventOf, query, relayed } from './health-helpers';

describe('uninstall and disconnect stop relaying at once, whatever the workers cached', () => {
  let world: World;

  beforeAll(async () => {
    // No cleanup worker: the cached customer tokens stay cached and unrevoked on purpose.
    world = await World.start({ relayWorkers: 2 });
  });

  afterAll(async () => {
    await world?.close();
  });

  async function inboundIdle(): Promise<void> {
    const queue = world.gateway.app.get(JobProducer).queue(QueueName.INSTAGRAM_INBOUND);
    await waitFor('instagram-inbound idle', async () => {
      const counts = await queue.getJobCounts();
      return counts.waiting + counts.active + counts.delayed === 0;
    });
  }

  /** Both relay workers hold the account as active in their directory caches. */
  async function bothWorkersCached(instagramAccountId: string): Promise<void> {
    for (const worker of world.workers) {
      const found = await worker.get(InstagramAccountDirectory).find(instagramAccountId);
      expect(found?.installation.status).toBe('active');
      expect(found?.account.status).toBe('active');
    }
  }

  it('a DM right after application_uninstalled is answered 200 and never reaches LiveChat', async () => {
    const biz = await world.connectBusiness();
    const users = ['u-1', 'u-2', 'u-3', 'u-4'];
    for (const igsid of users) {
      world.meta.state.addCustomer({ igAccountId: biz.meta.igAccount.id, igsid });
    }
    await Promise.all(users.map((igsid) => relayed(world, biz, igsid, `${igsid}: before`)));
    await bothWorkersCached(biz.meta.igAccount.id);

    const uninstall = await world.livechat.deliverAppWebhook(
      `${world.gateway.url}/webhooks/livechat/app?token=${world.vars.LIVECHAT_APP_WEBHOOK_TOKEN}`,
      { event: 'application_uninstalled', organizationId: biz.org.organizationId },
    );
    expect(uninstall.status).toBe(200);
    const late = await Promise.all(
      users.map((igsid) => dm(world, biz, igsid, `${igsid}: after`, { force: true })),
    );

    await inboundIdle();
    for (const mid of late) {
      expect(eventOf(world, biz, mid)).toBeUndefined();
    }
    const sends = world.livechat
      .callsTo('send_event')
      .concat(world.livechat.callsTo('start_chat'), world.livechat.callsTo('resume_chat'));
    expect(sends.filter((c) => JSON.stringify(c).includes(': after'))).toEqual([]);
  });

  it('a DM right after a disconnect never reaches LiveChat', async () => {
    const biz = await world.connectBusiness();
    const igsid = biz.meta.customer.igsid;
    await relayed(world, biz, igsid, 'before disconnect');
    await bothWorkersCached(biz.meta.igAccount.id);

    const response = await fetch(`${world.gateway.url}/api/instagram/accounts/${biz.account.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${biz.org.accessToken}` },
    });
    expect(response.status).toBe(200);
    const mid = await dm(world, biz, igsid, 'after disconnect', { force: true });

    await inboundIdle();
    expect(eventOf(world, biz, mid)).toBeUndefined();
    const [row] = await query<{ n: string }>(
      world,
      `SELECT count(*) AS n FROM message_links WHERE instagram_message_id = $1`,
      [`m:${mid}`],
    );
    expect(Number(row.n)).toBe(0);
  });

  it('a DM right after a Meta deauthorize never reaches LiveChat', async () => {
    const biz = await world.connectBusiness();
    const igsid = biz.meta.customer.igsid;
    await relayed(world, biz, igsid, 'before deauthorize');
    await bothWorkersCached(biz.meta.igAccount.id);

    const deauthorize = await world.meta.postSignedRequest(
      `${world.gateway.url}/meta/deauthorize`,
      {
        userId: biz.meta.user.id,
      },
    );
    expect(deauthorize.status).toBe(200);
    const mid = await dm(world, biz, igsid, 'after deauthorize', { force: true });

    await inboundIdle();
    expect(eventOf(world, biz, mid)).toBeUndefined();
  });
});
