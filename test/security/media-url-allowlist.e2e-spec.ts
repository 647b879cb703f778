import type { LookupAddress } from 'node:dns';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { InstagramMediaService } from '../../apps/relay-worker/src/inbound/instagram-media.service';
import { systemResolver } from '../../apps/relay-worker/src/inbound/media-url-guard';
import { EmulatorEvent } from '../emulators/livechat';
import { waitFor } from '../support/wait-for';
import { ConnectedBusiness, World } from '../support/world';

/**
 * Attack: a webhook (forged by whoever holds the app secret, or a Meta payload pointing anywhere)
 * carries an attachment URL that makes the relay worker fetch from inside our network — a cloud
 * metadata endpoint, an admin port on loopback — and upload the answer into a LiveChat chat.
 * Control: MEDIA_HOST_ALLOWLIST, https only, every redirect re-checked, internal addresses refused
 * unless the host is listed by name. The message still arrives, with a placeholder for the file.
 */
describe('security: attachment URLs off the media allowlist are not fetched', () => {
  let world: World;
  let biz: ConnectedBusiness;
  let dataSource: DataSource;
  let emulatorPort: string;
  let n = 0;

  const PLACEHOLDER = "was not downloaded: its link does not lead to Instagram's media servers";

  beforeAll(async () => {
    // The emulator's loopback address is listed by name (as in every test); `*.fbcdn.net` stands
    // for Meta's CDN, whose names this test's DNS points at loopback (a rebinding attacker).
    world = await World.start({ env: { MEDIA_HOST_ALLOWLIST: '127.0.0.1,*.fbcdn.net' } });
    biz = await world.connectBusiness();
    dataSource = world.gateway.app.get(getDataSourceToken());
    emulatorPort = new URL(world.meta.url).port;
    const media = world.workers[0].get(InstagramMediaService);
    media.resolver = async (hostname: string): Promise<LookupAddress[]> =>
      hostname.endsWith('.fbcdn.net')
        ? [{ address: '127.0.0.1', family: 4 }]
        : systemResolver(hostname);
  });

  afterAll(async () => {
    await world?.close();
  });

  async function customerEvents(igsid: string, count: number): Promise<EmulatorEvent[]> {
    return waitFor(`${count} event(s) of ${igsid}`, async () => {
      const rows = await dataSource.query<Array<{ id: string | null }>>(
        'SELECT livechat_customer_id AS id FROM conversations WHERE igsid = $1',
        [igsid],
      );
      const customer = rows[0]?.id;
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

  /** Sends one DM with a text and these attachment URLs; returns its events once all arrived. */
  async function dmWith(urls: string[]): Promise<EmulatorEvent[]> {
    const igsid = `media-attacker-${(n += 1)}`;
    await world.meta.customerSends({
      igAccountId: biz.meta.igAccount.id,
      igsid,
      message: {
        text: 'look at this',
        attachments: urls.map((url) => ({ type: 'image', url })),
      },
    });
    const events = await customerEvents(igsid, urls.length + 1);
    expect(events[0]).toMatchObject({ type: 'message', text: 'look at this' });
    return events.slice(1);
  }

  function cdnHits(id: string): number {
    return world.meta.callsTo('GET', `/cdn/${id}`).length;
  }

  it('control: an allowed URL redirecting to an allowed one is followed, and the file arrives', async () => {
    const real = world.meta.state.addMedia({ kind: 'image' });
    const lookaside = world.meta.state.addRedirect(real.url);
    const [file] = await dmWith([lookaside.url]);
    expect(file).toMatchObject({ type: 'file' });
    expect(cdnHits(real.id)).toBe(1);
  });

  it('a host not on the list, or a private address not listed, becomes a placeholder', async () => {
    const events = await dmWith([
      'https://media.attacker.example/a.jpg?sig=1',
      'https://169.254.169.254/latest/meta-data/',
      'https://10.20.30.40/a.jpg',
      `https://[::1]:${emulatorPort}/cdn/x`,
    ]);
    for (const event of events) {
      expect(event).toMatchObject({ type: 'message' });
      expect(event.text).toContain(PLACEHOLDER);
    }
  });

  it('a loopback host not listed by name, over plain http, is not fetched', async () => {
    const secret = world.meta.state.addMedia({ kind: 'image' });
    const events = await dmWith([
      `http://localhost:${emulatorPort}/cdn/${secret.id}`,
      `http://127.0.0.2:${emulatorPort}/cdn/${secret.id}`,
      `http://cdn.fbcdn.net:${emulatorPort}/cdn/${secret.id}`,
    ]);
    expect(events.map((e) => e.text?.includes(PLACEHOLDER))).toEqual([true, true, true]);
    expect(cdnHits(secret.id)).toBe(0);
  });

  it('an allowed CDN name resolving to loopback (DNS rebinding) is refused at connect', async () => {
    const secret = world.meta.state.addMedia({ kind: 'image' });
    const [event] = await dmWith([`https://rebind.fbcdn.net:${emulatorPort}/cdn/${secret.id}`]);
    expect(event.text).toContain(PLACEHOLDER);
    expect(cdnHits(secret.id)).toBe(0);
  });

  it('an allowed URL redirecting off the list is refused at the redirect', async () => {
    const secret = world.meta.state.addMedia({ kind: 'image' });
    const hops = [
      world.meta.state.addRedirect(`http://localhost:${emulatorPort}/cdn/${secret.id}`),
      world.meta.state.addRedirect('https://media.attacker.example/a.jpg'),
      world.meta.state.addRedirect(`https://rebind.fbcdn.net:${emulatorPort}/cdn/${secret.id}`),
      world.meta.state.addRedirect(`file:///etc/passwd`),
    ];
    const events = await dmWith(hops.map((h) => h.url));
    expect(events.map((e) => e.text?.includes(PLACEHOLDER))).toEqual([true, true, true, true]);
    for (const hop of hops) {
      expect(cdnHits(hop.id)).toBeGreaterThanOrEqual(1);
    }
    expect(cdnHits(secret.id)).toBe(0);
  });

  it('a redirect loop between allowed URLs ends in a placeholder', async () => {
    const first = world.meta.state.addRedirect('placeholder');
    const second = world.meta.state.addRedirect(first.url);
    const media = world.meta.state.media.get(first.id);
    media!.redirectTo = second.url;
    const [event] = await dmWith([first.url]);
    expect(event.text).toContain(PLACEHOLDER);
  });
});
