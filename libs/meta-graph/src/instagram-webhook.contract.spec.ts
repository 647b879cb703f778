import { Logger } from '@nestjs/common';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { MetaEmulator, SeededBusiness, startMetaEmulator } from '../../../test/emulators/meta';
import { verifyHubSignature } from './hub-signature.util';
import { InstagramMessagingItem } from './instagram-webhook.types';
import { conversationKeyOf, parseInstagramWebhook } from './instagram-webhook.util';
import { MetaGraphClient } from './meta-graph.client';
import { parseSignedRequest } from './signed-request.util';

const APP_ID = '5555666677778888';
const APP_SECRET = 'webhook-contract-secret';

interface Received {
  raw: Buffer;
  headers: IncomingHttpHeaders;
}

/** A stand-in for our gateway: records raw bytes, answers `status` (401 on a bad signature). */
class Receiver {
  readonly received: Received[] = [];
  status = 200;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        this.received.push({ raw, headers: req.headers });
        const header = req.headers['x-hub-signature-256'];
        const valid = verifyHubSignature(raw, typeof header === 'string' ? header : undefined, [
          APP_SECRET,
        ]);
        res.writeHead(valid ? this.status : 401).end(valid ? 'EVENT_RECEIVED' : 'bad signature');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks/instagram`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  items(index = -1): InstagramMessagingItem[] {
    const { raw } = this.received.at(index)!;
    const parsed = parseInstagramWebhook(JSON.parse(raw.toString('utf8')));
    if (!parsed.ok) {
      throw new Error(parsed.reason);
    }
    return parsed.entries.flatMap((e) => e.items);
  }
}

describe('Instagram webhooks from the Meta emulator', () => {
  let meta: MetaEmulator;
  let receiver: Receiver;
  let world: SeededBusiness;
  let client: MetaGraphClient;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    meta = await startMetaEmulator({ appId: APP_ID, appSecret: APP_SECRET, graphVersion: 'v26.0' });
    receiver = new Receiver();
    await receiver.start();
    client = new MetaGraphClient({
      graphUrl: meta.url,
      oauthUrl: meta.url,
      graphVersion: 'v26.0',
      appId: APP_ID,
      appSecret: APP_SECRET,
      timeoutMs: 5000,
    });
  });

  afterAll(async () => {
    await meta.close();
    await receiver.stop();
  });

  beforeEach(async () => {
    await meta.idle();
    meta.reset();
    receiver.received.length = 0;
    receiver.status = 200;
    world = meta.state.seedBusiness();
    meta.setWebhookUrl(receiver.url);
  });

  const who = () => ({ igAccountId: world.igAccount.id, igsid: world.customer.igsid });

  it('signs the exact escaped-unicode bytes it sends; re-serialised JSON would not verify', async () => {
    const sent = await meta.customerSends({ ...who(), text: 'Grüße 😀 ❤️ / done' });
    expect(sent.delivery.status).toBe(200);
    const { raw, headers } = receiver.received[0];
    const text = raw.toString('utf8');
    expect(text).toContain('\\ud83d\\ude00');
    expect(text).toContain('\\/');
    expect(raw.equals(sent.delivery.rawBody)).toBe(true);

    const header = headers['x-hub-signature-256'] as string;
    expect(verifyHubSignature(raw, header, [APP_SECRET])).toBe(true);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(text)));
    expect(verifyHubSignature(reserialised, header, [APP_SECRET])).toBe(false);

    const [item] = receiver.items();
    expect(item).toMatchObject({ kind: 'text', text: 'Grüße 😀 ❤️ / done', mid: sent.mid });
    expect(conversationKeyOf(item)).toEqual({
      businessAccountId: world.igAccount.id,
      customerId: world.customer.igsid,
    });
  });

  it('records what our side answered, including 401 for a wrong or missing signature', async () => {
    const wrong = await meta.customerSends({ ...who(), text: 'a' }, { signature: 'wrong' });
    const missing = await meta.customerSends({ ...who(), text: 'b' }, { signature: 'missing' });
    expect(wrong.delivery.status).toBe(401);
    expect(missing.delivery.status).toBe(401);
    expect(receiver.received[1].headers['x-hub-signature-256']).toBeUndefined();
    receiver.status = 500;
    const failed = await meta.customerSends({ ...who(), text: 'c' });
    expect(failed.delivery.status).toBe(500);
    expect(meta.deliveries.map((d) => d.status)).toEqual([401, 401, 500]);
  });

  it('redelivers the identical bytes and signature', async () => {
    const first = await meta.customerSends({ ...who(), text: 'twice' });
    const again = await meta.redeliver(first.delivery);
    expect(again.status).toBe(200);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1].raw.equals(receiver.received[0].raw)).toBe(true);
    expect(receiver.received[1].headers['x-hub-signature-256']).toBe(
      receiver.received[0].headers['x-hub-signature-256'],
    );
  });

  it('sends a batch: several entries, several items, parsed in order', async () => {
    const other = meta.state.addPage({ ownerUserId: world.user.id });
    meta.state.subscriptions.set(other.page.id, ['messages']);
    const otherIg = other.igAccount!.id;
    const otherCustomer = meta.state.addCustomer({ igAccountId: otherIg });
    const first = meta.build.message({ ...who(), text: 'one', timestamp: 1 + Date.now() });
    await meta.sendBatch([
      {
        igAccountId: world.igAccount.id,
        items: [
          first,
          meta.build.message({
            ...who(),
            message: { attachments: [{ type: 'image' }, { type: 'image' }] },
          }),
          meta.build.reaction({
            ...who(),
            mid: (first.message as { mid: string }).mid,
            emoji: '😂',
            reaction: 'laugh',
          }),
        ],
      },
      {
        igAccountId: otherIg,
        items: [
          meta.build.postback({
            igAccountId: otherIg,
            igsid: otherCustomer.igsid,
            title: 'Start',
            payload: 'GET_STARTED',
          }),
          meta.build.read({ igAccountId: otherIg, igsid: otherCustomer.igsid, mid: 'm-read' }),
        ],
      },
    ]);
    const items = receiver.items();
    expect(items.map((i) => i.kind)).toEqual([
      'text',
      'attachments',
      'reaction',
      'postback',
      'read',
    ]);
    expect(items.map((i) => conversationKeyOf(i).businessAccountId)).toEqual([
      world.igAccount.id,
      world.igAccount.id,
      world.igAccount.id,
      otherIg,
      otherIg,
    ]);
    const media = items[1];
    if (media.kind !== 'attachments') {
      throw new Error('expected attachments');
    }
    expect(media.attachments).toHaveLength(2);
    // Inbound attachment URLs are served by the emulator's CDN, and can expire.
    const res = await fetch(media.attachments[0].url!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(
      Buffer.from(await res.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    meta.state.expireMedia(media.attachments[0].url!);
    const gone = await fetch(media.attachments[0].url!);
    expect(gone.status).toBe(404);
    await gone.arrayBuffer();
  });

  it('emits an echo for each Send API message, with our app id and the returned mid', async () => {
    const result = await client.sendText(world.pageToken, {
      recipientId: world.customer.igsid,
      text: 'Our reply',
    });
    const echo = await meta.poll('echo delivery', 5000, () =>
      meta.deliveries.find((d) => d.kind === 'echo' && d.status),
    );
    expect(echo.status).toBe(200);
    const [item] = receiver.items();
    expect(item).toMatchObject({
      kind: 'echo',
      isEcho: true,
      mid: result.messageId,
      appId: APP_ID,
      content: { kind: 'text', text: 'Our reply' },
    });
    expect(conversationKeyOf(item)).toEqual({
      businessAccountId: world.igAccount.id,
      customerId: world.customer.igsid,
    });
  });

  it('echoes can be switched off', async () => {
    meta.setEchoes(false);
    await client.sendText(world.pageToken, { recipientId: world.customer.igsid, text: 'quiet' });
    await meta.idle();
    expect(meta.deliveries).toHaveLength(0);
  });

  it('does not deliver for an account whose Page is not subscribed (unless forced)', async () => {
    meta.state.dropSubscription(world.page.id);
    const skipped = await meta.customerSends({ ...who(), text: 'lost' });
    expect(skipped.delivery.skipped).toBe('not-subscribed');
    expect(receiver.received).toHaveLength(0);
    const forced = await meta.customerSends({ ...who(), text: 'forced' }, { force: true });
    expect(forced.delivery.status).toBe(200);
  });

  it('a customer message reopens the 24 h window', async () => {
    meta.state.setLastCustomerMessageAt(
      world.igAccount.id,
      world.customer.igsid,
      new Date(Date.now() - 48 * 3_600_000),
    );
    await expect(
      client.sendText(world.pageToken, { recipientId: world.customer.igsid, text: 'late' }),
    ).rejects.toMatchObject({ reason: 'window-closed' });
    await meta.customerSends({ ...who(), text: 'hello again' });
    await expect(
      client.sendText(world.pageToken, { recipientId: world.customer.igsid, text: 'now' }),
    ).resolves.toMatchObject({ messageId: expect.any(String) });
  });

  it('helpers for every customer action produce the matching kinds', async () => {
    const first = await meta.customerSends({ ...who(), text: 'hi' });
    await meta.customerReacts({ ...who(), mid: first.mid! });
    await meta.customerReacts({ ...who(), mid: first.mid!, action: 'unreact' });
    await meta.customerDeletes({ ...who(), mid: first.mid! });
    await meta.customerPostback({ ...who(), title: 'Menu', payload: 'MENU' });
    await meta.customerReads({ ...who(), mid: 'm1' });
    await meta.customerMentionsInStory(who());
    await meta.customerReferral({ ...who(), ref: 'promo' });
    await meta.businessRepliesInApp({ ...who(), text: 'typed in the app' });
    await meta.customerSends({ ...who(), message: { text: 'quoted', replyToMid: first.mid } });
    await meta.customerSends({
      ...who(),
      message: { text: 'nice story', replyToStory: { id: 's1', url: 'https://cdn.example/s1' } },
    });
    await meta.customerSends({ ...who(), message: { text: 'Yes', quickReplyPayload: 'Y' } });
    await meta.customerSends({ ...who(), message: { isUnsupported: true } });
    await meta.customerSends({
      ...who(),
      message: {
        attachments: [
          {
            type: 'ig_reel',
            payload: { url: 'https://cdn.example/r', title: 'Reel', reel_video_id: '42' },
          },
        ],
      },
    });
    await meta.customerSends({ ...who(), text: 'standby', standby: true });

    const kinds = receiver.received.map((_, i) => receiver.items(i)[0]);
    expect(kinds.map((k) => k.kind)).toEqual([
      'text',
      'reaction',
      'reaction',
      'deleted',
      'postback',
      'read',
      'story_mention',
      'referral',
      'echo',
      'reply',
      'story_reply',
      'quick_reply',
      'unsupported',
      'share',
      'text',
    ]);
    const echo = kinds[8];
    expect(echo.kind === 'echo' && echo.appId).toBeUndefined();
    expect(kinds[14].source).toBe('standby');
    expect(meta.deliveries.every((d) => d.status === 200)).toBe(true);
  });

  it('signed_request helpers post a form our parser accepts, and deauthorize kills the tokens', async () => {
    const signed = meta.signedRequest({ userId: world.user.id });
    const parsed = parseSignedRequest(signed, APP_SECRET);
    expect(parsed.ok && parsed.payload.userId).toBe(world.user.id);

    const result = await meta.postSignedRequest(receiver.url, {
      userId: world.user.id,
      deauthorize: true,
    });
    expect(result.status).toBe(401); // our stand-in receiver only knows hub signatures
    const form = new URLSearchParams(receiver.received[0].raw.toString('utf8'));
    expect(parseSignedRequest(form.get('signed_request')!, APP_SECRET).ok).toBe(true);
    await expect(client.me(world.userToken)).rejects.toMatchObject({ kind: 'auth', subcode: 458 });
  });

  it('records every Graph call with the version stripped from the route', async () => {
    await client.getUserProfile(world.pageToken, world.customer.igsid);
    const call = meta.calls[0];
    expect(call).toMatchObject({
      method: 'GET',
      path: `/v26.0/${world.customer.igsid}`,
      route: `/${world.customer.igsid}`,
      version: 'v26.0',
      status: 200,
      faulted: false,
    });
    expect(call.query.access_token).toBe(world.pageToken);
    await expect(meta.waitForCalls('GET', '/:id', 1)).resolves.toHaveLength(1);
  });
});
