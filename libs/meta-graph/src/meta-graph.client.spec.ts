import { Logger } from '@nestjs/common';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { MetaEmulator, SeededBusiness, startMetaEmulator } from '../../../test/emulators/meta';
import { appSecretProof } from './appsecret-proof.util';
import { MetaGraphClient } from './meta-graph.client';
import { MetaGraphError } from './meta-graph.error';
import { MetaCallInfo, MetaGraphOptions } from './meta-graph.types';

const APP_ID = '1111222233334444';
const APP_SECRET = 'contract-test-app-secret';
const HOUR = 3_600_000;

describe('MetaGraphClient against the Meta emulator', () => {
  let meta: MetaEmulator;
  let client: MetaGraphClient;
  let world: SeededBusiness;
  const reported: MetaCallInfo[] = [];

  function options(overrides: Partial<MetaGraphOptions> = {}): MetaGraphOptions {
    return {
      graphUrl: meta.url,
      graphVersion: 'v26.0',
      oauthUrl: meta.url,
      appId: APP_ID,
      appSecret: APP_SECRET,
      timeoutMs: 5000,
      onCall: (info) => reported.push(info),
      ...overrides,
    };
  }

  /** Runs the call and returns the MetaGraphError it must throw. */
  async function failure(call: Promise<unknown>): Promise<MetaGraphError> {
    try {
      await call;
    } catch (err) {
      expect(err).toBeInstanceOf(MetaGraphError);
      return err as MetaGraphError;
    }
    throw new Error('expected the call to fail');
  }

  beforeAll(async () => {
    // Quiet: the hygiene test spies on debug() directly.
    Logger.overrideLogger(false);
    meta = await startMetaEmulator({ appId: APP_ID, appSecret: APP_SECRET, graphVersion: 'v26.0' });
    client = new MetaGraphClient(options());
  });

  afterAll(async () => {
    await meta.close();
  });

  beforeEach(() => {
    meta.reset();
    reported.length = 0;
    world = meta.state.seedBusiness();
  });

  describe('Send API', () => {
    it('sendText posts /v26.0/me/messages with the page token, appsecret_proof and RESPONSE', async () => {
      const result = await client.sendText(world.pageToken, {
        recipientId: world.customer.igsid,
        text: 'Hello from LiveChat 👋',
      });

      const sent = meta.state.sentTo(world.igAccount.id, world.customer.igsid);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({
        kind: 'text',
        text: 'Hello from LiveChat 👋',
        messagingType: 'RESPONSE',
      });
      expect(result).toEqual({ recipientId: world.customer.igsid, messageId: sent[0].mid });

      const [call] = meta.callsTo('POST', '/me/messages');
      expect(call.path).toBe('/v26.0/me/messages');
      expect(call.version).toBe('v26.0');
      expect(call.query.access_token).toBe(world.pageToken);
      expect(call.query.appsecret_proof).toBe(appSecretProof(world.pageToken, APP_SECRET));
      expect(call.headers['content-type']).toBe('application/json');
      expect(call.body).toEqual({
        recipient: { id: world.customer.igsid },
        messaging_type: 'RESPONSE',
        message: { text: 'Hello from LiveChat 👋' },
      });
      expect(reported).toEqual([
        { api: 'meta', method: 'sendText', status: 200, durationMs: expect.any(Number) },
      ]);
    });

    it('sendText sends quick replies', async () => {
      await client.sendText(world.pageToken, {
        recipientId: world.customer.igsid,
        text: 'Pick one',
        quickReplies: [{ title: 'Yes', payload: 'Y' }],
      });
      expect(meta.lastCallTo('POST', '/me/messages')?.body).toMatchObject({
        message: {
          text: 'Pick one',
          quick_replies: [{ content_type: 'text', title: 'Yes', payload: 'Y' }],
        },
      });
    });

    it('sendAttachment sends the typed attachment by URL', async () => {
      const media = meta.state.addMedia({ kind: 'image' });
      const result = await client.sendAttachment(world.pageToken, {
        recipientId: world.customer.igsid,
        type: 'image',
        url: media.url,
      });
      expect(result.messageId).toBe(meta.state.sentMessages[0].mid);
      expect(meta.lastCallTo('POST', '/me/messages')?.body).toEqual({
        recipient: { id: world.customer.igsid },
        messaging_type: 'RESPONSE',
        message: { attachment: { type: 'image', payload: { url: media.url } } },
      });
    });

    it('sendSenderAction sends only recipient + sender_action and returns no message id', async () => {
      const result = await client.sendSenderAction(world.pageToken, {
        recipientId: world.customer.igsid,
        action: 'mark_seen',
      });
      expect(result).toEqual({ recipientId: world.customer.igsid, messageId: undefined });
      expect(meta.lastCallTo('POST', '/me/messages')?.body).toEqual({
        recipient: { id: world.customer.igsid },
        sender_action: 'mark_seen',
      });
      await client.sendSenderAction(world.pageToken, {
        recipientId: world.customer.igsid,
        action: 'typing_on',
      });
      expect(meta.state.sentMessages.map((m) => m.senderAction)).toEqual([
        'mark_seen',
        'typing_on',
      ]);
    });

    it('HUMAN_AGENT reaches a customer between 24 h and 7 days when the app has the feature', async () => {
      meta.state.setHumanAgent(true);
      meta.state.setLastCustomerMessageAt(
        world.igAccount.id,
        world.customer.igsid,
        Date.now() - 3 * 24 * HOUR,
      );
      await client.sendText(world.pageToken, {
        recipientId: world.customer.igsid,
        text: 'Sorry for the wait',
        messagingType: 'MESSAGE_TAG',
        tag: 'HUMAN_AGENT',
      });
      expect(meta.lastCallTo('POST', '/me/messages')?.body).toMatchObject({
        messaging_type: 'MESSAGE_TAG',
        tag: 'HUMAN_AGENT',
      });
      expect(meta.state.sentMessages[0].tag).toBe('HUMAN_AGENT');
    });

    it('window closed (> 24 h, no tag) → permanent window-closed 10/2018278, no token or text in the message', async () => {
      meta.state.setLastCustomerMessageAt(
        world.igAccount.id,
        world.customer.igsid,
        Date.now() - 25 * HOUR,
      );
      const err = await failure(
        client.sendText(world.pageToken, {
          recipientId: world.customer.igsid,
          text: 'private words',
        }),
      );
      expect(err).toMatchObject({
        kind: 'permanent',
        reason: 'window-closed',
        code: 10,
        subcode: 2018278,
        status: 400,
        method: 'sendText',
        fbtraceId: expect.any(String),
      });
      expect(err.message).toBe('meta sendText failed: permanent window-closed (code 10/2018278)');
      expect(err.message).not.toContain(world.pageToken);
      expect(err.message).not.toContain('private words');
      expect(meta.state.sentMessages).toHaveLength(0);
    });

    it('window closed beyond 7 days even with HUMAN_AGENT', async () => {
      meta.state.setHumanAgent(true);
      meta.state.setLastCustomerMessageAt(
        world.igAccount.id,
        world.customer.igsid,
        Date.now() - 8 * 24 * HOUR,
      );
      const err = await failure(
        client.sendText(world.pageToken, {
          recipientId: world.customer.igsid,
          text: 'x',
          tag: 'HUMAN_AGENT',
        }),
      );
      expect(err).toMatchObject({ kind: 'permanent', reason: 'window-closed', subcode: 2018278 });
    });

    it('HUMAN_AGENT without the app feature → permanent window-closed 10/2018065', async () => {
      meta.state.setLastCustomerMessageAt(
        world.igAccount.id,
        world.customer.igsid,
        Date.now() - 2 * 24 * HOUR,
      );
      const err = await failure(
        client.sendText(world.pageToken, {
          recipientId: world.customer.igsid,
          text: 'x',
          tag: 'HUMAN_AGENT',
        }),
      );
      expect(err).toMatchObject({
        kind: 'permanent',
        reason: 'window-closed',
        code: 10,
        subcode: 2018065,
      });
    });

    it('text over 1000 UTF-8 bytes → permanent invalid-parameter (code 100)', async () => {
      const err = await failure(
        client.sendText(world.pageToken, {
          recipientId: world.customer.igsid,
          text: 'é'.repeat(501),
        }),
      );
      expect(err).toMatchObject({ kind: 'permanent', reason: 'invalid-parameter', code: 100 });
    });

    it('blocked customer → permanent user-unavailable 551/1545041', async () => {
      world.customer.blocked = true;
      const err = await failure(
        client.sendText(world.pageToken, { recipientId: world.customer.igsid, text: 'x' }),
      );
      expect(err).toMatchObject({
        kind: 'permanent',
        reason: 'user-unavailable',
        code: 551,
        subcode: 1545041,
      });
    });

    it('unknown recipient → permanent user-unavailable 100/2018001', async () => {
      const err = await failure(
        client.sendText(world.pageToken, { recipientId: '999999', text: 'x' }),
      );
      expect(err).toMatchObject({
        kind: 'permanent',
        reason: 'user-unavailable',
        code: 100,
        subcode: 2018001,
      });
    });

    it('unreachable attachment URL → permanent attachment-failed 100/2018047', async () => {
      meta.state.fetchAttachments = true;
      const media = meta.state.addMedia({ kind: 'video' });
      meta.state.expireMedia(media.url);
      const err = await failure(
        client.sendAttachment(world.pageToken, {
          recipientId: world.customer.igsid,
          type: 'video',
          url: media.url,
        }),
      );
      expect(err).toMatchObject({
        kind: 'permanent',
        reason: 'attachment-failed',
        code: 100,
        subcode: 2018047,
      });
    });

    it('a URL that is not a URL → permanent invalid-parameter', async () => {
      const err = await failure(
        client.sendAttachment(world.pageToken, {
          recipientId: world.customer.igsid,
          type: 'file',
          url: 'nope',
        }),
      );
      expect(err).toMatchObject({ kind: 'permanent', reason: 'invalid-parameter', code: 100 });
    });
  });

  describe('error classes from injected faults', () => {
    const send = () =>
      client.sendText(world.pageToken, { recipientId: world.customer.igsid, text: 'x' });

    it('5xx → retryable temporary', async () => {
      meta.faults.inject({ route: 'POST /me/messages', status: 500, times: 1 });
      expect(await failure(send())).toMatchObject({
        kind: 'retryable',
        reason: 'temporary',
        status: 500,
        code: 1,
      });
      // The fault was one-shot: the retry goes through.
      await expect(send()).resolves.toMatchObject({ messageId: expect.any(String) });
      expect(reported.map((r) => r.status)).toEqual([500, 200]);
    });

    it('an HTML 502 from a proxy → retryable', async () => {
      meta.faults.inject({
        route: '/me/messages',
        status: 502,
        rawBody: '<html>Bad Gateway</html>',
      });
      expect(await failure(send())).toMatchObject({
        kind: 'retryable',
        status: 502,
        code: undefined,
      });
    });

    it('code 4 with X-Business-Use-Case-Usage → rate-limited with retryAfterMs', async () => {
      meta.faults.inject({ route: '/me/messages', code: 4, regainAccessMinutes: 2 });
      const err = await failure(send());
      expect(err).toMatchObject({
        kind: 'rate-limited',
        reason: 'rate-limited',
        status: 400,
        code: 4,
        retryAfterMs: 120_000,
      });
    });

    it('code 613 → rate-limited (no wait stated → no retryAfterMs)', async () => {
      meta.faults.inject({ route: '/me/messages', code: 613 });
      expect(await failure(send())).toMatchObject({
        kind: 'rate-limited',
        code: 613,
        retryAfterMs: undefined,
      });
    });

    it('HTTP 429 → rate-limited', async () => {
      meta.faults.inject({ route: '/me/messages', status: 429, headers: { 'retry-after': '7' } });
      expect(await failure(send())).toMatchObject({
        kind: 'rate-limited',
        status: 429,
        retryAfterMs: 7000,
      });
    });

    it('expired token (190/463) → auth token-invalid, and it stays expired', async () => {
      meta.faults.inject({ route: '/me/messages', expireToken: true, times: 1 });
      expect(await failure(send())).toMatchObject({
        kind: 'auth',
        reason: 'token-invalid',
        code: 190,
        subcode: 463,
      });
      expect(await failure(send())).toMatchObject({
        kind: 'auth',
        reason: 'token-invalid',
        code: 190,
        subcode: 463,
      });
    });

    it('windowClosed / userUnavailable faults', async () => {
      meta.faults.inject({ route: '/me/messages', windowClosed: true, times: 1 });
      meta.faults.inject({ route: '/me/messages', userUnavailable: true, times: 1 });
      expect(await failure(send())).toMatchObject({ reason: 'window-closed', subcode: 2018278 });
      expect(await failure(send())).toMatchObject({ reason: 'user-unavailable', subcode: 1545041 });
    });

    it('a hanging Graph → retryable timeout after timeoutMs', async () => {
      const impatient = new MetaGraphClient(options({ timeoutMs: 150 }));
      meta.faults.inject({ route: '/me/messages', hang: true });
      const err = await failure(
        impatient.sendText(world.pageToken, { recipientId: world.customer.igsid, text: 'x' }),
      );
      expect(err).toMatchObject({
        kind: 'retryable',
        reason: 'temporary',
        transport: 'timeout',
        status: undefined,
      });
      expect(reported).toEqual([
        { api: 'meta', method: 'sendText', status: 'network', durationMs: expect.any(Number) },
      ]);
      expect(meta.lastCallTo('POST', '/me/messages')?.status).toBeUndefined();
    });

    it('connection refused → retryable network', async () => {
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const { port } = probe.address() as AddressInfo;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      const offline = new MetaGraphClient(options({ graphUrl: `http://127.0.0.1:${port}` }));
      const err = await failure(offline.me(world.userToken));
      expect(err).toMatchObject({ kind: 'retryable', transport: 'network' });
    });

    it('latency alone still answers normally', async () => {
      meta.faults.inject({ route: '/me/messages', latencyMs: 30, times: 1 });
      await expect(send()).resolves.toMatchObject({ messageId: expect.any(String) });
    });
  });

  describe('profiles and accounts', () => {
    it('getUserProfile returns the customer profile fields', async () => {
      const profile = await client.getUserProfile(world.pageToken, world.customer.igsid);
      expect(profile).toEqual({
        id: world.customer.igsid,
        name: world.customer.name,
        username: world.customer.username,
        profilePic: world.customer.profilePicUrl,
        isVerifiedUser: false,
        followerCount: 42,
        isUserFollowBusiness: true,
        isBusinessFollowUser: false,
      });
      const call = meta.lastCallTo('GET', '/:igsid');
      expect(call?.query.fields?.split(',')).toEqual(
        expect.arrayContaining([
          'name',
          'username',
          'profile_pic',
          'is_verified_user',
          'follower_count',
        ]),
      );
      // The avatar URL the emulator serves is real.
      const avatar = await fetch(profile.profilePic!);
      expect(avatar.headers.get('content-type')).toBe('image/png');
      await avatar.arrayBuffer();
    });

    it('getUserProfile without consent → permanent user-unavailable (230)', async () => {
      world.customer.consent = false;
      const err = await failure(client.getUserProfile(world.pageToken, world.customer.igsid));
      expect(err).toMatchObject({ kind: 'permanent', reason: 'user-unavailable', code: 230 });
    });

    it('getInstagramAccount', async () => {
      await expect(
        client.getInstagramAccount(world.pageToken, world.igAccount.id),
      ).resolves.toEqual({
        id: world.igAccount.id,
        username: world.igAccount.username,
        name: world.igAccount.name,
        profilePictureUrl: world.igAccount.profilePictureUrl,
      });
    });

    it('me', async () => {
      await expect(client.me(world.userToken)).resolves.toEqual({
        id: world.user.id,
        name: world.user.name,
      });
    });
  });

  describe('connect flow', () => {
    const redirectUri = 'https://gateway.example/connect/instagram/callback';
    const scopes = [
      'instagram_basic',
      'instagram_manage_messages',
      'pages_manage_metadata',
      'pages_show_list',
    ];

    it('buildLoginDialogUrl points at the versioned dialog with client_id, redirect_uri, state, scope', () => {
      const url = new URL(client.buildLoginDialogUrl({ redirectUri, state: 'st-1', scopes }));
      expect(url.origin + url.pathname).toBe(`${meta.url}/v26.0/dialog/oauth`);
      expect(Object.fromEntries(url.searchParams)).toEqual({
        client_id: APP_ID,
        redirect_uri: redirectUri,
        state: 'st-1',
        response_type: 'code',
        scope: scopes.join(','),
      });
    });

    it('dialog → Continue → code → tokens → pages → subscribe → debug → revoke', async () => {
      meta.reset();
      const admin = meta.state.addUser({ scopes: [] });
      const { page, igAccount } = meta.state.addPage({ ownerUserId: admin.id, name: 'Bakery' });
      meta.state.addPage({ ownerUserId: admin.id, name: 'No IG', instagram: false });

      // The browser opens the dialog page and presses Continue.
      const dialogUrl = client.buildLoginDialogUrl({ redirectUri, state: 'csrf-123', scopes });
      const pageRes = await fetch(dialogUrl);
      const html = await pageRes.text();
      expect(pageRes.status).toBe(200);
      expect(html).toContain('Continue');
      expect(html).toContain('Cancel');
      const requestId = /name="request" value="([^"]+)"/.exec(html)?.[1];
      const decision = new URL(`${meta.url}/v26.0/dialog/oauth/decision`);
      decision.searchParams.set('request', requestId!);
      decision.searchParams.set('decision', 'continue');
      for (const scope of scopes) {
        decision.searchParams.append('scope', scope);
      }
      const redirect = await fetch(decision, { redirect: 'manual' });
      expect(redirect.status).toBe(302);
      const back = new URL(redirect.headers.get('location')!);
      expect(back.origin + back.pathname).toBe(redirectUri);
      expect(back.searchParams.get('state')).toBe('csrf-123');
      const code = back.searchParams.get('code')!;
      expect(code).toBeTruthy();

      const short = await client.exchangeCode({ code, redirectUri });
      expect(short).toMatchObject({ accessToken: expect.any(String), tokenType: 'bearer' });
      expect(meta.lastCallTo('GET', '/oauth/access_token')?.query).toMatchObject({
        client_id: APP_ID,
        client_secret: APP_SECRET,
        redirect_uri: redirectUri,
        code,
      });
      const long = await client.exchangeForLongLivedToken(short.accessToken);
      expect(long.expiresIn).toBeGreaterThan(50 * 24 * 3600);
      expect(meta.lastCallTo('GET', '/oauth/access_token')?.query).toMatchObject({
        grant_type: 'fb_exchange_token',
        fb_exchange_token: short.accessToken,
      });

      const pages = await client.listPages(long.accessToken);
      expect(pages).toEqual([
        {
          id: page.id,
          name: 'Bakery',
          accessToken: expect.any(String),
          tasks: expect.arrayContaining(['MESSAGING', 'MODERATE']),
          instagramBusinessAccountId: igAccount!.id,
        },
        expect.objectContaining({ name: 'No IG', instagramBusinessAccountId: undefined }),
      ]);
      const pageToken = pages[0].accessToken;

      await expect(
        client.subscribeApp(pageToken, page.id, ['messages', 'messaging_postbacks']),
      ).resolves.toBe(true);
      expect(meta.state.subscriptionOf(page.id)).toEqual(['messages', 'messaging_postbacks']);
      expect(meta.lastCallTo('POST', '/:page/subscribed_apps')?.query.subscribed_fields).toBe(
        'messages,messaging_postbacks',
      );
      await expect(client.getSubscribedApps(pageToken, page.id)).resolves.toEqual([
        { id: APP_ID, name: 'Emulated App', subscribedFields: ['messages', 'messaging_postbacks'] },
      ]);

      const pageDebug = await client.debugToken(pageToken);
      expect(pageDebug).toMatchObject({
        isValid: true,
        type: 'PAGE',
        appId: APP_ID,
        expiresAt: null,
        userId: admin.id,
        profileId: page.id,
        scopes: expect.arrayContaining(scopes),
      });
      expect(meta.lastCallTo('GET', '/debug_token')?.query.access_token).toBe(
        `${APP_ID}|${APP_SECRET}`,
      );
      expect(meta.lastCallTo('GET', '/debug_token')?.query.appsecret_proof).toBeUndefined();
      const userDebug = await client.debugToken(long.accessToken);
      expect(userDebug.type).toBe('USER');
      expect(userDebug.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 50 * 24 * HOUR);

      await expect(client.unsubscribeApp(pageToken, page.id)).resolves.toBe(true);
      expect(meta.state.subscriptionOf(page.id)).toBeUndefined();
      await expect(client.getSubscribedApps(pageToken, page.id)).resolves.toEqual([]);

      await expect(client.revokePermissions(client.appAccessToken(), admin.id)).resolves.toBe(true);
      expect(await failure(client.me(long.accessToken))).toMatchObject({
        kind: 'auth',
        reason: 'token-invalid',
        code: 190,
        subcode: 458,
      });
      expect(await client.debugToken(pageToken)).toMatchObject({
        isValid: false,
        errorCode: 190,
        errorSubcode: 458,
      });
    });

    it('Cancel redirects with error=access_denied and the same state', () => {
      const dialogUrl = client.buildLoginDialogUrl({ redirectUri, state: 'csrf-9', scopes });
      const back = new URL(meta.completeLogin(dialogUrl, { decision: 'cancel' }));
      expect(Object.fromEntries(back.searchParams)).toMatchObject({
        error: 'access_denied',
        error_reason: 'user_denied',
        error_description: expect.any(String),
        state: 'csrf-9',
      });
      expect(back.searchParams.get('code')).toBeNull();
    });

    it('auto-continue redirects straight from the dialog', async () => {
      meta.state.setLoginBehavior({ mode: 'auto-continue', userId: world.user.id });
      const res = await fetch(client.buildLoginDialogUrl({ redirectUri, state: 's', scopes }), {
        redirect: 'manual',
      });
      expect(res.status).toBe(302);
      expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    });

    it('partial grant: without instagram_basic the Page shows no IG account and debug_token lacks the scope', async () => {
      meta.state.setLoginBehavior({ userId: world.user.id });
      const dialogUrl = client.buildLoginDialogUrl({ redirectUri, state: 's', scopes });
      const back = new URL(
        meta.completeLogin(dialogUrl, {
          grantScopes: scopes.filter((s) => s !== 'instagram_basic'),
        }),
      );
      const token = await client.exchangeCode({
        code: back.searchParams.get('code')!,
        redirectUri,
      });
      const pages = await client.listPages(token.accessToken);
      expect(pages[0].instagramBusinessAccountId).toBeUndefined();
      const debug = await client.debugToken(token.accessToken);
      expect(debug.scopes).not.toContain('instagram_basic');
      expect(debug.scopes).toContain('instagram_manage_messages');
    });

    it('a used code and a different redirect_uri are rejected as invalid parameters', async () => {
      meta.state.setLoginBehavior({ userId: world.user.id });
      const code = new URL(
        meta.completeLogin(client.buildLoginDialogUrl({ redirectUri, state: 's', scopes })),
      ).searchParams.get('code')!;
      expect(
        await failure(client.exchangeCode({ code, redirectUri: `${redirectUri}x` })),
      ).toMatchObject({
        kind: 'permanent',
        reason: 'invalid-parameter',
        subcode: 36008,
      });
      await client.exchangeCode({ code: `${code}#_`, redirectUri });
      expect(await failure(client.exchangeCode({ code, redirectUri }))).toMatchObject({
        reason: 'invalid-parameter',
        subcode: 36009,
      });
    });

    it('listPages follows paging to the end', async () => {
      for (let i = 0; i < 4; i++) {
        meta.state.addPage({ ownerUserId: world.user.id, name: `Extra ${i}` });
      }
      meta.state.pagingLimit = 2;
      const pages = await client.listPages(world.userToken);
      expect(pages.map((p) => p.name)).toEqual([
        'Emulated Shop',
        'Extra 0',
        'Extra 1',
        'Extra 2',
        'Extra 3',
      ]);
      expect(meta.callsTo('GET', '/me/accounts')).toHaveLength(3);
      expect(new Set(pages.map((p) => p.id)).size).toBe(5);
    });

    it('subscribeApp without pages_manage_metadata → auth permission-missing', async () => {
      world.user.grantedScopes.delete('pages_manage_metadata');
      const err = await failure(client.subscribeApp(world.pageToken, world.page.id, ['messages']));
      expect(err).toMatchObject({
        kind: 'auth',
        reason: 'permission-missing',
        code: 200,
        status: 403,
      });
    });

    it('debugToken on garbage → isValid false, not an error', async () => {
      await expect(client.debugToken('not-a-token')).resolves.toMatchObject({
        isValid: false,
        errorCode: 190,
      });
    });

    it('a bad app secret proof is refused by Graph (the emulator checks it)', async () => {
      const wrong = new MetaGraphClient(options({ appSecret: 'not-the-secret' }));
      expect(await failure(wrong.me(world.userToken))).toMatchObject({
        kind: 'permanent',
        code: 100,
      });
    });
  });

  describe('hygiene', () => {
    it('debug logs carry method, status and latency, never tokens, URLs or text', async () => {
      const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
      try {
        await client.sendText(world.pageToken, {
          recipientId: world.customer.igsid,
          text: 'very private text',
        });
        meta.faults.inject({ route: '/me/messages', code: 190, times: 1 });
        await failure(
          client.sendText(world.pageToken, {
            recipientId: world.customer.igsid,
            text: 'very private text',
          }),
        );
        await client.exchangeForLongLivedToken(world.userToken).catch(() => undefined);
        const lines = debug.mock.calls.map((args) => args.map(String).join(' '));
        expect(lines).toEqual([
          expect.stringMatching(/^sendText 200 \d+ms$/),
          expect.stringMatching(/^sendText 400 \d+ms$/),
          expect.stringMatching(/^exchangeForLongLivedToken 200 \d+ms$/),
        ]);
        for (const line of lines) {
          expect(line).not.toContain(world.pageToken);
          expect(line).not.toContain(APP_SECRET);
          expect(line).not.toContain('private');
          expect(line).not.toContain('http');
        }
      } finally {
        debug.mockRestore();
      }
    });

    it('refuses ids that would change the path', async () => {
      await expect(client.getUserProfile(world.pageToken, '../me/accounts')).rejects.toThrow(
        'invalid Graph object id',
      );
      expect(meta.calls).toHaveLength(0);
    });

    it('validates its options', () => {
      expect(() => new MetaGraphClient(options({ graphVersion: '26' }))).toThrow('graphVersion');
      expect(() => new MetaGraphClient(options({ graphUrl: 'nope' }))).toThrow('graphUrl');
      expect(() => new MetaGraphClient(options({ timeoutMs: 0 }))).toThrow('timeoutMs');
      expect(() => new MetaGraphClient(options({ appSecret: '' }))).toThrow('appSecret');
    });
  });
});
