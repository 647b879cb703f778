import { getDataSourceToken } from '@nestjs/typeorm';
import { JobProducer, QueueName } from '@app/queues';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ConnectedBusiness, World } from '../support/world';
import { waitFor } from '../support/wait-for';

/**
 * Attack: read message content from Redis after a delivery failed for good. Failed jobs stay for
 * FAILED_JOB_RETENTION_DAYS (Bull Board shows them); whoever reads Redis (an operator, a memory
 * dump, a stolen backup) must find why a job failed, never what was written. Every key of the
 * test's prefix is read: job data, failedReason, stacktrace, order indexes, side keys.
 */
describe('security: a permanently failing DM or agent reply leaves its reason and no text in Redis', () => {
  let world: World;
  let biz: ConnectedBusiness;
  /** In every text of this file, and in no id: a hit in Redis is a leak. */
  const marker = randomBytes(6).toString('hex');
  const idTag = randomBytes(4).toString('hex');

  beforeAll(async () => {
    world = await World.start();
    biz = await world.connectBusiness();
    world.livechat.registerWebhook({
      url: `${world.gateway.url}/webhooks/livechat`,
      action: 'incoming_event',
      secretKey: world.vars.LIVECHAT_WEBHOOK_SECRET,
      filters: { authorType: 'agent' },
      additionalData: ['chat_properties', 'chat_presence_user_ids'],
      organizationId: biz.org.organizationId,
    });
  });

  afterAll(async () => {
    await world?.close();
  });

  const producer = (): JobProducer => world.gateway.app.get(JobProducer);

  /** Every value under the prefix that holds one of `needles`. */
  async function leaks(needles: string[]): Promise<string[]> {
    const values = await world.redisValues();
    return values.filter((value) => needles.some((needle) => value.includes(needle)));
  }

  it('a DM LiveChat refuses for good: a failed job with its reason, its text, caption and media URL nowhere', async () => {
    const igsid = `sec-dm-${idTag}`;
    world.meta.state.addCustomer({ igAccountId: biz.meta.igAccount.id, igsid });
    const text = `secret DM text ${marker}`;
    const caption = `secret caption ${marker}`;
    const mediaUrl = `${world.meta.url}/cdn/secret-${marker}.jpg`;
    world.livechat.faults.inject({ route: 'start_chat', status: 400, errorType: 'validation' });
    try {
      const first = await world.meta.customerSends({
        igAccountId: biz.meta.igAccount.id,
        igsid,
        text,
      });
      const second = await world.meta.customerSends({
        igAccountId: biz.meta.igAccount.id,
        igsid,
        message: { text: caption, attachments: [{ type: 'image', url: mediaUrl }] },
      });
      expect(first.delivery.status).toBe(200);
      expect(second.delivery.status).toBe(200);
      const inbound = producer().queue(QueueName.INSTAGRAM_INBOUND);
      const failed = await waitFor('both DMs failed for good', async () => {
        const jobs = (await inbound.getFailed()).filter((job) => job.data.igsid === igsid);
        return jobs.length === 2 ? jobs : undefined;
      });
      for (const job of failed) {
        // Bull Board still says why, and which item it was.
        expect(job.failedReason).toMatch(
          /^permanent: livechat start_chat failed: permanent validation/,
        );
        expect(job.data.gaveUp).toMatchObject({ kind: 'permanent' });
        expect(job.data.sealedItem).toBeNull();
        expect([`m:${first.mid}`, `m:${second.mid}`]).toContain(job.data.itemKey);
        expect(job.stacktrace.length).toBeGreaterThan(0);
      }
    } finally {
      world.livechat.faults.clear();
    }
    expect(await leaks([text, caption, mediaUrl, `secret-${marker}`, marker])).toEqual([]);
  });

  it("an agent reply Meta refuses for good: a failed job with Meta's reason, the reply nowhere", async () => {
    const igsid = `sec-reply-${idTag}`;
    world.meta.state.addCustomer({ igAccountId: biz.meta.igAccount.id, igsid });
    const hello = `hello ${marker}`;
    await world.meta.customerSends({ igAccountId: biz.meta.igAccount.id, igsid, text: hello });
    const dataSource = world.gateway.app.get<DataSource>(getDataSourceToken());
    const chatId = await waitFor('the chat of the customer', async () => {
      const rows = await dataSource.query<Array<{ chat_id: string | null }>>(
        'SELECT chat_id FROM conversations WHERE igsid = $1',
        [igsid],
      );
      return rows[0]?.chat_id ?? undefined;
    });

    const reply = `secret agent reply ${marker}`;
    world.meta.faults.inject({ route: 'POST /me/messages', userUnavailable: true });
    try {
      await world.livechat.agentSendsMessage(chatId, { text: reply });
      const outbound = producer().queue(QueueName.LIVECHAT_INBOUND);
      const [job] = await waitFor('the reply failed for good', async () => {
        const jobs = (await outbound.getFailed()).filter((j) => j.data.chatId === chatId);
        return jobs.length === 1 ? jobs : undefined;
      });
      expect(job?.failedReason).toMatch(/^permanent: Meta refused the reply: user-unavailable/);
      expect(job?.data.gaveUp).toMatchObject({ kind: 'permanent' });
      expect(job?.data.sealedBody).toBeNull();
      expect(job?.data.organizationId).toBe(biz.org.organizationId);
    } finally {
      world.meta.faults.clear();
    }
    // The agent was told in the chat (that is LiveChat's copy, not ours).
    await waitFor('the notice to the agent', () =>
      world.livechat.state.events(chatId).some((e) => e.customId?.startsWith('igl-notice:')),
    );
    expect(await leaks([reply, hello, marker])).toEqual([]);
  });
});
