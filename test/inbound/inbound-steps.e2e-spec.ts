import { INestApplicationContext } from '@nestjs/common';
import { ConnectedAccount } from '@app/credentials';
import { CustomerChatClient } from '@app/livechat-sdk';
import { parseInstagramMessagingItem } from '@app/meta-graph';
import { MessageLinkRepository } from '@app/persistence';
import { inboundCustomIds, InstagramInboundWork, itemKeys, JsonObject } from '@app/queues';
import { CustomerSessions } from '../../apps/relay-worker/src/inbound/customer-session.service';
import { InboundClaimStep } from '../../apps/relay-worker/src/inbound/inbound-claim.step';
import { InboundDeliverStep } from '../../apps/relay-worker/src/inbound/inbound-deliver.step';
import { InboundRecordStep } from '../../apps/relay-worker/src/inbound/inbound-record.step';
import { InboundRenderStep } from '../../apps/relay-worker/src/inbound/inbound-render.step';
import { InboundResolveStep } from '../../apps/relay-worker/src/inbound/inbound-resolve.step';
import { keysWithPrefix } from '../support/test-redis';
import { ConnectedBusiness, World } from '../support/world';

/**
 * Each step of the inbound pipeline alone, called directly on a relay worker's own instances:
 * real Postgres and Redis, the LiveChat emulator. No job goes through the queue.
 */
describe('inbound relay steps, one at a time', () => {
  let world: World;
  let biz: ConnectedBusiness;
  let worker: INestApplicationContext;
  let n = 0;

  beforeAll(async () => {
    world = await World.start({ relayWorkers: 0 });
    biz = await world.connectBusiness();
    worker = await world.startRelayWorker();
  });

  afterAll(async () => {
    await world?.close();
  });

  function jobFor(igsid: string, text: string): InstagramInboundWork {
    const item = world.meta.build.message({
      igAccountId: biz.meta.igAccount.id,
      igsid,
      text,
    }) as unknown as JsonObject;
    const parsed = parseInstagramMessagingItem(item);
    if (parsed.kind !== 'text') {
      throw new Error(`expected a text, got ${parsed.kind}`);
    }
    return {
      correlationId: `steps-${igsid}`,
      acceptedAt: Date.now(),
      instagramAccountId: biz.meta.igAccount.id,
      itemKey: itemKeys.message(parsed.mid),
      igsid,
      timestamp: parsed.timestamp,
      position: 0,
      item,
    };
  }

  async function connected(): Promise<ConnectedAccount> {
    const found = await worker.get(InboundResolveStep).account(jobFor('resolver', 'x'));
    if (typeof found === 'string') {
      throw new Error(`account not resolved: ${found}`);
    }
    return found;
  }

  it('resolve: finds the account and its installation; drops an item for an unknown account', async () => {
    const resolve = worker.get(InboundResolveStep);
    const found = await connected();
    expect(found.account.id).toBe(biz.account.id);
    expect(found.installation.id).toBe(biz.installation.id);
    expect(await resolve.stillRelaying(found)).toBe(true);

    const stranger = { ...jobFor('u', 'x'), instagramAccountId: 'no-such-account' };
    expect(await resolve.account(stranger)).toBe('dropped-unknown-account');
  });

  it('claim: creates the conversation on first contact and claims an item once', async () => {
    const claims = worker.get(InboundClaimStep);
    const account = await connected();
    const job = jobFor(`claim-${(n += 1)}`, 'hello');

    const first = await claims.claim(account, job, new Date(job.timestamp));
    expect(first.created).toBe(true);
    expect(first.link.state).toBe('pending');
    expect(first.conversation).toMatchObject({ igsid: job.igsid, chatId: null });

    const again = await claims.claim(account, job, new Date(job.timestamp));
    expect(again.created).toBe(false);
    expect(again.link.id).toBe(first.link.id);

    await claims.release(account, again);
    const links = worker.get(MessageLinkRepository);
    expect(await links.findByInstagramId(biz.installation.id, biz.account.id, job.itemKey)).toBe(
      null,
    );
  });

  it("render: a text becomes one event carrying the item's custom_id", async () => {
    const account = await connected();
    const job = jobFor(`render-${(n += 1)}`, 'render me');
    const claim = await worker.get(InboundClaimStep).claim(account, job, null);
    const session = await worker
      .get(CustomerSessions)
      .open(account.installation, claim.conversation);
    expect(session.customerId).toBe(claim.conversation.livechatCustomerId);

    const events = await worker
      .get(InboundRenderStep)
      .render(account, session, parseInstagramMessagingItem(job.item), job.itemKey);
    expect(events).toEqual([
      { type: 'message', text: 'render me', customId: inboundCustomIds.event(job.itemKey, 0) },
    ]);
  });

  it('deliver and record: starts the chat once; a retry finds the events sent and sends nothing again', async () => {
    const account = await connected();
    const job = jobFor(`deliver-${(n += 1)}`, 'deliver me');
    const claim = await worker.get(InboundClaimStep).claim(account, job, null);
    const session = await worker
      .get(CustomerSessions)
      .open(account.installation, claim.conversation);
    const events = await worker
      .get(InboundRenderStep)
      .render(account, session, parseInstagramMessagingItem(job.item), job.itemKey);
    const deliver = worker.get(InboundDeliverStep);

    const delivered = await deliver.deliver(
      account,
      claim.conversation,
      session,
      events,
      job.itemKey,
      true,
    );
    const inChat = () =>
      world.livechat.state
        .events(delivered.chatId)
        .filter((e) => inboundCustomIds.isOf(e.customId, job.itemKey));
    expect(inChat().map((e) => e.text)).toEqual(['deliver me']);

    // As after a crash between sending and recording: the claim is found, nothing is resent.
    const retried = await worker.get(InboundClaimStep).claim(account, job, null);
    expect(retried.created).toBe(false);
    const redelivered = await deliver.deliver(
      account,
      retried.conversation,
      session,
      events,
      job.itemKey,
      false,
    );
    expect(redelivered).toEqual(delivered);
    expect(inChat()).toHaveLength(1);

    await worker.get(InboundRecordStep).record(account, job, retried, redelivered);
    const link = await worker
      .get(MessageLinkRepository)
      .findByInstagramId(biz.installation.id, biz.account.id, job.itemKey);
    expect(link).toMatchObject({
      state: 'done',
      livechatChatId: delivered.chatId,
      livechatEventId: delivered.eventId,
    });
    // The chat is known as ours to the gateway.
    const ownKeys = await keysWithPrefix(world.prefix);
    expect(ownKeys.some((k) => k.includes(delivered.chatId))).toBe(true);

    // The next item of the conversation goes into the recorded chat.
    const next = jobFor(job.igsid, 'and again');
    const nextClaim = await worker.get(InboundClaimStep).claim(account, next, null);
    expect(nextClaim.conversation.chatId).toBe(delivered.chatId);
    const nextEvents = await worker
      .get(InboundRenderStep)
      .render(account, session, parseInstagramMessagingItem(next.item), next.itemKey);
    const landed = await deliver.deliver(
      account,
      nextClaim.conversation,
      session,
      nextEvents,
      next.itemKey,
      true,
    );
    expect(landed.chatId).toBe(delivered.chatId);
    expect(
      world.livechat.state.chats(biz.org.organizationId).filter((c) => c.id === landed.chatId),
    ).toHaveLength(1);
  });
  // Last: it invalidates every token of the license.
  it('customer session: the token is kept in memory, and one LiveChat refuses is re-minted once', async () => {
    const account = await connected();
    const job = jobFor(`session-${(n += 1)}`, 'x');
    const claim = await worker.get(InboundClaimStep).claim(account, job, null);
    const sessions = worker.get(CustomerSessions);
    const first = await sessions.open(account.installation, claim.conversation);
    const again = await sessions.open(account.installation, claim.conversation);
    expect(again).toEqual(first);

    expect(world.livechat.state.invalidateAccessTokens(biz.org.organizationId)).toBeGreaterThan(0);
    const chats = worker.get(CustomerChatClient);
    const listed = await sessions.call(again, (token, organizationId) =>
      chats.listChats(token, organizationId, { limit: 1 }),
    );
    expect(listed.chatsSummary).toBeDefined();
    expect(again.token).not.toBe(first.token);
    expect(again.customerId).toBe(first.customerId);
    // The fresh token is the one remembered.
    expect((await sessions.open(account.installation, claim.conversation)).token).toBe(again.token);
  });
});
