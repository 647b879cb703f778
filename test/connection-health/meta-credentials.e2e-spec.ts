import { ConnectedBusiness, World } from '../support/world';
import { waitFor } from '../support/wait-for';
import { accountStatus, query, relayed } from './health-helpers';

const TEN_SECONDS = 10_000;

describe('a Page token revoked on Facebook', () => {
  let world: World;
  let biz: ConnectedBusiness;

  beforeAll(async () => {
    world = await World.start({ relayWorkers: 2 });
    await world.usePublicGatewayUrl(); // the Facebook dialog returns to PUBLIC_URL
    biz = await world.connectBusiness();
    world.livechat.registerWebhook({
      url: `${world.gateway.url}/webhooks/livechat`,
      action: 'incoming_event',
      secretKey: world.vars.LIVECHAT_WEBHOOK_SECRET,
    });
  });

  afterAll(async () => {
    await world?.close();
  });

  const sentTo = (igsid: string): string[] =>
    world.meta.state
      .sentTo(biz.meta.igAccount.id, igsid)
      .filter((m) => m.kind === 'text')
      .map((m) => m.text ?? '');

  const notices = (chatId: string): string[] =>
    world.livechat.state
      .events(chatId)
      .filter((e) => e.customId?.startsWith('igl-notice:'))
      .map((e) => e.text ?? '');

  /**
   * The admin reconnects through the real flow (settings API → Facebook dialog → callback); when
   * the callback hands back a handle to complete, it is completed as the settings page would.
   */
  async function reconnect(): Promise<void> {
    const started = await fetch(`${world.gateway.url}/api/instagram/connect`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${biz.org.accessToken}`,
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(started.status).toBe(200);
    const { url } = (await started.json()) as { url: string };
    world.meta.state.setLoginBehavior({ userId: biz.meta.user.id });
    const callback = await fetch(world.meta.completeLogin(url), { redirect: 'manual' });
    expect(callback.status).toBe(200);
    const handle = /name="igl-connect-handle" content="([^"]+)"/.exec(await callback.text())?.[1];
    if (handle) {
      const completed = await fetch(`${world.gateway.url}/api/instagram/connect/complete`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${biz.org.accessToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ handle }),
      });
      expect(completed.status).toBeLessThan(300);
    }
  }

  it('marks the account needs_reconnect, tells each chat once, and sends the held replies in order after reconnecting', async () => {
    const a = 'page-a';
    const b = 'page-b';
    world.meta.state.addCustomer({ igAccountId: biz.meta.igAccount.id, igsid: a });
    world.meta.state.addCustomer({ igAccountId: biz.meta.igAccount.id, igsid: b });
    const chatA = (await relayed(world, biz, a, 'a: hello')).chatId;
    const chatB = (await relayed(world, biz, b, 'b: hello')).chatId;

    // Facebook kills the Page token (Graph answers 190 from now on).
    expect(world.meta.state.revokePageTokens(biz.meta.page.id)).toBeGreaterThan(0);

    const repliesA = ['a-reply 1', 'a-reply 2', 'a-reply 3'];
    const repliesB = ['b-reply 1', 'b-reply 2'];
    for (const text of repliesA) {
      await world.livechat.agentSendsMessage(chatA, { text });
    }
    for (const text of repliesB) {
      await world.livechat.agentSendsMessage(chatB, { text });
    }

    await waitFor(
      'needs_reconnect',
      async () => (await accountStatus(world, biz.account.id)) === 'needs_reconnect',
    );
    await waitFor('a notice in each chat', () =>
      notices(chatA).length > 0 && notices(chatB).length > 0 ? true : undefined,
    );
    expect(sentTo(a)).toEqual([]);
    expect(sentTo(b)).toEqual([]);
    const [reason] = await query<{ status_reason: string }>(
      world,
      'SELECT status_reason FROM instagram_accounts WHERE id = $1',
      [biz.account.id],
    );
    expect(reason.status_reason).toMatch(/reconnect/);

    await reconnect();
    expect(await accountStatus(world, biz.account.id)).toBe('active');

    await waitFor(
      'the held replies',
      () => sentTo(a).length === repliesA.length && sentTo(b).length === repliesB.length,
      TEN_SECONDS,
    );
    expect(sentTo(a)).toEqual(repliesA);
    expect(sentTo(b)).toEqual(repliesB);
    // Told once per chat, not once per reply.
    expect(notices(chatA)).toHaveLength(1);
    expect(notices(chatB)).toHaveLength(1);
    expect(notices(chatA)[0]).toMatch(/reconnects the account/);
  });
});
