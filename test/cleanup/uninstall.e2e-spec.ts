import { INestApplicationContext } from '@nestjs/common';
import { CleanupAuditRepository, InstallationRepository } from '@app/persistence';
import { JobProducer, QueueName } from '@app/queues';
import { ConnectedBusiness, World } from '../support/world';
import { waitFor } from '../support/wait-for';
import {
  appWebhookUrl,
  idList,
  idsOf,
  keysMentioning,
  linkDone,
  query,
  queueIdle,
  relayOne,
  relaySees,
  rowsLeft,
} from './cleanup-helpers';

describe('uninstall: stop at once, confirm with LiveChat, revoke, purge', () => {
  let world: World;
  let relay: INestApplicationContext;
  let cleanup: INestApplicationContext;

  beforeAll(async () => {
    world = await World.start({
      relayWorkers: 1,
      env: { PURGE_DELAY_SECONDS: '2', UNINSTALL_CONFIRM_WINDOW_SECONDS: '2' },
    });
    relay = world.workers[0];
    cleanup = await world.startCleanupWorker();
  });

  afterAll(async () => {
    await world?.close();
  });

  const installations = (): InstallationRepository => world.gateway.app.get(InstallationRepository);
  const audit = (): CleanupAuditRepository => world.gateway.app.get(CleanupAuditRepository);

  async function revocationJobsOf(installationId: string): Promise<number> {
    const queue = cleanup.get(JobProducer).queue(QueueName.TOKEN_REVOCATION);
    const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'failed', 'completed']);
    return jobs.filter((j) => j?.data.installationId === installationId).length;
  }

  it('revokes Meta and LiveChat grants, stops relaying, then purges every row and key', async () => {
    const biz = await world.connectBusiness();
    const first = await relayOne(world, biz, 'before uninstall');
    await linkDone(world, biz, first.mid);
    const ids = await idsOf(world, biz);
    expect(ids.customerIds).toHaveLength(1);
    expect(await keysMentioning(world, [ids.installationId])).not.toHaveLength(0); // customer token

    // What LiveChat does on a real uninstall: the app's license webhooks go off.
    world.livechat.state.setWebhooksEnabled(biz.org.organizationId, false);
    const delivery = await world.livechat.deliverAppWebhook(appWebhookUrl(world), {
      event: 'application_uninstalled',
      organizationId: biz.org.organizationId,
    });
    expect(delivery.status).toBe(200);

    // At once: relaying stops.
    const stopped = await installations().findById(biz.installation.id);
    expect(stopped?.status).toBe('uninstalled');
    expect(stopped?.uninstalledAt).toBeInstanceOf(Date);
    // (Its directory cache lives 3 s; by then the account may even be purged: dropped too.)
    await relaySees(
      relay,
      ids.instagramAccountId,
      (f) => !f || f.installation.status === 'uninstalled',
    );
    const eventsBefore = world.livechat.state.events(first.chatId).length;
    const late = await world.meta.customerSends(
      {
        igAccountId: ids.instagramAccountId,
        igsid: biz.meta.customer.igsid,
        text: 'after uninstall',
      },
      { force: true },
    );
    expect(late.delivery.status).toBe(200);
    await queueIdle(relay, QueueName.INSTAGRAM_INBOUND);
    expect(world.livechat.state.events(first.chatId)).toHaveLength(eventsBefore);
    expect(
      world.livechat.state
        .chats(biz.org.organizationId)
        .flatMap((c) => world.livechat.state.events(c.id))
        .some((e) => e.customId === `ig:m:${late.mid}`),
    ).toBe(false);

    // Meta: the Page's subscription and the user's permissions are revoked.
    const unsubscribe = await world.meta.waitForCalls('DELETE', '/:id/subscribed_apps');
    expect(unsubscribe[0].path).toContain(biz.meta.page.id);
    expect(unsubscribe[0].status).toBe(200);
    const permissions = await world.meta.waitForCalls('DELETE', '/:id/permissions');
    expect(permissions[0].path).toContain(biz.meta.user.id);
    expect(permissions[0].status).toBe(200);
    expect(world.meta.state.subscriptionOf(biz.meta.page.id)).toBeUndefined();

    // LiveChat: the customer token and the agent grant are revoked.
    await waitFor('customer token revoked', () =>
      world.livechat.callsTo('revoke_customer_token').some((c) => c.status === 200),
    );
    await waitFor('agent tokens revoked', () =>
      world.livechat.callsTo('revoke_token').some((c) => c.status === 200),
    );
    // The revoked grant no longer works at LiveChat.
    const info = await fetch(`${world.livechat.url}/v2/info`, {
      headers: { authorization: `Bearer ${biz.org.accessToken}` },
    });
    expect(info.status).toBe(401);

    // After the (shortened) purge delay: nothing of the installation is left.
    await waitFor('the purge', async () => {
      const rows = await rowsLeft(world, ids);
      const keys = await keysMentioning(world, idList(ids));
      return Object.keys(rows).length === 0 && keys.length === 0;
    });
    expect(await rowsLeft(world, ids)).toEqual({});
    expect(await keysMentioning(world, idList(ids))).toEqual([]);
    const values = await world.redisValues();
    expect(
      values.some((v) => v.includes('before uninstall') || v.includes('after uninstall')),
    ).toBe(false);

    // The audit trail says what happened, with our ids and outcomes only.
    const trail = await audit().listForSubject(ids.installationId);
    expect(trail.map((a) => a.action)).toEqual(
      expect.arrayContaining(['uninstall-confirmed', 'revocation', 'purge']),
    );
    const revocation = trail.find((a) => a.action === 'revocation');
    expect(revocation?.steps).toMatchObject({
      'livechat.refresh-token': 'revoked',
      [`meta.subscription[${ids.accountId}]`]: 'revoked',
      'meta.permissions#1': 'revoked',
    });
    const serialized = JSON.stringify(trail);
    for (const secret of [biz.org.accessToken, biz.org.refreshToken, biz.meta.pageToken]) {
      expect(serialized).not.toContain(secret);
    }
    for (const personal of [biz.meta.user.id, biz.meta.customer.igsid, biz.meta.page.id]) {
      expect(serialized).not.toContain(personal);
    }
  });

  it('treats tokens LiveChat already revoked as a confirmed uninstall, and purges', async () => {
    const biz = await world.connectBusiness();
    const m = await relayOne(world, biz, 'before LiveChat revoked us');
    await linkDone(world, biz, m.mid);
    const ids = await idsOf(world, biz);

    // LiveChat revoked the app's tokens itself; its webhooks stay on.
    world.livechat.state.revokeOrganizationTokens(biz.org.organizationId);
    await world.livechat.deliverAppWebhook(appWebhookUrl(world), {
      event: 'application_uninstalled',
      organizationId: biz.org.organizationId,
    });
    await waitFor('the purge', async () => {
      const rows = await rowsLeft(world, ids);
      const keys = await keysMentioning(world, idList(ids));
      return Object.keys(rows).length === 0 && keys.length === 0;
    });
    const trail = await world.gateway.app
      .get(CleanupAuditRepository)
      .listForSubject(ids.installationId);
    const confirmed = trail.find((a) => a.action === 'uninstall-confirmed');
    expect(confirmed?.steps).toEqual({ evidence: 'grant-revoked' });
    const revocation = trail.find((a) => a.action === 'revocation');
    expect(revocation?.steps).toMatchObject({
      'livechat.refresh-token': 'already-gone',
      'livechat.access-token': 'already-gone',
    });
  });

  it('undoes an uninstall LiveChat does not confirm (a forged webhook): nothing revoked or purged', async () => {
    const biz = await world.connectBusiness();
    world.meta.resetCalls();
    world.livechat.clearCalls();

    const delivery = await world.livechat.deliverAppWebhook(appWebhookUrl(world), {
      event: 'application_uninstalled',
      organizationId: biz.org.organizationId,
    });
    expect(delivery.status).toBe(200);
    expect((await installations().findById(biz.installation.id))?.status).toBe('uninstalled');

    // The worker asks LiveChat, which still honours the grant with the app's webhooks on.
    // Restored, and its audit entry written (a separate statement just after the row's).
    await waitFor('the installation to be restored', async () => {
      const row = await installations().findById(biz.installation.id);
      const restored =
        row?.status === 'active' && row.purgeAt === null && row.uninstalledAt === null;
      const trail = await audit().listForSubject(biz.installation.id);
      return restored && trail.some((a) => a.action === 'uninstall-not-confirmed');
    });
    expect(world.livechat.callsTo('info').length).toBeGreaterThan(0);
    expect(world.livechat.callsTo('get_license_webhooks_state').length).toBeGreaterThan(0);
    expect(world.livechat.callsTo('revoke_token')).toHaveLength(0);
    expect(world.livechat.callsTo('revoke_customer_token')).toHaveLength(0);
    expect(world.meta.callsTo('DELETE', '/:id/subscribed_apps')).toHaveLength(0);
    expect(world.meta.callsTo('DELETE', '/:id/permissions')).toHaveLength(0);
    expect(world.meta.state.subscriptionOf(biz.meta.page.id)).toBeDefined();
    const trail = await audit().listForSubject(biz.installation.id);
    expect(trail.map((a) => [a.action, a.outcome])).toContainEqual([
      'uninstall-not-confirmed',
      'restored',
    ]);

    // Relaying resumes.
    await relaySees(relay, biz.meta.igAccount.id, (f) => f?.installation.status === 'active');
    const relayed = await relayOne(world, biz, 'still installed');
    expect(relayed.eventId).toBeTruthy();
    expect(await rowsLeft(world, await idsOf(world, biz))).toMatchObject({ installations: 1 });
  });

  it('refuses a bad or missing token, another app\u2019s client id and a malformed body, changing nothing', async () => {
    const biz = await world.connectBusiness();
    const body = {
      applicationID: 'app',
      clientID: world.vars.LIVECHAT_CLIENT_ID,
      event: 'application_uninstalled',
      licenseID: biz.org.licenseId,
      organizationID: biz.org.organizationId,
    };
    const post = (url: string, payload: unknown): Promise<Response> =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });

    expect((await post(`${world.gateway.url}/webhooks/livechat/app`, body)).status).toBe(401);
    expect((await post(appWebhookUrl(world, 'not-the-token-at-all'), body)).status).toBe(401);
    const wrongLength = appWebhookUrl(world, `${world.vars.LIVECHAT_APP_WEBHOOK_TOKEN}x`);
    expect((await post(wrongLength, body)).status).toBe(401);
    expect((await post(appWebhookUrl(world), { ...body, clientID: 'someone-else' })).status).toBe(
      403,
    );
    expect((await post(appWebhookUrl(world), { event: 'application_uninstalled' })).status).toBe(
      400,
    );

    const row = await installations().findById(biz.installation.id);
    expect(row?.status).toBe('active');
    expect(row?.uninstalledAt).toBeNull();
    expect(row?.purgeAt).toBeNull();
    expect(await revocationJobsOf(biz.installation.id)).toBe(0);
    await relayOne(world, biz, 'never uninstalled');
  });

  it('records the license number from application_installed, and ignores unknown events', async () => {
    const biz = await world.connectBusiness();
    const installed = await world.livechat.deliverAppWebhook(appWebhookUrl(world), {
      event: 'application_installed',
      organizationId: biz.org.organizationId,
      licenseId: 987654,
    });
    expect(installed.status).toBe(200);
    expect((await installations().findById(biz.installation.id))?.licenseId).toBe('987654');

    const payment = await world.livechat.deliverAppWebhook(appWebhookUrl(world), {
      event: 'payment_collected',
      organizationId: biz.org.organizationId,
    });
    expect(payment.status).toBe(200);
    expect((await installations().findById(biz.installation.id))?.status).toBe('active');
  });

  it('answers 200 and does nothing for an organization it does not know', async () => {
    const org = world.livechat.state.createOrganization();
    const delivery = await world.livechat.deliverAppWebhook(appWebhookUrl(world), {
      event: 'application_uninstalled',
      organizationId: org.organizationId,
    });
    expect(delivery.status).toBe(200);
    expect(await installations().findByOrganization(org.organizationId)).toBeNull();
  });
});

describe('a reinstall before the purge keeps the installation', () => {
  let world: World;
  let cleanup: INestApplicationContext;
  let biz: ConnectedBusiness;

  beforeAll(async () => {
    // A purge delay long enough to reinstall before it; the test then runs the purge job early.
    world = await World.start({ env: { PURGE_DELAY_SECONDS: '600' } });
    cleanup = await world.startCleanupWorker();
    biz = await world.connectBusiness();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('skips the purge of a reinstalled installation and shows its accounts as needing reconnection', async () => {
    const installations = world.gateway.app.get(InstallationRepository);
    const first = await relayOne(world, biz, 'before reinstall');
    await linkDone(world, biz, first.mid);

    world.livechat.state.setWebhooksEnabled(biz.org.organizationId, false);
    await world.livechat.deliverAppWebhook(appWebhookUrl(world), {
      event: 'application_uninstalled',
      organizationId: biz.org.organizationId,
    });
    await waitFor('the revocation', () =>
      world.livechat.callsTo('revoke_token').some((c) => c.status === 200),
    );
    const purgeQueue = cleanup.get(JobProducer).queue(QueueName.DATA_PURGE);
    const purge = await waitFor('the delayed purge job', async () =>
      (await purgeQueue.getDelayed()).find((j) => j.data.installationId === biz.installation.id),
    );
    expect(purge.opts.delay).toBeGreaterThan(500_000);

    // The admin installs the app again: the install flow stores a new grant.
    world.livechat.state.setWebhooksEnabled(biz.org.organizationId, true);
    const tokens = world.livechat.state.issueAgentTokens(biz.org.accountId);
    await installations.upsertGrant({
      organizationId: biz.org.organizationId,
      accountId: biz.org.accountId,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: new Date(Date.now() + tokens.expiresIn * 1000),
      scopes: biz.org.scopes.join(','),
    });

    // The purge comes due (run now instead of in 10 minutes): it finds a reinstall and keeps all.
    await purge.promote();
    await waitFor('the purge job to finish', async () => !(await purgeQueue.getJob(purge.id)));
    const ids = await idsOf(world, biz);
    expect(await rowsLeft(world, ids)).toMatchObject({
      installations: 1,
      instagram_accounts: 1,
      conversations: 1,
      message_links: 1,
    });
    const row = await installations.findById(biz.installation.id);
    expect(row?.status).toBe('active');
    const trail = await world.gateway.app
      .get(CleanupAuditRepository)
      .listForSubject(biz.installation.id);
    expect(trail.map((a) => [a.action, a.outcome])).toContainEqual([
      'purge-skipped',
      'skipped-reinstalled',
    ]);
    const accountRow = await query<{
      status: string;
      status_reason: string | null;
      page_token_enc: string | null;
    }>(
      world,
      `SELECT status, status_reason, page_token_enc FROM instagram_accounts WHERE id = $1`,
      [biz.account.id],
    );
    expect(accountRow[0].status).toBe('needs_reconnect');
    expect(accountRow[0].status_reason).toMatch(/uninstalled/);
    expect(accountRow[0].page_token_enc).toBeNull();
  });
});
