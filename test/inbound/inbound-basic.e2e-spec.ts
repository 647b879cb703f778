import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConnectedBusiness, World } from '../support/world';
import { waitFor } from '../support/wait-for';

describe('Instagram DM → LiveChat (gateway, queue, relay worker, emulators)', () => {
  let world: World;
  let biz: ConnectedBusiness;

  beforeAll(async () => {
    world = await World.start();
    biz = await world.connectBusiness();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('relays a text message into a new LiveChat chat of a new customer', async () => {
    const sent = await world.meta.customerSends({
      igAccountId: biz.meta.igAccount.id,
      igsid: biz.meta.customer.igsid,
      text: 'Hello from Instagram 👋',
    });
    expect(sent.delivery.status).toBe(200);
    const chat = await waitFor(
      'a chat in LiveChat',
      () => world.livechat.state.chats(biz.org.organizationId)[0],
    );
    const events = await waitFor('the message event', () => {
      const evs = world.livechat.state.events(chat.id).filter((e) => e.type === 'message');
      return evs.length > 0 ? evs : undefined;
    });
    expect(events[0].text).toBe('Hello from Instagram 👋');
    expect(events[0].customId).toBe(`ig:m:${sent.mid}`);
  });

  it("records where messages land (a resumed chat's new thread) and when the account last relayed", async () => {
    const dataSource = world.gateway.app.get<DataSource>(getDataSourceToken());
    const conversation = async () =>
      (
        await dataSource.query<Array<{ chat_id: string; thread_id: string }>>(
          'SELECT chat_id, thread_id FROM conversations WHERE igsid = $1',
          [biz.meta.customer.igsid],
        )
      )[0];
    // The settings page's "last message relayed", written with the first message's link.
    await waitFor('the last relayed time', async () => {
      const [account] = await dataSource.query<Array<{ last_relayed_at: Date | null }>>(
        'SELECT last_relayed_at FROM instagram_accounts WHERE id = $1',
        [biz.account.id],
      );
      return account.last_relayed_at !== null;
    });

    const chat = world.livechat.state.chats(biz.org.organizationId)[0];
    const before = await waitFor('the chat recorded', async () => {
      const row = await conversation();
      return row?.chat_id === chat.id ? row : undefined;
    });
    // The agent closes the chat; the customer writes again: the chat resumes in a new thread.
    await world.livechat.agentDeactivatesChat(chat.id);
    await world.meta.customerSends({
      igAccountId: biz.meta.igAccount.id,
      igsid: biz.meta.customer.igsid,
      text: 'Back again',
    });
    const thread = await waitFor('the resumed thread', () => {
      const last = world.livechat.state.requireChat(chat.id).threads.at(-1);
      return last?.active && last.id !== before.thread_id ? last : undefined;
    });
    await waitFor('the new thread recorded', async () => {
      const row = await conversation();
      return row.chat_id === chat.id && row.thread_id === thread.id;
    });
  });
});
