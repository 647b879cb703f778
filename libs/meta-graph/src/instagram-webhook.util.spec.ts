import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  conversationKeyOf,
  parseInstagramMessagingItem,
  parseInstagramWebhook,
} from './instagram-webhook.util';
import {
  InstagramItemKind,
  InstagramMessagingItem,
  InstagramWebhookEntry,
} from './instagram-webhook.types';

const FIXTURES = join(__dirname, 'fixtures');
const IG = '17841400000000001';
const CUSTOMER = '1234567890123456';
const CDN =
  'https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1790000000000001&signature=AbCdEf';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
}

function entriesOf(name: string): InstagramWebhookEntry[] {
  const result = parseInstagramWebhook(fixture(name));
  if (!result.ok) {
    throw new Error(`${name}: ${result.reason}`);
  }
  return result.entries;
}

function only(name: string): InstagramMessagingItem {
  const items = entriesOf(name).flatMap((e) => e.items);
  expect(items).toHaveLength(1);
  return items[0];
}

/** Narrows to one kind, failing the test (not the compiler) otherwise. */
function as<K extends InstagramItemKind>(
  item: InstagramMessagingItem,
  kind: K,
): Extract<InstagramMessagingItem, { kind: K }> {
  expect(item.kind).toBe(kind);
  return item as Extract<InstagramMessagingItem, { kind: K }>;
}

describe('parseInstagramWebhook: one fixture per event kind', () => {
  const expectedKinds: Record<string, InstagramItemKind[]> = {
    text: ['text'],
    'text-emoji': ['text'],
    image: ['attachments'],
    video: ['attachments'],
    audio: ['attachments'],
    file: ['attachments'],
    'multiple-images': ['attachments'],
    'story-reply': ['story_reply'],
    'story-mention': ['story_mention'],
    share: ['share'],
    'ig-post': ['share'],
    'ig-reel': ['share'],
    reel: ['share'],
    reaction: ['reaction'],
    unreact: ['reaction'],
    postback: ['postback'],
    'quick-reply': ['quick_reply'],
    echo: ['echo'],
    'echo-instagram-app': ['echo'],
    deleted: ['deleted'],
    unsupported: ['unsupported'],
    ephemeral: ['unsupported'],
    'unknown-attachment': ['unsupported'],
    read: ['read'],
    referral: ['referral'],
    'ad-referral-message': ['text'],
    reply: ['reply'],
    'unknown-kind': ['unknown', 'unknown'],
    standby: ['text'],
    'dashboard-test': ['text'],
    batch: ['text', 'attachments', 'reaction', 'text', 'deleted', 'text'],
  };

  it('has an expectation for every fixture file (and a file for every expectation)', () => {
    const files = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''))
      .sort();
    expect(files).toEqual(Object.keys(expectedKinds).sort());
  });

  it.each(Object.entries(expectedKinds))('%s parses into %j', (name, kinds) => {
    const items = entriesOf(name).flatMap((e) => e.items);
    expect(items.map((i) => i.kind)).toEqual(kinds);
    for (const item of items) {
      // Every item keeps its routing fields and the raw item, untouched.
      expect(item.senderId).not.toBe('');
      expect(item.recipientId).not.toBe('');
      expect(item.timestamp).toBeGreaterThan(1_000_000_000_000);
      expect(item.raw).toBeDefined();
    }
  });

  it('text', () => {
    const item = as(only('text'), 'text');
    expect(item).toMatchObject({
      senderId: CUSTOMER,
      recipientId: IG,
      timestamp: 1767225600123,
      isEcho: false,
      source: 'messaging',
      text: 'Hi, is this still available?',
    });
    expect(item.mid).toMatch(/^aWdf/);
    expect(item.raw).toEqual(
      (fixture('text') as { entry: { messaging: unknown[] }[] }).entry[0].messaging[0],
    );
  });

  it('emoji text decodes the escaped unicode', () => {
    expect(as(only('text-emoji'), 'text').text).toBe('Grüße äöå 😀👍🏽 ❤️ — “quotes”');
  });

  it.each([
    ['image', 'image'],
    ['video', 'video'],
    ['audio', 'audio'],
    ['file', 'file'],
  ])('%s attachment keeps type and url', (name, type) => {
    const item = as(only(name), 'attachments');
    expect(item.attachments).toHaveLength(1);
    expect(item.attachments[0].type).toBe(type);
    expect(item.attachments[0].url).toContain('lookaside.fbsbx.com');
    expect(item.otherAttachments).toEqual([]);
  });

  it('multiple images stay together, in order', () => {
    const item = as(only('multiple-images'), 'attachments');
    expect(item.attachments.map((a) => a.url)).toEqual([`${CDN}&i=1`, `${CDN}&i=2`, `${CDN}&i=3`]);
  });

  it('story reply carries the story and the text', () => {
    const item = as(only('story-reply'), 'story_reply');
    expect(item.text).toBe('Love this!');
    expect(item.story).toEqual({
      id: '17900000000000055',
      url: 'https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900000000000055&signature=St0ry',
    });
  });

  it('story mention carries the story url', () => {
    const item = as(only('story-mention'), 'story_mention');
    expect(item.url).toContain('asset_id=17900000000000066');
  });

  it.each([
    [
      'share',
      {
        type: 'share',
        url: 'https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=share1&signature=Sh',
      },
    ],
    [
      'ig-post',
      {
        type: 'ig_post',
        url: 'https://www.instagram.com/p/C0ffee123/',
        title: 'New summer collection',
        mediaId: '17900000000000077',
      },
    ],
    [
      'ig-reel',
      {
        type: 'ig_reel',
        url: 'https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=reel1&signature=Re',
        title: 'How we pack orders',
        mediaId: '17900000000000088',
      },
    ],
    [
      'reel',
      {
        type: 'reel',
        url: 'https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=reel2&signature=Re2',
      },
    ],
  ])('%s is a share with url/title/media id', (name, share) => {
    expect(as(only(name), 'share').shares).toEqual([share]);
  });

  it('reaction and unreact', () => {
    const react = as(only('reaction'), 'reaction');
    expect(react).toMatchObject({ action: 'react', reaction: 'love', emoji: '❤️' });
    expect(react.targetMid).toBe(react.mid);
    const unreact = as(only('unreact'), 'reaction');
    expect(unreact.action).toBe('unreact');
    expect(unreact.reaction).toBeUndefined();
    expect(unreact.emoji).toBeUndefined();
    expect(unreact.targetMid).toBe(react.targetMid);
  });

  it('postback', () => {
    expect(as(only('postback'), 'postback')).toMatchObject({
      title: 'Track my order',
      payload: 'ICEBREAKER_TRACK_ORDER',
      mid: expect.stringMatching(/^aWdf/),
    });
  });

  it('quick reply keeps text and payload', () => {
    expect(as(only('quick-reply'), 'quick_reply')).toMatchObject({
      text: 'Yes please',
      payload: 'CONFIRM_YES',
    });
  });

  it('echo from our app keeps the inner content and app id', () => {
    const echo = as(only('echo'), 'echo');
    expect(echo).toMatchObject({
      isEcho: true,
      appId: '1234567890123456',
      senderId: IG,
      recipientId: CUSTOMER,
      content: { kind: 'text', text: 'Thanks! It ships tomorrow.' },
    });
    expect(conversationKeyOf(echo)).toEqual({ businessAccountId: IG, customerId: CUSTOMER });
  });

  it('echo typed in the Instagram app has no app id', () => {
    const echo = as(only('echo-instagram-app'), 'echo');
    expect(echo.appId).toBeUndefined();
    expect(echo.content).toEqual({ kind: 'text', text: 'Typed on my phone in the Instagram app' });
  });

  it('deleted', () => {
    const item = as(only('deleted'), 'deleted');
    expect(item.mid).toMatch(/01$/);
    expect(item.isEcho).toBe(false);
  });

  it('unsupported, ephemeral and unknown attachment types', () => {
    expect(as(only('unsupported'), 'unsupported').reason).toBe('flagged');
    expect(as(only('ephemeral'), 'unsupported')).toMatchObject({
      reason: 'ephemeral',
      attachments: [{ type: 'ephemeral' }],
    });
    expect(as(only('unknown-attachment'), 'unsupported')).toMatchObject({
      reason: 'unknown-attachment',
      attachments: [{ type: 'template', url: 'https://example.com/tpl' }],
    });
  });

  it('read', () => {
    expect(as(only('read'), 'read').mid).toMatch(/16$/);
  });

  it('referral event and ad referral on a message', () => {
    expect(as(only('referral'), 'referral').referral).toEqual({
      ref: 'spring_promo',
      source: 'SHORTLINK',
      type: 'OPEN_THREAD',
    });
    const message = as(only('ad-referral-message'), 'text');
    expect(message.text).toBe('Is this in stock?');
    expect(message.referral).toEqual({
      ref: 'ad_ref',
      adId: '120200000000000001',
      source: 'ADS',
      type: 'OPEN_THREAD',
      adTitle: 'Summer sale',
      photoUrl: 'https://scontent.example/ad.jpg',
    });
  });

  it('inline reply nests what was sent under the quoted mid', () => {
    const reply = as(only('reply'), 'reply');
    expect(reply.replyToMid).toMatch(/16$/);
    expect(reply.content).toEqual({ kind: 'text', text: 'This one, in blue' });
  });

  it('unknown kinds never throw and say what they were', () => {
    const items = entriesOf('unknown-kind').flatMap((e) => e.items);
    expect(items.map((i) => (i.kind === 'unknown' ? i.reason : i.kind))).toEqual([
      'message_edit',
      'unrecognised event',
    ]);
    expect(items[0].mid).toMatch(/01$/);
  });

  it('standby items are collected like messaging items', () => {
    const item = as(only('standby'), 'text');
    expect(item.source).toBe('standby');
    expect(item.text).toBe('Hello from standby');
  });

  it('dashboard test shape (changes[].value) is tolerated, seconds become ms', () => {
    const entries = entriesOf('dashboard-test');
    expect(entries[0]).toMatchObject({ id: '0', time: 1767225600000 });
    const item = as(entries[0].items[0], 'text');
    expect(item).toMatchObject({
      source: 'changes',
      senderId: '12334',
      recipientId: '23245',
      timestamp: 1527459824000,
      mid: 'random_mid',
      text: 'random_text',
    });
  });

  it('a batch yields every entry and item in order', () => {
    const entries = entriesOf('batch');
    expect(entries.map((e) => e.id)).toEqual([IG, '17841400000000002', IG]);
    const items = entries.flatMap((e) => e.items);
    expect(items.map((i) => i.timestamp)).toEqual([1, 2, 3, 4, 5, 6].map((n) => 1767225600123 + n));
    expect(items.map((i) => conversationKeyOf(i).businessAccountId)).toEqual([
      IG,
      IG,
      IG,
      '17841400000000002',
      '17841400000000002',
      IG,
    ]);
    expect(items[5].source).toBe('standby');
  });
});

describe('parseInstagramWebhook: envelope validation', () => {
  it.each([
    ['not an object', 'hello'],
    ['null', null],
    ['array', []],
    ['no object', { entry: [] }],
    ['entry not an array', { object: 'instagram', entry: {} }],
    ['entry item not an object', { object: 'instagram', entry: [1] }],
    ['entry without id', { object: 'instagram', entry: [{ time: 1, messaging: [] }] }],
    ['messaging not an array', { object: 'instagram', entry: [{ id: '1', messaging: {} }] }],
  ])('rejects %s', (_label, body) => {
    const result = parseInstagramWebhook(body);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toEqual(expect.any(String));
    }
  });

  it('accepts an empty entry list and entries without items', () => {
    expect(parseInstagramWebhook({ object: 'instagram', entry: [] })).toEqual({
      ok: true,
      object: 'instagram',
      entries: [],
    });
    const result = parseInstagramWebhook({ object: 'instagram', entry: [{ id: 5, time: 1 }] });
    expect(result).toEqual({
      ok: true,
      object: 'instagram',
      entries: [{ id: '5', time: 1000, items: [] }],
    });
  });

  it('ignores non-messaging changes (comments)', () => {
    const result = parseInstagramWebhook({
      object: 'instagram',
      entry: [
        { id: IG, time: 1, changes: [{ field: 'comments', value: { id: 'c1', text: 'x' } }] },
      ],
    });
    expect(result.ok && result.entries[0].items).toEqual([]);
  });
});

describe('parseInstagramMessagingItem', () => {
  it('turns garbage into unknown items instead of throwing', () => {
    expect(parseInstagramMessagingItem(null)).toMatchObject({
      kind: 'unknown',
      reason: 'item is not an object',
    });
    expect(parseInstagramMessagingItem({ message: { mid: 'm', text: 'x' } })).toMatchObject({
      kind: 'unknown',
      reason: 'sender or recipient missing',
    });
    expect(
      parseInstagramMessagingItem({
        sender: { id: '1' },
        recipient: { id: '2' },
        timestamp: 1,
        message: { text: 'x' },
      }),
    ).toMatchObject({ kind: 'unknown', reason: 'message without mid' });
    expect(
      parseInstagramMessagingItem({
        sender: { id: '1' },
        recipient: { id: '2' },
        timestamp: 1,
        message: { mid: 'm' },
      }),
    ).toMatchObject({ kind: 'unknown', reason: 'message without content', mid: 'm' });
  });

  it('re-parses a raw item carried by a queue job to the same result', () => {
    for (const entry of entriesOf('batch')) {
      for (const item of entry.items) {
        expect(
          parseInstagramMessagingItem(JSON.parse(JSON.stringify(item.raw)), item.source),
        ).toEqual(item);
      }
    }
  });

  it('an echo of an inline reply keeps the quoted mid', () => {
    const item = parseInstagramMessagingItem({
      sender: { id: IG },
      recipient: { id: CUSTOMER },
      timestamp: 1767225600123,
      message: { mid: 'e1', is_echo: true, text: 'yes', reply_to: { mid: 'q1' } },
    });
    expect(item).toMatchObject({
      kind: 'echo',
      replyToMid: 'q1',
      content: { kind: 'text', text: 'yes' },
    });
  });

  it('conversationKeyOf: inbound items are keyed by recipient business and sender customer', () => {
    expect(conversationKeyOf(only('text'))).toEqual({
      businessAccountId: IG,
      customerId: CUSTOMER,
    });
    expect(conversationKeyOf(only('reaction'))).toEqual({
      businessAccountId: IG,
      customerId: CUSTOMER,
    });
  });
});
