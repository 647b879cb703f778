import { INestApplicationContext } from '@nestjs/common';
import { CleanupAuditRepository, InstagramAccountRepository } from '@app/persistence';
import { ConnectedBusiness, World } from '../support/world';
import { waitFor } from '../support/wait-for';
import { connectionOf } from '../support/seeded-records';
import { PurgeService } from '../../apps/cleanup-worker/src/lifecycle/purge.service';
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
  const account = await world.gateway.app
    .get(InstagramAccountRepository)
    .connect(connectionOf(biz.installation.id, meta));
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

describe('disconnect, reconnect, disconnect again: the first purge date no longer counts', () => {
  let world: World;
  let cleanup: INestApplicationContext;

  beforeAll(async () => {
    // Purges far ahead: the test plays the due purge jobs itself, at the moments that matter.
    world = await World.start({ relayWorkers: 1, env: { PURGE_DELAY_SECONDS: '600' } });
    cleanup = await world.startCleanupWorker();
  });

  afterAll(async () => {
    await world?.close();
  });

  const disconnect = async (biz: ConnectedBusiness): Promise<void> => {
    const res = await fetch(`${world.gateway.url}/api/instagram/accounts/${biz.account.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${biz.org.accessToken}` },
    });
    expect(res.status).toBe(200);
  };

  it("keeps the account's data when the first disconnection's purge comes due, and purges at the second's", async () => {
    const biz = await world.connectBusiness();
    const message = await relayOne(world, biz, 'before the first disconnect');
    await linkDone(world, biz, message.mid);
    const ids = await idsOf(world, biz);

    await disconnect(biz);
    // Connected again through the Facebook dialog (what the connect flow stores), then disconnected
    // again: the second disconnection has a purge date of its own.
    await world.gateway.app
      .get(InstagramAccountRepository)
      .connect(connectionOf(biz.installation.id, biz.meta));
    await disconnect(biz);
    // Days later in production: the second purge date is still ahead when the first job runs.
    await query(
      world,
      `UPDATE instagram_accounts SET purge_at = now() + interval '1 day' WHERE id = $1`,
      [biz.account.id],
    );
    const purges = cleanup.get(PurgeService);
    const first = await purges.purgeAccounts(
      biz.installation.id,
      [biz.account.id],
      'disconnected',
      'first-disconnection',
    );
    expect(first).toBe('skipped-rescheduled');
    expect(await rowsLeft(world, ids, 'account')).toMatchObject({
      instagram_accounts: 1,
      conversations: 1,
      message_links: 1,
    });

    await query(world, `UPDATE instagram_accounts SET purge_at = now() WHERE id = $1`, [
      biz.account.id,
    ]);
    const second = await purges.purgeAccounts(
      biz.installation.id,
      [biz.account.id],
      'disconnected',
      'second-disconnection',
    );
    expect(second).toBe('purged');
    expect(await rowsLeft(world, ids, 'account')).toEqual({});
  });
});
