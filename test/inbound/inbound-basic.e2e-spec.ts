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
});
