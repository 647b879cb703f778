import { getDataSourceToken } from '@nestjs/typeorm';
import { EchoEvidenceService } from '@app/credentials';
import { isMetaGraphError } from '@app/meta-graph';
import { DeferJobError, LiveChatInboundWork } from '@app/queues';
import { DataSource } from 'typeorm';
import { OutboundSendMarker } from '../../apps/relay-worker/src/inbound/outbound-send-marker';
import { OutboundClaimStep } from '../../apps/relay-worker/src/outbound/outbound-claim.step';
import { OutboundDeliverStep } from '../../apps/relay-worker/src/outbound/outbound-deliver.step';
import { OutboundTarget } from '../../apps/relay-worker/src/outbound/outbound-pipeline.types';
import { OutboundRecordStep } from '../../apps/relay-worker/src/outbound/outbound-record.step';
import { OutboundResolveStep } from '../../apps/relay-worker/src/outbound/outbound-resolve.step';
import { PageTokenCache } from '../../apps/relay-worker/src/outbound/page-token-cache';
import { ConnectedBusiness, World } from '../support/world';
import { waitFor } from '../support/wait-for';

/**
 * Each outbound step alone, as the relay worker wires it (real Postgres and Redis, the Meta
 * emulator): resolve, claim, deliver and record called directly, not through a queue.
 */
describe('outbound relay steps, each alone (real Postgres, Redis, Meta emulator)', () => {
  let world: World;
  let biz: ConnectedBusiness;
  let dataSource: DataSource;
  let resolve: OutboundResolveStep;
  let claims: OutboundClaimStep;
  let delivery: OutboundDeliverStep;
  let record: OutboundRecordStep;
  let echoes: EchoEvidenceService;
  let marker: OutboundSendMarker;
  let pageTokens: PageTokenCache;
  let n = 0;

  beforeAll(async () => {
    world = await World.start();
    biz = await world.connectBusiness();
    dataSource = world.gateway.app.get(getDataSourceToken());
    const worker = world.workers[0];
    resolve = worker.get(OutboundResolveStep);
    claims = worker.get(OutboundClaimStep);
    delivery = worker.get(OutboundDeliverStep);
    record = worker.get(OutboundRecordStep);
    echoes = worker.get(EchoEvidenceService);
    marker = worker.get(OutboundSendMarker);
    pageTokens = worker.get(PageTokenCache);
  });

  afterAll(async () => {
    await world?.close();
  });

  const ig = (): string => biz.meta.igAccount.id;
  const org = (): string => biz.installation.organizationId;

  /** A customer who wrote to the business; their chat's target, as the resolve step finds it. */
  async function customerTarget(): Promise<OutboundTarget> {
    const igsid = `steps-user-${(n += 1)}`;
    world.meta.state.addCustomer({ igAccountId: ig(), igsid });
    await world.meta.customerSends({ igAccountId: ig(), igsid, text: `${igsid}: hello` });
    const chatId = await waitFor('the chat', async () => {
      const rows = await dataSource.query<Array<{ chat_id: string | null }>>(
        'SELECT chat_id FROM conversations WHERE igsid = $1',
        [igsid],
      );
      return rows[0]?.chat_id ?? undefined;
    });
    const target = await resolve.target(org(), chatId);
    if (!target) {
      throw new Error('the customer chat was not resolved');
    }
    return target;
  }

  async function linkOf(
    eventId: string,
  ): Promise<{ state: string; instagram_message_id: string | null } | undefined> {
    const rows = await dataSource.query<
      Array<{ state: string; instagram_message_id: string | null }>
    >(
      `SELECT state, instagram_message_id FROM message_links
        WHERE direction = 'outbound' AND livechat_event_id = $1`,
      [eventId],
    );
    return rows[0];
  }

  const job = (acceptedAt: number, additional?: unknown): LiveChatInboundWork =>
    ({
      acceptedAt,
      body: additional === undefined ? {} : { additional_data: additional },
    }) as unknown as LiveChatInboundWork;

  it("resolve: finds a chat's installation, conversation and account; not another's, and waits briefly for a chat just started", async () => {
    const target = await customerTarget();
    expect(target.installation.id).toBe(biz.installation.id);
    expect(target.account.id).toBe(biz.account.id);
    expect(target.conversation.igsid).toMatch(/^steps-user-/);
    expect(target.conversation.lastInboundAt).toBeInstanceOf(Date);
    expect(pageTokens.tokenOf(target.account)).toBeTruthy();

    expect(await resolve.target('another-org', target.conversation.chatId!)).toBeUndefined();
    expect(await resolve.target(org(), 'unknown-chat')).toBeUndefined();
    // An agent's event in an unknown chat: recent, it may be ours and not recorded yet.
    await expect(resolve.target(org(), 'unknown-chat', job(Date.now()))).rejects.toBeInstanceOf(
      DeferJobError,
    );
    expect(await resolve.target(org(), 'unknown-chat', job(Date.now() - 60_000))).toBeUndefined();
    // The presence list names our customer: the chat is recorded as theirs at once.
    const fresh = await dataSource.query<Array<{ id: string }>>(
      `INSERT INTO conversations (installation_id, instagram_account_id, igsid, livechat_customer_id)
       VALUES ($1, $2, 'steps-fresh', 'fresh-customer') RETURNING id`,
      [biz.installation.id, biz.account.id],
    );
    const found = await resolve.target(
      org(),
      'fresh-chat',
      job(Date.now(), { chat_presence_user_ids: ['fresh-customer'] }),
    );
    expect(found?.conversation).toMatchObject({ id: fresh[0].id, chatId: 'fresh-chat' });
  });

  it('claim: a part is claimed once; done, it is never sent again', async () => {
    const target = await customerTarget();
    const part = { kind: 'text' as const, text: 'claimed once' };
    const first = await claims.claim(target, 'steps-ev-1', 0, part);
    expect(first.status).toBe('send');
    await record.sent(target, first.link.id, 'mid-steps-1');
    const again = await claims.claim(target, 'steps-ev-1', 0, part);
    expect(again).toMatchObject({ status: 'sent-before', link: { id: first.link.id } });
    expect(await linkOf('steps-ev-1')).toEqual({
      state: 'done',
      instagram_message_id: 'm:mid-steps-1',
    });
  });

  it('claim: an uncertain earlier send waits for its echo, and its echo settles it without a second send', async () => {
    const target = await customerTarget();
    const part = { kind: 'text' as const, text: 'maybe sent' };
    const first = await claims.claim(target, 'steps-ev-2', 0, part);
    expect(first.status).toBe('send');
    // A retry before any echo arrived: the job waits (a deferral), it does not send again.
    await expect(claims.claim(target, 'steps-ev-2', 0, part)).rejects.toBeInstanceOf(DeferJobError);
    // The echo of that send arrives: the claim is settled by it.
    await echoes.record(
      target.account.instagramAccountId,
      target.conversation.igsid,
      'mid-steps-echo',
      echoes.fingerprint({ kind: 'text', text: 'maybe sent' }),
    );
    const settled = await claims.claim(target, 'steps-ev-2', 0, part);
    expect(settled.status).toBe('settled-by-echo');
    expect(await linkOf('steps-ev-2')).toEqual({
      state: 'done',
      instagram_message_id: 'm:mid-steps-echo',
    });
    // One echo settles one claim: another pending claim of the same text is not settled by it.
    const other = await claims.claim(target, 'steps-ev-3', 0, part);
    expect(other.status).toBe('send');
    await expect(claims.claim(target, 'steps-ev-3', 0, part)).rejects.toBeInstanceOf(DeferJobError);
  });

  it('deliver and record: sends the part, keeps the conversation marked as sending until recorded', async () => {
    const target = await customerTarget();
    const part = { kind: 'text' as const, text: 'delivered once' };
    const { link } = await claims.claim(target, 'steps-ev-4', 0, part);
    const token = pageTokens.tokenOf(target.account)!;
    const mid = await delivery.deliver(target, link, part, { messagingType: 'RESPONSE' }, token);
    expect(mid).toBeTruthy();
    expect(
      await marker.isSending(target.account.instagramAccountId, target.conversation.igsid),
    ).toBe(true);
    await record.sent(target, link.id, mid);
    await delivery.recorded(target);
    expect(
      await marker.isSending(target.account.instagramAccountId, target.conversation.igsid),
    ).toBe(false);
    expect(await linkOf('steps-ev-4')).toEqual({ state: 'done', instagram_message_id: `m:${mid}` });
    const sent = world.meta.state
      .sentTo(ig(), target.conversation.igsid)
      .filter((m) => m.kind !== 'sender_action');
    expect(sent.map((m) => m.text)).toEqual(['delivered once']);
  });

  it('deliver: when Meta answers with an error nothing was sent, so the claim goes back and the mark is cleared', async () => {
    const target = await customerTarget();
    const part = { kind: 'text' as const, text: 'refused' };
    const { link } = await claims.claim(target, 'steps-ev-5', 0, part);
    world.meta.faults.inject({ route: '/me/messages', windowClosed: true, times: 1 });
    const token = pageTokens.tokenOf(target.account)!;
    const error = await delivery
      .deliver(target, link, part, { messagingType: 'RESPONSE' }, token)
      .catch((e: unknown) => e);
    expect(isMetaGraphError(error) && error.reason).toBe('window-closed');
    expect(await linkOf('steps-ev-5')).toBeUndefined();
    expect(
      await marker.isSending(target.account.instagramAccountId, target.conversation.igsid),
    ).toBe(false);
    expect(
      world.meta.state
        .sentTo(ig(), target.conversation.igsid)
        .filter((m) => m.kind !== 'sender_action'),
    ).toEqual([]);
  });

  it('record: parts sent at the same time are each recorded before their callers go on', async () => {
    const target = await customerTarget();
    const claimed = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        claims.claim(target, `steps-ev-many-${i}`, 0, { kind: 'text', text: `part ${i}` }),
      ),
    );
    await Promise.all(claimed.map((c, i) => record.sent(target, c.link.id, `mid-many-${i}`)));
    for (let i = 0; i < 8; i += 1) {
      expect(await linkOf(`steps-ev-many-${i}`)).toEqual({
        state: 'done',
        instagram_message_id: `m:mid-many-${i}`,
      });
    }
  });
});
