import { InstallationRepository } from '@app/persistence';
import Redis from 'ioredis';
import { TEST_REDIS_URL } from '../support/services';
import { World } from '../support/world';
import { waitFor } from '../support/wait-for';
import { dm, eventOf, installationStatus, relayed, relayedTexts } from './health-helpers';

/** "Within 10 s" of the issue: a polling deadline, not a timing assertion. */
const TEN_SECONDS = 10_000;

describe('LiveChat credentials refused before their stored expiry (two relay workers)', () => {
  let world: World;
  let redis: Redis;

  beforeAll(async () => {
    world = await World.start({ relayWorkers: 2 });
    redis = new Redis(TEST_REDIS_URL);
  });

  afterAll(async () => {
    await redis?.quit();
    await world?.close();
  });

  const installations = (): InstallationRepository => world.gateway.app.get(InstallationRepository);

  it('every access token of the license invalidated: known customers stay in their chat, a new one gets one, one refresh grant', async () => {
    const biz = await world.connectBusiness();
    const known = ['lc-k1', 'lc-k2', 'lc-k3'];
    const before = new Map<string, { chatId: string; customerId: string }>();
    for (const igsid of known) {
      world.meta.state.addCustomer({ igAccountId: biz.meta.igAccount.id, igsid });
      before.set(igsid, await relayed(world, biz, igsid, `${igsid}: first`));
    }
    const stored = await installations().getTokens(biz.installation.id);
    expect(stored.expiresAt!.getTime() - Date.now()).toBeGreaterThan(3_600_000);
    const grantsBefore = world.livechat.state.refreshGrants.get(biz.org.organizationId) ?? 0;

    // LiveChat logs every session out: agent and customer tokens die, refresh tokens live on.
    expect(world.livechat.state.invalidateAccessTokens(biz.org.organizationId)).toBeGreaterThan(3);

    world.meta.state.addCustomer({ igAccountId: biz.meta.igAccount.id, igsid: 'lc-new' });
    const mids = await Promise.all([
      ...known.map((igsid) => dm(world, biz, igsid, `${igsid}: after`)),
      dm(world, biz, 'lc-new', 'lc-new: hello'),
    ]);

    const landed = await waitFor(
      'every DM in LiveChat',
      () => {
        const found = mids.map((mid) => eventOf(world, biz, mid));
        return found.every((f) => f !== undefined) ? found : undefined;
      },
      TEN_SECONDS,
    );
    for (const [index, igsid] of known.entries()) {
      // Same chat, same LiveChat customer (its token re-minted, never a new identity).
      expect(landed[index]).toMatchObject({
        chatId: before.get(igsid)!.chatId,
        customerId: before.get(igsid)!.customerId,
        authorId: before.get(igsid)!.customerId,
      });
    }
    const fresh = landed[known.length];
    expect([...before.values()].map((b) => b.customerId)).not.toContain(fresh.customerId);
    expect(world.livechat.state.refreshGrants.get(biz.org.organizationId)).toBe(grantsBefore + 1);
    expect(await installationStatus(world, biz.installation.id)).toBe('active');
    expect((await installations().getTokens(biz.installation.id)).accessToken).not.toBe(
      stored.accessToken,
    );
  });

  it('tokens invalidated again right after a refresh: messages still arrive, with one refresh per invalidation', async () => {
    const biz = await world.connectBusiness();
    const igsid = biz.meta.customer.igsid;
    await relayed(world, biz, igsid, 'twice: 0');
    const org = biz.org.organizationId;
    const grants = (): number => world.livechat.state.refreshGrants.get(org) ?? 0;

    world.livechat.state.invalidateAccessTokens(org);
    const first = await dm(world, biz, igsid, 'twice: 1');
    await waitFor('the first DM', () => eventOf(world, biz, first), TEN_SECONDS);
    expect(grants()).toBe(1);

    // Logged out again at once: the fresh token is refused moments after it was issued.
    world.livechat.state.invalidateAccessTokens(org);
    const second = await dm(world, biz, igsid, 'twice: 2');
    await waitFor('the second DM', () => eventOf(world, biz, second), 30_000);
    expect(grants()).toBe(2);
    expect(relayedTexts(world, biz, 'twice: ')).toEqual(['twice: 0', 'twice: 1', 'twice: 2']);
  });

  it('the refresh token revoked: needs_reauth; after reinstalling, every held message arrives in order, once', async () => {
    const biz = await world.connectBusiness();
    const igsid = biz.meta.customer.igsid;
    await relayed(world, biz, igsid, 'held: 0');
    world.meta.state.addCustomer({ igAccountId: biz.meta.igAccount.id, igsid: 'held-new' });

    // The admin's grant is gone: refresh token and every access token.
    world.livechat.state.invalidateAccessTokens(biz.org.organizationId);
    expect(world.livechat.state.revokeRefreshTokens(biz.org.organizationId)).toBe(1);

    const texts = ['held: 1', 'held: 2', 'held: 3'];
    for (const text of texts) {
      await dm(world, biz, igsid, text);
    }
    await dm(world, biz, 'held-new', 'held-new: first words');
    await waitFor(
      'needs_reauth',
      async () => (await installationStatus(world, biz.installation.id)) === 'needs_reauth',
    );
    // Held, not lost and not sent: each conversation's first item waits (minutes of backoff) for
    // the admin, the later ones behind it.
    const heldSet = `${world.prefix}:conn:held:installation:${biz.installation.id}`;
    await waitFor('both conversations held', async () => (await redis.scard(heldSet)) === 2);
    expect(relayedTexts(world, biz, 'held')).toEqual(['held: 0']);

    // The admin reinstalls (the real install flow, a new authorization code).
    const code = world.livechat.state.issueAuthorizationCode({ accountId: biz.org.accountId });
    const install = await fetch(`${world.gateway.url}/install?code=${encodeURIComponent(code)}`, {
      redirect: 'manual',
    });
    expect(install.status).toBe(303);
    expect(await installationStatus(world, biz.installation.id)).toBe('active');

    await waitFor(
      'every held message',
      () =>
        relayedTexts(world, biz, 'held: ').length === 4 &&
        relayedTexts(world, biz, 'held-new:').length === 1,
      TEN_SECONDS,
    );
    expect(relayedTexts(world, biz, 'held: ')).toEqual(['held: 0', ...texts]);
    expect(relayedTexts(world, biz, 'held-new:')).toEqual(['held-new: first words']);
  });
});
