import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  ConversationRepository,
  InstagramAccountRepository,
  InstagramAccountTakenError,
  InstallationRepository,
  MessageLinkEntity,
  MessageLinkRepository,
} from '@app/persistence';
import { PersistenceHarness } from '../support/persistence-harness';

describe('persistence (real Postgres)', () => {
  let harness: PersistenceHarness;
  let installations: InstallationRepository;
  let accounts: InstagramAccountRepository;
  let conversations: ConversationRepository;
  let links: MessageLinkRepository;
  let dataSource: DataSource;

  beforeAll(async () => {
    harness = await PersistenceHarness.start();
    ({ installations, accounts, conversations, links, dataSource } = harness);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('stores LiveChat tokens encrypted and gives them back in clear', async () => {
    const accessToken = `dal:access-${randomBytes(8).toString('hex')}`;
    const refreshToken = `refresh-${randomBytes(8).toString('hex')}`;
    const installation = await installations.upsertGrant({
      organizationId: 'org-crypto',
      accountId: 'admin-1',
      accessToken,
      refreshToken,
      expiresAt: new Date(Date.now() + 28_800_000),
      scopes: 'customers:own',
    });

    const tokens = await installations.getTokens(installation.id);
    expect(tokens.accessToken).toBe(accessToken);
    expect(tokens.refreshToken).toBe(refreshToken);

    const [row] = await dataSource.query<
      Array<{ access_token_enc: string; refresh_token_enc: string; whole: string }>
    >(
      'SELECT access_token_enc, refresh_token_enc, row_to_json(i)::text AS whole FROM installations i WHERE id = $1',
      [installation.id],
    );
    expect(row.access_token_enc).toMatch(/^v1:[0-9a-f]{8}:/);
    expect(row.whole).not.toContain(accessToken);
    expect(row.whole).not.toContain(refreshToken);
  });

  it('reinstall reuses the installation row and reactivates it', async () => {
    const grant = {
      organizationId: 'org-reinstall',
      accountId: 'admin-1',
      accessToken: 'a1',
      refreshToken: 'r1',
      expiresAt: new Date(Date.now() + 1000),
      scopes: 'customers:own',
    };
    const first = await installations.upsertGrant(grant);
    await installations.markUninstalled(first.id, new Date(Date.now() + 60_000));
    const second = await installations.upsertGrant({ ...grant, accessToken: 'a2' });
    expect(second.id).toBe(first.id);
    expect(second.status).toBe('active');
    expect(second.purgeAt).toBeNull();
    expect((await installations.getTokens(first.id)).accessToken).toBe('a2');
  });

  it('encrypts Page tokens and refuses an Instagram account held by another installation', async () => {
    const a = await installations.upsertGrant({
      organizationId: 'org-a',
      accountId: null,
      accessToken: 'x',
      refreshToken: null,
      expiresAt: new Date(),
      scopes: '',
    });
    const b = await installations.upsertGrant({
      organizationId: 'org-b',
      accountId: null,
      accessToken: 'y',
      refreshToken: null,
      expiresAt: new Date(),
      scopes: '',
    });
    const connection = {
      installationId: a.id,
      pageId: 'page-1',
      instagramAccountId: 'ig-1',
      pageToken: 'EAAG-page-token-secret',
      username: 'shop',
      name: 'Shop',
      pageName: 'Shop Page',
      avatarUrl: null,
      connectedByUserId: 'fb-user-1',
    };
    const account = await accounts.connect(connection);
    expect(await accounts.getPageToken(a.id, account.id)).toBe('EAAG-page-token-secret');
    const [row] = await dataSource.query<Array<{ page_token_enc: string }>>(
      'SELECT page_token_enc FROM instagram_accounts WHERE id = $1',
      [account.id],
    );
    expect(row.page_token_enc).not.toContain('EAAG-page-token-secret');
    await expect(accounts.connect({ ...connection, installationId: b.id })).rejects.toBeInstanceOf(
      InstagramAccountTakenError,
    );
    // The tenant key scopes every read: installation b cannot read a's token.
    expect(await accounts.getPageToken(b.id, account.id)).toBeNull();
  });

  it('claims an inbound Instagram message exactly once, even when claimed concurrently', async () => {
    const inst = await installations.upsertGrant({
      organizationId: 'org-links',
      accountId: null,
      accessToken: 'x',
      refreshToken: null,
      expiresAt: new Date(),
      scopes: '',
    });
    const account = await accounts.connect({
      installationId: inst.id,
      pageId: 'p',
      instagramAccountId: 'ig-links',
      pageToken: 't',
      username: null,
      name: null,
      pageName: null,
      avatarUrl: null,
      connectedByUserId: null,
    });
    const conversation = await conversations.findOrCreate(inst.id, account.id, 'igsid-1');
    const again = await conversations.findOrCreate(inst.id, account.id, 'igsid-1');
    expect(again.id).toBe(conversation.id);

    const key = {
      installationId: inst.id,
      instagramAccountId: account.id,
      igsid: conversation.igsid,
      instagramMessageId: 'mid.$abc',
    };
    const claim = async (): Promise<{ link: MessageLinkEntity; created: boolean }> => {
      const claimed = await links.claimInboundWithConversation(key, null);
      if (!claimed) {
        throw new Error('the conversation was not found');
      }
      return claimed;
    };
    const claims = await Promise.all([claim(), claim(), claim()]);
    expect(claims.filter((c) => c.created)).toHaveLength(1);
    expect(new Set(claims.map((c) => c.link.id)).size).toBe(1);
  });

  it('has no column that could hold message text or media', async () => {
    const columns = await dataSource.query<Array<{ table_name: string; column_name: string }>>(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const suspicious = columns.filter((c) =>
      /text|body|content|media|attachment|caption/.test(c.column_name),
    );
    expect(columns.length).toBeGreaterThan(20);
    expect(suspicious).toEqual([]);
  });
});
