import { decideWindow, replyAuthorOf } from './messaging-window.util';
import { outboundParts } from './outbound-parts.util';

const HOUR = 3_600_000;

describe('decideWindow', () => {
  const now = Date.now();
  it('answers normally within 24 hours', () => {
    expect(decideWindow(new Date(now - 23 * HOUR), false, now)).toEqual({
      send: true,
      messagingType: 'RESPONSE',
    });
  });
  it('tags HUMAN_AGENT between 24 hours and 7 days when enabled, refuses when not', () => {
    expect(decideWindow(new Date(now - 72 * HOUR), true, now)).toEqual({
      send: true,
      messagingType: 'MESSAGE_TAG',
      tag: 'HUMAN_AGENT',
    });
    expect(decideWindow(new Date(now - 72 * HOUR), false, now)).toEqual({
      send: false,
      reason: 'human-agent-off',
    });
  });
  it('never tags a bot reply HUMAN_AGENT: within 24 hours it goes, after that it is refused', () => {
    expect(decideWindow(new Date(now - 23 * HOUR), true, now, 'bot')).toEqual({
      send: true,
      messagingType: 'RESPONSE',
    });
    expect(decideWindow(new Date(now - 25 * HOUR), true, now, 'bot')).toEqual({
      send: false,
      reason: 'bot-after-24h',
    });
  });
  it('tells a person (an e-mail login) from a bot (a hex id, or no author)', () => {
    expect(replyAuthorOf('smith@example.com')).toBe('person');
    expect(replyAuthorOf('5c9871d5372c824cbf22d860a707a578')).toBe('bot');
    expect(replyAuthorOf(undefined)).toBe('bot');
  });
  it('refuses after 7 days, and before the customer ever wrote', () => {
    expect(decideWindow(new Date(now - 8 * 24 * HOUR), true, now)).toEqual({
      send: false,
      reason: 'expired',
    });
    expect(decideWindow(null, true, now)).toEqual({ send: false, reason: 'no-customer-message' });
  });
});

describe('outboundParts', () => {
  it('sends a PDF, an image and a video as attachments within their limits, a big or odd file as a link', () => {
    const base = { id: 'e1', authorId: 'agent@example.com', visibility: 'all' };
    expect(
      outboundParts({
        ...base,
        type: 'file',
        url: 'https://cdn/x.pdf',
        contentType: 'application/pdf',
        size: 1000,
      }),
    ).toEqual([{ kind: 'attachment', type: 'file', url: 'https://cdn/x.pdf' }]);
    expect(
      outboundParts({
        ...base,
        type: 'file',
        url: 'https://cdn/x.png',
        contentType: 'image/png',
        size: 9 * 1024 * 1024,
      }),
    ).toEqual([{ kind: 'text', text: '📎 File: https://cdn/x.png' }]);
    expect(
      outboundParts({
        ...base,
        type: 'file',
        url: 'https://cdn/x.zip',
        name: 'x.zip',
        contentType: 'application/zip',
      }),
    ).toEqual([{ kind: 'text', text: '📎 x.zip: https://cdn/x.zip' }]);
    expect(
      outboundParts({
        ...base,
        type: 'file',
        url: 'https://cdn/v.mp4',
        contentType: 'video/mp4',
        size: 20 * 1024 * 1024,
      })[0],
    ).toMatchObject({ kind: 'attachment', type: 'video' });
  });

  it('maps rich-message buttons to quick replies (at most 13, titles of at most 20 characters)', () => {
    const buttons = Array.from({ length: 15 }, (_, i) => ({
      text: `Option number ${i} is long`,
      postback_id: `p${i}`,
      type: 'message',
    }));
    const [part] = outboundParts({
      id: 'e2',
      type: 'rich_message',
      authorId: 'a@b.c',
      visibility: 'all',
      elements: [{ title: 'Pick one', buttons }],
    });
    expect(part).toMatchObject({ kind: 'text', text: 'Pick one' });
    const replies = (part as { quickReplies: Array<{ title: string; payload: string }> })
      .quickReplies;
    expect(replies).toHaveLength(13);
    expect(replies[0]).toEqual({ title: 'Option number 0 is l', payload: 'p0' });
  });

  it('never splits inside a multi-byte character', () => {
    const text = '😀'.repeat(600); // 2,400 bytes
    const parts = outboundParts({
      id: 'e3',
      type: 'message',
      text,
      authorId: 'a@b.c',
      visibility: 'all',
    });
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.map((p) => (p.kind === 'text' ? p.text : '')).join('')).toBe(text);
    for (const p of parts) {
      expect(p.kind === 'text' && Buffer.byteLength(p.text) <= 1000).toBe(true);
    }
  });
});
