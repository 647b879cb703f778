import { InstagramAccountRepository, InstallationRepository } from '@app/persistence';
import { JobProducer, QueueName } from '@app/queues';
import { DataSource } from 'typeorm';
import { InstagramConnectService } from '../../apps/gateway/src/connect/instagram-connect.service';
import { InstallService } from '../../apps/gateway/src/install/install.service';
import { World } from '../support/world';
import {
  call,
  completeConnect,
  connectAccount,
  connectThroughDialog,
  facebookBusiness,
  handleIn,
  installedOrganization,
  installFromMarketplace,
  installThroughOurFlow,
  location,
  seenResponses,
  textOf,
} from './settings-flows';

const PAGE_FIELDS = [
  'messages',
  'messaging_postbacks',
  'message_reactions',
  'messaging_seen',
  'messaging_referral',
];

describe('install, settings API and connecting Instagram (gateway + emulators)', () => {
  let world: World;

  beforeAll(async () => {
    world = await World.start({
      relayWorkers: 0,
      env: {
        OPERATOR_NAME: 'Acme Relay GmbH',
        OPERATOR_CONTACT: 'privacy@acme.example',
        PURGE_DELAY_SECONDS: '3600',
        MESSAGE_LINK_RETENTION_DAYS: '30',
        FAILED_JOB_RETENTION_DAYS: '7',
      },
    });
    await world.usePublicGatewayUrl();
  });

  afterAll(async () => {
    await world?.close();
  });

  const installations = () => world.gateway.app.get(InstallationRepository);
  const accounts = () => world.gateway.app.get(InstagramAccountRepository);

  describe('GET /install', () => {
    it('starts its own flow with PKCE (S256) and a signed state, and installs on the way back', async () => {
      const org = world.livechat.state.createOrganization();
      const start = await call(world, '/install');
      const authorize = new URL(location(start));
      expect(authorize.origin).toBe(world.livechat.url);
      expect(authorize.searchParams.get('response_type')).toBe('code');
      expect(authorize.searchParams.get('redirect_uri')).toBe(`${world.gateway.url}/install`);
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(authorize.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);

      world.livechat.clearCalls();
      const done = await installThroughOurFlow(world, org);
      expect(done.status).toBe(303);
      expect(location(done)).toBe('/app?installed=1');
      const exchange = world.livechat.callsTo('token')[0];
      expect(exchange.body).toMatchObject({
        grant_type: 'authorization_code',
        client_secret: world.livechat.clientSecret,
      });
      expect(typeof exchange.body.code_verifier).toBe('string');

      const installation = await installations().findByOrganization(org.organizationId);
      expect(installation).toMatchObject({ status: 'active', accountId: org.accountId });
      expect(installation!.scopes).toContain('customers:own');
    });

    it('installs from the Marketplace (code only), stores tokens encrypted, and a reinstall reuses the installation', async () => {
      const org = world.livechat.state.createOrganization();
      const first = await installFromMarketplace(world, org);
      expect(first.status).toBe(303);
      expect(location(first)).toBe('/app?installed=1');
      const installation = await installations().findByOrganization(org.organizationId);

      const [row] = await world.gateway.app
        .get(DataSource)
        .query<Array<{ access_token_enc: string; refresh_token_enc: string }>>(
          'SELECT access_token_enc, refresh_token_enc FROM installations WHERE id = $1',
          [installation!.id],
        );
      expect(row.access_token_enc).toMatch(/^v1:/);
      expect(row.refresh_token_enc).toMatch(/^v1:/);
      const tokens = await installations().getTokens(installation!.id);
      expect(row.access_token_enc).not.toContain(tokens.accessToken!);

      // The admin installs again (new code): same installation, new grant.
      const again = world.livechat.state.issueAuthorizationCode({ accountId: org.accountId });
      const second = await call(world, `/install?code=${encodeURIComponent(again)}`);
      expect(second.status).toBe(303);
      expect(location(second)).toBe('/app?installed=again');
      const after = await installations().findByOrganization(org.organizationId);
      expect(after!.id).toBe(installation!.id);
      expect((await installations().getTokens(after!.id)).accessToken).not.toBe(tokens.accessToken);
    });

    it('refuses a grant without customers:own with a page saying an administrator must install, and gives the token back', async () => {
      const org = world.livechat.state.createOrganization({ scopes: ['chats--all:ro'] });
      world.livechat.clearCalls();
      const response = await installFromMarketplace(world, org);
      expect(response.status).toBe(403);
      const text = textOf(await response.text());
      expect(text).toContain('An administrator must install this app');
      expect(text).toContain('customers:own');
      expect(await installations().findByOrganization(org.organizationId)).toBeNull();
      expect(world.livechat.callsTo('revoke_token')).toHaveLength(1);
    });

    it('refuses a tampered or expired state, a used code, and says so when the admin cancels', async () => {
      const org = world.livechat.state.createOrganization();
      world.livechat.state.signIn(org.accountId);
      const back = new URL(
        location(await fetch(location(await call(world, '/install')), { redirect: 'manual' })),
      );
      const state = back.searchParams.get('state')!;
      const code = back.searchParams.get('code')!;
      const [body, mac] = state.split('.');
      const tampered = `${body.slice(0, -2)}${body.endsWith('A') ? 'B' : 'A'}${body.slice(-1)}.${mac}`;

      const bad = await call(world, `/install?code=${code}&state=${tampered}`);
      expect(bad.status).toBe(400);
      expect(textOf(await bad.text())).toContain('This install link is not valid');

      const old = world.gateway.app
        .get(InstallService)
        .signState('abcdefghijklmnopqrstuv', Date.now() - 11 * 60_000);
      const expired = await call(world, `/install?code=${code}&state=${old}`);
      expect(expired.status).toBe(400);
      expect(textOf(await expired.text())).toContain('This install link expired');
      expect(await installations().findByOrganization(org.organizationId)).toBeNull();

      const used = await call(world, `/install?code=${encodeURIComponent(org.code)}`);
      expect(used.status).toBe(303);
      const reused = await call(world, `/install?code=${encodeURIComponent(org.code)}`);
      expect(reused.status).toBe(400);
      expect(textOf(await reused.text())).toContain('did not accept this installation');

      const cancelled = await call(world, '/install?error=access_denied');
      expect(cancelled.status).toBe(200);
      expect(textOf(await cancelled.text())).toContain('Installation cancelled');

      const repeated = await call(world, '/install?code=a&code=b');
      expect(repeated.status).toBe(400);
    });
  });

  describe('authentication of the settings API', () => {
    it('answers 401 without a valid Bearer token, 403 for an organization without the app', async () => {
      const missing = await call(world, '/api/instagram/accounts');
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toContain('Bearer');
      expect(((await missing.json()) as { message: string }).message).toContain('Bearer');

      const notBearer = await call(world, '/api/settings', {
        headers: { authorization: 'Basic dXNlcjpwYXNz' },
      });
      expect(notBearer.status).toBe(401);

      const unknown = await call(world, '/api/settings', { token: 'dal:not-a-real-token' });
      expect(unknown.status).toBe(401);
      expect(((await unknown.json()) as { message: string }).message).toMatch(/sign in again/i);

      const stranger = world.livechat.state.createOrganization();
      const refused = await call(world, '/api/instagram/accounts', { token: stranger.accessToken });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { message: string }).message).toContain('not installed');

      const connect = await call(world, '/api/instagram/connect', {
        method: 'POST',
        token: stranger.accessToken,
        json: {},
      });
      expect(connect.status).toBe(403);
    });

    it('refuses an agent without the administrator grant', async () => {
      const { org } = await installedOrganization(world);
      const agent = world.livechat.state.addAccount(org.organizationId, {
        role: 'normal',
        scopes: ['chats--all:ro'],
      });
      const token = world.livechat.state.issueAgentTokens(agent.accountId).accessToken;
      const response = await call(world, '/api/settings', { token });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { message: string }).message).toContain('administrator');
    });

    it('checks a token with LiveChat once, then from a short cache', async () => {
      const { org } = await installedOrganization(world);
      const token = world.livechat.state.issueAgentTokens(org.accountId).accessToken;
      world.livechat.clearCalls();
      for (let i = 0; i < 3; i++) {
        expect((await call(world, '/api/settings', { token })).status).toBe(200);
      }
      expect(world.livechat.callsTo('info')).toHaveLength(1);
    });

    it('keeps each organization to its own installation', async () => {
      const a = await installedOrganization(world);
      const b = await installedOrganization(world);
      const biz = facebookBusiness(world);
      const connected = await connectAccount(world, a.token, biz.user.id);
      expect(connected.status).toBe(200);
      const [accountOfA] = await accounts().listForInstallation(a.installationId);

      const listB = await call(world, '/api/instagram/accounts', { token: b.token });
      expect(((await listB.json()) as { accounts: unknown[] }).accounts).toEqual([]);
      const deleteByB = await call(world, `/api/instagram/accounts/${accountOfA.id}`, {
        method: 'DELETE',
        token: b.token,
      });
      expect(deleteByB.status).toBe(404);
      expect((await accounts().findByInstagramId(biz.igAccount.id))!.status).toBe('active');
    });
  });

  describe('settings', () => {
    it('reads and changes the HUMAN_AGENT switch', async () => {
      const { token, installationId, org } = await installedOrganization(world);
      const read = await call(world, '/api/settings', { token });
      expect(await read.json()).toEqual({
        organizationId: org.organizationId,
        licenseId: null,
        status: 'active',
        humanAgentEnabled: false,
        purgeDelaySeconds: 3600,
        // No META_INSTAGRAM_APP_ID/SECRET in this world: the settings page offers the Page path only.
        instagramLoginAvailable: false,
      });
      expect(read.headers.get('cache-control')).toBe('no-store');

      const saved = await call(world, '/api/settings', {
        method: 'PUT',
        token,
        json: { humanAgentEnabled: true },
      });
      expect(saved.status).toBe(200);
      expect(await saved.json()).toMatchObject({ humanAgentEnabled: true });
      expect(await installations().findById(installationId)).toMatchObject({
        humanAgentEnabled: true,
      });
    });

    it.each([
      [
        { livechatGroupId: 7 },
        'livechatGroupId is set per Instagram account now: PATCH /api/instagram/accounts/:id with { "livechatGroupId": n }.',
      ],
      [{ humanAgentEnabled: 'yes' }, 'humanAgentEnabled must be a boolean value'],
      [{ groupId: 3 }, 'property groupId should not exist'],
    ])('refuses %j with 400 and the reason', async (body, reason) => {
      const { token, installationId } = await installedOrganization(world);
      const response = await call(world, '/api/settings', { method: 'PUT', token, json: body });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string[] }).message).toContain(reason);
      expect(await installations().findById(installationId)).toMatchObject({
        humanAgentEnabled: false,
      });
    });

    it('refuses malformed JSON and bad connect options with 400', async () => {
      const { token } = await installedOrganization(world);
      const malformed = await call(world, '/api/settings', {
        method: 'PUT',
        token,
        headers: { 'content-type': 'application/json' },
        body: '{"humanAgentEnabled": ',
      });
      expect(malformed.status).toBe(400);
      const display = await call(world, '/api/instagram/connect', {
        method: 'POST',
        token,
        json: { display: 'iframe' },
      });
      expect(display.status).toBe(400);
      const login = await call(world, '/api/instagram/connect', {
        method: 'POST',
        token,
        json: { login: 'twitter' },
      });
      expect(login.status).toBe(400);
      expect(((await login.json()) as { message: string[] }).message).toContain(
        'login must be one of the following values: facebook, instagram',
      );
      // Instagram Login without the Instagram app's id and secret: off, and it says so.
      const instagram = await call(world, '/api/instagram/connect', {
        method: 'POST',
        token,
        json: { login: 'instagram' },
      });
      expect(instagram.status).toBe(400);
      expect(((await instagram.json()) as { message: string }).message).toContain(
        'not set up on this server',
      );
      const facebook = await call(world, '/api/instagram/connect', {
        method: 'POST',
        token,
        json: { login: 'facebook' },
      });
      expect(facebook.status).toBe(200);
      expect(((await facebook.json()) as { url: string }).url).toContain('/dialog/oauth');
      // The body is optional.
      const bare = await call(world, '/api/instagram/connect', { method: 'POST', token });
      expect(bare.status).toBe(200);
    });
  });

  describe('connecting Instagram', () => {
    it('builds the Facebook Login URL with the scopes and a signed state; the callback hands over a handle; complete connects the one Page, subscribes it and lists it', async () => {
      const { token, installationId } = await installedOrganization(world);
      const biz = facebookBusiness(world);
      const started = await call(world, '/api/instagram/connect', {
        method: 'POST',
        token,
        json: {},
      });
      const { url } = (await started.json()) as { url: string };
      const dialog = new URL(url);
      expect(dialog.origin).toBe(world.meta.url);
      expect(dialog.pathname).toBe('/v26.0/dialog/oauth');
      expect(dialog.searchParams.get('redirect_uri')).toBe(
        `${world.gateway.url}/connect/instagram/callback`,
      );
      expect(dialog.searchParams.get('scope')!.split(',').sort()).toEqual(
        [
          'business_management',
          'instagram_basic',
          'instagram_manage_messages',
          'pages_manage_metadata',
          'pages_messaging',
          'pages_read_engagement',
          'pages_show_list',
        ].sort(),
      );
      expect(dialog.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);

      world.meta.state.setLoginBehavior({ userId: biz.user.id });
      const response = await call(world, world.meta.completeLogin(url));
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(textOf(html)).toContain('nothing is connected yet');
      const handle = handleIn(html);
      expect(handle).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(html).toContain(`data-settings-origin="${world.gateway.url}"`);
      expect(html).not.toContain(world.meta.state.pageTokenFor(biz.page.id, biz.user.id));
      expect(await accounts().listForInstallation(installationId)).toEqual([]);
      expect(world.meta.state.subscriptions.get(biz.page.id)).toBeUndefined();

      const completed = await completeConnect(world, token, handle!);
      expect(completed.status).toBe(200);
      expect(completed.body).toMatchObject({
        reconnected: false,
        account: { username: biz.igAccount.username, pageId: biz.page.id, status: 'active' },
      });

      expect(world.meta.state.subscriptions.get(biz.page.id)).toEqual(PAGE_FIELDS);
      const listed = await call(world, '/api/instagram/accounts', { token });
      const { accounts: views } = (await listed.json()) as {
        accounts: Array<Record<string, unknown>>;
      };
      expect(views).toEqual([
        expect.objectContaining({
          instagramAccountId: biz.igAccount.id,
          username: biz.igAccount.username,
          name: biz.igAccount.name,
          avatarUrl: biz.igAccount.profilePictureUrl,
          pageId: biz.page.id,
          pageName: biz.page.name,
          status: 'active',
          statusReason: null,
          livechatGroupId: 0,
          livechatGroupProblem: null,
          lastRelayedAt: null,
        }),
      ]);
      const stored = await accounts().findByInstagramId(biz.igAccount.id);
      expect(stored!.installationId).toBe(installationId);
      expect(stored!.connectedByUserId).toBe(biz.user.id);
      expect(await accounts().getPageToken(installationId, stored!.id)).toBe(
        world.meta.state.pageTokenFor(biz.page.id, biz.user.id),
      );

      const when = new Date('2026-01-02T03:04:05.000Z');
      await accounts().touchRelayed(installationId, stored!.id, when);
      const again = (await (await call(world, '/api/instagram/accounts', { token })).json()) as {
        accounts: Array<{ lastRelayedAt: string }>;
      };
      expect(again.accounts[0].lastRelayedAt).toBe(when.toISOString());
    });

    it('answers a choice when several Pages have Instagram accounts, and connects the one chosen', async () => {
      const { token, installationId } = await installedOrganization(world);
      const biz = facebookBusiness(world);
      const second = world.meta.state.addPage({ ownerUserId: biz.user.id, name: 'Second Shop' });
      world.meta.state.addPage({ ownerUserId: biz.user.id, name: 'No IG Page', instagram: false });
      const { response, html } = await connectThroughDialog(world, token, biz.user.id);
      expect(response.status).toBe(200);
      const handle = handleIn(html)!;

      const choice = await completeConnect(world, token, handle);
      expect(choice.status).toBe(200);
      expect(choice.body).toEqual({
        choose: [
          expect.objectContaining({
            pageId: biz.page.id,
            name: biz.page.name,
            username: biz.igAccount.username,
            state: 'available',
          }),
          expect.objectContaining({
            pageId: second.page.id,
            name: 'Second Shop',
            username: second.igAccount!.username,
            state: 'available',
          }),
        ],
      });
      expect(JSON.stringify(choice.body)).not.toContain(
        world.meta.state.pageTokenFor(biz.page.id, biz.user.id),
      );
      expect(await accounts().listForInstallation(installationId)).toEqual([]);

      // A Page that was not offered is refused, and the handle stays usable.
      const wrong = await completeConnect(world, token, handle, '999999');
      expect(wrong.status).toBe(400);
      expect(wrong.body).toMatchObject({ reason: 'unknown-page' });

      const chosen = await completeConnect(world, token, handle, second.page.id);
      expect(chosen.status).toBe(200);
      expect(chosen.body).toMatchObject({ account: { username: second.igAccount!.username } });
      const rows = await accounts().listForInstallation(installationId);
      expect(rows.map((r) => r.instagramAccountId)).toEqual([second.igAccount!.id]);
      expect(world.meta.state.subscriptions.get(second.page.id)).toEqual(PAGE_FIELDS);

      // The handle is single-use once it connected; a malformed one is refused.
      const replay = await completeConnect(world, token, handle, biz.page.id);
      expect(replay.status).toBe(410);
      expect(replay.body).toMatchObject({ reason: 'handle-gone' });
      expect(world.meta.state.subscriptions.get(biz.page.id)).toBeUndefined();
      const malformed = await call(world, '/api/instagram/connect/complete', {
        method: 'POST',
        token,
        json: { handle: 'x', pageId: 'abc' },
      });
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as { message: string[] }).message).toEqual(
        expect.arrayContaining([
          'handle must be the handle the callback page gave',
          'pageId must be one of the Page ids offered',
        ]),
      );
    });

    it('connects several accounts to one installation', async () => {
      const { token, installationId } = await installedOrganization(world);
      const one = facebookBusiness(world);
      const two = facebookBusiness(world);
      expect((await connectAccount(world, token, one.user.id)).status).toBe(200);
      expect((await connectAccount(world, token, two.user.id)).status).toBe(200);
      const rows = await accounts().listForInstallation(installationId);
      expect(rows.map((r) => r.instagramAccountId).sort()).toEqual(
        [one.igAccount.id, two.igAccount.id].sort(),
      );
    });

    it('refuses an Instagram account connected to another organization', async () => {
      const a = await installedOrganization(world);
      const b = await installedOrganization(world);
      const biz = facebookBusiness(world);
      expect((await connectAccount(world, a.token, biz.user.id)).status).toBe(200);
      const refused = await connectAccount(world, b.token, biz.user.id);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ reason: 'taken' });
      expect(String(refused.body.message)).toContain(
        `@${biz.igAccount.username} is already connected to another LiveChat organization`,
      );
      expect(await accounts().listForInstallation(b.installationId)).toEqual([]);
      expect((await accounts().findByInstagramId(biz.igAccount.id))!.installationId).toBe(
        a.installationId,
      );
    });

    it('says so when the admin cancels the Facebook login', async () => {
      const { token, installationId } = await installedOrganization(world);
      const biz = facebookBusiness(world);
      const { response, html } = await connectThroughDialog(world, token, biz.user.id, {
        decision: 'cancel',
      });
      expect(response.status).toBe(200);
      expect(textOf(html)).toContain(
        'You cancelled the Facebook login, so no Instagram account was connected.',
      );
      expect(await accounts().listForInstallation(installationId)).toEqual([]);
    });

    it('names the permissions that were not granted', async () => {
      const { token, installationId } = await installedOrganization(world);
      const biz = facebookBusiness(world);
      const { response, html } = await connectThroughDialog(world, token, biz.user.id, {
        grantScopes: [
          'pages_show_list',
          'instagram_basic',
          'pages_messaging',
          'business_management',
        ],
      });
      expect(response.status).toBe(403);
      const text = textOf(html);
      expect(text).toContain('Some permissions were not granted');
      for (const missing of [
        'instagram_manage_messages',
        'pages_manage_metadata',
        'pages_read_engagement',
      ]) {
        expect(text).toContain(missing);
      }
      expect(text).not.toContain('pages_show_list —');
      expect(await accounts().listForInstallation(installationId)).toEqual([]);
      expect(world.meta.state.subscriptions.get(biz.page.id)).toBeUndefined();
    });

    it('explains a Page without an Instagram professional account, and a login with no Page', async () => {
      const { token } = await installedOrganization(world);
      const user = world.meta.state.addUser();
      world.meta.state.addPage({ ownerUserId: user.id, name: 'Bakery Page', instagram: false });
      const noIg = await connectThroughDialog(world, token, user.id);
      expect(noIg.response.status).toBe(422);
      expect(textOf(noIg.html)).toContain(
        'The Facebook Page Bakery Page is not linked to an Instagram professional account',
      );

      const lonely = world.meta.state.addUser();
      const noPages = await connectThroughDialog(world, token, lonely.id);
      expect(noPages.response.status).toBe(422);
      expect(textOf(noPages.html)).toContain('No Facebook Page found');
    });

    it('reports when Instagram does not allow access to the account’s messages', async () => {
      const { token, installationId } = await installedOrganization(world);
      const biz = facebookBusiness(world);
      world.meta.faults.inject({
        route: 'GET /:page/conversations',
        status: 400,
        code: 36103,
        message: 'Instagram messaging is not available for this account',
        times: 1,
      });
      const refused = await connectAccount(world, token, biz.user.id);
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ reason: 'messaging-not-allowed' });
      expect(String(refused.body.message)).toContain('does not let apps read and answer');
      expect(String(refused.body.message)).toContain('Allow access to messages');
      expect(await accounts().listForInstallation(installationId)).toEqual([]);
      expect(world.meta.state.subscriptions.get(biz.page.id)).toBeUndefined();

      // The same refusal on the subscription itself is reported the same way.
      world.meta.faults.inject({
        route: 'POST /:page/subscribed_apps',
        status: 400,
        code: 36103,
        times: 1,
      });
      const second = await connectAccount(world, token, biz.user.id);
      expect(second.status).toBe(422);
      expect(String(second.body.message)).toContain('Allow access to messages');
    });

    it('offers to reconnect when the Facebook login expired, and lists accounts needing it', async () => {
      const { token, installationId } = await installedOrganization(world);
      const biz = facebookBusiness(world);
      world.meta.faults.inject({
        route: 'GET /oauth/access_token',
        status: 400,
        code: 100,
        subcode: 36007,
        message: 'This authorization code has expired.',
        times: 1,
      });
      const expired = await connectThroughDialog(world, token, biz.user.id);
      expect(expired.response.status).toBe(400);
      expect(textOf(expired.html)).toContain('Your Facebook login expired');
      expect(expired.html).toContain('Reconnect');

      world.meta.faults.inject({ route: 'GET /me/accounts', expireToken: true, times: 1 });
      const tokenDied = await connectThroughDialog(world, token, biz.user.id);
      expect(tokenDied.response.status).toBe(400);
      expect(textOf(tokenDied.html)).toContain('Your Facebook login expired');

      expect((await connectAccount(world, token, biz.user.id)).status).toBe(200);
      const [row] = await accounts().listForInstallation(installationId);
      await accounts().setStatus(
        installationId,
        row.id,
        'needs_reconnect',
        'Page token expired: reconnect.',
      );
      const listed = (await (await call(world, '/api/instagram/accounts', { token })).json()) as {
        accounts: Array<{ status: string; statusReason: string }>;
      };
      expect(listed.accounts[0]).toMatchObject({
        status: 'needs_reconnect',
        statusReason: 'Page token expired: reconnect.',
      });

      // Reconnecting is the same flow, and makes the account active again.
      const reconnected = await connectAccount(world, token, biz.user.id);
      expect(reconnected.body).toMatchObject({ reconnected: true });
      expect((await accounts().findForInstallation(installationId, row.id))!.status).toBe('active');
    });

    it('refuses a tampered, expired, replayed or missing state', async () => {
      const { token, installationId, org } = await installedOrganization(world);
      const biz = facebookBusiness(world);
      const started = await call(world, '/api/instagram/connect', {
        method: 'POST',
        token,
        json: {},
      });
      const { url } = (await started.json()) as { url: string };
      world.meta.state.setLoginBehavior({ userId: biz.user.id });
      const callback = new URL(world.meta.completeLogin(url));
      const state = callback.searchParams.get('state')!;
      const [body, mac] = state.split('.');

      const tampered = new URL(callback);
      tampered.searchParams.set('state', `${body}x.${mac}`);
      const bad = await call(world, tampered.toString());
      expect(bad.status).toBe(400);
      expect(textOf(await bad.text())).toContain('This connection link is not valid');

      const forged = new URL(callback);
      forged.searchParams.set(
        'state',
        `${body}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`,
      );
      expect((await call(world, forged.toString())).status).toBe(400);

      const old = world.gateway.app
        .get(InstagramConnectService)
        .signState(
          { i: installationId, a: org.accountId, n: 'abcdefghijklmnopqrstuv', d: 'page' },
          Date.now() - 11 * 60_000,
        );
      const expired = new URL(callback);
      expired.searchParams.set('state', old);
      const late = await call(world, expired.toString());
      expect(late.status).toBe(400);
      expect(textOf(await late.text())).toContain('This connection request expired');

      const none = new URL(callback);
      none.searchParams.delete('state');
      expect((await call(world, none.toString())).status).toBe(400);
      expect(await accounts().listForInstallation(installationId)).toEqual([]);

      const ok = await call(world, callback.toString());
      expect(ok.status).toBe(200);
      expect(handleIn(await ok.text())).toBeDefined();
      const replay = await call(world, callback.toString());
      expect(replay.status).toBe(400);
      expect(textOf(await replay.text())).toContain('This connection link was already used');
    });

    it('answers 502 with a page when Facebook fails', async () => {
      const { token } = await installedOrganization(world);
      const biz = facebookBusiness(world);
      world.meta.faults.inject({ route: 'GET /me/accounts', status: 503, code: 2, times: 1 });
      const { response, html } = await connectThroughDialog(world, token, biz.user.id);
      expect(response.status).toBe(502);
      expect(textOf(html)).toContain('Facebook did not answer');
    });
  });

  describe('DELETE /api/instagram/accounts/:id', () => {
    it('stops relaying at once, queues the revocation and the delayed purge, and is idempotent', async () => {
      const { token, installationId } = await installedOrganization(world);
      const biz = facebookBusiness(world);
      expect((await connectAccount(world, token, biz.user.id)).status).toBe(200);
      const [row] = await accounts().listForInstallation(installationId);

      const before = Date.now();
      const response = await call(world, `/api/instagram/accounts/${row.id}`, {
        method: 'DELETE',
        token,
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { account: { status: string } }).account.status).toBe(
        'disconnected',
      );
      const stored = await accounts().findForInstallation(installationId, row.id);
      expect(stored!.status).toBe('disconnected');
      expect(stored!.purgeAt!.getTime()).toBeGreaterThanOrEqual(before + 3_600_000 - 1_000);

      const producer = world.gateway.app.get(JobProducer);
      const revocations = (await producer.queue(QueueName.TOKEN_REVOCATION).getJobs(['waiting']))
        .map((j) => j.data)
        .filter((d) => d.instagramAccountIds?.includes(row.id));
      expect(revocations).toEqual([
        expect.objectContaining({
          reason: 'disconnected',
          installationId,
          instagramAccountIds: [row.id],
        }),
      ]);
      const purges = (await producer.queue(QueueName.DATA_PURGE).getJobs(['delayed'])).filter((j) =>
        j.data.instagramAccountIds?.includes(row.id),
      );
      expect(purges).toHaveLength(1);
      expect(purges[0].data).toMatchObject({ reason: 'disconnected', installationId });
      expect(purges[0].opts.delay).toBeGreaterThan(3_600_000 - 5_000);
      expect(purges[0].opts.delay).toBeLessThanOrEqual(3_600_000);

      const twice = await call(world, `/api/instagram/accounts/${row.id}`, {
        method: 'DELETE',
        token,
      });
      expect(twice.status).toBe(200);
      expect(
        (await producer.queue(QueueName.DATA_PURGE).getJobs(['delayed'])).filter((j) =>
          j.data.instagramAccountIds?.includes(row.id),
        ),
      ).toHaveLength(1);

      const listed = (await (await call(world, '/api/instagram/accounts', { token })).json()) as {
        accounts: Array<{ id: string; status: string }>;
      };
      expect(listed.accounts).toEqual([
        expect.objectContaining({ id: row.id, status: 'disconnected' }),
      ]);
    });

    it('answers 400 for a malformed id and 404 for an unknown one', async () => {
      const { token } = await installedOrganization(world);
      const malformed = await call(world, '/api/instagram/accounts/not-a-uuid', {
        method: 'DELETE',
        token,
      });
      expect(malformed.status).toBe(400);
      const unknown = await call(
        world,
        '/api/instagram/accounts/6f1d7c52-0c6a-4c4e-9d43-2a8f1b2c3d4e',
        {
          method: 'DELETE',
          token,
        },
      );
      expect(unknown.status).toBe(404);
    });
  });

  describe('pages', () => {
    it('serves /app framable by LiveChat only, with a strict CSP and versioned assets', async () => {
      const page = await call(world, '/app');
      expect(page.status).toBe(200);
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain('frame-ancestors https://my.livechatinc.com');
      expect(csp).not.toContain("'unsafe-inline'");
      expect(page.headers.get('x-frame-options')).toBeNull();
      const html = await page.text();
      expect(html).toContain(`data-accounts-url="${world.livechat.url}"`);
      expect(html).toContain(`data-client-id="${world.livechat.clientId}"`);
      const script = /src="(\/app\/app\.js\?v=[0-9a-f]+)"/.exec(html)![1];
      const js = await call(world, script);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toContain('javascript');
      expect(js.headers.get('cache-control')).toContain('immutable');
      const css = await call(world, /href="(\/app\/app\.css\?v=[0-9a-f]+)"/.exec(html)![1]);
      expect(css.headers.get('content-type')).toContain('text/css');
      const etag = css.headers.get('etag')!;
      expect(
        (await call(world, '/app/app.css', { headers: { 'if-none-match': etag } })).status,
      ).toBe(304);
    });

    it('serves the privacy policy with the operator and the retention promises', async () => {
      const response = await call(world, '/privacy');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      const text = textOf(await response.text());
      expect(text).toContain('operated by Acme Relay GmbH');
      expect(text).toContain('privacy@acme.example');
      expect(text).toContain('deleted within 1 hour');
      expect(text).toContain('kept for 30 days');
      expect(text).toContain('kept for 7 days');
      expect(text).toContain('removed from LiveChat within 30 days');
      expect(text).toContain('The service sets no cookies at all');
      expect(text).toContain(
        'the date and time, the path, the client IP address, the number of bytes sent and the user agent',
      );
      expect(text).toMatch(/encrypted \(AES-256-GCM\)/);
    });
  });

  it('never sets a cookie, on any endpoint of the install, settings, connect and privacy features', async () => {
    const { token } = await installedOrganization(world);
    const probes: Array<[string, RequestInit & { token?: string; json?: unknown }]> = [
      ['/install', {}],
      ['/install?error=access_denied', {}],
      ['/app', {}],
      ['/app/app.js', {}],
      ['/app/app.css', {}],
      ['/privacy', {}],
      ['/api/settings', { token }],
      ['/api/settings', { method: 'PUT', token, json: { humanAgentEnabled: true } }],
      ['/api/livechat/groups', { token }],
      ['/api/instagram/accounts', { token }],
      ['/api/instagram/accounts', {}],
      ['/api/instagram/connect', { method: 'POST', token, json: {} }],
      ['/connect/instagram/callback?state=x&code=y', {}],
      [
        '/api/instagram/connect/complete',
        { method: 'POST', token, json: { handle: 'A'.repeat(32) } },
      ],
    ];
    for (const [path, init] of probes) {
      await call(world, path, init);
    }
    const paths = new Set(seenResponses.map((r) => r.path));
    for (const path of [
      '/install',
      '/app',
      '/privacy',
      '/api/settings',
      '/api/instagram/accounts',
      '/api/instagram/connect',
      '/connect/instagram/callback',
      '/api/instagram/connect/complete',
    ]) {
      expect(paths).toContain(path);
    }
    expect(seenResponses.filter((r) => r.setCookie !== null)).toEqual([]);
  });
});
