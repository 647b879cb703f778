import { itemKeys, relayedCustomIds } from './item-keys';
import { cleanupJobIds, jobIds, scheduledJobIds } from './job-ids';

// Item keys and job ids are persisted (message_links, deletion requests, Bull): pinned here.
describe('itemKeys', () => {
  it('builds the keys stored in message_links', () => {
    expect([
      itemKeys.message('mid1'),
      itemKeys.reaction('mid1', 'react', 's', 7),
      itemKeys.read(undefined, 's', 7),
      itemKeys.read('mid1', 's', 7),
      itemKeys.referral('s', 7),
      itemKeys.postback(undefined, 's', 7),
      itemKeys.postback('mid1', 's', 7),
      itemKeys.deleted('mid1'),
      itemKeys.unknown('abc'),
    ]).toEqual([
      'm:mid1',
      'r:mid1:react:s:7',
      's::s:7',
      's:mid1:s:7',
      'ref:s:7',
      'p:s:7',
      'p:mid1',
      'd:mid1',
      'x:abc',
    ]);
  });

  it("builds and recognises the custom_id of a relayed item's events in LiveChat", () => {
    expect([relayedCustomIds.of('m:mid1'), relayedCustomIds.of('m:mid1', 2)]).toEqual([
      'ig:m:mid1',
      'ig:m:mid1#2',
    ]);
    expect(relayedCustomIds.isOf('ig:m:mid1#2', 'm:mid1')).toBe(true);
    expect(relayedCustomIds.isOf('ig:m:mid1', 'm:mid1')).toBe(true);
    expect(relayedCustomIds.isOf('ig:m:mid12', 'm:mid1')).toBe(false);
    expect(relayedCustomIds.isRelayed('ig:m:mid1')).toBe(true);
    expect(relayedCustomIds.isRelayed('igl-notice:e1:gave-up')).toBe(false);
    expect(relayedCustomIds.isRelayed(undefined)).toBe(false);
  });
});

describe('job ids', () => {
  it('builds the ids Bull holds', () => {
    const at = new Date(1_700_000_000_000);
    expect(jobIds.instagramItem('a', 'm:mid1')).toMatch(/^ig\.a\.[\w-]{22}$/);
    expect(jobIds.livechatEvent('o', 'incoming_event', 'e')).toMatch(
      /^lc\.o\.incoming_event\.[\w-]{22}$/,
    );
    expect(jobIds.customerProfile('c')).toBe('profile.c');
    expect(cleanupJobIds.revocation('i', undefined, at)).toBe('revoke.i.1700000000000');
    expect(cleanupJobIds.purge('i', ['b', 'a'], at)).toBe(cleanupJobIds.purge('i', ['a', 'b'], at));
    expect(cleanupJobIds.purge('i', ['a'], at)).toMatch(/^purge\.i\.[\w-]{16}\.1700000000000$/);
    expect(cleanupJobIds.metaDataDeletion('r')).toBe('metadel.r');
    expect(cleanupJobIds.messageDeleteRetry('a', 'mid1', 'sweep')).toBe(
      `${jobIds.instagramDelete('a', 'mid1')}.sweep`,
    );
    expect(cleanupJobIds.watchdogCheck('acc', at)).toBe('watchdog.acc.1700000000000');
    expect([cleanupJobIds.reencryptionDaily, cleanupJobIds.reencryptionBoot]).toEqual([
      'reencrypt.daily',
      'reencrypt.boot',
    ]);
    expect(Object.values(scheduledJobIds)).toEqual([
      'sweep.message-links',
      'sweep.failed-jobs',
      'sweep.deletion-requests',
      'sweep.conversations',
      'health.livechat-refresh',
      'health.watchdog',
      'health.instagram-refresh',
    ]);
  });
});
