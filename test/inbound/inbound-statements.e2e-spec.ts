import { DataSource } from 'typeorm';
import {
  ConversationRepository,
  DeletionRequestRepository,
  InstagramAccountEntity,
  InstallationEntity,
  MessageLinkRepository,
} from '@app/persistence';
import { PersistenceHarness } from '../support/persistence-harness';

/**
 * The relay's inbound statements, each one round trip doing several things: the claim with its
 * conversation (and the messaging window), and the completion (link, chat and thread, last
 * relayed). Real Postgres, concurrent callers.
 */
describe('inbound claim and completion statements (real Postgres)', () => {
  let harness: PersistenceHarness;
  let conversations: ConversationRepository;
  let links: MessageLinkRepository;
  let dataSource: DataSource;
  let installation: InstallationEntity;
  let account: InstagramAccountEntity;
  let n = 0;

  beforeAll(async () => {
    harness = await PersistenceHarness.start();
    ({ conversations, links, dataSource } = harness);
    ({ installation, account } = await harness.business('inbound-statements'));
  });

  afterAll(async () => {
    await harness?.close();
  });

  /** One item's completion: a batch of one, as the relay writes it when nothing else is pending. */
  const completeOne = (
    installationId: string,
    id: string,
    conversationId: string,
    ref: { chatId: string; threadId: string | null; eventId: string },
    touch: { id: string; at: Date } | null,
  ): Promise<void> =>
    links.completeInboundMany(
      [{ installationId, id, conversationId, ref }],
      touch ? [{ installationId, ...touch }] : [],
    );

  const keyFor = (igsid: string, mid: string) => ({
    installationId: installation.id,
    instagramAccountId: account.id,
    igsid,
    instagramMessageId: `m:${mid}`,
  });

  async function conversationRow(id: string): Promise<{
    chat_id: string | null;
    thread_id: string | null;
    last_inbound_at: Date | null;
    version: string;
  }> {
    // xmin changes with every write of the row: it tells whether a statement wrote it.
    const [row] = await dataSource.query<
      Array<{
        chat_id: string | null;
        thread_id: string | null;
        last_inbound_at: Date | null;
        version: string;
      }>
    >(
      'SELECT chat_id, thread_id, last_inbound_at, xmin::text AS version FROM conversations WHERE id = $1',
      [id],
    );
    return row;
  }

  it('claims nothing and writes nothing for a user without a conversation yet', async () => {
    const igsid = `new-${(n += 1)}`;
    expect(await links.claimInboundWithConversation(keyFor(igsid, 'a'), new Date())).toBeNull();
    const [{ count }] = await dataSource.query<Array<{ count: string }>>(
      `SELECT count(*)::text AS count FROM message_links WHERE instagram_message_id = 'm:a'`,
    );
    expect(count).toBe('0');
  });

  it('creates a conversation once under concurrency, then claims an item once, returning the conversation', async () => {
    const igsid = `race-${(n += 1)}`;
    const created = await Promise.all(
      [1, 2, 3, 4].map(() => conversations.findOrCreate(installation.id, account.id, igsid)),
    );
    expect(new Set(created.map((c) => c.id)).size).toBe(1);
    expect(created[0]).toMatchObject({ igsid, chatId: null, installationId: installation.id });

    const claims = await Promise.all(
      [1, 2, 3, 4].map(() => links.claimInboundWithConversation(keyFor(igsid, igsid), null)),
    );
    expect(claims.filter((c) => c?.created)).toHaveLength(1);
    expect(new Set(claims.map((c) => c?.link.id)).size).toBe(1);
    for (const claim of claims) {
      expect(claim?.conversation.id).toBe(created[0].id);
      expect(claim?.link).toMatchObject({ state: 'pending', conversationId: created[0].id });
    }
  });

  it('moves the messaging window forward with the claim, never back', async () => {
    const igsid = `window-${(n += 1)}`;
    const conversation = await conversations.findOrCreate(installation.id, account.id, igsid);
    const t1 = new Date(Date.now() - 60_000);
    await links.claimInboundWithConversation(keyFor(igsid, `${igsid}-1`), t1);
    expect((await conversationRow(conversation.id)).last_inbound_at).toEqual(t1);

    const older = new Date(t1.getTime() - 30_000);
    await links.claimInboundWithConversation(keyFor(igsid, `${igsid}-0`), older);
    expect((await conversationRow(conversation.id)).last_inbound_at).toEqual(t1);

    // An item that does not open the window (a reaction) leaves it alone.
    await links.claimInboundWithConversation(keyFor(igsid, `${igsid}-r`), null);
    expect((await conversationRow(conversation.id)).last_inbound_at).toEqual(t1);

    const t2 = new Date();
    await links.claimInboundWithConversation(keyFor(igsid, `${igsid}-2`), t2);
    expect((await conversationRow(conversation.id)).last_inbound_at).toEqual(t2);
  });

  it('completes the link, and writes the chat and thread only when they change', async () => {
    const igsid = `complete-${(n += 1)}`;
    await conversations.findOrCreate(installation.id, account.id, igsid);
    const first = await links.claimInboundWithConversation(keyFor(igsid, `${igsid}-1`), null);
    const conversationId = first!.conversation.id;
    await completeOne(
      installation.id,
      first!.link.id,
      conversationId,
      { chatId: 'chat-1', threadId: 'thread-1', eventId: 'event-1' },
      null,
    );
    const link = await links.findByInstagramId(installation.id, account.id, `m:${igsid}-1`);
    expect(link).toMatchObject({
      state: 'done',
      livechatChatId: 'chat-1',
      livechatThreadId: 'thread-1',
      livechatEventId: 'event-1',
    });
    const recorded = await conversationRow(conversationId);
    expect(recorded).toMatchObject({ chat_id: 'chat-1', thread_id: 'thread-1' });

    // Same chat and thread: the conversation row is not written again.
    const second = await links.claimInboundWithConversation(keyFor(igsid, `${igsid}-2`), null);
    expect(second!.conversation).toMatchObject({ chatId: 'chat-1', threadId: 'thread-1' });
    await completeOne(
      installation.id,
      second!.link.id,
      conversationId,
      { chatId: 'chat-1', threadId: 'thread-1', eventId: 'event-2' },
      null,
    );
    expect((await conversationRow(conversationId)).version).toBe(recorded.version);
    expect(
      (await links.findByInstagramId(installation.id, account.id, `m:${igsid}-2`))?.state,
    ).toBe('done');

    // A resumed chat has a new thread: written.
    const third = await links.claimInboundWithConversation(keyFor(igsid, `${igsid}-3`), null);
    await completeOne(
      installation.id,
      third!.link.id,
      conversationId,
      { chatId: 'chat-1', threadId: 'thread-2', eventId: 'event-3' },
      null,
    );
    expect(await conversationRow(conversationId)).toMatchObject({
      chat_id: 'chat-1',
      thread_id: 'thread-2',
    });
  });

  it("still refreshes a conversation's updated_at (the idle sweep's clock) once it is a day old", async () => {
    const igsid = `idle-${(n += 1)}`;
    const conversation = await conversations.findOrCreate(installation.id, account.id, igsid);
    await dataSource.query(
      `UPDATE conversations SET chat_id = 'c', thread_id = 't', updated_at = now() - interval '2 days' WHERE id = $1`,
      [conversation.id],
    );
    const claim = await links.claimInboundWithConversation(keyFor(igsid, igsid), null);
    await completeOne(
      installation.id,
      claim!.link.id,
      conversation.id,
      { chatId: 'c', threadId: 't', eventId: 'e' },
      null,
    );
    const [{ fresh }] = await dataSource.query<Array<{ fresh: boolean }>>(
      `SELECT updated_at > now() - interval '1 minute' AS fresh FROM conversations WHERE id = $1`,
      [conversation.id],
    );
    expect(fresh).toBe(true);
  });

  it('writes "last relayed" with the completion only when asked, and not twice within 30 s', async () => {
    const igsid = `touch-${(n += 1)}`;
    await conversations.findOrCreate(installation.id, account.id, igsid);
    await dataSource.query('UPDATE instagram_accounts SET last_relayed_at = NULL WHERE id = $1', [
      account.id,
    ]);
    const lastRelayed = async (): Promise<Date | null> => {
      const [row] = await dataSource.query<Array<{ last_relayed_at: Date | null }>>(
        'SELECT last_relayed_at FROM instagram_accounts WHERE id = $1',
        [account.id],
      );
      return row.last_relayed_at;
    };
    const complete = async (mid: string, touch: Date | null): Promise<void> => {
      const claim = await links.claimInboundWithConversation(keyFor(igsid, mid), null);
      await completeOne(
        installation.id,
        claim!.link.id,
        claim!.conversation.id,
        { chatId: 'c', threadId: 't', eventId: mid },
        touch ? { id: account.id, at: touch } : null,
      );
    };

    await complete(`${igsid}-1`, null);
    expect(await lastRelayed()).toBeNull();

    const at = new Date(Date.now() - 60_000);
    await complete(`${igsid}-2`, at);
    expect(await lastRelayed()).toEqual(at);

    await complete(`${igsid}-3`, new Date(at.getTime() + 10_000));
    expect(await lastRelayed()).toEqual(at);

    const later = new Date(at.getTime() + 31_000);
    await complete(`${igsid}-4`, later);
    expect(await lastRelayed()).toEqual(later);
  });
  it('completes the items of several conversations in one statement, each with where it landed', async () => {
    const igsids = [1, 2, 3].map((i) => `batch-${(n += 1)}-${i}`);
    const claims = [];
    for (const igsid of igsids) {
      await conversations.findOrCreate(installation.id, account.id, igsid);
      claims.push((await links.claimInboundWithConversation(keyFor(igsid, `${igsid}-1`), null))!);
    }
    await links.completeInboundMany(
      claims.map((claim, i) => ({
        installationId: installation.id,
        id: claim.link.id,
        conversationId: claim.conversation.id,
        ref: { chatId: `chat-${igsids[i]}`, threadId: `thread-${i}`, eventId: `event-${i}` },
      })),
      [],
    );
    for (const [i, igsid] of igsids.entries()) {
      expect(
        await links.findByInstagramId(installation.id, account.id, `m:${igsid}-1`),
      ).toMatchObject({
        state: 'done',
        livechatChatId: `chat-${igsid}`,
        livechatEventId: `event-${i}`,
      });
      expect(await conversationRow(claims[i].conversation.id)).toMatchObject({
        chat_id: `chat-${igsid}`,
        thread_id: `thread-${i}`,
      });
    }
  });

  it('writes a conversation once when a batch holds two of its items: the last one given wins', async () => {
    const igsid = `twice-${(n += 1)}`;
    await conversations.findOrCreate(installation.id, account.id, igsid);
    const first = (await links.claimInboundWithConversation(keyFor(igsid, `${igsid}-1`), null))!;
    const second = (await links.claimInboundWithConversation(keyFor(igsid, `${igsid}-2`), null))!;
    await links.completeInboundMany(
      [
        { ref: { chatId: 'old-chat', threadId: 'old-thread', eventId: 'e1' }, claim: first },
        { ref: { chatId: 'new-chat', threadId: 'new-thread', eventId: 'e2' }, claim: second },
      ].map(({ ref, claim }) => ({
        installationId: installation.id,
        id: claim.link.id,
        conversationId: claim.conversation.id,
        ref,
      })),
      [],
    );
    expect(await conversationRow(first.conversation.id)).toMatchObject({
      chat_id: 'new-chat',
      thread_id: 'new-thread',
    });
    expect(
      (await links.findByInstagramId(installation.id, account.id, `m:${igsid}-1`))?.livechatChatId,
    ).toBe('old-chat');
  });

  it("tells which items of a batch their author deleted (pending or applied), by the batch's indexes", async () => {
    const deletions = harness.moduleRef.get(DeletionRequestRepository);
    const tag = `deleted-${(n += 1)}`;
    await deletions.requestMessageDelete({
      instagramAccountId: account.id,
      itemKey: `m:${tag}-b`,
      dueAt: new Date(),
    });
    await deletions.requestMessageDelete({
      instagramAccountId: account.id,
      itemKey: `m:${tag}-d`,
      dueAt: new Date(),
    });
    await dataSource.query(
      `UPDATE deletion_requests SET status = 'done' WHERE instagram_message_id = $1`,
      [`m:${tag}-d`],
    );
    const { account: other } = await harness.business(`${tag}-other`);
    const found = await deletions.messageDeletesRequested([
      { instagramAccountId: account.id, itemKey: `m:${tag}-a` },
      { instagramAccountId: account.id, itemKey: `m:${tag}-b` },
      // The same message id under another account is not this one.
      { instagramAccountId: other.id, itemKey: `m:${tag}-b` },
      { instagramAccountId: account.id, itemKey: `m:${tag}-d` },
    ]);
    expect([...found].sort()).toEqual([1, 3]);
    expect(await deletions.messageDeletesRequested([])).toEqual(new Set());
  });
  it('claims a batch in one statement: new, already claimed, repeated, and no conversation yet', async () => {
    const tag = `many-${(n += 1)}`;
    const known = await conversations.findOrCreate(installation.id, account.id, `${tag}-known`);
    const other = await conversations.findOrCreate(installation.id, account.id, `${tag}-other`);
    const before = await links.claimInboundWithConversation(
      keyFor(`${tag}-other`, `${tag}-old`),
      null,
    );
    const at = new Date(Date.now() - 5_000);
    const results = await links.claimInboundMany([
      { key: keyFor(`${tag}-known`, `${tag}-new`), windowAt: at },
      { key: keyFor(`${tag}-nobody`, `${tag}-x`), windowAt: at },
      { key: keyFor(`${tag}-other`, `${tag}-old`), windowAt: null },
      { key: keyFor(`${tag}-known`, `${tag}-new`), windowAt: at },
    ]);
    expect(results.map((r) => r?.created ?? null)).toEqual([true, null, false, false]);
    expect(results[0]?.conversation.id).toBe(known.id);
    expect(results[0]?.link).toMatchObject({ state: 'pending', conversationId: known.id });
    expect(results[3]?.link.id).toBe(results[0]?.link.id);
    expect(results[2]?.link.id).toBe(before?.link.id);
    expect(results[2]?.conversation.id).toBe(other.id);
    expect((await conversationRow(known.id)).last_inbound_at).toEqual(at);
    expect((await conversationRow(other.id)).last_inbound_at).toBeNull();
    const [{ count }] = await dataSource.query<Array<{ count: string }>>(
      `SELECT count(*)::text AS count FROM message_links WHERE instagram_message_id LIKE $1`,
      [`m:${tag}-%`],
    );
    expect(count).toBe('2');
  });
});
