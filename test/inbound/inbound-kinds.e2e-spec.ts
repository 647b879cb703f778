import { getQueueToken } from '@nestjs/bull';
import { getDataSourceToken } from '@nestjs/typeorm';
import { EchoEvidenceService } from '@app/credentials';
import { QueueName } from '@app/queues';
import { Queue } from 'bull';
import { DataSource } from 'typeorm';
import { EmulatorEvent } from '../emulators/livechat';
import { queueOwnEchoAsPreviousGateway } from '../support/previous-release';
import { ConnectedBusiness, World } from '../support/world';
import { waitFor } from '../support/wait-for';

describe('every Instagram message kind, rendered in LiveChat', () => {
  let world: World;
  let biz: ConnectedBusiness;
  let dataSource: DataSource;
  let n = 0;

  beforeAll(async () => {
    world = await World.start();
    biz = await world.connectBusiness();
    dataSource = world.gateway.app.get(getDataSourceToken());
  });

  afterAll(async () => {
    await world?.close();
  });

  const ig = (): string => biz.meta.igAccount.id;
  const newUser = (): string => `kind-user-${(n += 1)}`;

  async function customerOf(igsid: string): Promise<string | undefined> {
    const rows = await dataSource.query<Array<{ id: string | null }>>(
      'SELECT livechat_customer_id AS id FROM conversations WHERE igsid = $1',
      [igsid],
    );
    return rows[0]?.id ?? undefined;
  }

  /** The customer's events once `count` of them are in LiveChat. */
  async function eventsOf(igsid: string, count: number): Promise<EmulatorEvent[]> {
    return waitFor(`${count} event(s) of ${igsid}`, async () => {
      const customer = await customerOf(igsid);
      if (!customer) {
        return undefined;
      }
      const events = world.livechat.state
        .chatsOfCustomer(customer)
        .flatMap((chat) => world.livechat.state.events(chat.id))
        .filter((e) => e.authorId === customer);
      return events.length >= count ? events : undefined;
    });
  }

  it('text with emoji, verbatim', async () => {
    const igsid = newUser();
    await world.meta.customerSends({
      igAccountId: ig(),
      igsid,
      text: 'Ça va? 😀 — “quotes” & <tags>',
    });
    const [event] = await eventsOf(igsid, 1);
    expect(event).toMatchObject({ type: 'message', text: 'Ça va? 😀 — “quotes” & <tags>' });
  });

  it('image, video, audio and file: downloaded from Instagram and uploaded to LiveChat as file events', async () => {
    const igsid = newUser();
    await world.meta.customerSends({
      igAccountId: ig(),
      igsid,
      message: {
        attachments: [{ type: 'image' }, { type: 'video' }, { type: 'audio' }, { type: 'file' }],
      },
    });
    const events = await eventsOf(igsid, 4);
    expect(events.map((e) => e.type)).toEqual(['file', 'file', 'file', 'file']);
    for (const event of events) {
      expect(event.url).toContain(world.livechat.url);
      const download = await fetch(event.url!);
      expect(download.status).toBe(200);
      expect((await download.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    expect(world.livechat.callsTo('upload_file').length).toBeGreaterThanOrEqual(4);
  });

  it("media over LiveChat's 10 MB limit becomes a link and a note; expired media a note", async () => {
    const igsid = newUser();
    const big = world.meta.state.addMedia({
      kind: 'video',
      bytes: Buffer.alloc(11 * 1024 * 1024, 1),
      contentType: 'video/mp4',
    });
    const gone = world.meta.state.addMedia({ kind: 'image' });
    world.meta.state.expireMedia(gone.id);
    await world.meta.customerSends({
      igAccountId: ig(),
      igsid,
      message: {
        attachments: [
          { type: 'video', url: big.url },
          { type: 'image', url: gone.url },
        ],
      },
    });
    const events = await eventsOf(igsid, 2);
    expect(events[0]).toMatchObject({ type: 'message' });
    expect(events[0].text).toContain('too large to attach');
    expect(events[0].text).toContain(big.url);
    expect(events[1].text).toContain('could no longer be downloaded');
  });

  it('story reply: the story link beside the text', async () => {
    const igsid = newUser();
    await world.meta.customerSends({
      igAccountId: ig(),
      igsid,
      message: {
        text: 'Love this!',
        replyToStory: { id: 'story-1', url: 'https://cdn.example/story-1.jpg' },
      },
    });
    const [event] = await eventsOf(igsid, 1);
    expect(event.text).toBe(
      '↩️ Replied to your story: https://cdn.example/story-1.jpg\nLove this!',
    );
  });

  it('story mention', async () => {
    const igsid = newUser();
    await world.meta.customerMentionsInStory({
      igAccountId: ig(),
      igsid,
      url: 'https://cdn.example/mention.jpg',
    });
    const [event] = await eventsOf(igsid, 1);
    expect(event.text).toBe('📣 Mentioned you in their story: https://cdn.example/mention.jpg');
  });

  it('shared post and reel: a link', async () => {
    const igsid = newUser();
    await world.meta.customerSends({
      igAccountId: ig(),
      igsid,
      message: {
        attachments: [
          {
            type: 'ig_post',
            payload: {
              url: 'https://instagram.com/p/abc',
              title: 'New drop',
              ig_post_media_id: '1',
            },
          },
        ],
      },
    });
    await world.meta.customerSends({
      igAccountId: ig(),
      igsid,
      message: {
        attachments: [
          {
            type: 'ig_reel',
            payload: {
              url: 'https://instagram.com/reel/xyz',
              title: 'Behind the scenes',
              reel_video_id: '2',
            },
          },
        ],
      },
    });
    const events = await eventsOf(igsid, 2);
    expect(events[0].text).toBe('🔗 Shared a post “New drop”: https://instagram.com/p/abc');
    expect(events[1].text).toBe(
      '🔗 Shared a reel “Behind the scenes”: https://instagram.com/reel/xyz',
    );
  });

  it('reaction and unreact: a short line quoting the message reacted to', async () => {
    const igsid = newUser();
    const original = await world.meta.customerSends({
      igAccountId: ig(),
      igsid,
      text: 'Is the blue one in stock?',
    });
    await eventsOf(igsid, 1);
    await world.meta.customerReacts({
      igAccountId: ig(),
      igsid,
      mid: original.mid!,
      action: 'react',
      reaction: 'love',
      emoji: '❤️',
    });
    await eventsOf(igsid, 2);
    await world.meta.customerReacts({
      igAccountId: ig(),
      igsid,
      mid: original.mid!,
      action: 'unreact',
    });
    const events = await eventsOf(igsid, 3);
    expect(events[1].text).toBe('❤️ Reacted to “Is the blue one in stock?”');
    expect(events[2].text).toBe('Removed their reaction from “Is the blue one in stock?”');
  });

  it('postback and quick reply: the chosen title', async () => {
    const igsid = newUser();
    await world.meta.customerPostback({
      igAccountId: ig(),
      igsid,
      title: 'Track my order',
      payload: 'TRACK',
    });
    await eventsOf(igsid, 1);
    await world.meta.customerSends({
      igAccountId: ig(),
      igsid,
      message: { text: 'Yes, please', quickReplyPayload: 'YES' },
    });
    const events = await eventsOf(igsid, 2);
    expect(events[0].text).toBe('🔘 Tapped “Track my order”');
    expect(events[1].text).toBe('🔘 Yes, please');
  });

  it('referral: a note naming where the customer came from', async () => {
    const igsid = newUser();
    await world.meta.customerReferral({
      igAccountId: ig(),
      igsid,
      ref: 'summer-sale',
      source: 'SHORTLINK',
      type: 'OPEN_THREAD',
    });
    const [event] = await eventsOf(igsid, 1);
    expect(event.text).toBe(
      '🔗 Opened the conversation from a link (ref: summer-sale) [SHORTLINK]',
    );
  });

  it('unsupported and view-once media: a visible placeholder', async () => {
    const igsid = newUser();
    await world.meta.customerSends({ igAccountId: ig(), igsid, message: { isUnsupported: true } });
    await eventsOf(igsid, 1);
    await world.meta.customerSends({
      igAccountId: ig(),
      igsid,
      message: { attachments: [{ type: 'ephemeral', payload: {} }] },
    });
    const events = await eventsOf(igsid, 2);
    expect(events[0].text).toContain('Instagram does not share with apps');
    expect(events[1].text).toContain('view-once');
  });

  it('a reply typed in the Instagram app is shown, marked; the echo of our own reply is not', async () => {
    const igsid = newUser();
    await world.meta.customerSends({ igAccountId: ig(), igsid, text: 'first' });
    await eventsOf(igsid, 1);
    await world.meta.businessRepliesInApp({
      igAccountId: ig(),
      igsid,
      appId: world.meta.appId,
      text: 'sent via our app',
    });
    await world.meta.businessRepliesInApp({ igAccountId: ig(), igsid, text: 'Typed on the phone' });
    await world.meta.customerSends({ igAccountId: ig(), igsid, text: 'last' });
    const events = await eventsOf(igsid, 3);
    expect(events.map((e) => e.text)).toEqual([
      'first',
      '📱 Sent by the business from the Instagram app:\nTyped on the phone',
      'last',
    ]);
  });

  it('the echo of our own reply that an older gateway queued (own-echo lane) is recorded as evidence by the worker, not shown, and its lane drains', async () => {
    const igsid = newUser();
    const text = 'queued by the previous release';
    const item = world.meta.build.echo({ igAccountId: ig(), igsid, text, appId: world.meta.appId });
    const mid = (item.message as { mid: string }).mid;
    const queue = world.gateway.app.get<Queue>(getQueueToken(QueueName.INSTAGRAM_INBOUND));
    const jobId = await queueOwnEchoAsPreviousGateway(world.gateway, item);
    const evidence = world.gateway.app.get(EchoEvidenceService);
    const fp = evidence.fingerprint({ kind: 'text', text });
    await waitFor('the worker to record the evidence', async () =>
      (await evidence.find(ig(), igsid, fp, 0)).includes(mid),
    );
    await waitFor('the own-echo lane to drain', async () => !(await evidence.queued(ig(), igsid)));
    await waitFor('the job to finish', async () => (await queue.getJob(jobId)) === null);
    await world.meta.customerSends({ igAccountId: ig(), igsid, text: 'after the old echo' });
    const events = await eventsOf(igsid, 1);
    expect(events.map((e) => e.text)).toEqual(['after the old echo']);
    expect(await evidence.find(ig(), igsid, fp, 0)).toEqual([mid]);
  });
});
