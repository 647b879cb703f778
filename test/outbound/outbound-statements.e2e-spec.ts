import {
  ConversationRepository,
  InstagramAccountRepository,
  InstallationRepository,
  MessageLinkRepository,
} from '@app/persistence';
import { PersistenceHarness } from '../support/persistence-harness';

/** The relay's outbound statements: a webhook's target in one read, a reply's claim in one write. */
describe('outbound target and claim statements (real Postgres)', () => {
  let harness: PersistenceHarness;
  let installations: InstallationRepository;
  let accounts: InstagramAccountRepository;
  let conversations: ConversationRepository;
  let links: MessageLinkRepository;

  beforeAll(async () => {
    harness = await PersistenceHarness.start();
    ({ installations, accounts, conversations, links } = harness);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it("finds a chat's conversation, account and installation in one read, only in the chat's own organization, and current", async () => {
    const a = await harness.business('target-a');
    const b = await harness.business('target-b');
    const conversation = await conversations.findOrCreate(a.installation.id, a.account.id, 'u1');
    await conversations.update(a.installation.id, conversation.id, { chatId: 'chat-a' });

    const found = await conversations.findByOrganizationChat('org-target-a', 'chat-a');
    expect(found?.installation).toMatchObject({ id: a.installation.id, status: 'active' });
    expect(found?.account).toMatchObject({ id: a.account.id, status: 'active' });
    expect(found?.conversation).toMatchObject({ id: conversation.id, igsid: 'u1' });
    expect(found?.conversation.instagramAccount).toBeUndefined();
    expect(accounts.pageTokenOf(found!.account)).toBe('page-token-target-a');

    // Another organization's chat is never found through this one, nor the other way round.
    const other = await conversations.findOrCreate(b.installation.id, b.account.id, 'u1');
    await conversations.update(b.installation.id, other.id, { chatId: 'chat-b' });
    expect(await conversations.findByOrganizationChat('org-target-b', 'chat-a')).toBeNull();
    expect(await conversations.findByOrganizationChat('org-target-a', 'chat-b')).toBeNull();
    expect(await conversations.findByOrganizationChat('org-target-a', 'chat-x')).toBeNull();

    // Nothing is cached: an uninstall, a new token or a disconnect shows in the next read.
    await installations.markUninstalled(a.installation.id, new Date(Date.now() + 86_400_000));
    await accounts.connect({
      installationId: a.installation.id,
      pageId: 'page-target-a',
      instagramAccountId: 'ig-target-a',
      pageToken: 'page-token-target-a-2',
      username: null,
      name: null,
      pageName: null,
      avatarUrl: null,
      connectedByUserId: null,
    });
    await accounts.setStatus(a.installation.id, a.account.id, 'disconnected', null);
    const again = await conversations.findByOrganizationChat('org-target-a', 'chat-a');
    expect(again?.installation.status).toBe('uninstalled');
    expect(again?.account.status).toBe('disconnected');
    expect(accounts.pageTokenOf(again!.account)).toBe('page-token-target-a-2');
  });

  it('claims each part of a reply once under concurrency, returning the claim without reading it back', async () => {
    const { installation, account } = await harness.business('claim');
    const conversation = await conversations.findOrCreate(installation.id, account.id, 'u2');
    const key = {
      installationId: installation.id,
      instagramAccountId: account.id,
      conversationId: conversation.id,
      livechatChatId: 'chat-claim',
      livechatEventId: 'event-claim',
      part: 0,
    };
    const claims = await Promise.all([1, 2, 3, 4].map(() => links.claimOutbound(key)));
    expect(claims.filter((c) => c.created)).toHaveLength(1);
    expect(new Set(claims.map((c) => c.link.id)).size).toBe(1);
    const mine = claims.find((c) => c.created)!.link;
    const theirs = claims.find((c) => !c.created)!.link;
    expect(mine).toMatchObject({
      id: theirs.id,
      state: 'pending',
      direction: 'outbound',
      livechatEventId: 'event-claim',
      part: 0,
      instagramMessageId: null,
    });
    expect(mine.createdAt.getTime()).toBe(theirs.createdAt.getTime());

    // Another part of the same event is a claim of its own.
    const second = await links.claimOutbound({ ...key, part: 1 });
    expect(second.created).toBe(true);
    expect(second.link.id).not.toBe(mine.id);
  });

  it('claims a batch of parts in one statement: new, claimed before, and repeated in the batch', async () => {
    const { installation, account } = await harness.business('claim-many');
    const conversation = await conversations.findOrCreate(installation.id, account.id, 'u4');
    const key = (event: string, part: number) => ({
      installationId: installation.id,
      instagramAccountId: account.id,
      conversationId: conversation.id,
      livechatChatId: 'chat-claim-many',
      livechatEventId: event,
      part,
    });
    const before = await links.claimOutbound(key('event-old', 0));
    const results = await links.claimOutboundMany([
      key('event-new', 0),
      key('event-old', 0),
      key('event-new', 1),
      key('event-new', 0),
    ]);
    expect(results.map((r) => r.created)).toEqual([true, false, true, false]);
    expect(results[1].link.id).toBe(before.link.id);
    expect(results[3].link.id).toBe(results[0].link.id);
    expect(results[2].link.id).not.toBe(results[0].link.id);
    expect(results[0].link).toMatchObject({
      state: 'pending',
      livechatEventId: 'event-new',
      part: 0,
    });
    expect(results[2].link).toMatchObject({ livechatEventId: 'event-new', part: 1 });
    const [{ count }] = await harness.dataSource.query<Array<{ count: string }>>(
      `SELECT count(*)::text AS count FROM message_links WHERE livechat_chat_id = 'chat-claim-many'`,
    );
    expect(count).toBe('3');
    expect(await links.claimOutboundMany([])).toEqual([]);
  });

  it('records several sent parts in one statement, each with its own message id, only in its installation', async () => {
    const { installation, account } = await harness.business('many');
    const other = await harness.business('many-other');
    const conversation = await conversations.findOrCreate(installation.id, account.id, 'u3');
    const claims = await Promise.all(
      [0, 1, 2].map((part) =>
        links.claimOutbound({
          installationId: installation.id,
          instagramAccountId: account.id,
          conversationId: conversation.id,
          livechatChatId: 'chat-many',
          livechatEventId: 'event-many',
          part,
        }),
      ),
    );
    await links.completeOutboundMany([
      { installationId: installation.id, id: claims[0].link.id, instagramMessageKey: 'm:a' },
      { installationId: installation.id, id: claims[2].link.id, instagramMessageKey: 'm:c' },
      // Another installation's id for the same row: written nowhere.
      { installationId: other.installation.id, id: claims[1].link.id, instagramMessageKey: 'm:x' },
    ]);
    const rows = await harness.dataSource.query<
      Array<{ part: number; state: string; instagram_message_id: string | null }>
    >(
      `SELECT part, state, instagram_message_id FROM message_links
        WHERE livechat_event_id = 'event-many' ORDER BY part`,
    );
    expect(rows).toEqual([
      { part: 0, state: 'done', instagram_message_id: 'm:a' },
      { part: 1, state: 'pending', instagram_message_id: null },
      { part: 2, state: 'done', instagram_message_id: 'm:c' },
    ]);
  });
});
