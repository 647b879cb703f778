import { INestApplicationContext } from '@nestjs/common';
import { CleanupAuditRepository, InstagramAccountRepository } from '@app/persistence';
import { ConnectedBusiness, World } from '../support/world';
import { waitFor } from '../support/wait-for';
import {
  idList,
  idsOf,
  keysMentioning,
  linkDone,
  query,
  relayOne,
  relaySees,
  rowsLeft,
} from './cleanup-helpers';

/** A second Instagram account, connected to the same installation by another Facebook user. */
async function connectSecondAccount(
  world: World,
  biz: ConnectedBusiness,
): Promise<ConnectedBusiness> {
  const meta = world.meta.state.seedBusiness();
  const account = await world.gateway.app.get(InstagramAccountRepository).connect({
    installationId: biz.installation.id,
    pageId: meta.page.id,
    instagramAccountId: meta.igAccount.id,
    pageToken: meta.pageToken,
    username: meta.igAccount.username ?? null,
    name: meta.igAccount.name ?? null,
    pageName: meta.page.name ?? null,
    avatarUrl: null,
    connectedByUserId: meta.user.id,
  });
  return { ...biz, meta, account };
}

describe('disconnecting one Instagram account (settings page) revokes and purges only that account', () => {
  let world: World;
  let relay: INestApplicationContext;

  beforeAll(async () => {
    world = await World.start({ relayWorkers: 1, env: { PURGE_DELAY_SECONDS: '1' } });
    relay = world.workers[0];
    await world.startCleanupWorker();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('keeps the installation and its other account, their tokens and their data', async () => {
    const one = await world.connectBusiness();
    const two = await connectSecondAccount(world, one);
    const m1 = await relayOne(world, one, 'to the account being disconnected');
    const m2 = await relayOne(world, two, 'to the account that stays');
    await linkDone(world, one, m1.mid);
    await linkDone(world, two, m2.mid);
    const ids1 = await idsOf(world, one);
    const ids2 = {
      ...(await idsOf(world, two)),
      accountId: two.account.id,
      instagramAccountId: two.meta.igAccount.id,
    };
    const conv2 = await query<{ id: string; livechat_customer_id: string }>(
      world,
      `SELECT id, livechat_customer_id FROM conversations WHERE instagram_account_id = $1`,
      [two.account.id],
    );
    world.livechat.clearCalls();

    const res = await fetch(`${world.gateway.url}/api/instagram/accounts/${one.account.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${one.org.accessToken}` },
    });
    expect(res.status).toBe(200);
    await relaySees(relay, one.meta.igAccount.id, (f) => !f || f.account.status === 'disconnected');

    const unsubscribed = await world.meta.waitForCalls('DELETE', '/:id/subscribed_apps');
    expect(unsubscribed.map((c) => c.path).join()).toContain(one.meta.page.id);
    const permissions = await world.meta.waitForCalls('DELETE', '/:id/permissions');
    expect(permissions.map((c) => c.path).join()).toContain(one.meta.user.id);
    expect(world.meta.state.subscriptionOf(one.meta.page.id)).toBeUndefined();
    expect(world.meta.state.subscriptionOf(two.meta.page.id)).toBeDefined();

    const accountOnly = {
      ...ids1,
      conversationIds: ids1.conversationIds.filter((id) => !conv2.some((c) => c.id === id)),
      customerIds: ids1.customerIds.filter(
        (id) => !conv2.some((c) => c.livechat_customer_id === id),
      ),
      chatIds: [m1.chatId],
    };
    await waitFor('the purge of the disconnected account', async () => {
      const rows = await rowsLeft(world, accountOnly, 'account');
      const keys = await keysMentioning(world, idList(accountOnly, 'account'));
      return Object.keys(rows).length === 0 && keys.length === 0;
    });

    // The other account, the installation and the LiveChat grant are untouched.
    expect(world.livechat.callsTo('revoke_token')).toHaveLength(0);
    expect(await rowsLeft(world, ids2, 'account')).toMatchObject({
      instagram_accounts: 1,
      conversations: 1,
      message_links: 1,
    });
    expect(await keysMentioning(world, [conv2[0].livechat_customer_id])).not.toHaveLength(0);
    await relayOne(world, two, 'the other account still relays');
    const trail = await world.gateway.app
      .get(CleanupAuditRepository)
      .listForSubject(one.installation.id);
    expect(trail.map((a) => [a.action, a.scope, a.reason])).toEqual(
      expect.arrayContaining([
        ['revocation', 'account', 'disconnected'],
        ['purge', 'account', 'disconnected'],
      ]),
    );
  });
});
