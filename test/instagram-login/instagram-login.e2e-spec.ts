import { getDataSourceToken } from '@nestjs/typeorm';
import { InstagramAccountEntity, InstagramAccountRepository } from '@app/persistence';
import { QueueName } from '@app/queues';
import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { appWebhookUrl, queueIdle, relaySees, runJob } from '../cleanup/cleanup-helpers';
import {
  call,
  completeConnect,
  connectAccount,
  connectThroughInstagramDialog,
  connectWithInstagramLogin,
  facebookBusiness,
  handleIn,
  installedOrganization,
} from '../settings/settings-flows';
import { hubSignature256 } from '../emulators/meta';
import { waitFor } from '../support/wait-for';
import { World } from '../support/world';

const DAY = 86_400_000;

describe('Instagram Login: connect, relay both ways, token refresh, duplicates (gateway, workers, emulators)', () => {
  let world: World;
  let cleanup: INestApplicationContext;
  let dataSource: DataSource;
  let n = 0;

  beforeAll(async () => {
    world = await World.start({ instagramLogin: true });
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

  async function row(instagramAccountId: string): Promise<InstagramAccountEntity> {
    const found = await accounts().findByInstagramId(instagramAccountId);
    expect(found).not.toBeNull();
    return found!;
  }

  /** A customer writes to the account; returns their LiveChat chat id once the chat exists. */
  async function customerWrites(igAccountId: string): Promise<{ igsid: string; chatId: string }> {
    const igsid = `igl-user-${(n += 1)}`;
    world.meta.state.addCustomer({ igAccountId, igsid });
    const sent = await world.meta.customerSends({ igAccountId, igsid, text: `${igsid}: hello` });
    expect(sent.delivery.status).toBe(200);
    const chatId = await waitFor('the chat', async () => {
      const rows = await dataSource.query<Array<{ chat_id: string | null }>>(
        'SELECT chat_id FROM conversations WHERE igsid = $1',
        [igsid],
      );
      return rows[0]?.chat_id ?? undefined;
    });
    await waitFor('the message in the chat', () =>
      world.livechat.state.events(chatId).some((e) => e.text === `${igsid}: hello`),
    );
    return { igsid, chatId };
  }

  const sentTo = (igAccountId: string, igsid: string) =>
    world.meta.state.sentTo(igAccountId, igsid).filter((m) => m.kind !== 'sender_action');

  async function agentReplies(
    igAccountId: string,
    igsid: string,
    chatId: string,
    text: string,
  ): Promise<ReturnType<typeof sentTo>[number]> {
    await world.livechat.agentSendsMessage(chatId, { text });
    return waitFor(`the reply "${text}" on Instagram`, () =>
      sentTo(igAccountId, igsid).find((m) => m.text === text),
    );
  }

  it('connects through Instagram Login: dialog, callback handle, complete; own token, expiry and subscription', async () => {
    const { token } = await installedOrganization(world);
    const ig = world.meta.state.addInstagramAccount({ username: 'studio_login' });
    const { dialogUrl, response, html } = await connectThroughInstagramDialog(world, token, ig.id);
    const dialog = new URL(dialogUrl);
    expect(`${dialog.origin}${dialog.pathname}`).toBe(
      `${world.meta.instagramOauthUrl}/oauth/authorize`,
    );
    expect(dialog.searchParams.get('client_id')).toBe(world.meta.instagramAppId);
    expect(dialog.searchParams.get('scope')).toBe(
      'instagram_business_basic,instagram_business_manage_messages',
    );
    expect(dialog.searchParams.get('redirect_uri')).toBe(
      `${world.gateway.url}/connect/instagram/callback`,
    );
    // The callback connects nothing by itself.
    expect(response.status).toBe(200);
    expect(await accounts().findByInstagramId(ig.id)).toBeNull();
    expect(html).toContain('The Instagram login is done');

    const done = await completeConnect(world, token, handleIn(html)!);
    expect(done.status).toBe(200);
    expect(done.body.account).toMatchObject({
      instagramAccountId: ig.id,
      username: 'studio_login',
      loginPath: 'instagram',
      status: 'active',
    });

    const stored = await row(ig.id);
    expect(stored.loginPath).toBe('instagram');
    const [longLived] = world.meta.state.instagramTokensOf(ig.id);
    expect(longLived.longLived).toBe(true);
    expect(accounts().pageTokenOf(stored)).toBe(longLived.token);
    expect(stored.pageTokenEnc).not.toContain(longLived.token);
    expect(stored.tokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 59 * DAY);
    expect(world.meta.state.igSubscriptions.get(ig.id)).toEqual(
      expect.arrayContaining(['messages', 'message_reactions', 'messaging_seen']),
    );
    expect(world.meta.callsTo('POST', '/:id/subscribed_apps', 'graph.instagram.com')).toHaveLength(
      1,
    );
    expect(world.meta.callsTo('POST', '/oauth/access_token', 'api.instagram.com')).toHaveLength(1);
  });

  it('a DM to an Instagram Login account becomes a chat; the reply leaves through graph.instagram.com with its token; echoes do not come back', async () => {
    const { token } = await installedOrganization(world);
    const ig = world.meta.state.addInstagramAccount();
    expect((await connectWithInstagramLogin(world, token, ig.id)).status).toBe(200);
    const { igsid, chatId } = await customerWrites(ig.id);
    // Only Instagram Login holds this account's subscription: Meta signed with the Instagram app
    // secret, and the gateway took it.
    expect(world.meta.state.isSubscribedOnlyThroughInstagramLogin(ig.id)).toBe(true);
    const delivery = world.meta.deliveries.find((d) =>
      d.payload.entry.some((e) => String(e.id) === ig.id),
    )!;
    expect(delivery.headers['x-hub-signature-256']).toBe(
      hubSignature256(delivery.rawBody, world.meta.instagramAppSecret),
    );
    expect(delivery.status).toBe(200);
    // The customer's profile is read on graph.instagram.com with the account's own token.
    const accountToken = accounts().pageTokenOf(await row(ig.id));
    const profile = await waitFor('the profile lookup', () =>
      world.meta.callsTo('GET', `/${igsid}`, 'graph.instagram.com').find((c) => c.status === 200),
    );
    expect(profile.query.access_token).toBe(accountToken);

    const sent = await agentReplies(ig.id, igsid, chatId, 'Hello from the agent');
    expect(sent.via).toBe('graph.instagram.com');
    expect(sent.token).toBe(accounts().pageTokenOf(await row(ig.id)));
    expect(world.meta.callsTo('POST', '/me/messages', 'graph.facebook.com')).toHaveLength(0);

    // The echo (Instagram app id) is ours: a later message shows it was handled, not shown.
    await world.meta.idle();
    await world.meta.customerSends({ igAccountId: ig.id, igsid, text: `${igsid}: thanks` });
    await waitFor('the later message', () =>
      world.livechat.state.events(chatId).some((e) => e.text === `${igsid}: thanks`),
    );
    const texts = world.livechat.state.events(chatId).map((e) => e.text);
    expect(texts.filter((t) => t === 'Hello from the agent')).toHaveLength(1);
  });

  it('two accounts of one installation, one per path: DMs land as chats, replies leave through the right host and token', async () => {
    const { token } = await installedOrganization(world);
    const fb = facebookBusiness(world);
    expect((await connectAccount(world, token, fb.user.id)).status).toBe(200);
    const ig = world.meta.state.addInstagramAccount();
    expect((await connectWithInstagramLogin(world, token, ig.id)).status).toBe(200);

    const throughPage = await customerWrites(fb.igAccount.id);
    const throughLogin = await customerWrites(ig.id);
    expect(throughPage.chatId).not.toBe(throughLogin.chatId);

    const pageReply = await agentReplies(
      fb.igAccount.id,
      throughPage.igsid,
      throughPage.chatId,
      'via the Page',
    );
    const loginReply = await agentReplies(
      ig.id,
      throughLogin.igsid,
      throughLogin.chatId,
      'via Instagram Login',
    );
    expect(pageReply).toMatchObject({ via: 'graph.facebook.com', pageId: fb.page.id });
    expect(pageReply.token).toBe(accounts().pageTokenOf(await row(fb.igAccount.id)));
    expect(loginReply).toMatchObject({ via: 'graph.instagram.com' });
    expect(loginReply.token).toBe(accounts().pageTokenOf(await row(ig.id)));
    expect(loginReply.token).not.toBe(pageReply.token);
  });

  it('refreshes the token well before its 60 days (cleanup worker); the next reply uses the new one', async () => {
    const { token } = await installedOrganization(world);
    const ig = world.meta.state.addInstagramAccount();
    expect((await connectWithInstagramLogin(world, token, ig.id)).status).toBe(200);
    const before = await row(ig.id);
    const oldToken = accounts().pageTokenOf(before)!;

    // A token far from expiry is left alone.
    await runJob(cleanup, QueueName.TOKEN_HEALTH, { check: 'instagram-refresh' });
    expect(accounts().pageTokenOf(await row(ig.id))).toBe(oldToken);

    // 45 days on: 15 days left (on Meta's side, and in our row).
    world.meta.state.setTokenTimes(oldToken, {
      issuedAt: Date.now() - 45 * DAY,
      expiresAt: Date.now() + 15 * DAY,
    });
    await dataSource.query('UPDATE instagram_accounts SET token_expires_at = $1 WHERE id = $2', [
      new Date(Date.now() + 15 * DAY),
      before.id,
    ]);
    await runJob(cleanup, QueueName.TOKEN_HEALTH, { check: 'instagram-refresh' });

    const after = await row(ig.id);
    const newToken = accounts().pageTokenOf(after)!;
    expect(newToken).not.toBe(oldToken);
    expect(world.meta.state.instagramTokensOf(ig.id)[0].token).toBe(newToken);
    expect(after.tokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 59 * DAY);
    expect(after.status).toBe('active');
    const refreshCall = world.meta.lastCallTo(
      'GET',
      '/refresh_access_token',
      'graph.instagram.com',
    );
    expect(refreshCall?.query).toMatchObject({ grant_type: 'ig_refresh_token' });

    const { igsid, chatId } = await customerWrites(ig.id);
    const sent = await agentReplies(ig.id, igsid, chatId, 'after the refresh');
    expect(sent.token).toBe(newToken);
  });

  it('an expired token shows "needs you"; messages wait and flow after reconnecting', async () => {
    const { token } = await installedOrganization(world);
    const ig = world.meta.state.addInstagramAccount();
    expect((await connectWithInstagramLogin(world, token, ig.id)).status).toBe(200);
    const { igsid, chatId } = await customerWrites(ig.id);
    const stale = await row(ig.id);
    const oldToken = accounts().pageTokenOf(stale)!;

    // The token ran out (nothing refreshed it in time): Meta refuses it, the job cannot renew it.
    world.meta.state.expireToken(oldToken);
    await dataSource.query('UPDATE instagram_accounts SET token_expires_at = $1 WHERE id = $2', [
      new Date(Date.now() - 60_000),
      stale.id,
    ]);
    await runJob(cleanup, QueueName.TOKEN_HEALTH, { check: 'instagram-refresh' });
    const listed = await call(world, '/api/instagram/accounts', { token });
    const { accounts: views } = (await listed.json()) as {
      accounts: Array<{ instagramAccountId: string; status: string; statusReason: string }>;
    };
    const view = views.find((a) => a.instagramAccountId === ig.id);
    expect(view).toMatchObject({ status: 'needs_reconnect' });
    expect(view!.statusReason).toContain('Connect it again');

    // Meanwhile: the customer's DM still reaches the chat; the agent's reply waits.
    await world.meta.customerSends({ igAccountId: ig.id, igsid, text: `${igsid}: still there?` });
    await waitFor('the DM while the account needs you', () =>
      world.livechat.state.events(chatId).some((e) => e.text === `${igsid}: still there?`),
    );
    await world.livechat.agentSendsMessage(chatId, { text: 'held until reconnected' });

    const again = await connectWithInstagramLogin(world, token, ig.id);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ reconnected: true, account: { status: 'active' } });
    const fresh = accounts().pageTokenOf(await row(ig.id))!;
    expect(fresh).not.toBe(oldToken);

    const sent = await waitFor('the held reply', () =>
      sentTo(ig.id, igsid).find((m) => m.text === 'held until reconnected'),
    );
    expect(sent.token).toBe(fresh);
    expect(sentTo(ig.id, igsid).filter((m) => m.text === 'held until reconnected')).toHaveLength(1);
    // Never tried with the dead token.
    expect(
      world.meta
        .callsTo('POST', '/me/messages', 'graph.instagram.com')
        .filter((c) => c.query.access_token === oldToken && c.status !== 200),
    ).toHaveLength(0);
  });

  it('the same Instagram account through the other path, or into another organization, is refused naming where it is connected', async () => {
    const first = await installedOrganization(world);
    // Connected through its Facebook Page, then offered through Instagram Login.
    const viaPage = facebookBusiness(world);
    expect((await connectAccount(world, first.token, viaPage.user.id)).status).toBe(200);
    const twice = await connectWithInstagramLogin(world, first.token, viaPage.igAccount.id);
    expect(twice.status).toBe(409);
    expect(twice.body.message).toContain(
      'already connected to this LiveChat organization through a Facebook Page',
    );
    expect((await row(viaPage.igAccount.id)).loginPath).toBe('facebook');
    expect(world.meta.state.igSubscriptions.has(viaPage.igAccount.id)).toBe(false);

    // Connected with Instagram Login, then offered through its Facebook Page.
    const viaLogin = facebookBusiness(world);
    expect(
      (await connectWithInstagramLogin(world, first.token, viaLogin.igAccount.id)).status,
    ).toBe(200);
    const other = await connectAccount(world, first.token, viaLogin.user.id);
    expect(other.status).toBe(409);
    expect(other.body.message).toContain(
      'already connected to this LiveChat organization as an Instagram professional account',
    );
    expect((await row(viaLogin.igAccount.id)).loginPath).toBe('instagram');

    // Another organization, either path.
    const second = await installedOrganization(world);
    const elsewhere = await connectWithInstagramLogin(world, second.token, viaLogin.igAccount.id);
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.message).toContain('already connected to another LiveChat organization');
    const elsewhereByPage = await connectAccount(world, second.token, viaPage.user.id);
    expect(elsewhereByPage.status).toBe(409);
    expect(elsewhereByPage.body.message).toContain('another LiveChat organization');
    expect((await row(viaLogin.igAccount.id)).installationId).toBe(first.installationId);
    expect((await row(viaPage.igAccount.id)).installationId).toBe(first.installationId);
  });

  it('every relay rule holds on this path: deletes, the window and HUMAN_AGENT, and disconnect unsubscribes on graph.instagram.com', async () => {
    const { org, token } = await installedOrganization(world);
    const ig = world.meta.state.addInstagramAccount();
    expect((await connectWithInstagramLogin(world, token, ig.id)).status).toBe(200);
    const { igsid, chatId } = await customerWrites(ig.id);

    // A DM deleted on Instagram is deleted in LiveChat.
    const doomed = await world.meta.customerSends({ igAccountId: ig.id, igsid, text: 'oops' });
    const withKey = () =>
      world.livechat.state
        .chats(org.organizationId)
        .flatMap((chat) => world.livechat.state.events(chat.id, { includeDeleted: true }))
        .filter((e) => e.customId === `ig:m:${doomed.mid}`);
    await waitFor('the DM in LiveChat', () => withKey().length === 1);
    await world.meta.customerDeletes({ igAccountId: ig.id, igsid, mid: doomed.mid! });
    await waitFor('the DM deleted in LiveChat', () => withKey()[0]?.deleted === true);

    // Three days after the customer's last message: refused without HUMAN_AGENT, the agent is told.
    const threeDaysAgo = new Date(Date.now() - 3 * DAY);
    await dataSource.query('UPDATE conversations SET last_inbound_at = $1 WHERE igsid = $2', [
      threeDaysAgo,
      igsid,
    ]);
    world.meta.state.setLastCustomerMessageAt(ig.id, igsid, threeDaysAgo);
    await world.livechat.agentSendsMessage(chatId, { text: 'too late?' });
    await waitFor('the notice to the agent', () =>
      world.livechat.state.events(chatId).some((e) => e.customId?.startsWith('igl-notice:')),
    );
    expect(sentTo(ig.id, igsid).some((m) => m.text === 'too late?')).toBe(false);

    // With HUMAN_AGENT (the app feature and the installation's switch) it goes out, tagged.
    world.meta.state.setHumanAgent(true);
    const put = await call(world, '/api/settings', {
      method: 'PUT',
      token,
      json: { humanAgentEnabled: true },
    });
    expect(put.status).toBe(200);
    const tagged = await agentReplies(ig.id, igsid, chatId, 'a human answers');
    expect(tagged).toMatchObject({
      via: 'graph.instagram.com',
      messagingType: 'MESSAGE_TAG',
      tag: 'HUMAN_AGENT',
    });
    world.meta.state.setHumanAgent(false);

    // Disconnect: the account's own subscription goes, on graph.instagram.com with its token;
    // no Facebook permission revocation (there is no Facebook user on this path).
    const account = await row(ig.id);
    const accountToken = accounts().pageTokenOf(account);
    const permissionsBefore = world.meta.callsTo('DELETE', '/:id/permissions').length;
    const gone = await call(world, `/api/instagram/accounts/${account.id}`, {
      method: 'DELETE',
      token,
    });
    expect(gone.status).toBe(200);
    const [unsubscribe] = await waitFor('the unsubscribe', () => {
      const calls = world.meta
        .callsTo('DELETE', '/:id/subscribed_apps', 'graph.instagram.com')
        .filter((c) => c.path.includes(ig.id) && c.status === 200);
      return calls.length > 0 ? calls : undefined;
    });
    expect(unsubscribe.query.access_token).toBe(accountToken);
    expect(world.meta.state.igSubscriptions.has(ig.id)).toBe(false);
    expect(world.meta.callsTo('DELETE', '/:id/permissions')).toHaveLength(permissionsBefore);
  });

  it('uninstall stops relaying at once and unsubscribes the Instagram Login account on graph.instagram.com', async () => {
    const { org, token } = await installedOrganization(world);
    const ig = world.meta.state.addInstagramAccount();
    expect((await connectWithInstagramLogin(world, token, ig.id)).status).toBe(200);
    const { igsid, chatId } = await customerWrites(ig.id);
    const accountToken = accounts().pageTokenOf(await row(ig.id));

    world.livechat.state.setWebhooksEnabled(org.organizationId, false);
    const delivery = await world.livechat.deliverAppWebhook(appWebhookUrl(world), {
      event: 'application_uninstalled',
      organizationId: org.organizationId,
    });
    expect(delivery.status).toBe(200);
    const [unsubscribe] = await waitFor('the unsubscribe', () => {
      const calls = world.meta
        .callsTo('DELETE', '/:id/subscribed_apps', 'graph.instagram.com')
        .filter((c) => c.path.includes(ig.id) && c.status === 200);
      return calls.length > 0 ? calls : undefined;
    });
    expect(unsubscribe.query.access_token).toBe(accountToken);
    expect(world.meta.state.igSubscriptions.has(ig.id)).toBe(false);

    // Relaying stopped: a late DM (Meta would not send it any more; forced) reaches no chat.
    const relay = world.workers[0];
    await relaySees(relay, ig.id, (f) => !f || f.installation.status === 'uninstalled');
    const before = world.livechat.state.events(chatId).length;
    const late = await world.meta.customerSends(
      { igAccountId: ig.id, igsid, text: 'after uninstall' },
      { force: true },
    );
    expect(late.delivery.status).toBe(200);
    await queueIdle(relay, QueueName.INSTAGRAM_INBOUND);
    expect(world.livechat.state.events(chatId)).toHaveLength(before);
  });

  it('a cancelled Instagram dialog or an unticked permission connects nothing and says so in Instagram’s words', async () => {
    const { token } = await installedOrganization(world);
    const ig = world.meta.state.addInstagramAccount();
    const cancelled = await connectThroughInstagramDialog(world, token, ig.id, {
      decision: 'cancel',
    });
    expect(cancelled.response.status).toBe(200);
    expect(cancelled.html).toContain('Instagram login cancelled');
    expect(handleIn(cancelled.html)).toBeUndefined();

    const partial = await connectThroughInstagramDialog(world, token, ig.id, {
      grantScopes: ['instagram_business_basic'],
    });
    expect(partial.response.status).toBe(403);
    expect(partial.html).toContain('instagram_business_manage_messages');
    expect(partial.html).toContain('receive and answer Instagram Direct Messages');
    expect(handleIn(partial.html)).toBeUndefined();
    expect(await accounts().findByInstagramId(ig.id)).toBeNull();
  });
});
