import { getQueueToken } from '@nestjs/bull';
import { EchoEvidenceService } from '@app/credentials';
import { computeHubSignature } from '@app/meta-graph';
import { InstagramInboundJob, jobIds, QueueName } from '@app/queues';
import { Queue } from 'bull';
import { ConnectedBusiness, World } from '../support/world';
import { waitFor } from '../support/wait-for';

describe('gateway: POST/GET /webhooks/instagram (no worker: what gets queued)', () => {
  let world: World;
  let biz: ConnectedBusiness;
  let inbound: Queue<InstagramInboundJob>;
  let deletes: Queue;
  const secret = 'test-meta-app-secret';

  const post = (body: string, headers: Record<string, string>): Promise<Response> =>
    fetch(`${world.gateway.url}/webhooks/instagram`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });

  const waitingCount = async (): Promise<number> =>
    (await inbound.getJobCounts()).waiting + (await inbound.getJobCounts()).delayed;

  beforeAll(async () => {
    world = await World.start({ relayWorkers: 0 });
    biz = await world.connectBusiness();
    inbound = world.gateway.app.get(getQueueToken(QueueName.INSTAGRAM_INBOUND));
    deletes = world.gateway.app.get(getQueueToken(QueueName.INSTAGRAM_MESSAGE_DELETE));
  });

  afterAll(async () => {
    await world?.close();
  });

  beforeEach(async () => {
    await inbound.empty();
    await deletes.empty();
  });

  it('answers the subscription handshake with the challenge, as plain text', async () => {
    const ok = await fetch(
      `${world.gateway.url}/webhooks/instagram?hub.mode=subscribe&hub.verify_token=test-verify-token&hub.challenge=1158201444`,
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('text/plain');
    expect(await ok.text()).toBe('1158201444');
    const wrong = await fetch(
      `${world.gateway.url}/webhooks/instagram?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`,
    );
    expect(wrong.status).toBe(403);
  });

  it('refuses a wrong or missing signature with 401 and queues nothing', async () => {
    const wrong = await world.meta.customerSends(
      { igAccountId: biz.meta.igAccount.id, igsid: 'u1', text: 'x' },
      { signature: 'wrong' },
    );
    expect(wrong.delivery.status).toBe(401);
    const missing = await world.meta.customerSends(
      { igAccountId: biz.meta.igAccount.id, igsid: 'u1', text: 'x' },
      { signature: 'missing' },
    );
    expect(missing.delivery.status).toBe(401);
    expect(missing.delivery.responseText).toContain('X-Hub-Signature-256');
    expect(await waitingCount()).toBe(0);
  });

  it("verifies the exact bytes: a body with emoji in Meta's escaped form is accepted", async () => {
    const sent = await world.meta.customerSends({
      igAccountId: biz.meta.igAccount.id,
      igsid: 'u-emoji',
      text: 'Ça va? 😀🎉',
    });
    expect(sent.delivery.rawBody.toString()).toContain('\\u');
    expect(sent.delivery.status).toBe(200);
    const [job] = await inbound.getWaiting();
    expect(job.data.itemKey).toBe(`m:${sent.mid}`);
  });

  it('answers 400 with a reason for malformed JSON or envelope, queuing nothing', async () => {
    const notJson = '{"object":"instagram","entry":[';
    const res1 = await post(notJson, {
      'x-hub-signature-256': computeHubSignature(notJson, secret),
    });
    expect(res1.status).toBe(400);
    const noEntries = JSON.stringify({ object: 'instagram', entry: 'nope' });
    const res2 = await post(noEntries, {
      'x-hub-signature-256': computeHubSignature(noEntries, secret),
    });
    expect(res2.status).toBe(400);
    expect(((await res2.json()) as { message: string }).message).toMatch(/malformed webhook: .+/);
    expect(await waitingCount()).toBe(0);
  });

  it('answers 413 for a body over the limit', async () => {
    const huge = JSON.stringify({
      object: 'instagram',
      entry: [],
      pad: 'x'.repeat(6 * 1024 * 1024),
    });
    const res = await post(huge, { 'x-hub-signature-256': computeHubSignature(huge, secret) });
    expect(res.status).toBe(413);
  });

  it('accepts and ignores another object (a Page webhook) with 200', async () => {
    const page = JSON.stringify({ object: 'page', entry: [{ id: '1', time: 1, messaging: [] }] });
    const res = await post(page, { 'x-hub-signature-256': computeHubSignature(page, secret) });
    expect(res.status).toBe(200);
    expect(await waitingCount()).toBe(0);
  });

  it('queues one job per messaging item of a batch, with deterministic ids, and deletes separately', async () => {
    const ig = biz.meta.igAccount.id;
    const items = [
      world.meta.build.message({ igAccountId: ig, igsid: 'u2', text: 'a' }),
      world.meta.build.message({ igAccountId: ig, igsid: 'u3', text: 'b' }),
      world.meta.build.reaction({ igAccountId: ig, igsid: 'u2', mid: 'mid-x', reaction: 'love' }),
      world.meta.build.deleted({ igAccountId: ig, igsid: 'u3', mid: 'mid-y' }),
    ];
    const delivery = await world.meta.sendBatch([
      { igAccountId: ig, items: items.slice(0, 2) },
      { igAccountId: ig, items: items.slice(2) },
    ]);
    expect(delivery.status).toBe(200);
    const jobs = await inbound.getWaiting();
    expect(jobs).toHaveLength(3);
    expect(jobs.map((j) => j.data.igsid).sort()).toEqual(['u2', 'u2', 'u3']);
    expect(await deletes.getWaitingCount()).toBe(1);
    // Meta's redelivery maps to the same job ids: nothing new is queued.
    await world.meta.redeliver(delivery);
    expect(await inbound.getWaitingCount()).toBe(3);
    expect(await deletes.getWaitingCount()).toBe(1);
  });

  it('queues a 10-item webhook, jobs and order entries, in one Redis command', async () => {
    const ig = biz.meta.igAccount.id;
    const items = Array.from({ length: 10 }, (_, i) =>
      world.meta.build.message({ igAccountId: ig, igsid: `trip-${i % 3}`, text: `t${i}` }),
    );
    const prefix = world.gateway.env.REDIS_KEY_PREFIX;
    // What the gateway sends Redis, as Redis saw it (commands run by a script are not counted).
    const monitor = await inbound.client.monitor();
    const marker = `${prefix}:monitor-marker`;
    const commands: string[][] = [];
    let markerSeen = false;
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (args.includes(marker)) {
        markerSeen = true;
      } else if (!markerSeen && source !== 'lua' && args.some((a) => a.startsWith(`${prefix}:`))) {
        commands.push(args);
      }
    });
    try {
      const delivery = await world.meta.sendBatch([{ igAccountId: ig, items }]);
      expect(delivery.status).toBe(200);
      // Everything the gateway sent before its 200 reached the monitor before this marker.
      await inbound.client.get(marker);
      await waitFor('the monitor to catch up', () => markerSeen);
    } finally {
      monitor.disconnect();
    }
    const writes = commands.filter((args) =>
      args.some((a) => a.includes(`:${QueueName.INSTAGRAM_INBOUND}:`) || a.includes(':order:')),
    );
    // One script (EVALSHA, or EVAL the first time it runs); before, 10 ZADDs and 10 addJob scripts.
    expect(writes).toHaveLength(1);
    expect(['evalsha', 'eval']).toContain(writes[0][0].toLowerCase());
    const jobs = await inbound.getWaiting();
    expect(jobs).toHaveLength(10);
    for (const job of jobs) {
      const key = `${prefix}:order:ig:${ig}:${job.data.igsid}`;
      expect(await inbound.client.zscore(key, String(job.id))).not.toBeNull();
      // Stored as Bull stores a job: its options read back, a worker's retries and removal follow them.
      expect(job.opts).toMatchObject({
        jobId: job.id,
        attempts: 1_000_000,
        removeOnComplete: true,
      });
      expect(job.timestamp).toBeGreaterThan(0);
    }
  });

  it('never answers 200 for jobs it did not create: right after Redis lost its scripts (a restart), a 200 means every job and order entry exists', async () => {
    const ig = biz.meta.igAccount.id;
    const items = Array.from({ length: 10 }, (_, i) =>
      world.meta.build.message({ igAccountId: ig, igsid: `flush-${i % 3}`, text: `m${i}` }),
    );
    // A restarted Redis has no scripts loaded while the gateway's client still thinks it has.
    await inbound.client.script('FLUSH');
    let delivery = await world.meta.sendBatch([{ igAccountId: ig, items }]);
    for (let attempt = 0; delivery.status !== 200 && attempt < 3; attempt += 1) {
      expect(delivery.status).toBeGreaterThanOrEqual(500);
      delivery = await world.meta.redeliver(delivery); // what Meta does with a 5xx
    }
    expect(delivery.status).toBe(200);
    const jobs = await inbound.getWaiting();
    expect(jobs).toHaveLength(10);
    const prefix = world.gateway.env.REDIS_KEY_PREFIX;
    for (const job of jobs) {
      const key = `${prefix}:order:ig:${ig}:${job.data.igsid}`;
      expect(await inbound.client.zscore(key, String(job.id))).not.toBeNull();
    }
  });

  /** The echo evidence stored for a user, newest first, as the relay worker reads it. */
  const evidenceOf = async (
    igsid: string,
  ): Promise<{ raw: string[]; entries: Array<{ mid: string; fp: string; at: number }> }> => {
    const prefix = world.gateway.env.REDIS_KEY_PREFIX;
    const raw = await inbound.client.lrange(
      `${prefix}:echoes:${biz.meta.igAccount.id}:${igsid}`,
      0,
      -1,
    );
    return {
      raw,
      entries: raw.map((r) => JSON.parse(r) as { mid: string; fp: string; at: number }),
    };
  };

  /** Members of the item's conversation order, and of the own-echo lane older gateways used. */
  const orderOf = async (igsid: string): Promise<string[]> => {
    const prefix = world.gateway.env.REDIS_KEY_PREFIX;
    const ig = biz.meta.igAccount.id;
    return [
      ...(await inbound.client.zrange(`${prefix}:order:ig:${ig}:${igsid}`, 0, -1)),
      ...(await inbound.client.zrange(`${prefix}:order:ig:${ig}:${igsid}:own-echo`, 0, -1)),
    ];
  };

  it('records the echo of our own reply before its 200 (a keyed fingerprint, no text) and queues nothing for it', async () => {
    const ig = biz.meta.igAccount.id;
    const igsid = 'own-echo-user';
    const text = 'Our reply, echoed back by Meta';
    const echo = world.meta.build.echo({
      igAccountId: ig,
      igsid,
      text,
      appId: world.gateway.env.META_APP_ID,
    });
    const mid = (echo.message as { mid: string }).mid;
    const delivery = await world.meta.sendBatch([{ igAccountId: ig, items: [echo] }]);
    expect(delivery.status).toBe(200);
    // Read right after the 200: it was written before the answer.
    const { raw, entries } = await evidenceOf(igsid);
    const fingerprint = world.gateway.app
      .get(EchoEvidenceService)
      .fingerprint({ kind: 'text', text });
    expect(entries).toEqual([{ mid, fp: fingerprint, at: echo.timestamp }]);
    expect(raw.join('\n')).not.toContain('echoed back');
    const prefix = world.gateway.env.REDIS_KEY_PREFIX;
    expect(await inbound.client.pttl(`${prefix}:echoes:${ig}:${igsid}`)).toBeGreaterThan(0);
    // No job, no order entry (neither in the conversation nor in an own-echo lane).
    expect(await inbound.getJob(jobIds.instagramItem(ig, `m:${mid}`))).toBeNull();
    expect(await waitingCount()).toBe(0);
    expect(await orderOf(igsid)).toEqual([]);
    // What relay workers read (the outbound claim step) finds it, once after a redelivery.
    await world.meta.redeliver(delivery);
    const evidence = world.gateway.app.get(EchoEvidenceService);
    expect(await evidence.find(ig, igsid, fingerprint, echo.timestamp - 1)).toEqual([mid]);
    expect(await waitingCount()).toBe(0);
  });

  it('queues echoes from other apps (a reply typed in the Instagram app) as before, beside our own in one batch', async () => {
    const ig = biz.meta.igAccount.id;
    const igsid = 'mixed-echo-user';
    const own = world.meta.build.echo({
      igAccountId: ig,
      igsid,
      text: 'ours',
      appId: world.gateway.env.META_APP_ID,
    });
    const typedInApp = world.meta.build.echo({ igAccountId: ig, igsid, text: 'typed in the app' });
    const otherApp = world.meta.build.echo({ igAccountId: ig, igsid, text: 'a tool', appId: '42' });
    const delivery = await world.meta.sendBatch([
      { igAccountId: ig, items: [own, typedInApp, otherApp] },
    ]);
    expect(delivery.status).toBe(200);
    const midOf = (item: typeof own): string => (item.message as { mid: string }).mid;
    const jobs = await inbound.getWaiting();
    expect(jobs.map((j) => j.data.itemKey).sort()).toEqual(
      [`m:${midOf(typedInApp)}`, `m:${midOf(otherApp)}`].sort(),
    );
    for (const job of jobs) {
      expect(job.data.lane).toBeUndefined();
    }
    expect((await orderOf(igsid)).sort()).toEqual(jobs.map((j) => String(j.id)).sort());
    expect((await evidenceOf(igsid)).entries.map((e) => e.mid)).toEqual([midOf(own)]);
  });

  it('answers 5xx, as for a failed enqueue, when it cannot record our echo; the redelivery records it', async () => {
    const ig = biz.meta.igAccount.id;
    const igsid = 'echo-write-fails';
    const key = `${world.gateway.env.REDIS_KEY_PREFIX}:echoes:${ig}:${igsid}`;
    // A key of another type: Redis refuses the LPUSH (WRONGTYPE), as it would any failed write.
    await inbound.client.set(key, 'not a list');
    const echo = world.meta.build.echo({
      igAccountId: ig,
      igsid,
      text: 'must not be lost',
      appId: world.gateway.env.META_APP_ID,
    });
    const other = world.meta.build.message({ igAccountId: ig, igsid: 'same-webhook', text: 'hi' });
    const failed = await world.meta.sendBatch([{ igAccountId: ig, items: [echo, other] }]);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    // Nothing of that webhook was written: Meta's redelivery brings all of it.
    expect(await waitingCount()).toBe(0);
    await inbound.client.del(key);
    const again = await world.meta.redeliver(failed);
    expect(again.status).toBe(200);
    expect((await evidenceOf(igsid)).entries.map((e) => e.mid)).toEqual([
      (echo.message as { mid: string }).mid,
    ]);
    expect(await inbound.getWaitingCount()).toBe(1);
  });

  it('counts what it received on /metrics', async () => {
    const text = await (await fetch(`${world.gateway.url}/metrics`)).text();
    expect(text).toMatch(
      /igl_webhooks_received_total\{source="instagram",outcome="accepted",app="gateway"\} [1-9]/,
    );
    expect(text).toMatch(
      /igl_webhooks_received_total\{source="instagram",outcome="bad_signature",app="gateway"\} [1-9]/,
    );
  });
});
