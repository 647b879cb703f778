import { MetaEmulator, startMetaEmulator } from '../../../test/emulators/meta';
import { MetaGraphClient } from './meta-graph.client';
import { MetaGraphError } from './meta-graph.error';

const DAY = 86_400_000;
const REDIRECT = 'https://gateway.example/connect/instagram/callback';

describe('MetaGraphClient, Instagram Login path, against the emulated Instagram hosts', () => {
  let meta: MetaEmulator;
  let client: MetaGraphClient;
  let now = Date.now();

  beforeAll(async () => {
    meta = await startMetaEmulator({ appId: '111', appSecret: 'fb-app-secret', now: () => now });
    client = new MetaGraphClient({
      graphUrl: meta.url,
      graphVersion: 'v26.0',
      oauthUrl: meta.url,
      appId: '111',
      appSecret: 'fb-app-secret',
      timeoutMs: 5000,
      instagram: {
        oauthUrl: meta.instagramOauthUrl,
        apiUrl: meta.instagramApiUrl,
        graphUrl: meta.instagramGraphUrl,
        appId: meta.instagramAppId,
        appSecret: meta.instagramAppSecret,
      },
    });
  });

  afterEach(() => {
    meta.reset();
    now = Date.now();
  });

  afterAll(() => meta.close());

  async function failure(call: Promise<unknown>): Promise<MetaGraphError> {
    const error = await call.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(MetaGraphError);
    return error as MetaGraphError;
  }

  function login(shape: 'data' | 'flat' = 'data') {
    const account = meta.state.addInstagramAccount({ username: 'studio_one' });
    meta.state.igCodeExchangeShape = shape;
    const dialog = client.buildInstagramLoginUrl({
      redirectUri: REDIRECT,
      state: 'st4te',
      scopes: ['instagram_business_basic', 'instagram_business_manage_messages'],
    });
    const back = new URL(meta.completeInstagramLogin(dialog));
    return { account, dialog, back };
  }

  it.each(['data', 'flat'] as const)(
    'dialog → code (%s shape) → long-lived token → me → subscribe → send, all on the Instagram hosts',
    async (shape) => {
      const { account, dialog, back } = login(shape);
      expect(dialog.startsWith(`${meta.instagramOauthUrl}/oauth/authorize?`)).toBe(true);
      expect(back.searchParams.get('state')).toBe('st4te');
      const code = `${back.searchParams.get('code')}#_`;

      const short = await client.exchangeInstagramCode({ code, redirectUri: REDIRECT });
      expect(short.userId).toBe(account.id);
      expect(short.permissions).toEqual([
        'instagram_business_basic',
        'instagram_business_manage_messages',
      ]);
      const long = await client.exchangeInstagramLongLivedToken(short.accessToken);
      expect(long.expiresIn).toBe(5_183_944);

      const me = await client.instagramMe(long.accessToken);
      expect(me).toMatchObject({ userId: account.id, username: 'studio_one' });
      expect(me.appScopedId).not.toBe(account.id);

      const ig = client.forLogin('instagram');
      expect(await ig.subscribeApp(long.accessToken, account.id, ['messages'])).toBe(true);
      expect(meta.state.isSubscribed(account.id)).toBe(true);

      const customer = meta.state.addCustomer({ igAccountId: account.id });
      meta.state.setLastCustomerMessageAt(account.id, customer.igsid, now);
      const sent = await ig.sendText(long.accessToken, { recipientId: customer.igsid, text: 'hi' });
      expect(meta.state.sentTo(account.id, customer.igsid)[0]).toMatchObject({
        mid: sent.messageId,
        via: 'graph.instagram.com',
        token: long.accessToken,
      });
      const profile = await ig.getUserProfile(long.accessToken, customer.igsid);
      expect(profile.username).toBe(customer.username);
      expect(meta.callsTo('POST', '/me/messages', 'graph.facebook.com')).toHaveLength(0);
      // graph.instagram.com gets no appsecret_proof (it is keyed with the Facebook app secret).
      expect(meta.lastCallTo('POST', '/me/messages')?.query.appsecret_proof).toBeUndefined();
    },
  );

  it('a used code fails as permanent; an Instagram token is refused on graph.facebook.com', async () => {
    const { back } = login();
    const code = back.searchParams.get('code')!;
    const short = await client.exchangeInstagramCode({ code, redirectUri: REDIRECT });
    const reused = await failure(client.exchangeInstagramCode({ code, redirectUri: REDIRECT }));
    expect(reused.kind).toBe('permanent');
    const wrongHost = await failure(client.me(short.accessToken));
    expect(wrongHost.kind).toBe('auth');
  });

  it('refreshes a long-lived token at least 24 h old; an expired one cannot be refreshed', async () => {
    const { back } = login();
    const short = await client.exchangeInstagramCode({
      code: back.searchParams.get('code')!,
      redirectUri: REDIRECT,
    });
    const long = await client.exchangeInstagramLongLivedToken(short.accessToken);
    const tooYoung = await failure(client.refreshInstagramToken(long.accessToken));
    expect(tooYoung.kind).toBe('permanent');

    now += 2 * DAY;
    const refreshed = await client.refreshInstagramToken(long.accessToken);
    expect(refreshed.accessToken).not.toBe(long.accessToken);
    expect(refreshed.expiresIn).toBe(5_183_944);

    now += 61 * DAY;
    const expired = await failure(client.refreshInstagramToken(refreshed.accessToken));
    expect(expired.kind).toBe('auth');
  });
});
