import { INestApplicationContext } from '@nestjs/common';
import { DeletionRequestRepository } from '@app/persistence';
import { ConnectedBusiness, World } from '../support/world';
import { waitFor } from '../support/wait-for';
import { linkDone, query, relayOne } from './cleanup-helpers';

describe('Instagram message deletes reach LiveChat (delete_event)', () => {
  let world: World;
  let biz: ConnectedBusiness;
  let cleanup: INestApplicationContext;

  beforeAll(async () => {
    world = await World.start({ relayWorkers: 1 });
    cleanup = await world.startCleanupWorker();
    biz = await world.connectBusiness();
  });

  afterAll(async () => {
    await world?.close();
  });

  const deletions = (): DeletionRequestRepository => cleanup.get(DeletionRequestRepository);

  function eventsWithKey(mid: string): Array<{ id: string; deleted: boolean }> {
    return world.livechat.state
      .chats(biz.org.organizationId)
      .flatMap((chat) => world.livechat.state.events(chat.id, { includeDeleted: true }))
      .filter((e) => e.customId === `ig:m:${mid}` || e.customId?.startsWith(`ig:m:${mid}#`))
      .map((e) => ({ id: e.id, deleted: e.deleted }));
  }

  async function linkCount(mid: string): Promise<number> {
    const rows = await query<{ n: string }>(
      world,
      `SELECT count(*) AS n FROM message_links WHERE instagram_account_id = $1 AND instagram_message_id = $2`,
      [biz.account.id, `m:${mid}`],
    );
    return Number(rows[0].n);
  }

  it('deletes the LiveChat event of a relayed message, then forgets the link', async () => {
    const relayed = await relayOne(world, biz, 'I will unsend this');
    await linkDone(world, biz, relayed.mid);
    const kept = await relayOne(world, biz, 'this one stays');

    const sent = await world.meta.customerDeletes({
      igAccountId: biz.meta.igAccount.id,
      igsid: biz.meta.customer.igsid,
      mid: relayed.mid,
    });
    expect(sent.delivery.status).toBe(200);

    await waitFor(
      'the event to be deleted in LiveChat',
      () => eventsWithKey(relayed.mid)[0]?.deleted,
    );
    const call = world.livechat.callsTo('delete_event').find((c) => c.status === 200);
    expect(call?.body).toMatchObject({ chat_id: relayed.chatId, event_id: relayed.eventId });
    expect(call?.authKind).toBe('customer');
    // The customer no longer sees it; the other message is untouched.
    expect(world.livechat.state.events(relayed.chatId).map((e) => e.id)).not.toContain(
      relayed.eventId,
    );
    expect(eventsWithKey(kept.mid)).toEqual([{ id: kept.eventId, deleted: false }]);

    await waitFor('the link to be forgotten', async () => (await linkCount(relayed.mid)) === 0);
    const request = await deletions().findMessageDelete(biz.account.id, `m:${relayed.mid}`);
    expect(request?.status).toBe('done');
    expect(request?.completedAt).toBeInstanceOf(Date);
  });

  it('deletes every event a message with several attachments became', async () => {
    const sent = await world.meta.customerSends({
      igAccountId: biz.meta.igAccount.id,
      igsid: biz.meta.customer.igsid,
      message: { attachments: [{ type: 'image' }, { type: 'image' }] },
    });
    const mid = sent.mid ?? '';
    await waitFor('both attachments in LiveChat', () => eventsWithKey(mid).length === 2);
    await linkDone(world, biz, mid);

    await world.meta.customerDeletes({
      igAccountId: biz.meta.igAccount.id,
      igsid: biz.meta.customer.igsid,
      mid,
    });
    await waitFor('both events deleted', () => eventsWithKey(mid).every((e) => e.deleted));
    expect(eventsWithKey(mid)).toHaveLength(2);
  });

  it('remembers a delete that arrives before its message and applies it when the message lands', async () => {
    const mid = world.meta.state.newMid(biz.meta.igAccount.id);
    const early = await world.meta.customerDeletes({
      igAccountId: biz.meta.igAccount.id,
      igsid: biz.meta.customer.igsid,
      mid,
    });
    expect(early.delivery.status).toBe(200);
    const remembered = await waitFor(
      'the delete to be remembered',
      async () => (await deletions().findMessageDelete(biz.account.id, `m:${mid}`)) ?? undefined,
    );
    expect(remembered.status).toBe('pending');
    const promisedDays = (remembered.dueAt.getTime() - remembered.createdAt.getTime()) / 86_400_000;
    expect(Math.round(promisedDays)).toBe(30);
    expect(eventsWithKey(mid)).toEqual([]);

    // The message itself arrives later (Meta does not promise order across webhooks).
    const late = await world.meta.customerSends({
      igAccountId: biz.meta.igAccount.id,
      igsid: biz.meta.customer.igsid,
      text: 'overtaken by its own delete',
      mid,
    });
    expect(late.delivery.status).toBe(200);
    await waitFor('the late message to be deleted in LiveChat', () => {
      const events = eventsWithKey(mid);
      return events.length === 1 && events[0].deleted;
    });
    await waitFor('the request to be done', async () => {
      const request = await deletions().findMessageDelete(biz.account.id, `m:${mid}`);
      return request?.status === 'done';
    });
    await waitFor('the link to be forgotten', async () => (await linkCount(mid)) === 0);
  });

  it('keeps a redelivered deleted message out of LiveChat', async () => {
    const relayed = await relayOne(world, biz, 'sent twice, deleted once');
    await linkDone(world, biz, relayed.mid);
    await world.meta.customerDeletes({
      igAccountId: biz.meta.igAccount.id,
      igsid: biz.meta.customer.igsid,
      mid: relayed.mid,
    });
    await waitFor('deleted', () => eventsWithKey(relayed.mid)[0]?.deleted);
    await waitFor('the link to be forgotten', async () => (await linkCount(relayed.mid)) === 0);

    // Meta delivers the original message again: it lands, and is deleted again.
    await world.meta.customerSends({
      igAccountId: biz.meta.igAccount.id,
      igsid: biz.meta.customer.igsid,
      text: 'sent twice, deleted once',
      mid: relayed.mid,
    });
    await waitFor('the redelivered copy to be deleted', () => {
      const events = eventsWithKey(relayed.mid);
      return events.length === 2 && events.every((e) => e.deleted);
    });
  });
});
