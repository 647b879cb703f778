import { getQueueToken } from '@nestjs/bull';
import { getDataSourceToken } from '@nestjs/typeorm';
import { accountHolder, ConnectionSignals } from '@app/credentials';
import { InstagramAccountRepository, InstallationRepository } from '@app/persistence';
import { LiveChatInboundJob, QueueName } from '@app/queues';
import { Queue } from 'bull';
import { DataSource } from 'typeorm';
import { queueOwnEchoAsPreviousGateway } from '../support/previous-release';
import { ConnectedBusiness, World } from '../support/world';
import { waitFor } from '../support/wait-for';
import { connectionOf } from '../support/seeded-records';

describe('agent reply → Instagram (gateway, queue, relay worker, emulators)', () => {
  let world: World;
  let biz: ConnectedBusiness;
  let dataSource: DataSource;
  let n = 0;

  beforeAll(async () => {
    world = await World.start();
    biz = await world.connectBusiness();
    dataSource = world.gateway.app.get(getDataSourceToken());
    world.livechat.registerWebhook({
      url: `${world.gateway.url}/webhooks/livechat`,
      action: 'incoming_event',
      secretKey: world.vars.LIVECHAT_WEBHOOK_SECRET,
    });
  });

  afterAll(async () => {
    await world?.close();
  });

  const ig = (): string => biz.meta.igAccount.id;

  /** A customer who wrote to the business; returns their LiveChat chat id. */
  async function customerWrites(): Promise<{ igsid: string; chatId: string }> {
    const igsid = `out-user-${(n += 1)}`;
    world.meta.state.addCustomer({ igAccountId: ig(), igsid });
    await world.meta.customerSends({ igAccountId: ig(), igsid, text: `${igsid}: hello` });
    const chatId = await waitFor('the chat', async () => {
      const rows = await dataSource.query<Array<{ chat_id: string | null }>>(
        'SELECT chat_id FROM conversations WHERE igsid = $1',
        [igsid],
      );
      return rows[0]?.chat_id ?? undefined;
    });
    return { igsid, chatId };
  }

  const sentTo = (igsid: string) =>
    world.meta.state.sentTo(ig(), igsid).filter((m) => m.kind !== 'sender_action');

  async function setLastInbound(igsid: string, daysAgo: number): Promise<void> {
    const at = new Date(Date.now() - daysAgo * 86_400_000);
    await dataSource.query('UPDATE conversations SET last_inbound_at = $1 WHERE igsid = $2', [
      at,
      igsid,
    ]);
    world.meta.state.setLastCustomerMessageAt(ig(), igsid, at);
  }

  /** Texts of the notices the agent sees in the chat (system messages or, as fallback, messages). */
  const notices = (chatId: string): string[] =>
    world.livechat.state
      .events(chatId)
      .filter((e) => e.customId?.startsWith('igl-notice:'))
      .map((e) => e.text ?? '');

  it('sends an agent message to the right Instagram user, and its echo does not come back', async () => {
    const { igsid, chatId } = await customerWrites();
    await world.livechat.agentSendsMessage(chatId, { text: 'Hi! How can we help? 😊' });
    const [sent] = await waitFor('the Send API call', () =>
      sentTo(igsid).length === 1 ? sentTo(igsid) : undefined,
    );
    expect(sent).toMatchObject({
      igsid,
      kind: 'text',
      text: 'Hi! How can we help? 😊',
      messagingType: 'RESPONSE',
    });
    // Meta echoes our reply back; a later customer message proves the echo was processed first.
    await world.meta.idle();
    await world.meta.customerSends({ igAccountId: ig(), igsid, text: `${igsid}: thanks` });
    await waitFor('the later message', () =>
      world.livechat.state.events(chatId).some((e) => e.text === `${igsid}: thanks`),
    );
    const texts = world.livechat.state.events(chatId).map((e) => e.text);
    expect(texts.filter((t) => t?.includes('How can we help'))).toHaveLength(1); // the agent's own only
  });

  it('sends a file as an attachment by URL', async () => {
    const { igsid, chatId } = await customerWrites();
    await world.livechat.agentSendsFile(chatId, {
      name: 'invoice.pdf',
      contentType: 'application/pdf',
      data: Buffer.from('%PDF-1.4 test'),
    });
    const [sent] = await waitFor('the attachment', () =>
      sentTo(igsid).length === 1 ? sentTo(igsid) : undefined,
    );
    expect(sent.kind).toBe('attachment');
    expect(sent.attachment).toMatchObject({ type: 'file' });
    expect(sent.attachment!.url).toContain(world.livechat.url);
  });

  it("does not send internal notes, system messages or the customer's own events", async () => {
    const { igsid, chatId } = await customerWrites();
    await world.livechat.agentSendsInternalNote(chatId, { text: 'internal: VIP customer' });
    await world.livechat.systemMessage(chatId, {
      text: 'Chat transferred',
      systemMessageType: 'chat_transferred',
    });
    await world.meta.customerSends({ igAccountId: ig(), igsid, text: `${igsid}: another` });
    // An agent message afterwards is the marker: once it is sent, everything before was handled.
    await world.livechat.agentSendsMessage(chatId, { text: 'marker' });
    await waitFor('the marker', () => sentTo(igsid).some((m) => m.text === 'marker'));
    expect(sentTo(igsid).map((m) => m.text)).toEqual(['marker']);
  });

  it("sends a chat's replies in the order the agent wrote them, even when the first is slow", async () => {
    const { igsid, chatId } = await customerWrites();
    // Meta takes its time over the first reply only: without per-chat order the others overtake it.
    world.meta.faults.inject({ route: '/me/messages', latencyMs: 400, times: 1 });
    for (const text of ['one', 'two', 'three', 'four']) {
      await world.livechat.agentSendsMessage(chatId, { text });
    }
    await waitFor('four sends', () => sentTo(igsid).length === 4);
    expect(sentTo(igsid).map((m) => m.text)).toEqual(['one', 'two', 'three', 'four']);
  });

  it('does not send twice a reply whose send timed out after Meta took it (its echo settles it)', async () => {
    const { igsid, chatId } = await customerWrites();
    // Meta answers after our timeout (UPSTREAM_TIMEOUT_MS=2000) but processes the message.
    world.meta.faults.inject({ route: '/me/messages', latencyMs: 2_600, times: 1 });
    await world.livechat.agentSendsMessage(chatId, { text: 'slow but sure' });
    await waitFor('the first send', () => sentTo(igsid).length >= 1, 30_000);
    await waitFor(
      'the claim settled',
      async () => {
        const rows = await dataSource.query<Array<{ state: string }>>(
          `SELECT l.state FROM message_links l JOIN conversations c ON c.id = l.conversation_id WHERE c.igsid = $1 AND l.direction = 'outbound'`,
          [igsid],
        );
        return rows.length === 1 && rows[0].state === 'done';
      },
      30_000,
    );
    await world.livechat.agentSendsMessage(chatId, { text: 'after' });
    await waitFor('the later send', () => sentTo(igsid).some((m) => m.text === 'after'), 30_000);
    expect(sentTo(igsid).map((m) => m.text)).toEqual(['slow but sure', 'after']);
  });

  it('does not send twice a reply whose echo a previous-release gateway queued behind a backlog when the echo wait runs out', async () => {
    const { igsid, chatId } = await customerWrites();
    const worker = world.workers[0];
    const instagramQueue = worker.get<Queue>(getQueueToken(QueueName.INSTAGRAM_INBOUND));
    const livechatQueue = worker.get<Queue<LiveChatInboundJob>>(
      getQueueToken(QueueName.LIVECHAT_INBOUND),
    );
    // A rolling deploy's backlog: a gateway of the previous release queued the echo as a job
    // (current gateways record it at once), and the worker reaches that job only much later.
    await instagramQueue.pause(true);
    world.meta.setEchoes(false);
    try {
      // Meta takes the reply but answers after our timeout: the send stays uncertain.
      world.meta.faults.inject({ route: '/me/messages', latencyMs: 2_600, times: 1 });
      await world.livechat.agentSendsMessage(chatId, { text: 'behind the backlog' });
      const [first] = await waitFor(
        'the first send',
        () => (sentTo(igsid).length >= 1 ? sentTo(igsid) : undefined),
        30_000,
      );
      await queueOwnEchoAsPreviousGateway(
        world.gateway,
        world.meta.build.echo({
          igAccountId: ig(),
          igsid,
          mid: first.mid,
          text: first.text,
          appId: world.meta.appId,
          timestamp: first.at,
        }),
      );
      const [link] = await dataSource.query<Array<{ created: string }>>(
        `SELECT (extract(epoch FROM l.created_at) * 1000)::bigint AS created FROM message_links l JOIN conversations c ON c.id = l.conversation_id WHERE c.igsid = $1 AND l.direction = 'outbound'`,
        [igsid],
      );
      const echoWaitEnds =
        Number(link.created) + 15_000 + Number(world.vars.QUEUE_LOCK_DURATION_MS);
      // A retry of the reply ran after the wait for its echo ran out (and sent again, or deferred).
      await waitFor(
        'a retry after the echo wait',
        async () => {
          const jobs = await livechatQueue.getJobs(['active', 'waiting', 'delayed', 'completed']);
          const job = jobs.find((j) => j?.data.chatId === chatId);
          return (
            !job ||
            ((job.processedOn ?? 0) > echoWaitEnds + 1_000 && !(await job.isActive())) ||
            sentTo(igsid).length > 1
          );
        },
        60_000,
      );
    } finally {
      world.meta.setEchoes(true);
      await instagramQueue.resume(true);
    }
    await waitFor(
      'the claim settled',
      async () => {
        const rows = await dataSource.query<Array<{ state: string }>>(
          `SELECT l.state FROM message_links l JOIN conversations c ON c.id = l.conversation_id WHERE c.igsid = $1 AND l.direction = 'outbound'`,
          [igsid],
        );
        return rows.length === 1 && rows[0].state === 'done';
      },
      30_000,
    );
    await world.livechat.agentSendsMessage(chatId, { text: 'after the backlog' });
    await waitFor(
      'the later send',
      () => sentTo(igsid).some((m) => m.text === 'after the backlog'),
      30_000,
    );
    expect(sentTo(igsid).map((m) => m.text)).toEqual(['behind the backlog', 'after the backlog']);
  }, 150_000);

  it('refuses a wrong secret_key with 401', async () => {
    const res = await fetch(`${world.gateway.url}/webhooks/livechat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        webhook_id: 'w',
        secret_key: 'wrong',
        action: 'incoming_event',
        organization_id: biz.org.organizationId,
        payload: {},
      }),
    });
    expect(res.status).toBe(401);
    const missing = await fetch(`${world.gateway.url}/webhooks/livechat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(missing.status).toBe(401);
  });

  it('splits a 2,500-character reply into parts of at most 1000 bytes, in order', async () => {
    const { igsid, chatId } = await customerWrites();
    const sentence = 'Our store ships worldwide — délai 3–5 jours. ';
    const text = sentence.repeat(Math.ceil(2_500 / sentence.length)).slice(0, 2_500);
    await world.livechat.agentSendsMessage(chatId, { text });
    const parts = await waitFor('all parts', () => {
      const sent = sentTo(igsid);
      return sent.length >= 3 &&
        sent
          .map((m) => m.text)
          .join('')
          .replace(/\s+/g, '') === text.replace(/\s+/g, '')
        ? sent
        : undefined;
    });
    for (const part of parts) {
      expect(Buffer.byteLength(part.text!, 'utf8')).toBeLessThanOrEqual(1000);
    }
  });

  it("3 days after the customer's last message: HUMAN_AGENT when enabled, an explanation in the chat when not", async () => {
    const installations = world.gateway.app.get(InstallationRepository);
    world.meta.state.setHumanAgent(true);

    const a = await customerWrites();
    await setLastInbound(a.igsid, 3);
    await installations.updateSettings(biz.installation.id, { humanAgentEnabled: true });
    await world.livechat.agentSendsMessage(a.chatId, { text: 'Following up on your order' });
    const [tagged] = await waitFor('the tagged send', () =>
      sentTo(a.igsid).length === 1 ? sentTo(a.igsid) : undefined,
    );
    expect(tagged).toMatchObject({ messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });

    const b = await customerWrites();
    await setLastInbound(b.igsid, 3);
    await installations.updateSettings(biz.installation.id, { humanAgentEnabled: false });
    await world.livechat.agentSendsMessage(b.chatId, { text: 'Following up again' });
    const [notice] = await waitFor('the notice', () =>
      notices(b.chatId).length > 0 ? notices(b.chatId) : undefined,
    );
    expect(notice).toContain('more than 24 hours');
    expect(sentTo(b.igsid)).toHaveLength(0);
  });

  it('10 days after: an explanation in the chat, nothing sent', async () => {
    const { igsid, chatId } = await customerWrites();
    await setLastInbound(igsid, 10);
    await world.gateway.app
      .get(InstallationRepository)
      .updateSettings(biz.installation.id, { humanAgentEnabled: true });
    await world.livechat.agentSendsMessage(chatId, { text: 'Are you still there?' });
    const [notice] = await waitFor('the notice', () =>
      notices(chatId).length > 0 ? notices(chatId) : undefined,
    );
    expect(notice).toContain('within 7 days');
    expect(sentTo(igsid)).toHaveLength(0);
  });

  it('turns a LiveChat webhook delivered three times into one Instagram message', async () => {
    const { igsid, chatId } = await customerWrites();
    const result = await world.livechat.agentSendsMessage(chatId, { text: 'only once' });
    const delivery = result.deliveries.find((d) => d.url.endsWith('/webhooks/livechat'));
    expect(delivery).toBeDefined();
    await world.livechat.deliverWebhook(delivery!.body, delivery!.url, { times: 2 });
    await waitFor('the send', () => sentTo(igsid).length >= 1);
    await world.livechat.agentSendsMessage(chatId, { text: 'after' });
    await waitFor('the later send', () => sentTo(igsid).some((m) => m.text === 'after'));
    expect(sentTo(igsid).map((m) => m.text)).toEqual(['only once', 'after']);
  });

  it('tells the agent when the user is unavailable, and when the token is revoked (account needs reconnect)', async () => {
    const a = await customerWrites();
    world.meta.faults.inject({ route: '/me/messages', userUnavailable: true, times: 1 });
    await world.livechat.agentSendsMessage(a.chatId, { text: 'hello?' });
    const [unavailable] = await waitFor('the notice', () =>
      notices(a.chatId).length > 0 ? notices(a.chatId) : undefined,
    );
    expect(unavailable).toContain('not available');

    const b = await customerWrites();
    world.meta.faults.inject({ route: '/me/messages', expireToken: true, times: 1 });
    await world.livechat.agentSendsMessage(b.chatId, { text: 'hello again' });
    const [expired] = await waitFor('the notice', () =>
      notices(b.chatId).length > 0 ? notices(b.chatId) : undefined,
    );
    expect(expired).toContain('reconnect');
    const account = await world.gateway.app
      .get(InstagramAccountRepository)
      .findForInstallation(biz.installation.id, biz.account.id);
    expect(account!.status).toBe('needs_reconnect');
  });

  it('holds replies while Meta refuses the page token, sends them in order with the new token once reconnected, and refuses at once after a disconnect', async () => {
    const accounts = world.gateway.app.get(InstagramAccountRepository);
    // What the connect flow does: store the new token, then release what waited for it.
    const reconnect = async (pageToken: string): Promise<void> => {
      await accounts.connect(connectionOf(biz.installation.id, biz.meta, pageToken));
      await world.gateway.app.get(ConnectionSignals).restored(accountHolder(biz.account.id));
    };
    await reconnect(world.meta.state.pageTokenFor(biz.meta.page.id, biz.meta.user.id));
    const { igsid, chatId } = await customerWrites();
    await world.livechat.agentSendsMessage(chatId, { text: 'first' });
    await waitFor('the first send', () => sentTo(igsid).some((m) => m.text === 'first'));

    // Meta expires the token the worker just used: the reply waits, the agent is told why.
    world.meta.faults.inject({ route: '/me/messages', expireToken: true, times: 1 });
    await world.livechat.agentSendsMessage(chatId, { text: 'held' });
    await waitFor('the notice', () => notices(chatId).some((t) => t.includes('reconnect')));
    expect(sentTo(igsid).map((m) => m.text)).toEqual(['first']);

    // Reconnected with a new token: the held reply goes out with it, then the next one.
    const fresh = world.meta.state.pageTokenFor(biz.meta.page.id, biz.meta.user.id);
    await reconnect(fresh);
    await world.livechat.agentSendsMessage(chatId, { text: 'after reconnect' });
    await waitFor('the send', () => sentTo(igsid).some((m) => m.text === 'after reconnect'));
    expect(sentTo(igsid).map((m) => m.text)).toEqual(['first', 'held', 'after reconnect']);

    // Disconnected: the very next reply is refused, with a word to the agent.
    await accounts.setStatus(biz.installation.id, biz.account.id, 'disconnected', null);
    await world.livechat.agentSendsMessage(chatId, { text: 'after disconnect' });
    await waitFor('the notice', () => notices(chatId).some((t) => t.includes('disconnected')));
    expect(sentTo(igsid).map((m) => m.text)).toEqual(['first', 'held', 'after reconnect']);
    expect(notices(chatId)).toHaveLength(2);
    await reconnect(fresh);
  });
});
