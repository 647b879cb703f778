import { relayChatProperties } from '@app/livechat-sdk';
import { JobProducer, OwnChats, QueueName } from '@app/queues';
import { Queue } from 'bull';
import { WEBSITE_WIDGET_CLIENT_ID } from '../emulators/livechat';
import { ConnectedBusiness, World } from '../support/world';

const CHATS = 20;
const EVENTS_PER_CHAT = 50;

/**
 * Attack (and privacy): LiveChat sends the webhooks of every chat of the license — website chats
 * included — to the app. Queued, their text would rest in Redis (and its append-only file) and
 * cost a worker round trip each. The gateway must drop them before anything is queued, deciding
 * from the webhook itself (our chat property) or one Redis lookup, never a database read per event.
 * No relay worker runs here: whatever the gateway queued stays visible in the queue.
 */
describe('security: 1,000 website-chat events enqueue nothing; our chats still are', () => {
  let world: World;
  let biz: ConnectedBusiness;
  let queue: Queue;

  beforeAll(async () => {
    world = await World.start({ relayWorkers: 0 });
    biz = await world.connectBusiness();
    queue = world.gateway.app.get(JobProducer).queue(QueueName.LIVECHAT_INBOUND);
    // As docs/marketplace-and-meta-setup.md registers them: with the chat's properties.
    for (const action of ['incoming_event', 'incoming_chat', 'chat_deactivated']) {
      world.livechat.registerWebhook({
        url: `${world.gateway.url}/webhooks/livechat`,
        action,
        secretKey: world.vars.LIVECHAT_WEBHOOK_SECRET,
        additionalData: ['chat_properties', 'chat_presence_user_ids'],
        organizationId: biz.org.organizationId,
      });
    }
  });

  afterAll(async () => {
    await world?.close();
  });

  const queued = async (): Promise<number> => {
    const counts = await queue.getJobCounts();
    return counts.waiting + counts.active + counts.delayed + counts.completed + counts.failed;
  };

  it('drops every event of chats our app did not start, before queueing', async () => {
    const chats = Array.from({ length: CHATS }, () =>
      world.livechat.startWebsiteChat(biz.org.organizationId),
    );
    let delivered = 0;
    await Promise.all(
      chats.map(async ({ chatId }) => {
        for (let i = 0; i < EVENTS_PER_CHAT; i += 1) {
          const result = await world.livechat.agentSendsMessage(chatId, {
            text: `website visitor question ${i}`,
          });
          for (const delivery of result.deliveries) {
            expect(delivery.status).toBe(200);
            expect(delivery.body).toMatchObject({
              additional_data: {
                chat_properties: { source: { client_id: WEBSITE_WIDGET_CLIENT_ID } },
              },
            });
            delivered += 1;
          }
        }
      }),
    );
    expect(delivered).toBe(CHATS * EVENTS_PER_CHAT);
    expect(await queued()).toBe(0);
    // Not even an order index entry: nothing about those chats is written to Redis.
    const keys = await world.redisKeys();
    expect(keys.filter((key) => chats.some(({ chatId }) => key.includes(chatId)))).toEqual([]);
    const values = await world.redisValues();
    expect(values.filter((value) => value.includes('website visitor question'))).toEqual([]);
  });

  it('drops them too when the webhook was registered without chat_properties', async () => {
    const legacy = world.livechat.registerWebhook({
      url: `${world.gateway.url}/webhooks/livechat`,
      action: 'incoming_event',
      secretKey: world.vars.LIVECHAT_WEBHOOK_SECRET,
      organizationId: biz.org.organizationId,
    });
    try {
      const { chatId } = world.livechat.startWebsiteChat(biz.org.organizationId);
      const result = await world.livechat.agentSendsMessage(chatId, { text: 'website, legacy' });
      expect(result.deliveries.map((d) => d.status)).toEqual([200, 200]);
      expect(await queued()).toBe(0);
    } finally {
      world.livechat.unregisterWebhook(legacy.id);
    }
  });

  it('still queues the events of a chat carrying our property', async () => {
    const customer = world.livechat.state.createCustomer(biz.org.organizationId);
    // As the relay starts it: start_chat with our property.
    const chat = world.livechat.state.createChat({
      organizationId: biz.org.organizationId,
      customerId: customer.id,
      groupIds: [0],
      properties: relayChatProperties(world.livechat.clientId),
    });
    world.livechat.state.openThread(chat, { active: true });
    const before = await queued();
    const result = await world.livechat.agentSendsMessage(chat.id, { text: 'our reply' });
    expect(result.deliveries.map((d) => d.status)).toEqual([200]);
    expect(await queued()).toBe(before + 1);
    const [job] = await queue.getWaiting();
    expect(job?.data).toMatchObject({ chatId: chat.id, organizationId: biz.org.organizationId });
    // Sealed: the reply's text is not readable in the job.
    expect(JSON.stringify(job?.data)).not.toContain('our reply');
  });

  it('still queues the events of a chat of ours started before the property (recorded by the relay)', async () => {
    const { chatId } = world.livechat.startWebsiteChat(biz.org.organizationId);
    await new OwnChats(queue.client, world.prefix).remember([
      { organizationId: biz.org.organizationId, chatId },
    ]);
    const before = await queued();
    await world.livechat.agentSendsMessage(chatId, { text: 'reply in an older chat of ours' });
    expect(await queued()).toBe(before + 1);
  });
});
