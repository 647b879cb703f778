import { INestApplicationContext } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { PAGE_SUBSCRIBED_FIELDS } from '@app/credentials';
import { Metrics } from '@app/platform';
import { DataSource } from 'typeorm';
import { ConnectedBusiness, World } from '../support/world';
import { waitFor } from '../support/wait-for';

/** Short, so each scenario's repair lands within seconds; tests poll for the outcome. */
const INTERVAL_SECONDS = 2;

interface HealthView {
  state: string;
  checkedAt: string | null;
  problem: string | null;
  lastProblem: string | null;
  repair: string | null;
  repairedAt: string | null;
}

interface AccountRow {
  health_state: string | null;
  health_checked_at: Date | null;
  health_problem: string | null;
  health_repair: string | null;
  health_repaired_at: Date | null;
  health_due_at: Date | null;
  status: string;
}

/**
 * The connection watchdog end to end: real Postgres and Redis, the gateway, a relay worker and a
 * cleanup worker with WATCHDOG_INTERVAL_SECONDS=2, the Meta and LiveChat emulators. Each scenario
 * breaks a connection the way Meta or LiveChat do, then waits for the watchdog to repair it (or to
 * say the admin is needed), and checks the stored health, the settings API and the traffic.
 */
describe('connection watchdog (cleanup worker)', () => {
  let world: World;
  let cleanup: INestApplicationContext;
  let dataSource: DataSource;

  beforeAll(async () => {
    world = await World.start({
      relayWorkers: 1,
      env: { WATCHDOG_INTERVAL_SECONDS: String(INTERVAL_SECONDS) },
    });
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

  async function row(biz: ConnectedBusiness): Promise<AccountRow> {
    const rows = await dataSource.query<AccountRow[]>(
      `SELECT health_state, health_checked_at, health_problem, health_repair, health_repaired_at,
              health_due_at, status
         FROM instagram_accounts WHERE id = $1`,
      [biz.account.id],
    );
    return rows[0];
  }

  async function apiHealth(biz: ConnectedBusiness): Promise<HealthView> {
    const response = await fetch(`${world.gateway.url}/api/instagram/accounts`, {
      headers: { authorization: `Bearer ${biz.org.accessToken}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      accounts: Array<{ id: string; status: string; health: HealthView }>;
    };
    const account = body.accounts.find((a) => a.id === biz.account.id);
    if (!account) {
      throw new Error('account not listed');
    }
    return account.health;
  }

  /** A business whose first watchdog check has passed: the baseline every scenario breaks. */
  async function checkedBusiness(): Promise<ConnectedBusiness> {
    const biz = await world.connectBusiness();
    await waitFor(
      'the first watchdog check',
      async () => (await row(biz)).health_state === 'working',
      30_000,
    );
    expect((await apiHealth(biz)).state).toBe('working');
    return biz;
  }

  async function chatOf(igsid: string): Promise<string> {
    return waitFor('the LiveChat chat', async () => {
      const rows = await dataSource.query<Array<{ chat_id: string | null }>>(
        'SELECT chat_id FROM conversations WHERE igsid = $1',
        [igsid],
      );
      return rows[0]?.chat_id ?? undefined;
    });
  }

  const textsInChat = (chatId: string): string[] =>
    world.livechat.state
      .events(chatId)
      .map((e) => e.text ?? '')
      .filter((t) => t !== '');

  async function metric(name: string, labels: Record<string, string>): Promise<number> {
    const found = await cleanup.get(Metrics).registry.getSingleMetric(name)?.get();
    const value = found?.values.find((v) =>
      Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want),
    );
    return value?.value ?? 0;
  }

  it('gives every account its own slot within the period and records the first check', async () => {
    const biz = await checkedBusiness();
    const stored = await row(biz);
    expect(stored.health_checked_at).not.toBeNull();
    expect(stored.health_problem).toBeNull();
    expect(stored.health_due_at).not.toBeNull();
    const health = await apiHealth(biz);
    expect(health).toMatchObject({ state: 'working', problem: null, repair: null });
    expect(health.checkedAt).not.toBeNull();
    expect(
      await metric('igl_watchdog_checks_total', { check: 'token', result: 'ok' }),
    ).toBeGreaterThan(0);
  });

  it('re-subscribes a Page Meta unsubscribed from the app; the next DM arrives', async () => {
    const biz = await checkedBusiness();
    const pageId = biz.meta.page.id;
    world.meta.state.dropSubscription(pageId);
    // What the break means: Meta sends nothing for an unsubscribed Page.
    const lost = await world.meta.customerSends({
      igAccountId: biz.meta.igAccount.id,
      igsid: biz.meta.customer.igsid,
      text: 'sent while unsubscribed',
    });
    expect(lost.delivery.skipped).toBe('not-subscribed');

    const fields = await waitFor('the watchdog to re-subscribe the Page', () =>
      world.meta.state.subscriptionOf(pageId),
    );
    expect([...fields].sort()).toEqual([...PAGE_SUBSCRIBED_FIELDS].sort());
    const stored = await waitFor('the repair to be recorded', async () => {
      const current = await row(biz);
      return current.health_state === 'repaired' ? current : undefined;
    });
    expect(stored.health_repair).toMatch(/subscribed again/);
    expect(stored.health_repaired_at).not.toBeNull();
    const health = await apiHealth(biz);
    expect(health.state).toBe('repaired');
    expect(health.repair).toMatch(/subscription was removed/);
    expect(health.repairedAt).toBe(stored.health_repaired_at!.toISOString());
    expect(
      await metric('igl_watchdog_checks_total', { check: 'subscription', result: 'repaired' }),
    ).toBeGreaterThan(0);

    const sent = await world.meta.customerSends({
      igAccountId: biz.meta.igAccount.id,
      igsid: biz.meta.customer.igsid,
      text: 'after the repair',
    });
    expect(sent.delivery.status).toBe(200);
    const chatId = await chatOf(biz.meta.customer.igsid);
    await waitFor('the DM in LiveChat', () => textsInChat(chatId).includes('after the repair'));
    expect(textsInChat(chatId)).not.toContain('sent while unsubscribed');
  });

  it('puts back subscribed fields someone removed, keeping the ones left', async () => {
    const biz = await checkedBusiness();
    const pageId = biz.meta.page.id;
    world.meta.state.setSubscribedFields(pageId, ['messages', 'feed']);
    await waitFor('the fields to be subscribed again', () => {
      const fields = world.meta.state.subscriptionOf(pageId) ?? [];
      return PAGE_SUBSCRIBED_FIELDS.every((f) => fields.includes(f));
    });
    expect(world.meta.state.subscriptionOf(pageId)).toContain('feed');
    const health = await waitFor('the repair in the API', async () => {
      const current = await apiHealth(biz);
      return current.state === 'repaired' ? current : undefined;
    });
    expect(health.repair).toMatch(/messaging_postbacks/);
  });

  it('turns LiveChat’s chat webhooks back on for the license; the next agent reply reaches Instagram', async () => {
    const biz = await checkedBusiness();
    await world.meta.customerSends({
      igAccountId: biz.meta.igAccount.id,
      igsid: biz.meta.customer.igsid,
      text: 'hello before the break',
    });
    const chatId = await chatOf(biz.meta.customer.igsid);
    await waitFor('the first DM', () => textsInChat(chatId).includes('hello before the break'));

    world.livechat.state.setWebhooksEnabled(biz.org.organizationId, false);
    const unheard = await world.livechat.agentSendsMessage(chatId, { text: 'lost reply' });
    expect(unheard.deliveries).toEqual([]); // LiveChat sends nothing for the license

    await waitFor(
      'the watchdog to enable the license webhooks',
      () => world.livechat.state.organization(biz.org.organizationId)?.webhooksEnabled === true,
    );
    const health = await waitFor('the repair in the API', async () => {
      const current = await apiHealth(biz);
      return current.state === 'repaired' ? current : undefined;
    });
    expect(health.repair).toMatch(/chat webhooks were off/);
    expect(world.livechat.callsTo('enable_license_webhooks').length).toBeGreaterThan(0);
    // Not on first sight (LiveChat turns them off on uninstall, just before its webhook): a later
    // check that still found them off turned them on.
    expect(
      await metric('igl_watchdog_checks_total', { check: 'livechat-webhooks', result: 'waiting' }),
    ).toBeGreaterThan(0);

    const heard = await world.livechat.agentSendsMessage(chatId, { text: 'reply after repair' });
    expect(heard.deliveries.map((d) => d.status)).toContain(200);
    await waitFor('the reply on Instagram', () =>
      world.meta.state
        .sentTo(biz.meta.igAccount.id, biz.meta.customer.igsid)
        .some((m) => m.text === 'reply after repair'),
    );
  });

  it('says “needs you” when the Page token lost the messaging permission', async () => {
    const biz = await checkedBusiness();
    world.meta.state.revokePermission(biz.meta.user.id, 'instagram_manage_messages');
    const health = await waitFor('needs you in the API', async () => {
      const current = await apiHealth(biz);
      return current.state === 'needs_you' ? current : undefined;
    });
    expect(health.problem).toMatch(/instagram_manage_messages permission was removed/);
    // The account is marked first, then the check's outcome stored.
    const stored = await waitFor('the stored outcome', async () => {
      const current = await row(biz);
      return current.health_state === 'needs_you' ? current : undefined;
    });
    expect(stored).toMatchObject({ status: 'needs_reconnect', health_state: 'needs_you' });
    expect(stored.health_problem).toMatch(/Connect Instagram again/);
    expect(
      await metric('igl_watchdog_checks_total', { check: 'token', result: 'needs-you' }),
    ).toBeGreaterThan(0);
  });

  it('says “needs you” when Facebook refuses the Page token, and never re-subscribes with it', async () => {
    const biz = await checkedBusiness();
    world.meta.state.invalidateToken(biz.meta.pageToken, 'password-changed');
    world.meta.state.dropSubscription(biz.meta.page.id);
    const health = await waitFor('needs you in the API', async () => {
      const current = await apiHealth(biz);
      return current.state === 'needs_you' ? current : undefined;
    });
    expect(health.problem).toMatch(/no longer accepts this connection/);
    expect((await row(biz)).status).toBe('needs_reconnect');
    // Later checks leave it to the admin: still needs them, and no subscribe with a dead token.
    const checked = (await row(biz)).health_checked_at!.getTime();
    await waitFor(
      'a later check',
      async () => ((await row(biz)).health_checked_at?.getTime() ?? 0) > checked,
    );
    expect((await apiHealth(biz)).state).toBe('needs_you');
    expect(world.meta.state.subscriptionOf(biz.meta.page.id)).toBeUndefined();
  });

  it('counts accounts by health state', async () => {
    await waitFor(
      'the gauges',
      async () =>
        (await metric('igl_watchdog_accounts', { state: 'needs_you' })) >= 2 &&
        (await metric('igl_watchdog_accounts', { state: 'working' })) +
          (await metric('igl_watchdog_accounts', { state: 'repaired' })) >=
          4,
    );
    expect(await metric('igl_watchdog_overdue_accounts', {})).toBe(0);
    expect(await metric('igl_watchdog_last_tick_timestamp_seconds', {})).toBeGreaterThan(0);
  });
});
