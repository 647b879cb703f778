import { INestApplicationContext } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { ConnectionSignals, INSTAGRAM_SUBSCRIBED_FIELDS } from '@app/credentials';
import { InstagramAccountEntity, InstagramAccountRepository } from '@app/persistence';
import { Metrics } from '@app/platform';
import { DataSource } from 'typeorm';
import { INSTAGRAM_TOKEN_EXPIRED_REASON } from '../../apps/cleanup-worker/src/retention/token-health.service';
import { INSTAGRAM_TOKEN_INVALID_REASON } from '../../apps/cleanup-worker/src/watchdog/account-watchdog.service';
import { connectWithInstagramLogin, installedOrganization } from '../settings/settings-flows';
import { waitFor } from '../support/wait-for';
import { World } from '../support/world';

/** Short, so each scenario's outcome lands within seconds; tests poll for it. */
const INTERVAL_SECONDS = 2;

interface HealthRow {
  health_state: string | null;
  health_checked_at: Date | null;
  health_problem: string | null;
  health_repair: string | null;
  status: string;
  status_reason: string | null;
}

/**
 * The connection watchdog on Instagram Login accounts (no Page, an Instagram User token, the
 * account's own subscription on graph.instagram.com): real Postgres and Redis, the gateway, a relay
 * and a cleanup worker with WATCHDOG_INTERVAL_SECONDS=2, the Meta and LiveChat emulators. Accounts
 * are connected through the real Instagram Login flow.
 */
describe('connection watchdog: Instagram Login accounts (cleanup worker)', () => {
  let world: World;
  let cleanup: INestApplicationContext;
  let dataSource: DataSource;
  let n = 0;

  beforeAll(async () => {
    world = await World.start({
      instagramLogin: true,
      env: { WATCHDOG_INTERVAL_SECONDS: String(INTERVAL_SECONDS) },
    });
    await world.usePublicGatewayUrl();
    cleanup = await world.startCleanupWorker();
    dataSource = world.gateway.app.get(getDataSourceToken());
    world.livechat.registerWebhook({
      url: `${world.gateway.url}/webhooks/livechat`,
      action: 'incoming_event',
      secretKey: world.vars.LIVECHAT_WEBHOOK_SECRET,
    });
  });

  afterAll(async () => {
    await world?.close();
  });

  const accounts = () => world.gateway.app.get(InstagramAccountRepository);

  async function health(account: InstagramAccountEntity): Promise<HealthRow> {
    const rows = await dataSource.query<HealthRow[]>(
      `SELECT health_state, health_checked_at, health_problem, health_repair, status, status_reason
         FROM instagram_accounts WHERE id = $1`,
      [account.id],
    );
    return rows[0];
  }

  /** An account connected with Instagram Login whose first watchdog check found it working. */
  async function connectedAccount(): Promise<{
    igId: string;
    account: InstagramAccountEntity;
    token: string;
  }> {
    const { token } = await installedOrganization(world);
    const ig = world.meta.state.addInstagramAccount({ username: `watched_${(n += 1)}` });
    expect((await connectWithInstagramLogin(world, token, ig.id)).status).toBe(200);
    const account = (await accounts().findByInstagramId(ig.id))!;
    expect(account.loginPath).toBe('instagram');
    await waitFor(
      'the first watchdog check',
      async () => (await health(account)).health_state === 'working',
      30_000,
    );
    return { igId: ig.id, account, token: accounts().pageTokenOf(account)! };
  }

  async function metric(name: string, labels: Record<string, string>): Promise<number> {
    const found = await cleanup.get(Metrics).registry.getSingleMetric(name)?.get();
    const value = found?.values.find((v) =>
      Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want),
    );
    return value?.value ?? 0;
  }

  it('stays “working” through several periods: the token is checked on graph.instagram.com, never with debug_token', async () => {
    const { igId, account, token } = await connectedAccount();
    // Three more checks, each a period apart, every one of them finding the account working.
    let seen = (await health(account)).health_checked_at!.getTime();
    for (let period = 0; period < 3; period += 1) {
      const next = await waitFor(`check ${period + 2}`, async () => {
        const current = await health(account);
        return (current.health_checked_at?.getTime() ?? 0) > seen ? current : undefined;
      });
      expect(next).toMatchObject({
        health_state: 'working',
        status: 'active',
        health_problem: null,
      });
      seen = next.health_checked_at!.getTime();
    }

    const me = world.meta
      .callsTo('GET', '/me', 'graph.instagram.com')
      .filter((c) => c.query.access_token === token);
    expect(me.length).toBeGreaterThanOrEqual(3);
    expect(me.every((c) => c.status === 200)).toBe(true);
    const subscriptionReads = world.meta
      .callsTo('GET', '/:id/subscribed_apps', 'graph.instagram.com')
      .filter((c) => c.path.includes(igId));
    expect(subscriptionReads.length).toBeGreaterThanOrEqual(3);
    expect(subscriptionReads.every((c) => c.status === 200)).toBe(true);
    // Nothing was asked of graph.facebook.com with the Instagram User token (it would refuse it).
    expect(
      world.meta.calls.filter(
        (c) =>
          c.host === 'graph.facebook.com' &&
          (c.query.access_token === token || c.query.input_token === token),
      ),
    ).toEqual([]);
    expect(world.meta.state.instagramSubscriptionOf(igId)).toEqual([
      ...INSTAGRAM_SUBSCRIBED_FIELDS,
    ]);
    expect(
      await metric('igl_watchdog_checks_total', { check: 'token', result: 'ok' }),
    ).toBeGreaterThan(0);
  });

  it('re-subscribes an account whose subscription was dropped on graph.instagram.com; the next DM arrives', async () => {
    const { igId, account, token } = await connectedAccount();
    world.meta.state.dropInstagramSubscription(igId);
    const igsid = `watched-customer-${(n += 1)}`;
    world.meta.state.addCustomer({ igAccountId: igId, igsid });
    // What the break means: Meta sends nothing for an unsubscribed account.
    const lost = await world.meta.customerSends({ igAccountId: igId, igsid, text: 'lost' });
    expect(lost.delivery.skipped).toBe('not-subscribed');

    const fields = await waitFor('the watchdog to re-subscribe the account', () =>
      world.meta.state.instagramSubscriptionOf(igId),
    );
    expect([...fields].sort()).toEqual([...INSTAGRAM_SUBSCRIBED_FIELDS].sort());
    const repair = world.meta
      .callsTo('POST', '/:id/subscribed_apps', 'graph.instagram.com')
      .filter((c) => c.path.includes(igId) && c.status === 200)
      .at(-1)!;
    expect(repair.query.access_token).toBe(token);
    const stored = await waitFor('the repair to be recorded', async () => {
      const current = await health(account);
      return current.health_state === 'repaired' ? current : undefined;
    });
    expect(stored.health_repair).toMatch(/Instagram had stopped sending .*subscribed again/);
    expect(stored.status).toBe('active');

    // Fields someone removed are put back; a field someone added stays.
    world.meta.state.setInstagramSubscribedFields(igId, ['messages', 'comments']);
    await waitFor('the fields to be subscribed again', () => {
      const now = world.meta.state.instagramSubscriptionOf(igId) ?? [];
      return INSTAGRAM_SUBSCRIBED_FIELDS.every((f) => now.includes(f));
    });
    expect(world.meta.state.instagramSubscriptionOf(igId)).toContain('comments');

    const sent = await world.meta.customerSends({ igAccountId: igId, igsid, text: 'after repair' });
    expect(sent.delivery.status).toBe(200);
    await waitFor('the DM in LiveChat', async () => {
      const rows = await dataSource.query<Array<{ chat_id: string | null }>>(
        'SELECT chat_id FROM conversations WHERE igsid = $1',
        [igsid],
      );
      const chatId = rows[0]?.chat_id;
      return !!chatId && world.livechat.state.events(chatId).some((e) => e.text === 'after repair');
    });
  });

  it('says “needs you” once the stored token expiry has passed, and tells every relay at once', async () => {
    const { igId, account, token } = await connectedAccount();
    const generation = Number(await cleanup.get(ConnectionSignals).generation());
    world.meta.state.expireToken(token);
    await dataSource.query('UPDATE instagram_accounts SET token_expires_at = $1 WHERE id = $2', [
      new Date(Date.now() - 60_000),
      account.id,
    ]);
    const stored = await waitFor('needs you', async () => {
      const current = await health(account);
      return current.health_state === 'needs_you' ? current : undefined;
    });
    expect(stored).toMatchObject({
      status: 'needs_reconnect',
      status_reason: INSTAGRAM_TOKEN_EXPIRED_REASON,
      health_problem: INSTAGRAM_TOKEN_EXPIRED_REASON,
    });
    // Caches of the account's state (the relays') are invalidated, not left to age out.
    expect(Number(await cleanup.get(ConnectionSignals).generation())).toBeGreaterThan(generation);
    // Later checks leave it to the admin, and never re-subscribe with the dead token.
    world.meta.state.dropInstagramSubscription(igId);
    const checked = (await health(account)).health_checked_at!.getTime();
    await waitFor(
      'a later check',
      async () => ((await health(account)).health_checked_at?.getTime() ?? 0) > checked,
    );
    expect((await health(account)).health_state).toBe('needs_you');
    expect(world.meta.state.instagramSubscriptionOf(igId)).toBeUndefined();
  });

  it('says “needs you” when Instagram refuses the token (the app was removed in Instagram)', async () => {
    const { account, token } = await connectedAccount();
    world.meta.state.invalidateToken(token, 'app-removed');
    const stored = await waitFor('needs you', async () => {
      const current = await health(account);
      return current.health_state === 'needs_you' ? current : undefined;
    });
    expect(stored).toMatchObject({
      status: 'needs_reconnect',
      health_problem: INSTAGRAM_TOKEN_INVALID_REASON,
    });
    expect(
      await metric('igl_watchdog_checks_total', { check: 'token', result: 'needs-you' }),
    ).toBeGreaterThan(0);
  });
});
