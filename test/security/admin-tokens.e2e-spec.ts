import { randomBytes } from 'node:crypto';
import { World } from '../support/world';

/**
 * The settings API's Bearer tokens: only LiveChat tokens issued to our app sign an admin in, and
 * a flood of random tokens makes a bounded number of LiveChat calls. TRUST_PROXY names loopback
 * as our proxy, so each test speaks from client IPs (X-Forwarded-For) of its own.
 */
describe('attack: admin tokens of other apps, and random-token floods', () => {
  const RATE_LIMIT_MAX = 25;
  let world: World;

  beforeAll(async () => {
    world = await World.start({
      relayWorkers: 0,
      env: {
        RATE_LIMIT_MAX: String(RATE_LIMIT_MAX),
        RATE_LIMIT_WINDOW_SECONDS: '600',
        TRUST_PROXY: '127.0.0.1',
      },
    });
  });

  afterAll(async () => {
    await world?.close();
  });

  const accountsList = (token: string, clientIp: string): Promise<Response> =>
    fetch(`${world.gateway.url}/api/instagram/accounts`, {
      headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': clientIp },
    });
  const randomToken = (): string => `dal:${randomBytes(24).toString('base64url')}`;
  const infoCalls = (): number => world.livechat.callsTo('info').length;

  it("refuses another app's token, and a token whose info names no app, with 401", async () => {
    const biz = await world.connectBusiness();
    const ours = world.livechat.state.issueAgentTokens(biz.org.accountId).accessToken;
    const theirs = world.livechat.state.issueAgentTokens(biz.org.accountId, {
      clientId: 'another-livechat-app',
    }).accessToken;
    const nameless = world.livechat.state.issueAgentTokens(biz.org.accountId, {
      clientId: '',
    }).accessToken;
    expect((await accountsList(ours, '198.51.100.1')).status).toBe(200);
    const other = await accountsList(theirs, '198.51.100.1');
    expect(other.status).toBe(401);
    expect(other.headers.get('www-authenticate')).toContain('invalid_token');
    expect((await accountsList(nameless, '198.51.100.1')).status).toBe(401);
  });

  it('bounds the LiveChat calls of a flood of random Bearer tokens from one client by its rate limit', async () => {
    const before = infoCalls();
    const statuses: number[] = [];
    for (let batch = 0; batch < 10; batch += 1) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => accountsList(randomToken(), '203.0.113.7')),
      );
      statuses.push(...answers.map((r) => r.status));
    }
    expect(statuses).toHaveLength(200);
    expect(statuses.filter((s) => s === 401)).toHaveLength(RATE_LIMIT_MAX);
    expect(statuses.filter((s) => s === 429)).toHaveLength(200 - RATE_LIMIT_MAX);
    expect(infoCalls() - before).toBeLessThanOrEqual(RATE_LIMIT_MAX);
  });

  it('asks LiveChat once about a refused token, however often and from wherever it comes back', async () => {
    const tokens = Array.from({ length: 10 }, randomToken);
    const before = infoCalls();
    for (const ip of ['203.0.113.20', '203.0.113.21']) {
      const answers = await Promise.all(tokens.map((t) => accountsList(t, ip)));
      expect(answers.map((r) => r.status)).toEqual(tokens.map(() => 401));
    }
    // Concurrent copies of one unknown token share one check.
    const same = randomToken();
    const copies = await Promise.all([1, 2, 3, 4, 5].map(() => accountsList(same, '203.0.113.22')));
    expect(copies.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    expect(infoCalls() - before).toBe(tokens.length + 1);
  });

  it('keeps serving a signed-in admin from cache through a flood from elsewhere', async () => {
    const biz = await world.connectBusiness();
    const admin = world.livechat.state.issueAgentTokens(biz.org.accountId).accessToken;
    expect((await accountsList(admin, '198.51.100.50')).status).toBe(200);
    const before = infoCalls();
    for (let ip = 0; ip < 4; ip += 1) {
      await Promise.all(
        Array.from({ length: RATE_LIMIT_MAX }, () => accountsList(randomToken(), `192.0.2.${ip}`)),
      );
    }
    const afterFlood = infoCalls();
    expect(afterFlood - before).toBeLessThanOrEqual(4 * RATE_LIMIT_MAX);
    expect((await accountsList(admin, '198.51.100.50')).status).toBe(200);
    expect(infoCalls()).toBe(afterFlood);
  });
});
