import { getDataSourceToken } from '@nestjs/typeorm';
import {
  InstagramAccountEntity,
  InstagramAccountRepository,
  InstallationEntity,
  InstallationRepository,
} from '@app/persistence';
import { DataSource } from 'typeorm';
import { OrganizationHandle } from '../emulators/livechat';
import { SeededBusiness } from '../emulators/meta';
import { call } from '../settings/settings-flows';
import { connectionOf, grantOf } from '../support/seeded-records';
import { waitFor } from '../support/wait-for';
import { World } from '../support/world';

interface AccountBody {
  id: string;
  username: string | null;
  livechatGroupId: number;
  livechatGroupProblem: string | null;
}

/**
 * Routing per Instagram account, context for agents and Meta's rules on sends, end to end: the
 * gateway's settings API, the relay worker, real Postgres and Redis, the LiveChat and Meta
 * emulators. One installation with two Instagram accounts (both through their Facebook Page),
 * each routed to a group of its own.
 */
describe('routing per Instagram account (gateway, relay worker, emulators)', () => {
  let world: World;
  let org: OrganizationHandle;
  let installation: InstallationEntity;
  let shop: { meta: SeededBusiness; account: InstagramAccountEntity };
  let outlet: { meta: SeededBusiness; account: InstagramAccountEntity };
  let dataSource: DataSource;
  let n = 0;

  beforeAll(async () => {
    world = await World.start();
    org = world.livechat.state.createOrganization({
      groups: [
        { id: 1, name: 'Sales' },
        { id: 2, name: 'Support' },
        { id: 3, name: 'Outlet' },
      ],
    });
    installation = await world.gateway.app.get(InstallationRepository).upsertGrant(grantOf(org));
    const accounts = world.gateway.app.get(InstagramAccountRepository);
    const connect = async (): Promise<{
      meta: SeededBusiness;
      account: InstagramAccountEntity;
    }> => {
      const meta = world.meta.state.seedBusiness();
      return { meta, account: await accounts.connect(connectionOf(installation.id, meta)) };
    };
    shop = await connect();
    outlet = await connect();
    dataSource = world.gateway.app.get(getDataSourceToken());
    world.livechat.registerWebhook({
      url: `${world.gateway.url}/webhooks/livechat`,
      action: 'incoming_event',
      secretKey: world.vars.LIVECHAT_WEBHOOK_SECRET,
      organizationId: org.organizationId,
    });
  });

  afterAll(async () => {
    await world?.close();
  });

  const token = (): string => org.accessToken;

  async function chooseGroup(accountId: string, livechatGroupId: unknown): Promise<Response> {
    return call(world, `/api/instagram/accounts/${accountId}`, {
      method: 'PATCH',
      token: token(),
      json: { livechatGroupId },
    });
  }

  async function listed(): Promise<AccountBody[]> {
    const response = await call(world, '/api/instagram/accounts', { token: token() });
    expect(response.status).toBe(200);
    return ((await response.json()) as { accounts: AccountBody[] }).accounts;
  }

  /** A new customer DMs the account; returns their LiveChat chat id once the chat exists. */
  async function customerWrites(
    business: { meta: SeededBusiness },
    text = 'hello',
  ): Promise<{ igsid: string; chatId: string }> {
    const igsid = `route-user-${(n += 1)}`;
    world.meta.state.addCustomer({
      igAccountId: business.meta.igAccount.id,
      igsid,
      name: `Customer ${n}`,
      username: `customer_${n}`,
    });
    await world.meta.customerSends({ igAccountId: business.meta.igAccount.id, igsid, text });
    const chatId = await waitFor('the chat', async () => {
      const rows = await dataSource.query<Array<{ chat_id: string | null }>>(
        'SELECT chat_id FROM conversations WHERE igsid = $1',
        [igsid],
      );
      return rows[0]?.chat_id ?? undefined;
    });
    return { igsid, chatId };
  }

  const groupsOf = (chatId: string): number[] => world.livechat.state.requireChat(chatId).groupIds;

  const sent = (business: { meta: SeededBusiness }, igsid: string) =>
    world.meta.state
      .sentTo(business.meta.igAccount.id, igsid)
      .filter((m) => m.kind !== 'sender_action');

  const notices = (chatId: string): string[] =>
    world.livechat.state
      .events(chatId)
      .filter((e) => e.customId?.startsWith('igl-notice:'))
      .map((e) => e.text ?? '');

  describe('the settings API', () => {
    it('lists the license’s groups by name, read from LiveChat', async () => {
      const response = await call(world, '/api/livechat/groups', { token: token() });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.json()).toEqual({
        groups: [
          { id: 0, name: 'General' },
          { id: 1, name: 'Sales' },
          { id: 2, name: 'Support' },
          { id: 3, name: 'Outlet' },
        ],
      });
      expect(world.livechat.callsTo('list_groups').at(-1)).toMatchObject({ authKind: 'agent' });
      expect((await call(world, '/api/livechat/groups')).status).toBe(401);
    });

    it('says so when the app may not read the groups (scope missing)', async () => {
      const other = world.livechat.state.createOrganization({
        scopes: ['customers:own', 'webhooks.state:ro', 'webhooks.state:rw'],
      });
      await world.gateway.app.get(InstallationRepository).upsertGrant(grantOf(other));
      const response = await call(world, '/api/livechat/groups', { token: other.accessToken });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { message: string }).message).toContain('groups--all:ro');
    });

    it('saves a known group per account and shows it in the accounts list', async () => {
      expect((await listed()).map((a) => a.livechatGroupId)).toEqual([0, 0]);
      const saved = await chooseGroup(shop.account.id, 1);
      expect(saved.status).toBe(200);
      expect(((await saved.json()) as { account: AccountBody }).account).toMatchObject({
        id: shop.account.id,
        livechatGroupId: 1,
        livechatGroupProblem: null,
      });
      expect((await chooseGroup(outlet.account.id, 3)).status).toBe(200);
      expect(
        (await listed()).map((a) => [a.id, a.livechatGroupId, a.livechatGroupProblem]),
      ).toEqual([
        [shop.account.id, 1, null],
        [outlet.account.id, 3, null],
      ]);
    });

    it('refuses an unknown group at once with 400 naming it, and changes nothing', async () => {
      const response = await chooseGroup(shop.account.id, 42);
      expect(response.status).toBe(400);
      const { message } = (await response.json()) as { message: string };
      expect(message).toContain('LiveChat group 42 does not exist');
      expect(message).toContain('Sales (1)');
      expect((await listed()).find((a) => a.id === shop.account.id)?.livechatGroupId).toBe(1);
    });

    it.each([[-1], ['2'], [1.5], [null]])('refuses livechatGroupId %j with 400', async (value) => {
      const response = await chooseGroup(shop.account.id, value);
      expect(response.status).toBe(400);
      expect(String(((await response.json()) as { message: unknown }).message)).toContain(
        'livechatGroupId',
      );
    });

    it('answers 404 for an account of another installation, and 401 without a token', async () => {
      const stranger = world.livechat.state.createOrganization();
      await world.gateway.app.get(InstallationRepository).upsertGrant(grantOf(stranger));
      const foreign = await call(world, `/api/instagram/accounts/${shop.account.id}`, {
        method: 'PATCH',
        token: stranger.accessToken,
        json: { livechatGroupId: 0 },
      });
      expect(foreign.status).toBe(404);
      const anonymous = await call(world, `/api/instagram/accounts/${shop.account.id}`, {
        method: 'PATCH',
        json: { livechatGroupId: 0 },
      });
      expect(anonymous.status).toBe(401);
      expect((await listed()).find((a) => a.id === shop.account.id)?.livechatGroupId).toBe(1);
    });
  });

  describe('two accounts, two groups', () => {
    it('routes each account’s DMs to its group, names the account in the chat, and replies through that account’s token', async () => {
      expect((await chooseGroup(shop.account.id, 1)).status).toBe(200);
      expect((await chooseGroup(outlet.account.id, 3)).status).toBe(200);

      const a = await customerWrites(shop, 'Is the blue one in stock?');
      const b = await customerWrites(outlet, 'Any discounts today?');
      expect(groupsOf(a.chatId)).toEqual([1]);
      expect(groupsOf(b.chatId)).toEqual([3]);

      // What the agent sees in the chat: the customer named, with the account they wrote to.
      const customerOf = (chatId: string) =>
        (
          world.livechat.agentChatView(chatId).users as Array<{
            type: string;
            name?: string;
            session_fields?: Array<Record<string, string>>;
          }>
        ).find((u) => u.type === 'customer');
      const fields = (chatId: string): Record<string, string> =>
        Object.assign({}, ...(customerOf(chatId)?.session_fields ?? [])) as Record<string, string>;
      await waitFor('the customers’ profiles', () =>
        fields(a.chatId).instagram_account && fields(b.chatId).instagram_account ? true : undefined,
      );
      const aNumber = a.igsid.split('-').pop();
      expect(customerOf(a.chatId)?.name).toBe(`Customer ${aNumber}`);
      expect(fields(a.chatId)).toMatchObject({
        instagram_account: `@${shop.meta.igAccount.username}`,
        instagram_username: `@customer_${aNumber}`,
        instagram_profile: `https://instagram.com/customer_${aNumber}`,
      });
      expect(fields(b.chatId).instagram_account).toBe(`@${outlet.meta.igAccount.username}`);

      // Replies leave through the account the customer wrote to (its own Page token).
      await world.livechat.agentSendsMessage(a.chatId, { text: 'Yes, in stock.' });
      await world.livechat.agentSendsMessage(b.chatId, { text: '10% off today.' });
      await waitFor(
        'both replies',
        () => sent(shop, a.igsid).length + sent(outlet, b.igsid).length === 2,
      );
      expect(sent(shop, a.igsid)).toEqual([
        expect.objectContaining({ text: 'Yes, in stock.', pageId: shop.meta.page.id }),
      ]);
      expect(sent(outlet, b.igsid)).toEqual([
        expect.objectContaining({ text: '10% off today.', pageId: outlet.meta.page.id }),
      ]);
      const tokens = world.meta
        .callsTo('POST', '/me/messages')
        .map((c) =>
          String(
            c.query.access_token ??
              c.body.access_token ??
              (c.headers.authorization ?? '').replace(/^Bearer /, ''),
          ),
        );
      expect(tokens).toEqual(expect.arrayContaining([shop.meta.pageToken, outlet.meta.pageToken]));
    });

    it('names the account again when a closed chat resumes (customers from before the field too)', async () => {
      const { igsid, chatId } = await customerWrites(shop, 'First visit');
      const customerId = world.livechat.state.requireChat(chatId).customerId;
      await waitFor(
        'the profile',
        () => world.livechat.state.customer(customerId)?.sessionFields.instagram_account,
      );
      // As a customer created before this field existed would be.
      delete world.livechat.state.customer(customerId)!.sessionFields.instagram_account;
      await world.livechat.agentDeactivatesChat(chatId);
      await world.meta.customerSends({
        igAccountId: shop.meta.igAccount.id,
        igsid,
        text: 'Back again',
      });
      const named = await waitFor(
        'the account named again',
        () => world.livechat.state.customer(customerId)?.sessionFields.instagram_account,
      );
      expect(named).toBe(`@${shop.meta.igAccount.username}`);
      expect(world.livechat.state.requireChat(chatId).threads).toHaveLength(2);
    });

    it('sends new chats of a group deleted later to the General group and shows the problem, until another group is chosen', async () => {
      expect((await chooseGroup(outlet.account.id, 2)).status).toBe(200);
      expect(world.livechat.state.deleteGroup(org.organizationId, 2)).toBe(true);

      // The relay reads an account at most a few seconds old: DMs until one meets the new group.
      const first = await waitFor('a chat after the group was deleted', async () => {
        const c = await customerWrites(outlet, 'Hello after the group was deleted');
        return groupsOf(c.chatId)[0] === 3 ? undefined : c;
      });
      expect(groupsOf(first.chatId)).toEqual([0]);
      const shown = (await listed()).find((a) => a.id === outlet.account.id);
      expect(shown).toMatchObject({ livechatGroupId: 2 });
      expect(shown?.livechatGroupProblem).toContain('LiveChat group 2 no longer exists');
      // Shown on the settings page too (the account list renders this field).
      const second = await customerWrites(outlet, 'And another one');
      expect(groupsOf(second.chatId)).toEqual([0]);

      // Choosing it again is refused at once; another group fixes routing and clears the problem.
      expect((await chooseGroup(outlet.account.id, 2)).status).toBe(400);
      expect((await chooseGroup(outlet.account.id, 3)).status).toBe(200);
      expect((await listed()).find((a) => a.id === outlet.account.id)).toMatchObject({
        livechatGroupId: 3,
        livechatGroupProblem: null,
      });
      const third = await waitFor('a chat in the new group', async () => {
        const c = await customerWrites(outlet, 'Back in a real group');
        return groupsOf(c.chatId)[0] === 3 ? c : undefined;
      });
      expect(groupsOf(third.chatId)).toEqual([3]);
    });
  });

  describe('Meta’s rules on sends', () => {
    async function lastInboundDaysAgo(
      business: { meta: SeededBusiness },
      igsid: string,
      days: number,
    ): Promise<void> {
      const at = new Date(Date.now() - days * 86_400_000);
      await dataSource.query('UPDATE conversations SET last_inbound_at = $1 WHERE igsid = $2', [
        at,
        igsid,
      ]);
      world.meta.state.setLastCustomerMessageAt(business.meta.igAccount.id, igsid, at);
    }

    it('never tags a bot’s message HUMAN_AGENT past 24 hours, and tells the agent why; a person’s still goes', async () => {
      world.meta.state.setHumanAgent(true);
      await world.gateway.app
        .get(InstallationRepository)
        .updateSettings(installation.id, { humanAgentEnabled: true });
      const bot = world.livechat.state.createBot(org.organizationId, 'ChatBot');

      const { igsid, chatId } = await customerWrites(shop, 'Where is my parcel?');
      await lastInboundDaysAgo(shop, igsid, 2);
      await world.livechat.botSendsMessage(chatId, {
        botId: bot.id,
        text: 'Our bot thinks your parcel is on its way.',
      });
      const [notice] = await waitFor('the notice', () =>
        notices(chatId).length > 0 ? notices(chatId) : undefined,
      );
      expect(notice).toContain('written by a bot');
      expect(notice).toContain('more than 24 hours');
      expect(sent(shop, igsid)).toHaveLength(0);

      // A person's reply in the same chat goes, tagged HUMAN_AGENT.
      await world.livechat.agentSendsMessage(chatId, { text: 'I checked: it arrives tomorrow.' });
      const [reply] = await waitFor('the person’s reply', () =>
        sent(shop, igsid).length > 0 ? sent(shop, igsid) : undefined,
      );
      expect(reply).toMatchObject({
        text: 'I checked: it arrives tomorrow.',
        messagingType: 'MESSAGE_TAG',
        tag: 'HUMAN_AGENT',
      });
      expect(sent(shop, igsid)).toHaveLength(1);
    });

    it('sends a bot’s message within 24 hours as a normal response', async () => {
      const bot = world.livechat.state.createBot(org.organizationId, 'Greeter');
      const { igsid, chatId } = await customerWrites(shop, 'Hi there');
      await world.livechat.botSendsMessage(chatId, {
        botId: bot.id,
        text: 'Hi! A person will be with you shortly.',
      });
      const [greeting] = await waitFor('the bot’s reply', () =>
        sent(shop, igsid).length > 0 ? sent(shop, igsid) : undefined,
      );
      expect(greeting).toMatchObject({ messagingType: 'RESPONSE' });
      expect(greeting.tag).toBeUndefined();
    });
  });
});
