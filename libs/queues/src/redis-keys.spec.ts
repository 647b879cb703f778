import { REDIS_KEY_FAMILIES, redisKeyFamilyOf, redisKeys } from './redis-keys';

// The values are persisted in Redis: each builder's output is pinned, byte for byte.
const built: Record<keyof typeof redisKeys, string> = {
  order: redisKeys.order('p', 'ig:a:u'),
  lease: redisKeys.lease('p', 'lc:o:c'),
  ghost: redisKeys.ghost('p', 'ig.a.x'),
  ownChat: redisKeys.ownChat('p', 'o', 'c'),
  connectionSignal: redisKeys.connectionSignal('p', 'episode:h'),
  agentRefused: redisKeys.agentRefused('p', 'i'),
  agentRefresh: redisKeys.agentRefresh('p', 'i'),
  customerToken: redisKeys.customerToken('p', 'i', 'c'),
  customerTokensOf: redisKeys.customerTokensOf('p', 'i'),
  edgeRate: redisKeys.edgeRate('p'),
  sendRate: redisKeys.sendRate('p', 'a'),
  echoes: redisKeys.echoes('p', 'a', 'u'),
  sending: redisKeys.sending('p', 'a', 'u'),
  webhooksOff: redisKeys.webhooksOff('p', 'i'),
  connectHandle: redisKeys.connectHandle('p', 'h'),
  connectNonce: redisKeys.connectNonce('p', 'n'),
  signedRequest: redisKeys.signedRequest('p', 'deauthorize', 'd'),
};

describe('redisKeys', () => {
  it('builds the same names as before they had one home', () => {
    expect(built).toEqual({
      order: 'p:order:ig:a:u',
      lease: 'p:lease:lc:o:c',
      ghost: 'p:ghost:ig.a.x',
      ownChat: 'p:lcchat:o:c',
      connectionSignal: 'p:conn:episode:h',
      agentRefused: 'p:lock:agent-refused:i',
      agentRefresh: 'p:lock:agent-refresh:i',
      customerToken: 'p:ctok:i:c',
      customerTokensOf: 'p:ctok:i:*',
      edgeRate: 'p:rate:',
      sendRate: 'p:rate:a',
      echoes: 'p:echoes:a:u',
      sending: 'p:sending:a:u',
      webhooksOff: 'p:watchdog:webhooks-off:i',
      connectHandle: 'p:connect:handle:h',
      connectNonce: 'p:connect:nonce:n',
      signedRequest: 'p:signed-request:deauthorize:d',
    });
  });

  it('puts every key in a family the janitor knows, and every family has a key', () => {
    const families = Object.values(built).map((key) => redisKeyFamilyOf('p', key));
    expect(families).not.toContain(undefined);
    expect(new Set(families)).toEqual(new Set(REDIS_KEY_FAMILIES));
  });

  it('leaves Bull queue keys and other prefixes outside the families', () => {
    expect(redisKeyFamilyOf('p', 'p:instagram-inbound:42')).toBeUndefined();
    expect(redisKeyFamilyOf('p', 'q:order:ig:a:u')).toBeUndefined();
    expect(redisKeyFamilyOf('p', 'p:order:ig:a:u')).toBe('order');
  });
});
